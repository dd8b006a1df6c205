// Methods written in several modules, one object at run time: the annotate page's Annotator
// and the review page's Review each keep their state in one place (`this` everywhere), while
// their methods live in small modules named for what they do (spans.js, stances.js, ...).
// Each such module exports a class whose methods are copied onto the page's class here.

/** Copy every method of each class in `sources` onto `target`'s prototype; a name twice throws. */
export function mixMethods(target, ...sources) {
  for (const source of sources) {
    for (const name of Object.getOwnPropertyNames(source.prototype)) {
      if (name === "constructor") continue;
      if (Object.hasOwn(target.prototype, name)) {
        throw new Error(`${target.name}.${name} is defined twice (again in ${source.name})`);
      }
      Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(source.prototype, name));
    }
  }
}

// The Documents page: one box ticks (or clears) every document of the page for "Assign".
// Without scripts the box stays hidden and each document is ticked by hand.

const all = document.getElementById("pick-all");
const boxes = () => document.querySelectorAll('#documents input[name="documents"]');

if (all !== null) {
  all.hidden = false;
  all.addEventListener("change", () => {
    for (const box of boxes()) box.checked = all.checked;
  });
  // Ticking or clearing one document by hand keeps the page's box truthful.
  document.getElementById("documents").addEventListener("change", (event) => {
    if (event.target === all) return;
    const ticked = [...boxes()].filter((box) => box.checked).length;
    all.checked = ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
  });
}

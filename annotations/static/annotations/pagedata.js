// The annotate page's data: the JSON in the page, and the document's text sent beside it.
//
// The page carries its data as JSON (#annotator-data), with each span as an array of the
// names in `annotation.span_fields` (5,000 spans as objects repeat ten names 5,000 times: half
// of what the browser parsed before drawing anything); they are made objects again here, as
// the API renders them. The text is not in the page: its head preloads
// `payload.document.text_url` (plain UTF-8, the stored text as it is) while the HTML is still
// arriving, and the fetch below picks up that answer. The text must be exactly the stored one:
// offsets count its code points (DESIGN.md, the offset rule).

export const TEXT_NOT_LOADED = "The document's text could not be loaded ({reason}). Reload the page.";

/** Read the page's data from its JSON element, with the document's text in it. */
export async function loadPageData(element) {
  const payload = JSON.parse(element.textContent);
  expandSpans(payload.annotation);
  await loadDocumentText(payload);
  return payload;
}

/** Spans sent as arrays of `span_fields` become objects with those names. */
export function expandSpans(annotation) {
  const fields = annotation.span_fields;
  if (!fields) return;
  annotation.spans = annotation.spans.map((row) => {
    const span = {};
    for (let i = 0; i < fields.length; i++) span[fields[i]] = row[i];
    return span;
  });
  delete annotation.span_fields;
}

/** Fill in `payload.document.text` from its URL, unless the payload already carries it. */
export async function loadDocumentText(payload) {
  const documentData = payload.document;
  if (typeof documentData.text === "string") return;
  let reason;
  try {
    // The same request as the preload (same origin, credentials, no extra headers): reused.
    const response = await fetch(documentData.text_url);
    if (response.ok) {
      // Not response.text(): it would drop a byte order mark, and offsets count every character.
      const bytes = await response.arrayBuffer();
      documentData.text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
      return;
    }
    reason = `HTTP ${response.status}`;
  } catch (error) {
    reason = error.message;
  }
  throw new Error(TEXT_NOT_LOADED.replace("{reason}", reason));
}

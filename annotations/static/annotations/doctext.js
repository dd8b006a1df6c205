// The document's text, sent beside the annotate page rather than inside it.
//
// The page's head preloads `payload.document.text_url` (plain UTF-8, the stored text as it is)
// while the HTML is still arriving, so a 2 MB document costs no HTML to parse and no JSON
// string to unescape; this fetch picks up the preloaded answer. The text must be exactly the
// stored one: offsets count its code points (DESIGN.md, the offset rule).

export const TEXT_NOT_LOADED = "The document's text could not be loaded ({reason}). Reload the page.";

/** Fill in `payload.document.text` from its URL, unless the payload already carries it. */
export async function loadDocumentText(payload) {
  const documentData = payload.document;
  if (typeof documentData.text === "string") return payload;
  let reason;
  try {
    // Same request as the preload (same origin, credentials, no extra headers), so it is reused.
    const response = await fetch(documentData.text_url);
    if (response.ok) {
      // Not response.text(): it would drop a byte order mark, and offsets count every character.
      const bytes = await response.arrayBuffer();
      documentData.text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
      return payload;
    }
    reason = `HTTP ${response.status}`;
  } catch (error) {
    reason = error.message;
  }
  throw new Error(TEXT_NOT_LOADED.replace("{reason}", reason));
}

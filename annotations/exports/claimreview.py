"""schema.org ClaimReview (JSON-LD): one review per claim that has a verdict.

The file is a JSON array (a review a line, so it streams) of::

    {"@context": "https://schema.org", "@type": "ClaimReview",
     "url": "#document-<id>-claim-<span id>",
     "claimReviewed": the normalised claim (else the claim's text),
     "author": {"@type": "Organization", "name": the project's name},
     "reviewRating": {"@type": "Rating", "alternateName": the verdict,
                      "ratingExplanation": the justification (when given)},
     "itemReviewed": {"@type": "Claim",
                      "author": {"@type": "Person", "name": the claimant} (when named),
                      "datePublished": the claim's date (when given),
                      "appearance": [{"@type": "CreativeWork", "identifier": the document's
                                      external id, "url": its meta url (when it has one),
                                      "text": the claim as it appears}]},
     "citation": [{"@type": "CreativeWork", "url", "name", "datePublished"}] (external sources)}

``url`` is a fragment naming the claim: a publisher puts the reviews on a page and resolves
it against that page's address. schema.org rates by ``alternateName`` (the textual rating)
when the scale has no numbers, as ours do. A claim without a verdict has no review: each is
counted as a warning, never left out silently.
"""

from collections.abc import Generator, Iterable
from typing import Any

import orjson

from annotations.exports.base import ExportOptions, ExportReport

NO_VERDICT = "document {document}: claim [{start}, {end}) {text!r} has no verdict: no ClaimReview"
CONTEXT = "https://schema.org"


def claim_review(row: dict[str, Any], claim: dict[str, Any], options: ExportOptions) -> dict:
    """The ClaimReview of one claim of a row (the claim has a record with a verdict)."""
    record = claim["record"]
    appearance: dict[str, Any] = {"@type": "CreativeWork", "text": claim["text"]}
    if row.get("external_id"):
        appearance["identifier"] = row["external_id"]
    meta = row.get("meta")
    meta_url = meta.get("url") if isinstance(meta, dict) else None
    if isinstance(meta_url, str) and meta_url:
        appearance["url"] = meta_url
    item: dict[str, Any] = {"@type": "Claim", "appearance": [appearance]}
    claimant = (claim.get("claimant") or {}).get("text")
    if claimant:
        item["author"] = {"@type": "Person", "name": claimant}
    if record["claim_date"]:
        item["datePublished"] = record["claim_date"]
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": record["verdict"]}
    if record["justification"]:
        rating["ratingExplanation"] = record["justification"]
    review: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": f"#document-{row['id']}-claim-{claim['id']}",
        "claimReviewed": record["normalized_text"] or claim["text"],
        "author": {"@type": "Organization", "name": options.project or "Workbench"},
        "reviewRating": rating,
        "itemReviewed": item,
    }
    sources = [_citation(source) for source in record["evidence"] if source.get("url")]
    if sources:
        review["citation"] = sources
    return review


def _citation(source: dict[str, Any]) -> dict[str, Any]:
    cited: dict[str, Any] = {"@type": "CreativeWork", "url": source["url"]}
    if source.get("title"):
        cited["name"] = source["title"]
    if source.get("published"):
        cited["datePublished"] = source["published"]
    return cited


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield a JSON array of ClaimReviews, one a line."""
    separator = b"[\n"
    for row in rows:
        for claim in row["claims"]:
            record = claim.get("record")
            if record is None or not record["verdict"]:
                report.warn(
                    NO_VERDICT.format(
                        document=row["id"],
                        start=claim["start"],
                        end=claim["end"],
                        text=claim["text"],
                    )
                )
                continue
            yield separator + orjson.dumps(claim_review(row, claim, options))
            separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"

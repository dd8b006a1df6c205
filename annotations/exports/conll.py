"""CoNLL-2003-style BIO over entity spans: ``token<TAB>tag``, a blank line between sentences.

Each document opens with ``-DOCSTART- -X- -X- O`` and a blank line, as in CoNLL-2003. Claims
and stances have no place in flat BIO and are left out. Tokens and sentences come from
``tokens``: whitespace is not a token, a line break ends a sentence, an opening quote starts
one, and a sentence boundary that falls inside an entity is dropped, so an entity is never cut
in two. An entity that does not start and end on token boundaries, or that overlaps one
already placed, is left out (its tokens are ``O``) and reported in the export report only:
the file holds nothing but tokens and tags, since CoNLL readers take any other line for a
token (the API lists them at ``export/warnings/``; a release keeps them in its ``warnings``
file).
"""

from collections.abc import Generator, Iterable
from typing import Any

from annotations.exports.base import ExportOptions, ExportReport
from annotations.exports.tokens import bio_tags, pipeline, sentences

DOCSTART = "-DOCSTART- -X- -X- O\n"
# Documents tokenised together: spaCy's pipe works in batches.
PIPE_BATCH = 64


def tagged_documents(
    rows: Iterable[dict[str, Any]], report: ExportReport
) -> Iterable[list[list[tuple[str, str]]]]:
    """Yield each row as sentences of (token, BIO tag), reporting the entities left out."""
    nlp = pipeline()
    pairs = ((row["text"], row) for row in rows)
    for doc, row in nlp.pipe(pairs, as_tuples=True, batch_size=PIPE_BATCH):
        tags = bio_tags(row, doc, report)
        yield [[(token.text, tags[token.i]) for token in group] for group in sentences(doc, tags)]


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[str, None, None]:
    """Yield one block per row: the -DOCSTART- line, then the tagged sentences."""
    return render_lines(rows, report, "{token}\t{tag}\n")


def render_lines(
    rows: Iterable[dict[str, Any]], report: ExportReport, line: str
) -> Generator[str, None, None]:
    """Yield one block per row: -DOCSTART-, a blank line, then each token as ``line`` formats
    it (``{token}``, ``{tag}``) and a blank line after each sentence."""
    for document in tagged_documents(rows, report):
        lines = [DOCSTART, "\n"]
        for sentence in document:
            lines.extend(line.format(token=token, tag=tag) for token, tag in sentence)
            lines.append("\n")
        yield "".join(lines)

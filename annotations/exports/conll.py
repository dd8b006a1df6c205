"""CoNLL-2003-style BIO over entity spans: ``token<TAB>tag``, a blank line between sentences.

Each document opens with ``-DOCSTART- -X- -X- O`` and a blank line, as in CoNLL-2003. Claims
and stances have no place in flat BIO and are left out. Tokens and sentences come from
``tokens.pipeline()``; whitespace is not a token. A sentence boundary that falls inside an
entity is dropped (the two sentences are written as one), so an entity is never cut in two.
An entity that does not start and end on token boundaries, or that overlaps one already
placed, is left out (its tokens are ``O``) and reported twice: in the export report, and as a
``# export warning: ...`` line right after its document's ``-DOCSTART-`` line.
"""

from collections.abc import Generator, Iterable
from typing import Any

from annotations.exports.base import ExportOptions, ExportReport
from annotations.exports.tokens import pipeline, place_entities

DOCSTART = "-DOCSTART- -X- -X- O\n"
WARNING_PREFIX = "# export warning: "
# Documents tokenised together: spaCy's pipe works in batches.
PIPE_BATCH = 64


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[str, None, None]:
    """Yield one block per row: the -DOCSTART- line, warnings, then the tagged sentences."""
    nlp = pipeline()
    pairs = ((row["text"], row) for row in rows)
    for doc, row in nlp.pipe(pairs, as_tuples=True, batch_size=PIPE_BATCH):
        placed, problems = place_entities(row, doc)
        tags = ["O"] * len(doc)
        for first, last, span in placed:
            tags[first] = f"B-{span['label']}"
            for index in range(first + 1, last + 1):
                tags[index] = f"I-{span['label']}"
        lines = [DOCSTART]
        for message in problems:
            report.warn(message)
            lines.append(WARNING_PREFIX + message.replace("\n", " ") + "\n")
        lines.append("\n")
        open_sentence = False
        for token in doc:
            # A new sentence only outside an entity: sentence splitting is a guess, the
            # entity is not.
            if token.is_sent_start and open_sentence and not tags[token.i].startswith("I-"):
                lines.append("\n")
                open_sentence = False
            if token.is_space:
                continue
            lines.append(f"{token.text}\t{tags[token.i]}\n")
            open_sentence = True
        if open_sentence:
            lines.append("\n")
        yield "".join(lines)

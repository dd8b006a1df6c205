"""Sentences of a text: the one splitter the token-level exports and sentence units share.

Pure (no Django): spaCy's rule-based English tokenizer and sentencizer (``spacy.blank("en")``,
no model download), imported on first use so that processes that never split a sentence do
not pay its start-up time and memory. Tokens are never altered: each is an exact slice of the
text at its code-point offset (spaCy's ``Token.idx`` is a Python ``str`` index), so a
sentence's range is exact code points of the stored text (DESIGN.md, the offset rule).

The rules on top of spaCy's sentencizer (``sentences``):
- a line break always ends a sentence (a headline is a sentence of its own);
- an opening quote starts the sentence it opens (the sentencizer hangs it on the one before);
- a start the sentencizer puts on whitespace (two spaces after a full stop) is the next word's;
- no sentence starts inside an entity (the CoNLL export passes its BIO tags; units pass none).

Abbreviations ("Dr. Keita") are spaCy's business: its tokenizer keeps the full stop of the
abbreviations it knows on the word, and its sentencizer does not start a sentence after them.

Sentence units (``sentence_ranges``) are these sentences as ``(start, end)`` code-point
ranges from the first token's start to the last token's end, in text order; the unit id is
the index. The text of a document never changes once annotated, and spaCy is pinned in
requirements.txt, so a unit id stays the same sentence; a spaCy upgrade that moved a
sentence boundary would be caught by the span write path (a unit span must cover its
sentence) and by tests/test_sentences.py.
"""

import functools
from collections.abc import Sequence
from typing import Any

# A quote mark that opens a quotation when text follows it directly and space (or nothing)
# precedes it. spaCy's sentencizer hangs any punctuation after a full stop on the sentence it
# ends, so `said. "We` would end a sentence on the quote that opens the next.
QUOTE_MARKS = frozenset("\"'“‘«„‚‹「『")

# The texts whose sentences were asked for lately: the annotate page, a unit write and the
# submit check ask for the same document's sentences in quick succession.
RECENT_TEXTS = 64


@functools.cache
def pipeline() -> Any:
    """Return the shared tokenizer and sentencizer (built once per process)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentences(doc: Any, tags: Sequence[str] | None = None) -> list[list[Any]]:
    """Group the doc's non-space tokens into sentences.

    A sentence starts where the sentencizer starts one, and after any line break (a headline
    is a sentence of its own); an opening quote starts the sentence it opens; and, given BIO
    ``tags`` (one per token of the doc), no sentence starts inside an entity.
    """
    tokens = [token for token in doc if not token.is_space]
    groups: list[list[Any]] = []
    starts = _sentence_starts(doc, tokens)
    for position, token in enumerate(tokens):
        inside = tags is not None and tags[token.i].startswith("I-")
        if position == 0 or (position in starts and not inside):
            groups.append([])
        groups[-1].append(token)
    return groups


@functools.lru_cache(maxsize=RECENT_TEXTS)
def sentence_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """Return the text's sentences as code-point ranges, in order (the unit id is the index)."""
    doc = pipeline()(text)
    return tuple((group[0].idx, group[-1].idx + len(group[-1].text)) for group in sentences(doc))


def _sentence_starts(doc: Any, tokens: list[Any]) -> set[int]:
    """Positions (in ``tokens``) where a sentence starts, before the entity rule."""
    text = doc.text
    starts = set()
    for position in range(1, len(tokens)):
        token, before = tokens[position], tokens[position - 1]
        between = text[before.idx + len(before.text) : token.idx]
        # The sentencizer may start the sentence on the run of spaces before its first word
        # (two spaces after a full stop): that start belongs to the word.
        spaces = doc[before.i + 1 : token.i]
        if token.is_sent_start or any(s.is_sent_start for s in spaces) or "\n" in between:
            starts.add(position)
    for position in range(1, len(tokens) - 1):
        token, after = tokens[position], tokens[position + 1]
        opens = (
            token.text in QUOTE_MARKS
            and token.idx + 1 == after.idx  # text follows the quote directly
            and (token.idx == 0 or text[token.idx - 1].isspace())
        )
        if opens and position + 1 in starts:
            starts.discard(position + 1)
            starts.add(position)
    return starts

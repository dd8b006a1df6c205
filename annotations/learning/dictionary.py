"""The dictionary recommender: every surface string the gold labels, found again as whole tokens.

Built from the gold's spans: each distinct string (case-sensitive) gets the label the gold gives
it most often (on a tie, the first by name), and as its score the share of its gold
occurrences with that label ("Paris" LOC 3 times and ORG once: LOC, 0.75). Matching is spaCy's
``PhraseMatcher`` over the tokens of the same blank tokenizer, so a match always starts and
ends on token boundaries ("Mali" is not found inside "Somalia"); of overlapping matches the
longest wins (``spacy.util.filter_spans``). It needs a single gold document to work.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson

from annotations.learning.ner import ArtifactError
from annotations.learning.types import GoldDocument, Predicted

FORMAT = "workbench-dictionary/1"
BATCH_SIZE = 64
Entry = tuple[str, str, float]  # (surface string, label, score)


def build(documents: Sequence[GoldDocument], *, lang: str) -> bytes:
    """Collect the gold's strings and their labels; return the dictionary's artifact."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for text, spans in documents:
        for start, end, label in spans:
            surface = text[start:end]
            if surface.strip():
                counts[surface][label] += 1
    entries: list[Entry] = []
    for surface, labels in sorted(counts.items()):
        label, count = min(labels.items(), key=lambda item: (-item[1], item[0]))
        entries.append((surface, label, round(count / sum(labels.values()), 4)))
    return orjson.dumps({"format": FORMAT, "lang": lang, "entries": entries})


def entries_of(artifact: bytes) -> tuple[str, list[Entry]]:
    """The dictionary's language and entries."""
    try:
        meta = orjson.loads(bytes(artifact))
    except orjson.JSONDecodeError as error:
        raise ArtifactError("not a stored dictionary") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ArtifactError(f"not a {FORMAT} dictionary")
    return meta["lang"], [(surface, label, score) for surface, label, score in meta["entries"]]


class Matcher:
    """A loaded dictionary: finds its strings in texts."""

    def __init__(self, artifact: bytes) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        lang, entries = entries_of(artifact)
        self.nlp = spacy.blank(lang)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.entries: dict[str, tuple[str, float]] = {}
        for surface, label, score in entries:
            pattern = self.nlp.make_doc(surface)
            if len(pattern):
                self.matcher.add(surface, [pattern])
                self.entries[surface] = (label, score)
        self.vocab: Any = self.nlp.vocab

    def predict(self, texts: Iterable[str]) -> Iterator[list[Predicted]]:
        """The dictionary's strings found in each text, in order, longest of overlaps kept."""
        from spacy.tokens import Span as SpacySpan
        from spacy.util import filter_spans

        for doc in self.nlp.pipe(texts, batch_size=BATCH_SIZE):
            # The match's key is the surface string it came from: its label and score.
            found = [
                SpacySpan(doc, start, end, label=match_id)
                for match_id, start, end in self.matcher(doc)
            ]
            spans = []
            for span in filter_spans(found):
                label, score = self.entries[self.vocab.strings[span.label]]
                spans.append((span.start_char, span.end_char, label, score))
            yield sorted(spans)

"""The built-in NER recommender: a spaCy pipeline from ``spacy.blank(lang)`` with an ``ner``
component, trained from scratch on the gold (nothing is downloaded, now or when loading).

Offsets: spaCy's character offsets (``Span.start_char``/``end_char``) are Python ``str``
indices, that is code points, the workbench's own unit: predictions are stored as spaCy
gives them.

What training cannot use, and says so (``TrainReport``):
- a gold span whose ends are not token boundaries of spaCy's tokenizer is left out of the
  training and marked missing (``-``), so the model is neither taught nor punished there;
- spans that overlap (nested or crossing) cannot all be NER entities: the longest of each
  overlapping group is kept.

Claims: when the gold has spans of claim labels (``claim_labels``), the same pipeline gets a
``spancat`` component trained on them (``doc.spans["claims"]``), so one model predicts entities
and claims, and claims may nest and cross. Its suggester is spaCy's
``ngram_range_suggester`` with the range of claim lengths (in tokens) the training gold has,
capped at ``MAX_CLAIM_TOKENS``: it proposes every span a claim of the gold could be, and only
those, which keeps training to seconds on a few hundred sentences (a sentence suggester would
miss the clause nested in a sentence). A span is predicted when its score reaches
``CLAIM_THRESHOLD``; that score is the prediction's score. Without claim spans in the training
gold the pipeline is the NER alone, as before.

Scores: spaCy's greedy NER gives no per-entity confidence, so predictions carry ``None``
(a beam NER would, at several times the cost).

The artifact is the pipeline's config and its ``to_bytes()``, so loading rebuilds exactly the
trained pipeline from the config (``from_config``), with no package or download.
"""

import random
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from annotations.learning.types import GoldDocument, Predicted, Span

FORMAT = "workbench-spacy-ner/1"
BATCH_SIZE = 32
CLAIMS_KEY = "claims"
CLAIM_THRESHOLD = 0.5
# The longest claim (in tokens) the suggester proposes: longer gold claims are still taught as
# far as the range reaches, and the count of candidates stays bounded on long documents.
MAX_CLAIM_TOKENS = 40


class ArtifactError(ValueError):
    """The bytes are not a model this code stored."""


@dataclass
class TrainReport:
    """What a training run used and what it left out."""

    documents: int = 0
    spans: int = 0
    misaligned: int = 0
    overlapping: int = 0
    losses: list[float] = field(default_factory=list)
    claim_spans: int = 0
    claim_losses: list[float] = field(default_factory=list)


def non_overlapping(spans: Iterable[Span]) -> tuple[list[Span], int]:
    """Keep the longest of each group of overlapping spans (the earliest on a tie)."""
    kept: list[Span] = []
    dropped = 0
    for span in sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[0], s[2])):
        if any(span[0] < other[1] and other[0] < span[1] for other in kept):
            dropped += 1
        else:
            kept.append(span)
    return sorted(kept), dropped


def _examples(
    nlp: Any, documents: Sequence[GoldDocument], claim_labels: frozenset[str], report: TrainReport
) -> tuple[list[Any], list[int]]:
    """The training examples, and the length in tokens of every aligned claim span."""
    from spacy.training import Example

    examples = []
    claim_lengths: list[int] = []
    for text, spans in documents:
        entities = [span for span in spans if span[2] not in claim_labels]
        kept, dropped = non_overlapping(entities)
        report.overlapping += dropped
        doc = nlp.make_doc(text)
        report.misaligned += sum(1 for start, end, _ in kept if doc.char_span(start, end) is None)
        report.spans += len(kept)
        annotations: dict[str, Any] = {"entities": kept}
        if claim_labels:
            claims = []
            for start, end, label in sorted({span for span in spans if span[2] in claim_labels}):
                aligned = doc.char_span(start, end)
                if aligned is None:
                    # A claim spancat cannot align is left out, as a misaligned entity is.
                    report.misaligned += 1
                    continue
                claims.append((start, end, label))
                claim_lengths.append(len(aligned))
            report.claim_spans += len(claims)
            annotations["spans"] = {CLAIMS_KEY: claims}
        with warnings.catch_warnings():
            # W030: a misaligned span becomes "missing" ('-'), counted above.
            warnings.simplefilter("ignore")
            examples.append(Example.from_dict(doc, annotations))
    report.documents = len(examples)
    return examples, claim_lengths


def train(
    documents: Sequence[GoldDocument],
    *,
    labels: Sequence[str],
    claim_labels: Sequence[str] = (),
    lang: str,
    iterations: int,
    seed: int = 0,
    dropout: float = 0.2,
) -> tuple[bytes, TrainReport]:
    """Train an NER pipeline on the documents; return its artifact and what it used.

    Spans whose label is one of ``claim_labels`` train a ``spancat`` in the same pipeline
    (only when the documents have some); the others train the NER.
    """
    import spacy
    from spacy.util import compounding, fix_random_seed, minibatch

    fix_random_seed(seed)
    shuffler = random.Random(seed)  # noqa: S311 - reproducible training order, not a secret
    nlp = spacy.blank(lang)
    ner: Any = nlp.add_pipe("ner")
    for label in labels:
        ner.add_label(label)
    report = TrainReport()
    examples, claim_lengths = _examples(nlp, documents, frozenset(claim_labels), report)
    if claim_lengths:
        spancat: Any = nlp.add_pipe(
            "spancat",
            config={
                "spans_key": CLAIMS_KEY,
                "threshold": CLAIM_THRESHOLD,
                "suggester": {
                    "@misc": "spacy.ngram_range_suggester.v1",
                    "min_size": min(min(claim_lengths), MAX_CLAIM_TOKENS),
                    "max_size": min(max(claim_lengths), MAX_CLAIM_TOKENS),
                },
            },
        )
        for label in claim_labels:
            spancat.add_label(label)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(iterations):
        shuffler.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(4.0, 32.0, 1.001)):
            nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        report.losses.append(round(float(losses.get("ner", 0.0)), 3))
        if claim_lengths:
            report.claim_losses.append(round(float(losses.get("spancat", 0.0)), 3))
    return _dump(nlp), report


def _dump(nlp: Any) -> bytes:
    header = orjson.dumps({"format": FORMAT, "config": nlp.config.to_str()})
    return header + b"\n" + nlp.to_bytes()


def load(artifact: bytes) -> Any:
    """Rebuild the trained pipeline from its artifact."""
    from spacy.util import get_lang_class
    from thinc.api import Config

    header, _, body = bytes(artifact).partition(b"\n")
    try:
        meta = orjson.loads(header)
    except orjson.JSONDecodeError as error:
        raise ArtifactError("not a stored NER model") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ArtifactError(f"not a {FORMAT} model")
    config = Config().from_str(meta["config"])
    nlp = get_lang_class(config["nlp"]["lang"]).from_config(config)
    return nlp.from_bytes(body)


def predict(nlp: Any, texts: Iterable[str]) -> Iterator[list[Predicted]]:
    """The entities (no score) and claims (scored) the pipeline finds in each text, in order."""
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
        found: list[Predicted] = [
            (ent.start_char, ent.end_char, ent.label_, None) for ent in doc.ents
        ]
        if CLAIMS_KEY in doc.spans:
            group = doc.spans[CLAIMS_KEY]
            scores = group.attrs.get("scores", [])
            found.extend(
                (span.start_char, span.end_char, span.label_, round(float(score), 4))
                for span, score in zip(group, scores, strict=True)
            )
        yield found

"""Pure model code of the recommenders: spaCy NER, the gold dictionary, held-out scores, the
external server contract. No Django: services feed these plain tuples and store what they return.

A gold document is ``(text, [(start, end, label), ...])``, offsets in code points (Python
``str`` indices, as spaCy's character offsets are); a prediction is
``(start, end, label, score)`` with ``score`` ``None`` when the model gives none.
"""

from annotations.learning.types import GoldDocument, Predicted, Span

__all__ = ["GoldDocument", "Predicted", "Span"]

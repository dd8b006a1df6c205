"""The plain shapes the recommenders' pure code reads and returns."""

# (start, end, label): a gold span, code-point offsets.
Span = tuple[int, int, str]
# (text, spans): one gold document.
GoldDocument = tuple[str, list[Span]]
# (start, end, label, score): one predicted span; score None when the model gives none.
Predicted = tuple[int, int, str, float | None]

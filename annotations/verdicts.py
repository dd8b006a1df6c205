"""The verdict scales a project may give its claims; pure, the one place their values live.

``fever``: FEVER's three labels; ``averitec``: AVeriTeC's four; ``custom``: the project's own
textual ratings (``Project.verdict_labels``), in the order the project gives them. A verdict
is stored as the scale's exact string; the empty string means "no verdict yet".
"""

from collections.abc import Sequence

FEVER = ("SUPPORTS", "REFUTES", "NOT ENOUGH INFO")
AVERITEC = ("Supported", "Refuted", "Not Enough Evidence", "Conflicting Evidence/Cherrypicking")
SCALES: dict[str, tuple[str, ...]] = {"fever": FEVER, "averitec": AVERITEC}

VERDICT_NOT_ON_SCALE = (
    "{value!r} is not a verdict of this project's scale ({scale}): use one of {choices}."
)


def verdict_choices(scale: str, custom: Sequence[object] = ()) -> tuple[str, ...]:
    """The verdicts of a scale, in order; ``custom`` is the project's own list."""
    if scale in SCALES:
        return SCALES[scale]
    return tuple(str(value) for value in custom if isinstance(value, str) and value)


def verdict_error(value: str, scale: str, custom: Sequence[object] = ()) -> str | None:
    """Why ``value`` is not a verdict of the scale (None: it is, or it is empty)."""
    choices = verdict_choices(scale, custom)
    if value == "" or value in choices:
        return None
    listed = ", ".join(repr(choice) for choice in choices) or "(none: the scale is empty)"
    return VERDICT_NOT_ON_SCALE.format(value=value, scale=scale, choices=listed)

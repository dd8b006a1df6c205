"""Text a person types as a name or an id: no invisible bidirectional controls.

Pure (no Django). The explicit direction controls (U+202A–U+202E embeddings and overrides,
U+2066–U+2069 isolates) and the marks (U+200E, U+200F, U+061C) are invisible, yet they reorder
what is shown around them: a label named ``PER`` with an override in it can read as another
label, an external id can display as a different id ("Trojan Source", CVE-2021-42574). Names of
projects, labels and stance targets and documents' external ids refuse them; document text
keeps them (right-to-left writing needs the marks, and offsets must not move).
"""

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)

BIDI_CONTROL = (
    "{field} contains an invisible bidirectional control character (U+{code:04X}) at "
    "character {position}; remove it."
)


def bidi_control_error(value: str, *, field: str) -> str | None:
    """Say where ``value`` holds a bidirectional control character, or None when it holds none."""
    for position, character in enumerate(value):
        if character in BIDI_CONTROLS:
            return BIDI_CONTROL.format(field=field, code=ord(character), position=position)
    return None

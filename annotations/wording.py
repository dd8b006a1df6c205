"""Phrases the app's messages build around a word it does not know in advance.

Pure (no Django). A message that names a kind or a role ("is a claim label", "is now a
manager") takes its article from here, so "an entity label" and "an annotator" come out
right whatever the word; one rule, not an "a"/"an" guessed at each message.
"""

import re

_LEADING_LETTERS = re.compile(r"[^\W\d_]+")
# Letters whose name starts with a vowel sound: an acronym read letter by letter takes "an"
# before them ("an SQL error", "an HTML page"), "a" before the others ("a UTF-8 file").
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")
# Words that start with a "u" read as "you": "a unique id", "a user", "a usual case".
_YOU_SOUND = ("uni", "use", "usu", "uti", "ura", "ure", "uro")


def indefinite_article(word: str) -> str:
    """Return "a" or "an", whichever goes before ``word`` as it is read aloud."""
    if not word:
        return "a"
    letters = _LEADING_LETTERS.match(word)
    if letters and len(letters.group()) > 1 and letters.group().isupper():
        return "an" if word[0] in _VOWEL_SOUND_LETTERS else "a"
    lower = word.lower()
    if lower[0] in "aeio":
        return "an"
    if lower[0] == "u":
        return "a" if lower.startswith(_YOU_SOUND) else "an"
    return "a"


def with_article(word: str) -> str:
    """Return ``word`` after its indefinite article: "an entity", "a claim", "an annotator"."""
    return f"{indefinite_article(word)} {word}"

"""The numbers a claim states, and whether two claims' numbers contradict: pure, no Django.

Claim matching uses it to demote a candidate that says the same thing with another number
("about 1,500 troops" against "about 500 troops"): both halves of matching rank such a claim
near the top (it shares nearly every word and nearly all the meaning), yet a fact-check of the
one does not answer the other.

What counts as a stated number (``stated_numbers``), each read as one float:

- digits, with thousands separators and decimals ("1,500", "1.5", "10000"), and a scale word
  or suffix after them ("1.5 million", "12 billion", "1.2bn");
- number words ("fifteen", "twenty-one", "fifteen hundred", "one and a half million",
  "four hundred thousand"; "a billion"); a lone "one" is not a number (mostly a pronoun);
- shares, read as a fraction of one: percentages ("40%", "40 percent", "forty per cent" are
  0.4), "half", "a third", "three quarters", "one in five", "ninety-five out of a hundred";
- durations, read in days ("72 hours" and "three days" are both 3.0; "a quarter of a year",
  "half a decade").

Two claims' numbers contradict (``numbers_contradict``) when both state numbers and none of
the one's is close to one of the other's (within ``SHARE_TOLERANCE``, relative, for two
shares, which news rounds: "nearly a third" is "30 percent"; within ``TOLERANCE`` for the
rest: 16 and 18 differ): extra numbers on one side
never contradict ("one billion dollars a year" against "a billion dollars"), and a claim that
states none contradicts nothing. Words it does not read ("doubled", "a dozen", "a year and a
half") are not numbers: when in doubt, no contradiction.
"""

import re

# "Nearly a third" and "30 percent" are one claim: 0.333 against 0.3 differ by 10 %.
SHARE_TOLERANCE = 0.12
# "18 months" and "a year and a half" (547.5 days) differ by 1.4 %; 16 and 18 by 11 %.
TOLERANCE = 0.05

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SUFFIXES = {"k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
_FRACTIONS = {"half": 0.5, "halves": 0.5, "third": 1 / 3, "thirds": 1 / 3}
_FRACTIONS |= {"quarter": 0.25, "quarters": 0.25, "fifth": 0.2, "fifths": 0.2}
_FRACTIONS |= {"tenth": 0.1, "tenths": 0.1}
# In days: a duration is compared whatever unit states it.
_DURATIONS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365, "decade": 3650}

_WORD_NUMBER = "|".join([*_UNITS, *_SCALES])
_DURATION = r"(hour|day|week|month|year|decade)s?\b"
_PERCENT = r"\s*(%|percent\b|per\s+cent\b)"

_TOKEN = re.compile(
    r"(?P<digits>(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?)"
    r"(?P<suffix>bn|k|m)?\b"
    r"|(?P<span>\ban?\s+(?:hour|day|week|month|year|decade)\s+and\s+a\s+half\b)"
    rf"|(?P<words>\b(?:{_WORD_NUMBER}|a|an)(?:[\s-]+(?:{_WORD_NUMBER}|a|an|and|half))*\b)"
    r"|(?P<fraction>\b(?:half|halves|thirds?|quarters?|fifths?|tenths?)\b)",
    re.IGNORECASE,
)
_SCALE_AFTER = re.compile(r"\s*(hundred|thousand|million|billion)\b", re.IGNORECASE)
_RATIO_AFTER = re.compile(
    r"\s+(?:in|out\s+of)\s+(?:(?P<digits>\d+)|(?P<words>(?:a|an|one)?\s*(?:"
    + "|".join([*_UNITS, *_SCALES])
    + r")\b))",
    re.IGNORECASE,
)
_FRACTION_OF = re.compile(r"\s+(?:of\s+)?(?:an?\s+)" + _DURATION, re.IGNORECASE)
_DURATION_AFTER = re.compile(r"\s+" + _DURATION, re.IGNORECASE)
_PERCENT_AFTER = re.compile(_PERCENT, re.IGNORECASE)
_FRACTION_AFTER = re.compile(r"\s+(half|halves|thirds?|quarters?|fifths?|tenths?)\b", re.IGNORECASE)


def _words_value(words: list[str]) -> float | None:
    """The value of number words ("fifteen hundred", "one and a half million"), or None."""
    total, current, seen, half = 0.0, 0.0, False, False
    for index, word in enumerate(words):
        if word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word in ("a", "an"):
            # "a billion", "a hundred": one of the scale that follows; else not a number.
            if index + 1 < len(words) and words[index + 1] in _SCALES:
                current += 1
                seen = True
            elif index + 1 < len(words) and words[index + 1] == "half":
                half = True
        elif word == "half":
            half = True
        elif word in _SCALES:
            if half:
                current += 0.5
                half = False
            current = max(current, 1.0) * _SCALES[word]
            if _SCALES[word] >= 1_000:
                total += current
                current = 0.0
            seen = True
    if half:
        current += 0.5
    return total + current if seen else None


def _split_words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s-]+", text.lower()) if word]


def stated_numbers(text: str) -> frozenset[float]:
    """The numbers ``text`` states, each as a float (shares as fractions, durations in days)."""
    numbers: set[float] = set()
    position = 0
    while found := _TOKEN.search(text, position):
        value, position = _read(text, found)
        if value is not None:
            numbers.add(value)
    return frozenset(numbers)


def _read(text: str, found: re.Match[str]) -> tuple[float | None, int]:
    """The number at ``found`` and where it ends (with its scale, share or unit), or None."""
    end = found.end()
    value: float | None
    if found.group("span"):  # "a year and a half"
        unit = _split_words(found.group("span"))[1]
        return 1.5 * _DURATIONS[unit], end
    if found.group("fraction"):
        value = _FRACTIONS[found.group("fraction").lower()]
        return _fraction_end(text, end, value)
    if found.group("digits"):
        value = float(found.group("digits").replace(",", ""))
        suffix = (found.group("suffix") or "").lower()
        value *= _SUFFIXES.get(suffix, 1)
        scale = _SCALE_AFTER.match(text, end)
        if scale and not suffix:
            value *= _SCALES[scale.group(1).lower()]
            end = scale.end()
    else:
        words = _split_words(found.group("words"))
        # A trailing "and", "a" or "half" is not part of the number ("two a day").
        while words and words[-1] in ("and", "a", "an", "half"):
            words.pop()
            end = found.start() + _end_of_words(found.group("words"), len(words))
        if not words or (words == ["one"] and not _RATIO_AFTER.match(text, end)):
            return None, max(end, found.start() + 1)
        value = _words_value(words)
        if value is None:
            return None, max(end, found.start() + 1)
        fraction = _FRACTION_AFTER.match(text, end)
        if fraction:  # "three quarters", "two thirds"
            value *= _FRACTIONS[fraction.group(1).lower()]
            return _fraction_end(text, fraction.end(), value)
    percent = _PERCENT_AFTER.match(text, end)
    if percent:
        return value / 100, percent.end()
    ratio = _RATIO_AFTER.match(text, end)
    if ratio:  # "one in five", "ninety-five out of a hundred"
        if ratio.group("digits"):
            whole = float(ratio.group("digits"))
        else:
            whole = _words_value(_split_words(ratio.group("words"))) or 0.0
        if whole:
            return value / whole, ratio.end()
    duration = _DURATION_AFTER.match(text, end)
    if duration:
        return value * _DURATIONS[duration.group(1).lower()], duration.end()
    return value, end


def _fraction_end(text: str, end: int, value: float) -> tuple[float, int]:
    of = _FRACTION_OF.match(text, end)
    if of:  # "half a decade", "a quarter of a year"
        return value * _DURATIONS[of.group(1).lower()], of.end()
    return value, end


def _end_of_words(words: str, count: int) -> int:
    """Where the first ``count`` words of ``words`` end."""
    if count == 0:
        return 0
    ends = [match.end() for match in re.finditer(r"[^\s-]+", words)]
    return ends[count - 1]


def _close(a: float, b: float) -> bool:
    tolerance = SHARE_TOLERANCE if max(abs(a), abs(b)) <= 1 else TOLERANCE
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def numbers_contradict(first: frozenset[float], second: frozenset[float]) -> bool:
    """Whether two claims' stated numbers (``stated_numbers``) contradict: both state some and
    none is close to one of the other's."""
    if not first or not second:
        return False
    return not any(_close(a, b) for a in first for b in second)

"""Reading a CSAT answer in whatever form the owner's file holds it (METRICS.md surveys:
1–5; stars, smileys, words; 0–10 or % scales rescaled to 1–5).

Forms, value by value: stars ("★★★★☆", "⭐⭐⭐⭐", "4 stars", "4/5", "4 out of 5"), smileys
(😞 1, 🙁 2, 😐 3, 🙂 4, 😀 5 and their common relatives, below), words ("Very dissatisfied"
1 … "Very satisfied" 5, case and punctuation ignored), "80%" (a percent, rescaled) and
"8/10" / "8 out of 10" (a 0–10 answer, rescaled).

Plain numbers read on the scale of their COLUMN (`decide_csat_scale`), never value by
value: a column whose numbers go above 10 is in percent, above 5 a 0–10 scale, else 1–5
as is (a 0 there is an error); a column of numbers 0..1 with a fraction among them holds
Excel percent cells (0.8 = 80 %).

Rescaling is linear, end to end — 0 → 1 and the top (10 or 100 %) → 5:
csat = round_half_up(1 + 4 × x / top). So 8 of 10 → 4.2 → 4, 80 % → 4, 9 → 4.6 → 5,
7 → 3.8 → 4, 6 → 3.4 → 3, 0 → 1, 100 % → 5; whole 0–10 answers never fall on a half;
62.5 % → 3.5 → 4 (halves round up). Decimals (7.5 of 10) are accepted on those scales.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from custdesk.domain.text import name_key
from custdesk.sheets import values as v

FIVE, TEN, PERCENT, FRACTION = "1-5", "0-10", "percent", "fraction"
SCALE_WORDS = {TEN: "0–10 scale", PERCENT: "percent scale", FRACTION: "percent scale"}

_FILLED_STARS = "★⭐✪✭✮🌟"
_EMPTY_STARS = "☆✩"
# the five faces of METRICS.md first, then relatives an owner's form may use
_SMILEYS = {
    "😞": 1, "😠": 1, "😡": 1, "😢": 1, "😭": 1, "😫": 1, "😩": 1, "😣": 1, "😖": 1, "🤬": 1,
    "🙁": 2, "☹": 2, "😕": 2, "😟": 2, "😒": 2, "😔": 2,
    "😐": 3, "😑": 3, "😶": 3, "🤔": 3,
    "🙂": 4, "😊": 4, "☺": 4, "😌": 4, "👍": 4,
    "😀": 5, "😃": 5, "😄": 5, "😁": 5, "😍": 5, "🤩": 5, "🥰": 5, "😆": 5,
    ":(": 2, ":-(": 2, ":|": 3, ":-|": 3, ":)": 4, ":-)": 4, ":d": 5, ":-d": 5,
}
_WORDS = {
    **dict.fromkeys(("verydissatisfied", "extremelydissatisfied", "veryunsatisfied",
                     "completelydissatisfied", "verypoor", "terrible", "awful",
                     "veryunhappy", "verybad"), 1),
    **dict.fromkeys(("dissatisfied", "unsatisfied", "somewhatdissatisfied",
                     "slightlydissatisfied", "poor", "bad", "unhappy"), 2),
    **dict.fromkeys(("neutral", "neither", "neithersatisfiednordissatisfied",
                     "neithersatisfiedordissatisfied", "ok", "okay", "average", "fair",
                     "meh"), 3),
    **dict.fromkeys(("satisfied", "somewhatsatisfied", "slightlysatisfied", "good",
                     "happy"), 4),
    **dict.fromkeys(("verysatisfied", "extremelysatisfied", "completelysatisfied",
                     "excellent", "great", "veryhappy", "verygood", "outstanding"), 5),
}
_OUT_OF = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:/|out of|of)\s*(5|10|100)(?:\s*stars?)?$")
_N_STARS = re.compile(r"^(\d)\s*(?:stars?|[★⭐*])$")
_SELECTORS = re.compile("[\ufe0e\ufe0f\u200d\\s]")


def _round(x: Decimal) -> int:
    return int(x.to_integral_value(rounding=ROUND_HALF_UP))


def rescale(x: Decimal, top: int) -> int:
    """A 0..top answer on 1–5 (linear, halves up); ValueError outside 0..top."""
    if not 0 <= x <= top:
        raise ValueError(f"not from 0 to {top}")
    return _round(1 + 4 * x / top)


def _plain_number(value: object, mark: str | None) -> Decimal | None:
    """The number a cell holds when it is a plain number (not '80%', '4/5', stars)."""
    if value is None or value.__class__ is bool:
        return None
    if isinstance(value, int | float):
        return v.parse_decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if not text or not (text[0].isdigit() or text[0] in "+-.,"):
            return None
        try:
            return v.parse_decimal(text, mark)
        except ValueError:
            return None
    return None


def decide_csat_scale(values: list[object], mark: str | None = None) -> str:
    """The scale of a CSAT column's plain numbers, from all of them: PERCENT when one is
    above 10, TEN when one is above 5, FRACTION when all lie in 0..1 and one is a
    fraction (Excel percent cells), else FIVE (1–5 as is)."""
    top = Decimal(0)
    fraction = False
    for value in dict.fromkeys(values):  # (a 100k-row column holds a few distinct answers)
        number = _plain_number(value, mark)
        if number is None:
            continue
        top = max(top, number)
        fraction |= 0 < number < 1
    if top > 10:
        return PERCENT
    if top > 5:
        return TEN
    if fraction and top <= 1:
        return FRACTION
    return FIVE


def read_csat(value: object, scale: str = FIVE, mark: str | None = None
              ) -> tuple[int, str] | None:
    """(1..5, how it was read) for one cell of a column on `scale`; None when blank;
    ValueError with the forms custdesk reads when it is none of them."""
    if v.is_missing(value):
        return None
    number = _plain_number(value, mark)
    if number is not None:
        return _on_scale(number, scale)
    text = _SELECTORS.sub("", str(value)).lower()
    if text and all(ch in _FILLED_STARS + _EMPTY_STARS for ch in text):
        stars = sum(ch in _FILLED_STARS for ch in text)
        if 1 <= stars <= 5:
            return stars, "stars"
        raise ValueError("not 1 to 5 stars")
    if text in _SMILEYS:
        return _SMILEYS[text], "smiley"
    spaced = " ".join(str(value).lower().split()).rstrip(".!")  # "4 stars!"
    if spaced.endswith("%"):
        percent = v.parse_decimal(spaced[:-1].strip(), mark)
        if percent is not None:
            return rescale(percent, 100), "percent scale"
    if match := _OUT_OF.match(spaced):
        x, top = v.parse_decimal(match[1], mark), int(match[2])
        assert x is not None
        if top == 5:
            return _five(x), "out of 5"
        return rescale(x, top), SCALE_WORDS[TEN if top == 10 else PERCENT]
    if match := _N_STARS.match(spaced):
        return _five(Decimal(match[1])), "stars"
    word = _WORDS.get(name_key(str(value)))
    if word is not None:
        return word, "words"
    raise ValueError("not a satisfaction answer (1–5, stars ★★★★☆ or '4 stars', a smiley "
                     "😞🙁😐🙂😀, Very dissatisfied … Very satisfied, 0–10 or a %)")


def _five(x: Decimal) -> int:
    if x != x.to_integral_value() or not 1 <= x <= 5:
        raise ValueError("not a whole number from 1 to 5")
    return int(x)


def _on_scale(number: Decimal, scale: str) -> tuple[int, str]:
    if scale == PERCENT:
        return rescale(number, 100), SCALE_WORDS[PERCENT]
    if scale == FRACTION:
        return rescale(number * 100, 100), SCALE_WORDS[FRACTION]
    if scale == TEN:
        return rescale(number, 10), SCALE_WORDS[TEN]
    return _five(number), "1–5"


def parse_csat(value: object, scale: str = FIVE, mark: str | None = None) -> int | None:
    """`read_csat` without the how."""
    read = read_csat(value, scale, mark)
    return None if read is None else read[0]


MAX_READINGS_SHOWN = 24
MAX_VALUES_READ = 500  # distinct values read for the note (the rows all are, of course)


def readings_note(header: str, values: list[object], scale: str,
                  mark: str | None = None) -> str | None:
    """How each distinct value of the column was read, for the preview: 'Satisfaction
    (0–10 scale: a number above 5): 8 → 4, 10 → 5' — None for a column of plain 1–5
    answers (read as they are)."""
    readings: dict[str, tuple[int, str]] = {}
    plain = True
    distinct = list(dict.fromkeys(values))
    unread = max(0, len(distinct) - MAX_VALUES_READ)  # (more than a column of answers has)
    for value in distinct[:MAX_VALUES_READ]:
        try:
            read = read_csat(value, scale, mark)
        except ValueError:
            continue  # a row error says it
        if read is None:
            continue
        shown = v.parse_text(value) or ""
        readings.setdefault(shown, (read[0], f"{shown} → {read[0]}"
                                    + (f" ({read[1]})" if read[1] != "1–5" else "")))
        plain &= read[1] == "1–5"
    if plain:
        return None
    why = {TEN: " (0–10 scale: a number above 5)",
           PERCENT: " (percent scale: a number above 10)",
           FRACTION: " (percent scale: fractions 0..1)"}.get(scale, "")
    listed = [text for _n, text in sorted(readings.values())]
    more = len(listed) - MAX_READINGS_SHOWN + unread
    text = ", ".join(listed[:MAX_READINGS_SHOWN]) + (f" and {more} more" if more > 0 else "")
    return f"{header}{why}, read as 1–5: {text}"

"""Turning spreadsheet cell values into typed values.

Every parser takes the raw cell (str, float, int, bool, date, datetime or None) and returns
the typed value, `None` for a missing value, or raises `ValueError` with an owner-readable
reason. Text dates that could be day-first or month-first are never guessed: the order is
decided per column from the data (`decide_date_order`) or given by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from custdesk.domain.money import to_e4

MISSING = frozenset({"", "na", "n/a", "#n/a", "-", "–", "—", "null", "nan", "#null!"})
TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "x", "✓", "ja", "oui", "si"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "nein", "non"})
LOST_WORDS = frozenset({"lost", "churned", "churn", "inactive", "former", "cancelled",
                        "canceled", "closed", "left"})
ACTIVE_WORDS = frozenset({"active", "current", "customer", "open", "live"})

DAYFIRST, MONTHFIRST = "dayfirst", "monthfirst"
_EPOCH_1900 = date(1899, 12, 30)  # Excel's 1900 system, including its fake 1900-02-29
_EPOCH_1904 = date(1904, 1, 1)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
                  r"(?:Z|[+-]\d{2}:?\d{2})?$")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})"
                      r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
_CURRENCY = re.compile(r"[$€£¥₹\s\u00a0\u202f']|^(?:usd|eur|gbp|chf)|(?:usd|eur|gbp|chf)$",
                       re.IGNORECASE)


def is_missing(value: object) -> bool:
    """Blank, whitespace, NA, N/A, '-' and friends count as no value."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in MISSING
    if isinstance(value, float):
        return value != value  # NaN
    return False


# NUL and the other C0 control characters (tab, line feed, carriage return allowed) and
# DEL: never in a real name or note; a UTF-16 file read as UTF-8 is full of NULs (H10)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(value: object) -> str | None:
    """Text, trimmed; whole-number floats lose their '.0' (ids read as numbers). Text
    holding NUL or another control character is refused (ValueError)."""
    if value.__class__ is str and _CONTROL.search(value):
        raise ValueError("contains control characters (NUL, …): is the file really text "
                         "in this encoding?")
    if value.__class__ is str:  # the hot path: plain text cells
        text = value.strip()
        if len(text) < 7 and text.lower() in MISSING:
            return None
        return text.replace("\u00a0", " ").strip() if "\u00a0" in text else text
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\u00a0", " ").strip()
    return text or None


def parse_text_column(values: list[object]) -> list[str | None]:
    """`parse_text` over a whole column, without a function call per plain text cell."""
    missing = MISSING
    if _CONTROL.search("\n".join(x for x in values if x.__class__ is str)):
        raise ValueError("control characters")  # the caller parses cell by cell
    # one pass; the walrus keeps the stripped text for the result (t is only read when the
    # condition, which assigns it, holds)
    return [t if x.__class__ is str and "\u00a0" not in (t := x.strip())
            and (len(t) > 6 or (t != "" and t.lower() not in missing))
            else None if x == "" else parse_text(x) for x in values]


def parse_email(value: object) -> str | None:
    """An e-mail address (trimmed); text without '@' is refused."""
    text = parse_text(value)
    if text is None:
        return None
    if "@" not in text or " " in text:
        raise ValueError("not an e-mail address")
    return text


def serial_to_date(serial: float, date1904: bool = False) -> datetime:
    """An Excel date serial (1900 or 1904 system) as a datetime."""
    if not 0 < serial < 2_958_466:
        raise ValueError(f"{serial!r} is not a date")
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    moment = datetime(epoch.year, epoch.month, epoch.day) + timedelta(days=serial)
    return moment.replace(microsecond=0)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # Excel's pivot: 00-29 -> 20xx, 30-99 -> 19xx
        year += 2000 if year < 30 else 1900
    return year


def date_parts(text: str) -> tuple[int, int] | None:
    """The first two numbers of a slashed date ('03/01/19' -> (3, 1)), else None."""
    match = _SLASHED.match(text.strip())
    return (int(match[1]), int(match[2])) if match else None


def decide_date_order(texts: list[str]) -> str | None:
    """'dayfirst' / 'monthfirst' when some value proves it, None when every value is ambiguous.

    Raises ValueError when the column contradicts itself (a day > 12 in both places).
    """
    first_big = second_big = False
    for text in texts:
        parts = date_parts(text)
        if parts is None:
            continue
        first_big |= parts[0] > 12
        second_big |= parts[1] > 12
        if first_big and second_big:
            raise ValueError("the column mixes day-first and month-first dates")
    if first_big:
        return DAYFIRST
    if second_big:
        return MONTHFIRST
    return None


EARLIEST = date(1900, 1, 1)
LATEST_YEARS_AHEAD = 50  # a date later than today + this is a typo (2224 for 2024)


def latest_date() -> date:
    """The last plausible date: today + 50 years."""
    today = date.today()
    year = today.year + LATEST_YEARS_AHEAD
    return today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) \
        else today.replace(year=year)


def check_date(day: date) -> None:
    """Dates outside 1900-01-01 … today + 50 years are refused: a year typed 0224 or 2224
    is a typo, and the metrics' date arithmetic must never meet year 1 (issue 20 M2)."""
    if day < EARLIEST or day > latest_date():
        raise ValueError(f"{day.isoformat()} is outside 1900-01-01 … "
                         f"{latest_date().isoformat()}: a typo in the year?")


def parse_datetime(value: object, order: str | None = None, date1904: bool = False
                   ) -> datetime | None:
    """A datetime from a cell (real dates, serials, ISO text, or slashed text in `order`),
    between 1900 and today + 50 years."""
    moment = _parse_datetime(value, order, date1904)
    if moment is not None:
        check_date(moment.date())
    return moment


def _parse_datetime(value: object, order: str | None, date1904: bool) -> datetime | None:
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, int | float):
        return serial_to_date(float(value), date1904)
    text = str(value).strip()
    match = _ISO.match(text)
    if match:
        y, m, d, hh, mm, ss = (int(g) if g else 0 for g in match.groups())
        return _build(y, m, d, hh, mm, ss)
    match = _SLASHED.match(text)
    if match:
        a, b = int(match[1]), int(match[2])
        if order is None:
            if a > 12 and b <= 12:
                order = DAYFIRST
            elif b > 12 and a <= 12:
                order = MONTHFIRST
            else:
                raise ValueError("day-first or month-first? (use --dayfirst or --monthfirst)")
        day, month = (a, b) if order == DAYFIRST else (b, a)
        hh = int(match[4] or 0)
        if match[7]:
            hh = hh % 12 + (12 if match[7].lower() == "pm" else 0)
        return _build(_year(match[3]), month, day, hh, int(match[5] or 0), int(match[6] or 0))
    try:
        return serial_to_date(float(text), date1904)
    except ValueError:
        raise ValueError("not a date") from None


def _build(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    try:
        return datetime(y, m, d, hh, mm, ss)
    except ValueError:
        raise ValueError("not a valid calendar date") from None


def parse_date(value: object, order: str | None = None, date1904: bool = False) -> str | None:
    """ISO date text ('2024-03-01')."""
    if value.__class__ is date:  # the hot path: a real Excel date read by calamine
        check_date(value)
        return value.isoformat()
    moment = parse_datetime(value, order, date1904)
    return None if moment is None else moment.date().isoformat()


_YEAR = re.compile(r"\s*(\d{4})(?:\.0)?\s*")


def year_of(value: object) -> int | None:
    """The year a cell holding a year alone means ('2019', 2019, 2019.0), else None. A
    plain number from 1900 to today + 50 years in a date column is a year: as an Excel
    serial it would be a day in 1905 (issue 20 H7: 'Customer Since: 2019' became
    1905-07-11)."""
    if value.__class__ is bool:
        return None
    if isinstance(value, int | float):
        year = value if isinstance(value, int) or not value.is_integer() else int(value)
    elif isinstance(value, str) and (match := _YEAR.fullmatch(value)):
        year = int(match[1])
    else:
        return None
    return year if isinstance(year, int) and EARLIEST.year <= year <= latest_date().year \
        else None


_YEAR_LINE = re.compile(r"^[ \t]*\d{4}(?:\.0)?[ \t]*$", re.MULTILINE)


def any_year(values: list[object]) -> bool:
    """Whether some value of a date column may be a year alone (a quick over-estimate:
    text is searched as one block; `year_of` decides each value)."""
    texts = [x for x in values if x.__class__ is str]
    if texts and _YEAR_LINE.search("\n".join(texts)):
        return True
    return any(year_of(x) is not None for x in values
               if x.__class__ is int or x.__class__ is float)


def years_only(values: list[object]) -> bool:
    """Whether every value of a date column is a year alone (blanks aside; at least one)."""
    seen = False
    for value in values:
        if value is None or (value.__class__ is str and is_missing(value)):
            continue
        if year_of(value) is None:
            return False
        seen = True
    return seen


def parse_year_date(value: object, time: str = "") -> str | None:
    """A column of years alone: each year read as its 1 January ('2019' -> '2019-01-01';
    `time` 'T00:00:00' for a timestamp)."""
    if is_missing(value):
        return None
    year = year_of(value)
    if year is None:
        raise ValueError("not a year")
    return f"{year:04d}-01-01{time}"


def refuse_year(parse: Callable[[object], str | None]) -> Callable[[object], str | None]:
    """`parse` for a column of dates in which a year alone is an error (never a day of
    1905): the owner types the whole date, or makes the whole column years."""
    def parse_or_refuse(value: object) -> str | None:
        if value.__class__ is not date and (year := year_of(value)) is not None:
            raise ValueError(f"a year alone ({year}): type the whole date")
        return parse(value)

    return parse_or_refuse


def parse_timestamp(value: object, order: str | None = None, date1904: bool = False
                    ) -> str | None:
    """ISO timestamp text ('2024-03-01T09:30:00')."""
    moment = parse_datetime(value, order, date1904)
    return None if moment is None else moment.isoformat()


_MONTH_NAMES = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def parse_month(value: object, order: str | None = None, date1904: bool = False) -> str | None:
    """'YYYY-MM' from '2024-03', '03/2024', 'Mar 2024', 'March 2024' or any date."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        match = re.match(r"^(\d{4})[-/.](\d{1,2})$", text)
        if match and 1 <= int(match[2]) <= 12:
            return _month(int(match[1]), int(match[2]))
        match = re.match(r"^(\d{1,2})[-/.](\d{4})$", text)
        if match and 1 <= int(match[1]) <= 12:
            return _month(int(match[2]), int(match[1]))
        match = re.match(r"^([a-z]{3})[a-z]*\.?[\s,-]+(\d{4})$", text)
        if match and match[1] in _MONTH_NAMES:
            return _month(int(match[2]), _MONTH_NAMES[match[1]])
    moment = parse_datetime(value, order or DAYFIRST, date1904)
    return None if moment is None else moment.strftime("%Y-%m")


def _month(year: int, month: int) -> str:
    if not EARLIEST.year <= year <= latest_date().year:
        raise ValueError(f"{year:04d}-{month:02d} is outside 1900 … {latest_date().year}: "
                         "a typo in the year?")
    return f"{year:04d}-{month:02d}"


def parse_decimal(value: object, mark: str | None = None) -> Decimal | None:
    """A number from text such as '$1,234.50', '1.234,50 €', '(12.00)', '£5', '-3'.

    `mark` (COMMA or POINT, decided for the whole column by `decide_decimal_mark`) says
    which of ',' and '.' is the decimal mark; without it each value decides alone, which
    reads '2.500' as 2.5 — wrong beside '1.234,56' (issue 20 H7)."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a number")
        return Decimal(repr(value))
    text = str(value).strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = _CURRENCY.sub("", text)
    if text.endswith("-"):
        negative, text = not negative, text[:-1]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    text = _normalise_separators(text) if mark is None else _with_mark(text, mark)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a number")
    return -number if negative else number


_NUMBER_SHAPE = re.compile(r"\d*(?:[.,]\d+)?|\d{1,3}([.,])\d{3}(?:\1\d{3})*(?:[.,]\d+)?")


def _normalise_separators(text: str) -> str:
    """Decide which of ',' and '.' is the decimal mark; drop thousands separators."""
    if not _NUMBER_SHAPE.fullmatch(text) or not any(ch.isdigit() for ch in text):
        raise ValueError("not a number")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):  # 1.234,50
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text:
        head, _, tail = text.rpartition(",")
        if text.count(",") == 1 and len(tail) != 3:
            return f"{head}.{tail}"  # 12,5 / 1234,50: a decimal comma
        return text.replace(",", "")  # 1,234 / 1,234,567: thousands
    if text.count(".") > 1:
        return text.replace(".", "")  # 1.234.567
    return text


COMMA, POINT = "comma", "point"  # the decimal mark of a column: 1.234,56 / 1,234.56
_GROUPED = {COMMA: re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d*(?:,\d+)?"),
            POINT: re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*(?:\.\d+)?")}


def _with_mark(text: str, mark: str) -> str:
    """`text` read with the column's decimal mark; the other separator may only group
    thousands (so '1.5' in a column of 1.234,56 is refused, not read as 15)."""
    if not _GROUPED[mark].fullmatch(text) or not any(ch.isdigit() for ch in text):
        raise ValueError("not a number written like the rest of the column ("
                         + ("1.234,56" if mark == COMMA else "1,234.56") + ")")
    if mark == COMMA:
        return text.replace(".", "").replace(",", ".")
    return text.replace(",", "")


# A number whose one separator is followed by exactly three digits, the part before it
# one to three digits not starting with 0: '2.500' and '2,500' read as 2500 or as 2.5.
_AMBIGUOUS_NUMBER = re.compile(r"(?<![\d.,])[1-9]\d{0,2}[.,]\d{3}(?![\d.,])")
# What proves a decimal mark: two decimals or four and more after it, a leading 0 before
# it, four digits or more before it, or the other separator grouping thousands before it
# (or twice).
_PROVES = {mark: re.compile("|".join(p.replace("D", d).replace("T", t) for p in (
    r"\dD\d{1,2}(?![\d.,])", r"\dD\d{4,}", r"(?<![\d.,])0D\d", r"\d{4,}D\d",
    r"T\d{3}D\d", r"\dT\d{3}T\d{3}")))
    for mark, d, t in ((COMMA, ",", r"\."), (POINT, r"\.", ","))}


def ambiguous_number(values: list[object]) -> str | None:
    """The first text value of `values` that reads two ways ('2.500'), else None."""
    texts = [x for x in values if x.__class__ is str]
    if not texts:
        return None
    found = _AMBIGUOUS_NUMBER.search("\n".join(texts))
    return found[0] if found else None


def decide_decimal_mark(values: list[object]) -> str | None:
    """COMMA or POINT when some text value of the column proves it and none proves the
    other ('1.234,56', '12,5' / '1,234.56', '12.50'); None when nothing proves either, or
    both are proven (a column mixing 1.234,56 and 12.50 is read value by value)."""
    texts = [x for x in values if x.__class__ is str]
    if not texts:
        return None
    text = "\n".join(texts)
    proven = [mark for mark, pattern in _PROVES.items() if pattern.search(text)]
    return proven[0] if len(proven) == 1 else None


def parse_money(value: object, mark: str | None = None) -> int | None:
    """Integer ten-thousandths (`*_e4`)."""
    if value.__class__ is float and -1e11 < value < 1e11:
        # the hot path: a float whose shortest repr has at most 4 decimals is exactly
        # round(value * 10_000) (the product's binary error is far below 0.5); it is one
        # exactly when that integer / 10_000 reads back as the same float (below 1e15 the
        # division is correctly rounded), which is cheaper to test than building its repr
        e4 = round(value * 10_000)
        if e4 / 10_000 == value:
            return e4
    number = parse_decimal(value, mark)
    if number is not None and abs(number) >= 10**14:  # (the import's cap is lower still)
        raise ValueError("implausibly large amount")
    return None if number is None else to_e4(number)


def parse_number(value: object, mark: str | None = None) -> float | None:
    if value.__class__ is float and value == value and abs(value) != float("inf"):
        return value
    number = parse_decimal(value, mark)
    return None if number is None else float(number)


def parse_measure(value: object, mark: str | None = None) -> float | None:
    """A metric's target in the metric's own unit: '40', '4.5', or '85%' for a percentage
    metric (read as 85, the way `*_pct` metrics are reported)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1]
    return parse_number(value, mark)


MAX_COUNT = 10**12  # a count above a trillion is a typo (and SQLite's integers end at 9.2e18)


def parse_int(value: object, mark: str | None = None) -> int | None:
    number = parse_decimal(value, mark)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError("not a whole number")
    if abs(number) > MAX_COUNT:
        raise ValueError("implausibly large (over a trillion)")
    return int(number)


POINTS, FRACTIONS = "points", "fractions"  # how a percent column's plain numbers read


def decide_percent_scale(values: list[object], mark: str | None = None) -> str | None:
    """How a share/percent column's plain numbers (no '%') read, from all of them (issue 20
    H7): any above 1 -> percent points (1, 5, 10, 15: a 1 is 1 %); none above 1 ->
    fractions (0.1, 0.2); None when the column mixes fractions below 1 with numbers above
    1 (0.5 beside 10: 0.5 % or 50 %?) — the owner decides."""
    if values and set(map(type, values)) <= _FLOATS:  # (a column of numbers: at C speed)
        floats: list[float] = [x for x in values if x is not None]  # type: ignore[misc]
        above = any(map(_ONE.__lt__, floats))  # (NaN is neither, as in the loop)
        if above and any(0 < x < 1 for x in floats):
            return None
        return POINTS if above else FRACTIONS
    return _decide_percent_scale(values, mark)


_FLOATS = frozenset({float, type(None)})
_ONE = 1.0


def _decide_percent_scale(values: list[object], mark: str | None = None) -> str | None:
    """`decide_percent_scale` value by value (the reference of its column-of-floats path)."""
    above = fraction = False
    for value in values:
        if value is None or value.__class__ is bool:
            continue
        if isinstance(value, str):
            text = value.strip()
            if not text or text.endswith("%") or "/" in text or is_missing(text):
                continue
            try:
                number = parse_decimal(text, mark)
            except ValueError:
                continue
            if number is None:
                continue
            x = float(number)
        elif isinstance(value, int | float):
            x = float(value)
        else:
            continue
        above |= x > 1
        fraction |= 0 < x < 1
        if above and fraction:
            return None
    return POINTS if above else FRACTIONS


def parse_fraction(value: object, scale: str | None = None, mark: str | None = None
                   ) -> float | None:
    """A share 0..1 from '20%', '0.2', '20' (read as percent) or '1/5'. With `scale`
    (decided for the whole column), plain numbers are percent points or fractions; with
    `mark`, text numbers have that decimal mark."""
    if scale == POINTS and not (isinstance(value, str) and value.strip().endswith("%")):
        points = (None if is_missing(value) or value.__class__ is bool
                  else parse_number(value, mark))
        return None if points is None else _share(points / 100)
    if value.__class__ is float and 0 <= value <= 1:
        # the hot path: a share typed as a number
        return round(value, 6)
    if is_missing(value):
        return None
    if scale == FRACTIONS and not isinstance(value, str):
        return _share(parse_number(value) or 0.0)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            number = parse_decimal(text[:-1], mark)
            return None if number is None else _share(float(number) / 100)
        match = re.match(r"^(\d+)\s*/\s*(\d+)$", text)
        if match and int(match[2]):
            return _share(int(match[1]) / int(match[2]))
    share = parse_number(value, mark)
    if share is None:
        return None
    if scale == FRACTIONS:  # the owner said so: '5' is 500 %, refused, never 5 %
        return _share(share)
    return _share(share / 100 if share > 1 else share)


def _share(x: float) -> float:
    if not 0 <= x <= 1:
        raise ValueError("not a share between 0 and 100 %")
    return round(x, 6)


def parse_percent(value: object, scale: str | None = None, mark: str | None = None
                  ) -> float | None:
    """A percentage 0..100 ('75%', '75', or 0.75 read as 75 %)."""
    share = parse_fraction(value, scale, mark)
    return None if share is None else round(share * 100, 4)


def parse_flag(value: object) -> bool | None:
    """Yes/No/True/False/1/0 (and Y/N, X) as a bool."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ValueError("not yes/no")
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("not yes/no")


def parse_status(value: object) -> str | None:
    """Customer status: 'active'/'lost'; a Churn-style Yes means lost."""
    if is_missing(value):
        return None
    text = str(value).strip().lower() if not isinstance(value, float) else parse_text(value)
    if text in LOST_WORDS or text in TRUE_WORDS:
        return "lost"
    if text in ACTIVE_WORDS or text in FALSE_WORDS:
        return "active"
    raise ValueError("not a status (active/lost or yes/no)")

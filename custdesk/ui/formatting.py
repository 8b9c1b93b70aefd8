"""Owner-facing number and date text, in the system locale (QLocale).

Every table, card and chart of the UI formats through here so that money, percentages and
dates read the same everywhere. A process without a configured locale ("C"/POSIX) gets
English grouping, because "1234567.89" is not readable.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QLocale

DASH = "—"
_state: dict[str, Any] = {"symbol": "$", "locale": None}


def display_locale() -> QLocale:
    """The system locale, or en_US when the system has none (C/POSIX)."""
    cached = _state["locale"]
    if cached is None:
        system = QLocale.system()
        cached = QLocale("en_US") if system.language() == QLocale.Language.C else system
        _state["locale"] = cached
    return cached


def set_currency_symbol(symbol: str) -> None:
    """The business's currency symbol (the `currency_symbol` setting)."""
    _state["symbol"] = symbol or "$"


def currency_symbol() -> str:
    return str(_state["symbol"])


def money(value: float | None, decimals: int = 2) -> str:
    """"$1,234.50" in the locale's currency pattern; "—" for None."""
    if value is None:
        return DASH
    return display_locale().toCurrencyString(float(value), currency_symbol(), decimals)


def money_short(value: float | None) -> str:
    """Compact money for cards and axes: "$950", "$12.3k", "$1.25M"."""
    if value is None:
        return DASH
    size = abs(value)
    if size >= 1_000_000:
        return _scaled(value / 1_000_000, 2, "M")
    if size >= 10_000:
        return _scaled(value / 1_000, 1, "k")
    return money(value, 0)


def money_thousands(value: float) -> str:
    """"$8.0k": money in thousands, for axes whose other ticks need the k."""
    return _scaled(value / 1_000, 1, "k")


def _scaled(value: float, decimals: int, suffix: str) -> str:
    body = f"{currency_symbol()}{display_locale().toString(abs(value), 'f', decimals)}{suffix}"
    if value >= 0:
        return body
    # negative as the locale writes money ("($209.6k)" beside the tables' "($209,602)"),
    # not "-$209.6k" next to "($1,981)" from the same function
    return money(-1, 0).replace(money(1, 0), body, 1)


def number(value: float | None, decimals: int = 0) -> str:
    """Grouped number ("12,345"); "—" for None."""
    if value is None:
        return DASH
    return display_locale().toString(float(value), "f", decimals)


def pct(value: float | None, decimals: int = 1) -> str:
    """A 0–100 percentage: "42.5 %"."""
    if value is None:
        return DASH
    return f"{number(value, decimals)} %"


def day_text(value: date | str | None) -> str:
    """A date in the locale's short format; ISO text is accepted."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        day = value.date() if isinstance(value, datetime) else value
    return display_locale().toString(QDate(day.year, day.month, day.day), short_date_format())


ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
ISO_MONTH = re.compile(r"\b(\d{4})-(\d{2})\b(?!-)")


def dates_in_text(text: Any) -> str:
    """A service sentence with its ISO days and months as the rest of the app shows them:
    "next: set up (due 2026-12-08)" -> "next: set up (due 12/8/2026)", "2026-12" -> "Dec 26"
    (as the charts' months)."""
    if not isinstance(text, str):
        return "" if text is None else str(text)
    text = ISO_DAY.sub(lambda m: day_text(m.group(0)), text)
    return ISO_MONTH.sub(lambda m: _month_label(int(m.group(1)), int(m.group(2)), m.group(0)),
                         text)


MONEY_AMOUNT = re.compile(r"(?<![\d.,$])\d{1,3}(?:,\d{3})*\.\d{2}(?!\d|\s?%)")


def money_in_text(text: str) -> str:
    """A service sentence's amounts ("gave away 40,189.00") with the currency, as the
    tables show money ("$40,189"); only numbers written with two decimals are amounts."""
    def amount(m: re.Match[str]) -> str:
        value = float(m.group(0).replace(",", ""))
        return money(value, 0 if abs(value) >= 100 else 2)
    return MONEY_AMOUNT.sub(amount, text)


def _month_label(year: int, month: int, fallback: str) -> str:
    if not 1 <= month <= 12:
        return fallback
    return date(year, month, 1).strftime("%b %y")


def short_date_format() -> str:
    """The locale's short date pattern with a four-digit year ("M/d/yyyy", "dd.MM.yyyy")."""
    pattern = display_locale().dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in pattern:
        pattern = pattern.replace("yy", "yyyy")
    return pattern


def by_unit(value: float | None, unit: str, *, short: bool = False) -> str:
    """A metric value as text by its catalogue unit (money, pct, count, days, hours, …)."""
    if value is None:
        return DASH
    if unit == "money":
        return money_short(value) if short else money(value, 0 if abs(value) >= 100 else 2)
    if unit == "pct":
        return pct(value)
    if unit == "count":
        return number(value)
    if unit == "days":
        return f"{number(value, 1)} days"
    if unit == "hours":
        return f"{number(value, 1)} h"
    if unit == "score":
        return number(value, 0 if float(value).is_integer() else 1)
    if unit == "ratio":  # "87.4×" as the Scorecard writes ratios, not a bare "87.36"
        return f"{number(value, 1)}×"
    return number(value, 2)


def qdate_of(iso: str | None) -> QDate:
    """An ISO day as a QDate for a date field (today when blank)."""
    day = date.fromisoformat(iso[:10]) if iso else date.today()
    return QDate(day.year, day.month, day.day)


def iso_of(q: QDate) -> str:
    """A date field's day as ISO text."""
    return date(q.year(), q.month(), q.day()).isoformat()

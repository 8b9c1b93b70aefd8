"""Honest blanks: a figure the file cannot support is "—" with a reason, never "0.0 %".

A rate can be computed (it has a denominator) and still mean nothing: the referral rate of
new customers is 0 % on a file where no customer has an acquisition source at all — not
because nobody came by referral, but because nobody recorded how anyone came. Screens
blank such figures here and say why in `tables[WHY_BLANK]` (one row per figure: `metric`,
`reason`), which tabs show as the card's tooltip and the CLI prints with the screen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from custdesk.domain.metric_values import MetricValue
from custdesk.domain.periods import Period
from custdesk.services.screens.model import Card, Screen

WHY_BLANK = "why_blank"
NO_SOURCES = ("No customer in this file has an acquisition source (referral, web, ads, …) "
              "or a referrer recorded, so the referral rate cannot be known: import a "
              "Source or Referred by column with your customers.")


def sources_recorded(rows: Iterable[Any]) -> bool:
    """Whether any customer row has an acquisition source."""
    return any((getattr(r, "source", None) or "").strip() for r in rows)


def is_zero(value: MetricValue | None) -> bool:
    return value is not None and value.value is not None and value.value == 0


def blank(value: MetricValue | None) -> MetricValue | None:
    """The value made unknown, keeping its n (how many cases there were)."""
    return None if value is None else MetricValue(None, value.n)


def referral_unknown(values: Iterable[MetricValue | None],
                     sources: Callable[[], bool]) -> bool:
    """True when every referral rate shown is 0 and the file records no sources (asked
    only then: `sources` may read every customer)."""
    shown = [v for v in values if v is not None and v.value is not None]
    return bool(shown) and all(is_zero(v) for v in shown) and not sources()


def blank_cards(cards: dict[str, Card], reasons: dict[str, str]) -> dict[str, Card]:
    """`cards` with the figures of `reasons` made unknown (current and prior)."""
    return {m: (dataclasses.replace(c, current=blank(c.current), prior=blank(c.prior))
                if m in reasons else c) for m, c in cards.items()}


def why_table(reasons: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """The screen's `why_blank` table: absent when every figure could be shown."""
    if not reasons:
        return {}
    return {WHY_BLANK: [{"metric": m, "reason": r} for m, r in reasons.items()]}


def future_note(period: Period, today: date | None = None) -> tuple[str, ...]:
    """A period that ends after today says so: its last days have no data yet."""
    today = today or date.today()
    if period.end <= today:
        return ()
    return ("This period ends in the future: the days after today hold no data yet, so "
            "its totals are not those of a whole period.",)


def finish(screen: Screen, today: date | None = None) -> Screen:
    """`screen` with the notes every screen shares (a period ending in the future)."""
    extra = future_note(screen.period, today)
    return dataclasses.replace(screen, notes=(*screen.notes, *extra)) if extra else screen

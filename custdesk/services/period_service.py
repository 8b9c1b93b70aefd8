"""Which days a screen covers: presets counted from T, custom ranges, "all time".

METRICS.md "Periods": T is today, or the data's last day when the data ends more than 31
days before today (the app then says so). The window's period bar and the command line's
`--period/--from/--to` both resolve through `resolve_period`, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from custdesk.domain.periods import PRESET_LABELS, Period, preset_anchor
from custdesk.services.metrics_service import data_span
from custdesk.storage import Store


@dataclass(frozen=True)
class ResolvedPeriod:
    """A period with its label, and T when the presets follow older data (else None)."""

    period: Period
    label: str
    anchor: date
    follows_data: bool
    span: Period | None


def preset_id(text: str) -> str:
    """A preset as typed on the command line ("last-12-months") -> its id."""
    key = text.strip().lower().replace("-", "_")
    if key not in PRESET_LABELS:
        choices = ", ".join(p.replace("_", "-") for p in PRESET_LABELS)
        raise ValueError(f"unknown period {text!r}; choose one of {choices}")
    return key


def resolve_period(store: Store, preset: str | None = None, start: date | None = None,
                   end: date | None = None, today: date | None = None,
                   default: str = "all") -> ResolvedPeriod:
    """The period for `preset` (an id of PRESET_LABELS) or the custom `start..end` (a
    missing start is the data's first day, a missing end its last); `default` when
    neither is given."""
    today = today or date.today()
    span = data_span(store)
    anchor = preset_anchor(today, span.end if span else None)
    follows = anchor != today
    if start is None and end is None:
        key = preset or default
        return ResolvedPeriod(Period.preset(key, anchor, span), PRESET_LABELS[key], anchor,
                              follows, span)
    if preset is not None:
        raise ValueError("give either a period preset or --from/--to, not both")
    first = start or (span.start if span else end or today)
    stop = end or (span.end if span and span.end >= first else max(first, today))
    if stop < first:
        raise ValueError(f"--to {stop} is before --from {first}.")
    return ResolvedPeriod(Period(first, stop), "Custom range", anchor, follows, span)

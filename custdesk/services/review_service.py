"""The monthly business review: the screens of one period, gathered for the printed pack.

`resolve(store, period=, month=)` picks the period (`--period PRESET` or `--month YYYY-MM`;
default: last month); `build_review` calls each tab's own screen builder for it (today,
customers, pipeline, lost, margins, feedback, plan, actions, scorecard) and hands their
JSON to `reports/review_report.py` — no figure is computed a second time, so the paper
shows exactly what the tabs show. `on_track` is judged here by `screens.targets.on_track`.
Used by `custdesk report review` and File ▸ Print business review….
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from custdesk.domain.periods import Period, month_end
from custdesk.reports.review_report import ReviewData, review_html
from custdesk.services.metrics_service import data_span
from custdesk.services.period_service import ResolvedPeriod, preset_id, resolve_period
from custdesk.services.screens import (
    actions,
    customers,
    feedback,
    lost,
    margins,
    pipeline,
    plan,
    scorecard,
    today,
)
from custdesk.services.screens.model import Screen, to_json
from custdesk.services.screens.targets import on_track
from custdesk.storage import Store
from custdesk.storage.repository import get_settings
from custdesk.storage.scorecard_repository import business_name

DEFAULT_PERIOD = "last_month"
SCREEN_NAMES = ("today", "customers", "pipeline", "lost", "margins", "feedback", "plan",
                "actions", "scorecard")


@dataclass(frozen=True)
class Review:
    """The review's screens (as the tabs get them) and the data the report prints."""

    screens: dict[str, Screen]
    data: ReviewData

    @property
    def html(self) -> str:
        return review_html(self.data)


def resolve(store: Store, period: str | None = None, month: str | None = None,
            today_: date | None = None) -> ResolvedPeriod:
    """The review's period: a preset ("last-month"), a calendar month ("2026-11"), or last
    month. ValueError (one plain sentence) when the request makes no sense."""
    if period and month:
        raise ValueError("give either --period or --month, not both")
    if month:
        try:
            first = date.fromisoformat(month.strip() + "-01")
        except ValueError:
            raise ValueError(f"--month must look like 2026-11 (year-month), got {month!r}"
                             ) from None
        resolved = resolve_period(store, None, first, month_end(first), today=today_)
        return dataclasses.replace(resolved, label=f"{first:%B %Y}")
    preset = preset_id(period) if period else DEFAULT_PERIOD
    return resolve_period(store, preset, today=today_)


def _builders(day: date | None) -> dict[str, Callable[[Store, Period, str], Screen]]:
    def no_series(build: Callable[..., Screen]) -> Callable[[Store, Period, str], Screen]:
        return lambda store, period, label: build(store, period, label, with_series=False)

    return {
        "today": no_series(today.build), "customers": no_series(customers.build),
        "pipeline": no_series(pipeline.build), "lost": no_series(lost.build),
        "margins": no_series(margins.build), "feedback": no_series(feedback.build),
        "plan": lambda s, p, lab: plan.build(s, p, lab, with_series=False, today=day),
        "actions": no_series(actions.build),
        "scorecard": lambda s, p, lab: scorecard.build(s, p, lab, today=day),
    }


def _with_track(data: dict[str, Any], screen: Screen) -> dict[str, Any]:
    """The screen's JSON with each card's on/off track (in the metric's direction)."""
    for mid, card in screen.cards.items():
        info = card.metric_info
        data["cards"][mid]["on_track"] = on_track(
            card.value, card.target, info.higher_is_better if info is not None else None)
    return data


def build_review(store: Store, period: Period, label: str, today_: date | None = None
                 ) -> Review:
    """Every screen the review prints, for `period` called `label` (as the period bar or
    `resolve` names it; `today_` pins the clock in tests)."""
    settings = get_settings(store)
    base = ReviewData(business=business_name(store), period_label=label,
                      start=period.start, end=period.end,
                      currency=settings.get("currency_symbol", "$") or "$",
                      made_on=today_ or date.today())
    span = data_span(store)
    if span is None:
        return Review({}, dataclasses.replace(base, empty=True))
    screens = {name: build(store, period, label) for name, build in _builders(today_).items()}
    return Review(screens, dataclasses.replace(
        base, data_end=span.end,
        screens={name: _with_track(to_json(s), s) for name, s in screens.items()}))


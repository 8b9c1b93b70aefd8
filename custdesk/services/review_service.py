"""The monthly review pack: the screens of one period, gathered for paper.

`resolve(store, period=, month=, start=, end=)` picks the period (`--period PRESET`,
`--month YYYY-MM` or `--from/--to`; default: last month); `build_review` calls each tab's
own screen builder for it (today, customers, pipeline, lost, margins, feedback, plan,
actions, scorecard, growth) plus the business cases, the latest strategic review and the
monthly series for the charts, and hands their plain data to `reports/review_report.py` —
no figure is computed a second time, so the paper shows exactly what the tabs show.
`on_track` is judged here by `screens.targets.on_track`. Used by `custdesk report monthly`
(alias `review`) and File ▸ Print monthly review….
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from custdesk.domain.periods import Period, add_months, month_end
from custdesk.reports.monthly_charts import Chart, ChartSeries
from custdesk.reports.review_report import ReviewData, review_html
from custdesk.services import actions_service as acts
from custdesk.services import business_case_service as cases
from custdesk.services import strategic_review_service as strategic
from custdesk.services.metrics_service import data_span
from custdesk.services.period_service import ResolvedPeriod, preset_id, resolve_period
from custdesk.services.screens import (
    actions,
    customers,
    feedback,
    growth,
    lost,
    margins,
    pipeline,
    plan,
    scorecard,
    today,
)
from custdesk.services.screens.model import Screen, SeriesPoint, to_json
from custdesk.services.screens.targets import monthly_targets, on_track
from custdesk.storage import Store
from custdesk.storage.queries_deals import leads_by_source
from custdesk.storage.repository import get_settings
from custdesk.storage.scorecard_repository import business_name

DEFAULT_PERIOD = "last_month"
SCREEN_NAMES = ("today", "customers", "pipeline", "lost", "margins", "feedback", "plan",
                "actions", "scorecard", "growth")
SPEND_MONTHS = 6  # months of spend by channel in Marketing


@dataclass(frozen=True)
class Review:
    """The review's screens (as the tabs get them) and the data the pack prints."""

    screens: dict[str, Screen]
    data: ReviewData

    @property
    def html(self) -> str:
        return review_html(self.data)

    @property
    def charts(self) -> dict[str, Chart]:
        return self.data.charts


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option} must be a date like 2026-11-30, got {text!r}") from None


def resolve(store: Store, period: str | None = None, month: str | None = None,
            today_: date | None = None, start: str | None = None, end: str | None = None
            ) -> ResolvedPeriod:
    """The review's period: a preset ("last-month"), a calendar month ("2026-11"), a range
    (`start`..`end`, ISO dates), or last month. ValueError (one plain sentence) when the
    request makes no sense."""
    if sum(x is not None for x in (period, month, start or end)) > 1:
        raise ValueError("give one of --period, --month or --from/--to")
    if month:
        try:
            first = date.fromisoformat(month.strip() + "-01")
        except ValueError:
            raise ValueError(f"--month must look like 2026-11 (year-month), got {month!r}"
                             ) from None
        resolved = resolve_period(store, None, first, month_end(first), today=today_)
        return dataclasses.replace(resolved, label=f"{first:%B %Y}")
    if start or end:
        a = _day(start, "--from") if start else None
        b = _day(end, "--to") if end else None
        if a and b and b < a:
            raise ValueError(f"--to ({b}) is before --from ({a})")
        resolved = resolve_period(store, None, a, b, today=today_)
        p = resolved.period
        return dataclasses.replace(resolved, label=f"{p.start:%-d %b %Y} to {p.end:%-d %b %Y}")
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
        "growth": no_series(growth.build),
    }


def _with_track(data: dict[str, Any], screen: Screen) -> dict[str, Any]:
    """The screen's JSON with each card's on/off track (in the metric's direction)."""
    for mid, card in screen.cards.items():
        info = card.metric_info
        data["cards"][mid]["on_track"] = on_track(
            card.value, card.target, info.higher_is_better if info is not None else None)
    return data


def _at_risk_actions(store: Store, data: dict[str, Any]) -> None:
    """Each at-risk row gets its customer's earliest-due open action ("none planned")."""
    first: dict[int, str] = {}
    for a in acts.list_actions(store, status="open"):  # by due date
        if a.customer_id is not None and a.customer_id not in first:
            first[a.customer_id] = a.title + (f" (due {a.due_on})" if a.due_on else "")
    for row in (data.get("lists") or {}).get("at_risk") or []:
        row["action"] = first.get(row.get("customer_id"))


def _points(points: list[SeriesPoint]) -> dict[str, Any]:
    return {"labels": tuple(p.month for p in points), "partial": tuple(p.partial for p in points),
            "days": tuple(p.days for p in points)}


def _pro_rata(target: float | None, point: SeriesPoint) -> float | None:
    """A flow's monthly target for the days of a partial month (as the cards take it)."""
    if target is None or not point.partial or not point.days:
        return target
    first = date.fromisoformat(point.month + "-01")
    return target * point.days / month_end(first).day


def charts(store: Store, period: Period, currency: str, score_history: list[dict[str, Any]],
           spend_rows: list[dict[str, Any]]) -> dict[str, Chart]:
    """The pack's charts: 12 months of revenue (against its monthly target), new and lost
    customers and NPS from the tabs' own series; the scorecard's history; spend."""
    targets = monthly_targets(store)
    trends = today.build_series(store, period)
    revenue = trends["revenue"]
    out = {
        "revenue": Chart("Revenue by month against target",
                         series=(ChartSeries("revenue", tuple(p.value for p in revenue)),),
                         unit="money", currency=currency,
                         target=tuple(_pro_rata(targets.get((p.month, "revenue")), p)
                                      for p in revenue),
                         **_points(revenue)),
        "customers": Chart("New and lost customers by month", series=(
            ChartSeries("new", tuple(p.value for p in trends["customers_new"])),
            ChartSeries("lost", tuple(p.value for p in trends["customers_lost"]), hatched=True)),
            **_points(trends["customers_new"])),
    }
    nps = feedback.build_series(store, period)["nps"]
    out["nps"] = Chart("NPS by month", series=(ChartSeries("NPS", tuple(p.value for p in nps),
                                                           style="line"),),
                       unit="score", y_range=(-100.0, 100.0),
                       target=tuple(targets.get((p.month, "nps")) for p in nps), **_points(nps))
    if score_history:
        out["scorecard"] = Chart(
            "Scorecard average over time", labels=tuple(h["taken_on"] for h in score_history),
            series=(ChartSeries("average", tuple(h.get("average") for h in score_history),
                                style="line"),), unit="score", y_range=(0.0, 10.0))
    if spend_rows:
        out["spend"] = Chart("Marketing spend by month", labels=tuple(
            str(r["month"]) for r in spend_rows), series=(ChartSeries(
                "spend", tuple(r.get("total") for r in spend_rows)),), unit="money",
            currency=currency)
    return out


def _strategic(store: Store, day: date) -> dict[str, Any] | None:
    review = strategic.latest(store, day)
    if review is None or review.id is None:
        return None
    return {"reviewed_on": review.reviewed_on, "decisions": review.decision_lines,
            "headings": [(title, review.text(name)) for name, title, _ in strategic.HEADINGS],
            "actions": [{"title": a.title, "owner": a.owner, "due_on": a.due_on,
                         "status": str(getattr(a.status, "value", a.status))}
                        for a in strategic.linked_actions(store, review.id)]}


def build_review(store: Store, period: Period, label: str, today_: date | None = None
                 ) -> Review:
    """Everything the pack prints for `period` called `label` (as the period bar or
    `resolve` names it; `today_` pins the clock in tests)."""
    settings = get_settings(store)
    currency = settings.get("currency_symbol", "$") or "$"
    base = ReviewData(business=business_name(store), period_label=label, start=period.start,
                      end=period.end, currency=currency, made_on=today_ or date.today())
    span = data_span(store)
    if span is None:
        return Review({}, dataclasses.replace(base, empty=True))
    if period.end < span.start or period.start > span.end:
        return Review({}, dataclasses.replace(
            base, empty=True, data_end=span.end,
            empty_reason=f"there are no records: the data runs from {span.start:%-d %b %Y} "
                         f"to {span.end:%-d %b %Y}."))
    screens = {name: build(store, period, label) for name, build in _builders(today_).items()}
    data = {name: _with_track(to_json(s), s) for name, s in screens.items()}
    _at_risk_actions(store, data["today"])
    spend_period = Period(max(add_months(period.end.replace(day=1), 1 - SPEND_MONTHS),
                              span.start), period.end) if span.start <= period.end else period
    spend_rows = [] if growth.is_empty(store) else list(
        growth.parts(store, spend_period)[0]["spend_by_month"])
    history = (data["scorecard"].get("tables") or {}).get("history") or []
    return Review(screens, dataclasses.replace(
        base, data_end=span.end, screens=data,
        cases=[dataclasses.asdict(c) for c in cases.results(store, period.end)],
        strategic=_strategic(store, max(period.end, base.made_on or period.end)),
        leads_by_source=[{"source": k, "leads": n}
                         for k, n in leads_by_source(store, period).items()],
        spend_by_month=spend_rows,
        charts=charts(store, period, currency, history, spend_rows)))


PLAN_DEFAULT = "last_90_days"  # recent months with their actuals, then the months ahead


def plan_html(store: Store, period: str | None = None, today_: date | None = None) -> str:
    """The sales plan page (`reports/plan_report.py`) from the plan screen for `period`
    (a preset; default the last 90 days, so recent months show their actuals)."""
    from custdesk.reports.plan_report import plan_html as page

    resolved = resolve_period(store, preset_id(period) if period else PLAN_DEFAULT,
                              today=today_)
    screen = plan.build(store, resolved.period, resolved.label, with_series=False,
                        today=today_)
    currency = get_settings(store).get("currency_symbol", "$") or "$"
    return page(business_name(store), to_json(screen), currency, today_ or date.today())

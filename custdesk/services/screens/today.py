"""The Today screen: the owner's morning look at one period (Qt-free).

KPI cards against the prior period, the four work lists of METRICS.md ("Lists the owner
works from": customers at risk, hot prospects, lost prospects, detractors to rescue), each
list's size and value, and 12 monthly trend series. `lists["actions_due"]`: the open
actions due within 7 days of the real day (not the period's end) or overdue
(`screens/actions.due_rows`), counted in `tables["actions_due_totals"]` and a list_totals
row — always present, empty when nothing is due (not one of LISTS: it has no period).

Triage (services/triage_service.py, issue 13): `lists["at_risk"]` rows carry `state`
new / handled (an open action covers the customer); snoozed customers are left out of it
and listed apart in `lists["at_risk_snoozed"]` (with `snoozed_until` and `note`);
`tables["at_risk_triage"]` = [{new, handled, snoozed}] counts all three (the list's
count and value in list_totals are of the rows shown). `lists["detractors"]` rows carry
their follow-up, value at stake (sorted by it) and a later answer (`moved`), closed
follow-ups left out; `lists["needs_me"]`: open deals flagged "needs me".
The Today tab draws exactly this, and `custdesk screen today --json` prints it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_deals import DealInfo
from custdesk.domain.periods import Period, trailing_months

# the lists come through metrics_service, which re-exports metrics_lists (importing
# metrics_lists first would enter their import circle from the wrong end)
from custdesk.services import actions_service as acts
from custdesk.services import card_metrics, metrics_service
from custdesk.services import triage_service as triage
from custdesk.services.metrics_lists import DealRow, deal_row, hot_infos, lost_infos
from custdesk.services.period_service import resolve_period
from custdesk.services.screen_process import ScreenJob
from custdesk.services.screens import actions as actions_screen
from custdesk.services.screens import honest
from custdesk.services.screens.labels import MONTHLY_RENEWAL, deal_title, series_metric
from custdesk.services.screens.model import Card, Screen, SeriesPoint
from custdesk.services.screens.targets import with_targets
from custdesk.storage import Store
from custdesk.storage.beside import beside, waited_on_failure
from custdesk.storage.queries import records_estimate
from custdesk.storage.queries_cache import cached

NAME = "today"

# (card metric, metric drawn small on the card as "worth …" or None), in the tab's order
CARDS: tuple[tuple[str, str | None], ...] = (
    ("revenue", None), ("gross_margin_pct", None),
    ("customers_new", "customers_new_value"), ("customers_lost", "customers_lost_value"),
    ("retention_rate_pct", None), ("nps", None), ("win_rate_pct", None),
    ("pipeline_weighted_value", None),
)
# the 12-month sparklines, by figure id (labels.py: the month-to-month renewal is not the
# period's renewal rate, so it has its own id and name)
TRENDS: tuple[str, ...] = ("revenue", "customers_new", "customers_lost", "nps",
                           "discount_pct_avg", MONTHLY_RENEWAL.id, "win_rate_pct")
TREND_MONTHS = 12

ListFn = Callable[[Store, Period], Sequence[Any]]


def named(rows: Sequence[DealRow]) -> list[DealRow]:
    """Deal rows, each with a title to show (`deal_title`)."""
    return [r if r.title and r.title.strip()
            else dataclasses.replace(r, title=deal_title(r.title, r.customer, r.id))
            for r in rows]


def _by_ref(rows: Sequence[DealRow], infos: Sequence[DealInfo]) -> list[DealRow]:
    """Untitled deals named by their reference, as `pipeline_service` names them."""
    return [r if r.title else dataclasses.replace(r, title=d.deal.ref)
            for r, d in zip(rows, infos, strict=True)]


def hot_prospects(store: Store, period: Period) -> list[DealRow]:
    """`pipeline_service.hot_deals` over only the deals open at the end and neither stale
    nor slipped (selected in SQL): resolving all of a big file's deals cost seconds
    (tests/test_perf_lists_today.py)."""
    infos = hot_infos(store, period.end)
    return named(_by_ref([deal_row(d) for d in infos], infos))


def lost_deals(store: Store, period: Period) -> list[DealRow]:
    """`pipeline_service.lost_deal_rows` over only the deals lost in the period (SQL)."""
    infos = lost_infos(store, period)
    return named(_by_ref([deal_row(d) for d in infos], infos))


# list name -> (the service that builds it, the row field its total sums or None)
LISTS: dict[str, tuple[ListFn, str | None]] = {
    "at_risk": (metrics_service.at_risk, "value_at_risk"),
    "hot": (hot_prospects, "weighted"),
    "lost": (lost_deals, "amount"),
    "detractors": (metrics_service.detractors, None),
}


# the figures the cards read: each card's, its "worth …" figure's, and the undated contacts
# of the note
CARD_IDS: tuple[str, ...] = (*(m for card in CARDS for m in card if m is not None),
                             "contacts_undated")

Values = dict[str, MetricValue]
Series = dict[str, list[SeriesPoint]]
# (store, period, trends or None) -> (the period's figures, the prior's, the trends or None)
FiguresFn = Callable[[Store, Period, Callable[[Store], Series] | None],
                     tuple[Values, Values, Series | None]]


def card_figures(store: Store, period: Period,
                 then: Callable[[Store], Series] | None) -> tuple[Values, Values, Series | None]:
    """The cards' figures alone for the period and its prior (`card_metrics`: the customer
    tallies, the deal and survey sums — no ticket, discount or whole-file sums), then
    `then` on the prior's connection."""
    return card_metrics.card_figures_and_prior_then(store, period, CARD_IDS, then)


def catalogue_figures(store: Store, period: Period, then: Callable[[Store], Series] | None
                      ) -> tuple[Values, Values, Series | None]:
    """The whole catalogue of the period and its prior (the reference `card_figures` is
    tested against), then `then` on the prior's connection."""
    now, before, series = metrics_service.compute_metrics_and_prior_then(store, period,
                                                                         then=then)
    return now.metrics, before.metrics, series


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True
          ) -> Screen:
    """Everything the Today tab shows for `period` (the trends too unless `with_series` is
    False: the tab asks for them second, so the cards appear first)."""
    return _build(store, period, label, with_series, card_figures)


def build_reference(store: Store, period: Period, label: str = "", *,
                    with_series: bool = True) -> Screen:
    """`build` from the whole catalogue pair, as before the cards were computed alone: the
    reference its screen is tested against (tests/test_perf_card_metrics.py)."""
    return _build(store, period, label, with_series, catalogue_figures)


def _build(store: Store, period: Period, label: str, with_series: bool,
           figures: FiguresFn) -> Screen:
    if metrics_service.data_span(store) is None:
        return Screen(NAME, period, label, empty=True)
    # the cards' figures (seconds on a big file: the customer tallies) on a second
    # connection while the lists are built here: two cores (storage/beside.py); the trends
    # after the prior period's figures on its connection (the lists keep this one busy
    # longer than the prior's)
    trends = (lambda twin: kept_series(twin, period)) if with_series else None
    pair = beside(store, lambda twin: figures(twin, period, trends))
    with waited_on_failure(pair):
        lists, tables = work_lists(store, period)
    current, prior, series = pair.result()
    shown = with_targets(cards(current, prior), store, period)
    screen = honest.finish(Screen(NAME, period, label, cards=shown,
                                  lists=lists, tables=tables,
                                  notes=undated_note(current.get("contacts_undated"))))
    return screen.with_series(series) if series is not None else screen


def build_first(store: Store, period: Period, label: str = "") -> Screen:
    """What the Today tab draws first, while `build` makes the rest: the cards' figures of
    `period` (no comparison with the prior period yet) and the customers at risk, as
    `build` has them (the same calls, their sums and risk kept for it: only the at-risk
    rows' triage, a lookup of their snoozes and actions, is made again). On a big
    file the owner sees them after about half of `build`'s time: the other lists (10k
    detractors, 9k lost deals), the prior period's tallies and the trends come with the
    whole screen. Its list_totals hold the at-risk lists' rows alone."""
    if metrics_service.data_span(store) is None:
        return Screen(NAME, period, label, empty=True)
    current, at_risk = card_metrics.card_figures_then(
        store, period, CARD_IDS,
        lambda s: triage.triage_at_risk(s, metrics_service.at_risk(s, period)))
    assert at_risk is not None
    lists, tables = _at_risk_parts(at_risk)
    shown = with_targets(cards(current, {}), store, period)
    return honest.finish(Screen(NAME, period, label, cards=shown, lists=lists, tables=tables,
                                notes=undated_note(current.get("contacts_undated"))))


def _at_risk_parts(at_risk: triage.AtRiskTriage
                   ) -> tuple[dict[str, list[Any]], dict[str, list[dict[str, Any]]]]:
    """The at-risk lists (shown, snoozed), their list_totals rows and triage counts."""
    lists: dict[str, list[Any]] = {"at_risk": list(at_risk.shown),
                                   "at_risk_snoozed": list(at_risk.snoozed)}
    totals = [row for row in list_totals(lists) if row["list"] == "at_risk"]
    return lists, {"list_totals": [*totals, snoozed_total(at_risk)],
                   "at_risk_triage": [at_risk.counts]}


def snoozed_total(at_risk: triage.AtRiskTriage) -> dict[str, Any]:
    """The list_totals row of the snoozed customers at risk."""
    return {"list": "at_risk_snoozed", "count": len(at_risk.snoozed),
            "total": sum(r.value_at_risk for r in at_risk.snoozed)}


def work_lists(store: Store, period: Period
               ) -> tuple[dict[str, list[Any]], dict[str, list[dict[str, Any]]]]:
    """The lists (LISTS, triaged; the snoozed, needs-me and due actions) and the tables
    counting them, of `period`."""
    lists: dict[str, list[Any]] = {name: list(fn(store, period))
                                   for name, (fn, _total) in LISTS.items()}
    at_risk = triage.triage_at_risk(store, lists["at_risk"])
    lists["at_risk"], lists["at_risk_snoozed"] = list(at_risk.shown), list(at_risk.snoozed)
    lists["detractors"] = list(triage.triage_detractors(store, lists["detractors"], period))
    lists["needs_me"] = list(triage.needs_me(store))
    tables: dict[str, list[dict[str, Any]]] = {"list_totals": list_totals(lists),
                                               "at_risk_triage": [at_risk.counts]}
    tables["list_totals"] += [
        snoozed_total(at_risk),
        {"list": "needs_me", "count": len(lists["needs_me"]),
         "total": sum(r.amount or 0.0 for r in lists["needs_me"])}]
    # the due actions are always there (empty until the owner plans some)
    due = (actions_screen.due_rows(store, date.today().isoformat())
           if acts.has_actions(store) else [])
    lists["actions_due"] = due
    from custdesk.services import onboarding_service  # issue 15: late onboarding steps

    # a table, not a list: per late step, how many customers wait for it
    tables["onboarding_overdue"] = onboarding_service.overdue_counts(store, period.end)
    tables["list_totals"].append({"list": "actions_due", "count": len(due), "total": None})
    tables["actions_due_totals"] = [due_totals(due)]
    return lists, tables


def load_job(period: Period, label: str) -> ScreenJob:
    """The Today tab's load: the whole screen, its trends too (built on the prior period's
    second connection after its figures, while this connection builds the lists)."""
    return ScreenJob(build, (period, label), {"with_series": True})


def first_job(period: Period, label: str) -> ScreenJob:
    """The Today tab's first stage (`build_first`), drawn before `load_job`'s screen."""
    return ScreenJob(build_first, (period, label))


# records of every kind (`queries.records_estimate`) from which the Today tab draws its
# screen in two stages: on a smaller file (the real-data mix, 27k records: the whole screen
# in ~0.3 s) a second round trip to the screen process would only delay the whole
FIRST_STAGE_RECORDS = 200_000


def in_two_stages(store: Store) -> bool:
    """Whether the Today tab draws `store`'s screen in two stages (`first_job`, then
    `load_job`) where it is built in the screen process."""
    return records_estimate(store) >= FIRST_STAGE_RECORDS


def start_job(store: Store, preset: str) -> ScreenJob:
    """The job the Today tab sends first on `store` with the period preset `preset` (its
    `first_job` on a big file, else `load_job`): the screen process builds it ahead while
    the window's tabs still import (`Warm`)."""
    resolved = resolve_period(store, preset=preset)
    job = first_job if in_two_stages(store) else load_job
    return job(resolved.period, resolved.label)


def due_totals(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """{count, overdue, due_today} of the due-actions rows (the strip's "3 due · 1 late")."""
    return {"count": len(rows), "overdue": sum(bool(r["overdue"]) for r in rows),
            "due_today": sum(r.get("due_in") == 0 for r in rows)}


def undated_note(value: MetricValue | None) -> tuple[str, ...]:
    """Say so when people known only from tickets, surveys or open deals are in the file:
    they are not customers yet, so no card counts them (METRICS.md: undated contacts)."""
    n = int(value.value or 0) if value is not None else 0
    if not n:
        return ()
    return (f"{n:,} contact{'s' if n > 1 else ''} without a purchase — import orders or a "
            "customer list to date them.",)


def cards(current: dict[str, MetricValue], prior: dict[str, MetricValue]) -> dict[str, Card]:
    """The cards in the tab's order. A card's small "worth …" figure is also a card of its
    own right after it, so it keeps its prior value (exports and the CLI show both)."""
    out: dict[str, Card] = {}
    for metric, extra in CARDS:
        out[metric] = Card(metric, current.get(metric), prior.get(metric), extra=extra,
                           extra_value=current.get(extra) if extra else None)
        if extra is not None and extra in current:
            out[extra] = Card(extra, current.get(extra), prior.get(extra))
    return out


def list_totals(lists: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """One row per list: its row count and the sum of its value column (None for lists
    without one), so the tab's "12 · $4.5k at risk" line is drawn, not computed."""
    rows = []
    for name, (_fn, field) in LISTS.items():
        items = lists.get(name, [])
        total = None if field is None else sum(getattr(r, field) or 0.0 for r in items)
        rows.append({"list": name, "count": len(items), "total": total})
    return rows


def kept_series(store: Store, period: Period) -> Series:
    """`build_series`, kept until the next write per last day (among the small results:
    84 points each): the trends depend on `period.end` alone, so a period change keeping
    the last day (12 months -> 90 days) does not sum them again, nor a change back to a
    last day seen before (12 months -> last month -> 12 months: ~0.3 s CPU on a big file).
    Lists of their own (the kept points are frozen)."""
    kept = cached(store, ("today trends", period.end), lambda: build_series(store, period),
                  small=True)
    return {m: list(points) for m, points in kept.items()}


def build_series(store: Store, period: Period) -> dict[str, list[SeriesPoint]]:
    """The trends: one point per calendar month of the 12 ending with `period.end`'s month,
    the last one partial unless `period.end` is a month end."""
    return monthly(store, TRENDS, period.end)


def monthly(store: Store, metric_ids: Sequence[str], end: date,
            months: int = TREND_MONTHS) -> dict[str, list[SeriesPoint]]:
    """SeriesPoints per series id from the engine's own month series (`monthly_series`: one
    grouped query where the metric allows), laid on the calendar months of
    `trailing_months` so each point knows whether its month is whole. A series of a
    screen's own (labels.py) computes its catalogue metric for each month."""
    slots = trailing_months(end, months)
    out: dict[str, list[SeriesPoint]] = {}
    for metric in metric_ids:
        values = dict(metrics_service.monthly_series(store, series_metric(metric), months,
                                                     end))
        out[metric] = [SeriesPoint.of(slot, values.get(slot.key)) for slot in slots]
    return out

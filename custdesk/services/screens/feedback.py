"""The feedback screen: what customers and staff say, and how fast the business answers.

Cards (NPS with its 95 % range and n, CSAT, first response and resolution times, repeat
contacts, contacts per issue, complaints, mystery shopping, eNPS) against the prior period;
the detractors to rescue (a work list); referral and NPS by segment; tickets by topic and by
channel; each detractor's rescue action (none/open/done/dropped, with its due date and
outcome) and `tables["rescue"]` = [{detractors, with_action, rescued}]; each detractor's
follow-up (to contact / contacted; resolved and not recovered ones leave the list), the
value at stake it is sorted by and a later answer ("NPS 3 → 8"); the monthly NPS
for the 12 months to the period's end (last month partial when cut).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from custdesk.domain.metric_values import MetricValue
from custdesk.domain.periods import Period, trailing_months
from custdesk.services import actions_service as acts
from custdesk.services import feedback_service as fb
from custdesk.services import metrics_lists
from custdesk.services import metrics_service as ms
from custdesk.services import triage_service as triage
from custdesk.services.screens import honest, targets
from custdesk.services.screens.model import Card, Screen, SeriesPoint
from custdesk.storage import Store
from custdesk.storage import queries_kept as qk
from custdesk.storage.beside import Pending, beside, waited_on_failure
from custdesk.storage.queries_tally import customer_tallies
from custdesk.storage.repository import table_counts

NAME = "feedback"
CARDS = ("nps", "csat_pct", "first_response_hours_median", "resolution_hours_median",
         "repeat_contact_rate_pct", "contacts_per_issue", "complaints_count",
         "mystery_shop_avg", "enps")
TREND_MONTHS = 12
ANSWER_CARDS = ("nps", "csat_pct", "enps", "mystery_shop_avg")  # figures of survey answers
NOTHING_IN_PERIOD = ("No survey answers or tickets fall in this period: choose a period "
                     "that holds your feedback (e.g. All time), or import recent surveys and "
                     "tickets.")


def is_empty(store: Store) -> bool:
    """No surveys and no tickets: nothing for feedback to show."""
    counts = table_counts(store)
    return counts["surveys"] == 0 and counts["tickets"] == 0


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True) -> Screen:
    """The feedback screen for `period` (series too unless `with_series` is False)."""
    if is_empty(store):
        return Screen(NAME, period, label, empty=True)
    # on second connections meanwhile (two cores; a part finding none runs here first):
    # the report's feedback sums of the period and its prior (Today no longer sums the
    # tickets: ~0.5 s CPU on a big file; kept per period, so Why finds the period's), the
    # customer tallies the report reads when Today did not keep them (a period change:
    # ~0.75 s on a big file), the detractors to rescue with their rescue actions (their
    # latest answers and details are Today's too: kept)
    window = ms.load_settings(store).window_days
    sums = beside(store, lambda twin: fb.period_sums(twin, period))
    tallies = (None if qk.customer_tally(store, period, window) is not None else
               beside(store, lambda twin: customer_tallies(twin, period, window)))
    found = beside(store, lambda twin: rescue_rows(twin, triage.triage_detractors(
        twin, metrics_lists.detractors(twin, period), period)))
    with waited_on_failure(sums, tallies, found):
        return _finish(store, period, label, with_series, sums, tallies, found)


def _finish(store: Store, period: Period, label: str, with_series: bool,
            sums: Pending[Any], tallies: Pending[Any] | None,
            found: Pending[list[dict[str, Any]]]) -> Screen:
    """The screen once its parts beside are started: the ticket tables here, then the
    report from the sums and tallies the parts keep."""
    tickets = fb.screen_tickets(store, period)  # by topic and by channel
    for part in (sums, tallies):
        if part is not None:
            part.result()
    report = ms.feedback_report(store, period)  # what this screen reads, not more
    prior = ms.feedback_figures(store, period.prior())  # the cards' figures alone
    cards = {m: Card(m, report.metrics.get(m), prior.get(m)) for m in CARDS}
    by_segment = report.breakdowns["segment"]
    blank_referral = honest.referral_unknown(
        [v.get("referral_rate_pct") for v in by_segment.values()],
        lambda: honest.sources_recorded(ms.customer_rows(store, period.end)))
    why = {"referral_rate_pct": honest.NO_SOURCES} if blank_referral else {}
    segments = [_segment_row(name, values, blank_referral)
                for name, values in sorted(by_segment.items())]
    # each with its follow-up and value at stake, closed follow-ups left out (triage_service)
    detractors = found.result()
    tables = {
        "segments": segments,
        "tickets_by_topic": [dataclasses.asdict(g) for g in tickets["topic"]],
        "tickets_by_channel": [dataclasses.asdict(g) for g in tickets["channel"]],
        "rescue": [acts.rescue_summary(detractors)],
        **honest.why_table(why),
    }
    answered = any(cards[m].value is not None for m in ANSWER_CARDS if m in cards)
    notes = () if answered or tables["tickets_by_topic"] else (NOTHING_IN_PERIOD,)
    screen = honest.finish(Screen(NAME, period, label,
                                  cards=targets.with_targets(cards, store, period),
                                  lists={"detractors": detractors}, tables=tables,
                                  notes=notes))
    return screen.with_series(build_series(store, period)) if with_series else screen


def rescue_rows(store: Store, found: list[Any]) -> list[dict[str, Any]]:
    """Detractor rows (dicts), each with its rescue: `rescue` none/open/done/dropped, the
    action's id, due date and outcome (`actions_service.rescue_actions`)."""
    rows = shallow_dicts(found)
    rescues = acts.rescue_actions(store, ((r["customer_id"], r["date"]) for r in rows))
    return [{**r, **acts.rescue_fields(rescues.get(r["customer_id"]))} for r in rows]


def shallow_dicts(items: list[Any]) -> list[dict[str, Any]]:
    """Dataclass rows of scalar fields as plain dicts: what `dataclasses.asdict` gives
    them, without its deep copy (2 s for the 10k detractors of a big file)."""
    if not items:
        return []
    names = [f.name for f in dataclasses.fields(items[0])]
    return [{name: getattr(item, name) for name in names} for item in items]


def build_series(store: Store, period: Period) -> dict[str, list[SeriesPoint]]:
    """The NPS of each calendar month, 12 months to the period's end."""
    values = dict(ms.monthly_series(store, "nps", TREND_MONTHS, period.end))
    return {"nps": [SeriesPoint.of(slot, values.get(slot.key))
                    for slot in trailing_months(period.end, TREND_MONTHS)]}


def _segment_row(segment: str, values: dict[str, MetricValue],
                 blank_referral: bool = False) -> dict[str, Any]:
    """One segment's referral and feedback figures (None where they cannot be computed,
    and the referral rate None when the file records no acquisition sources)."""
    def value(metric: str) -> float | None:
        v = values.get(metric)
        return None if v is None else v.value

    nps = values.get("nps")
    return {"segment": segment, "new": value("customers_new"),
            "referral_pct": None if blank_referral else value("referral_rate_pct"),
            "nps": value("nps"),
            "nps_n": None if nps is None else nps.n, "csat_pct": value("csat_pct")}

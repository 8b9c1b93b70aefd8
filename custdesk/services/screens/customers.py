"""The Customers screen: every customer, and customers in and out of one period (Qt-free).

Tables: the customer list (totals up to the period's end), the bridge (start + new + won
back − lost = end) as waterfall steps, lost customers by reason, referral, churn, renewal
and active by segment, and cohort retention (customers acquired per quarter, share active
3, 6 and 12 months after their acquisition). Lists (issues 14, 15): customers lost in the
period (date, reason, value, last contact, ever complained / answered a survey, left
without a word), new in the period (first order or won deal, value, source, referred by),
renewed and not renewed (ordered in the prior period; again in the period or not), promoters
(latest NPS 9–10) and referrers (named in referred_by). Cards: the bridge counts and the
customer rates against the prior period. Series: the monthly renewal rate. The Customers
tab draws exactly this, and `custdesk screen customers --json` prints it.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from custdesk.domain.customer_state import (
    REPEAT_WITHIN_DAYS,
    Bridge,
    CustomerState,
    lost_explicitly,
    silent_loss_day,
)
from custdesk.domain.gc_pause import collector_paused
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_all import lost_days, silent_days
from custdesk.domain.money import e4_to_cents
from custdesk.domain.periods import Period, add_months
from custdesk.services import growth_service, metrics_service
from custdesk.services.metrics_lists import CustomerRow
from custdesk.services.screens import customers_figures as figures
from custdesk.services.screens import honest, labels
from custdesk.services.screens.customers_parts import Part, Parts
from custdesk.services.screens.labels import MONTHLY_RENEWAL
from custdesk.services.screens.model import Card, Screen, SeriesPoint
from custdesk.services.screens.targets import with_targets
from custdesk.services.screens.today import monthly
from custdesk.storage import Store, queries
from custdesk.storage import queries_cohorts as qc
from custdesk.storage import queries_growth_ltv as qltv
from custdesk.storage import queries_lists as qlists
from custdesk.storage.beside import beside, waited_on_failure
from custdesk.storage.queries_cache import cached, data_version, peek, seed

NAME = "customers"

# the bridge's counts first (in the waterfall's order), then the rates the tab shows
CARDS: tuple[str, ...] = (
    "customers_start", "customers_new", "customers_won_back", "customers_lost",
    "customers_active", "customers_new_value", "customers_lost_value", "customers_lost_pct",
    "retention_rate_pct", "churn_rate_pct", "renewal_rate_pct", "referral_rate_pct", "cac",
    "new_first_order_avg", "new_repeat_90d_pct", "lost_silent_pct",
)
COHORT_QUARTERS = 8  # cohorts of the 8 quarters ending with the period's last
# (metric, column header) of the by-segment table
SEGMENT_METRICS: tuple[tuple[str, str], ...] = tuple(
    (m, labels.label(m)) for m in ("referral_rate_pct", "churn_rate_pct", "renewal_rate_pct",
                            "customers_active"))
# the month-to-month renewal (labels.py), not the period's renewal rate of the cards
SERIES: tuple[str, ...] = (MONTHLY_RENEWAL.id,)
# (store, period, the cards' ids, what to do then on the prior's connection) -> (the
# period's figures, the prior's, the segments')
FiguresFn = Callable[[Store, Period, Sequence[str], Callable[[Store], object] | None],
                     figures.Figures]


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True,
          rows_named: Callable[[TableToken], object] | None = None) -> Screen:
    """Everything the Customers tab shows for `period` (the renewal trend too unless
    `with_series` is False); empty when the file holds no customers. `rows_named` is told
    the token of its table rows (`build_for_tab`)."""
    return _build(store, period, label, with_series, figures.cards_and_segments, rows_named)


def build_for_tab(store: Store, period: Period, label: str = "", *, with_series: bool = True
                  ) -> Screen:
    """`build` for the Customers tab: the same screen, with `TABLE_TOKEN` naming its table
    rows (`without_rows_named` leaves them out for a tab already showing them). Any write,
    another last day, another file or another process names other rows."""
    holder: list[TableToken] = []
    # `build` itself, looked up when called: the tab shows exactly what the JSON prints
    screen = build(store, period, label, with_series=with_series, rows_named=holder.append)
    if screen.empty or not holder:
        return screen
    return dataclasses.replace(screen, tables={**screen.tables, TABLE_TOKEN: [holder[0]]})


def without_rows_named(screen: Screen, shown: TableToken | None) -> Screen:
    """`screen` (of `build_for_tab`) without its table rows (no "customers" table) when
    they are the ones named `shown` — the rows the tab already shows: a period change
    keeping the last day (the usual one) then does not send, unpickle and load the big
    file's 100k rows again (~0.45 s of the 1.3 s until painted). The screen process keeps
    the whole screen and cuts only what it sends (`ScreenJob.trim`)."""
    if shown is None or screen.tables.get(TABLE_TOKEN, [None])[0] != shown:
        return screen
    return dataclasses.replace(screen, tables={k: v for k, v in screen.tables.items()
                                               if k != "customers"})


def build_reference(store: Store, period: Period, label: str = "", *,
                    with_series: bool = True) -> Screen:
    """`build` with the cards and segments from the catalogue pair with the segment
    breakdown, as before `customers_figures` (the reference of
    tests/test_perf_customers_figures.py)."""
    return _build(store, period, label, with_series, catalogue_figures)


def catalogue_figures(store: Store, period: Period, ids: Sequence[str],
                      then: Callable[[Store], object] | None = None) -> figures.Figures:
    """The period's and prior period's catalogues with the segment breakdown: all their
    figures, and the segment breakdown's (`then`: left to the caller, see _with_cohorts)."""
    report, prior = metrics_service.compute_metrics_and_prior(store, period, by=("segment",))
    return report.metrics, prior.metrics, report.breakdowns.get("segment", {})


def _build(store: Store, period: Period, label: str, with_series: bool,
           figures_of: FiguresFn, named: Callable[[TableToken], object] | None = None
           ) -> Screen:
    # No cyclic collection during the build: on a big file its ~100k table rows and
    # ~80k list rows (none in a reference cycle) triggered ~800 collections, full ones
    # among them walking the worker's whole heap (Today's kept results too): ~0.7 s of
    # its CPU, nothing freed (gc_pause; reference counting frees as usual).
    with collector_paused():
        return _build_unpaused(store, period, label, with_series, figures_of, named)


def _build_unpaused(store: Store, period: Period, label: str, with_series: bool,
                    figures_of: FiguresFn, named: Callable[[TableToken], object] | None
                    ) -> Screen:
    if metrics_service.data_span(store) is None:
        return Screen(NAME, period, label, empty=True)
    # the cards' figures for the period and the prior period (customers_figures: from the
    # customer tallies Today's cards keep, no catalogue pair of its own) on a second
    # connection while the customer rows and lists are built here: two cores
    # (storage/beside.py). The lists stay here: on a twin beside the table, each of the
    # two fetching tens of thousands of rows into Python waited for the interpreter at
    # every row the other's Python held it (the first build on the big file slower, not
    # faster). The cohort cells and the promoters too, after the figures there (each kept
    # per last day, found here later): mostly SQL, 8 and ~11k rows back (0.16 + 0.14 s CPU
    # off this core on a big file; the promoters are asked for last among the lists).
    # The table's LTV columns first there (one packed row: `ltv_by_customer_packed`), so
    # the lists are built here first and the table after them, its LTV ready by then.
    if not qlists.has_customers(store):
        return Screen(NAME, period, label, empty=True)
    since = data_version(store)  # what the rows beside are made from (kept with it)
    kept = peek(store, _table_key(period.end))
    parts = shared_parts(store, period, with_table=kept is None, with_series=with_series)
    pair = beside(store, lambda twin: _with_cohorts(twin, period, figures_of, parts))
    with waited_on_failure(pair):
        lists = work_lists(store, period, parts)
        table = kept if kept is not None else _table(
            store, period.end, parts["table"], since)
        rows = table.rows
        if named is not None:
            named(table.token)
    # (the bridge's and the segments' tallies come with the pair: asked for after it)
    now, prior, segments = pair.result()
    cohorts = cohort_rows(store, period)
    bridge = metrics_service.customers_bridge(store, period)
    cards = with_targets({m: Card(m, now[m], prior.get(m)) for m in CARDS if m in now},
                         store, period)
    why: dict[str, str] = {}
    if honest.referral_unknown(
            [cards["referral_rate_pct"].current if "referral_rate_pct" in cards else None,
             *(v.get("referral_rate_pct") for v in segments.values())],
            lambda: honest.sources_recorded(rows)):
        why["referral_rate_pct"] = honest.NO_SOURCES
    tables: dict[str, list[Any]] = {
        "customers": list(rows),
        "bridge": bridge_steps(bridge),
        "lost_by_reason": lost_by_reason(bridge),
        "segments": segment_rows(segments, blank=set(why)),
        "cohorts": cohorts,
        **honest.why_table(why),
    }
    screen = honest.finish(Screen(NAME, period, label, cards=honest.blank_cards(cards, why),
                                  tables=tables, lists=lists))
    return screen.with_series(parts["series"](store)) if with_series else screen


def _with_cohorts(store: Store, period: Period, figures_of: FiguresFn, parts: Parts
                  ) -> figures.Figures:
    """The cards' figures of the period and the prior period and the segments', then (on
    the prior's connection, once its figures are made) the parts no list needs
    (`shared_parts`), and here whatever is left of them."""
    pair = figures_of(store, period, CARDS, parts.help)
    parts.help(store)  # (the figures made inline, or by the catalogue: the parts here)
    return pair


def shared_parts(store: Store, period: Period, *, with_table: bool = True,
                 with_series: bool = False) -> Parts:
    """The build's parts that need nothing from its lists, made by whichever of its lanes
    gets to them first (customers_parts.py), in this order from the prior's connection:
    the table's LTV and rows (`with_table`: unless kept), the cohort rows, the promoters
    (kept per last day: found by `promoter_rows`), the renewal lists, the referrers and
    the renewal trend (`with_series`)."""
    end = period.end
    table: list[tuple[str, Part[Any]]] = []
    if with_table:  # (the LTV one part with the rows: its 100k entries freed with them)
        table = [("table", Part(lambda s: metrics_service.customer_rows(
            s, end, ltv_by_customer_packed(s, end))))]
    return Parts([*table,
                  ("cohorts", Part(lambda s: cohort_rows(s, period))),
                  ("promoters", Part(lambda s: qc.promoters(s, end))),
                  ("renewals", Part(lambda s: renewal_lists(s, period))),
                  ("referrers", Part(lambda s: qc.referrers(s, period.start, end))),
                  *([("series", Part(lambda s: build_series(s, period)))]
                    if with_series else [])])


def build_series(store: Store, period: Period) -> dict[str, list[SeriesPoint]]:
    """The month-to-month renewal for the 12 calendar months ending with `period.end`'s."""
    return monthly(store, SERIES, period.end)


def bridge_steps(bridge: Bridge) -> list[dict[str, Any]]:
    """The waterfall's steps: `customers` moved at each step, `kind` total/up/down, and the
    revenue that came in with the new and went out with the lost (`value`)."""
    return [
        {"step": "Start", "customers": bridge.start, "kind": "total", "value": None},
        {"step": "New", "customers": bridge.new, "kind": "up", "value": bridge.new_value},
        {"step": "Won back", "customers": bridge.won_back, "kind": "up", "value": None},
        {"step": "Lost", "customers": bridge.lost, "kind": "down", "value": bridge.lost_value},
        {"step": "End", "customers": bridge.end, "kind": "total", "value": None},
    ]


def lost_by_reason(bridge: Bridge) -> list[dict[str, Any]]:
    """Customers lost in the period per reason, most first (the bridge files one without a
    reason under "Not recorded" when marked lost, else "Lapsed")."""
    ranked = sorted(bridge.lost_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"reason": reason, "customers": count} for reason, count in ranked]


def segment_rows(by_segment: dict[str, dict[str, MetricValue]],
                 blank: frozenset[str] | set[str] = frozenset()) -> list[dict[str, Any]]:
    """One row per segment: its referral, churn and renewal rates and active customers
    (None for the figures in `blank`: the file cannot support them)."""
    return [{"segment": segment,
             **{m: None if m in blank else getattr(values.get(m), "value", None)
                for m, _label in SEGMENT_METRICS}}
            for segment, values in sorted(by_segment.items())]


# ----- work lists (issues 14 and 15) ---------------------------------------------------------
def table_rows(store: Store, end: date, ltv: Callable[[Store], Ltv] | None = None,
               since: tuple[int, int] | None = None) -> list[CustomerRow]:
    """The customer table as of `end`, with each customer's LTV (issue 17: historical and
    predicted) as columns (from `ltv(store)` when given: made beside, on the data as of
    version `since`, taken before it began). Kept per store and last day until the next
    write: a period change that keeps the last day (the usual one) asks again (~0.8 s on
    a big file). The rows are the ones the worker's kept screens already hold, so keeping
    them adds a list of references, not 100k rows; they are read-only by convention
    (CustomerRow)."""
    return _table(store, end, None if ltv is None else (
        lambda s: metrics_service.customer_rows(s, end, ltv(s))), since).rows


# (a string naming this process, a number it never gives twice): names one table's rows
TableToken = tuple[str, int]
TABLE_TOKEN = "customers_token"  # the tab's screen: the table's token, one row
_PROCESS = f"{os.getpid()}-{os.urandom(6).hex()}"  # another process's rows are others
_tokens = itertools.count(1)  # (next() is atomic under the GIL: twins may ask at once)


class KeptTable(NamedTuple):
    """The table rows as kept, with the token naming them (`build_for_tab`)."""

    token: TableToken
    rows: list[CustomerRow]


def _named(rows: list[CustomerRow]) -> KeptTable:
    return KeptTable((_PROCESS, next(_tokens)), rows)


def _table(store: Store, end: date,
           rows_of: Callable[[Store], list[CustomerRow]] | None = None,
           since: tuple[int, int] | None = None) -> KeptTable:
    """`table_rows`' rows (`rows_of(store)` when given: made from the data as of version
    `since`) and their token, kept together (one entry: never the token of other rows)."""
    if rows_of is None:
        return cached(store, _table_key(end), lambda: _named(metrics_service.customer_rows(
            store, end, growth_service.ltv_by_customer(store, end))))
    kept = peek(store, _table_key(end))
    if kept is not None:
        return kept
    table = _named(rows_of(store))
    # kept only when nobody committed since the LTV began beside (review: a write landing
    # meanwhile left its rows with the LTV of before, served until the next write)
    seed(store, _table_key(end), table, since if since is not None else (-1, -1))
    return table


def _table_key(end: date) -> tuple[str, date]:
    return ("customer table rows", end)


# customer id -> (historical LTV, predicted LTV)
Ltv = dict[int, tuple[float | None, float | None]]


def ltv_by_customer_packed(store: Store, end: date) -> Ltv:
    """`growth_service.ltv_by_customer` from one packed row (`ltv_rows_packed`): for a
    second connection beside this one's Python work (tests/test_perf_growth_ltv_packed.py:
    equal)."""
    return growth_service.ltv_from_rows(qltv.ltv_rows_packed(
        store, Period.trailing_year(end), metrics_service.load_settings(store).window_days))


def work_lists(store: Store, period: Period, parts: Parts | None = None
               ) -> dict[str, list[Any]]:
    """The period's lost and new customers, renewed and not renewed, promoters and
    referrers (each a list of plain rows); with the build's `parts` (`shared_parts`):
    after the lost and new lists, the parts nobody has begun, from the last."""
    window = metrics_service.load_settings(store).window_days
    return {**flow_lists(store, period, window, parts), **other_lists(store, period, parts)}


def flow_lists(store: Store, period: Period, window: int, parts: Parts | None = None
               ) -> dict[str, list[Any]]:
    """The period's lost and new customers (the bridge's Lost and New, as lists); with the
    build's `parts`: their look-ups among them, first, then whatever part nobody has
    begun (from the last), before the rows are made here."""
    # only the period's new and lost customers, selected in SQL (the same `classify`
    # states as over every customer's facts: tests/test_perf_lists_flows.py)
    states, names = qlists.new_and_lost_named(store, period, window)
    if parts is not None:
        parts.first(flow_parts(period, states, window))
        parts.help(store, reverse=True)
    return {"lost": lost_rows(store, period, states, window, names, parts),
            "new": new_rows(store, period, states, names, parts)}


def flow_parts(period: Period, states: list[CustomerState], window: int
               ) -> list[tuple[str, Part[Any]]]:
    """The lost and new lists' look-ups (`lost_rows`, `new_rows`) as parts."""
    lost = [st.facts.id for st in states if st.flow.lost]
    new = [st.facts.id for st in states if st.flow.new]
    return [("lost values", Part(lambda s: queries.lost_values(
                s, lost_days(states, period), window))),
            ("silent", Part(lambda s: queries.silent_lost(
                s, silent_days(states, period, window), window))),
            ("contacts", Part(lambda s: qc.contact_history(s, lost, period.end))),
            ("first orders", Part(lambda s: qlists.first_orders(s, new, period.end))),
            ("first deals", Part(lambda s: qc.first_won_deals(s, new, period.end)))]


def other_lists(store: Store, period: Period, parts: Parts | None = None
                ) -> dict[str, list[Any]]:
    """Renewed and not renewed, promoters and referrers (from the build's `parts` when
    given: made on this connection or another)."""
    if parts is None:
        referrers = qc.referrers(store, period.start, period.end)
        renewals = renewal_lists(store, period)
    else:
        referrers, renewals = parts["referrers"](store), parts["renewals"](store)
        parts["promoters"](store)  # kept for promoter_rows (not asked twice meanwhile)
    return {**renewals,
            "promoters": promoter_rows(store, period, referrers),
            "referrers": [{"customer_id": r.customer_id, "customer": r.name,
                           "segment": r.segment, "referred": r.referred,
                           "referred_in_period": r.referred_in_period,
                           "referred_revenue": e4_to_cents(r.referred_revenue_e4)}
                          for r in referrers]}


# The lists below make thousands of rows each (~17-29k on a big file): no cyclic
# collection meanwhile (gc_pause) — for the Loyalty and New screens that ask for them too
# (the Customers build pauses it for its whole build).
@collector_paused()
def lost_rows(store: Store, period: Period, states: list[CustomerState], window: int,
              names: dict[int, str] | None = None, parts: Parts | None = None
              ) -> list[dict[str, Any]]:
    """Customers lost in the period (the bridge's Lost), latest first: loss date (lost_on,
    else last order + W), reason (as the bridge files it), value (`customers_lost_value`'s),
    last contact, ever complained, ever answered a survey, and `silent` — no ticket or survey
    in the W days up to the loss (`lost_silent_pct`)."""
    lost = [st.facts for st in states if st.flow.lost]
    ids = [f.id for f in lost]
    if parts is None:
        values = queries.lost_values(store, lost_days(states, period), window)
        silent = queries.silent_lost(store, silent_days(states, period, window), window)
        contacts = qc.contact_history(store, ids, period.end)
    else:  # (`flow_parts`: made here or on another connection)
        values, silent = parts["lost values"].take(store), parts["silent"].take(store)
        contacts = parts["contacts"].take(store)
    if names is None:  # (`new_and_lost_named` gives them with the states)
        names = {cid: got[0] for cid, got in qc.customer_names(store, ids).items()}
    rows = []
    for f in lost:
        last, complained, surveyed = contacts.get(f.id, (None, False, False))
        rows.append({"customer_id": f.id, "customer": names[f.id], "segment": f.segment,
                     "lost_on": silent_loss_day(f, period.end, window),
                     "reason": f.lost_reason or ("Not recorded" if lost_explicitly(
                         f, period.end) else "Lapsed"),
                     "value": e4_to_cents(values.get(f.id, 0)), "last_order_on": f.last_at_end,
                     "last_contact_on": last, "complained": complained,
                     "surveyed": surveyed, "silent": f.id in silent})
    rows.sort(key=lambda r: (r["lost_on"], r["customer"]), reverse=True)
    return rows


@collector_paused()
def new_rows(store: Store, period: Period, states: list[CustomerState],
             names: dict[int, str] | None = None, parts: Parts | None = None
             ) -> list[dict[str, Any]]:
    """Customers acquired in the period, latest first: their first order (day, value) or
    first won deal, value in the period, source, referred by, and whether they ordered
    again within 90 days (None until 90 days have passed by the period's end)."""
    new = [st.facts for st in states if st.flow.new]
    ids = [f.id for f in new]
    if parts is None:
        firsts = qlists.first_orders(store, ids, period.end)  # queries.first_orders's
        deals = qc.first_won_deals(store, ids, period.end)
    else:  # (`flow_parts`: made here or on another connection)
        firsts, deals = parts["first orders"].take(store), parts["first deals"].take(store)
    if names is None:  # (`new_and_lost_named` gives them with the states)
        names = {cid: got[0] for cid, got in qc.customer_names(store, ids).items()}
    cohort_day = period.end - timedelta(days=REPEAT_WITHIN_DAYS)
    rows = []
    for f in new:
        first = firsts.get(f.id)
        deal = deals.get(f.id)
        # source and referred by: the customer's own columns, as the facts carry them
        name, source, referred = names[f.id], f.source, f.referred_by
        rows.append({"customer_id": f.id, "customer": name, "segment": f.segment,
                     "acquired_on": f.acquired, "first_order_on": f.first_order,
                     "first_order_value": None if first is None else e4_to_cents(first.value_e4),
                     "first_deal": None if deal is None else deal[1],
                     "first_deal_on": None if deal is None else date.fromisoformat(deal[0]),
                     "first_deal_value": None if deal is None else e4_to_cents(deal[2]),
                     "value": e4_to_cents(f.revenue_e4), "source": source,
                     "referred_by": referred,
                     "repeat_90d": (None if first is None or f.acquired > cohort_day
                                    else first.repeat_90d)})
    rows.sort(key=lambda r: (r["acquired_on"], r["customer"]), reverse=True)
    return rows


@collector_paused()
def renewal_lists(store: Store, period: Period) -> dict[str, list[dict[str, Any]]]:
    """Customers who ordered in the prior period: "renewed" (ordered in the period too —
    `renewal_rate_pct`'s numerator) and "not_renewed", biggest prior value first, with
    their latest "why do you stay" answer."""
    prior = period.prior()
    out: dict[str, list[dict[str, Any]]] = {"renewed": [], "not_renewed": []}
    renewed, not_renewed = out["renewed"].append, out["not_renewed"].append
    days: dict[str, date] = {}  # a few thousand distinct last days among 29k rows
    # sorted in SQL (`renewals_by_value`: the order `renewals_reference` sorts in Python)
    for cid, name, seg, prior_e4, now_e4, again, last, why in qc.renewals_by_value(
            store, prior.start, period.start, period.end):
        last_on = days.get(last)
        if last_on is None:
            last_on = days[last] = date.fromisoformat(last[:10])
        (renewed if again else not_renewed)(
            {"customer_id": cid, "customer": name, "segment": seg,
             "prior_value": e4_to_cents(prior_e4 or 0), "value": e4_to_cents(now_e4 or 0),
             "last_order_on": last_on, "why_stay": why})
    return out


def renewals_reference(store: Store, period: Period) -> dict[str, list[dict[str, Any]]]:
    """`renewal_lists` from `queries_cohorts.renewals`' rows sorted in Python (the
    reference of tests/test_perf_customers_screen.py)."""
    prior = period.prior()
    out: dict[str, list[dict[str, Any]]] = {"renewed": [], "not_renewed": []}
    for r in sorted(qc.renewals(store, prior.start, period.start, period.end),
                    key=lambda r: (-r.prior_value_e4, r.customer)):
        out["renewed" if r.renewed else "not_renewed"].append(
            {"customer_id": r.customer_id, "customer": r.customer, "segment": r.segment,
             "prior_value": e4_to_cents(r.prior_value_e4), "value": e4_to_cents(r.value_e4),
             "last_order_on": date.fromisoformat(r.last_order_on), "why_stay": r.why_stay})
    return out


@collector_paused()
def promoter_rows(store: Store, period: Period, referrers: list[qc.Referrer]
                  ) -> list[dict[str, Any]]:
    """Customers whose latest NPS answer up to the period's end is 9–10, biggest revenue
    (365 days up to the end) first, with how many customers name them as referrer."""
    brought = {r.customer_id: r.referred for r in referrers if r.customer_id is not None}
    latest = sorted(qc.promoters(store, period.end),  # latest_nps's 9–10s, in SQL
                    key=lambda a: (-a.revenue_year_e4, a.customer))
    return [{"customer_id": a.customer_id, "customer": a.customer, "segment": a.segment,
             "nps": a.nps, "answered_on": date.fromisoformat(a.date), "comment": a.comment,
             "revenue_year": e4_to_cents(a.revenue_year_e4),
             "referred": brought.get(a.customer_id, 0)} for a in latest]


def cohort_rows(store: Store, period: Period) -> list[dict[str, Any]]:
    """Customers acquired per quarter (the 8 quarters ending with the period's) and the
    share still active 3, 6 and 12 months after each one's acquisition day — None until
    every customer of the cohort has reached that age by the period's end.

    They depend on the last day alone: kept per store until the next write (8 rows; a
    period change keeping the last day asks again: 0.16 s on a big file). Copies handed
    out: the caller's table is its own."""
    kept = cached(store, ("customer cohort rows", period.end),
                  lambda: cohort_rows_afresh(store, period.end), small=True)
    return [dict(row) for row in kept]


def cohort_rows_afresh(store: Store, end: date) -> list[dict[str, Any]]:
    """`cohort_rows` computed, nothing kept."""
    from custdesk.services.screens.reasons import quarter_start, trend_quarters

    window = metrics_service.load_settings(store).window_days
    quarters = [k for k, _partial in trend_quarters(end, COHORT_QUARTERS)]
    lo = add_months(quarter_start(end), -3 * (COHORT_QUARTERS - 1))
    cells = {(c.cohort, c.months): c for c in qc.cohort_cells(store, lo, end, window)}
    rows = []
    for q in quarters:
        row: dict[str, Any] = {"cohort": q, "customers": 0}
        for m in qc.COHORT_MONTHS:
            cell = cells.get((q, m))
            if cell is not None:
                row["customers"] = cell.customers
            whole = cell is not None and cell.reached == cell.customers
            row[f"active_{m}m_pct"] = (cell.active / cell.customers * 100
                                       if whole and cell is not None else None)
            row[f"active_{m}m"] = cell.active if whole and cell is not None else None
        rows.append(row)
    return rows

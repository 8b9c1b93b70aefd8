"""The owner's lists, the customer table, the sales plan and the customer story.

Re-exported by `metrics_service` (the one entry point). Money is float currency units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from operator import attrgetter, sub
from typing import Any

from custdesk.domain import lists
from custdesk.domain.customer_state import (
    facts_from_records,
    is_active,
    lapsed,
    lost_explicitly,
)
from custdesk.domain.gc_pause import collector_paused
from custdesk.domain.metrics_all import first_won_from
from custdesk.domain.metrics_deals import DealInfo, resolve_deals
from custdesk.domain.metrics_feedback import repeat_contacts, ticket_day
from custdesk.domain.periods import Period, day
from custdesk.domain.records import (
    DEFAULT_SETTINGS,
    Customer,
    Deal,
    OrderLine,
    StageKind,
    Survey,
    Ticket,
)
from custdesk.services.metrics_service import load_settings
from custdesk.storage import queries
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_lists as ql
from custdesk.storage import queries_records as rec
from custdesk.storage import queries_risk as qr
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import cached
from custdesk.storage.repository import get_settings


def _money(e4: int | float | None) -> float | None:
    return None if e4 is None else e4 / 10_000


_FIELD_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _by_fields(row: Any) -> tuple[type, tuple[Any, ...]]:
    """A frozen slotted row's `__reduce__`: its class and field values, rebuilt by its
    `__init__`. The rows go to the window by pickle, and the dataclass default (a Python
    `__getstate__`/`__setstate__` walking `fields()` per row) took 0.43 s to pickle and
    0.70 s to unpickle the big file's 100k customer rows; this 0.15 s and 0.46 s. By the
    row's own class, so a subclass (TriagedAtRisk) comes back as itself."""
    cls = type(row)
    get = _FIELD_GETTERS.get(cls)
    if get is None:
        get = _FIELD_GETTERS[cls] = attrgetter(*(f.name for f in fields(cls)))
    return cls, get(row)


@dataclass(frozen=True, slots=True)
class DealRow:
    id: int | None
    title: str | None
    customer: str | None  # the customer's name
    stage: str
    amount: float | None
    probability: float
    weighted: float | None
    expected_close: str | None
    owner: str | None
    created_on: str | None = None
    closed_on: str | None = None
    last_activity_on: str | None = None
    lost_reason: str | None = None
    competitor: str | None = None
    next_step: str | None = None

    __reduce__ = _by_fields


def deal_row(d: DealInfo) -> DealRow:
    x = d.deal
    return DealRow(x.id, x.title, d.customer_name, x.stage, _money(x.amount_e4),
                   d.probability, _money(d.weighted_e4), x.expected_close, x.owner,
                   x.created_on, x.closed_on, x.last_activity_on, x.lost_reason, x.competitor,
                   x.next_step)


# Not frozen (nor TriagedAtRisk, its subclass): a big file lists ~23k, built in the
# worker and rebuilt when the window unpickles them — see CustomerRow. Read-only by use.
@dataclass(slots=True)
class AtRisk:
    customer_id: int
    customer: str  # the customer's name
    segment: str | None
    reasons: list[str]
    value_at_risk: float  # revenue of the last W days
    reason: str = ""  # the reasons as one sentence ("; "-joined), for lists and exports

    __reduce__ = _by_fields


@dataclass(frozen=True, slots=True)
class Detractor:
    customer_id: int
    customer: str  # the customer's name
    nps: int
    date: str
    comment: str | None

    __reduce__ = _by_fields


# Not frozen, unlike the other rows: a frozen dataclass's `__init__` sets each field by
# `object.__setattr__`, 0.3 s for the big file's 100k rows — paid once in the worker and
# again when the window unpickles them (`_by_fields` rebuilds by `__init__`); a plain
# slotted one 0.07 s. The rows are still read-only by convention (shared by the caches).
@dataclass(slots=True)
class CustomerRow:
    id: int
    name: str
    company: str | None
    segment: str | None
    source: str | None
    acquired_on: str | None  # None: an undated contact (no purchase yet)
    last_order_on: str | None
    orders: int
    revenue: float
    gross_profit: float
    # "active" / "lost" (marked) / "lapsed" (no order for more than W days) / "contact"
    # (undated: known only from tickets, surveys or open/lost deals)
    status: str
    at_risk: bool
    risk_reasons: list[str]
    ltv_hist: float | None = None  # gross profit to date (growth_service.ltv_by_customer)
    ltv_pred: float | None = None  # predicted LTV, active customers only

    __reduce__ = _by_fields


@dataclass(frozen=True, slots=True)
class CustomerStory:
    customer: Customer
    status: str
    orders: list[OrderLine]
    deals: list[DealRow]
    tickets: list[Ticket]
    surveys: list[Survey]
    monthly: list[tuple[str, float, float]]  # (month, revenue, gross profit)
    risk_reasons: list[str] = field(default_factory=list)


def _ticket_signals(tickets: Sequence[Ticket], as_of: date,
                    repeat_days: int) -> tuple[set[int], dict[int, int]]:
    """Customers with a complaint unresolved on as_of, and their repeat contacts in the
    30 days up to it."""
    tickets = [t for t in tickets if (day(ticket_day(t)) or as_of) <= as_of]
    repeats = repeat_contacts(tickets, repeat_days)
    since = as_of - timedelta(days=lists.REPEAT_LOOKBACK_DAYS)
    complaint: set[int] = set()
    repeat30: dict[int, int] = {}
    for i, t in enumerate(tickets):
        resolved = day(t.resolved_at)
        if t.is_complaint and (resolved is None or resolved > as_of):
            complaint.add(t.customer_id)
        opened = day(ticket_day(t))
        if i in repeats and opened is not None and opened > since:
            repeat30[t.customer_id] = repeat30.get(t.customer_id, 0) + 1
    return complaint, repeat30


def _risk_by_customer(store: Store, as_of: date) -> tuple[dict[int, list[str]],
                                                         dict[int, int]]:
    """Risk reasons of every active customer as of the day, and their value at risk (both
    in the at-risk list's order: value at risk, largest first, then id).

    Shared (read-only) by at_risk and customer_rows until the next write."""
    return cached(store, ("risk", as_of), lambda: _compute_risk_paused(store, as_of))


def _compute_risk_paused(store: Store, as_of: date
                         ) -> tuple[dict[int, list[str]], dict[int, int]]:
    """`_compute_risk` without cyclic collections: on a big file its ~40k order patterns
    and ~23k reason lists triggered collections walking the whole heap (the worker's kept
    rows) that freed nothing (gc_pause)."""
    with collector_paused():
        return _compute_risk(store, as_of)


def _compute_risk(store: Store, as_of: date) -> tuple[dict[int, list[str]], dict[int, int]]:
    """The risk reasons of every active customer with a signal as of the day and their
    value at risk, both in the list's order (value at risk, largest first, then id).

    SQL gives the customers a signal can flag, with every signal (`queries_risk`); Python
    takes the median gap of their order days (a window over a big file's ~480k order days
    cost three times the plain read) and writes the reasons of those flagged only, from
    plain values (`lists.risk_reasons_of`); SQL sums the listed ones' value at risk and
    sorts them. Tested equal to `compute_risk_reference` (tests/test_perf_risk_sql.py)."""
    settings = load_settings(store)
    w = settings.window_days
    nps_days = nps_recent_days(store)
    today = as_of.toordinal()
    half_w = w / 2
    found: dict[int, list[str]] = {}
    ordinal = _Ordinals().__getitem__  # a few thousand distinct days among a million lines
    for cid, joined, last90, prior90, nps, nps_on, complaint, repeats in qr.risk_candidates(
            store, as_of, w, nps_days, settings.repeat_contact_days,
            lists.REPEAT_LOOKBACK_DAYS):
        since = gap = None
        if joined is not None:  # `queries_lists.risk_orders`' pattern, the same steps
            # distinct days: '2026-10-01' and '2026-10-01 10:30' are one order day
            days = sorted(set(map(ordinal, joined.split(","))))
            since = today - days[-1]
            if len(days) > 1:
                gap = _median_gap(days)
        if not ((since is not None and (since > 1.5 * gap if gap is not None
                                        else since > half_w))
                or (prior90 > 0 and last90 * 2 < prior90)
                or (nps is not None and nps <= 6) or complaint or repeats >= 2):
            continue  # no signal fires (the rules of `lists.risk_reasons`, cheaply first)
        reasons = lists.risk_reasons_of(as_of, w, nps_days, since, gap, last90, prior90,
                                        nps, day(nps_on), bool(complaint), repeats)
        if reasons:
            found[cid] = reasons
    value = dict(qr.value_at_risk(store, found, as_of, w))  # in the list's order
    return {cid: found[cid] for cid in value}, value


class _Ordinals(dict[str, int]):
    """ISO day text -> its ordinal, each text parsed once (looked up at C speed)."""

    def __missing__(self, text: str) -> int:
        found = self[text] = date.fromisoformat(text[:10]).toordinal()
        return found


def _median_gap(days: list[int]) -> float | int:
    """The median of the gaps between consecutive ordinals, ascending (two or more):
    `queries_lists.risk_orders`' (`lists.median_gap`'s value)."""
    if len(days) == 2:
        return days[1] - days[0]
    gaps = list(map(sub, days[1:], days))
    gaps.sort()
    half = len(gaps) // 2
    return gaps[half] if len(gaps) % 2 else (gaps[half - 1] + gaps[half]) / 2


def _reasons(customers: Iterable[int], orders: dict[int, ql.RiskOrders],
             nps: dict[int, tuple[int, str]], complaint: set[int], repeat30: dict[int, int],
             as_of: date, w: int, nps_days: int
             ) -> tuple[dict[int, list[str]], dict[int, int]]:
    """`lists.risk_reasons` of each of `customers` from the signals read in SQL, and the
    value at risk (revenue of the last W days) of those with a reason."""
    reasons, value = {}, {}
    none: ql.RiskOrders | tuple[int, None, None, int, int, int] = (0, None, None, 0, 0, 0)
    for cid in customers:
        n, last, gap, last90, prior90, last_w = orders.get(cid, none)
        latest = nps.get(cid)
        found = lists.risk_reasons(lists.RiskInputs(
            (), last90, prior90, latest[0] if latest else None,
            day(latest[1]) if latest else None, cid in complaint, repeat30.get(cid, 0),
            last, n, gap), as_of, w, nps_days)
        if found:
            reasons[cid], value[cid] = found, last_w
    return reasons, value


def compute_risk_reference(store: Store, as_of: date
                           ) -> tuple[dict[int, list[str]], dict[int, int]]:
    """`_compute_risk` as it was: every latest NPS answer, `lists.risk_reasons` for every
    active customer (the reference of tests/test_perf_lists_risk_signals.py)."""
    settings = load_settings(store)
    w = settings.window_days
    active = ql.active_ids(store, as_of, w)  # the state rules in SQL (is_active)
    # order-day count, last day and median gap, and the recent revenue, in one SQL pass
    # (every active customer with orders ordered in the last W days; tested equal to
    # `order_patterns` — itself to `lists.median_gap` over the days — and `recent_revenue`)
    orders = ql.risk_orders(store, as_of, w)
    # the NPS and ticket signals summed in SQL (tested equal to lists.latest_nps and
    # _ticket_signals over the records)
    nps = {cid: (score, when) for cid, score, when, _c, _n in qf.latest_nps(store, as_of)}
    nps_days = nps_recent_days(store)
    complaint, repeat30 = qf.ticket_signals(store, as_of, settings.repeat_contact_days,
                                            lists.REPEAT_LOOKBACK_DAYS)
    return _reasons(active, orders, nps, complaint, repeat30, as_of, w, nps_days)


def at_risk(store: Store, period: Period) -> list[AtRisk]:
    """Active customers with one or more signals as of `to`, by value at risk."""
    # no cyclic collection while ~23k rows are made (see _compute_risk_paused)
    with collector_paused():
        reasons, value = _risk_by_customer(store, period.end)  # in the list's order
        labels = ql.labels_of(store, reasons)  # the listed customers' only
        return [AtRisk(cid, *labels[cid], list(why), value[cid] / 10_000, "; ".join(why))
                for cid, why in reasons.items()]


def customer_rows(store: Store, as_of: date,
                  ltv: dict[int, tuple[float | None, float | None]] | None = None
                  ) -> list[CustomerRow]:
    """One row per customer for the customers table (totals up to as_of); with `ltv`
    (customer id -> historical and predicted LTV) those two columns too."""
    ltv = ltv or {}
    w = load_settings(store).window_days
    reasons, _ = _risk_by_customer(store, as_of)
    none: tuple[None, None] = (None, None)
    acquired = ql.iso_texts()  # acquired text -> ISO day (customer_table's `_iso(parse())`)
    # no cyclic collection while the rows are made: a big file's 100k rows (and their
    # reason lists) trigger several that walk them all and free nothing (0.1 s of 0.3 s)
    with collector_paused():
        # one SQL pass (status by the state rules: tests/test_perf_lists_table.py), each
        # row built straight from SQLite's tuple (customer_rows_reference: the list first)
        return [CustomerRow(cid, name, company, segment, source,
                            acquired[acq] if acq in acquired else ql.iso_text(acquired, acq),
                            last, n, rev / 10_000, gp / 10_000, status, cid in reasons,
                            list(reasons.get(cid, ())), *ltv.get(cid, none))
                for cid, name, company, segment, source, acq, last, n, rev, gp, status
                in ql.customer_table_raw(store, as_of, w)]


def customer_rows_reference(store: Store, as_of: date,
                            ltv: dict[int, tuple[float | None, float | None]] | None = None
                            ) -> list[CustomerRow]:
    """`customer_rows` from `queries_lists.customer_table`'s list of tuples (the reference
    of tests/test_perf_customers_screen.py)."""
    ltv = ltv or {}
    w = load_settings(store).window_days
    reasons, _ = _risk_by_customer(store, as_of)
    none: tuple[None, None] = (None, None)
    return [CustomerRow(cid, name, company, segment, source, acquired, last, n, rev / 10_000,
                        gp / 10_000, status, cid in reasons, list(reasons.get(cid, [])),
                        *ltv.get(cid, none))
            for cid, name, company, segment, source, acquired, last, n, rev, gp, status
            in ql.customer_table(store, as_of, w)]


def _resolved(store: Store, deals: list[Deal]) -> list[DealInfo]:
    """These deals resolved (stage, list amount, customer name) — only these."""
    return resolve_deals(deals, rec.load_stages(store), rec.list_prices(store),
                         qd.customer_labels_of(store, deals))


def open_infos(store: Store, as_of: date) -> list[DealInfo]:
    """The deals open as of the day (selected in SQL), by id: all the hot, stale and
    slipped lists can show, so the lists' own rules run on them alone."""
    return _resolved(store, qd.open_deals(store, as_of))


_open_infos = open_infos


def lost_infos(store: Store, period: Period) -> list[DealInfo]:
    """The deals closed as lost in the period (selected in SQL), newest first (same-day
    deals by id)."""
    rows = [d for d in _resolved(store, qd.lost_deals(store, period))
            if d.kind is StageKind.LOST and period.contains(d.closed)]
    return sorted(rows, key=lambda d: d.deal.closed_on or "", reverse=True)


def hot_infos(store: Store, as_of: date) -> list[DealInfo]:
    """The hot prospects as of the day (`lists.hot`), from only the open deals SQL finds
    neither stale nor slipped (tests/test_perf_lists_today.py)."""
    deals = ql.hot_candidates(store, as_of, lists.STALE_DAYS, lists.SLIPPED_DAYS)
    return lists.hot(_resolved(store, deals), as_of)


def hot_prospects(store: Store, period: Period) -> list[DealRow]:
    return [deal_row(d) for d in hot_infos(store, period.end)]


def stale_deals(store: Store, period: Period) -> list[DealRow]:
    return [deal_row(d) for d in lists.stale(_open_infos(store, period.end), period.end)]


def slipped_deals(store: Store, period: Period) -> list[DealRow]:
    return [deal_row(d) for d in lists.slipped(_open_infos(store, period.end), period.end)]


def nps_recent_days(store: Store) -> int:
    """The business setting: how recent a low NPS must be to flag a customer at risk."""
    value = get_settings(store).get("nps_recent_days", DEFAULT_SETTINGS["nps_recent_days"])
    return max(1, int(float(value)))


def lost_deals(store: Store, period: Period) -> list[DealRow]:
    """Deals closed as lost in the period, newest first, with reason and competitor."""
    return [deal_row(d) for d in lost_infos(store, period)]


def detractors(store: Store, period: Period) -> list[Detractor]:
    """Customers whose latest NPS answer (as of `to`) is 0–6, latest first."""
    rows = [Detractor(cid, name, score or 0, when, comment) for cid, score, when, comment, name
            in qf.latest_nps(store, period.end, detractors_only=True)]  # lists.latest_nps
    return sorted(rows, key=lambda r: (r.date, r.customer_id), reverse=True)


def _period_profit(store: Store, period: Period) -> dict[int, int]:
    """customer id -> gross profit (costed lines) of customers with lines in the period."""
    return ql.gross_profit_between(store, period.start, period.end)


def profitability_groups(store: Store, period: Period) -> dict[int, str]:
    """customer id -> "A".."D" for customers with order lines in the period."""
    return lists.profit_groups(_period_profit(store, period))


def group_movement(store: Store, period: Period) -> dict[tuple[str, str], int]:
    """(prior-period group or "new", current group or "lost") -> customers."""
    return lists.movement(lists.profit_groups(_period_profit(store, period.prior())),
                          profitability_groups(store, period))


def customer_story(store: Store, customer_id: int) -> CustomerStory:
    """Everything about one customer: record, orders, deals, tickets, surveys, trend, risk.

    Status and risk are as of the end of the data, from this customer's own records only
    (the same rules as `at_risk`, without aggregating every customer).
    """
    customer = rec.load_customer(store, customer_id)
    if customer is None:
        raise KeyError(f"no customer with id {customer_id}")
    span = queries.data_span(store)
    as_of = span.end if span else date.today()
    orders = ql.customer_orders(store, customer_id)
    infos = _resolved(store, rec.load_deals(store, customer_id))
    tickets = rec.load_tickets(store, customer_id)
    surveys = rec.load_surveys(store, customer_id)
    status, reasons = _own_status_and_risk(store, customer, orders, infos, tickets, surveys,
                                           as_of)
    monthly = [(m, rev / 10_000, gp / 10_000) for m, rev, gp in
               ql.customer_monthly(store, customer_id)]
    return CustomerStory(customer, status, orders, [deal_row(d) for d in infos], tickets,
                         surveys, monthly, reasons)


def own_risk_reasons(store: Store, customer_id: int, as_of: date) -> list[str]:
    """One customer's at-risk reasons as of a day from their own records only (the
    definition the at-risk list is tested against: tests/test_risk_timed_lines.py)."""
    customer = rec.load_customer(store, customer_id)
    if customer is None:
        raise KeyError(f"no customer with id {customer_id}")
    return _own_status_and_risk(
        store, customer, ql.customer_orders(store, customer_id),
        _resolved(store, rec.load_deals(store, customer_id)),
        rec.load_tickets(store, customer_id), rec.load_surveys(store, customer_id), as_of)[1]


def _own_status_and_risk(store: Store, customer: Customer, orders: Sequence[OrderLine],
                         infos: list[DealInfo], tickets: Sequence[Ticket],
                         surveys: Sequence[Survey], as_of: date) -> tuple[str, list[str]]:
    """(status, risk reasons) of one customer as of the day from their own records: the
    rules of `at_risk` without aggregating every customer."""
    settings = load_settings(store)
    w = settings.window_days
    (f,) = facts_from_records([customer], orders, first_won_from(infos), Period(as_of, as_of))
    status = ("lost" if lost_explicitly(f, as_of)
              else "lapsed" if lapsed(f.last_at_end, as_of, w) else "active")
    reasons: list[str] = []
    if is_active(f, as_of, f.last_at_end, w):
        reasons = lists.risk_reasons(_own_risk_inputs(orders, tickets, surveys, as_of,
                                                      settings.repeat_contact_days), as_of, w,
                                     nps_recent_days(store))
    return status, reasons


def _own_risk_inputs(orders: Sequence[OrderLine], tickets: Sequence[Ticket],
                     surveys: Sequence[Survey], as_of: date,
                     repeat_days: int) -> lists.RiskInputs:
    """One customer's risk inputs from their own records (windows as in `recent_revenue`)."""
    days = sorted({d for d in (date.fromisoformat(o.date[:10]) for o in orders) if d <= as_of})
    last90 = as_of - timedelta(days=lists.RECENT_DAYS - 1)
    prior90 = as_of - timedelta(days=2 * lists.RECENT_DAYS - 1)
    rev_last = rev_prior = 0
    for o in orders:
        d = date.fromisoformat(o.date[:10])
        if last90 <= d <= as_of:
            rev_last += o.revenue_e4
        elif prior90 <= d < last90:
            rev_prior += o.revenue_e4
    latest = next(iter(lists.latest_nps(surveys, as_of).values()), None)
    complaint, repeat30 = _ticket_signals(tickets, as_of, repeat_days)  # this customer's
    return lists.RiskInputs(days, rev_last, rev_prior, latest.nps if latest else None,
                            day(latest.date) if latest else None, bool(complaint),
                            sum(repeat30.values()))

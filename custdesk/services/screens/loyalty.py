"""The Loyalty screen (issue 15): from new customers to loyal promoters (Qt-free).

Tables: the cohort table by month and by quarter of acquisition (`cohorts_month`,
`cohorts_quarter`: n per row; for k = 0..12 months since acquisition `active_k` = share of
the cohort active k months after each one's acquisition day, and `revenue_k` = the cohort's
revenue in its customers' k-th calendar month after the month of acquisition ÷ its revenue
in that month (month 0) × 100; a cell is None until every customer of the row has reached
it); purchase habits over the 365 days up to `to` (`order_frequency`, `habits`: median
days between a customer's consecutive orders, the loyal segment — an order in each of
the last N quarters, N a setting — and its share of revenue over those quarters);
`referred_vs_others`;
`revenue_by_nps` (latest NPS as of `to`). Lists: `renewed` / `not_renewed` under the
owner's renewal rule (`domain/renewal.py`), `promoters`, `referrers`.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import partial
from typing import Any

from custdesk.domain.gc_pause import collector_paused
from custdesk.domain.metric_values import proportion
from custdesk.domain.money import e4_to_cents
from custdesk.domain.periods import Period, add_months, month_end
from custdesk.domain.renewal import RenewalRule
from custdesk.services import metrics_service, onboarding_service, settings_service
from custdesk.services.screens import customers as customers_screen
from custdesk.services.screens import new
from custdesk.services.screens.model import Screen
from custdesk.storage import Store
from custdesk.storage import queries_cohorts as qc
from custdesk.storage import queries_lists as qlists
from custdesk.storage import queries_loyalty as ql
from custdesk.storage.beside import Once, Pending, beside, waited_on_failure
from custdesk.storage.queries_cache import cached, peek

NAME = "loyalty"
MAX_MONTHS = 12  # columns 0..12 months since acquisition
COHORT_ROWS = {"month": 12, "quarter": 8}
FREQUENCY = (("1", 1, 1), ("2", 2, 2), ("3–5", 3, 5), ("6–10", 6, 10), ("11+", 11, None))
NPS_GROUPS = ("promoters", "passives", "detractors", "no answer")
LISTS = ("renewed", "not_renewed", "promoters", "referrers")
TABLES = ("cohorts_month", "cohorts_quarter", "order_frequency", "habits",
          "referred_vs_others", "revenue_by_nps")


Renewals = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # renewed, not renewed
NewPart = tuple[Screen, Renewals | None]  # New's screen, the renewals made after it


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True,
          renewals: Callable[[], Renewals] | None = None,
          rule: RenewalRule | None = None) -> Screen:
    """Everything the Loyalty tab shows for `period`; empty when no customer has orders.
    `renewals`: the renewal lists when made elsewhere (`build_tab`), else made here;
    `rule`: the owner's renewal rule when read already (`build_tab`: the renewals made
    beside and the renewal table use the one rule, even if the settings change meanwhile)."""
    if metrics_service.data_span(store) is None:
        return Screen.nothing(NAME, period, label, lists=LISTS, tables=TABLES)
    window = metrics_service.load_settings(store).window_days
    own_rule, loyal_n = settings_service.loyalty_settings(store)
    rule = own_rule if rule is None else rule
    # the referred / NPS groups' sums from SQL (`referred_rows` and `nps_rows` over every
    # customer's flags and revenue are the reference: tests/test_perf_lists_loyalty_sql.py;
    # this one pass equals `queries_lists.loyalty_groups`: tests/test_perf_loyalty_groups.py)
    groups = ql.loyalty_groups(store, period, window)
    # the end day's tables (cohorts, habits: ~0.9 s CPU on the big file when not kept) on
    # a second connection while the lists are made here. Asked for after the groups' long
    # statement, so that the Loyalty tab's New part (build_tab) has had its turn to ask for
    # its catalogues first: when they are kept, that twin is free again; when they are not,
    # both twins are busy and the tables are made here, inline, as before. Kept (a period
    # change keeping the last day): read here, no twin taken from New's catalogues
    kept = kept_end_tables(store, period.end, window, loyal_n)
    # the cohort tables (~0.35 s on the big file) are the end tables' last part: made by
    # whichever connection gets to them first — the part's, or this one when its lists
    # are done before the part has begun them (beside.Once)
    cohorts: Once[dict[str, list[dict[str, Any]]]] | None = None
    if kept is not None:
        ends = Pending.ran(lambda: kept)
    else:
        cohorts = Once(lambda conn: cohort_tables(conn, period.end, window))
        ends = beside(store, lambda twin: end_tables(twin, period.end, window, loyal_n,
                                                     cohorts=cohorts))
    with waited_on_failure(ends):
        referrers = qc.referrers(store, period.start, period.end)
        renewed, not_renewed = (renewal_rows(store, period, rule) if renewals is None
                                else renewals())
        promoters = customers_screen.promoter_rows(store, period, referrers)
        if cohorts is not None:
            cohorts(store)
    tables: dict[str, list[Any]] = {
        **ends.result(),
        "referred_vs_others": [group_row(name, groups.referred.get(name),
                                         groups.lines_revenue_e4)
                               for name in ("referred", "others")],
        "revenue_by_nps": [group_row(name, groups.nps.get(name), groups.customers_revenue_e4)
                           for name in NPS_GROUPS],
    }
    lists = {"renewed": renewed, "not_renewed": not_renewed, "promoters": promoters,
             "referrers": [{"customer_id": r.customer_id, "customer": r.name,
                            "segment": r.segment, "referred": r.referred,
                            "referred_in_period": r.referred_in_period,
                            "referred_revenue": e4_to_cents(r.referred_revenue_e4)}
                           for r in referrers]}
    share = proportion(len(renewed), len(renewed) + len(not_renewed))
    tables["renewal"] = [{"rule": rule.kind, "days": rule.days, "rule_text": rule.describe(),
                          "renewed": len(renewed), "due": len(renewed) + len(not_renewed),
                          "renewed_pct": share.value}]
    return Screen(NAME, period, label, lists=lists, tables=tables)


# tens of thousands of rows made (New's list, the onboarding tracks, the first days, the
# renewals) while the screen process holds the screens before (Customers' 100k rows): the
# collections they trigger walked that heap (big file after Today and Customers: 0.2 s of
# the build), none can find garbage — rows hold no cycles (domain/gc_pause.py)
@collector_paused()
def build_tab(store: Store, period: Period, label: str = "", *, with_series: bool = True
              ) -> Screen:
    """What the Loyalty tab draws: this screen with the New screen's cards, lists (new,
    onboarding) and quality tables — each still printed alone by `custdesk screen`."""
    # the New screen on a second connection meanwhile: two cores (storage/beside.py). A
    # period change keeping the last day finds both parts' end tables kept: New's part is
    # then its list alone (~0.1 s on the big file) against the groups' statement and the
    # renewals here (~0.25 + 0.13 s), so the renewals are made on its connection after it
    renew_beside = _end_parts_kept(store, period)
    rule = settings_service.loyalty_settings(store)[0]
    # New's onboarding rows (~0.25 s on the big file) come last in its part: made by
    # whichever connection gets to them first — New's, or this one when Loyalty's own part
    # is done before New's has begun them (beside.Once)
    tracks = Once(lambda conn: onboarding_service.track_rows(conn, period.end))
    pending: Pending[NewPart] = beside(store, lambda twin: (
        new.build(twin, period, label, tracks=tracks),
        renewal_rows(twin, period, rule) if renew_beside else None))
    with waited_on_failure(pending):
        loyal = build(store, period, label, rule=rule,
                      renewals=partial(_renewals_of, pending) if renew_beside else None)
        if metrics_service.data_span(store) is not None:
            tracks(store)
    fresh = pending.result()[0]
    return Screen(NAME, period, label, cards=fresh.cards,
                  lists={**fresh.lists, **loyal.lists}, tables={**fresh.tables, **loyal.tables},
                  empty=loyal.empty and fresh.empty,
                  notes=tuple(dict.fromkeys((*fresh.notes, *loyal.notes))))


def _renewals_of(pending: Pending[NewPart]) -> Renewals:
    made = pending.result()[1]
    assert made is not None
    return made


def _end_parts_kept(store: Store, period: Period) -> bool:
    """Whether the Loyalty and New screens' end tables of `period`'s last day are kept."""
    if metrics_service.data_span(store) is None:
        return False
    window = metrics_service.load_settings(store).window_days
    loyal_n = settings_service.loyalty_settings(store)[1]
    return (peek(store, _end_key(period.end, window, loyal_n), small=True) is not None
            and new.quality_tables_kept(store, period.end, window))


CohortTables = Callable[[Store], dict[str, list[dict[str, Any]]]]


def end_tables(store: Store, end: date, window: int, loyal_n: int, *,
               cohorts: CohortTables | None = None) -> dict[str, list[dict[str, Any]]]:
    """The tables that depend on the period's last day only — the cohorts, the order
    frequency and the habits —, kept per store until the next write: a period change that
    keeps the last day (last 12 months -> last 90 days) does not read them again (~1 s of
    SQL on the big file). Copies of the kept rows (the caller may change its own).
    `cohorts`: the cohort tables when another connection may make them (`build`)."""
    kept = cached(store, _end_key(end, window, loyal_n),
                  lambda: _end_tables(store, end, window, loyal_n, cohorts), small=True)
    return {name: [dict(r) for r in rows] for name, rows in kept.items()}


def _end_key(end: date, window: int, loyal_n: int) -> tuple[str, date, int, int]:
    return ("loyalty end tables", end, window, loyal_n)


def kept_end_tables(store: Store, end: date, window: int, loyal_n: int
                    ) -> dict[str, list[dict[str, Any]]] | None:
    """`end_tables` when kept for this store and data version, else None (nothing
    computed, nothing kept)."""
    kept = peek(store, _end_key(end, window, loyal_n), small=True)
    if kept is None:
        return None
    return {name: [dict(r) for r in rows] for name, rows in kept.items()}


def _end_tables(store: Store, end: date, window: int, loyal_n: int,
                cohorts: CohortTables | None = None) -> dict[str, list[dict[str, Any]]]:
    # habits are today's: orders of the 365 days up to `to` (a lifetime count would mix in
    # what customers did years ago, and read every line of a big file)
    habits = ql.habits(store, Period.trailing_year(end).start, end)
    habit = habit_row(store, habits.gaps, end, loyal_n)
    # the cohorts last: `build`'s own connection may have made them meanwhile
    made = cohort_tables(store, end, window) if cohorts is None else cohorts(store)
    return {**{f"cohorts_{by}": rows for by, rows in made.items()},
            "order_frequency": frequency_rows(habits.orders_per_customer),
            "habits": [habit]}


# ----- cohorts -----------------------------------------------------------------------------
def cohort_starts(end: date, by: str) -> list[date]:
    """First days of the cohorts shown: the last 12 months or 8 quarters ending with `end`'s."""
    step = 1 if by == "month" else 3
    last = add_months(end, 0) if by == "month" else date(end.year,
                                                         3 * ((end.month - 1) // 3) + 1, 1)
    return [add_months(last, -step * i) for i in reversed(range(COHORT_ROWS[by]))]


def cohort_key(start: date, by: str) -> str:
    return f"{start:%Y-%m}" if by == "month" else f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def cohort_tables(store: Store, end: date, window: int) -> dict[str, list[dict[str, Any]]]:
    """Both cohort tables from one grouped statement by month of acquisition: a quarter's
    cells are the sums of its months' (each customer's cells count from their own day)."""
    first = cohort_starts(end, "quarter")[0]
    months = ql.cohort_cells(store, first, end, window, by="month", max_months=MAX_MONTHS)
    quarters: dict[tuple[str, int], ql.CohortCell] = {}
    for c in months:
        key = (f"{c.cohort[:4]}-Q{(int(c.cohort[5:7]) - 1) // 3 + 1}", c.months)
        was = quarters.get(key)
        quarters[key] = c if was is None else ql.CohortCell(
            key[0], c.months, was.customers + c.customers, was.reached and c.reached,
            was.active + c.active, was.revenue_e4 + c.revenue_e4)
    by_month = {(c.cohort, c.months): c for c in months}
    return {"month": _rows(by_month, end, "month"), "quarter": _rows(quarters, end, "quarter")}


def cohort_rows(store: Store, end: date, window: int, by: str) -> list[dict[str, Any]]:
    """One row per cohort (oldest first): `customers`, `active_k` and `revenue_k` (k = 0..12,
    percentages; None until the whole cohort has reached month k by `end`)."""
    return cohort_tables(store, end, window)[by]


def _rows(cells: dict[tuple[str, int], ql.CohortCell], end: date, by: str
          ) -> list[dict[str, Any]]:
    span = 1 if by == "month" else 3
    rows = []
    for start in cohort_starts(end, by):
        key = cohort_key(start, by)
        base = cells.get((key, 0))
        row: dict[str, Any] = {"cohort": key, "customers": base.customers if base else 0}
        last_month = add_months(start, span - 1)
        for k in range(MAX_MONTHS + 1):
            cell = cells.get((key, k))
            whole = cell is not None and cell.customers and cell.reached
            row[f"active_{k}"] = (cell.active / cell.customers * 100
                                  if whole and cell is not None else None)
            complete = month_end(add_months(last_month, k)) <= end
            row[f"revenue_{k}"] = (cell.revenue_e4 / base.revenue_e4 * 100
                                   if complete and cell is not None and base is not None
                                   and base.revenue_e4 > 0 else None)
        rows.append(row)
    return rows


# ----- purchase habits ---------------------------------------------------------------------
def frequency_rows(orders_per_customer: dict[int, int]) -> list[dict[str, Any]]:
    """Customers by how many distinct orders they placed in the 365 days up to `to`: 1, 2,
    3–5, 6–10, 11+."""
    total = sum(orders_per_customer.values())
    rows = []
    for name, lo, hi in FREQUENCY:
        n = sum(c for k, c in orders_per_customer.items() if k >= lo and (hi is None or k <= hi))
        rows.append({"orders": name, "customers": n,
                     "share_pct": n / total * 100 if total else None})
    return rows


def median_gap(gaps: dict[int, int]) -> float | None:
    """The median of the gaps, each counted as often as it occurs."""
    values = sorted(gaps.items())
    total = sum(c for _g, c in values)
    if not total:
        return None
    expanded = [g for g, c in values for _ in range(c)] if total < 200_000 else None
    if expanded is not None:
        return float(statistics.median(expanded))
    # many gaps: walk the counts to the middle instead of a huge list
    middle, seen = (total - 1) / 2, 0
    lo_val = hi_val = None
    for g, c in values:
        if lo_val is None and seen + c > int(middle):
            lo_val = g
        if seen + c > int(middle + 0.5):
            hi_val = g
            break
        seen += c
    return None if lo_val is None or hi_val is None else (lo_val + hi_val) / 2


def loyal_buckets(end: date, n: int) -> list[tuple[date, date]]:
    """The last n quarters as 3-month ranges ending on `end` (newest first)."""
    out = []
    hi = end
    for _ in range(n):
        lo = _months_back(hi, 3) + timedelta(days=1)
        out.append((lo, hi))
        hi = lo - timedelta(days=1)
    return out


def _months_back(d: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it has fewer)."""
    first = add_months(d, -months)
    return min(first + timedelta(days=d.day - 1), month_end(first))


def habit_row(store: Store, gaps: dict[int, int], end: date, loyal_n: int) -> dict[str, Any]:
    buckets = loyal_buckets(end, loyal_n)
    loyal = ql.loyal(store, buckets)
    return {"typical_gap_days": median_gap(gaps), "loyal_quarters": loyal_n,
            "loyal_from": buckets[-1][0], "loyal_customers": loyal.customers,
            "buying_customers": loyal.buying,
            "loyal_customers_pct": (loyal.customers / loyal.buying * 100 if loyal.buying
                                    else None),
            "loyal_revenue": e4_to_cents(loyal.revenue_e4),
            "loyal_revenue_pct": (loyal.revenue_e4 / loyal.total_revenue_e4 * 100
                                  if loyal.total_revenue_e4 > 0 else None)}


# ----- renewals ----------------------------------------------------------------------------
def renewal_rows(store: Store, period: Period, rule: RenewalRule
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Renewed and due-but-not-renewed customers under `rule`, biggest prior value first."""
    if rule.kind != "period":
        return renewal_rows_reference(store, period, rule)
    # the period rule: every customer of the prior period (~30k on the big file), so the
    # rows straight from the query's, each day parsed once (renewal_rows_reference made a
    # RenewalDue per customer first: tests/test_perf_renewal_rows.py)
    prior = period.prior()
    days: dict[str, date] = {}
    renewed: list[dict[str, Any]] = []
    lapsed: list[dict[str, Any]] = []
    # the query's plain tuples sorted in SQL (`renewals_by_value`: the Customers lists'
    # order, the same as sorting `renewals`' rows by (-prior value, name) in Python), not
    # a RenewalRow per customer sorted here
    for cid, name, seg, prior_e4, now_e4, again, last, why in qc.renewals_by_value(
            store, prior.start, period.start, period.end):
        on = days.get(last) if last else None
        if last and on is None:
            on = days[last] = date.fromisoformat(last[:10])
        row = {"customer_id": cid, "customer": name, "segment": seg,
               "due_on": None, "last_order_on": on,
               "renewed_on": on if again else None,
               "prior_value": round((prior_e4 or 0) / 10_000, 2),
               "value": round((now_e4 or 0) / 10_000, 2), "why_stay": why}
        (renewed if again else lapsed).append(row)
    return renewed, lapsed


def renewal_rows_reference(store: Store, period: Period, rule: RenewalRule
                           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`renewal_rows` through a RenewalDue per customer (every rule)."""
    if rule.kind == "period":
        prior = period.prior()
        due = [ql.RenewalDue(r.customer_id, r.customer, r.segment, r.last_order_on, "",
                             r.last_order_on if r.renewed else None, r.prior_value_e4,
                             r.value_e4, r.why_stay)
               for r in qc.renewals(store, prior.start, period.start, period.end)]
    elif rule.kind == "days":
        due = ql.renewals_by_gap(store, period.start, period.end, rule.days)
    else:
        due = ql.renewals_by_contract(store, period.start, period.end)
    due.sort(key=lambda r: (-r.prior_value_e4, r.customer))
    rows = [{"customer_id": r.customer_id, "customer": r.customer, "segment": r.segment,
             "due_on": date.fromisoformat(r.due_on) if r.due_on else None,
             "last_order_on": (date.fromisoformat(r.last_order_on[:10]) if r.last_order_on
                               else None),
             "renewed_on": None if r.renewed_on is None else date.fromisoformat(r.renewed_on),
             "prior_value": e4_to_cents(r.prior_value_e4), "value": e4_to_cents(r.value_e4),
             "why_stay": r.why_stay} for r in due]
    return ([r for r in rows if r["renewed_on"] is not None],
            [r for r in rows if r["renewed_on"] is None])


# ----- referred customers and NPS groups ---------------------------------------------------
Flags = tuple[int, bool, bool]  # (customer id, flow.start, flow.end): qlists.period_flags


def _group_row(name: str, members: Iterable[Flags], revenue: dict[int, int],
               total_e4: int) -> dict[str, Any]:
    """Customers (acquired by `to`: the only ones `period_flags` gives), revenue in the
    period and its share, retention (`retention_rate_pct`'s rule within the group) and
    revenue per buying customer."""
    members = list(members)
    start = [m for m in members if m[1]]
    rev = sum(revenue.get(cid, 0) for cid, _s, _e in members)
    buyers = sum(1 for cid, _s, _e in members if revenue.get(cid, 0) > 0)
    kept = proportion(sum(m[2] for m in start), len(start))
    return {"group": name, "customers": len(members), "revenue": e4_to_cents(rev),
            "revenue_pct": rev / total_e4 * 100 if total_e4 > 0 else None,
            "retention_pct": kept.value, "retention_n": kept.n,
            "revenue_per_buyer": e4_to_cents(rev // buyers) if buyers else None}


def group_row(name: str, sums: qlists.GroupSums | None, total_e4: int) -> dict[str, Any]:
    """`_group_row` from the group's sums (SQL: `qlists.loyalty_groups`); None: no one."""
    s = sums or qlists.GroupSums(0, 0, 0, 0, 0)
    kept = proportion(s.kept, s.start)
    return {"group": name, "customers": s.customers, "revenue": e4_to_cents(s.revenue_e4),
            "revenue_pct": s.revenue_e4 / total_e4 * 100 if total_e4 > 0 else None,
            "retention_pct": kept.value, "retention_n": kept.n,
            "revenue_per_buyer": e4_to_cents(s.revenue_e4 // s.buyers) if s.buyers else None}


def referred_rows(flags: list[Flags], revenue: dict[int, int], referred: set[int]
                  ) -> list[dict[str, Any]]:
    """Referred customers (referred_by or source referral) beside the others; `revenue`:
    each customer's revenue in the period (the share's total counts every customer)."""
    total = sum(revenue.values())
    split = _split(flags, lambda cid: "referred" if cid in referred else "others")
    return [_group_row(name, split.get(name, ()), revenue, total)
            for name in ("referred", "others")]


def _split(flags: list[Flags], key: Callable[[int], str | None]) -> dict[str | None,
                                                                         list[Flags]]:
    """The customers' flags by group, in one pass (a group keeps the flags' order)."""
    out: dict[str | None, list[Flags]] = {}
    for m in flags:
        out.setdefault(key(m[0]), []).append(m)
    return out


def nps_group(nps: int | None) -> str:
    if nps is None:
        return "no answer"
    return "promoters" if nps >= 9 else "passives" if nps >= 7 else "detractors"


def nps_rows(flags: list[Flags], answers: dict[int, tuple[int | None, int]]
             ) -> list[dict[str, Any]]:
    """Revenue in the period and retention by the customer's latest NPS as of `to`."""
    revenue = {cid: rev for cid, (_nps, rev) in answers.items()}
    total = sum(revenue.values())
    group = {cid: nps_group(nps) for cid, (nps, _rev) in answers.items()}
    split = _split(flags, group.get)
    return [_group_row(name, split.get(name, ()), revenue, total) for name in NPS_GROUPS]

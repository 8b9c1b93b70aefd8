"""The New customers screen (issue 15, `custdesk screen new`): who came in and how good they
are (Qt-free).

Lists: `new` — customers acquired in the period (the Customers tab's rows: first order or
won deal, value, source, referred by) with their onboarding status; `onboarding` — every
customer being onboarded (acquired in the 180 days up to the period's end), each step's
done or due day (`services/onboarding_service.py`). Tables: the quality of new customers
(`domain/new_quality.py`) for this year (the 365 days up to `to`) beside last year (the 365
before) — `quality_compare`, per source (`quality_by_source`) and per month of acquisition
over both years (`quality_by_month`). Cards: the period's new customers and their catalogue
rates against the prior period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from custdesk.domain import new_quality as nq
from custdesk.domain.customer_state import REPEAT_WITHIN_DAYS
from custdesk.domain.gc_pause import collector_paused
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.money import e4_to_cents
from custdesk.domain.periods import Period
from custdesk.services import card_metrics, metrics_service, onboarding_service
from custdesk.services.screens import customers as customers_screen
from custdesk.services.screens.model import Card, Screen
from custdesk.services.screens.targets import with_targets
from custdesk.storage import Store
from custdesk.storage import queries_cohorts as qc
from custdesk.storage import queries_lists as qlists
from custdesk.storage import queries_loyalty as ql
from custdesk.storage import queries_new as qnew
from custdesk.storage.beside import beside, waited_on_failure
from custdesk.storage.queries import day_parser
from custdesk.storage.queries_cache import cached, data_version, peek

NAME = "new"
CARDS = ("customers_new", "customers_new_value", "new_first_order_avg", "new_repeat_90d_pct",
         "referral_rate_pct")
LISTS = ("new", "onboarding")
TABLES = ("quality_compare", "quality_by_source", "quality_by_month")
# (figure key, label, unit) of the quality tables, in their order
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("customers", "New customers", "count"),
    ("new_first_order_avg", "Average first order", "money"),
    ("new_repeat_90d_pct", "Ordered again within 90 days", "pct"),
    ("margin_90d_pct", "Gross margin, first 90 days", "pct"),
    ("a_b_pct", "In profit group A or B after 90 days", "pct"),
    ("early_churn_pct", "Lost within 180 days", "pct"),
    ("first_nps", "NPS of their first answer", "score"),
)
NO_SOURCE = "(no source)"


TrackRows = Callable[[Store], list[dict[str, Any]]]  # the onboarding rows, on a connection


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True,
          tracks: TrackRows | None = None) -> Screen:
    """Everything the New customers part of the Loyalty tab shows for `period`.
    `tracks`: the onboarding rows when another connection may make them (the Loyalty tab's
    build: `beside.Once`, made by whichever connection asks first), else made here."""
    if metrics_service.data_span(store) is None:
        return Screen.nothing(NAME, period, label, cards=CARDS, lists=LISTS, tables=TABLES)
    # the cards' figures of both periods (the customer tallies: seconds on a big file; not
    # the whole catalogue) on a second connection while the lists are built here: two cores
    # (storage/beside.py)
    pair = beside(store, lambda twin: card_metrics.card_figures_and_prior_then(
        twin, period, CARDS)[:2])
    with waited_on_failure(pair):
        window = metrics_service.load_settings(store).window_days
        # the quality tables first: when not kept, their first days hold the new customers'
        # first orders, not looked up again for the list — unless a commit lands between
        # the two reads (the version, taken before the first, tells: new_customers)
        version = data_version(store)
        read: list[ql.FirstDays] = []
        tables = end_quality_tables(store, period.end, window, read=read)
        listed = new_rows(store, period, _first_orders(read, period, version))
        # the onboarding rows last: in the Loyalty tab's build the connection whose own
        # part ends first makes them (~0.25 s on the big file)
        onboarding = {r["customer_id"]: r for r in (
            onboarding_service.track_rows(store, period.end) if tracks is None
            else tracks(store))}
        new = [{**r, "onboarding": onboarding.get(r["customer_id"], {}).get("status")}
               for r in listed]
        note = onboarding_service.delivery_note(store) if onboarding else None
    report, prior = pair.result()
    cards = with_targets({m: Card(m, report[m], prior.get(m)) for m in CARDS if m in report},
                         store, period)
    return Screen(NAME, period, label, cards=cards,
                  lists={"new": new, "onboarding": list(onboarding.values())}, tables=tables,
                  notes=(note,) if note else ())


def _first_orders(read: Sequence[ql.FirstDays], period: Period, version: tuple[int, int]
                  ) -> qnew.FirstOrders | None:
    """The period's new customers' first orders from the first days `end_quality_tables`
    read for its quality tables (the customers acquired in the two years up to the
    period's end) at data version `version` (`data_version` taken before that read); None
    when it read none (kept) or the period starts before them."""
    if not read or period.start < Period.trailing_year(period.end).prior().start:
        return None
    return qnew.FirstOrders({r.customer_id: (int(r.first_order_e4 or 0), r.orders_90d >= 2)
                             for r in read if r.first_order_on is not None}, version)


@collector_paused()  # ~18k rows on a big file (gc_pause)
def new_rows(store: Store, period: Period, firsts: qnew.FirstOrders | None = None
             ) -> list[dict[str, Any]]:
    """The period's new customers as the Customers tab lists them (`customers.new_rows`
    over `queries_lists.new_and_lost`'s states: `new_rows_reference`), from one statement
    over the customers acquired in the period (`queries_new.new_customers`): not every
    customer's state flags for the new ones alone (big file, 12 months: 0.56 -> 0.2 s).
    `firsts`: their first orders, when read already (the New screen's first days)."""
    found = qnew.new_customers(store, period.start, period.end, firsts)
    parse = day_parser()
    # the rule's own test of "acquired in the period" on the day (the SQL compared texts)
    new = [(r, day) for r in found
           if (day := parse(r.acquired)) is not None and period.start <= day <= period.end]
    deals = qc.first_won_deals(store, [r.customer_id for r, _day in new], period.end)
    cohort_day = period.end - timedelta(days=REPEAT_WITHIN_DAYS)
    rows = []
    for r, day in new:
        deal = deals.get(r.customer_id)
        rows.append({"customer_id": r.customer_id, "customer": r.name, "segment": r.segment,
                     "acquired_on": day, "first_order_on": parse(r.first_date),
                     "first_order_value": (e4_to_cents(r.first_order_e4) if r.has_first_order
                                           else None),
                     "first_deal": None if deal is None else deal[1],
                     "first_deal_on": None if deal is None else date.fromisoformat(deal[0]),
                     "first_deal_value": None if deal is None else e4_to_cents(deal[2]),
                     "value": e4_to_cents(r.revenue_e4), "source": r.source,
                     "referred_by": r.referred_by,
                     "repeat_90d": (None if not r.has_first_order or day > cohort_day
                                    else r.repeat_90d)})
    rows.sort(key=lambda r: (r["acquired_on"], r["customer"]), reverse=True)
    return rows


def new_rows_reference(store: Store, period: Period, window: int) -> list[dict[str, Any]]:
    """`new_rows` by the Customers tab's path: every customer's state flags, the new ones'
    rows (`customers.new_rows`)."""
    return customers_screen.new_rows(store, period,
                                     qlists.new_and_lost(store, period, window))


def end_quality_tables(store: Store, end: date, window: int, *,
                       read: list[ql.FirstDays] | None = None
                       ) -> dict[str, list[dict[str, Any]]]:
    """The quality tables of the customers acquired in the two years up to `end` (this
    year's and last year's), kept per store until the next write: they depend on the
    period's last day only, so a period change that keeps it (last 12 months -> last 90
    days) does not read the new customers' first days again (~0.9 s on the big file).
    Copies of the kept rows (the caller may change its own). `read`: a list the first days
    are added to when they are read now (none when kept)."""
    kept = cached(store, _quality_key(end, window),
                  lambda: _end_quality_tables(store, end, window, read), small=True)
    return {name: [dict(r) for r in rows] for name, rows in kept.items()}


def quality_tables_kept(store: Store, end: date, window: int) -> bool:
    """Whether `end_quality_tables` would read nothing (kept for this data)."""
    return peek(store, _quality_key(end, window), small=True) is not None


def _quality_key(end: date, window: int) -> tuple[str, date, int]:
    return ("new quality tables", end, window)


def _end_quality_tables(store: Store, end: date, window: int,
                        read: list[ql.FirstDays] | None = None
                        ) -> dict[str, list[dict[str, Any]]]:
    rows = ql.first_days(store, Period.trailing_year(end).prior().start, end)
    if read is not None:  # the caller's list of what was read (New's list reuses it)
        read.extend(rows)
    return _quality_tables_of(rows, end, window)


def _quality_tables_of(rows: Sequence[ql.FirstDays], end: date, window: int
                       ) -> dict[str, list[dict[str, Any]]]:
    """The quality tables from the first days of the customers acquired in the two years
    up to `end`."""
    this_year = Period.trailing_year(end)
    groups = nq.groups_after_90d(rows, end)
    return quality_tables(rows, this_year, this_year.prior(), end, window, groups)


def _in(rows: Sequence[ql.FirstDays], period: Period) -> list[ql.FirstDays]:
    lo, hi = period.start.isoformat(), period.end.isoformat()
    return [r for r in rows if lo <= r.acquired <= hi]


def _plain(q: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value if isinstance(v, MetricValue) else v for k, v in q.items()}


def compare_rows(rows: Sequence[ql.FirstDays], this_year: Period, last_year: Period,
                 end: date, window: int, groups: dict[int, str]) -> list[dict[str, Any]]:
    """One row per measure: this year's value, last year's, and the n behind each rate."""
    return _compare(nq.quality(_in(rows, this_year), end, window, groups),
                    nq.quality(_in(rows, last_year), end, window, groups))


def _compare(now: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per measure from this year's and last year's quality figures."""
    def value(v: Any) -> Any:
        return v.value if isinstance(v, MetricValue) else v

    def n(v: Any) -> int | None:
        return v.n if isinstance(v, MetricValue) else None

    return [{"measure": label, "key": key, "unit": unit,
             "this_year": value(now[key]), "this_year_n": n(now[key]),
             "last_year": value(before[key]), "last_year_n": n(before[key])}
            for key, label, unit in MEASURES]


def source_rows(rows: Sequence[ql.FirstDays], this_year: Period, last_year: Period,
                end: date, window: int, groups: dict[int, str]) -> list[dict[str, Any]]:
    """Per acquisition source (alike names merged by case and spaces): this year's quality
    and last year's count and repeat rate, biggest source this year first."""
    by: dict[str, list[ql.FirstDays]] = {}
    names: dict[str, str] = {}
    for r in rows:
        key = " ".join((r.source or "").lower().split())
        names.setdefault(key, (r.source or "").strip() or NO_SOURCE)
        by.setdefault(key, []).append(r)
    out = []
    for key, members in by.items():
        now = _plain(nq.quality(_in(members, this_year), end, window, groups))
        before = _plain(nq.quality(_in(members, last_year), end, window, groups))
        out.append({"source": names[key], **now,
                    "last_year_customers": before["customers"],
                    "last_year_repeat_90d_pct": before["new_repeat_90d_pct"]})
    out.sort(key=lambda r: (-r["customers"], r["source"]))
    return out


def month_rows(rows: Sequence[ql.FirstDays], end: date, window: int,
               groups: dict[int, str]) -> list[dict[str, Any]]:
    """Per month of acquisition (oldest first, both years): the quality figures."""
    by: dict[str, list[ql.FirstDays]] = {}
    for r in rows:
        by.setdefault(r.acquired[:7], []).append(r)
    return [{"month": month, **_plain(nq.quality(by[month], end, window, groups))}
            for month in sorted(by)]


# ----- the three quality tables from one pass (the functions above are the reference) -----
def quality_tables(rows: Sequence[ql.FirstDays], this_year: Period, last_year: Period,
                   end: date, window: int, groups: dict[int, str]
                   ) -> dict[str, list[dict[str, Any]]]:
    """`quality_compare`, `quality_by_source` and `quality_by_month` as `compare_rows`,
    `source_rows` and `month_rows` make them (tests/test_perf_new_quality.py: equal), from
    each row's `nq.row_sums` put once in its (source, year, month) bucket and the buckets
    added up column by column: 36 walks over the rows cost 0.3 s on the big file."""
    repeat_cut = (end - timedelta(days=nq.REPEAT_DAYS)).isoformat()
    churn_cut = (end - timedelta(days=nq.EARLY_CHURN_DAYS)).isoformat()
    years = ((this_year.start.isoformat(), this_year.end.isoformat()),
             (last_year.start.isoformat(), last_year.end.isoformat()))
    names: dict[str, str] = {}  # source key -> its first spelling (rows' order)
    buckets: dict[tuple[str, int, str], list[tuple[int, ...]]] = {}
    # each spelling's key and each day's (year, month) once: a few sources and ~730 days
    # for the big file's 34k rows
    keys: dict[str | None, str] = {}
    places: dict[str, tuple[int, str]] = {}
    churn_by_day: dict[str, tuple[str, str]] = {}  # early churn's days, once per day too
    for r in rows:
        key = keys.get(r.source)
        if key is None:
            key = keys[r.source] = " ".join((r.source or "").lower().split())
        if key not in names:
            names[key] = (r.source or "").strip() or NO_SOURCE
        place = places.get(r.acquired)
        if place is None:
            place = places[r.acquired] = (
                next((i for i, (lo, hi) in enumerate(years) if lo <= r.acquired <= hi), -1),
                r.acquired[:7])
        buckets.setdefault((key, *place), []).append(
            nq.row_sums_cut(r, repeat_cut, churn_cut, window, groups, churn_by_day))
    sums = {b: nq.add_sums(parts) for b, parts in buckets.items()}

    def total(source: str | None = None, year: int | None = None, month: str | None = None
              ) -> list[int]:
        """The sums of the buckets of this source, year (0 this, 1 last) and month."""
        return nq.add_sums([v for (k, y, m), v in sums.items()
                            if (source is None or k == source) and (year is None or y == year)
                            and (month is None or m == month)])

    compare = _compare(nq.quality_from_sums(total(year=0)),
                       nq.quality_from_sums(total(year=1)))
    by_source = []
    for key, name in names.items():
        mine = _plain(nq.quality_from_sums(total(source=key, year=0)))
        old = _plain(nq.quality_from_sums(total(source=key, year=1)))
        by_source.append({"source": name, **mine, "last_year_customers": old["customers"],
                          "last_year_repeat_90d_pct": old["new_repeat_90d_pct"]})
    by_source.sort(key=lambda r: (-r["customers"], r["source"]))
    months = sorted({b[2] for b in sums})
    by_month = [{"month": m, **_plain(nq.quality_from_sums(total(month=m)))} for m in months]
    return {"quality_compare": compare, "quality_by_source": by_source,
            "quality_by_month": by_month}

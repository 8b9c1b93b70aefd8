"""Growth economics (issue 17): where customers come from, what they cost, what they are
worth — per acquisition source, per segment and per customer.

Definitions (METRICS.md, applied to a group; money in currency units):
- **new customers** of a source: N of the period (acquired in it) whose `source` has that
  name key (case, spaces and punctuation ignored; the first spelling is shown).
- **spend** of a source: Σ spend of the channel with the same name key over the months the
  period touches (as the `spend` metric); **cac** = spend ÷ new customers; unknown (never
  0) when no channel matches or nobody is new.
- **first-year revenue / gross profit**: mean over the source's new customers of their lines
  from their acquisition day to 364 days later or the period's end, whichever is earlier
  ("so far" for recent customers; `first_year_days` says how many days were seen on
  average). Gross profit = revenue − cost, the revenue where the cost is unknown.
- **payback months** = cac ÷ (Σ first-year gross profit ÷ Σ days seen × 30.4375): months of
  a new customer's gross profit that repay what acquiring them cost.
- **ltv_predictive** and **ltv_historical_avg** of a group: the catalogue's formulas over the
  group's customers only (its own churn); **ltv_cac_ratio** = ltv_predictive ÷ cac.
- **LTV per customer**, as of a day D: historical = their gross profit to D (customers with
  orders); predicted = their gross profit over the 365 days ending on D ÷ the business's
  churn over those days, capped at 10 years of that profit — for customers active as of
  D, so that the mean over active customers is exactly `ltv_predictive`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from custdesk.domain.customer_state import CustomerState, classify
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_all import spend_by_channel
from custdesk.domain.metrics_customers import (
    LTV_CAP_YEARS,
    CustomerTally,
    customer_metrics,
    tally_metrics,
)
from custdesk.domain.periods import Period, month_slots
from custdesk.domain.text import name_key
from custdesk.services import metrics_service as ms
from custdesk.storage import pipeline_snapshots, queries
from custdesk.storage import queries_growth as qg
from custdesk.storage import queries_growth_ltv as ql
from custdesk.storage import queries_growth_sources as qs
from custdesk.storage import queries_records as rec
from custdesk.storage.store import Store

FIRST_YEAR_DAYS = 365
MONTH_DAYS = 365.25 / 12
NONE_GROUP = "(none)"


@dataclass(frozen=True, slots=True)
class SourceRow:
    source: str
    new_customers: int
    spend: float | None  # spend of the channel with the same name; None: no such channel
    cac: float | None
    first_year_revenue: float | None  # mean per new customer, so far
    first_year_profit: float | None
    first_year_days: float | None  # mean days seen of the first year
    payback_months: float | None
    ltv_historical: float | None
    ltv_predictive: float | None
    ltv_cac_ratio: float | None
    customers_active: int


@dataclass(frozen=True, slots=True)
class SegmentRow:
    segment: str
    customers_active: int
    new_customers: int
    ltv_historical: float | None
    ltv_predictive: float | None


@dataclass(frozen=True, slots=True)
class Growth:
    sources: list[SourceRow]
    segments: list[SegmentRow]
    spend_by_month: list[dict[str, object]]  # month, total, one key per channel
    channels: list[str]
    unmatched_spend: dict[str, float]  # channels with spend but no customer source alike


def _states(store: Store, period: Period) -> list[CustomerState]:
    settings = ms.load_settings(store)
    return classify(queries.customer_facts(store, period), period, settings.window_days)


def _grouped(states: Sequence[CustomerState], attr: str) -> dict[str, list[CustomerState]]:
    """States by the name key of `attr` (source or segment) under the first spelling."""
    shown: dict[str, str] = {}
    keys: dict[str | None, str] = {}  # each spelling keyed once, not once per customer
    out: dict[str, list[CustomerState]] = defaultdict(list)
    for st in states:
        text = getattr(st.facts, attr)
        key = keys.get(text)
        if key is None:
            key = keys[text] = name_key(text)
        out[shown.setdefault(key, (text or "").strip() if key else NONE_GROUP)].append(st)
    return out


def _v(values: dict[str, MetricValue], metric: str) -> float | None:
    v = values.get(metric)
    return None if v is None else v.value


# a source group: (shown spelling, its customer metrics, its new customers -> their day)
_SourceGroup = tuple[str, dict[str, MetricValue], dict[int, date]]


def source_rows(store: Store, period: Period, states: Sequence[CustomerState] | None = None,
                spend: dict[str, int] | None = None) -> list[SourceRow]:
    """One row per acquisition source (module docstring), most new customers first, from
    the customers' states (the reference; `source_rows_sql` is tested equal to it)."""
    states = _states(store, period) if states is None else states
    groups = [(source, customer_metrics(members, period, {}, with_cac=False),
               {st.facts.id: st.facts.acquired for st in members if st.flow.new})
              for source, members in _grouped(states, "source").items()]
    return _source_rows(store, period, groups, spend)


def source_sums(store: Store, period: Period) -> list[qs.SourceSums]:
    """The per-source-and-segment sums of `period` behind the source and segment rows and
    the screen's customer cards (one SQL pass over the customers)."""
    return qs.source_sums(store, period, ms.load_settings(store).window_days)


def _merged(pairs: Sequence[tuple[int, str | None, bool, CustomerTally, dict[int, date]]]
            ) -> dict[str, tuple[CustomerTally, dict[int, date]]]:
    """(first id, spelling, blank, tally, new customers) merged by name key under the
    spelling of the lowest first id, as `_grouped` does (blank: NONE_GROUP); groups in
    the order their first customer comes."""
    shown_of: dict[str, str] = {}
    merged: dict[str, tuple[CustomerTally, dict[int, date]]] = {}
    for _first, text, blank, tally, new in sorted(pairs, key=lambda x: x[0]):
        key = "" if blank else name_key(text)
        shown = shown_of.setdefault(key, (text or "").strip() if key else NONE_GROUP)
        before, new_before = merged.get(shown, (CustomerTally(), {}))
        merged[shown] = (before + tally, {**new_before, **new})
    return merged


def source_rows_sql(store: Store, period: Period, spend: dict[str, int] | None = None,
                    sums: Sequence[qs.SourceSums] | None = None) -> list[SourceRow]:
    """`source_rows` from the per-source sums made in SQL (`source_sums`): no customer's
    facts or state built in Python."""
    sums = source_sums(store, period) if sums is None else sums
    merged = _merged([(x.first_id, x.source, False, x.tally, x.new) for x in sums])
    groups = [(shown, tally_metrics(t, with_cac=False), new)
              for shown, (t, new) in merged.items()]
    return _source_rows(store, period, groups, spend)


def segment_rows_sql(store: Store, period: Period,
                     sums: Sequence[qs.SourceSums] | None = None) -> list[SegmentRow]:
    """`segment_rows` from the same sums (segments keyed as the catalogue's tallies key
    them: "(none)" for a blank one)."""
    sums = source_sums(store, period) if sums is None else sums
    merged = _merged([(x.first_id, x.segment, x.segment == NONE_GROUP, x.tally, {})
                      for x in sums])
    out = []
    for shown, (t, _new) in sorted(merged.items()):
        values = tally_metrics(t, with_cac=False)
        out.append(SegmentRow(shown, t.end, t.new, _v(values, "ltv_historical_avg"),
                              _v(values, "ltv_predictive")))
    return out


def _source_rows(store: Store, period: Period, groups: Sequence[_SourceGroup],
                 spend: dict[str, int] | None) -> list[SourceRow]:
    if spend is None:
        spend = spend_by_channel(rec.load_spend(store), period)
    spend_by_key = {name_key(ch): e4 for ch, e4 in spend.items()}
    news = {cid: d for _s, _v, new in groups for cid, d in new.items()}
    windows = {cid: (d, min(d + timedelta(days=FIRST_YEAR_DAYS - 1), period.end))
               for cid, d in news.items()}
    first = qg.sales_in_windows(store, windows)
    rows = []
    for source, values, new in groups:
        new_ids = list(new)
        n = len(new_ids)
        spend_e4 = spend_by_key.get(name_key(source)) if source != NONE_GROUP else None
        cac = spend_e4 / n / 10_000 if spend_e4 is not None and n else None
        revenue = sum(first.get(c, (0, 0))[0] for c in new_ids)
        profit = sum(first.get(c, (0, 0))[1] for c in new_ids)
        days = sum((windows[c][1] - windows[c][0]).days + 1 for c in new_ids)
        monthly = profit / 10_000 / days * MONTH_DAYS if days else None
        ltv = _v(values, "ltv_predictive")
        rows.append(SourceRow(
            source, n, None if spend_e4 is None else spend_e4 / 10_000, cac,
            revenue / n / 10_000 if n else None, profit / n / 10_000 if n else None,
            days / n if n else None,
            cac / monthly if cac is not None and monthly and monthly > 0 else None,
            _v(values, "ltv_historical_avg"), ltv,
            ltv / cac if ltv is not None and cac else None,
            int(_v(values, "customers_active") or 0)))
    return sorted(rows, key=lambda r: (-r.new_customers, r.source.lower()))


def segment_rows(period: Period, states: Sequence[CustomerState]) -> list[SegmentRow]:
    out = []
    for segment, members in sorted(_grouped(states, "segment").items()):
        values = customer_metrics(members, period, {}, with_cac=False)
        out.append(SegmentRow(segment, int(_v(values, "customers_active") or 0),
                              int(_v(values, "customers_new") or 0),
                              _v(values, "ltv_historical_avg"), _v(values, "ltv_predictive")))
    return out


def spend_months(store: Store, period: Period) -> tuple[list[dict[str, object]], list[str]]:
    """Spend per month the period touches and per channel (alike names merged): rows
    {month, total, <channel>: amount}, and the channels, biggest spend first."""
    spend = rec.load_spend(store)
    rows: list[dict[str, object]] = []
    totals: dict[str, float] = defaultdict(float)
    for slot in month_slots(period.start, period.end):
        one = spend_by_channel(spend, Period.month(slot.key))
        row: dict[str, object] = {"month": slot.key}
        for ch, e4 in one.items():
            row[ch] = e4 / 10_000
            totals[ch] += e4 / 10_000
        row["total"] = sum(e4 for e4 in one.values()) / 10_000
        rows.append(row)
    channels = sorted(totals, key=lambda c: (-totals[c], c.lower()))
    return rows, channels


def growth(store: Store, period: Period, sums: Sequence[qs.SourceSums] | None = None
           ) -> Growth:
    """Everything the growth screen shows for `period` (`sums`: `source_sums` of the
    period, when the caller has them)."""
    sums = source_sums(store, period) if sums is None else sums
    spend = spend_by_channel(rec.load_spend(store), period)
    sources = source_rows_sql(store, period, spend, sums)
    known = {name_key(r.source) for r in sources if r.source != NONE_GROUP}
    unmatched = {ch: e4 / 10_000 for ch, e4 in spend.items() if name_key(ch) not in known}
    months, channels = spend_months(store, period)
    return Growth(sources, segment_rows_sql(store, period, sums), months, channels,
                  unmatched)


def ltv_by_customer(store: Store, day: date) -> dict[int, tuple[float | None, float | None]]:
    """customer id -> (historical LTV, predicted LTV) as of `day` (module docstring); None
    where a figure does not apply (no orders; not active; no churn to predict from). From
    the customers' trailing-year flags in SQL (`queries_growth_ltv.ltv_rows_lean`); the
    Python path `ltv_by_customer_reference` and the catalogue flags' `ltv_rows` are tested
    equal."""
    return ltv_from_rows(ql.ltv_rows_lean(store, Period.trailing_year(day),
                                          ms.load_settings(store).window_days))


def ltv_from_rows(got: ql.LtvRows) -> dict[int, tuple[float | None, float | None]]:
    """`ltv_by_customer`'s figures from a year's `LtvRows`."""
    buyers = any(bought for _c, bought, _p, _a, _y in got.rows)
    churn = got.lost / got.pool if got.pool and got.lost and buyers else None
    out: dict[int, tuple[float | None, float | None]] = {}
    for cid, bought, profit, active, profit_year in got.rows:
        pred = None
        if churn is not None and active:
            annual = profit_year / 10_000
            pred = min(annual / churn, LTV_CAP_YEARS * annual)
        out[cid] = (profit / 10_000 if bought else None, pred)
    return out


def ltv_by_customer_reference(store: Store, day: date
                              ) -> dict[int, tuple[float | None, float | None]]:
    """`ltv_by_customer` from every customer's facts and state built in Python (the
    reference)."""
    year = Period.trailing_year(day)
    states = _states(store, year)
    pool = sum(1 for st in states if st.flow.start or st.flow.new or st.flow.won_back)
    lost = sum(1 for st in states if st.flow.lost)
    buyers = any(st.facts.last_at_end is not None for st in states)
    churn = lost / pool if pool and lost and buyers else None
    out: dict[int, tuple[float | None, float | None]] = {}
    for st in states:
        f = st.facts
        hist = f.profit_to_date_e4 / 10_000 if f.last_at_end is not None else None
        pred = None
        if churn is not None and st.flow.end:
            annual = f.profit_year_e4 / 10_000
            pred = min(annual / churn, LTV_CAP_YEARS * annual)
        out[f.id] = (hist, pred)
    return out


# ----- the monthly pipeline snapshot (a write; see storage/pipeline_snapshots.py) -------------
# When: the first time the Growth tab is shown in a calendar month on a file with open deals
# and no snapshot of that month yet, the open pipeline is recorded under the month (one small
# write task; a read never writes). Imports are left alone: an undone import must leave the
# file exactly as before, and a snapshot is not part of any batch.
def needs_pipeline_snapshot(store: Store, day: date) -> bool:
    """Whether `day`'s month has no snapshot yet while deals are open."""
    return pipeline_snapshots.missing(store, day)


def record_pipeline_snapshot(store: Store, day: date) -> int:
    """Record the open pipeline per stage under `day`'s month; the stages written."""
    return pipeline_snapshots.record(store, day)

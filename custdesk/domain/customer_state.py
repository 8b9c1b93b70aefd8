"""Customer state rules of METRICS.md: active / lost / lapsed / won back, and the bridge.

Everything works from `CustomerFacts`: one row per customer holding the few per-customer
aggregates the rules need for one period (built in SQL for big files, or from records by
`facts_from_records` — the two are tested to agree).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from custdesk.domain.periods import Period, day
from custdesk.domain.records import Customer, OrderLine


class CustomerFacts(NamedTuple):
    """Per-customer aggregates for one period (money in e4).

    A NamedTuple rather than a frozen dataclass: one is built per customer per period
    (100k in the benchmark) and a frozen dataclass's __init__ costs 5× more."""

    id: int
    acquired: date
    segment: str | None = None
    source: str | None = None
    referred_by: str | None = None
    status: str | None = None
    lost_on: date | None = None
    lost_reason: str | None = None
    first_order: date | None = None
    last_before: date | None = None  # last order on or before start − 1
    last_at_end: date | None = None  # last order on or before end
    last_before_year: date | None = None  # last order on or before end − 365
    revenue_e4: int = 0  # lines in the period
    cost_e4: int = 0  # Σ cost of period lines with a known cost
    revenue_costed_e4: int = 0  # Σ revenue of period lines with a known cost
    lines: int = 0
    costed_lines: int = 0
    ordered_prior: bool = False  # any line in the prior period
    repeat_buyer: bool = False  # 2+ distinct orders (order_ref, else date) up to end
    profit_to_date_e4: int = 0  # Σ revenue − Σ known cost up to end
    profit_year_e4: int = 0  # the same over the 365 days ending at end

    @property
    def gross_profit_e4(self) -> int:
        return self.revenue_costed_e4 - self.cost_e4


# The acquisition "date" of an undated contact (METRICS.md: a person known only from
# tickets, surveys or open/lost deals): later than any day, so acquired ≤ D never holds and
# they are never new, active or lost — yet they are still counted in customers_total.
UNDATED = date.max


def acquired_date(c: Customer, first_order: date | None, first_won: date | None,
                  *, from_customer_list: bool = True) -> date:
    """acquired_on, else first order, else first won deal, else — only for a customer from
    a customers sheet (or entered by hand) — the import date; else UNDATED."""
    fallback = day(c.created_on) if from_customer_list else None
    for candidate in (day(c.acquired_on), first_order, first_won, fallback):
        if candidate is not None:
            return candidate
    return UNDATED


def is_undated(acquired: date) -> bool:
    return acquired == UNDATED


def lost_explicitly(f: CustomerFacts, d: date) -> bool:
    """Marked lost: lost_on on or before d, or status lost without a date."""
    if f.lost_on is not None:
        return f.lost_on <= d
    return f.status == "lost"


def lapsed(last_order: date | None, d: date, window: int) -> bool:
    """Has orders, and the last one on or before d is more than W days before d."""
    return last_order is not None and (d - last_order).days > window


def is_lost(f: CustomerFacts, d: date, last_order: date | None, window: int) -> bool:
    return lost_explicitly(f, d) or lapsed(last_order, d, window)


def is_active(f: CustomerFacts, d: date, last_order: date | None, window: int) -> bool:
    return f.acquired <= d and not is_lost(f, d, last_order, window)


class Flow(NamedTuple):
    """One customer's part in a period's bridge."""

    start: bool
    new: bool
    won_back: bool
    end: bool
    lost: bool


def flow(f: CustomerFacts, period: Period, window: int, *, last_before: date | None,
         last_at_end: date | None) -> Flow:
    """Classify a customer for S + N + won back − lost = E."""
    before = period.day_before()
    start = is_active(f, before, last_before, window)
    end = is_active(f, period.end, last_at_end, window)
    new = period.contains(f.acquired)
    # acquired before the period and lapsed (not marked lost) the day before it
    won_back = (end and f.acquired <= before and not lost_explicitly(f, before)
                and lapsed(last_before, before, window))
    lost = (start or new or won_back) and not end
    return Flow(start, new, won_back, end, lost)


def period_flow(f: CustomerFacts, period: Period, window: int) -> Flow:
    return flow(f, period, window, last_before=f.last_before, last_at_end=f.last_at_end)


def year_flow(f: CustomerFacts, end: date, window: int) -> Flow:
    """The flow over the 365 days ending at `end` (for the annual churn rate)."""
    return flow(f, Period.trailing_year(end), window, last_before=f.last_before_year,
                last_at_end=f.last_at_end)


class CustomerState(NamedTuple):
    """A customer's facts with their period and trailing-year flows, computed once."""

    facts: CustomerFacts
    flow: Flow
    year: Flow
    lost_at_end: bool  # lost as of `to` by any rule


def classify(facts: Iterable[CustomerFacts], period: Period, window: int) -> list[CustomerState]:
    """Apply the state rules to every customer once (breakdowns reuse the result).

    The same rules as `flow` (tests check they agree), unrolled with the period's dates
    and lapse cut-offs computed once: this runs for every customer of the file.
    """
    end, before = period.end, period.day_before()
    year_start = Period.trailing_year(end).start
    year_before = year_start - timedelta(days=1)
    gap = timedelta(days=window)
    # lapsed(last, d) <=> last < d − W
    cut_end, cut_before, cut_year = end - gap, before - gap, year_before - gap
    out = []
    for f in facts:
        acq, lost_on, last = f.acquired, f.lost_on, f.last_at_end
        if lost_on is not None:
            gone_end, gone_before, gone_year = lost_on <= end, lost_on <= before, \
                lost_on <= year_before
        else:
            gone_end = gone_before = gone_year = f.status == "lost"
        lapsed_before = f.last_before is not None and f.last_before < cut_before
        lapsed_year = f.last_before_year is not None and f.last_before_year < cut_year
        lost_end = gone_end or (last is not None and last < cut_end)
        active_end = acq <= end and not lost_end
        start = acq <= before and not (gone_before or lapsed_before)
        new = before < acq <= end
        won_back = active_end and acq <= before and not gone_before and lapsed_before
        y_start = acq <= year_before and not (gone_year or lapsed_year)
        y_new = year_before < acq <= end
        y_won = active_end and acq <= year_before and not gone_year and lapsed_year
        lost = (start or new or won_back) and not active_end
        y_lost = (y_start or y_new or y_won) and not active_end
        out.append(CustomerState(f, Flow(start, new, won_back, active_end, lost),
                                 Flow(y_start, y_new, y_won, active_end, y_lost), lost_end))
    return out


def loss_day(f: CustomerFacts, end: date) -> date:
    """The day a lost customer's value is measured up to: their recorded loss date, else
    `end` (a lapsed customer's loss date is after their last order anyway)."""
    return f.lost_on if f.lost_on is not None and f.lost_on <= end else end


def lost_value_window(last_order: date | None, window: int) -> tuple[date, date] | None:
    """`customers_lost_value`'s days: the W days up to the customer's last order on or
    before their loss date (METRICS.md); None without such an order."""
    if last_order is None:
        return None
    return last_order - timedelta(days=window - 1), last_order


def silent_loss_day(f: CustomerFacts, end: date, window: int) -> date:
    """`lost_silent_pct`'s loss date of a customer lost as of `end`: the recorded lost_on
    (on or before `end`), else last order + W for a lapsed customer, else — marked lost
    without a date — `end` itself."""
    if f.lost_on is not None and f.lost_on <= end:
        return f.lost_on
    if f.last_at_end is not None and lapsed(f.last_at_end, end, window):
        return f.last_at_end + timedelta(days=window)
    return end


def silent_window(loss: date, window: int) -> tuple[date, date]:
    """The W days up to and including the loss date, in which a ticket or a survey means
    the customer did not leave without a word."""
    return loss - timedelta(days=window - 1), loss


REPEAT_WITHIN_DAYS = 90  # new_repeat_90d_pct


class FirstOrder(NamedTuple):
    """A customer's first order as of `to` (`new_first_order_avg`, `new_repeat_90d_pct`)."""

    value_e4: int  # Σ revenue of its lines
    repeat_90d: bool  # another order dated within 90 days of it (and on or before `to`)


def order_key(o: OrderLine) -> str:
    """An order's identity: its order_ref, else its day (METRICS.md repeat_customer_pct)."""
    return o.order_ref if o.order_ref is not None else "d" + o.date


def first_order_of(lines: Iterable[OrderLine], end: date) -> FirstOrder | None:
    """The first order among a customer's lines dated on or before `end`: the order (by
    `order_key`) of the earliest day — of two orders that day, the smaller key — valued
    at Σ revenue of its lines; None without a line."""
    last = end.isoformat()
    dated = [o for o in lines if o.date[:10] <= last]
    if not dated:
        return None
    first = min(o.date[:10] for o in dated)
    key = min(order_key(o) for o in dated if o.date[:10] == first)
    limit = min(date.fromisoformat(first) + timedelta(days=REPEAT_WITHIN_DAYS), end)
    within = {order_key(o) for o in dated if o.date[:10] <= limit.isoformat()}
    return FirstOrder(sum(o.revenue_e4 for o in dated if order_key(o) == key),
                      len(within) >= 2)


@dataclass(frozen=True, slots=True)
class Bridge:
    """Customers in/out of a period: start + new + won_back − lost = end."""

    start: int
    new: int
    won_back: int
    lost: int
    end: int
    lost_by_reason: dict[str, int] = field(default_factory=dict)
    new_value: float = 0.0
    lost_value: float = 0.0


def bridge(facts: Iterable[CustomerFacts], period: Period, window: int,
           lost_values_e4: dict[int, int] | None = None) -> Bridge:
    """Count the bridge; lost customers without a recorded reason are under "Lapsed"."""
    s = n = wb = lost = e = 0
    new_e4 = lost_e4 = 0
    reasons: dict[str, int] = defaultdict(int)
    for f in facts:
        fl = period_flow(f, period, window)
        s, n, wb, e = s + fl.start, n + fl.new, wb + fl.won_back, e + fl.end
        if fl.new:
            new_e4 += f.revenue_e4
        if fl.lost:
            lost += 1
            reasons[f.lost_reason or ("Not recorded" if lost_explicitly(f, period.end)
                                      else "Lapsed")] += 1
            lost_e4 += (lost_values_e4 or {}).get(f.id, 0)
    return Bridge(s, n, wb, lost, e, dict(reasons), new_e4 / 10_000, lost_e4 / 10_000)


def facts_from_records(customers: Sequence[Customer], orders: Iterable[OrderLine],
                       first_won: dict[int, date], period: Period) -> list[CustomerFacts]:
    """The pure-Python path: CustomerFacts from records (small data, and the SQL check)."""
    by_customer: dict[int, list[OrderLine]] = defaultdict(list)
    for o in orders:
        by_customer[o.customer_id].append(o)
    prior, before = period.prior(), period.day_before()
    year_before = period.end - timedelta(days=365)
    year = Period.trailing_year(period.end)
    out = []
    for c in customers:
        assert c.id is not None
        lines = by_customer.get(c.id, [])
        # the day of each line (a line written with a time of day too)
        dated = [(date.fromisoformat(o.date[:10]), o) for o in lines]
        in_period = [o for d, o in dated if period.contains(d)]
        to_date = [o for d, o in dated if d <= period.end]
        first = min((d for d, _ in dated), default=None)
        out.append(CustomerFacts(
            id=c.id, acquired=acquired_date(c, first, first_won.get(c.id)),
            segment=c.segment, source=c.source, referred_by=c.referred_by, status=c.status,
            lost_on=day(c.lost_on), lost_reason=c.lost_reason, first_order=first,
            last_before=max((d for d, _ in dated if d <= before), default=None),
            last_at_end=max((d for d, _ in dated if d <= period.end), default=None),
            last_before_year=max((d for d, _ in dated if d <= year_before), default=None),
            revenue_e4=sum(o.revenue_e4 for o in in_period),
            cost_e4=sum(o.cost_e4 for o in in_period if o.cost_e4 is not None),
            revenue_costed_e4=sum(o.revenue_e4 for o in in_period if o.cost_e4 is not None),
            lines=len(in_period),
            costed_lines=sum(1 for o in in_period if o.cost_e4 is not None),
            ordered_prior=any(prior.contains(d) for d, _ in dated),
            repeat_buyer=len({order_key(o) for o in to_date}) >= 2,
            profit_to_date_e4=sum(o.revenue_e4 - (o.cost_e4 or 0) for o in to_date),
            profit_year_e4=sum(o.revenue_e4 - (o.cost_e4 or 0) for d, o in dated
                               if year.contains(d))))
    return out


class SeriesCustomer(NamedTuple):
    """What the monthly bridge needs about one customer (dates as ordinals)."""

    acquired: int
    lost_on: int | None
    marked_lost: bool  # status "lost" (used when there is no loss date)
    order_days: Sequence[int]  # distinct order days, ascending


def flows_over_periods(customers: Iterable[SeriesCustomer], periods: Sequence[Period],
                       window: int) -> list[list[int]]:
    """[start, new, won_back, end, lost, retained] counts for each period, in one pass over the
    customers: each customer's state is settled once per boundary day (`flow`'s rules,
    unrolled like `classify`; tests check it equals the period-by-period catalogue)."""
    bounds = [(p.day_before().toordinal(), p.end.toordinal()) for p in periods]
    days = sorted({d for pair in bounds for d in pair})
    out = [[0, 0, 0, 0, 0, 0] for _ in periods]
    for c in customers:
        acq, lost_on, marked, orders = c.acquired, c.lost_on, c.marked_lost, c.order_days
        state: dict[int, tuple[bool, bool, bool]] = {}
        for d in days:  # (active, marked lost, lapsed) as of d
            gone = lost_on <= d if lost_on is not None else marked
            i = bisect_right(orders, d)
            lapsed_d = i > 0 and orders[i - 1] < d - window
            state[d] = (acq <= d and not gone and not lapsed_d, gone, lapsed_d)
        for counts, (b, e) in zip(out, bounds, strict=True):
            start, gone_b, lapsed_b = state[b]
            end = state[e][0]
            new = b < acq <= e
            won_back = end and acq <= b and not gone_b and lapsed_b
            counts[0] += start
            counts[1] += new
            counts[2] += won_back
            counts[3] += end
            counts[4] += (start or new or won_back) and not end
            counts[5] += start and end
    return out

"""Customer metrics of METRICS.md (counts, bridge, retention, churn, LTV, CAC) from facts,
through a `CustomerTally` of sums."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from custdesk.domain.customer_state import (
    REPEAT_WITHIN_DAYS,
    CustomerFacts,
    CustomerState,
    FirstOrder,
    is_undated,
    silent_window,
)
from custdesk.domain.metric_values import MetricValue, count, money, proportion, ratio
from custdesk.domain.metrics_sales import SalesTotals
from custdesk.domain.periods import Period
from custdesk.domain.text import name_key

LTV_CAP_YEARS = 10


def is_referral(f: CustomerFacts) -> bool:
    return name_key(f.source) == "referral" or bool((f.referred_by or "").strip())


@dataclass(slots=True)
class CustomerTally:
    """The sums the customer and sales metrics are made of, for one group of customers.

    Every customer metric is a ratio of such sums, so a group's tally is the sum of its
    customers' parts and the whole file's tally the sum of its groups'. Built from
    classified customers here (`tally_states`), or in one SQL pass per segment by
    `custdesk.storage.queries_tally` (tested to agree).
    """

    total: int = 0  # customers
    start: int = 0  # S
    end: int = 0  # E (active at `to`)
    won_back: int = 0
    new: int = 0  # N
    new_e4: int = 0  # period revenue of the new
    referred: int = 0  # new customers who came by referral
    lost: int = 0
    lost_e4: int = 0  # revenue of the lost in their last W days
    acquired: int = 0  # acquired on or before `to`
    lost_any: int = 0  # of those, lost as of `to` by any rule
    prior: int = 0  # ordered in the prior period
    renewed: int = 0  # of those, ordered again in the period
    buyers: int = 0  # any order up to `to`
    repeat: int = 0  # of those, 2+ distinct orders
    profit_e4: int = 0  # buyers' gross profit to date
    year_pool: int = 0  # trailing year: start + new + won back
    year_lost: int = 0
    year_active: int = 0
    year_profit_e4: int = 0  # active customers' trailing-year gross profit
    revenue_e4: int = 0  # period lines
    cost_e4: int = 0
    revenue_costed_e4: int = 0
    lines: int = 0
    costed_lines: int = 0
    retained: int = 0  # of S, still active at `to` (won-back and new are not retention)
    undated: int = 0  # contacts with no acquisition date (never new, active or lost)
    lost_silent: int = 0  # lost, with no ticket and no survey in the W days up to the loss
    first_buyers: int = 0  # new customers with a first order by `to`
    first_e4: int = 0  # Σ value of those first orders
    cohort_90d: int = 0  # new, acquired on or before `to` − 90, with a first order
    repeat_90d: int = 0  # of those, another order within 90 days of the first

    def __add__(self, other: CustomerTally) -> CustomerTally:
        return CustomerTally(*(getattr(self, k) + getattr(other, k)
                               for k in CustomerTally.__slots__))

    def sales(self, orders: int) -> SalesTotals:
        """The period's sales of these customers; `orders` is counted over lines."""
        return SalesTotals(self.revenue_e4, self.cost_e4, self.revenue_costed_e4, self.lines,
                           self.costed_lines, orders)


def tally_states(states: Iterable[CustomerState], period: Period,
                 lost_values_e4: dict[int, int], silent: Collection[int] = (),
                 first_orders: Mapping[int, FirstOrder] | None = None) -> CustomerTally:
    """Sum classified customers into a tally (the pure-Python path). `silent`: the ids of
    customers lost in the period without a word (`went_silent`); `first_orders`: the new
    customers' first orders (`customer_state.first_order_of`)."""
    t = CustomerTally()
    firsts = first_orders or {}
    cohort_day = period.end - timedelta(days=REPEAT_WITHIN_DAYS)
    for st in states:
        f, fl, y = st.facts, st.flow, st.year
        t.total += 1
        t.undated += is_undated(f.acquired)
        t.start += fl.start
        t.retained += fl.start and fl.end
        t.end += fl.end
        t.won_back += fl.won_back
        if fl.new:
            t.new += 1
            t.new_e4 += f.revenue_e4
            t.referred += is_referral(f)
            first = firsts.get(f.id)
            if first is not None:
                t.first_buyers += 1
                t.first_e4 += first.value_e4
                if f.acquired <= cohort_day:
                    t.cohort_90d += 1
                    t.repeat_90d += first.repeat_90d
        if fl.lost:
            t.lost += 1
            t.lost_e4 += lost_values_e4.get(f.id, 0)
            t.lost_silent += f.id in silent
        if f.acquired <= period.end:
            t.acquired += 1
            t.lost_any += st.lost_at_end
        if f.ordered_prior:
            t.prior += 1
            t.renewed += f.lines > 0
        if f.last_at_end is not None:
            t.buyers += 1
            t.repeat += f.repeat_buyer
            t.profit_e4 += f.profit_to_date_e4
        t.year_pool += y.start or y.new or y.won_back
        t.year_lost += y.lost
        if y.end:
            t.year_active += 1
            t.year_profit_e4 += f.profit_year_e4
        t.revenue_e4 += f.revenue_e4
        t.cost_e4 += f.cost_e4
        t.revenue_costed_e4 += f.revenue_costed_e4
        t.lines += f.lines
        t.costed_lines += f.costed_lines
    return t


def customer_metrics(states: Sequence[CustomerState], period: Period,
                     lost_values_e4: dict[int, int], spend_e4: int | None = None,
                     *, with_cac: bool = True) -> dict[str, MetricValue]:
    """Every customer metric for `period` from classified customers."""
    return tally_metrics(tally_states(states, period, lost_values_e4), spend_e4,
                         with_cac=with_cac)


def tally_metrics(t: CustomerTally, spend_e4: int | None = None,
                  *, with_cac: bool = True) -> dict[str, MetricValue]:
    """Every customer metric from a tally.

    `with_cac` False leaves cac out (breakdowns: spend is not split by group). Unknown
    spend gives an unknown cac, never 0.
    """
    s, n, e, lost, buyers = t.start, t.new, t.end, t.lost, t.buyers
    out = {
        "customers_total": count(t.total),
        "contacts_undated": count(t.undated),
        "customers_active": count(e),
        "customers_start": count(s),
        "customers_new": count(n),
        "customers_new_value": money(t.new_e4, n),
        "customers_lost": count(lost),
        "customers_lost_value": money(t.lost_e4, lost),
        "customers_won_back": count(t.won_back),
        "customers_lost_pct": proportion(t.lost_any, t.acquired),
        "retention_rate_pct": proportion(t.retained, s),
        "churn_rate_pct": proportion(lost, s + n + t.won_back),
        "renewal_rate_pct": proportion(t.renewed, t.prior),
        "repeat_customer_pct": proportion(t.repeat, buyers),
        "ltv_historical_avg": MetricValue(t.profit_e4 / buyers / 10_000 if buyers else None,
                                          buyers),
        "referral_rate_pct": proportion(t.referred, n),
        "lost_silent_pct": proportion(t.lost_silent, lost),
        "new_first_order_avg": MetricValue(
            t.first_e4 / t.first_buyers / 10_000 if t.first_buyers else None, t.first_buyers),
        "new_repeat_90d_pct": proportion(t.repeat_90d, t.cohort_90d),
        "ltv_predictive": _ltv_predictive(t),
    }
    if with_cac:
        out["cac"] = (MetricValue(spend_e4 / n / 10_000, n) if n and spend_e4 is not None
                      else MetricValue(None, n))
        out["ltv_cac_ratio"] = ratio(out["ltv_predictive"].value, out["cac"].value, n)
    return out


def _ltv_predictive(t: CustomerTally) -> MetricValue:
    """Mean annual gross profit per active customer ÷ annual churn, capped at 10 years.

    Both figures come from the 365 days ending at `to`; null when nobody was lost then
    or when the file has no order lines.
    """
    active = t.year_active
    # no order lines at all: there is no profit to predict from (null, never 0 — a 0
    # would make LTV:CAC say the business loses money)
    if not active or not t.year_pool or not t.year_lost or not t.buyers:
        return MetricValue(None, active)
    annual_profit = t.year_profit_e4 / active / 10_000
    churn = t.year_lost / t.year_pool
    return MetricValue(min(annual_profit / churn, LTV_CAP_YEARS * annual_profit), active)


def went_silent(loss_days: Mapping[int, date], contacts: Mapping[int, Sequence[date]],
                window: int) -> set[int]:
    """Of the customers lost on these days, those with no contact (ticket or survey day)
    in the W days up to their loss date (`lost_silent_pct`)."""
    out = set()
    for cid, loss in loss_days.items():
        lo, hi = silent_window(loss, window)
        if not any(lo <= d <= hi for d in contacts.get(cid, ())):
            out.add(cid)
    return out

"""Customer metrics of METRICS.md (counts, bridge, retention, churn, LTV, CAC) from facts."""

from __future__ import annotations

from collections.abc import Sequence

from custdesk.domain.customer_state import (
    CustomerFacts,
    is_lost,
    period_flow,
    year_flow,
)
from custdesk.domain.metric_values import MetricValue, count, money, proportion, ratio
from custdesk.domain.periods import Period
from custdesk.domain.text import name_key

LTV_CAP_YEARS = 10


def is_referral(f: CustomerFacts) -> bool:
    return name_key(f.source) == "referral" or bool((f.referred_by or "").strip())


def customer_metrics(facts: Sequence[CustomerFacts], period: Period, window: int,
                     lost_values_e4: dict[int, int], spend_e4: int | None = None,
                     *, with_cac: bool = True) -> dict[str, MetricValue]:
    """Every customer metric for `period`; `with_cac` False leaves cac out (breakdowns:
    spend is not split by group). Unknown spend gives an unknown cac, never 0."""
    flows = [period_flow(f, period, window) for f in facts]
    s = sum(fl.start for fl in flows)
    n = sum(fl.new for fl in flows)
    wb = sum(fl.won_back for fl in flows)
    e = sum(fl.end for fl in flows)
    lost = sum(fl.lost for fl in flows)
    acquired = [f for f in facts if f.acquired <= period.end]
    lost_any = sum(1 for f in acquired if is_lost(f, period.end, f.last_at_end, window))
    prior_buyers = [f for f in facts if f.ordered_prior]
    buyers = [f for f in facts if f.orders_to_date > 0]
    new = [f for f, fl in zip(facts, flows, strict=True) if fl.new]
    out = {
        "customers_total": count(len(facts)),
        "customers_active": count(e),
        "customers_start": count(s),
        "customers_new": count(n),
        "customers_new_value": money(sum(f.revenue_e4 for f in new), n),
        "customers_lost": count(lost),
        "customers_lost_value": money(sum(lost_values_e4.get(f.id, 0) for f, fl
                                          in zip(facts, flows, strict=True) if fl.lost), lost),
        "customers_won_back": count(wb),
        "customers_lost_pct": proportion(lost_any, len(acquired)),
        "retention_rate_pct": proportion(e - n, s),
        "churn_rate_pct": proportion(lost, s + n + wb),
        "renewal_rate_pct": proportion(sum(1 for f in prior_buyers if f.lines > 0),
                                       len(prior_buyers)),
        "repeat_customer_pct": proportion(sum(1 for f in buyers if f.orders_to_date >= 2),
                                          len(buyers)),
        "ltv_historical_avg": _mean_money([f.profit_to_date_e4 for f in buyers]),
        "referral_rate_pct": proportion(sum(1 for f in new if is_referral(f)), n),
    }
    out["ltv_predictive"] = ltv_predictive(facts, period, window)
    if with_cac:
        out["cac"] = (MetricValue(spend_e4 / n / 10_000, n) if n and spend_e4 is not None
                      else MetricValue(None, n))
        cac_value = out["cac"].value
        out["ltv_cac_ratio"] = ratio(out["ltv_predictive"].value, cac_value, n)
    return out


def _mean_money(values_e4: list[int]) -> MetricValue:
    if not values_e4:
        return MetricValue(None, 0)
    return MetricValue(sum(values_e4) / len(values_e4) / 10_000, len(values_e4))


def ltv_predictive(facts: Sequence[CustomerFacts], period: Period, window: int) -> MetricValue:
    """Mean annual gross profit per active customer ÷ annual churn, capped at 10 years.

    Both figures come from the 365 days ending at `to`; null when nobody was lost then.
    """
    flows = [(f, year_flow(f, period.end, window)) for f in facts]
    at_risk = sum(1 for _, fl in flows if fl.start or fl.new or fl.won_back)
    lost = sum(1 for _, fl in flows if fl.lost)
    active = [f for f, fl in flows if fl.end]
    if not active or not at_risk or not lost:
        return MetricValue(None, len(active))
    annual_profit = sum(f.profit_year_e4 for f in active) / len(active) / 10_000
    churn = lost / at_risk
    value = min(annual_profit / churn, LTV_CAP_YEARS * annual_profit)
    return MetricValue(value, len(active))


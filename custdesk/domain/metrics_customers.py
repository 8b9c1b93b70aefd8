"""Customer metrics of METRICS.md (counts, bridge, retention, churn, LTV, CAC) from facts."""

from __future__ import annotations

from collections.abc import Sequence

from custdesk.domain.customer_state import CustomerFacts, CustomerState
from custdesk.domain.metric_values import MetricValue, count, money, proportion, ratio
from custdesk.domain.periods import Period
from custdesk.domain.text import name_key

LTV_CAP_YEARS = 10


def is_referral(f: CustomerFacts) -> bool:
    return name_key(f.source) == "referral" or bool((f.referred_by or "").strip())


def customer_metrics(states: Sequence[CustomerState], period: Period,
                     lost_values_e4: dict[int, int], spend_e4: int | None = None,
                     *, with_cac: bool = True) -> dict[str, MetricValue]:
    """Every customer metric for `period` from classified customers.

    `with_cac` False leaves cac out (breakdowns: spend is not split by group). Unknown
    spend gives an unknown cac, never 0.
    """
    s = n = wb = e = lost = acquired = lost_any = prior = renewed = buyers = repeat = 0
    referred = 0
    new_e4 = lost_e4 = profit_e4 = 0
    for st in states:
        f, fl = st.facts, st.flow
        s += fl.start
        e += fl.end
        wb += fl.won_back
        if fl.new:
            n += 1
            new_e4 += f.revenue_e4
            referred += is_referral(f)
        if fl.lost:
            lost += 1
            lost_e4 += lost_values_e4.get(f.id, 0)
        if f.acquired <= period.end:
            acquired += 1
            lost_any += st.lost_at_end
        if f.ordered_prior:
            prior += 1
            renewed += f.lines > 0
        if f.last_at_end is not None:
            buyers += 1
            repeat += f.repeat_buyer
            profit_e4 += f.profit_to_date_e4
    out = {
        "customers_total": count(len(states)),
        "customers_active": count(e),
        "customers_start": count(s),
        "customers_new": count(n),
        "customers_new_value": money(new_e4, n),
        "customers_lost": count(lost),
        "customers_lost_value": money(lost_e4, lost),
        "customers_won_back": count(wb),
        "customers_lost_pct": proportion(lost_any, acquired),
        "retention_rate_pct": proportion(e - n, s),
        "churn_rate_pct": proportion(lost, s + n + wb),
        "renewal_rate_pct": proportion(renewed, prior),
        "repeat_customer_pct": proportion(repeat, buyers),
        "ltv_historical_avg": MetricValue(profit_e4 / buyers / 10_000 if buyers else None,
                                          buyers),
        "referral_rate_pct": proportion(referred, n),
        "ltv_predictive": ltv_predictive(states),
    }
    if with_cac:
        out["cac"] = (MetricValue(spend_e4 / n / 10_000, n) if n and spend_e4 is not None
                      else MetricValue(None, n))
        out["ltv_cac_ratio"] = ratio(out["ltv_predictive"].value, out["cac"].value, n)
    return out


def ltv_predictive(states: Sequence[CustomerState]) -> MetricValue:
    """Mean annual gross profit per active customer ÷ annual churn, capped at 10 years.

    Both figures come from the 365 days ending at `to`; null when nobody was lost then.
    """
    pool = lost = active = 0
    profit_e4 = 0
    for st in states:
        fl = st.year
        pool += fl.start or fl.new or fl.won_back
        lost += fl.lost
        if fl.end:
            active += 1
            profit_e4 += st.facts.profit_year_e4
    if not active or not pool or not lost:
        return MetricValue(None, active)
    annual_profit = profit_e4 / active / 10_000
    churn = lost / pool
    return MetricValue(min(annual_profit / churn, LTV_CAP_YEARS * annual_profit), active)

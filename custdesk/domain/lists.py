"""The lists the owner works from (METRICS.md): at risk, hot prospects, stale and slipped
deals, detractors, profitability groups A/B/C/D and their movement.

Rows carry money as float currency units (display values), like every metrics result.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from custdesk.domain.metrics_deals import DealInfo, is_open_at
from custdesk.domain.periods import day
from custdesk.domain.records import Survey, SurveyKind

HOT_PROBABILITY = 50.0
HOT_CLOSE_DAYS = 30
STALE_DAYS = 30
SLIPPED_DAYS = 30
NPS_RECENT_DAYS = 180  # default of the business setting "nps_recent_days"
RECENT_DAYS = 90
REPEAT_LOOKBACK_DAYS = 30


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """What the at-risk signals need about one active customer, as of a day."""

    order_dates: Sequence[date]  # distinct order days up to the day, ascending
    revenue_last_90_e4: int = 0
    revenue_prior_90_e4: int = 0
    latest_nps: int | None = None
    latest_nps_on: date | None = None  # when that answer was given
    open_complaint: bool = False
    repeat_contacts_30: int = 0
    # the order pattern summed elsewhere (SQL): with `order_dates` empty, the last order
    # day, the number of order days and their median gap stand for them
    last_order_on: date | None = None
    order_days: int = 0
    gap_median: float | None = None

    def order_pattern(self) -> tuple[date, float | None] | None:
        """(last order day, median gap or None below two days); None without orders."""
        if self.order_dates:
            return self.order_dates[-1], median_gap(self.order_dates)
        if self.last_order_on is not None:
            return self.last_order_on, self.gap_median if self.order_days >= 2 else None
        return None


def median_gap(order_dates: Sequence[date]) -> float | None:
    """Median days between consecutive distinct order days (None below 2 orders)."""
    if len(order_dates) < 2:
        return None
    return statistics.median((b - a).days for a, b in zip(order_dates, order_dates[1:],
                                                          strict=False))


def every_days(gap: float) -> str:
    """"every 15 days", or "about every 26 days" for a median between two whole days
    (25.5): an owner reads days, never half days."""
    whole = int(gap + 0.5)  # half up: 25.5 -> 26
    unit = "day" if whole == 1 else "days"
    return f"every {whole} {unit}" if float(gap).is_integer() else f"about every {whole} {unit}"


def short_day(d: date, as_of: date) -> str:
    """"12 Mar", with the year when it is not `as_of`'s ("12 Mar 2025")."""
    text = f"{d.day} {d:%b}"
    return text if d.year == as_of.year else f"{text} {d.year}"


def risk_reasons(r: RiskInputs, as_of: date, window: int,
                 nps_days: int = NPS_RECENT_DAYS) -> list[str]:
    """Each at-risk signal that fires, as a sentence the owner can read. A low NPS counts
    only when answered within the last `nps_days` days (a business setting), and the
    reason says when: an old answer must not keep a customer at risk forever."""
    reasons = []
    pattern = r.order_pattern()
    if pattern is not None:
        since = (as_of - pattern[0]).days
        gap = pattern[1]
        if gap is not None and since > 1.5 * gap:
            reasons.append(f"No order for {since} days (usually {every_days(gap)})")
        elif gap is None and since > window / 2:
            reasons.append(f"No order for {since} days since their only order")
    if r.revenue_prior_90_e4 > 0 and r.revenue_last_90_e4 * 2 < r.revenue_prior_90_e4:
        drop = 100 * (1 - r.revenue_last_90_e4 / r.revenue_prior_90_e4)
        reasons.append(f"Spending down {drop:.0f} % in the last 90 days")
    if (r.latest_nps is not None and r.latest_nps <= 6 and r.latest_nps_on is not None
            and (as_of - r.latest_nps_on).days < nps_days):
        reasons.append(f"NPS {r.latest_nps} on {short_day(r.latest_nps_on, as_of)}")
    if r.open_complaint:
        reasons.append("Has an unresolved complaint")
    if r.repeat_contacts_30 >= 2:
        reasons.append(f"{r.repeat_contacts_30} repeat contacts in 30 days")
    return reasons


def risk_reasons_of(as_of: date, window: int, nps_days: int, since: int | None,
                    gap: float | None, last_90_e4: int, prior_90_e4: int,
                    nps: int | None, nps_on: date | None, complaint: bool,
                    repeats_30: int) -> list[str]:
    """`risk_reasons` from the signals as plain values, no `RiskInputs` made: the at-risk
    list writes ~23k customers' reasons on a big file (tests/test_lists.py: the same
    sentences). `since`: days from the last order day to `as_of` (None without orders);
    `gap`: the median gap (None below two order days)."""
    reasons = []
    if since is not None:
        if gap is not None and since > 1.5 * gap:
            reasons.append(f"No order for {since} days (usually {every_days(gap)})")
        elif gap is None and since > window / 2:
            reasons.append(f"No order for {since} days since their only order")
    if prior_90_e4 > 0 and last_90_e4 * 2 < prior_90_e4:
        drop = 100 * (1 - last_90_e4 / prior_90_e4)
        reasons.append(f"Spending down {drop:.0f} % in the last 90 days")
    if (nps is not None and nps <= 6 and nps_on is not None
            and (as_of - nps_on).days < nps_days):
        reasons.append(f"NPS {nps} on {short_day(nps_on, as_of)}")
    if complaint:
        reasons.append("Has an unresolved complaint")
    if repeats_30 >= 2:
        reasons.append(f"{repeats_30} repeat contacts in 30 days")
    return reasons


def latest_nps(surveys: Iterable[Survey], as_of: date) -> dict[int, Survey]:
    """customer id -> their latest customer survey with an NPS answer, up to as_of."""
    latest: dict[int, Survey] = {}
    for s in surveys:
        d = day(s.date)
        if (s.customer_id is None or s.nps is None or s.kind != SurveyKind.CUSTOMER
                or d is None or d > as_of):
            continue
        known = latest.get(s.customer_id)
        if known is None or (known.date, known.id or 0) <= (s.date, s.id or 0):
            latest[s.customer_id] = s
    return latest


def hot(deals: Iterable[DealInfo], as_of: date) -> list[DealInfo]:
    """Open deals that are neither stale nor slipped, with probability ≥ 50 % or expected
    to close within the next 30 days (as_of..as_of + 30), by weighted value."""
    soon = as_of + timedelta(days=HOT_CLOSE_DAYS)
    out = [d for d in deals if is_open_at(d, as_of)
           and not is_stale(d, as_of) and not is_slipped(d, as_of) and (
               d.probability >= HOT_PROBABILITY
               or ((close := day(d.deal.expected_close)) is not None
                   and as_of <= close <= soon))]
    return sorted(out, key=lambda d: -(d.weighted_e4 or 0))


def last_touched(d: DealInfo) -> date | None:
    """The deal's last activity, else its creation day."""
    return day(d.deal.last_activity_on) or d.created


def is_stale(d: DealInfo, as_of: date) -> bool:
    """No activity (last activity, else creation) for 30 days before `as_of`."""
    touched = last_touched(d)
    return touched is not None and touched < as_of - timedelta(days=STALE_DAYS)


def is_slipped(d: DealInfo, as_of: date) -> bool:
    """Expected to close more than 30 days before `as_of`."""
    close = day(d.deal.expected_close)
    return close is not None and close < as_of - timedelta(days=SLIPPED_DAYS)


def stale(deals: Iterable[DealInfo], as_of: date) -> list[DealInfo]:
    """Open deals with no activity (last activity, else creation) for 30 days, quietest
    first."""
    out = [d for d in deals if is_open_at(d, as_of) and is_stale(d, as_of)]
    return sorted(out, key=lambda d: last_touched(d) or as_of)


def slipped(deals: Iterable[DealInfo], as_of: date) -> list[DealInfo]:
    """Open deals whose expected close is more than 30 days past, longest overdue first."""
    out = [d for d in deals if is_open_at(d, as_of) and is_slipped(d, as_of)]
    return sorted(out, key=lambda d: day(d.deal.expected_close) or as_of)


def profit_groups(profit_e4: dict[int, int]) -> dict[int, str]:
    """A: the top customers who together make the first 20 % of the positive gross profit
    (the customer crossing the line included); B: the next 30 % (up to 50 %); C: the rest
    with profit > 0; D: zero or negative profit. Ties are ranked by customer id."""
    total = sum(p for p in profit_e4.values() if p > 0)
    groups: dict[int, str] = {}
    running = 0
    for cid, p in sorted(profit_e4.items(), key=lambda kv: (-kv[1], kv[0])):
        if p <= 0:
            groups[cid] = "D"
            continue
        share_before = running / total
        running += p
        groups[cid] = "A" if share_before < 0.2 else "B" if share_before < 0.5 else "C"
    return groups


def movement(prior: dict[int, str], current: dict[int, str]) -> dict[tuple[str, str], int]:
    """(prior group or "new", current group or "lost") -> number of customers."""
    out: dict[tuple[str, str], int] = {}
    for cid in set(prior) | set(current):
        key = (prior.get(cid, "new"), current.get(cid, "lost"))
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))

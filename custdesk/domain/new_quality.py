"""The quality of new customers (issue 15), from what their first days held.

- customers: acquired in the group's span.
- `new_first_order_avg`, `new_repeat_90d_pct`: METRICS.md's definitions over the group
  (repeat: first buyers acquired at least 90 days before `to`).
- gross margin %: gross profit ÷ revenue of their lines with a known cost, in the 90 days
  from each one's acquisition.
- profitability after 90 days: METRICS.md's A/B/C/D (`lists.profit_groups`) applied to the
  customers acquired at least 90 days before `to`, ranked by gross profit in their first 90
  days (revenue where the cost is unknown); `a_b_pct` = share in A or B. The ranking is over
  everyone compared on the screen, so this year's and last year's groups share one scale.
- early churn %: of those acquired at least 180 days before `to`, the share lost within 180
  days of acquisition — a lost_on date by then, or no order in the activity window after
  their last order within those days (lapsed by day 180); a lost status without a date
  does not count (its day is unknown).
- first NPS: NPS (promoters − detractors ÷ answers × 100) over each one's first answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Protocol

from custdesk.domain.lists import profit_groups
from custdesk.domain.metric_values import MetricValue, proportion

EARLY_CHURN_DAYS = 180
REPEAT_DAYS = 90


class FirstDaysLike(Protocol):
    """What a new customer's first days held (read-only, as
    `storage.queries_loyalty.FirstDays` has it)."""

    @property
    def customer_id(self) -> int: ...

    @property
    def acquired(self) -> str: ...

    @property
    def lost_on(self) -> str | None: ...

    @property
    def first_order_on(self) -> str | None: ...

    @property
    def first_order_e4(self) -> int | None: ...

    @property
    def orders_90d(self) -> int: ...

    @property
    def costed_revenue_90d_e4(self) -> int: ...

    @property
    def profit_90d_e4(self) -> int: ...

    @property
    def margin_profit_90d_e4(self) -> int: ...

    @property
    def last_order_180d(self) -> str | None: ...

    @property
    def first_nps(self) -> int | None: ...


def groups_after_90d(rows: Iterable[FirstDaysLike], as_of: date) -> dict[int, str]:
    """A/B/C/D by first-90-day profit for the customers old enough to be ranked."""
    cut = (as_of - timedelta(days=REPEAT_DAYS)).isoformat()
    return profit_groups({r.customer_id: r.profit_90d_e4 for r in rows if r.acquired <= cut})


def early_churned(r: FirstDaysLike, window: int) -> bool:
    limit = date.fromisoformat(r.acquired) + timedelta(days=EARLY_CHURN_DAYS)
    if r.lost_on and r.lost_on <= limit.isoformat():
        return True
    last = r.last_order_180d
    return last is not None and date.fromisoformat(last[:10]) + timedelta(days=window) < limit


def churn_days(acquired: str, window: int) -> tuple[str, str]:
    """`early_churned`'s two days for customers acquired on `acquired` (ISO): lost on or
    before the first, or a last order (of the 180 days) before the second — its window
    then ends before the first. Worked out once per acquisition day, not per row."""
    limit = date.fromisoformat(acquired) + timedelta(days=EARLY_CHURN_DAYS)
    return limit.isoformat(), (limit - timedelta(days=window)).isoformat()


def early_churned_by(r: FirstDaysLike, days: tuple[str, str]) -> bool:
    """`early_churned` from the row's `churn_days` (ISO days compare as the dates do)."""
    if r.lost_on and r.lost_on <= days[0]:
        return True
    last = r.last_order_180d
    return last is not None and last[:10] < days[1]


def quality(rows: Sequence[FirstDaysLike], as_of: date, window: int,
            groups: Mapping[int, str]) -> dict[str, MetricValue | float | int | None]:
    """The group's quality figures (see the module's definitions)."""
    repeat_cut = (as_of - timedelta(days=REPEAT_DAYS)).isoformat()
    churn_cut = (as_of - timedelta(days=EARLY_CHURN_DAYS)).isoformat()
    firsts = [r.first_order_e4 for r in rows if r.first_order_e4 is not None]
    cohort = [r for r in rows if r.first_order_on and r.acquired <= repeat_cut]
    costed = sum(r.costed_revenue_90d_e4 for r in rows)
    ranked = [groups[r.customer_id] for r in rows if r.customer_id in groups]
    old = [r for r in rows if r.acquired <= churn_cut]
    answers = [r.first_nps for r in rows if r.first_nps is not None]
    return {
        "customers": len(rows),
        "new_first_order_avg": (sum(firsts) / len(firsts) / 10_000) if firsts else None,
        "new_repeat_90d_pct": proportion(sum(r.orders_90d >= 2 for r in cohort), len(cohort)),
        "margin_90d_pct": (sum(r.margin_profit_90d_e4 for r in rows) / costed * 100
                           if costed else None),
        "a_b_pct": proportion(sum(g in ("A", "B") for g in ranked), len(ranked)),
        "early_churn_pct": proportion(sum(early_churned(r, window) for r in old), len(old)),
        "first_nps": (MetricValue((sum(a >= 9 for a in answers) - sum(a <= 6 for a in answers))
                                  / len(answers) * 100, len(answers)) if answers else
                      MetricValue(None, 0)),
    }


# ----- the same figures from sums: a group's rows added up once, not walked per figure ----
# (`quality` over the rows is the reference: tests/test_perf_new_quality.py)
SUM_FIELDS = ("customers", "first_order_e4", "first_orders", "cohort", "repeated",
              "costed_revenue_e4", "margin_profit_e4", "ranked", "a_b", "old", "churned",
              "answers", "promoters", "detractors")


def row_sums(r: FirstDaysLike, as_of: date, window: int, groups: Mapping[int, str]
             ) -> tuple[int, ...]:
    """One row's part of each of SUM_FIELDS (add a group's rows up column by column)."""
    repeat_cut = (as_of - timedelta(days=REPEAT_DAYS)).isoformat()
    churn_cut = (as_of - timedelta(days=EARLY_CHURN_DAYS)).isoformat()
    return row_sums_cut(r, repeat_cut, churn_cut, window, groups)


def row_sums_cut(r: FirstDaysLike, repeat_cut: str, churn_cut: str, window: int,
                 groups: Mapping[int, str],
                 churn_by_day: dict[str, tuple[str, str]] | None = None) -> tuple[int, ...]:
    """`row_sums` with the two cut days given (ISO), for a loop over many rows;
    `churn_by_day`: each acquisition day's `churn_days`, filled as met (a loop's own)."""
    first = r.first_order_e4
    cohort = bool(r.first_order_on) and r.acquired <= repeat_cut
    group = groups.get(r.customer_id)
    old = r.acquired <= churn_cut
    nps = r.first_nps
    if not old:
        churned = False
    elif churn_by_day is None:
        churned = early_churned(r, window)
    else:
        days = churn_by_day.get(r.acquired)
        if days is None:
            days = churn_by_day[r.acquired] = churn_days(r.acquired, window)
        churned = early_churned_by(r, days)
    return (1, first or 0, first is not None, cohort, cohort and r.orders_90d >= 2,
            r.costed_revenue_90d_e4, r.margin_profit_90d_e4, group is not None,
            group in ("A", "B"), old, churned, nps is not None,
            nps is not None and nps >= 9, nps is not None and nps <= 6)


def add_sums(parts: Iterable[Sequence[int]]) -> list[int]:
    """Column sums of `row_sums` tuples (or of sums made before)."""
    out = [sum(col) for col in zip(*parts, strict=True)]
    return out or [0] * len(SUM_FIELDS)


def quality_from_sums(s: Sequence[int]) -> dict[str, MetricValue | float | int | None]:
    """`quality` of the rows whose `row_sums` add up to `s` (the same numbers)."""
    (customers, first_e4, firsts, cohort, repeated, costed, margin, ranked, a_b, old,
     churned, answers, promoters, detractors) = s
    return {
        "customers": customers,
        "new_first_order_avg": first_e4 / firsts / 10_000 if firsts else None,
        "new_repeat_90d_pct": proportion(repeated, cohort),
        "margin_90d_pct": margin / costed * 100 if costed else None,
        "a_b_pct": proportion(a_b, ranked),
        "early_churn_pct": proportion(churned, old),
        "first_nps": (MetricValue((promoters - detractors) / answers * 100, answers)
                      if answers else MetricValue(None, 0)),
    }

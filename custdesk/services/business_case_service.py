"""Business case per product (issue 16): what the owner expected when launching or pricing
it — volume per month, price, margin, investment, start date — and how it is doing.

Definitions (METRICS.md names the case fields but not the measures; our choices):
- *months since start* = days from `start_on` to the as-of day, both included, ÷ 30.4375
  (the mean calendar month), so the expectation grows pro rata day by day;
- expected volume to date = volume per month × months since start; expected revenue to
  date = that volume × expected price;
- actual volume / revenue / margin = the product's order lines dated start_on..as-of
  (a line without a quantity is one unit; margin over lines with a known cost);
- *payback* = calendar months from the start month (1 = the start month itself) until the
  cumulative gross profit since start_on reaches the investment; None while it has not;
- *behind its case* when actual volume or revenue is below 90 % of the pro-rata
  expectation (a little slack so a slow first week is not a red flag), or the margin is
  below the expected margin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from custdesk.domain.money import e4_to_float, to_e4
from custdesk.services import edits
from custdesk.storage import product_cases as pc
from custdesk.storage.store import Store

MONTH_DAYS = 30.4375
BEHIND_SHARE = 0.9


class CaseError(ValueError):
    """An edited business-case table the owner must fix (one line, names the product)."""


@dataclass(frozen=True)
class CaseRow:
    """One product's business case as the dialog edits it (money in currency units)."""

    product_id: int
    name: str
    expected_volume: float | None = None  # units per month
    expected_price: float | None = None
    expected_margin_pct: float | None = None
    investment: float | None = None
    start_on: str | None = None

    @property
    def has_case(self) -> bool:
        return any(v is not None for v in (self.expected_volume, self.expected_price,
                                            self.expected_margin_pct, self.investment,
                                            self.start_on))


@dataclass(frozen=True)
class CaseResult:
    """A product against its case as of a day (money in currency units)."""

    product_id: int
    name: str
    start_on: str
    months: float  # since start, pro rata
    expected_volume: float | None
    actual_volume: float
    expected_revenue: float | None
    actual_revenue: float
    expected_margin_pct: float | None
    margin_pct: float | None
    gross_profit: float
    investment: float | None
    payback_months: int | None
    behind: bool
    behind_why: str


def load_cases(store: Store) -> list[CaseRow]:
    """Every product with its case (empty fields where none is kept), by name."""
    return [CaseRow(r["product_id"], r["name"], r["expected_volume"],
                    e4_to_float(r["expected_price_e4"]), r["expected_margin_pct"],
                    e4_to_float(r["investment_e4"]), r["start_on"])
            for r in pc.case_rows(store)]


def check(rows: Sequence[CaseRow]) -> list[CaseRow]:
    """The rows as they would be saved; CaseError naming the product when one is wrong."""
    for r in rows:
        for label, value in (("volume", r.expected_volume), ("price", r.expected_price),
                             ("investment", r.investment)):
            if value is not None and (not math.isfinite(value) or value < 0):
                raise CaseError(f"{r.name}: the expected {label} must be a number of 0 or more")
        if r.expected_margin_pct is not None and not -100 <= r.expected_margin_pct <= 100:
            raise CaseError(f"{r.name}: the expected margin must be a percentage (-100 to 100)")
        if r.has_case:
            if not r.start_on:
                raise CaseError(f"{r.name}: a business case needs a start date")
            try:
                date.fromisoformat(r.start_on)
            except ValueError:
                raise CaseError(f"{r.name}: the start date must look like 2026-01-31, got "
                                f"{r.start_on!r}") from None
    return list(rows)


def save(store: Store, rows: Iterable[CaseRow]) -> None:
    """Save the edited cases in one transaction (a row with every field empty drops it)."""
    checked = check(list(rows))

    def e4(v: float | None) -> int | None:
        return None if v is None else to_e4(str(v))

    with edits.recorded(store, "Edit business cases"):  # undoable (Edit ▸ Undo)
        pc.replace_cases(store, [
            {"product_id": r.product_id, "expected_volume": r.expected_volume,
             "expected_price_e4": e4(r.expected_price),
             "expected_margin_pct": r.expected_margin_pct, "investment_e4": e4(r.investment),
             "start_on": r.start_on} for r in checked])


def payback_months(start_month: int, profit_by_month: Sequence[tuple[int, float]],
                   investment: float | None) -> int | None:
    """Calendar months from `start_month` (yyyymm; counted as 1) until the cumulative profit
    reaches `investment`; None with no investment or before it is reached."""
    if not investment:
        return None
    total = 0.0
    for month, profit in profit_by_month:
        total += profit
        if total >= investment:
            return (month // 100 - start_month // 100) * 12 + month % 100 - start_month % 100 + 1
    return None


def measure(case: CaseRow, sums: Sequence[tuple[int, float, int, int, int]], as_of: date
            ) -> CaseResult | None:
    """`case` against the product's month sums since its start (see the module's rules);
    None without a start date or when it starts after `as_of`."""
    if not case.start_on or date.fromisoformat(case.start_on) > as_of:
        return None
    start = date.fromisoformat(case.start_on)
    months = ((as_of - start).days + 1) / MONTH_DAYS
    volume = sum(s[1] for s in sums)
    revenue = e4_to_float(sum(s[2] for s in sums)) or 0.0
    costed = sum(s[3] for s in sums)
    profit = e4_to_float(sum(s[4] for s in sums)) or 0.0
    margin = None if not costed else profit / (e4_to_float(costed) or 1) * 100
    exp_volume = None if case.expected_volume is None else case.expected_volume * months
    exp_revenue = (None if exp_volume is None or case.expected_price is None
                   else exp_volume * case.expected_price)
    why = []
    if exp_volume and volume < BEHIND_SHARE * exp_volume:
        why.append(f"volume {volume / exp_volume * 100:.0f} % of the case")
    if exp_revenue and revenue < BEHIND_SHARE * exp_revenue:
        why.append(f"revenue {revenue / exp_revenue * 100:.0f} % of the case")
    if case.expected_margin_pct is not None and margin is not None \
            and margin < case.expected_margin_pct:
        why.append(f"margin {case.expected_margin_pct - margin:.1f} pts below the case")
    start_month = start.year * 100 + start.month
    pay = payback_months(start_month, [(s[0], e4_to_float(s[4]) or 0.0) for s in sums],
                         case.investment)
    return CaseResult(case.product_id, case.name, case.start_on, months, exp_volume, volume,
                      exp_revenue, revenue, case.expected_margin_pct, margin, profit,
                      case.investment, pay, bool(why), "; ".join(why))


def results(store: Store, as_of: date) -> list[CaseResult]:
    """Every product with a case that has started by `as_of`, measured against it."""
    cases = [c for c in load_cases(store) if c.has_case and c.start_on]
    out = []
    for start in sorted({c.start_on for c in cases if c.start_on}):
        sums = pc.product_month_sums(store, start, as_of.isoformat())
        for case in (c for c in cases if c.start_on == start):
            measured = measure(case, sums.get(case.product_id, []), as_of)
            if measured is not None:
                out.append(measured)
    return sorted(out, key=lambda r: r.name.lower())

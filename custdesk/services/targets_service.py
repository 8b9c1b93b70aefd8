"""Editing the owner's metric targets (METRICS.md `targets`: month + metric + target).

`load` gives the table the Targets dialog shows; `check` says what is wrong with an edited
table before anything is written; `save` writes the whole edited table in one transaction
(rows removed from it are deleted, changed ones updated, new ones added). Targets imported
from a spreadsheet are the same rows, so they show here and can be edited.
`load_plan` / `check_plan` / `save_plan` do the same for the sales plan's rows: a month's
revenue and new-customer targets for the business or one product line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from custdesk.domain.metric_catalogue import METRICS
from custdesk.domain.money import e4_to_float, to_e4
from custdesk.services.edits import recorded
from custdesk.storage import plan_targets as pt
from custdesk.storage import targets as st
from custdesk.storage.store import Store

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class TargetError(ValueError):
    """An edited targets table the owner must fix (one line, names the row)."""


@dataclass(frozen=True, slots=True)
class TargetRow:
    month: str  # "YYYY-MM"
    metric: str  # a METRICS.md id
    target: float
    id: int | None = None  # None: a new row


def load(store: Store) -> list[TargetRow]:
    return [TargetRow(month, metric, target, i)
            for i, month, metric, target in st.metric_target_rows(store)]


def check(rows: list[TargetRow]) -> list[TargetRow]:
    """The rows as they will be saved, or TargetError naming the first bad row (1-based)."""
    seen: dict[tuple[str, str], int] = {}
    for n, row in enumerate(rows, 1):
        if not MONTH.match(row.month or ""):
            raise TargetError(f"Row {n}: the month must look like 2026-03 (got '{row.month}').")
        if row.metric not in METRICS:
            raise TargetError(f"Row {n}: '{row.metric}' is not a metric.")
        if row.target is None or not math.isfinite(row.target):
            raise TargetError(f"Row {n}: the target must be a number.")
        key = (row.month, row.metric)
        if key in seen:
            raise TargetError(f"Row {n}: {METRICS[row.metric].label} already has a target for "
                              f"{row.month} (row {seen[key]}).")
        seen[key] = n
    return rows


def save(store: Store, rows: list[TargetRow]) -> int:
    """Replace the whole-business metric targets with `rows` in one transaction; returns
    how many rows the table holds afterwards."""
    check(rows)
    before: dict[int, TargetRow] = {i: TargetRow(m, k, t, i)
                                    for i, m, k, t in st.metric_target_rows(store)}
    kept = {r.id for r in rows if r.id is not None}
    with recorded(store, "Edit targets"):  # one undoable edit (Edit ▸ Undo)
        st.delete_metric_targets(store, [i for i in before if i not in kept])
        changed = [r for r in rows if r.id in before and r != before[r.id]]
        # free the (month, metric) keys first: two rows may swap their months
        st.update_metric_targets(store, [(r.id, f"~{r.id}", r.metric, r.target)
                                         for r in changed if r.id is not None])
        st.update_metric_targets(store, [(r.id, r.month, r.metric, r.target)
                                         for r in changed if r.id is not None])
        st.insert_metric_targets(store, [(r.month, r.metric, float(r.target))
                                         for r in rows if r.id is None])
    return len(rows)


# ----- the sales plan's targets (revenue and new customers, per month and product line) -----
@dataclass(frozen=True, slots=True)
class PlanRow:
    """A month's revenue target (currency units) and optional new-customer target, for the
    whole business (no product, no category) or one product line."""

    month: str  # "YYYY-MM"
    revenue_target: float
    new_customers_target: int | None = None
    product: str | None = None
    category: str | None = None
    id: int | None = None  # None: a new row

    @property
    def line(self) -> str:
        if self.product:
            return f"product {self.product}"
        if self.category:
            return f"category {self.category}"
        return "the whole business"


def load_plan(store: Store) -> list[PlanRow]:
    return [PlanRow(m, e4_to_float(r) or 0.0, n, p, c, i)
            for i, m, p, c, r, n in pt.plan_target_rows(store)]


def check_plan(rows: list[PlanRow]) -> list[PlanRow]:
    """The plan rows as they will be saved (names trimmed), or TargetError naming the first
    bad row (1-based)."""
    out: list[PlanRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, row in enumerate(rows, 1):
        if not MONTH.match(row.month or ""):
            raise TargetError(f"Row {n}: the month must look like 2026-03 (got '{row.month}').")
        if row.revenue_target is None or not math.isfinite(row.revenue_target) \
                or row.revenue_target < 0:
            raise TargetError(f"Row {n}: the revenue target must be a number of 0 or more.")
        if row.new_customers_target is not None and row.new_customers_target < 0:
            raise TargetError(f"Row {n}: the new-customer target cannot be negative.")
        product = (row.product or "").strip() or None
        category = (row.category or "").strip() or None
        if product and category:
            raise TargetError(f"Row {n}: a target is for a product or a category, not both.")
        key = (row.month, (product or "").lower(), (category or "").lower())
        clean = PlanRow(row.month, row.revenue_target, row.new_customers_target, product,
                        category, row.id)
        if key in seen:
            raise TargetError(f"Row {n}: {clean.line} already has a target for {row.month} "
                              f"(row {seen[key]}).")
        seen[key] = n
        out.append(clean)
    return out


def save_plan(store: Store, rows: list[PlanRow]) -> int:
    """Replace the plan's targets with `rows` in one transaction; how many rows it holds."""
    rows = check_plan(rows)
    before = {r.id: r for r in load_plan(store)}
    kept = {r.id for r in rows if r.id is not None}

    def as_tuple(r: PlanRow, month: str) -> pt.PlanTuple:
        return (r.id or 0, month, r.product, r.category, to_e4(str(r.revenue_target)),
                r.new_customers_target)

    changed = [r for r in rows if r.id in before and r != before[r.id]]
    with recorded(store, "Edit sales plan targets"):  # one undoable edit (Edit ▸ Undo)
        pt.delete_plan_targets(store, [i for i in before if i is not None and i not in kept])
        # free the unique (month, line) keys first: two rows may swap their months
        pt.update_plan_targets(store, [as_tuple(r, f"~{r.id}") for r in changed])
        pt.update_plan_targets(store, [as_tuple(r, r.month) for r in changed])
        pt.insert_plan_targets(store, [(r.month, r.product, r.category,
                                        to_e4(str(r.revenue_target)), r.new_customers_target)
                                       for r in rows if r.id is None])
    return len(rows)

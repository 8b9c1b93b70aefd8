"""Editing the owner's metric targets (METRICS.md `targets`: month + metric + target).

`load` gives the table the Targets dialog shows; `check` says what is wrong with an edited
table before anything is written; `save` writes the whole edited table in one transaction
(rows removed from it are deleted, changed ones updated, new ones added). Targets imported
from a spreadsheet are the same rows, so they show here and can be edited.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from custdesk.domain.metric_catalogue import METRICS
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
    with store.transaction():
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

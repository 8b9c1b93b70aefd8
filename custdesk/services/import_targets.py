"""Planning a targets import: one stored row per (month, product line or none, metric or
none), as METRICS.md's targets kind says.

A sheet row may carry a revenue target (with new_customers_target), a metric's target
(`metric`, `target`), or both: each becomes its own stored row. A product line is a product
— found by reference, else name, and stored under the product's own name (a product not in
the file is kept as written, never created: a target is no sale) — or a category, already
in its one spelling (`import_match.canonical_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from custdesk.domain.text import name_key
from custdesk.services.import_match import Matcher
from custdesk.storage.match_queries import names_by_id, target_rows
from custdesk.storage.store import Store

ErrorSink = Callable[[int, str, object, str], None]  # (row number, field, value, reason)
PlannedTarget = tuple[int, int | None, dict[str, Any], dict[str, Any] | None]
_CURRENT = ("revenue_target_e4", "new_customers_target", "target")


def plan_targets(store: Store, rows: list[tuple[int, dict[str, Any]]], error: ErrorSink
                 ) -> Iterator[PlannedTarget]:
    """(row number, existing id or None, the stored row's values, its current values) for
    every target the rows hold; a target given twice is an error on its later row."""
    existing = target_rows(store)
    product_name = _product_names(store)
    seen: set[tuple[str, str, str, str]] = set()
    for number, row in rows:
        month = row["month"]
        product = product_name(row.get("product"))
        category = row.get("category")
        for metric, values in _targets_of(row):
            key = (month, name_key(product), name_key(category), metric or "")
            if key in seen:
                what = f"the {metric} target" if metric else "the revenue target"
                line = f" of {product or category}" if product or category else ""
                error(number, "metric" if metric else "month", month,
                      f"{what}{line} for this month appears on an earlier row")
                continue
            seen.add(key)
            old = existing.get(key)
            full = {"month": month, "product": product, "category": category,
                    "metric": metric, **values}
            current = dict(zip(_CURRENT, old[1:4], strict=True)) if old else None
            yield number, (old[0] if old else None), full, current


def _targets_of(row: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    out: list[tuple[str | None, dict[str, Any]]] = []
    if row.get("revenue_target") is not None:
        out.append((None, {"revenue_target_e4": row["revenue_target"],
                           "new_customers_target": row.get("new_customers_target"),
                           "target": None}))
    if row.get("metric") is not None:
        out.append((row["metric"], {"revenue_target_e4": None, "new_customers_target": None,
                                    "target": row["target"]}))
    return out


def _product_names(store: Store) -> Callable[[str | None], str | None]:
    """A product value -> the matching product's name (by reference, else name), else the
    value as written."""
    matcher = Matcher.load(store, "products")
    names = names_by_id(store, "products")

    def name(value: str | None) -> str | None:
        if value is None:
            return None
        found = matcher.find_value(value)
        return names[found] if found is not None else value

    return name

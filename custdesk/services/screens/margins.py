"""The margins screen: where the money is made, and who makes it.

Cards (revenue, profit, margin, order value, lifetime value, acquisition cost) against the
prior period; tables of sales by product (beside its target margin), category and segment;
profitability groups A–D and the movement between them; monthly revenue, profit and margin
for the 12 months to the period's end (the last month marked partial when it is cut).
The sales plan drawn in the same tab is its own screen (`plan.py`).
"""

from __future__ import annotations

import dataclasses

from custdesk.domain.periods import Period
from custdesk.services import margins_service as mg
from custdesk.services import metrics_service as ms
from custdesk.services.screens import honest
from custdesk.services.screens.model import Card, Screen, SeriesPoint
from custdesk.services.screens.targets import with_targets
from custdesk.storage import Store
from custdesk.storage.repository import table_counts

NAME = "margins"
CARDS = ("revenue", "gross_profit", "gross_margin_pct", "avg_order_value",
         "ltv_historical_avg", "ltv_predictive", "cac", "ltv_cac_ratio")
BREAKDOWNS = ("segment", "product", "category")
SERIES = ("revenue", "gross_profit", "gross_margin_pct", "orders_count")
TREND_MONTHS = 12


def is_empty(store: Store) -> bool:
    """No order lines: nothing for margins to show."""
    return table_counts(store)["orders"] == 0


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True) -> Screen:
    """The margins screen for `period` (series too unless `with_series` is False)."""
    if is_empty(store):
        return Screen(NAME, period, label, empty=True)
    report = ms.compute_metrics(store, period, by=BREAKDOWNS)
    prior = ms.compute_metrics(store, period.prior()).metrics
    b = report.breakdowns
    cards = with_targets({m: Card(m, report.metrics.get(m), prior.get(m)) for m in CARDS},
                         store, period)
    groups = mg.group_rows(store, period, ms.profitability_groups(store, period))
    tables = {
        "by_product": _rows(mg.sales_rows(b["product"], mg.product_targets(store))),
        "by_category": _rows(mg.sales_rows(b["category"])),
        "by_segment": _rows(mg.sales_rows(b["segment"])),
        "groups": _rows(groups),
        "movement": mg.movement_rows(ms.group_movement(store, period)),
    }
    screen = honest.finish(Screen(NAME, period, label, cards=cards, tables=tables))
    return screen.with_series(build_series(store, period)) if with_series else screen


def build_series(store: Store, period: Period) -> dict[str, list[SeriesPoint]]:
    """Revenue, gross profit, margin and orders by calendar month, 12 months to the
    period's end, one grouped query; a month cut by the period's end is partial."""
    months = mg.monthly_sales(store, period.end, TREND_MONTHS)
    return {metric: [SeriesPoint.of(slot, values[metric].value) for slot, values in months]
            for metric in SERIES}


def _rows(items: list) -> list[dict]:
    """Dataclass rows as plain dicts (what the tab's tables and the JSON take)."""
    return [dataclasses.asdict(item) for item in items]

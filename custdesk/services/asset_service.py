"""Customers as an asset (issue 15): the one-page report's data, from the Customers and
Loyalty screens only (`custdesk report asset`, File ▸ Print customers as an asset…).

The value of the base: Σ of the customer list's own LTV columns — gross profit to date of
every customer, and the predicted LTV of the active ones (`growth_service.ltv_by_customer`,
as the Customers tab shows them); nothing else is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from custdesk.domain.periods import Period
from custdesk.services.screens import customers, loyalty
from custdesk.services.screens.model import to_json
from custdesk.storage import Store
from custdesk.storage.repository import get_settings


@dataclass(frozen=True)
class Asset:
    customers: dict[str, Any]  # the Customers screen as JSON (no customer list)
    loyalty: dict[str, Any]  # the Loyalty tab's screen (new + loyalty) as JSON
    base: dict[str, Any]  # value of the base
    business: str
    currency: str

    @property
    def empty(self) -> bool:
        return bool(self.customers["empty"])


def build_asset(store: Store, period: Period, label: str) -> Asset:
    """Both screens for `period`, and the value of the base from the customer list."""
    cust = customers.build(store, period, label, with_series=False)
    rows = cust.tables.get("customers", [])
    active = [r for r in rows if getattr(r, "status", "") == "active"]
    base = {"active": len(active), "customers": len(rows),
            "ltv_to_date": sum(r.ltv_hist or 0.0 for r in rows),
            "ltv_predicted": sum(r.ltv_pred or 0.0 for r in active),
            "ltv_predicted_n": sum(1 for r in active if r.ltv_pred is not None)}
    data = to_json(cust)
    data["tables"].pop("customers", None)  # the whole list is not printed
    settings = get_settings(store)
    return Asset(data, to_json(loyalty.build_tab(store, period, label)), base,
                 settings.get("business_name", "") or "", settings.get("currency_symbol", "$"))


def asset_html(store: Store, period: Period, label: str) -> str:
    """The one A4 page as HTML for QTextDocument."""
    from custdesk.reports.asset_report import asset_html as render

    a = build_asset(store, period, label)
    return render(a.customers, a.loyalty, a.base, a.business, a.currency)

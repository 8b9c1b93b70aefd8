"""The Customers tab (placeholder until its own issue lands)."""

from __future__ import annotations

from custdesk.ui.tabs.placeholder_tab import PlaceholderTab


class CustomersTab(PlaceholderTab):
    title = "Customers"
    slug = "customers"
    uses = ('customers', 'orders')
    coming = "Every customer with their orders, value, status and risk; the customers in/out bridge."

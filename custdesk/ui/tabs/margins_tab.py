"""The Margins tab (placeholder until its own issue lands)."""

from __future__ import annotations

from custdesk.ui.tabs.placeholder_tab import PlaceholderTab


class MarginsTab(PlaceholderTab):
    title = "Margins"
    slug = "margins"
    uses = ('orders', 'products')
    coming = "Revenue and gross margin by product and customer group; profitability groups A–D and how customers move between them."

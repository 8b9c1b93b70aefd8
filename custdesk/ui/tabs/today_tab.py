"""The Today tab (placeholder until its own issue lands)."""

from __future__ import annotations

from custdesk.ui.tabs.placeholder_tab import PlaceholderTab


class TodayTab(PlaceholderTab):
    title = "Today"
    slug = "today"
    uses = ('customers', 'orders', 'deals', 'surveys')
    coming = "Your morning look: revenue, margin, customers in and out, NPS, win rate, who is at risk and which prospects are hot."

"""The Lost prospects tab (placeholder until its own issue lands)."""

from __future__ import annotations

from custdesk.ui.tabs.placeholder_tab import PlaceholderTab


class LostProspectsTab(PlaceholderTab):
    title = "Lost prospects"
    slug = "lost_prospects"
    uses = ('deals',)
    coming = "Deals you lost, to whom and why."

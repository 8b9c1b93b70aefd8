"""The Pipeline tab (placeholder until its own issue lands)."""

from __future__ import annotations

from custdesk.ui.tabs.placeholder_tab import PlaceholderTab


class PipelineTab(PlaceholderTab):
    title = "Pipeline"
    slug = "pipeline"
    uses = ('deals',)
    coming = "Open deals by stage with weighted value, hot prospects and stale deals."

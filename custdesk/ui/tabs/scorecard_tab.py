"""The Scorecard tab (placeholder until its own issue lands)."""

from __future__ import annotations

from custdesk.ui.tabs.placeholder_tab import PlaceholderTab


class ScorecardTab(PlaceholderTab):
    title = "Scorecard"
    slug = "scorecard"
    uses = ('assessments',)
    coming = "Your self-assessment: questions scored 0–10 with live evidence from your data, and its history."

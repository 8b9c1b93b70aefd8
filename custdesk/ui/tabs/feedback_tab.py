"""The Feedback tab (placeholder until its own issue lands)."""

from __future__ import annotations

from custdesk.ui.tabs.placeholder_tab import PlaceholderTab


class FeedbackTab(PlaceholderTab):
    title = "Feedback"
    slug = "feedback"
    uses = ('surveys', 'tickets')
    coming = "NPS, CSAT, first response time, repeat contacts, complaints, mystery shopping and staff engagement."

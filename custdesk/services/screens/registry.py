"""Every screen by name: the tabs and `custdesk screen NAME` look builders up here.

Imported explicitly (no string lookups that could hide a broken module): a builder that
fails to import fails loudly, in the app and in the CLI alike.
"""

from __future__ import annotations

from collections.abc import Callable

from custdesk.domain.periods import Period
from custdesk.services.screens import (
    actions,
    customers,
    feedback,
    growth,
    lost,
    loyalty,
    margins,
    new,
    pipeline,
    plan,
    reasons,
    scorecard,
    today,
    why,
)
from custdesk.services.screens.model import Screen
from custdesk.storage import Store

Builder = Callable[[Store, Period, str], Screen]

# name -> build(store, period, label) returning the whole screen, series included
SCREENS: dict[str, Builder] = {
    "today": today.build,
    "customers": customers.build,
    "pipeline": pipeline.build,
    "lost": lost.build,
    "margins": margins.build_tab,  # with the plan's tables, as the Margins tab shows it
    "feedback": feedback.build,
    "scorecard": scorecard.build,
    "plan": plan.build,
    "actions": actions.build,
    "growth": growth.build,
    "reasons": reasons.build,  # the Why screen's reasons panels alone (older name)
    "why": why.build,
    "new": new.build,
    "loyalty": loyalty.build_tab,  # with the New screen's cards and lists, as the tab
}

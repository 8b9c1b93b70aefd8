"""The window's tabs by name, without importing them: the window shows its tab bar first and
imports the tab modules (charts, tables, dialogs: most of the start-up time) while it is
already on screen (issue 18: "the window appears with its tabs at once")."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from custdesk.ui.tabs.base_tab import BaseTab


class TabSpec(NamedTuple):
    title: str  # the tab's `title` (a test keeps the two equal)
    mnemonic: str  # the title with its Alt+letter (none taken by the menus)
    module: str
    class_name: str


TABS: tuple[TabSpec, ...] = (
    TabSpec("Today", "&Today", "today_tab", "TodayTab"),
    TabSpec("Customers", "&Customers", "customers_tab", "CustomersTab"),
    TabSpec("Loyalty", "L&oyalty", "loyalty_tab", "LoyaltyTab"),
    TabSpec("Pipeline", "&Pipeline", "pipeline_tab", "PipelineTab"),
    TabSpec("Lost prospects", "&Lost prospects", "lost_prospects_tab", "LostProspectsTab"),
    TabSpec("Margins", "&Margins", "margins_tab", "MarginsTab"),
    TabSpec("Growth", "&Growth", "growth_tab", "GrowthTab"),
    TabSpec("Feedback", "Fee&dback", "feedback_tab", "FeedbackTab"),
    TabSpec("Why", "&Why", "why_tab", "WhyTab"),
    TabSpec("Actions", "&Actions", "actions_tab", "ActionsTab"),
    TabSpec("Scorecard", "&Scorecard", "scorecard_tab", "ScorecardTab"),
)
# what opening the file needs (ui/file_switch.start_opening, the demo's first writing and
# the start-up's warm-up of the first tab included), imported first by the start-up
# thread: the file then opens on a thread of its own while the rest imports. Nothing is
# imported on that thread (a test keeps it so): two threads importing modules that
# import each other can fail with a deadlock error
OPEN_MODULES: tuple[str, ...] = (
    "custdesk.services.files",
    "custdesk.services.period_service",
    "custdesk.services.demo",
    "custdesk.services.screen_process",
    "custdesk.ui.tasks",
    "custdesk.ui.file_switch",
)
# everything the finished window needs, imported by the start-up thread in this order
CONTENT_MODULES: tuple[str, ...] = (
    *OPEN_MODULES,
    *(f"custdesk.ui.tabs.{spec.module}" for spec in TABS),
    # what the menus open (imported inside their slots: already loaded by then)
    "custdesk.ui.edit_undo",
    "custdesk.ui.plain_text",
    "custdesk.ui.review_printing",
    "custdesk.ui.table_view",
    "custdesk.ui.dialogs.quick_entry",
    "custdesk.ui.dialogs.settings_dialog",
    "custdesk.ui.dialogs.metric_definitions_dialog",
    "custdesk.ui.import_wizard",
)
# imported on a thread once the window is complete (not on the way to the first numbers)
LATER_MODULES: tuple[str, ...] = (
    "custdesk.ui.dialogs.full_export_dialog",
)


def tab_class(spec: TabSpec) -> type[BaseTab]:
    cls: type[BaseTab] = getattr(importlib.import_module(f"custdesk.ui.tabs.{spec.module}"),
                                 spec.class_name)
    return cls


def tab_classes() -> tuple[type[BaseTab], ...]:
    return tuple(tab_class(spec) for spec in TABS)

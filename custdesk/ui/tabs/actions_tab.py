"""The Actions tab: open actions by due date (overdue ones flagged), and the actions done
or dropped in the period with their outcomes; cards `actions_open` / `actions_overdue`.

Draws `services/screens/actions.py` (what `custdesk screen actions` prints). Double-click
an action to follow it up (`ActionDialog`); "New action…" plans one without a signal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QWidget

from custdesk.domain.records import Action
from custdesk.services import actions_service as acts
from custdesk.services.screens import actions as actions_screen
from custdesk.services.screens.model import Screen
from custdesk.ui.dialogs.action_dialog import ActionDialog
from custdesk.ui.kpi_card import KpiCard
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.metric_panels import TablePanel, stacked


def _late(row: dict[str, Any]) -> str:
    days = row.get("days_overdue")
    return f"{days} day{'s' if days != 1 else ''} late" if days else ""


OPEN_COLUMNS = [
    Column("due_on", "Due", "date"), Column("late", "Overdue", value=_late),
    Column("title", "Action"), Column("customer", "Customer"), Column("deal", "Deal"),
    Column("owner", "Who acts"), Column("cause", "Cause"), Column("issue", "Issue"),
]
DONE_COLUMNS = [
    Column("done_on", "Closed", "date"), Column("status", "Status"),
    Column("title", "Action"), Column("customer", "Customer"), Column("outcome", "Outcome"),
]


class ActionsTab(DashboardTab):
    title = "Actions"
    slug = "actions"
    screen_module = actions_screen
    depends_on = frozenset({"actions", "customers", "deals"})
    empty_heading = "No actions planned yet"
    empty_imports = ("actions (title, customer, due date, owner, status, outcome)",)
    empty_why = ("Right-click a customer at risk, a hot deal or a detractor on Today and "
                 "choose “Plan an action…”: what you decide to do is followed up here.")

    def build_content(self) -> QWidget:
        self.cards = {m: KpiCard(m) for m in actions_screen.CARD_IDS}
        card_row = QGridLayout()
        for i, card in enumerate(self.cards.values()):
            card_row.addWidget(card, 0, i)
        card_row.setColumnStretch(len(self.cards), 1)
        self.open_panel = TablePanel("actions/open", "Open actions, by due date",
                                     OPEN_COLUMNS, search="Search action, customer, owner…",
                                     stretch=7)
        self.open_panel.model.row_colour = self._row_colour
        self.done_panel = TablePanel("actions/done", "Done or dropped in the period",
                                     DONE_COLUMNS, stretch=4)
        for panel in (self.open_panel, self.done_panel):
            panel.table.setToolTip("Double-click an action to follow it up")
            panel.table.doubleClicked.connect(
                lambda index, m=panel.model: self.open_action(m.row_at(index.row())))
        self.new_button = QPushButton("New action…")
        self.new_button.clicked.connect(lambda *_: self.new_action())
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        return stacked(card_row, buttons, (self.open_panel, 3), (self.done_panel, 2))

    @staticmethod
    def _row_colour(row: dict[str, Any]) -> Any:
        from PySide6.QtGui import QColor

        return QColor("#c0392b") if row.get("overdue") else None

    def show_screen(self, screen: Screen) -> None:
        for metric, widget in self.cards.items():
            card = screen.cards.get(metric)
            if card is None or card.metric_info is None:
                widget.clear()
                continue
            widget.set_metric(card.metric_info, card.current, card.prior)
        open_rows = screen.lists.get("open", [])
        self.open_panel.model.set_rows(open_rows)
        late = sum(1 for r in open_rows if r.get("overdue"))
        self.open_panel.note.setText(f"{len(open_rows):,} open · {late:,} overdue")
        done = screen.lists.get("done", [])
        self.done_panel.model.set_rows(done)
        self.done_panel.note.setText(f"{len(done):,} in {self.period_label or 'the period'}")

    def open_action(self, row: dict[str, Any]) -> ActionDialog | None:
        if self.store is None or row.get("id") is None:
            return None
        return ActionDialog.open_for(self.store, row["id"], parent=self)

    def new_action(self) -> ActionDialog | None:
        if self.store is None:
            return None
        return ActionDialog.open_for(self.store, draft=acts.Draft(
            Action(title="", created_on=date.today().isoformat()), "new"), parent=self)

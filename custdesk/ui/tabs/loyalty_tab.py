"""The Loyalty tab (issue 15): from new customers to loyal promoters.

Sub-tabs: New this period (with onboarding status), Onboarding (each step's day, overdue in
red; "Mark done / set due…"), Quality of new customers (this year beside last year, by source,
by month), Cohorts (heat-map: share active or revenue retained, by month or quarter),
Renewals (under the owner's rule), Habits (order frequency, typical gap, loyal segment,
referred vs others, revenue by NPS group), Promoters ("Ask for a referral / review…" makes
an action) and Referrers. Everything is built by `services/screens/loyalty.build_tab` (the
screens `custdesk screen new` and `custdesk screen loyalty` print); this module draws it.
"""

from __future__ import annotations

import html
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.periods import Period
from custdesk.services.screen_process import ScreenJob
from custdesk.services.screens import loyalty as loyalty_screen
from custdesk.services.screens import new as new_screen
from custdesk.services.screens.model import Screen
from custdesk.ui import formatting as fmt
from custdesk.ui import idle_queue
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.tabs.customers_tab import LATER_ROWS, LIST_PANELS
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.metric_panels import (
    TablePanel,
    card_row,
    fill_cards,
    money_col,
    stacked,
)


def _pct(v: Any) -> str:
    return fmt.DASH if v is None else f"{fmt.number(v, 0)} %"


def _by_unit(unit: str) -> Any:
    return lambda v: fmt.by_unit(v, unit, short=True)


NEW_COLUMNS = [*LIST_PANELS["new"][1],
               Column("onboarding", "Onboarding", display=fmt.dates_in_text)]
RENEWAL_COLUMNS = [
    Column("customer", "Customer"), Column("segment", "Segment"),
    Column("due_on", "Due on", "date", tooltip="When the renewal was due under the rule"),
    Column("last_order_on", "Last order", "date",
           tooltip="Re-order rule: their last order before the period; otherwise their "
                   "latest order"),
    Column("renewed_on", "Renewed on", "date"), money_col("prior_value", "Value before"),
    money_col("value", "This period"), Column("why_stay", "Why they stay")]
# short headers (the quality tables are wide); the whole name is the tooltip
SHORT = {"new_first_order_avg": "1st order", "new_repeat_90d_pct": "Again ≤ 90 d",
         "margin_90d_pct": "Margin 90 d", "a_b_pct": "Group A/B", "early_churn_pct":
         "Lost ≤ 180 d", "first_nps": "1st NPS"}
QUALITY_COLUMNS = [Column("customers", "New", "int"),
                   *(Column(key, SHORT[key], "float", display=_by_unit(unit), tooltip=label)
                     for key, label, unit in new_screen.MEASURES[1:])]
GROUP_COLUMNS = [
    Column("group", "Group"), Column("customers", "Customers", "int"),
    money_col("revenue", "Revenue in period"),
    Column("revenue_pct", "Share of revenue", "pct", display=_pct),
    Column("retention_pct", "Retention", "pct", display=_pct,
           tooltip="Active at the start of the period and still at its end"),
    Column("retention_n", "n", "int"), money_col("revenue_per_buyer", "Revenue per buyer")]
COHORT_MONTHS = range(loyalty_screen.MAX_MONTHS + 1)


class HeatModel(RecordTableModel):
    """The cohort table: each percentage cell shaded from white (0 %) to green (100 %+)."""

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # type: ignore[override]
        if role == int(Qt.ItemDataRole.BackgroundRole) and index.column() >= 2:
            value = self.columns[index.column()].raw(self.row_at(index.row()))
            if isinstance(value, int | float):
                share = max(0.0, min(1.0, value / 100))
                return QColor(int(255 - 125 * share), int(255 - 55 * share),
                              int(255 - 125 * share))
        return super().data(index, role)


class LoyaltyTab(DashboardTab):
    title = "Loyalty"
    slug = "loyalty"
    depends_on = frozenset({"customers", "orders", "deals", "surveys", "onboarding",
                            "actions", "spend"})
    screen_module = loyalty_screen
    empty_heading = "No customers with orders yet"
    empty_imports = ("customers (acquired date, source, referred by, contract end…)",
                     "orders or sales lines (date, customer, amount, delivered on)")
    empty_why = "New customers, their onboarding, cohorts, renewals, promoters and referrers."

    def load_job(self, period: Period) -> ScreenJob:
        return ScreenJob(loyalty_screen.build_tab, (period, self.period_label))

    # ----- layout ----------------------------------------------------------------------
    def build_content(self) -> QWidget:
        self.cards, cards_layout = card_row(new_screen.CARDS, compact=True)
        self.pages = PageTabs()
        self.panels: dict[str, TablePanel] = {}
        self.pages.addTab(self._list_page("new", "New this period", NEW_COLUMNS,
                                          "Mark done / set due…"), "New this period")
        self.pages.addTab(self._list_page("onboarding", "Onboarding", [],
                                          "Mark done / set due…"), "Onboarding")
        self.pages.addTab(self._quality_page(), "Quality of new customers")
        self.pages.addTab(self._cohort_page(), "Cohorts")
        self.pages.addTab(self._renewal_page(), "Renewals")
        self.pages.addTab(self._habits_page(), "Habits and NPS")
        self.pages.addTab(self._list_page("promoters", "Promoters", LIST_PANELS["promoters"][1],
                                          "Ask for a referral / review…"), "Promoters")
        self.pages.addTab(self._list_page("referrers", "Referrers",
                                          LIST_PANELS["referrers"][1], None), "Referrers")
        # a list still queued (show_screen) is filled at once when its page is chosen
        self.pages.currentChanged.connect(lambda _i: idle_queue.run_pending(self))
        return stacked(cards_layout, (self.pages, 1))

    def _panel(self, key: str, title: str, columns: list[Column], *, search: bool = False,
               model: RecordTableModel | None = None) -> TablePanel:
        panel = self.panels[key] = TablePanel(f"loyalty/{key}", title, columns,
                                              search="Search…" if search else None,
                                              stretch=None)
        if model is not None:
            panel.model = model
            panel.table.setModel(model)
        return panel

    def _list_page(self, key: str, title: str, columns: list[Column],
                   button: str | None) -> QWidget:
        panel = self._panel(key, title, columns or [Column("customer", "Customer")],
                            search=True)
        panel.heading.hide()
        if panel.search_table is not None:
            panel.search_table.activated.connect(self.open_customer)
            if button:
                push = QPushButton(button)
                push.clicked.connect(lambda: self._row_action(key))
                panel.search_table.toolbar.addWidget(push)
                setattr(self, f"{key}_button", push)
        if key == "onboarding":
            panel.model.row_colour = lambda r: QColor("#b03a2e") if r.get("overdue") else None
        return panel

    def _quality_page(self) -> QWidget:
        page = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        box = QVBoxLayout(left)
        box.setContentsMargins(0, 0, 0, 0)
        self.quality_text = QLabel()
        self.quality_text.setWordWrap(True)
        box.addWidget(self._panel("quality_compare", "This year beside last year", [
            Column("measure", "Measure"), Column("this_year_text", "Last 365 days"),
            Column("this_year_n", "n", "int"),
            Column("last_year_text", "365 days before"),
            Column("last_year_n", "n", "int")]), 2)
        box.addWidget(self._panel("quality_by_source", "By source", [
            Column("source", "Source"), *QUALITY_COLUMNS,
            Column("last_year_customers", "New last year", "int")]), 2)
        box.addWidget(self.quality_text)
        page.addWidget(left)
        page.addWidget(self._panel("quality_by_month", "By month acquired",
                                   [Column("month", "Month", display=fmt.dates_in_text),
                                    *QUALITY_COLUMNS]))
        page.setSizes([700, 600])
        return page

    def _cohort_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 4, 0, 0)
        self.cohort_by = QComboBox()
        self.cohort_by.addItems(["By month acquired", "By quarter acquired"])
        self.cohort_measure = QComboBox()
        self.cohort_measure.addItems(["Share still active", "Revenue retained"])
        for combo in (self.cohort_by, self.cohort_measure):
            combo.currentIndexChanged.connect(self._show_cohorts)
        bar = QHBoxLayout()
        bar.addWidget(self.cohort_by)
        bar.addWidget(self.cohort_measure)
        self.cohort_note = QLabel()
        self.cohort_note.setWordWrap(True)
        self.cohort_note.setStyleSheet("color: gray;")
        bar.addWidget(self.cohort_note, 1)
        box.addLayout(bar)
        self.cohort_models = {
            measure: HeatModel([Column("cohort", "Acquired", display=fmt.dates_in_text),
                                Column("customers", "n", "int"),
                                *(Column(f"{measure}_{k}", f"{k}", "pct", display=_pct,
                                         tooltip=f"{k} months after acquisition")
                                  for k in COHORT_MONTHS)], self)
            for measure in ("active", "revenue")}
        panel = self._panel("cohorts", "Cohorts", [], model=self.cohort_models["active"])
        panel.heading.hide()
        box.addWidget(panel, 1)
        return page

    def _renewal_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 4, 0, 0)
        self.renewal_text = QLabel()
        self.renewal_text.setWordWrap(True)
        box.addWidget(self.renewal_text)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._panel("renewed", "Renewed", RENEWAL_COLUMNS, search=True))
        split.addWidget(self._panel("not_renewed", "Due but not renewed", RENEWAL_COLUMNS,
                                    search=True))
        for key in ("renewed", "not_renewed"):
            table = self.panels[key].search_table
            if table is not None:
                table.activated.connect(self.open_customer)
        box.addWidget(split, 1)
        return page

    def _habits_page(self) -> QWidget:
        page = QWidget()
        grid = QHBoxLayout(page)
        left = QVBoxLayout()
        self.habits_text = QLabel()
        self.habits_text.setWordWrap(True)
        left.addWidget(self.habits_text)
        left.addWidget(self._panel("order_frequency", "Customers by orders in the last 365 days", [
            Column("orders", "Orders"), Column("customers", "Customers", "int"),
            Column("share_pct", "Share", "pct", display=_pct)]), 1)
        right = QVBoxLayout()
        right.addWidget(self._panel("revenue_by_nps", "Revenue by NPS group (latest answer)",
                                    GROUP_COLUMNS), 1)
        right.addWidget(self._panel("referred_vs_others", "Referred customers and the others",
                                    GROUP_COLUMNS), 1)
        grid.addLayout(left, 2)
        grid.addLayout(right, 3)
        return page

    # ----- drawing (GUI thread; no computing here) -------------------------------------
    def show_screen(self, screen: Screen) -> None:
        idle_queue.cancel(self)  # the lists of a screen drawn before: never over this one
        fill_cards(self.cards, screen.cards)
        self._set_onboarding_columns(screen.lists.get("onboarding", []))
        for key, panel in self.panels.items():
            if key == "cohorts":
                continue
            rows = screen.lists.get(key, screen.tables.get(key, []))
            if key == "quality_compare":  # each row in its own unit
                rows = [{**r, **{f"{y}_text": fmt.by_unit(r[y], r["unit"], short=True)
                                 for y in ("this_year", "last_year")}} for r in rows]
            if len(rows) > LATER_ROWS and not panel.isVisible():
                # a long list on a page not shown (a big file's 18k new customers, 29k
                # renewals): filled in a later turn, one list per turn, as on Customers
                panel.model.set_rows([])
                idle_queue.later(self, partial(panel.model.set_rows, rows))
            else:
                panel.model.set_rows(rows)
        counts = {0: ("New this period", "new"), 1: ("Onboarding", "onboarding"),
                  6: ("Promoters", "promoters"), 7: ("Referrers", "referrers")}
        for i, (title, key) in counts.items():
            n = len(screen.lists.get(key, []))
            late = sum(1 for r in screen.lists.get(key, []) if r.get("overdue"))
            self.pages.setTabText(i, f"{title} ({n:,}" + (f", {late:,} late)" if late else ")"))
        self._show_cohorts()
        self._show_renewals(screen)
        self._show_habits(screen)
        self.quality_text.setText(
            "New customers of the last 365 days beside the 365 days before: first order, "
            "ordering again within 90 days, margin and profit group of their first 90 days, "
            "lost within 180 days, NPS of their first answer.")

    def _set_onboarding_columns(self, rows: list[dict[str, Any]]) -> None:
        steps = [k for k in (rows[0] if rows else {}) if k.startswith("step:")]
        columns = [Column("customer", "Customer"), Column("acquired_on", "Acquired", "date"),
                   Column("status", "Status", display=fmt.dates_in_text),
                   *(Column(k, k[5:].capitalize(), display=fmt.dates_in_text)
                     for k in steps)]
        model = self.panels["onboarding"].model
        if [c.key for c in model.columns] != [c.key for c in columns]:
            model.beginResetModel()
            model.columns = columns
            model.endResetModel()

    def _show_cohorts(self) -> None:
        if self.data is None:
            return
        by = "month" if self.cohort_by.currentIndex() == 0 else "quarter"
        measure = "active" if self.cohort_measure.currentIndex() == 0 else "revenue"
        model = self.cohort_models[measure]
        model.set_rows(self.data.tables.get(f"cohorts_{by}", []))
        panel = self.panels["cohorts"]
        if panel.table.model() is not model:
            panel.model = model
            panel.table.setModel(model)
        self.cohort_note.setText(
            "share of each cohort still active k months after each one's acquisition day"
            if measure == "active" else
            "cohort's revenue in its customers' k-th month after the month acquired ÷ "
            "their revenue in that month (month 0)")

    def _show_renewals(self, screen: Screen) -> None:
        rule = (screen.tables.get("renewal") or [None])[0]
        if rule is None:
            self.renewal_text.setText("")
            return
        self.renewal_text.setText(
            f"<b>{fmt.number(rule['renewed'])}</b> of <b>{fmt.number(rule['due'])}</b> "
            f"customers due renewed ({_pct(rule['renewed_pct'])}) — renewed means "
            f"<i>{html.escape(rule['rule_text'])}</i> (File ▸ Business settings).")

    def _show_habits(self, screen: Screen) -> None:
        h = (screen.tables.get("habits") or [None])[0]
        if h is None:
            self.habits_text.setText("")
            return
        gap = h["typical_gap_days"]
        since = h["loyal_from"]
        gap_text = fmt.DASH if gap is None else fmt.number(gap, 0)
        self.habits_text.setText(
            f"Typical gap between a customer's orders (last 365 days): <b>{gap_text}"
            f"</b> days (median).<br><b>Loyal</b> (an order in each of the last "
            f"{h['loyal_quarters']} quarters, since {fmt.day_text(since)}): "
            f"<b>{fmt.number(h['loyal_customers'])}</b> of "
            f"{fmt.number(h['buying_customers'])} buying customers "
            f"({_pct(h['loyal_customers_pct'])}), <b>{_pct(h['loyal_revenue_pct'])}</b> of "
            f"the revenue ({fmt.money_short(h['loyal_revenue'])}).")

    # ----- rows ------------------------------------------------------------------------------
    def selected_row(self, key: str) -> dict[str, Any] | None:
        panel = self.panels[key]
        rows = panel.table.selectionModel().selectedRows() if panel.table.selectionModel() \
            else []
        return panel.model.row_at(rows[0].row()) if rows else None

    def open_customer(self, row: Any) -> Any:
        cid = row.get("customer_id") if isinstance(row, dict) else None
        return None if cid is None else self.show_customer(cid)

    def _row_action(self, key: str) -> Any:
        row = self.selected_row(key)
        if row is None or self.store is None:
            return None
        if key == "promoters":
            return self.ask_for_referral(row)
        return self.open_onboarding(row)

    def open_onboarding(self, row: dict[str, Any]) -> Any:
        from custdesk.ui.dialogs.onboarding_dialog import OnboardingDialog

        if self.store is None:
            return None
        dialog = OnboardingDialog(self.store, row["customer_id"], row["customer"], parent=self)
        dialog.saved.connect(self.refresh)
        dialog.open()
        return dialog

    def ask_for_referral(self, row: dict[str, Any]) -> None:
        """An open action "Ask NAME for a referral or a review", due in 7 days."""
        from datetime import timedelta

        from custdesk.domain.records import Action
        from custdesk.services import actions_service
        from custdesk.ui.tasks import TaskState

        if self.store is None:
            return
        today = date.today()
        action = Action(title=f"Ask {row['customer']} for a referral or a review",
                        created_on=today.isoformat(), customer_id=row["customer_id"],
                        signal="promoter", issue=f"Promoter: NPS {row.get('nps')}",
                        due_on=(today + timedelta(days=7)).isoformat())

        def write(state: TaskState) -> int:
            assert state.store is not None
            return actions_service.create_action(state.store, action)

        self._runner().write(self.store, write, {"actions"},
                               lambda _id: self.notes.setText(f"Action added: {action.title}."),
                               key=(self, "ask"))

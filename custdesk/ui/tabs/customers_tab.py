"""The Customers tab: every customer in one searchable list, and customers in and out.

Left: the customer list (filters: segment, status, at risk only; search; double-click opens
the customer). Right: the period's bridge (start + new + won back − lost = end) as a
waterfall and as numbers, lost by reason, new customers, renewal trend and segment rates.
Everything shown is built by `custdesk.services.screens.customers` (the screen `custdesk
screen customers` prints); this module only lays it out and formats it.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS
from custdesk.domain.periods import Period
from custdesk.services.files import Store
from custdesk.services.screen_process import ScreenJob
from custdesk.services.screens import customers as customers_screen
from custdesk.services.screens import labels
from custdesk.services.screens.labels import MONTHLY_RENEWAL
from custdesk.services.screens.model import Screen, SeriesPoint
from custdesk.ui import formatting as fmt
from custdesk.ui import idle_queue
from custdesk.ui.charts import TrendChart, WaterfallChart
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import RecordTableView, TableWithSearch
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.metric_panels import (
    TablePanel,
    card_row,
    fill_cards,
    metric_col,
    money_col,
    why_blank,
)

CUSTOMER_COLUMNS = [
    Column("name", "Name"), Column("company", "Company"), Column("segment", "Segment"),
    Column("source", "Source"), Column("acquired_on", "Acquired", "date"),
    Column("last_order_on", "Last order", "date"), Column("orders", "Orders", "int"),
    Column("revenue", "Revenue", "money", display=lambda v: fmt.money(v, 0),
           tooltip="Revenue up to the end of the period"),
    Column("gross_profit", "Gross profit", "money", display=lambda v: fmt.money(v, 0),
           tooltip="Revenue minus cost, up to the end of the period"),
    Column("ltv_hist", "LTV to date", "money", display=lambda v: fmt.money(v, 0),
           tooltip="Gross profit the customer has brought so far (revenue where the cost "
                   "is unknown)"),
    Column("ltv_pred", "LTV predicted", "money", display=lambda v: fmt.money(v, 0),
           tooltip="Profit of the last 365 days ÷ the business's yearly churn, capped at "
                   "10 years (active customers only)"),
    Column("status", "Status"),
    Column("risk_reasons", "Risk", "list", tooltip="Why the customer is at risk"),
]
SEGMENT_METRICS = customers_screen.SEGMENT_METRICS
ALL_SEGMENTS, ALL_STATUSES = "All segments", "All statuses"
# rows of the key-figures export, after the bridge: (metric, label or None)
KPI_RATES = ("customers_new_value", "customers_lost_value", "customers_lost_pct",
             "retention_rate_pct", "churn_rate_pct", "renewal_rate_pct",
             "referral_rate_pct", "cac", "new_first_order_avg")


def _yes(v: Any) -> str:
    return {True: "yes", False: "no"}.get(v, fmt.DASH)


def _share(v: Any) -> str:
    return fmt.DASH if v is None else f"{fmt.number(v, 0)} %"


# the work lists (screen lists of the same key): (title, columns, cards above it)
LIST_PANELS: dict[str, tuple[str, list[Column], tuple[str, ...]]] = {
    "new": ("New this period", [
        Column("customer", "Customer"), Column("acquired_on", "Acquired", "date"),
        Column("first_order_on", "First order", "date"),
        money_col("first_order_value", "First order value"),
        Column("first_deal", "First won deal"), money_col("first_deal_value", "Deal value"),
        money_col("value", "Bought in period"), Column("source", "Source"),
        Column("referred_by", "Referred by"),
        Column("repeat_90d", "Again in 90 days", display=_yes,
               tooltip="Ordered again within 90 days of the first order (— until 90 days "
                       "have passed)")],
        ("new_first_order_avg", "new_repeat_90d_pct", "referral_rate_pct")),
    "lost": ("Lost this period", [
        Column("customer", "Customer"), Column("lost_on", "Lost on", "date",
                                               tooltip="Lost date, else last order + "
                                                       "the activity window"),
        Column("reason", "Reason"), money_col("value", "Value lost",
                                              "Revenue in the activity window up to "
                                              "their last order"),
        Column("last_order_on", "Last order", "date"),
        Column("last_contact_on", "Last contact", "date",
               tooltip="Latest ticket, survey answer or logged interaction"),
        Column("complained", "Ever complained", display=_yes),
        Column("surveyed", "Answered a survey", display=_yes),
        Column("silent", "Left without a word", display=_yes,
               tooltip="No ticket and no survey in the activity window up to the loss")],
        ("customers_lost", "customers_lost_value", "lost_silent_pct")),
    "renewed": ("Renewed", [
        Column("customer", "Customer"), Column("segment", "Segment"),
        money_col("prior_value", "Prior period"), money_col("value", "This period"),
        Column("last_order_on", "Last order", "date"), Column("why_stay", "Why they stay")],
        ("renewal_rate_pct",)),
    "not_renewed": ("Not renewed", [
        Column("customer", "Customer"), Column("segment", "Segment"),
        money_col("prior_value", "Prior period"), Column("last_order_on", "Last order", "date"),
        Column("why_stay", "Why they stayed")], ()),
    "promoters": ("Promoters", [
        Column("customer", "Customer"), Column("segment", "Segment"),
        Column("nps", "NPS", "int"), Column("answered_on", "Answered", "date"),
        Column("comment", "Comment"), money_col("revenue_year", "Revenue, last 365 days"),
        Column("referred", "Customers referred", "int")], ()),
    "referrers": ("Referrers", [
        Column("customer", "Referrer", tooltip="Named in customers' Referred by (matched "
                                              "by ref, e-mail, else name)"),
        Column("segment", "Segment"), Column("referred", "Customers referred", "int"),
        Column("referred_in_period", "In this period", "int"),
        money_col("referred_revenue", "Their revenue", "Revenue of the customers they "
                                                        "referred, up to the period's end")],
        ()),
}
COHORT_COLUMNS = [
    Column("cohort", "Acquired in", display=fmt.dates_in_text),
    Column("customers", "Customers", "int"),
    *(Column(f"active_{m}m_pct", f"Active after {m} months", "pct", display=_share,
             tooltip=f"Share still active {m} months after their own acquisition day "
                     "(— until every customer of the quarter is that old)")
      for m in (3, 6, 12))]


def bridge_steps(steps: list[dict[str, Any]]) -> list[tuple[str, float, str]]:
    """The waterfall's (label, customers, kind) from the screen's bridge table."""
    return [(r["step"], r["customers"], r["kind"]) for r in steps]


def bridge_sentence(steps: list[dict[str, Any]]) -> str:
    """"<b>120</b> at start + … = <b>125</b> at end" from the screen's bridge table."""
    n = {r["step"]: fmt.number(r["customers"]) for r in steps}
    return (f"<b>{n['Start']}</b> at start + <b>{n['New']}</b> new + "
            f"<b>{n['Won back']}</b> won back − <b>{n['Lost']}</b> lost = "
            f"<b>{n['End']}</b> at end")


def card_value(screen: Screen, metric: str) -> float | None:
    card = screen.cards.get(metric)
    return None if card is None else card.value


# A work list longer than this, on a sub-tab not shown, is filled in a later turn.
LATER_ROWS = 2000
# A main table longer than this is drawn in a turn of its own, the side widgets (bridge,
# rates, work lists, cohorts) in the next: a big file's 100k rows and the rest in one turn,
# then their first paint, held the window ~70 ms of CPU.
SECOND_TURN_ROWS = 20_000


class CustomersTab(DashboardTab):
    title = "Customers"
    slug = "customers"
    depends_on = frozenset({"customers", "orders", "deals", "tickets", "surveys", "spend"})
    screen_module = customers_screen
    empty_heading = "No customers yet"
    empty_imports = ("customers (name, e-mail, segment, source, acquired date…)",
                     "orders or sales lines (date, customer, amount)")
    empty_why = "The customer list, who came and who went, and every customer's story."

    # the renewal trend in the screen's own load, not a second one after it: one of the
    # build's parts (customers.shared_parts), made on whichever connection is free (kept
    # per last day: after Today, or a period change keeping it, nothing to make)
    series_with_screen = True
    # the token naming the table rows shown (customers.TABLE_TOKEN), those rows, and
    # whether their sort (a later turn for a long table) is still to come
    _table_token: tuple[str, int] | None
    _table_rows: list[Any]
    _sort_pending: bool

    # ----- loading: the table's rows only when they are not the ones shown ---------------
    def load_job(self, period: Period) -> ScreenJob:
        """`customers.build_for_tab`, cut to the screen without the table rows this tab
        shows when they are its rows (`customers.without_rows_named`): a period change
        keeping the last day gets the screen without them. The screen process keeps the
        whole screen under the job without the cut, so going back to a period is answered
        from its recent screens, whatever rows the tab shows meanwhile."""
        trim = (None if not self._table_rows
                else (customers_screen.without_rows_named, self._table_token))
        return ScreenJob(customers_screen.build_for_tab, (period, self.period_label),
                         {"with_series": self.series_with_screen}, trim=trim)

    def load(self, store: Store, period: Period) -> Screen:
        """The whole screen (with its table rows, whatever this tab shows)."""
        return customers_screen.build_for_tab(store, period, self.period_label,
                                              with_series=self.series_with_screen)

    def release_more(self) -> None:
        # (the table's rows are given back with the screen)
        self._table_token, self._table_rows = None, []

    # ----- layout ----------------------------------------------------------------------
    def build_content(self) -> QWidget:
        self._table_token, self._table_rows, self._sort_pending = None, [], False
        self.model = RecordTableModel(CUSTOMER_COLUMNS, self)
        self.model.row_colour = self._row_colour
        self.table = TableWithSearch(self.model, "customers", stretch=len(CUSTOMER_COLUMNS) - 1,
                                     stretch_share=0.12,
                                     placeholder="Search name, company, segment, source…")
        # 13 columns in about 980 px: the name shows whole ("Ben Gr…" before), the company,
        # segment and source share what is left
        self.table.table.keep_whole = {0}
        self.segment = QComboBox()
        self.status = QComboBox()
        self.status.addItems([ALL_STATUSES, "active", "lapsed", "lost", "contact"])
        self.at_risk_only = QCheckBox("At risk only")
        self.add_button = QPushButton("Add customer…")
        self.merge_button = QPushButton("Merge duplicates…")
        bar = self.table.toolbar
        for i, w in enumerate((self.segment, self.status, self.at_risk_only), start=1):
            bar.insertWidget(i, w)
        bar.addWidget(self.add_button)
        bar.addWidget(self.merge_button)
        for signal in (self.segment.currentIndexChanged, self.status.currentIndexChanged,
                       self.at_risk_only.toggled):
            signal.connect(self.apply_filters)
        self.table.activated.connect(self.open_customer)
        # Biggest customers first until the owner clicks another header.
        self.table.table.sortByColumn([c.key for c in CUSTOMER_COLUMNS].index("revenue"),
                                      Qt.SortOrder.DescendingOrder)
        self.add_button.clicked.connect(lambda: self.open_customer(None))
        self.merge_button.clicked.connect(self.open_merge)
        legend = QLabel("<span style='color:#b03a2e'>■</span> at risk (hover the Risk column "
                        "for why) &nbsp; <span style='color:#8a8a8a'>■</span> lost or lapsed "
                        "&nbsp; · double-click a customer to open their story")
        everyone = QWidget()
        left_layout = QVBoxLayout(everyone)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(legend)
        left = self.list_tabs = PageTabs()
        left.addTab(everyone, "All customers")
        self.lists: dict[str, TablePanel] = {}
        self.list_cards: dict[str, Any] = {}
        for key, (title, columns, card_ids) in LIST_PANELS.items():
            page = QWidget()
            box = QVBoxLayout(page)
            box.setContentsMargins(0, 4, 0, 0)
            if card_ids:
                self.list_cards[key], cards_layout = card_row(card_ids, compact=True)
                cards_layout.setColumnStretch(len(card_ids), 1)
                box.addLayout(cards_layout)
            panel = self.lists[key] = TablePanel(f"customers/{key}", title, columns,
                                                 search="Search…", stretch=None)
            panel.heading.hide()  # the tab says it
            if panel.search_table is not None:
                panel.search_table.activated.connect(self.open_customer)
            box.addWidget(panel, 1)
            left.addTab(page, title)
        self.cohorts = TablePanel("customers/cohorts", "Cohort retention", COHORT_COLUMNS,
                                  stretch=None)
        self.cohorts.note.setText("customers acquired per quarter: share still active")
        left.addTab(self.cohorts, "Cohorts")
        # a list still queued (_show_lists) is filled at once when its sub-tab is chosen
        left.currentChanged.connect(lambda _i: idle_queue.run_pending(self))
        side = self._build_side()
        side.setMinimumWidth(350)  # a quarter of the width, 350-440 px: the list comes first
        side.setMaximumWidth(440)
        content = QWidget()
        row = QHBoxLayout(content)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(left, 3)
        row.addWidget(side, 1)
        return content

    def _build_side(self) -> QWidget:
        side = PageTabs()
        inout = QWidget()
        self.waterfall = WaterfallChart("count")
        self.waterfall.setMinimumHeight(180)
        self.waterfall.setLabel("left", "Customers")
        self.bridge_text = QLabel()
        self.lost_reasons = QLabel()
        self.new_text = QLabel()
        for label in (self.bridge_text, self.lost_reasons, self.new_text):
            label.setWordWrap(True)
        layout = QVBoxLayout(inout)
        layout.addWidget(QLabel("<b>Customers in and out</b>"))
        layout.addWidget(self.waterfall, 1)
        layout.addWidget(self.bridge_text)
        layout.addWidget(self.lost_reasons)
        layout.addWidget(self.new_text)
        rates = QWidget()
        self.renewal_text = QLabel()
        self.renewal_text.setWordWrap(True)
        self.renewal_chart = TrendChart("pct")
        self.renewal_chart.setMinimumHeight(150)
        self.renewal_chart.setLabel("left", labels.label(MONTHLY_RENEWAL.id))
        self.renewal_chart.setToolTip(MONTHLY_RENEWAL.explanation)
        self.segment_model = RecordTableModel(
            [Column("segment", "Segment")] + [metric_col(m, m) for m, _label in SEGMENT_METRICS],
            self)
        self.segment_table = RecordTableView(self.segment_model, "customers/segments", stretch=0)
        rlayout = QVBoxLayout(rates)
        rlayout.addWidget(self.renewal_text)
        rlayout.addWidget(self.renewal_chart, 1)
        rlayout.addWidget(QLabel("<b>By segment</b>: referral, churn and renewal rates in the "
                                 "period; active at its end"))
        rlayout.addWidget(self.segment_table, 1)
        side.addTab(inout, "In and out")
        side.addTab(rates, "Renewal and segments")
        self.side_tabs = side
        return side

    # ----- drawing the screen (GUI thread; no computing here) --------------------------
    def show_screen(self, screen: Screen) -> None:
        idle_queue.cancel(self)  # the lists of a screen drawn before: never over this one
        self.table.setUpdatesEnabled(True)  # (a screen before may have left it off)
        token = screen.tables.get(customers_screen.TABLE_TOKEN, [None])[0]
        if token is not None and "customers" not in screen.tables:
            # the rows shown (the token this tab sent): only the rest is new
            if token != self._table_token or not self._table_rows:  # let go meanwhile
                self._table_token = None
                self.refresh()
                return
            # the screen whole, as a tab holding it expects (the same list, no copy)
            self.data = screen = dataclasses.replace(
                screen, tables={**screen.tables, "customers": self._table_rows})
            if self._sort_pending:  # the rows' sort, cancelled above with its turn
                self._sort_and_filter()
            self._show_side(screen)
            return
        rows = screen.tables.get("customers", [])
        self._table_token, self._table_rows = token, rows
        self._fill_segments(rows)
        if len(rows) > SECOND_TURN_ROWS:
            # a long table in three turns: its rows, their sort and filters (the table
            # painted only then: never in the rows' own order), then the rest
            self.table.setUpdatesEnabled(False)
            self.model.set_rows(rows, sorted_later=True)
            self._sort_pending = True
            idle_queue.later(self, self._sort_and_filter)
            for step in self._side_steps(screen):  # a turn each (the bridge's chart, the
                idle_queue.later(self, step)       # lists, the trend: ~20-40 ms apiece)
        else:
            self.model.set_rows(rows)
            self.apply_filters()
            self._show_side(screen)

    def _sort_and_filter(self) -> None:
        self._sort_pending = False
        self.model.resort()
        self.apply_filters()
        self.table.setUpdatesEnabled(True)

    def _show_side(self, screen: Screen) -> None:
        """Everything but the main table (later turns for a long one, see show_screen)."""
        for step in self._side_steps(screen):
            step()

    def _side_steps(self, screen: Screen) -> list[Callable[[], None]]:
        """`_show_side`'s steps, in order: the bridge, the rates, the lists, the trend."""
        steps: list[Callable[[], None]] = [
            partial(self._show_bridge, screen), partial(self._show_rates, screen),
            partial(self._show_lists, screen)]
        if screen.series:  # a screen built whole (with_series) carries its trend
            steps.append(partial(self.show_series, screen.series))
        return steps

    def show_series(self, series: dict[str, list[SeriesPoint]]) -> None:
        if MONTHLY_RENEWAL.id in series:
            self.renewal_chart.set_series({MONTHLY_RENEWAL.label: series[MONTHLY_RENEWAL.id]})

    def _fill_segments(self, rows: list[Any]) -> None:
        current = self.segment.currentText() or ALL_SEGMENTS
        segments = sorted(s for s in set(map(attrgetter("segment"), rows)) if s)  # C speed
        self.segment.blockSignals(True)
        self.segment.clear()
        self.segment.addItems([ALL_SEGMENTS, *segments])
        self.segment.setCurrentText(current if current in segments else ALL_SEGMENTS)
        self.segment.blockSignals(False)

    def apply_filters(self) -> None:
        """Segment, status and at-risk filters (the search box filters on its own)."""
        segment = self.segment.currentText()
        status = self.status.currentText()
        risky = self.at_risk_only.isChecked()
        any_segment = segment in ("", ALL_SEGMENTS)
        if any_segment and status == ALL_STATUSES and not risky:
            self.model.set_predicate(None)
            return
        self.model.set_predicate(lambda r: (any_segment or r.segment == segment)
                                 and (status == ALL_STATUSES or r.status == status)
                                 and (not risky or r.at_risk))

    @staticmethod
    def _row_colour(row: Any) -> Any:
        from PySide6.QtGui import QColor

        if getattr(row, "status", "") in ("lost", "lapsed"):
            return QColor("#8a8a8a")
        return QColor("#b03a2e") if getattr(row, "at_risk", False) else None

    def _show_bridge(self, screen: Screen) -> None:
        steps = screen.tables.get("bridge", [])
        if not steps:
            return
        self.waterfall.set_steps(bridge_steps(steps))
        self.bridge_text.setText(bridge_sentence(steps))
        lost_value = next(r["value"] for r in steps if r["step"] == "Lost")
        cells = [f"{html.escape(r['reason'])}: <b>{fmt.number(r['customers'])}</b>"
                 for r in screen.tables.get("lost_by_reason", [])]
        self.lost_reasons.setText(
            "<b>Lost by reason</b> (lost value " + fmt.money_short(lost_value) + "): "
            + (", ".join(cells) if cells else "none"))
        new = next(r for r in steps if r["step"] == "New")
        self.new_text.setText(self._new_customers_text(screen, new))
        why = why_blank(screen.tables)
        self.new_text.setToolTip("<br>".join(
            f"<b>{html.escape(labels.label(m))} “—”</b>: {html.escape(r)}"
            for m, r in why.items()))
        self.segment_table.setToolTip(self.new_text.toolTip())

    @staticmethod
    def _new_customers_text(screen: Screen, new: dict[str, Any]) -> str:
        def value(metric: str, unit: str) -> str:
            return fmt.by_unit(card_value(screen, metric), unit, short=True)

        parts = [f"<b>{fmt.number(new['customers'])}</b> new customers bought "
                 f"<b>{fmt.money_short(new['value'])}</b> in the period",
                 f"{html.escape(labels.label('referral_rate_pct').lower())}: "
                 f"<b>{value('referral_rate_pct', 'pct')}</b>",
                 f"cost to acquire each: <b>{value('cac', 'money')}</b>"]
        if "new_first_order_avg" in screen.cards:
            parts.append(f"average first order: <b>{value('new_first_order_avg', 'money')}</b>")
        return "<b>New customers</b> — " + "; ".join(parts) + "."

    def _show_rates(self, screen: Screen) -> None:
        renewal = screen.cards.get("renewal_rate_pct")
        value = None if renewal is None else renewal.value
        n = None if renewal is None or renewal.current is None else renewal.current.n
        self.renewal_text.setText(
            f"<b>{html.escape(labels.label('renewal_rate_pct'))}</b>: {fmt.pct(value)}"
            + (f" of {fmt.number(n)} customers who bought in the prior period" if n else "")
            + f". Below, the <b>{html.escape(MONTHLY_RENEWAL.label.lower())}</b> of each "
            "month (each month against the one before: lower than a whole period's).")
        self.renewal_text.setToolTip(METRICS["renewal_rate_pct"].explanation)
        self.segment_model.set_rows(screen.tables.get("segments", []))

    def _show_lists(self, screen: Screen) -> None:
        """The work lists, their cards, counts in the sub-tab titles, and the cohorts.

        A long list behind a sub-tab the owner is not looking at is filled in a later
        event-loop turn, one list per turn: a big file's lists hold 2k-30k rows each, and
        filling all eight with the 100k-row table in one call blocked the window."""
        for i, (key, (title, _columns, _cards)) in enumerate(LIST_PANELS.items(), start=1):
            rows = screen.lists.get(key, [])
            model = self.lists[key].model
            if len(rows) > LATER_ROWS and self.list_tabs.currentIndex() != i:
                model.set_rows([])  # not the old screen's rows meanwhile
                idle_queue.later(self, partial(model.set_rows, rows))
            else:
                model.set_rows(rows)
            self.list_tabs.setTabText(i, f"{title} ({len(rows):,})")
            if key in self.list_cards:
                fill_cards(self.list_cards[key], screen.cards)
        self.cohorts.model.set_rows(screen.tables.get("cohorts", []))

    # ----- dialogs ---------------------------------------------------------------------------
    def open_customer(self, row: Any) -> Any:
        """Open the customer dialog (non-modal); `row` None adds a new customer."""
        if isinstance(row, dict):  # a work list's row (a referrer may be no customer)
            cid = row.get("customer_id")
            return None if cid is None else self.show_customer(cid)
        return self.show_customer(getattr(row, "id", None))

    def open_merge(self) -> Any:
        from custdesk.ui.dialogs.merge_dialog import MergeDialog

        if self.store is None:
            return None
        dialog = MergeDialog(self.store, self)
        dialog.merged.connect(self.refresh)
        dialog.open()
        return dialog

    # ----- print and export --------------------------------------------------------------
    def export_tables(self) -> list:
        """The visible customers (the main table), the bridge and rates, then by segment."""
        from custdesk.services.tab_export import KpiTable
        from custdesk.ui.tab_output import sheet_from_model

        tables: list[Any] = [sheet_from_model("Customers", self.model)]
        if self.data is not None:
            tables.append(KpiTable("Key figures", self._kpi_rows()))
        tables.append(sheet_from_model("By segment", self.segment_model))
        return tables

    def _kpi_rows(self) -> list:
        """Bridge (start, new, won back, lost, end, lost by reason) and rates vs prior, from
        the screen's cards and lost-by-reason table."""
        from custdesk.services.tab_export import KpiRow, kpi_row

        screen: Screen = self.data

        def row(metric: str, label: str | None = None) -> Any:
            card = screen.cards[metric]
            return kpi_row(METRICS[metric], card.current, card.prior, label=label)

        bridge = ("customers_start", "customers_new", "customers_won_back", "customers_lost")
        rows = [row(m) for m in bridge if m in screen.cards]
        if "customers_active" in screen.cards:
            rows.append(row("customers_active", "Customers at end"))
        # the bridge files a lost customer without a reason under "Not recorded" (marked
        # lost) or "Lapsed" (stopped buying)
        by_reason = (f"{METRICS['customers_lost'].formula}, by lost reason (none "
                     "recorded: Not recorded if marked lost, else Lapsed)")
        rows += [KpiRow(f"Lost: {r['reason']}", "count", r["customers"], formula=by_reason)
                 for r in screen.tables.get("lost_by_reason", [])]
        rows += [row(m) for m in KPI_RATES if m in screen.cards and m in METRICS]
        return rows

    def report_html(self) -> str:
        from custdesk.reports.tab_report import tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        steps = self.data.tables.get("bridge", []) if self.data is not None else []
        paragraphs = []
        if steps:
            paragraphs.append(html.unescape(bridge_sentence(steps).replace("<b>", "")
                                            .replace("</b>", "")))
        p = self.period
        return tab_report_html(
            "Customers", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}", (),
            [text_table_from_model("By segment", self.segment_model),
             text_table_from_model("Customers", self.model)], paragraphs)

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        idle_queue.run_pending(self)  # what waits for a later turn, drawn first
        export_dialog(self, "custdesk customers", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        idle_queue.run_pending(self)
        print_preview(self, self.report_html())

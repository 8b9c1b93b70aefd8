"""The Customers tab: every customer in one searchable list, and customers in and out.

Left: the customer list (filters: segment, status, at risk only; search; double-click opens
the customer). Right: the period's bridge (start + new + won back − lost = end) as a
waterfall and as numbers, lost by reason, new customers, renewal trend and segment rates.
All figures come from `custdesk.services.metrics_service`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.periods import Period
from custdesk.storage import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import TrendChart, WaterfallChart
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import RecordTableView, TableWithSearch
from custdesk.ui.tabs.dashboard_tab import DashboardTab, service
from custdesk.ui.worker import check_cancelled

CUSTOMER_COLUMNS = [
    Column("name", "Name"), Column("company", "Company"), Column("segment", "Segment"),
    Column("source", "Source"), Column("acquired_on", "Acquired", "date"),
    Column("last_order_on", "Last order", "date"), Column("orders", "Orders", "int"),
    Column("revenue", "Revenue", "money", display=lambda v: fmt.money(v, 0),
           tooltip="Revenue up to the end of the period"),
    Column("gross_profit", "Gross profit", "money", display=lambda v: fmt.money(v, 0),
           tooltip="Revenue minus cost, up to the end of the period"),
    Column("status", "Status"),
    Column("risk_reasons", "Risk", "list", tooltip="Why the customer is at risk"),
]
SEGMENT_METRICS = (("referral_rate_pct", "Referral"), ("churn_rate_pct", "Churn"),
                   ("renewal_rate_pct", "Renewal"), ("customers_active", "Active"))
ALL_SEGMENTS, ALL_STATUSES = "All segments", "All statuses"


@dataclass
class CustomersData:
    period: Period
    rows: list[Any]
    bridge: Any
    metrics: dict[str, Any]
    by_segment: dict[str, dict[str, Any]]
    renewal_trend: list[tuple[str, float | None]] = field(default_factory=list)


def load_customers(store: Store, period: Period) -> CustomersData | None:
    """Everything the tab shows, queried off the GUI thread; None for an empty file."""
    span = service("data_span")
    if span is None or span(store) is None:
        return None
    rows_fn, bridge_fn = service("customer_rows"), service("customers_bridge")
    rows = list(rows_fn(store, period.end)) if rows_fn else []
    check_cancelled()
    bridge = bridge_fn(store, period) if bridge_fn else None
    check_cancelled()
    report = service("compute_metrics")(store, period, by=("segment",))
    return CustomersData(period, rows, bridge, report.metrics, report.breakdowns.get("segment", {}))


def load_renewal_trend(store: Store, end: date) -> list[tuple[str, float | None]]:
    """The monthly renewal rate for 12 months up to `end` (the slow second stage)."""
    from custdesk.ui.tabs.today_tab import monthly_values

    return monthly_values(store, ["renewal_rate_pct"], 12, end)["renewal_rate_pct"]


def bridge_steps(bridge: Any) -> list[tuple[str, float, str]]:
    """The waterfall's steps from a Bridge result."""
    return [("Start", bridge.start, "total"), ("New", bridge.new, "up"),
            ("Won back", bridge.won_back, "up"), ("Lost", bridge.lost, "down"),
            ("End", bridge.end, "total")]


def bridge_sentence(bridge: Any) -> str:
    n = fmt.number
    return (f"<b>{n(bridge.start)}</b> at start + <b>{n(bridge.new)}</b> new + "
            f"<b>{n(bridge.won_back)}</b> won back − <b>{n(bridge.lost)}</b> lost = "
            f"<b>{n(bridge.end)}</b> at end")


class CustomersTab(DashboardTab):
    title = "Customers"
    slug = "customers"
    empty_heading = "No customers yet"
    empty_imports = ("customers (name, e-mail, segment, source, acquired date…)",
                     "orders or sales lines (date, customer, amount)")
    empty_why = "The customer list, who came and who went, and every customer's story."

    # ----- layout ----------------------------------------------------------------------
    def build_content(self) -> QWidget:
        self.model = RecordTableModel(CUSTOMER_COLUMNS, self)
        self.model.row_colour = self._row_colour
        self.table = TableWithSearch(self.model, "customers", stretch=len(CUSTOMER_COLUMNS) - 1,
                                     stretch_share=0.12,
                                     placeholder="Search name, company, segment, source…")
        self.segment = QComboBox()
        self.status = QComboBox()
        self.status.addItems([ALL_STATUSES, "active", "lapsed", "lost"])
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
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(legend)
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
        side = QTabWidget()
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
        self.renewal_chart.setLabel("left", "Each month vs the one before")
        self.segment_model = RecordTableModel(
            [Column("segment", "Segment")] + [Column(m, label, "int" if m == "customers_active"
                                                     else "pct") for m, label in SEGMENT_METRICS],
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

    # ----- data ----------------------------------------------------------------------------
    def load(self, store: Store, period: Period) -> CustomersData | None:
        return load_customers(store, period)

    def load_more(self, store: Store, period: Period, data: Any) -> Any:
        return load_renewal_trend(store, period.end)

    def show_more(self, extra: Any) -> None:
        self.data.renewal_trend = extra
        self.renewal_chart.set_series([m for m, _v in extra],
                                      {"Renewal rate": [v for _m, v in extra]})

    def show_data(self, data: CustomersData) -> None:
        self._fill_segments(data.rows)
        self.model.set_rows(data.rows)
        self.apply_filters()
        if data.bridge is not None:
            self._show_bridge(data.bridge, data.metrics)
        self._show_rates(data)

    def _fill_segments(self, rows: list[Any]) -> None:
        current = self.segment.currentText() or ALL_SEGMENTS
        segments = sorted({r.segment for r in rows if r.segment})
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

    def _show_bridge(self, bridge: Any, metrics: dict[str, Any]) -> None:
        self.waterfall.set_steps(bridge_steps(bridge))
        self.bridge_text.setText(bridge_sentence(bridge))
        reasons = sorted(bridge.lost_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
        cells = [f"{html.escape(r)}: <b>{fmt.number(c)}</b>" for r, c in reasons]
        self.lost_reasons.setText(
            "<b>Lost by reason</b> (lost value " + fmt.money_short(bridge.lost_value) + "): "
            + (", ".join(cells) if cells else "none"))
        self.new_text.setText(self._new_customers_text(bridge, metrics))

    @staticmethod
    def _new_customers_text(bridge: Any, metrics: dict[str, Any]) -> str:
        def value(metric: str, unit: str) -> str:
            return fmt.by_unit(getattr(metrics.get(metric), "value", None), unit, short=True)

        parts = [f"<b>{fmt.number(bridge.new)}</b> new customers bought "
                 f"<b>{fmt.money_short(bridge.new_value)}</b> in the period",
                 f"by referral: <b>{value('referral_rate_pct', 'pct')}</b>",
                 f"cost to acquire each: <b>{value('cac', 'money')}</b>"]
        optional = (("new_first_order_avg", "average first order", "money"),
                    ("customers_new_margin_pct", "their margin", "pct"))
        parts += [f"{label}: <b>{value(m, u)}</b>" for m, label, u in optional if m in metrics]
        return "<b>New customers</b> — " + "; ".join(parts) + "."

    def _show_rates(self, data: CustomersData) -> None:
        renewal = data.metrics.get("renewal_rate_pct")
        value = getattr(renewal, "value", None)
        n = getattr(renewal, "n", None)
        self.renewal_text.setText(
            f"<b>Renewal (repeat purchase) rate</b>: {fmt.pct(value)}"
            + (f" of {fmt.number(n)} customers who bought in the prior period" if n else ""))
        self.segment_model.set_rows([
            {"segment": seg, **{m: getattr(values.get(m), "value", None)
                                for m, _label in SEGMENT_METRICS}}
            for seg, values in sorted(data.by_segment.items())])

    # ----- dialogs ---------------------------------------------------------------------------
    def open_customer(self, row: Any) -> Any:
        """Open the customer dialog (non-modal); `row` None adds a new customer."""
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
        from custdesk.sheets.table_export import KpiTable
        from custdesk.ui.tab_output import sheet_from_model

        tables = [sheet_from_model("Customers", self.model)]
        if self.data is not None:
            tables.append(KpiTable("Key figures", self._kpi_rows()))
        tables.append(sheet_from_model("By segment", self.segment_model))
        return tables

    def _kpi_rows(self) -> list:
        """Bridge (start, new, won back, lost, end, lost by reason) and rates vs prior."""
        from custdesk.domain.metric_catalogue import METRICS
        from custdesk.sheets.table_export import KpiRow, kpi_row

        data, prior = self.data, {}
        if self.store is not None:  # the tab loads no prior period: one pass on export
            prior = service("compute_metrics")(self.store, data.period.prior()).metrics
        cur, bridge = data.metrics, data.bridge

        def row(metric: str, label: str | None = None, value: Any = None) -> Any:
            return kpi_row(METRICS[metric], cur.get(metric), prior.get(metric), label=label,
                           value=value)

        rows = []
        if bridge is not None:
            rows += [row("customers_start", value=bridge.start),
                     row("customers_new", value=bridge.new),
                     row("customers_won_back", value=bridge.won_back),
                     row("customers_lost", value=bridge.lost),
                     row("customers_active", "Customers at end", bridge.end)]
            # the bridge files a lost customer without a reason under "Not recorded" (marked
            # lost) or "Lapsed" (stopped buying)
            by_reason = (f"{METRICS['customers_lost'].formula}, by lost reason (none "
                         "recorded: Not recorded if marked lost, else Lapsed)")
            rows += [KpiRow(f"Lost: {reason}", "count", count, formula=by_reason)
                     for reason, count in sorted(bridge.lost_by_reason.items(),
                                                 key=lambda kv: (-kv[1], kv[0]))]
        rates = ("customers_new_value", "customers_lost_value", "customers_lost_pct",
                 "retention_rate_pct", "churn_rate_pct", "renewal_rate_pct",
                 "referral_rate_pct", "cac", "new_first_order_avg", "customers_new_margin_pct")
        rows += [row(m) for m in rates if m in cur and m in METRICS]
        return rows

    def report_html(self) -> str:
        from custdesk.reports.tab_report import tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        bridge = getattr(self.data, "bridge", None)
        paragraphs = []
        if bridge is not None:
            paragraphs.append(html.unescape(bridge_sentence(bridge).replace("<b>", "")
                                            .replace("</b>", "")))
        p = self.period
        return tab_report_html(
            "Customers", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}", (),
            [text_table_from_model("By segment", self.segment_model),
             text_table_from_model("Customers", self.model)], paragraphs)

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk customers", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())

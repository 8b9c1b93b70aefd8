"""Shared UI pieces on hand-built inputs: KPI card, charts, period bar, empty state, runner,
xlsx table export and the printable report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow

from custdesk.domain.periods import Period

pytestmark = pytest.mark.usefixtures("english_locale")


@dataclass(frozen=True)
class Info:
    label: str
    unit: str
    higher_is_better: bool | None
    explanation: str = "What it means."
    formula: str = "a ÷ b × 100"


@dataclass(frozen=True)
class Value:
    value: float | None
    n: int | None = None
    low: float | None = None
    high: float | None = None

    @property
    def small_sample(self) -> bool:
        return self.n is not None and self.n < 30


def test_change_text_relative_for_money_points_for_rates() -> None:
    from custdesk.ui.kpi_card import change_text

    assert change_text(110.0, 100.0, "money") == ("▲ +10.0 %", 1)
    assert change_text(90.0, 120.0, "count") == ("▼ −25.0 %", -1)
    assert change_text(45.0, 40.0, "pct") == ("▲ +5.0 pts", 1)
    assert change_text(5.0, 0.0, "money") == ("▲ from 0", 1)
    assert change_text(None, 3.0, "money") == ("", 0)


def test_change_colour_follows_the_metric_direction() -> None:
    from custdesk.ui.kpi_card import BAD, GOOD, NEUTRAL, change_colour

    assert change_colour(1, True) == GOOD
    assert change_colour(1, False) == BAD  # more customers lost is bad
    assert change_colour(-1, False) == GOOD
    assert change_colour(1, None) == NEUTRAL


def test_kpi_card_shows_value_change_n_small_sample_and_explains_itself(qtbot) -> None:
    from custdesk.ui.kpi_card import BAD, KpiCard

    card = KpiCard("churn")
    qtbot.addWidget(card)
    card.set_metric(Info("Churn rate", "pct", False, "Customers who left.", "lost ÷ at risk"),
                    Value(12.5, 24, 5.0, 30.0), Value(10.0, 40))
    assert card.value.text() == "12.5 %"
    assert card.change.text() == "▲ +2.5 pts vs prior"
    assert BAD in card.change.styleSheet()
    assert "n = 24" in card.detail.text() and "small sample" in card.detail.text()
    tip = card.toolTip()
    for part in ("Customers who left.", "lost ÷ at risk", "5.0 %", "30.0 %", "10.0 %"):
        assert part in tip


def test_a_long_card_title_wraps_in_a_narrow_card_instead_of_being_cut(qtbot) -> None:
    from custdesk.ui.kpi_card import KpiCard

    card = KpiCard("new_customer_repeat_90d")
    qtbot.addWidget(card)
    card.set_metric(Info("New customers ordering again within 90 days", "ratio", True),
                    Value(87.36, 124))
    card.resize(170, 200)
    card.show()
    qtbot.waitExposed(card)
    title = card.title
    assert title.fontMetrics().horizontalAdvance(title.text()) > title.width()
    assert title.height() >= 2 * title.fontMetrics().lineSpacing()  # two lines, all shown
    assert card.value.text() == "87.4×"


def test_a_cards_change_and_detail_lines_wrap_in_a_narrow_card_instead_of_being_cut(
        qtbot) -> None:
    """Eight cards in a 1280-px window are ~150 px wide: "no change vs prior" and
    "n = 0 · ⚠ small sample" were cut to "no change vs prio" and "⚠ small sampl"."""
    from custdesk.ui.kpi_card import KpiCard

    card = KpiCard("pipeline_weighted")
    qtbot.addWidget(card)
    card.set_metric(Info("Weighted pipeline", "money", True), Value(0.0, 0), Value(0.0, 0))
    card.resize(140, 200)  # its minimum width
    card.show()
    qtbot.waitExposed(card)
    for label in (card.change, card.detail):
        metrics = label.fontMetrics()
        assert metrics.horizontalAdvance(label.text()) > label.width()  # too long for a line
        assert label.height() >= 2 * metrics.lineSpacing()  # so on two, all shown


def test_waterfall_bars_float_and_end_where_the_bridge_ends() -> None:
    from custdesk.ui.charts import waterfall_bars

    steps = [("Start", 10, "total"), ("New", 5, "up"), ("Won back", 1, "up"),
             ("Lost", 4, "down"), ("End", 12, "total")]
    assert waterfall_bars(steps) == [(0.0, 10.0), (10.0, 15.0), (15.0, 16.0), (12.0, 16.0),
                                     (0.0, 12.0)]


def test_waterfall_and_trend_charts_take_plain_lists(qtbot) -> None:
    from custdesk.ui.charts import Sparkline, TrendChart, WaterfallChart

    chart = WaterfallChart()
    qtbot.addWidget(chart)
    chart.set_steps([("Start", 3, "total"), ("Lost", 1, "down"), ("End", 2, "total")])
    assert chart.category_axis.labels == ["Start", "Lost", "End"]
    assert chart.hover_text(1) == "<b>Lost</b>: −1"
    money = WaterfallChart("money")
    qtbot.addWidget(money)
    money.set_steps([("Prior", 1_324_582, "total"), ("Lost", -63_460, "down"),
                     ("This", 1_261_122, "total")])
    labels = [i.toPlainText() for i in money.listDataItems() + money.getPlotItem().items
              if hasattr(i, "toPlainText")]
    assert labels == ["$1.32M", "($63.5k)", "$1.26M"]  # negative money as the tables write it
    trend = TrendChart("money")
    qtbot.addWidget(trend)
    trend.set_series(["2026-01", "2026-02"], {"Revenue": [1500.0, None]})
    assert trend.category_axis.labels == ["Jan 26", "Feb 26"]
    assert "$1,500" in trend.hover_text(0)
    assert trend.value_axis.tickStrings([20000.0], 1, 1000) == ["$20.0k"]
    spark = Sparkline("Revenue", "money")
    qtbot.addWidget(spark)
    spark.set_points([("2026-01", 10.0), ("2026-02", 20.0)])
    assert spark.latest.text().startswith("$20")
    assert "Jan 26: $10.00" in spark.toolTip()


def test_a_flat_or_empty_trend_gets_an_axis_with_distinct_ticks(qtbot) -> None:
    """An old file's last 12 months: revenue $0 every month autoscaled to a sliver whose
    ticks all read "$0"; now 0–10, and a real series scales itself again afterwards."""
    from custdesk.ui.charts import TrendChart

    trend = TrendChart("money")
    qtbot.addWidget(trend)
    trend.set_series(["2026-01", "2026-02"], {"Revenue": [0.0, 0.0]})
    low, high = trend.getViewBox().viewRange()[1]
    assert low <= 0 < 10 <= high < 11
    trend.set_series(["2026-01", "2026-02"], {"Revenue": [None, None]})
    assert trend.getViewBox().viewRange()[1][1] >= 10
    trend.set_series(["2026-01", "2026-02"], {"Revenue": [1000.0, 5000.0]})
    assert trend.getViewBox().autoRangeEnabled()[1]


def test_period_bar_presets_custom_range_and_signal(qtbot) -> None:
    from custdesk.ui.period_bar import PeriodBar

    bar = PeriodBar()
    qtbot.addWidget(bar)
    bar.set_anchor(date(2026, 11, 24), emit=False)
    with qtbot.waitSignal(bar.period_changed) as blocker:
        bar.set_choice("last_month")
    assert blocker.args[0] == Period(date(2026, 10, 1), date(2026, 10, 31))
    assert not bar.start.isVisibleTo(bar)
    with qtbot.waitSignal(bar.period_changed) as blocker:
        bar.set_custom(date(2026, 2, 1), date(2026, 2, 10))
    assert blocker.args[0] == Period(date(2026, 2, 1), date(2026, 2, 10))
    assert bar.start.isVisibleTo(bar)
    assert "10 days" in bar.summary.text()


def test_anchor_is_the_data_end_when_the_data_is_old(demo_store) -> None:
    from custdesk.ui.period_bar import anchor_for

    assert anchor_for(None, date(2026, 1, 1)) == date(2026, 1, 1)
    # The demo ends 2026-11-24; seen from a year later, presets count back from its end.
    last = anchor_for(demo_store, date(2027, 12, 1))
    assert date(2026, 11, 1) <= last <= date(2026, 11, 30)
    assert anchor_for(demo_store, date(2026, 11, 30)) == date(2026, 11, 30)


def test_empty_state_button_opens_the_windows_import_wizard(qtbot) -> None:
    from custdesk.ui.empty_state import EmptyState

    class Window(QMainWindow):
        calls = 0

        def import_dialog(self) -> None:
            Window.calls += 1

    window = Window()
    qtbot.addWidget(window)
    state = EmptyState("Nothing yet", ["customers", "orders"], "Why.")
    window.setCentralWidget(state)
    assert "customers" in state.body.text()
    state.button.click()
    assert Window.calls == 1
    assert EmptyState("x", [], "y").open_import() is False


def test_thread_runner_answers_on_the_gui_thread_with_busy_signals(qtbot, demo_store,
                                                                   monkeypatch) -> None:
    from PySide6.QtCore import QThread

    from custdesk.ui import tasks as worker

    monkeypatch.setattr(worker, "HEAVY_RECORDS", 1)  # force the background path
    runner = worker.ThreadRunner()
    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    results: list[tuple[int, bool]] = []
    gui_thread = QThread.currentThread()

    def task(store):  # runs on a pool thread, on its own read-only connection
        assert store is not demo_store
        return store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]

    runner.submit(demo_store, task,
                  lambda n: results.append((n, QThread.currentThread() is gui_thread)))
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    expected = demo_store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    assert results == [(expected, True)]
    assert busy == [True, False]


def test_thread_runner_reports_failures_and_drops_stale_results(qtbot, demo_store,
                                                                monkeypatch) -> None:
    from custdesk.ui import tasks as worker

    monkeypatch.setattr(worker, "HEAVY_RECORDS", 1)
    runner = worker.ThreadRunner()
    errors: list[str] = []
    runner.submit(demo_store, lambda s: s.conn.execute("SELECT * FROM no_such_table"),
                  lambda _r: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "no such table" in errors[0]
    gate = worker.RefreshGate()
    first, second = gate.start(), gate.start()
    assert not gate.current(first) and gate.current(second)


def test_sync_runner_runs_at_once() -> None:
    from custdesk.ui.tasks import SyncRunner

    out: list[int] = []
    SyncRunner().submit(None, lambda _s: 41 + 1, out.append)  # type: ignore[arg-type]
    assert out == [42]


def test_xlsx_export_header_filter_formats_and_no_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from custdesk.sheets.table_export import SheetTable, write_xlsx

    path = write_xlsx(tmp_path / "out.xlsx", [SheetTable(
        "Customers: all", ["Name", "Revenue", "Share", "Since", "Tags"],
        ["text", "money", "pct", "date", "list"],
        [["=HYPERLINK(\"x\")", 1234.5, 42.5, "2026-03-01", ["a", "b"]],
         ["+44 20 7946", None, None, None, []]])], "£")
    ws = load_workbook(path).active
    assert ws.title == "Customers  all"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E3"
    assert ws["A1"].font.b
    assert ws["A2"].data_type == "s" and ws["A2"].value == "=HYPERLINK(\"x\")"
    assert ws["A3"].data_type == "s"
    assert ws["B2"].value == 1234.5 and "£" in ws["B2"].number_format
    assert ws["C2"].value == pytest.approx(0.425) and ws["C2"].number_format == "0.0%"
    assert ws["D2"].value.date() == date(2026, 3, 1)
    assert ws["E2"].value == "a; b"


def test_report_html_escapes_and_cuts_long_tables() -> None:
    from custdesk.reports.tab_report import (
        MAX_PRINTED_ROWS,
        Figure,
        TextTable,
        tab_report_html,
    )

    rows = [[f"<b>{i}</b>", "1"] for i in range(MAX_PRINTED_ROWS + 5)]
    out = tab_report_html("Today", "March", [Figure("Revenue", "$1", "▲ +1 %")],
                          [TextTable("List", ["Name", "N"], rows, {1})])
    assert "&lt;b&gt;0&lt;/b&gt;" in out and "<b>0</b>" not in out
    assert f"First {MAX_PRINTED_ROWS:,} of {MAX_PRINTED_ROWS + 5:,} rows" in out
    assert out.count("<tr>") == 1 + 1 + MAX_PRINTED_ROWS  # figures row + header + rows


def test_metric_definitions_dialog_lists_every_metric(qtbot) -> None:
    from custdesk.domain.metric_catalogue import METRICS
    from custdesk.ui.dialogs.metric_definitions_dialog import (
        MetricDefinitionsDialog,
        definitions_html,
    )

    dialog = MetricDefinitionsDialog()
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    for info in METRICS.values():
        assert info.label in text
    assert "Retention rate" in definitions_html("retention")
    assert "Win rate" not in definitions_html("retention")


def test_a_newer_job_of_the_same_tab_cancels_the_older_one(qtbot, demo_store,
                                                           monkeypatch) -> None:
    import time

    from custdesk.ui import tasks as worker

    monkeypatch.setattr(worker, "HEAVY_RECORDS", 1)
    runner = worker.ThreadRunner()
    steps: list[str] = []
    done: list[str] = []

    def slow(_store):
        for _ in range(200):  # up to 10 s unless cancelled
            worker.check_cancelled()
            steps.append("old")
            time.sleep(0.05)
        return "old"

    runner.submit(demo_store, slow, done.append, key="tab")
    qtbot.waitUntil(lambda: bool(steps), timeout=10_000)
    runner.submit(demo_store, lambda _s: "new", done.append, key="tab")
    qtbot.waitUntil(lambda: done == ["new"], timeout=10_000)
    runner.wait(10_000)
    assert len(steps) < 200 and done == ["new"]
    assert not runner.is_busy()


def test_long_number_headers_leave_room_for_the_stretch_column(qtbot) -> None:
    """At 1366×768 the Feedback tickets table showed "P…" for every topic: six number
    columns with long headers took the whole width. They now give way down to their values'
    width (headers elided, the whole header in the tooltip)."""
    from PySide6.QtCore import Qt

    from custdesk.ui.record_table_model import Column, RecordTableModel
    from custdesk.ui.table_view import STRETCH_MIN, RecordTableView

    columns = [Column("topic", "Topic")] + [
        Column(f"n{i}", f"A very long metric header number {i}", "int") for i in range(6)]
    model = RecordTableModel(columns)
    view = RecordTableView(model, "test/stretch", stretch=0)
    qtbot.addWidget(view)
    view.resize(660, 300)
    view.show()
    model.set_rows([{"topic": "Product fault", **{f"n{i}": 61 for i in range(6)}}])
    view.size_columns()
    assert view.columnWidth(0) >= STRETCH_MIN - 10
    assert "A very long metric header number 3" in model.headerData(
        4, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_a_crowded_table_still_gives_a_long_name_more_than_an_empty_column(qtbot) -> None:
    """Customers on the real data: money columns leave the text columns little room; they
    share it in proportion, so the name keeps more than an empty Source column."""
    from custdesk.ui.record_table_model import Column, RecordTableModel
    from custdesk.ui.table_view import MIN_WIDTH, RecordTableView

    empty = [Column(k, k.capitalize()) for k in ("company", "segment", "source", "tags")]
    columns = [Column("name", "Name"), *empty,
               *(Column(f"m{i}", f"Money {i}", "money") for i in range(3)),
               Column("risk", "Risk")]
    model = RecordTableModel(columns)
    view = RecordTableView(model, "test/crowded", stretch=8)
    qtbot.addWidget(view)
    view.resize(860, 300)
    view.show()
    model.set_rows([{"name": "Christopher Montgomery-Smith",
                     **{f"m{i}": 123456.0 for i in range(3)}}])
    view.size_columns()
    assert [view.columnWidth(c) for c in (1, 2, 3, 4)] == [MIN_WIDTH + 12] * 4
    assert view.columnWidth(0) > MIN_WIDTH + 12 + 20


def test_a_banner_shows_only_its_new_buttons_at_once(qtbot) -> None:
    """Replaced buttons waited for an event loop to delete them, meanwhile drawn unmanaged
    over the text (a blank box on the data-range banner in the smoke screenshots)."""
    from PySide6.QtWidgets import QApplication, QPushButton

    from custdesk.ui.banner import Banner

    banner = Banner("test_banner")
    qtbot.addWidget(banner)
    banner.show_message("Your data runs …", (("Show up to today", lambda: None),))
    banner.show()
    banner.show_message("Your data runs …", (("Follow my data", lambda: None),))
    # what the smoke test's waits run: queued events (the new button's show), but not the
    # deferred deletes an event loop would run
    QApplication.processEvents()
    shown = [b.text() for b in banner.findChildren(QPushButton) if not b.isHidden()]
    assert shown == ["Follow my data"]


def test_the_charts_are_made_without_a_context_menu(qtbot, monkeypatch) -> None:
    """The owner's charts have no pyqtgraph context menu, so none is built (and thrown
    away): its widgets cost ~3 ms a plot on the window's thread while a page is built
    (issue 18: stalls)."""
    import importlib

    from custdesk.ui.charts import Sparkline, TrendChart, WaterfallChart
    from custdesk.ui.tabs.deal_charts import HBarChart

    view_box_module = importlib.import_module("pyqtgraph.graphicsItems.ViewBox.ViewBox")
    built: list[object] = []
    real = view_box_module.ViewBoxMenu
    monkeypatch.setattr(view_box_module, "ViewBoxMenu",
                        lambda view: built.append(view) or real(view))
    spark = Sparkline("Revenue", "money")
    qtbot.addWidget(spark)
    plots = [TrendChart("money"), WaterfallChart("money"), HBarChart(), spark.plot]
    for plot in plots[:3]:
        qtbot.addWidget(plot)
    assert built == []
    for plot in plots:
        box = plot.getViewBox()
        assert box.menu is None and not box.menuEnabled()

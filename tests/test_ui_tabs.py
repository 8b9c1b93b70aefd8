"""The Today and Customers tabs and their dialogs, driven on the demo database.

Expected figures are computed here straight from the database with SQL, not read back from
the code under test. The background runner is replaced by the synchronous one.
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.ui import formatting as fmt
from custdesk.ui.record_table_model import SORT_ROLE

pytestmark = pytest.mark.usefixtures("quiet_ui")

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))
YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


def sql_revenue(store, period: Period) -> float:
    e4 = store.conn.execute("SELECT coalesce(sum(revenue_e4), 0) FROM orders WHERE date "
                            "BETWEEN ? AND ?", (period.start.isoformat(),
                                                period.end.isoformat())).fetchone()[0]
    return e4 / 10_000


# ----- Today ---------------------------------------------------------------------------------
def test_today_period_change_refreshes_the_cards(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, OCTOBER)
    october = tab.cards["revenue"].value.text()
    assert october == fmt.money_short(sql_revenue(demo_store, OCTOBER))
    tab.set_period(SEPTEMBER)
    assert tab.cards["revenue"].value.text() == fmt.money_short(sql_revenue(demo_store, SEPTEMBER))
    assert tab.cards["revenue"].value.text() != october
    new = demo_store.conn.execute("SELECT count(*) FROM customers WHERE acquired_on BETWEEN ? "
                                  "AND ?", ("2026-09-01", "2026-09-30")).fetchone()[0]
    assert tab.cards["customers_new"].value.text() == f"{new:,}"
    assert "Formula" in tab.cards["revenue"].toolTip()


def test_today_lists_and_sparklines_are_filled(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.today_tab import TREND_MONTHS, TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    for panel in tab.lists.values():
        assert panel.summary.text().split(" ")[0] == f"{panel.model.rowCount():,}"
    at_risk = tab.lists["at_risk"].model.rows()
    assert at_risk and all(r.reasons for r in at_risk)
    values = [r.value_at_risk for r in at_risk]
    assert values == sorted(values, reverse=True)  # the service's order, not re-sorted
    revenue_points = tab.sparklines["revenue"].points
    assert len(revenue_points) == TREND_MONTHS and revenue_points[-1].month == "2026-11"
    assert revenue_points[-1].partial and revenue_points[-1].days == 24
    # the headline is the latest whole month (October); November's 24 days are in the tooltip
    assert "Oct" in tab.sparklines["revenue"].latest.text()
    assert "Nov 26 (24 days so far): $" in tab.sparklines["revenue"].toolTip()
    assert revenue_points[-2].value == pytest.approx(sql_revenue(demo_store, OCTOBER))
    assert not revenue_points[-2].partial


def test_today_detractors_show_name_and_follow_up_whole_at_1366(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    table = tab.lists["detractors"].table
    table.setFixedWidth(545)  # the panel's width in the 1366 px window
    tab.show()
    qtbot.waitExposed(tab)
    table.size_columns()
    model, metrics = table.model(), table.fontMetrics()
    assert model.rowCount() > 0
    for col in (0, 4):  # Customer, Follow-up ("To contact" was drawn "To cont…")
        widest = max(metrics.horizontalAdvance(model.index(r, col).data())
                     for r in range(model.rowCount()))
        assert widest < table.columnWidth(col)


def test_today_due_strip_wraps_instead_of_running_off_the_window(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    strip = tab.due_strip
    assert "more on the Actions tab" in strip.text()  # a long strip: 4 actions and a tail
    # its whole text is wider than the 1366 px window, yet it asks for less than that
    from PySide6.QtGui import QTextDocument

    shown = QTextDocument()
    shown.setHtml(strip.text())
    assert strip.fontMetrics().horizontalAdvance(shown.toPlainText()) > 1366
    assert strip.minimumSizeHint().width() < 1366


def test_today_export_and_print_hold_the_figures(qtbot, demo_store, tmp_path) -> None:
    from openpyxl import load_workbook

    from custdesk.sheets.table_export import write_xlsx
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, OCTOBER)
    book = load_workbook(write_xlsx(tmp_path / "today.xlsx", tab.export_tables()))
    # the main table first, the KPI cards second (the export's contract)
    assert book.sheetnames[:2] == ["Customers at risk", "Key figures"]
    kpis = {r[0]: r[1] for r in book["Key figures"].iter_rows(min_row=2, values_only=True)}
    assert kpis["Revenue"] == pytest.approx(sql_revenue(demo_store, OCTOBER))
    assert book["Customers at risk"].max_row == tab.lists["at_risk"].model.rowCount() + 1
    html = tab.report_html()
    assert "Revenue" in html and tab.cards["revenue"].value.text() in html
    # printed on one line: "▲ +0.4 pts vs prior ·  n = 412", the target line kept
    from custdesk.ui.tabs.metric_panels import card_figures

    figures = {f.label: f for f in card_figures(tab.cards)}
    margin = tab.cards["gross_margin_pct"]
    assert figures["Gross margin"].detail == f"·  {margin.detail.text()}"
    revenue = tab.cards["revenue"]
    assert not revenue.target_line.isHidden()
    assert figures["Revenue"].detail.startswith(f"·  {revenue.target_line.text()}")
    assert revenue.target_line.text() in html


def test_empty_database_shows_the_import_invitation(qtbot, store) -> None:
    from custdesk.ui.tabs.customers_tab import CustomersTab
    from custdesk.ui.tabs.today_tab import TodayTab

    for cls in (TodayTab, CustomersTab):
        tab = make_tab(qtbot, cls, store, OCTOBER)
        assert tab.is_empty_state()
        assert tab.empty.button.text() == "Import spreadsheet…"


# ----- Customers -----------------------------------------------------------------------------
def test_customer_names_show_whole_in_the_crowded_list(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    table = tab.table.table
    table.setFixedWidth(990)  # the list's width in the 1366 px window, beside the chart
    tab.show()
    qtbot.waitExposed(tab)
    table.size_columns()
    model, metrics = table.model(), table.fontMetrics()
    names = [model.index(r, 0).data() for r in range(min(model.rowCount(), 200))]
    assert max(metrics.horizontalAdvance(n) for n in names) < table.columnWidth(0)


def test_customer_search_filters_rows(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    total = demo_store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    assert tab.model.rowCount() == total
    tab.table.search.setText("maple legal")
    expected = [r for r in demo_store.conn.execute(
        "SELECT name, company, segment, source FROM customers")
        if all(w in " ".join(x or "" for x in r).lower() for w in ("maple", "legal"))]
    assert 0 < tab.model.rowCount() == len(expected)
    assert tab.table.count_label.text() == f"{len(expected):,} of {total:,}"
    tab.table.search.clear()
    tab.status.setCurrentText("lost")
    lost = demo_store.conn.execute(
        "SELECT count(*) FROM customers WHERE status = 'lost' AND lost_on <= ?",
        (YEAR.end.isoformat(),)).fetchone()[0]
    assert tab.model.rowCount() == lost
    tab.status.setCurrentText("All statuses")
    tab.at_risk_only.setChecked(True)
    assert 0 < tab.model.rowCount() < total
    assert all(r.at_risk for r in tab.model.rows())


def test_sorting_by_revenue_is_numeric(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.customers_tab import CUSTOMER_COLUMNS, CustomersTab

    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    column = [c.key for c in CUSTOMER_COLUMNS].index("revenue")
    tab.table.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    values = [tab.model.data(tab.model.index(r, column), SORT_ROLE)
              for r in range(tab.model.rowCount())]
    assert values == sorted(values, reverse=True)
    best = demo_store.conn.execute(
        "SELECT max(s) FROM (SELECT sum(revenue_e4) s FROM orders WHERE date <= ? "
        "GROUP BY customer_id)", (YEAR.end.isoformat(),)).fetchone()[0]
    assert values[0] == pytest.approx(best / 10_000)
    texts = [tab.model.data(tab.model.index(r, column)) for r in range(tab.model.rowCount())]
    assert texts != sorted(texts, reverse=True)  # a text sort would have put "$9…" first


def test_bridge_adds_up_in_numbers_and_in_the_chart(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    steps = {r["step"]: r["customers"] for r in tab.data.tables["bridge"]}
    start, new_, back, lost, end = (steps[k] for k in ("Start", "New", "Won back", "Lost",
                                                         "End"))
    assert start + new_ + back - lost == end
    new = demo_store.conn.execute("SELECT count(*) FROM customers WHERE acquired_on BETWEEN ? "
                                  "AND ?", (YEAR.start.isoformat(), YEAR.end.isoformat())
                                  ).fetchone()[0]
    assert new_ == new
    assert sum(r["customers"] for r in tab.data.tables["lost_by_reason"]) == lost
    bars = tab.waterfall.bars
    assert bars[-1] == (0.0, float(end))
    assert bars[3][0] == pytest.approx(start + new_ + back - lost)
    plain = tab.bridge_text.text().replace("<b>", "").replace("</b>", "")
    assert plain == (f"{start:,} at start + {new_:,} new + {back:,} won back − "
                     f"{lost:,} lost = {end:,} at end")


def test_customers_export_writes_the_visible_rows(qtbot, demo_store, tmp_path) -> None:
    from openpyxl import load_workbook

    from custdesk.sheets.table_export import write_xlsx
    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    tab.segment.setCurrentText("Retail")
    shown = tab.model.rowCount()
    book = load_workbook(write_xlsx(tmp_path / "c.xlsx", tab.export_tables()))
    sheet = book["Customers"]
    assert sheet.max_row == shown + 1
    assert {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"Retail"}
    assert isinstance(sheet.cell(2, 8).value, float)  # revenue stays a number
    assert tab.model.rows()[0].name in tab.report_html()


# ----- customer dialog -------------------------------------------------------------------------
def first_customer_with_orders(store) -> int:
    return store.conn.execute("SELECT customer_id FROM orders GROUP BY customer_id "
                              "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]


def test_editing_a_customer_persists_and_shows_in_the_list(qtbot, demo_store) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog
    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    cid = first_customer_with_orders(demo_store)
    dialog = CustomerDialog(demo_store, cid, tab)
    qtbot.addWidget(dialog)
    dialog.changed.connect(tab.refresh)
    lines, orders = demo_store.conn.execute(
        "SELECT count(*), count(DISTINCT coalesce(order_ref, 'line ' || id)) FROM orders "
        "WHERE customer_id = ?", (cid,)).fetchone()
    order_rows = [r for r in dialog.timeline_model.rows() if r["kind"] == "Order"]
    assert len(order_rows) == orders < lines  # lines grouped into orders
    assert sum(r["lines"] for r in order_rows) == lines
    assert "active" not in dialog.status_text or "lapsed" not in dialog.risk.text()
    dialog.edits["company"].setText("Renamed Trading Ltd")
    dialog.edits["email"].setText("  New@Example.COM ")
    assert dialog.save()
    row = demo_store.conn.execute("SELECT company, email, email_key FROM customers WHERE id = ?",
                                  (cid,)).fetchone()
    assert row == ("Renamed Trading Ltd", "New@Example.COM", "new@example.com")
    tab.table.search.setText("renamed trading")
    assert [r.id for r in tab.model.rows()] == [cid]
    dialog.edits["name"].setText("  ")
    assert not dialog.save()
    assert "needs a name" in dialog.message.text()


def test_add_mark_lost_and_delete_with_confirmation(qtbot, demo_store) -> None:
    from custdesk.ui.dialogs.customer_dialog import CHOOSE_REASON, CustomerDialog

    dialog = CustomerDialog(demo_store, None)
    qtbot.addWidget(dialog)
    dialog.edits["name"].setText("Zed Newcomer")
    dialog.edits["acquired_on"].setText("2026-11-01")
    assert dialog.save()
    cid = dialog.customer_id
    assert demo_store.conn.execute("SELECT name FROM customers WHERE id = ?",
                                   (cid,)).fetchone() == ("Zed Newcomer",)
    dialog.confirm_delete = lambda *_a: "lost"
    dialog.reason.setCurrentText(CHOOSE_REASON)
    assert dialog.delete_clicked() == "lost"
    assert demo_store.conn.execute("SELECT status FROM customers WHERE id = ?",
                                   (cid,)).fetchone() == (None,)  # no reason: nothing changed
    dialog.reason.setCurrentText("Price")
    assert dialog.mark_lost()
    assert demo_store.conn.execute("SELECT status, lost_reason FROM customers WHERE id = ?",
                                   (cid,)).fetchone() == ("lost", "Price")
    dialog.confirm_delete = lambda *_a: "cancel"
    dialog.delete_clicked()
    assert demo_store.conn.execute("SELECT count(*) FROM customers WHERE id = ?",
                                   (cid,)).fetchone() == (1,)


def test_delete_removes_the_customer_and_their_records(qtbot, demo_store) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog

    cid = first_customer_with_orders(demo_store)
    before = demo_store.conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    theirs = demo_store.conn.execute("SELECT count(*) FROM orders WHERE customer_id = ?",
                                     (cid,)).fetchone()[0]
    dialog = CustomerDialog(demo_store, cid)
    qtbot.addWidget(dialog)
    asked = []
    dialog.confirm_delete = lambda _p, name, counts: asked.append((name, counts)) or "delete"
    assert dialog.delete_clicked() == "delete"
    assert asked[0][1]["orders"] == theirs
    assert demo_store.conn.execute("SELECT count(*) FROM customers WHERE id = ?",
                                   (cid,)).fetchone() == (0,)
    assert demo_store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == before - theirs


# ----- merge -------------------------------------------------------------------------------------
def child_total(store, table: str, ids: tuple[int, ...]) -> int:
    marks = ", ".join("?" for _ in ids)
    return store.conn.execute(f"SELECT count(*) FROM {table} WHERE customer_id IN ({marks})",
                              ids).fetchone()[0]


def test_merge_keeps_every_child_record(qtbot, demo_store) -> None:
    from custdesk.services.customers_service import CHILD_TABLES, duplicate_pairs
    from custdesk.ui.dialogs.merge_dialog import MergeDialog

    ids = [r[0] for r in demo_store.conn.execute(
        "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC LIMIT 2")]
    keep, drop = ids
    drop_email = demo_store.conn.execute("SELECT email FROM customers WHERE id = ?",
                                         (drop,)).fetchone()[0]
    demo_store.conn.execute("UPDATE customers SET email_key = (SELECT email_key FROM customers "
                            "WHERE id = ?) WHERE id = ?", (drop, keep))
    demo_store.conn.commit()
    assert any({p.a, p.b} == {keep, drop} and p.reason == "same e-mail"
               for p in duplicate_pairs(demo_store))
    before = {t: child_total(demo_store, t, (keep, drop)) for t in CHILD_TABLES}
    totals = {t: demo_store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in CHILD_TABLES}
    dialog = MergeDialog(demo_store)
    qtbot.addWidget(dialog)
    dialog.set_sides(keep, drop)
    dialog.groups["email"].button(1).setChecked(True)  # keep the right-hand e-mail
    moved = dialog.merge_current()
    assert moved is not None
    after = {t: child_total(demo_store, t, (keep,)) for t in CHILD_TABLES}
    assert after == before
    assert {t: demo_store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in CHILD_TABLES} == totals
    assert demo_store.conn.execute("SELECT count(*) FROM customers WHERE id = ?",
                                   (drop,)).fetchone() == (0,)
    assert demo_store.conn.execute("SELECT email FROM customers WHERE id = ?",
                                   (keep,)).fetchone() == (drop_email,)


def test_similar_names_are_suggested(demo_store) -> None:
    from custdesk.services.customers_service import add_customer, duplicate_pairs

    original = demo_store.conn.execute("SELECT id, name FROM customers WHERE id = 1").fetchone()
    twin = add_customer(demo_store, {"name": original[1] + "s", "email": "other@x.example"})
    pairs = {(p.a, p.b): p.reason for p in duplicate_pairs(demo_store, limit=10_000)}
    assert pairs.get((1, twin)) == "similar names"


# ----- main window -------------------------------------------------------------------------------
def test_period_bar_drives_the_visible_tab(qtbot, demo_store) -> None:
    from custdesk.ui.main_window import MainWindow

    window = MainWindow(demo_store, persist_state=False)
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(0)
    today = window.tab_pages[0]
    window.period_bar.set_custom(OCTOBER.start, OCTOBER.end)
    assert all(page.period == OCTOBER for page in window.tab_pages)
    assert today.cards["revenue"].value.text() == fmt.money_short(sql_revenue(demo_store, OCTOBER))
    window.set_store(None)


def test_trends_drawn_are_the_screens_series(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.customers_tab import CustomersTab
    from custdesk.ui.tabs.today_tab import TodayTab

    today = make_tab(qtbot, TodayTab, demo_store, YEAR)
    for metric, line in today.sparklines.items():
        assert line.points == today.data.series[metric], metric
    customers = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    drawn = customers.renewal_chart.points["Month-to-month renewal"]
    assert drawn == customers.data.series["renewal_rate_monthly_pct"] and drawn[-1].partial
    assert "Nov 26 (24 days so far)" in customers.renewal_chart.hover_text(len(drawn) - 1)


def test_today_at_risk_row_opens_that_customer(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    row = tab.lists["at_risk"].model.row_at(0)
    dialog = tab.open_customer(row)
    qtbot.addWidget(dialog)
    name = demo_store.conn.execute("SELECT name FROM customers WHERE id = ?",
                                   (row.customer_id,)).fetchone()[0]
    assert dialog.edits["name"].text() == name
    dialog.close()


def test_print_preview_builds_pages(qtbot, demo_store) -> None:
    from custdesk.ui.tab_output import print_preview
    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    dialog = print_preview(tab, tab.report_html())
    qtbot.addWidget(dialog)
    assert dialog._document.pageCount() >= 2  # 320 customers do not fit on one page
    dialog.close()

"""A tab's "Export…" (Today, Customers) to .xlsx and .csv, on the demo database.

Expected figures come from SQL on the database or from the metrics service called here for
the same period, never read back from the export code.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from ui_helpers import make_tab

from custdesk.domain.metric_catalogue import METRICS
from custdesk.domain.periods import Period
from custdesk.services.metrics_service import compute_metrics

pytestmark = pytest.mark.usefixtures("quiet_ui")

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))
HOSTILE_NAME = '=HYPERLINK("http://x","y")'
HOSTILE_COMPANY = "@SUM(1)"
HOSTILE_REASON = "=cmd|' /c calc'!A1"


def kpi_sheet(book) -> dict[str, tuple]:
    """Metric label -> the row's cells (openpyxl cells, to see formats too)."""
    ws = book["Key figures"]
    assert [c.value for c in ws[2]] == ["Metric", "Value", "Prior period", "Change vs prior",
                                        "n", "Small sample", "Formula"]
    return {row[0].value: row for row in ws.iter_rows(min_row=3)}


def no_formulas(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml and b't="e"' not in xml, name


# ----- Today -----------------------------------------------------------------------------------
def test_today_workbook_has_title_header_formats_and_kpis(qtbot, demo_store, tmp_path) -> None:
    from custdesk.ui.tab_output import write_export
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, OCTOBER)
    path = write_export(tmp_path / "today", tab.export_tables(), "Today · Oct 2026")
    assert path.name == "today.xlsx"  # no suffix: the default filter, Excel
    book = load_workbook(path)
    assert book.sheetnames == ["Customers at risk", "Key figures", "Hot prospects",
                               "Lost prospects", "Detractors to rescue", "Needs me"]
    ws = book["Customers at risk"]
    assert ws["A1"].value == "Today · Oct 2026 · Customers at risk" and ws["A1"].font.b
    assert [c.value for c in ws[2]] == ["Customer", "Segment", "Why", "Value at risk", "State"]
    assert all(c.font.b for c in ws[2]) and ws.freeze_panes == "A3"
    shown = tab.lists["at_risk"].model.rowCount()
    assert shown > 0 and ws.max_row == shown + 2
    assert ws.auto_filter.ref == f"A2:E{shown + 2}"
    first = tab.lists["at_risk"].model.rows()[0]
    assert ws["D3"].value == pytest.approx(first.value_at_risk)
    assert isinstance(ws["D3"].value, float) and ws["D3"].number_format.startswith('"$"#,##0.00')

    kpis = kpi_sheet(book)
    current = compute_metrics(demo_store, OCTOBER).metrics
    prior = compute_metrics(demo_store, OCTOBER.prior()).metrics
    revenue = kpis["Revenue"]
    sql = demo_store.conn.execute("SELECT sum(revenue_e4) FROM orders WHERE date BETWEEN ? "
                                  "AND ?", ("2026-10-01", "2026-10-31")).fetchone()[0] / 10_000
    assert revenue[1].value == pytest.approx(sql) and "$" in revenue[1].number_format
    assert revenue[2].value == pytest.approx(prior["revenue"].value)
    rel = (current["revenue"].value - prior["revenue"].value) / prior["revenue"].value
    assert revenue[3].value == pytest.approx(rel) and revenue[3].number_format.endswith("%")
    assert revenue[6].value == METRICS["revenue"].formula
    margin = kpis["Gross margin"]
    assert margin[1].value == pytest.approx(current["gross_margin_pct"].value / 100)
    assert margin[1].number_format == "0.0%"
    points = current["gross_margin_pct"].value - prior["gross_margin_pct"].value
    assert margin[3].value == pytest.approx(points) and "pts" in margin[3].number_format
    for metric in ("customers_new", "customers_new_value", "win_rate_pct", "nps"):
        row, value = kpis[METRICS[metric].label], current[metric]
        scale = 100 if METRICS[metric].unit == "pct" else 1
        assert row[1].value == pytest.approx(value.value / scale), metric
        assert row[4].value == value.n
        assert row[5].value == ("Yes" if value.small_sample else None)


# ----- Customers -------------------------------------------------------------------------------
@pytest.fixture
def hostile_store(demo_store):
    """The demo with formula-like text in a customer's name, company and a lost reason."""
    conn = demo_store.conn
    first = conn.execute("SELECT id FROM customers ORDER BY id LIMIT 1").fetchone()[0]
    lost = [r[0] for r in conn.execute(
        "SELECT id FROM customers WHERE lost_on BETWEEN ? AND ? ORDER BY id LIMIT 2",
        (YEAR.start.isoformat(), YEAR.end.isoformat()))]
    assert lost, "the demo has customers lost in the year"
    with demo_store.transaction():
        conn.execute("UPDATE customers SET name = ?, company = ? WHERE id = ?",
                     (HOSTILE_NAME, HOSTILE_COMPANY, first))
        conn.executemany("UPDATE customers SET lost_reason = ? WHERE id = ?",
                         [(HOSTILE_REASON, i) for i in lost])
    return demo_store


def test_customers_workbook_bridge_rates_and_no_formulas(qtbot, hostile_store,
                                                         tmp_path) -> None:
    from custdesk.ui.tab_output import export_heading, write_export
    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, hostile_store, YEAR)
    heading = export_heading("Customers", YEAR)
    assert heading == "Customers · 12/1/2025 – 11/24/2026"
    path = write_export(tmp_path / "c.xlsx", tab.export_tables(), heading)
    no_formulas(path)
    book = load_workbook(path)
    assert book.sheetnames == ["Customers", "Key figures", "By segment"]
    ws = book["Customers"]
    assert ws["A1"].value == f"{heading} · Customers"
    assert ws.freeze_panes == "A3" and ws["A2"].font.b and ws.auto_filter.ref.startswith("A2:")
    names = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert names[HOSTILE_NAME][1] == HOSTILE_COMPANY  # literal text, not a formula's result
    assert ws.max_row == tab.model.rowCount() + 2

    kpis = kpi_sheet(book)
    metrics = compute_metrics(hostile_store, YEAR).metrics
    new = hostile_store.conn.execute(
        "SELECT count(*) FROM customers WHERE acquired_on BETWEEN ? AND ?",
        (YEAR.start.isoformat(), YEAR.end.isoformat())).fetchone()[0]
    assert kpis["New customers"][1].value == new == metrics["customers_new"].value
    for label, metric in (("Customers at start", "customers_start"),
                          ("Customers won back", "customers_won_back"),
                          ("Customers lost", "customers_lost"),
                          ("Customers at end", "customers_active")):
        assert kpis[label][1].value == metrics[metric].value, label
        assert kpis[label][1].number_format == "#,##0"
    start, won_back, lost, end = (kpis[k][1].value for k in (
        "Customers at start", "Customers won back", "Customers lost", "Customers at end"))
    assert start + new + won_back - lost == end
    by_reason = {k[len("Lost: "):]: v[1].value for k, v in kpis.items() if k.startswith("Lost: ")}
    assert sum(by_reason.values()) == lost and by_reason[HOSTILE_REASON] >= 1
    retention = kpis["Retention rate"]
    assert retention[1].value == pytest.approx(metrics["retention_rate_pct"].value / 100)
    assert retention[1].number_format == "0.0%"
    prior = compute_metrics(hostile_store, YEAR.prior()).metrics
    assert retention[3].value == pytest.approx(metrics["retention_rate_pct"].value
                                               - prior["retention_rate_pct"].value)
    assert kpis["Renewal rate"][4].value == metrics["renewal_rate_pct"].n


def test_customers_csv_has_bom_apostrophes_and_plain_numbers(qtbot, hostile_store,
                                                             tmp_path) -> None:
    from custdesk.ui.tab_output import CSV_FILTER, write_export
    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, hostile_store, YEAR)
    path = write_export(tmp_path / "customers", tab.export_tables(), "Customers", CSV_FILTER)
    assert path.name == "customers.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name", "Company", "Segment"]  # the main table only, no title
    assert len(rows) == tab.model.rowCount() + 1
    by_name = {r[0]: r for r in rows[1:]}
    assert "'" + HOSTILE_NAME in by_name and by_name["'" + HOSTILE_NAME][1] == "'@SUM(1)"
    model_row = next(r for r in tab.model.rows() if r.name == HOSTILE_NAME)
    revenue = by_name["'" + HOSTILE_NAME][7]
    assert float(revenue) == pytest.approx(model_row.revenue)  # a number, not text


def test_export_dialog_writes_the_chosen_format(qtbot, demo_store, tmp_path,
                                                monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    from custdesk.ui import tab_output
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, OCTOBER)
    asked: list[str] = []

    suggested: list[str] = []

    def answer(_parent, _caption, name, filters):
        asked.append(filters)
        suggested.append(name)
        return str(tmp_path / "out" / "t.xlsx"), tab_output.XLSX_FILTER

    (tmp_path / "out").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    written = tab_output.export_dialog(tab, "custdesk today", tab.export_tables())
    assert asked == ["Excel workbook (*.xlsx);;CSV (*.csv)"]
    # the first export suggests Documents (never the program's folder); the next one starts
    # where the last file went
    assert Path(suggested[0]).parent != Path.cwd()
    tab_output.export_dialog(tab, "custdesk today", tab.export_tables())
    assert Path(suggested[1]).parent == tmp_path / "out"
    title = load_workbook(written)["Key figures"]["A1"].value
    assert title == "Today · 10/1/2026 – 10/31/2026 · Key figures"

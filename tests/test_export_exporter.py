"""The full export: catalogue headers, resolved references, exact values, filters, CLI."""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import python_calamine

from custdesk.cli import main
from custdesk.domain.records import Customer, Deal, OrderLine, Product, Spend, Target
from custdesk.services.exporter import EXPORT_KINDS, export_workbook, kind_rows
from custdesk.sheets.catalogue import CATALOGUE
from custdesk.sheets.writer import ExportCancelled
from custdesk.storage.repository import save_all, set_setting


def _sheet(path: Path, name: str) -> list[list[object]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(name).to_python()


@pytest.fixture
def small(store):
    save_all(
        store,
        customers=[Customer("Ann Lee", id=1, ref="C1", email="ann@x.example", segment="Retail"),
                   Customer("=Bob", id=2, email="bob@x.example")],
        products=[Product("Widget", id=1, ref="W-1", list_price_e4=199_900,
                          target_margin_pct=35.0),
                  Product("Gadget", id=2)],
        orders=[OrderLine("2024-01-15", 1, 164_480, order_ref="A1", product_id=1,
                          quantity=2.0, unit_price_e4=82_240, discount=0.125, cost_e4=100_000),
                OrderLine("2024-03-02", 2, -125_000, order_ref="A2", product_id=2)],
        deals=[Deal("Won", customer_id=2, product_id=1, amount_e4=5_000_000,
                    probability=33.3333, created_on="2024-01-01", closed_on="2024-02-01")],
        spend=[Spend("2024-01", 3_000_000, channel="ads"), Spend("2024-04", 10_000)],
        targets=[Target("2024-02", 99_990_000, 4)],
    )
    set_setting(store, "currency_symbol", "£")
    return store


def test_headers_are_exactly_the_catalogue_fields(small, tmp_path: Path) -> None:
    out = export_workbook(small, tmp_path / "full.xlsx").path
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == list(EXPORT_KINDS)
    for kind, specs in CATALOGUE.items():
        rows = _sheet(out, kind)
        assert rows[0][0].startswith(kind.capitalize())  # the title row
        assert rows[1] == [s.name for s in specs], kind


def test_references_are_resolved_and_money_is_exact(small, tmp_path: Path) -> None:
    out = export_workbook(small, tmp_path / "full.xlsx").path
    orders = _sheet(out, "orders")
    header = orders[1]
    first = dict(zip(header, orders[2], strict=True))
    assert (first["customer"], first["customer_name"], first["customer_email"]) == (
        "C1", "Ann Lee", "ann@x.example")
    assert (first["product"], first["product_name"]) == ("W-1", "Widget")
    assert (first["revenue"], first["unit_price"], first["cost"]) == (16.448, 8.224, 10.0)
    assert first["profit"] == 6.448 and first["discount"] == 0.125
    second = dict(zip(header, orders[3], strict=True))
    # no ref: the importer matches by e-mail, then name; the hostile name stays text
    assert (second["customer"], second["customer_name"]) == ("", "=Bob")
    assert second["revenue"] == -12.5 and second["cost"] == ""
    deal = dict(zip(_sheet(out, "deals")[1], _sheet(out, "deals")[2], strict=True))
    assert deal["product"] == "Widget" and deal["stage"] == "Won"
    assert deal["probability"] == 0.333333 and deal["amount"] == 500.0
    product = dict(zip(_sheet(out, "products")[1], _sheet(out, "products")[2], strict=True))
    assert product["target_margin_pct"] == 0.35 and product["list_price"] == 19.99


def test_rows_hold_decimals_not_floats(small) -> None:
    row = next(kind_rows(small, "orders"))
    assert row[13] == Decimal("16.4480") and isinstance(row[13], Decimal)


def test_money_format_uses_the_business_currency(small, tmp_path: Path) -> None:
    out = export_workbook(small, tmp_path / "full.xlsx", ["spend"]).path
    with zipfile.ZipFile(out) as archive:
        styles = ET.fromstring(archive.read("xl/styles.xml"))
    codes = [e.get("formatCode") for e in styles.iter() if e.tag.endswith("numFmt")]
    assert '"£"#,##0.00;-"£"#,##0.00' in codes


def test_period_filter_keeps_dated_records_and_all_customers(small, tmp_path: Path) -> None:
    result = export_workbook(small, tmp_path / "p.xlsx", start="2024-02-01", end="2024-03-31")
    assert result.rows["orders"] == 1 and result.rows["customers"] == 2
    assert result.rows["spend"] == 0 and result.rows["targets"] == 1
    assert result.rows["deals"] == 0  # created 2024-01-01
    orders = _sheet(result.path, "orders")
    assert "2024-02-01 to 2024-03-31" in orders[0][0]
    assert len(orders) == 3 and orders[2][0].isoformat() == "2024-03-02"


def test_kind_subset_in_workbook_order(small, tmp_path: Path) -> None:
    out = export_workbook(small, tmp_path / "k.xlsx", ["spend", "customers"]).path
    assert python_calamine.CalamineWorkbook.from_path(str(out)).sheet_names == [
        "customers", "spend"]
    with pytest.raises(ValueError, match="unknown kind 'invoices'"):
        export_workbook(small, tmp_path / "u.xlsx", ["invoices"])


def test_csv_export_of_one_kind(small, tmp_path: Path) -> None:
    out = export_workbook(small, tmp_path / "o.csv", ["orders"]).path
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [s.name for s in CATALOGUE["orders"]]
    assert rows[1][13] == "16.448" and rows[2][13] == "-12.50"
    assert rows[2][2] == "'=Bob"
    with pytest.raises(ValueError, match="one kind"):
        export_workbook(small, tmp_path / "two.csv", ["orders", "spend"])


def test_cancel_from_the_service(small, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    with pytest.raises(ExportCancelled):
        export_workbook(small, tmp_path / "c.xlsx", progress=lambda d, t: seen.append((d, t)),
                        cancel=lambda: bool(seen))
    assert seen == [(2, 10)] and not (tmp_path / "c.xlsx").exists()


def test_scorecard_sheet_matches_the_assessments(demo_store, tmp_path: Path) -> None:
    out = export_workbook(demo_store, tmp_path / "s.xlsx", ["scorecard"]).path
    rows = _sheet(out, "scorecard")
    expected = demo_store.conn.execute(
        "SELECT a.taken_on, q.score FROM assessments a JOIN assessment_answers q "
        "ON q.assessment_id = a.id WHERE q.question_id = 'margins' ORDER BY a.taken_on").fetchall()
    header = rows[1]
    got = [(r[0].isoformat(), r[header.index("margins")]) for r in rows[2:]]
    assert got == [(t, "" if s is None else s) for t, s in expected] and len(got) >= 1


def test_cli_writes_the_workbook(small, tmp_path: Path, capsys) -> None:
    path = str(small.path)
    small.close(backup_if_changed=False)
    out = tmp_path / "cli.xlsx"
    assert main(["--db", path, "export", str(out), "--kind", "orders", "--kind", "spend"]) == 0
    assert "orders 2, spend 2" in capsys.readouterr().out
    assert python_calamine.CalamineWorkbook.from_path(str(out)).sheet_names == ["orders",
                                                                                 "spend"]


@pytest.mark.parametrize(("args", "message"), [
    (["out.txt"], "must end in .xlsx or .csv"),
    (["out.csv"], "a .csv file holds one kind"),
    (["out.xlsx", "--from", "2024-05-01", "--to", "2024-01-01"], "is before --from"),
    (["missing-folder/out.xlsx"], "is not a folder"),
])
def test_cli_refuses_mistakes_in_one_line(small, tmp_path: Path, capsys, args, message) -> None:
    path = str(small.path)
    small.close(backup_if_changed=False)
    args = [str(tmp_path / args[0]), *args[1:]]
    assert main(["--db", path, "export", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_refuses_a_missing_database(tmp_path: Path, capsys) -> None:
    assert main(["--db", str(tmp_path / "none.db"), "export", str(tmp_path / "o.xlsx")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cli_reports_a_full_disk_in_one_line(small, tmp_path: Path, capsys, monkeypatch) -> None:
    import errno

    import custdesk.services.exporter as exporter

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exporter, "export_workbook", full)
    path = str(small.path)
    small.close(backup_if_changed=False)
    assert main(["--db", path, "export", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and err.count("\n") == 1

"""Full export → import into an empty database reproduces the records and the metrics.

The demo business is checked table by table (every column but surrogate ids and the import
date); each real file of ../shared/data is imported, exported, imported again, and
`custdesk metrics --json` must print the same JSON for both databases.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from export_roundtrip_util import CONTENT_SQL, OWNER_TABLES, content, import_full_export

from custdesk.cli import main
from custdesk.services.exporter import export_workbook
from custdesk.services.importer import ImportRequest, commit, make_preview
from custdesk.sheets.writer import is_formula_like
from custdesk.storage import open_store


def _fresh(path: Path):
    return open_store(path)


def test_demo_round_trip_reproduces_every_table(demo_store, tmp_path: Path) -> None:
    out = export_workbook(demo_store, tmp_path / "full.xlsx").path
    again = _fresh(tmp_path / "again.db")
    try:
        # settings are not records: carry them over as the owner's restore would
        again.conn.execute("DELETE FROM settings")
        again.conn.executemany("INSERT INTO settings VALUES (?, ?)", demo_store.conn.execute(
            "SELECT key, value FROM settings"))
        again.conn.commit()
        created = import_full_export(again, out)
        for table in CONTENT_SQL:
            expected = content(demo_store, table)
            assert content(again, table) == expected, table
            assert sum(expected.values()) > 0 or table == "stages", table
        assert created["orders"] == demo_store.db["orders"].count
        # the owner's records (m005): each table's rows equal (ids aside), one at least
        for table in OWNER_TABLES:
            expected = content(demo_store, table)
            assert expected and content(again, table) == expected, table
            assert created[table] == sum(expected.values()), table
        # the scorecard follow-up still points at its action (title | created on)
        assert all(row[2] for row in content(again, "scorecard_followups"))
    finally:
        again.close(backup_if_changed=False)


def _metrics_json(db: Path) -> dict:
    """`custdesk metrics --json` on `db`, run in this process (same code path as the CLI)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["--db", str(db), "metrics", "--json"]) == 0
    return json.loads(buffer.getvalue())


def _import_file(db: Path, path: Path, kind: str, sheet: str | None = None) -> None:
    store = open_store(db)
    try:
        request = ImportRequest(path, kind=kind, sheet=sheet, skip_invalid=True)
        commit(store, make_preview(store, request))
    finally:
        store.close(backup_if_changed=False)


# file (relative to ../shared/data), kind, sheet, table, at least this many rows
SHARED_FILES = [
    ("superstore.xlsx", "orders", "Orders", "orders", 9_994),
    ("superstore.xls", "orders", "Orders", "orders", 10_194),
    ("superstore.csv", "orders", None, "orders", 10_194),
    ("maven_crm/products.csv", "products", None, "products", 7),
    ("maven_crm/sales_pipeline.csv", "deals", None, "deals", 8_800),
    ("telco_customer_churn.csv", "customers", None, "customers", 7_043),
    ("online_retail_sample.csv", "orders", None, "orders", 14_000),
    ("customer_support_tickets.csv", "tickets", None, "tickets", 8_000),
]
# the CRM's deals are imported on top of its product list, as an owner would
_BEFORE = {"maven_crm/sales_pipeline.csv": ["maven_crm/products.csv"]}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "kind", "sheet", "table", "least"), SHARED_FILES,
                         ids=[f[0].replace("/", "_") for f in SHARED_FILES])
def test_shared_file_round_trip_keeps_every_metric(shared_data: Path, tmp_path: Path,
                                                   name: str, kind: str, sheet: str | None,
                                                   table: str, least: int) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    for earlier in _BEFORE.get(name, []):
        _import_file(first, shared_data / earlier, "products")
    _import_file(first, shared_data / name, kind, sheet)
    store = open_store(first)
    assert store.db[table].count >= least  # the file really was imported
    try:
        out = export_workbook(store, tmp_path / "full.xlsx").path
        again = _fresh(second)
        try:
            import_full_export(again, out)
            for table in CONTENT_SQL:
                if table != "settings":
                    assert content(again, table) == content(store, table), table
        finally:
            again.close(backup_if_changed=False)
    finally:
        store.close(backup_if_changed=False)
    metrics = _metrics_json(first)
    assert metrics == _metrics_json(second)
    assert json.dumps(metrics).count('"value": null') < json.dumps(metrics).count('"value"')


def _unquoted(rows: Counter) -> Counter:
    """Rows with the CSV defence's leading apostrophe removed ("'+44 20…" -> "+44 20…")."""
    def plain(v: object) -> object:
        return v[1:] if isinstance(v, str) and v[:1] == "'" and is_formula_like(v[1:]) else v
    return Counter({tuple(plain(v) for v in row): n for row, n in rows.items()})


def test_demo_csv_exports_import_back(demo_store, tmp_path: Path) -> None:
    """One CSV per kind (UTF-8 with BOM, shares as '12.5%') imports back to the same rows.

    Text a spreadsheet could run as a formula comes back with the apostrophe the CSV added
    (the importer keeps it; the demo's phone numbers start with '+'): only that differs.
    """
    again = _fresh(tmp_path / "csv.db")
    try:
        for kind in ("customers", "products", "orders", "spend"):
            out = export_workbook(demo_store, tmp_path / f"{kind}.csv", [kind]).path
            preview = make_preview(again, ImportRequest(out, kind=kind))
            assert not preview.errors, preview.errors[:3]
            commit(again, preview)
            got = content(again, kind)
            assert _unquoted(got) == content(demo_store, kind), kind
        phones = [row[6] for row in content(again, "customers") if row[6]]
        assert phones and all(p.startswith("'+") for p in phones)
    finally:
        again.close(backup_if_changed=False)

"""`custdesk import`: JSON shape, exit codes 0/1/2, --map, date order, --undo."""

from __future__ import annotations

import json
from pathlib import Path

from custdesk.cli import main

KEYS = ["file", "sheet", "kind", "rows_read", "created", "updated", "unchanged", "invalid",
        "errors", "batch_id", "removed", "orders_changed", "possible_duplicates", "notes"]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_json(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["import", *argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_json_shape_and_success(tmp_path, db_path, capsys):
    path = write(tmp_path, "sales.csv", "Invoice Date,Client,Amount\n2024-03-17,Ann,12.50\n")
    code, data = run_json(capsys, str(path), "--db", str(db_path))
    assert code == 0
    assert list(data) == KEYS
    assert data == {"file": "sales.csv", "sheet": "sales", "kind": "orders", "rows_read": 1,
                    "created": 1, "updated": 0, "unchanged": 0, "invalid": 0, "errors": [],
                    "batch_id": 1, "removed": 0, "orders_changed": [],
                    "possible_duplicates": [], "notes": []}


def test_invalid_rows_exit_1_with_errors(tmp_path, db_path, capsys):
    path = write(tmp_path, "sales.csv", "Date,Client,Amount\n2024-03-17,Ann,12.50\n"
                                        "2024-03-18,Bo,twelve\n")
    code, data = run_json(capsys, str(path), "--db", str(db_path))
    assert code == 1
    assert data["errors"] == [{"row": 3, "column": "Amount", "value": "twelve",
                               "reason": "not a number"}]
    assert (data["invalid"], data["batch_id"]) == (1, None)
    code, data = run_json(capsys, str(path), "--db", str(db_path), "--skip-invalid")
    assert (code, data["created"], data["batch_id"]) == (0, 1, 1)


def test_unreadable_file_exit_2_one_line(tmp_path, db_path, capsys):
    path = write(tmp_path, "notes.pdf", "hello")
    assert main(["import", str(path), "--db", str(db_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "notes.pdf" in err[0]


def test_ambiguous_dates_ask_for_the_order(tmp_path, db_path, capsys):
    path = write(tmp_path, "s.csv", "Date,Client,Amount\n03/04/2024,Ann,1\n05/06/2024,Bo,2\n")
    assert main(["import", str(path), "--db", str(db_path)]) == 2
    assert "--dayfirst or --monthfirst" in capsys.readouterr().err
    code, _data = run_json(capsys, str(path), "--db", str(db_path), "--dayfirst")
    assert code == 0
    from custdesk.storage import open_store

    with open_store(db_path) as store:
        dates = [r[0] for r in store.conn.execute("SELECT date FROM orders ORDER BY date")]
    assert dates == ["2024-04-03", "2024-06-05"]


def test_map_option_and_dry_run(tmp_path, db_path, capsys):
    path = write(tmp_path, "c.csv", "customerID,Contract,Churn\nA-1,One year,No\n"
                                    "A-2,Month-to-month,Yes\n")
    code, data = run_json(capsys, str(path), "--db", str(db_path), "--map", "Contract=segment",
                          "--dry-run")
    assert (code, data["created"], data["batch_id"]) == (0, 2, None)
    code, data = run_json(capsys, str(path), "--db", str(db_path), "--map", "Contract=segment")
    from custdesk.storage import open_store

    with open_store(db_path) as store:
        rows = store.conn.execute("SELECT ref, segment, status FROM customers ORDER BY ref")
        assert rows.fetchall() == [("A-1", "One year", "active"),
                                   ("A-2", "Month-to-month", "lost")]


def test_bad_map_is_exit_2(tmp_path, db_path, capsys):
    path = write(tmp_path, "c.csv", "Name,Phone\nAnn,1\n")
    assert main(["import", str(path), "--db", str(db_path), "--map", "Nope=segment"]) == 2
    assert "Nope" in capsys.readouterr().err


def test_undo_by_batch_id(tmp_path, db_path, capsys):
    path = write(tmp_path, "c.csv", "Name,Email\nAnn,ann@example.com\n")
    code, data = run_json(capsys, str(path), "--db", str(db_path))
    assert main(["import", "--undo", str(data["batch_id"]), "--db", str(db_path)]) == 0
    assert "Undid import 1" in capsys.readouterr().out
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 1
    assert "import 1 was already undone" in capsys.readouterr().err
    assert main(["import", "--undo", "7", "--db", str(db_path)]) == 1
    assert "no import batch 7" in capsys.readouterr().err

"""Per-column conventions decided from all of a column's values (issue 20 H7): percent
columns read as points or fractions, an ambiguous one is asked, never guessed."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from custdesk.cli import main
from custdesk.services.importer import (
    AmbiguousColumnError,
    ImportRequest,
    commit,
    make_preview,
)
from custdesk.sheets.values import FRACTIONS, POINTS, decide_percent_scale
from custdesk.storage import open_store


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_scale_is_decided_from_every_value() -> None:
    assert decide_percent_scale([1, 5, 10, 15]) == POINTS
    assert decide_percent_scale([0.1, 0.2, None, "0.15"]) == FRACTIONS
    assert decide_percent_scale([0.5, 10]) is None
    assert decide_percent_scale(["1", "10", "25%"]) == POINTS
    assert decide_percent_scale(["20%", "0.5"]) == FRACTIONS  # '%' values say themselves


def test_a_discount_of_1_in_a_column_of_points_is_1_percent(store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "o.csv", "Date,Customer,Sales,Discount\n2024-01-02,Ann,10,1\n"
                "2024-01-03,Bob,10,5\n2024-01-04,Cy,10,10\n2024-01-05,Di,10,15\n")
    commit(store, make_preview(store, ImportRequest(path, kind="orders")))
    got = sorted(d for (d,) in store.conn.execute("SELECT discount FROM orders"))
    assert got == [0.01, 0.05, 0.1, 0.15]


def test_probability_1_among_10_25_50_is_1_percent(store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "d.csv", "Title,Account,Stage,Probability\nA,Acme,Lead,1\n"
                "B,Acme,Lead,10\nC,Acme,Lead,25\nD,Acme,Lead,50\n")
    commit(store, make_preview(store, ImportRequest(path, kind="deals")))
    got = dict(store.conn.execute("SELECT title, probability FROM deals"))
    assert got == {"A": 1.0, "B": 10.0, "C": 25.0, "D": 50.0}


def test_fractions_stay_fractions(store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "o.csv", "Date,Customer,Sales,Discount\n2024-01-02,Ann,10,0.1\n"
                "2024-01-03,Bob,10,0.2\n2024-01-04,Cy,10,1\n")
    commit(store, make_preview(store, ImportRequest(path, kind="orders")))
    got = sorted(d for (d,) in store.conn.execute("SELECT discount FROM orders"))
    assert got == [0.1, 0.2, 1.0]


def test_an_ambiguous_column_is_asked_never_guessed(store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "o.csv", "Date,Customer,Sales,Discount\n2024-01-02,Ann,10,0.5\n"
                "2024-01-03,Bob,10,10\n")
    with pytest.raises(AmbiguousColumnError) as caught:
        make_preview(store, ImportRequest(path, kind="orders"))
    assert "column Discount" in str(caught.value) and "--points" in str(caught.value)
    preview = make_preview(store, ImportRequest(path, kind="orders", percent_scale=POINTS))
    assert sorted(r["discount"] for _n, r in preview.parsed.rows) == [0.005, 0.1]


def test_cli_names_file_sheet_and_column_and_takes_the_option(tmp_path: Path) -> None:
    path = _csv(tmp_path / "o.csv", "Date,Customer,Sales,Discount\n2024-01-02,Ann,10,0.5\n"
                "2024-01-03,Bob,10,10\n")
    db = str(tmp_path / "b.db")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["--db", db, "import", str(path)])
    assert code == 2
    line = err.getvalue().strip()
    assert "o.csv" in line and "sheet o" in line and "Discount" in line and "--points" in line
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--db", db, "import", str(path), "--points"]) == 0


# ----- numbers: 2.500 in a ';' file of 1.234,56 is 2500; a year alone is 1 January -----------
def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_2_500_in_a_semicolon_file_of_1_234_56_is_2500(store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "o.csv", "Date;Customer;Sales;Quantity\n2024-01-02;Ann;1.234,56;1\n"
                "2024-01-03;Bob;2.500;2.500\n")
    commit(store, make_preview(store, ImportRequest(path, kind="orders")))
    got = sorted(store.conn.execute("SELECT revenue_e4, quantity FROM orders"))
    assert got == [(12_345_600, 1.0), (25_000_000, 2500.0)]


def test_cli_asks_about_2_500_in_one_line_and_takes_the_option(tmp_path: Path) -> None:
    path = _csv(tmp_path / "o.csv", "Date;Customer;Sales\n2024-01-02;Ann;2.500\n"
                "2024-01-03;Bob;7\n")
    db = str(tmp_path / "b.db")
    code, _out, err = _run("--db", db, "import", str(path), "--kind", "orders")
    assert code == 2
    line = err.strip()
    assert "\n" not in line
    assert "o.csv" in line and "sheet o" in line and "column Sales" in line
    assert "2.500" in line and "--decimal-comma" in line and "--decimal-point" in line
    assert _run("--db", db, "import", str(path), "--kind", "orders", "--decimal-comma")[0] == 0
    store = open_store(Path(db))
    try:
        got = sorted(r for (r,) in store.conn.execute("SELECT revenue_e4 FROM orders"))
    finally:
        store.close(backup_if_changed=False)
    assert got == [70_000, 25_000_000]


def test_customer_since_2019_is_1_january_2019_and_the_preview_says_so(tmp_path: Path
                                                                        ) -> None:
    path = _csv(tmp_path / "c.csv", "Name,Customer Since\nAnn,2019\nBob,2021\n")
    db = str(tmp_path / "b.db")
    code, out, _err = _run("--db", db, "import", str(path), "--dry-run")
    assert code == 0
    assert "Customer Since: years only, read as 1 January" in out
    assert _run("--db", db, "import", str(path))[0] == 0
    store = open_store(Path(db))
    try:
        got = dict(store.conn.execute("SELECT name, acquired_on FROM customers"))
    finally:
        store.close(backup_if_changed=False)
    assert got == {"Ann": "2019-01-01", "Bob": "2021-01-01"}  # never 1905-07-11


def test_a_year_alone_among_full_dates_is_a_row_error(store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "c.csv", "Name,Customer Since\nAnn,2019\nBob,2021-03-04\n")
    preview = make_preview(store, ImportRequest(path))
    assert preview.invalid == 1
    assert [(e.row, e.column, e.value) for e in preview.errors] == [
        (2, "Customer Since", "2019")]

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

"""CSAT in any form (METRICS.md surveys, issue 14): stars, smileys, words, 1–5, and 0–10 or %
columns rescaled to 1–5 — decided per column, each distinct value's reading in the preview,
an unreadable value a row error naming file, sheet, row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from custdesk.cli import main
from custdesk.services.importer import ImportRequest, commit, make_preview
from custdesk.sheets.csat import (
    FIVE,
    FRACTION,
    MAX_READINGS_SHOWN,
    PERCENT,
    TEN,
    decide_csat_scale,
    read_csat,
    readings_note,
)


@pytest.mark.parametrize(("value", "scale", "expected"), [
    ("★★★★☆", FIVE, 4), ("★☆☆☆☆", FIVE, 1), ("⭐⭐⭐", FIVE, 3), ("4 stars", FIVE, 4),
    ("1 star", FIVE, 1), ("4/5", FIVE, 4), ("4 out of 5", FIVE, 4), ("5/5 stars", FIVE, 5),
    ("4 Stars!", FIVE, 4), ("4 / 5", FIVE, 4),
    ("😞", FIVE, 1), ("🙁", FIVE, 2), ("😐", FIVE, 3), ("🙂", FIVE, 4), ("😀", FIVE, 5),
    ("☹️", FIVE, 2), ("😊", FIVE, 4), ("😃", FIVE, 5), (":)", FIVE, 4),
    ("Very dissatisfied", FIVE, 1), ("dissatisfied", FIVE, 2), ("Neutral", FIVE, 3),
    ("Neither satisfied nor dissatisfied", FIVE, 3), ("SATISFIED.", FIVE, 4),
    ("very satisfied!", FIVE, 5), ("Very  Satisfied", FIVE, 5),
    (4, FIVE, 4), ("4", FIVE, 4), (1.0, FIVE, 1),
    (8, TEN, 4), ("8", TEN, 4), (0, TEN, 1), (10, TEN, 5), (9, TEN, 5), (7, TEN, 4),
    (6, TEN, 3), (5, TEN, 3), ("8/10", FIVE, 4), ("8 out of 10", FIVE, 4),
    ("80 %", FIVE, 4), ("80%", FIVE, 4), (80, PERCENT, 4), (100, PERCENT, 5),
    (0, PERCENT, 1), (62.5, PERCENT, 4), (60, PERCENT, 3), (0.8, FRACTION, 4),
])
def test_every_listed_form_reads_as_expected(value, scale, expected):
    read = read_csat(value, scale)
    assert read is not None and read[0] == expected


@pytest.mark.parametrize("value", ["great-ish", "6 stars", "★★★★★★", "4.5", "0", "120%",
                                   "7/5"])
def test_values_that_are_no_satisfaction_answer_are_refused(value):
    with pytest.raises(ValueError):
        read_csat(value, FIVE)


@pytest.mark.parametrize(("values", "scale"), [
    ([1, 2, 5, None], FIVE), ([3, 8, 0], TEN), (["4", "10"], TEN), ([40, 80, 5], PERCENT),
    ([0.8, 0.25, 1], FRACTION), (["★★★★☆", 3, "80 %"], FIVE), ([1, 1, 0], FIVE),
])
def test_the_scale_of_plain_numbers_is_decided_per_column(values, scale):
    assert decide_csat_scale(values) == scale


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_a_survey_file_with_every_form_is_imported_and_the_preview_says_each_reading(
        store, tmp_path):
    path = write_csv(tmp_path / "feedback.csv", [
        ["Date", "Customer", "CSAT"],
        ["2025-03-01", "Ann", "★★★★☆"], ["2025-03-02", "Bob", "4 stars"],
        ["2025-03-03", "Cy", "😐"], ["2025-03-04", "Di", "Very satisfied"],
        ["2025-03-05", "Ed", "80 %"], ["2025-03-06", "Flo", "2"], ["2025-03-07", "Gus", ""]])
    preview = make_preview(store, ImportRequest(path, kind="surveys"))
    assert not preview.errors
    note = next(line for line in preview.findings() if line.startswith("CSAT"))
    for reading in ("★★★★☆ → 4 (stars)", "4 stars → 4 (stars)", "😐 → 3 (smiley)",
                    "Very satisfied → 5 (words)", "80 % → 4 (percent scale)", "2 → 2"):
        assert reading in note
    commit(store, preview)
    assert store.conn.execute("SELECT csat FROM surveys ORDER BY date").fetchall() == [
        (4,), (4,), (3,), (5,), (4,), (2,), (None,)]


def test_a_column_on_a_0_to_10_scale_is_rescaled_and_said_so(store, tmp_path):
    path = write_csv(tmp_path / "s.csv", [["Date", "Customer", "Satisfaction"],
                                          ["2025-03-01", "Ann", "8"],
                                          ["2025-03-02", "Bob", "3"],
                                          ["2025-03-03", "Cy", "10"]])
    preview = make_preview(store, ImportRequest(path, kind="surveys"))
    note = next(line for line in preview.findings() if line.startswith("Satisfaction"))
    assert "0–10 scale: a number above 5" in note
    assert "8 → 4" in note and "3 → 2" in note and "10 → 5" in note
    commit(store, preview)
    assert sorted(r[0] for r in store.conn.execute("SELECT csat FROM surveys")) == [2, 4, 5]


def test_a_percent_column_is_rescaled(store, tmp_path):
    path = write_csv(tmp_path / "s.csv", [["Date", "Customer", "CSAT"],
                                          ["2025-03-01", "Ann", "80"],
                                          ["2025-03-02", "Bob", "100"],
                                          ["2025-03-03", "Cy", "5"]])
    preview = make_preview(store, ImportRequest(path, kind="surveys"))
    assert "percent scale: a number above 10" in " ".join(preview.findings())
    commit(store, preview)
    # 80 % -> 4, 100 % -> 5, 5 % -> 1 + 0.2 -> 1
    assert sorted(r[0] for r in store.conn.execute("SELECT csat FROM surveys")) == [1, 4, 5]


def test_plain_1_to_5_answers_need_no_note(store, tmp_path):
    path = write_csv(tmp_path / "s.csv", [["Date", "Customer", "CSAT"],
                                          ["2025-03-01", "Ann", "4"],
                                          ["2025-03-02", "Bob", "5"]])
    preview = make_preview(store, ImportRequest(path, kind="surveys"))
    assert not any(line.startswith("CSAT") for line in preview.findings())


def test_an_unreadable_value_is_a_row_error_naming_file_sheet_row_and_column(store, tmp_path):
    path = write_csv(tmp_path / "tickets.csv", [
        ["Ticket ID", "Customer", "Customer Satisfaction Rating"],
        ["T-1", "Ann", "😀"], ["T-2", "Bob", "so-so"]])
    preview = make_preview(store, ImportRequest(path, kind="tickets"))
    assert preview.file == "tickets.csv"
    [error] = preview.errors
    assert (error.sheet, error.row, error.column, error.value) == (
        "tickets", 3, "Customer Satisfaction Rating", "so-so")
    assert "not a satisfaction answer" in error.reason


def test_ticket_csat_uses_the_same_reader(store, tmp_path):
    path = write_csv(tmp_path / "tickets.csv", [
        ["Ticket ID", "Customer", "CSAT"], ["T-1", "Ann", "★★☆☆☆"], ["T-2", "Bob", "🙂"]])
    commit(store, make_preview(store, ImportRequest(path, kind="tickets")))
    assert store.conn.execute("SELECT ref, csat FROM tickets ORDER BY ref").fetchall() == [
        ("T-1", 2), ("T-2", 4)]


def test_the_cli_dry_run_prints_each_reading(tmp_path, db_path, capsys):
    path = write_csv(tmp_path / "s.csv", [["Date", "Customer", "CSAT"],
                                          ["2025-03-01", "Ann", "★★★★☆"],
                                          ["2025-03-02", "Bob", "Very satisfied"]])
    assert main(["import", str(path), "--kind", "surveys", "--dry-run", "--db",
                 str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "CSAT, read as 1–5: ★★★★☆ → 4 (stars), Very satisfied → 5 (words)" in out


def test_a_column_of_many_distinct_values_lists_a_few_and_counts_the_rest():
    values: list[object] = [x / 10 for x in range(1000)]  # 0.0 … 99.9 %
    note = readings_note("CSAT", values, PERCENT)
    assert note is not None and note.endswith(f"and {1000 - MAX_READINGS_SHOWN} more")
    assert note.count("→") == MAX_READINGS_SHOWN

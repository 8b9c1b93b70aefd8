"""RecordTableModel: Qt model contract, numeric/date sorting, search and filters, formatting."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt

from custdesk.ui import formatting as fmt
from custdesk.ui.record_table_model import ROW_ROLE, SORT_ROLE, Column, RecordTableModel

pytestmark = pytest.mark.usefixtures("english_locale")


@dataclass(frozen=True)
class Row:
    name: str
    revenue: float | None
    since: str | None
    tags: list[str]


ROWS = [
    Row("Ann Archer", 100.0, "2024-03-01", ["late payer"]),
    Row("bob Baker", 20.0, "2023-12-31", []),
    Row("Cyd Cole", 3.0, None, ["big", "loyal"]),
    Row("Dee Dunn", None, "2025-01-15", []),
]
COLUMNS = [Column("name", "Name"), Column("revenue", "Revenue", "money"),
           Column("since", "Since", "date"), Column("tags", "Tags", "list")]


def make_model() -> RecordTableModel:
    model = RecordTableModel(COLUMNS)
    model.set_rows(ROWS)
    return model


def names(model: RecordTableModel) -> list[str]:
    return [r.name for r in model.rows()]


def test_model_passes_qt_model_tester(qtmodeltester) -> None:
    model = make_model()
    qtmodeltester.check(model)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    model.set_search("a")
    qtmodeltester.check(model)


def test_money_sorts_as_numbers_and_blanks_go_last_both_ways() -> None:
    model = make_model()
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert names(model) == ["Cyd Cole", "bob Baker", "Ann Archer", "Dee Dunn"]
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert names(model) == ["Ann Archer", "bob Baker", "Cyd Cole", "Dee Dunn"]


def test_dates_sort_chronologically_and_text_ignores_case() -> None:
    model = make_model()
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert names(model) == ["bob Baker", "Ann Archer", "Dee Dunn", "Cyd Cole"]
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert names(model) == ["Ann Archer", "bob Baker", "Cyd Cole", "Dee Dunn"]


def test_search_matches_every_word_in_text_and_list_columns() -> None:
    model = make_model()
    model.set_search("LOYAL cyd")
    assert names(model) == ["Cyd Cole"]
    model.set_search("dunn")
    assert names(model) == ["Dee Dunn"]
    model.set_search("")
    assert model.rowCount() == 4


def test_predicate_and_search_combine_and_survive_new_rows_and_sorting() -> None:
    model = make_model()
    model.sort(1, Qt.SortOrder.DescendingOrder)
    model.set_predicate(lambda r: r.revenue is not None and r.revenue > 10)
    assert names(model) == ["Ann Archer", "bob Baker"]
    model.set_search("bob")
    assert names(model) == ["bob Baker"]
    model.set_rows([*ROWS, Row("Bob Bright", 500.0, None, [])])
    assert names(model) == ["Bob Bright", "bob Baker"]


def test_roles_give_raw_value_row_object_display_text_and_alignment() -> None:
    model = make_model()
    index = model.index(0, 1)
    assert model.data(index, SORT_ROLE) == 100.0
    assert model.data(index, ROW_ROLE) is ROWS[0]
    assert model.data(index) == "$100.00"
    assert model.data(model.index(3, 1)) == "—"
    assert model.data(model.index(2, 3)) == "big; loyal"
    right = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
    assert model.data(index, Qt.ItemDataRole.TextAlignmentRole) == right


def test_persistent_indexes_follow_their_row_through_a_sort() -> None:
    model = make_model()
    keep = QPersistentModelIndex(model.index(0, 0))  # Ann
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert keep.row() == 2
    assert model.data(model.index(keep.row(), 0)) == "Ann Archer"


def test_locale_formatting_of_money_percent_and_dates() -> None:
    assert fmt.money(1234567.891) == "$1,234,567.89"
    assert fmt.money_short(12345) == "$12.3k"
    assert fmt.money_short(2_500_000) == "$2.50M"
    # negatives in one style whatever their size
    assert [fmt.money_short(v) for v in (-1981, -209_602, -2_500_000)] == [
        "($1,981)", "($209.6k)", "($2.50M)"]
    assert fmt.pct(42.26) == "42.3 %"
    assert fmt.day_text("2026-03-07") == "3/7/2026"
    assert fmt.by_unit(None, "money") == "—"
    assert fmt.by_unit(87.36, "ratio", short=True) == "87.4×"  # a ratio carries its unit
    assert fmt.dates_in_text("Plan as of 2026-12-01: 2026-12 and later, not 2025-Q1") == \
        "Plan as of 12/1/2026: Dec 26 and later, not 2025-Q1"
    assert fmt.dates_in_text(None) == ""
    assert fmt.money_in_text("gave away 40,189.00 and made 20.50 at 12.50 % off") == \
        "gave away $40,189 and made $20.50 at 12.50 % off"


def test_visible_table_is_what_the_view_shows_in_order() -> None:
    model = make_model()
    model.sort(1, Qt.SortOrder.DescendingOrder)
    model.set_search("b")  # "bob Baker", and Cyd Cole by the tag "big"
    columns, rows = model.visible_table()
    assert [c.key for c in columns] == ["name", "revenue", "since", "tags"]
    assert rows == [["bob Baker", 20.0, "2023-12-31", []],
                    ["Cyd Cole", 3.0, None, ["big", "loyal"]]]


def test_sample_texts_visit_at_most_the_limit() -> None:
    model = RecordTableModel(COLUMNS)
    model.set_rows([Row(f"n{i}", float(i), None, []) for i in range(1000)])
    sample = model.sample_texts(0, limit=50)
    assert len(sample) == 50
    assert sample[0] == "n0"


def test_typing_on_narrows_and_deleting_widens_again() -> None:
    model = make_model()
    fresh = make_model()
    for text in ("b", "bo", "bob b", "bo", "", "c"):
        model.set_search(text)
        fresh.set_search("")
        fresh.set_search(text)
        assert names(model) == names(fresh), text


def test_search_never_matches_across_rows_or_columns_and_folds_case_fully() -> None:
    """The search runs over one text of all rows: a word must lie inside one cell's text
    of one row; a letter that folds longer (ß → ss) shifts no row's offsets."""
    rows = [Row("Ann Ab", 1.0, None, ["cd"]), Row("Cd Straße", 2.0, None, []),
            Row("Ef", 3.0, None, ["ann"]), Row("Gi", 4.0, None, [])]
    model = RecordTableModel(COLUMNS)
    model.set_rows(rows)
    model.set_search("abcd")  # "Ab" ends row 1's name, "cd" is its tag: not one word
    assert names(model) == []
    model.set_search("bcd")  # the end of row 1 and the start of row 2
    assert names(model) == []
    model.set_search("STRASSE cd")
    assert names(model) == ["Cd Straße"]
    model.set_search("ann")  # in a name and in a list column
    assert names(model) == ["Ann Ab", "Ef"]
    model.set_search("gi")  # the last row (no row after it)
    assert names(model) == ["Gi"]
    model.set_search("ab ann cd")  # every word, each found in this row only
    assert names(model) == ["Ann Ab"]


@pytest.mark.parametrize("seed", range(4))
def test_search_equals_a_row_by_row_scan_on_random_rows(seed: int) -> None:
    import random

    rng = random.Random(seed)
    letters = "abcß "
    rows = [Row("".join(rng.choice(letters) for _ in range(rng.randint(0, 8))), None, None,
                ["".join(rng.choice(letters) for _ in range(3))] if rng.random() < 0.5
                else []) for _ in range(200)]
    model = RecordTableModel(COLUMNS)
    model.set_rows(rows)
    for _ in range(30):
        words = ["".join(rng.choice("abcßs") for _ in range(rng.randint(1, 3)))
                 for _ in range(rng.randint(1, 2))]
        model.set_search(" ".join(words))
        expected = [r.name for r in rows
                    if all(w.casefold() in f"{r.name}\n{'; '.join(r.tags)}".casefold()
                           for w in words)]
        assert names(model) == expected, words

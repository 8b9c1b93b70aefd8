"""The stage catalogue in Business settings (issue 12): rename (deals stay), reorder, kind,
probability, add, remove an unused stage; a used one is refused; one transaction."""

from __future__ import annotations

import pytest

from custdesk.domain.text import name_key
from custdesk.services.settings_service import StageEdit, save_stages, stage_rows


def catalogue(store) -> list[tuple]:
    return store.conn.execute("SELECT id, name, name_key, kind, probability, position "
                              "FROM stages ORDER BY position").fetchall()


def edits(store) -> list[StageEdit]:
    return [StageEdit(r.id, r.name, r.kind, r.probability) for r in stage_rows(store)]


def deals_by_stage(store) -> dict[int, int]:
    return dict(store.conn.execute("SELECT stage_id, count(*) FROM deals GROUP BY stage_id"))


def test_rename_reorder_kind_probability_add_and_remove(store) -> None:
    rows = {r.name: r for r in stage_rows(store)}
    assert [r.name for r in stage_rows(store)] == ["Lead", "Qualified", "Proposal",
                                                   "Negotiation", "Won", "Lost"]
    assert not any(r.used for r in rows.values())
    new = [StageEdit(rows["Qualified"].id, "  Discovery  call ", "open", 30),
           StageEdit(rows["Lead"].id, "Lead", "open", 5),
           StageEdit(None, "Trial", "open", 60),
           StageEdit(rows["Won"].id, "Signed", "won", 12),  # won is 100 % whatever is typed
           StageEdit(rows["Lost"].id, "Lost", "lost", 50)]
    save_stages(store, new, remove=[rows["Proposal"].id])  # Negotiation left out: removed too
    got = catalogue(store)
    assert [(r[1], r[3], r[4], r[5]) for r in got] == [
        ("Discovery call", "open", 30.0, 1), ("Lead", "open", 5.0, 2), ("Trial", "open", 60.0, 3),
        ("Signed", "won", 100.0, 4), ("Lost", "lost", 0.0, 5)]
    assert got[0][2] == name_key("Discovery call") and got[0][0] == rows["Qualified"].id


def test_swapping_two_names_works(store) -> None:
    current = edits(store)
    current[0], current[1] = (StageEdit(current[0].id, "Qualified", "open", 10),
                              StageEdit(current[1].id, "Lead", "open", 25))
    save_stages(store, current)
    assert [r.name for r in stage_rows(store)][:2] == ["Qualified", "Lead"]


def test_rename_keeps_deals_and_used_stages_are_never_removed(demo_store) -> None:
    before = deals_by_stage(demo_store)
    rows = stage_rows(demo_store)
    used = next(r for r in rows if r.deals)
    assert used.deals == before[used.id]
    renamed = [StageEdit(r.id, "Talking" if r.id == used.id else r.name, r.kind, r.probability)
               for r in rows]
    save_stages(demo_store, renamed)
    assert deals_by_stage(demo_store) == before
    assert next(r for r in stage_rows(demo_store) if r.id == used.id).name == "Talking"
    snapshot = catalogue(demo_store)
    with pytest.raises(ValueError, match="cannot be removed"):
        save_stages(demo_store, [e for e in edits(demo_store) if e.id != used.id])
    with pytest.raises(ValueError, match="cannot be removed"):
        save_stages(demo_store, edits(demo_store), remove=[used.id])
    assert catalogue(demo_store) == snapshot


@pytest.mark.parametrize(("change", "message"), [
    (lambda e: [*e[:-1], StageEdit(e[-1].id, e[0].name.upper(), "lost", 0)], "two stages"),
    (lambda e: [StageEdit(e[0].id, "  ", "open", 10), *e[1:]], "needs a name"),
    (lambda e: [x for x in e if x.kind != "won"], "at least one won"),
    (lambda e: [StageEdit(e[0].id, e[0].name, "maybe", 10), *e[1:]], "open, won or lost"),
    (lambda e: [StageEdit(e[0].id, e[0].name, "open", 140), *e[1:]], "0–100"),
])
def test_refused_catalogues_change_nothing(store, change, message) -> None:
    before = catalogue(store)
    with store.transaction(), pytest.raises(ValueError, match=message):
        save_stages(store, change(edits(store)))
    assert catalogue(store) == before


def test_removing_an_import_created_stage_forgets_its_undo_entry(store) -> None:
    """Else undoing that import would delete whatever stage later gets the same id."""
    from custdesk.storage import repository

    with store.transaction():
        stage = repository.ensure_stage(store, "Imported stage")
        batch = store.conn.execute(
            "INSERT INTO import_batches(kind, source_file, started_at) "
            "VALUES ('deals', 'x.csv', '2026-01-01')").lastrowid
        store.conn.execute("INSERT INTO batch_changes(batch_id, table_name, row_id, action) "
                           "VALUES (?, 'stages', ?, 'insert')", (batch, stage))
    save_stages(store, [e for e in edits(store) if e.id != stage])
    assert stage not in {r.id for r in stage_rows(store)}
    assert store.conn.execute("SELECT count(*) FROM batch_changes WHERE table_name = 'stages'"
                              ).fetchone() == (0,)

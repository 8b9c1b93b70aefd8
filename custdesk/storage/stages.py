"""The stage catalogue as Business settings edits it: each stage with its id and how many
deals (and stage-history entries) use it; rename, reorder, re-kind, add and remove.

Deals point at a stage by id, so a rename keeps every deal in its stage. The caller
(`services/settings_service.save_stages`) validates and runs this in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.text import name_key
from custdesk.storage.store import Store


@dataclass(frozen=True, slots=True)
class StageRow:
    id: int
    name: str
    kind: str  # open / won / lost
    probability: float
    position: int
    deals: int  # deals in this stage now
    history: int  # stage-history entries naming it (a deal was in it once)

    @property
    def used(self) -> bool:
        return bool(self.deals or self.history)


def stage_rows(store: Store) -> list[StageRow]:
    """Every stage in the owner's order, with its use."""
    return [StageRow(*r) for r in store.conn.execute(
        "SELECT s.id, s.name, s.kind, s.probability, s.position, "
        "(SELECT count(*) FROM deals d WHERE d.stage_id = s.id), "
        "(SELECT count(*) FROM deal_stage_history h "
        " WHERE h.stage_id = s.id OR h.from_stage_id = s.id) "
        "FROM stages s ORDER BY s.position, s.id")]


def write_stages(store: Store, stages: list[tuple[int | None, str, str, float]],
                 remove: list[int]) -> None:
    """Make the catalogue `stages` — (id or None for a new stage, name, kind, probability),
    in order — and delete the stages `remove`. Validated by the caller; inside one
    transaction (the caller's, if it has one). A rename of two stages into each other's
    names works (names go through temporary ones first)."""
    with store.transaction():
        for stage_id in remove:
            # an import that created this stage must not delete the row that reuses its id
            store.conn.execute("DELETE FROM batch_changes WHERE table_name = 'stages' "
                               "AND row_id = ?", (stage_id,))
            store.conn.execute("DELETE FROM stages WHERE id = ?", (stage_id,))
        for existing, _name, _kind, _p in stages:
            if existing is not None:
                store.conn.execute("UPDATE stages SET name = ? WHERE id = ?",
                                   (f"\x00renaming {existing}", existing))
        for position, (existing, name, kind, probability) in enumerate(stages, start=1):
            values = (name, name_key(name), kind, probability, position)
            if existing is None:
                store.conn.execute("INSERT INTO stages(name, name_key, kind, probability, "
                                   "position) VALUES (?, ?, ?, ?, ?)", values)
            else:
                store.conn.execute("UPDATE stages SET name = ?, name_key = ?, kind = ?, "
                                   "probability = ?, position = ? WHERE id = ?",
                                   (*values, existing))

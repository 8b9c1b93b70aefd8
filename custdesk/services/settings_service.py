"""Business settings as the settings dialog edits them: the key/value settings and the
stage catalogue (storage's repository, reached through services so `ui/` never imports
`custdesk.storage`). The rules' own settings (window, thresholds) are validated by
`metrics_service.save_settings`.

The stage catalogue (`save_stages`): name, order, kind (open/won/lost) and default
probability of each stage; new stages; unused stages removed. A stage that deals use (now,
or in their stage history) is never removed; a rename keeps its deals (they point at the
stage's id). Won stages are 100 % and lost ones 0 % by definition. At least one open, one
won and one lost stage remain. All of it in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from custdesk.domain.text import name_key
from custdesk.storage.repository import get_settings, load_stages, set_setting
from custdesk.storage.stages import StageRow, stage_rows, write_stages
from custdesk.storage.store import Store

__all__ = ["StageEdit", "StageRow", "get_settings", "load_stages", "save_stages",
           "set_setting", "stage_rows"]

KINDS = ("open", "won", "lost")


@dataclass(frozen=True, slots=True)
class StageEdit:
    """One stage as the owner wants it; `id` None for a new stage."""

    id: int | None
    name: str
    kind: str
    probability: float


def save_stages(store: Store, stages: list[StageEdit], remove: Iterable[int] = ()) -> None:
    """Make the catalogue `stages` (in this order) and remove the stages with ids `remove`;
    raises ValueError (owner-readable) and changes nothing when the catalogue is refused."""
    current = {row.id: row for row in stage_rows(store)}
    seen: dict[str, str] = {}
    cleaned: list[tuple[int | None, str, str, float]] = []
    for edit in stages:
        name = " ".join(edit.name.split())
        if not name:
            raise ValueError("every stage needs a name")
        key = name_key(name)
        if key in seen:
            raise ValueError(f"two stages are called {seen[key]!r}")
        seen[key] = name
        if edit.kind not in KINDS:
            raise ValueError(f"stage {name!r}: the kind must be open, won or lost")
        if edit.id is not None and edit.id not in current:
            raise ValueError(f"stage {name!r} no longer exists")
        probability = {"won": 100.0, "lost": 0.0}.get(edit.kind, float(edit.probability))
        if not 0 <= probability <= 100:
            raise ValueError(f"stage {name!r}: the probability must be 0–100 %")
        cleaned.append((edit.id, name, edit.kind, probability))
    kept = {stage_id for stage_id, *_ in cleaned if stage_id is not None}
    gone = set(remove) | (set(current) - kept)  # a stage left out is a stage removed
    for stage_id in sorted(gone):
        row = current.get(stage_id)
        if row is not None and row.used:
            raise ValueError(f"stage {row.name!r} cannot be removed: "
                             + (f"{row.deals:,} deal{'s' if row.deals != 1 else ''} "
                                "use it" if row.deals else "deals passed through it")
                             + " (rename it instead)")
    for kind in KINDS:
        if not any(k == kind for _i, _n, k, _p in cleaned):
            raise ValueError(f"keep at least one {kind} stage")
    write_stages(store, cleaned, sorted(s for s in gone if s in current))

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

from custdesk.domain.onboarding import parse_steps, steps_to_setting
from custdesk.domain.renewal import RULES, RenewalRule, rule_from_settings
from custdesk.domain.text import name_key
from custdesk.services import edits
from custdesk.storage.repository import get_settings, load_stages, set_setting
from custdesk.storage.stages import StageRow, stage_rows, write_stages
from custdesk.storage.store import Store

__all__ = ["StageEdit", "StageRow", "get_settings", "load_stages", "loyalty_settings",
           "save_loyalty_settings", "save_stages", "set_setting", "stage_rows"]

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


# ----- loyalty (issue 15): renewal rule, loyal segment, onboarding steps ---------------------
def loyalty_settings(store: Store) -> tuple[RenewalRule, int]:
    """The owner's renewal rule and the loyal segment's number of quarters (default 4)."""
    stored = get_settings(store)
    try:
        quarters = max(1, min(20, int(stored.get("loyal_quarters", "4"))))
    except ValueError:
        quarters = 4
    return rule_from_settings(stored), quarters


def save_loyalty_settings(store: Store, rule: RenewalRule, loyal_quarters: int,
                          onboarding_text: str | None = None) -> None:
    """Store the renewal rule, the loyal quarters and (when given) the onboarding steps
    typed one per line as "name, days"; ValueError (owner-readable) changes nothing."""
    if rule.kind not in RULES:
        raise ValueError(f"the renewal rule must be one of {', '.join(RULES)}")
    if not 1 <= rule.days <= 3650:
        raise ValueError("the renewal days must be 1–3650")
    if not 1 <= loyal_quarters <= 20:
        raise ValueError("the loyal segment needs 1–20 quarters")
    steps = None if onboarding_text is None else parse_steps(onboarding_text)
    with edits.recorded(store, "Loyalty settings"):  # undoable (Edit ▸ Undo)
        set_setting(store, "renewal_rule", rule.kind)
        set_setting(store, "renewal_days", str(rule.days))
        set_setting(store, "loyal_quarters", str(loyal_quarters))
        if steps is not None:
            set_setting(store, "onboarding_steps", steps_to_setting(steps))

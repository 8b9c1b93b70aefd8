"""Editing one deal: its fields, its stage (every change recorded with its date in the stage
history METRICS.md's `leads_qualified` reads), and its history (stage changes, actions,
interactions). Each save is one transaction; a delete takes a backup first.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from custdesk.services import actions_service as acts
from custdesk.services.edits import recorded
from custdesk.storage import deal_history as q
from custdesk.storage import queries_records as rec
from custdesk.storage.backups import create_backup
from custdesk.storage.store import Store

EDITABLE = ("title", "stage_id", "amount_e4", "probability", "expected_close", "next_step",
            "next_step_on", "needs_me", "special_terms", "lost_reason", "win_reason",
            "competitor", "owner", "customer_id", "product_id", "list_amount_e4", "source")


class DealError(ValueError):
    """A deal edit that cannot be saved; the message says why."""


def load_deal(store: Store, deal_id: int) -> dict[str, Any]:
    values = q.deal_values(store, deal_id)
    if values is None:
        raise DealError(f"there is no deal {deal_id}")
    return values


def stages(store: Store) -> list[tuple[int, str, str, float]]:
    return q.stages_catalogue(store)


def products(store: Store) -> list[tuple[int, str]]:
    """(id, name) of every product, by name (the editor's product list)."""
    return sorted(rec.product_names(store).items(), key=lambda p: (p[1].casefold(), p[0]))


def reasons(store: Store) -> list[str]:
    return q.reason_names(store)


def history(store: Store, deal_id: int) -> list[dict[str, Any]]:
    """The deal's story, oldest first: stage changes, actions and interactions."""
    rows: list[dict[str, Any]] = []
    for h in q.stage_history(store, deal_id):
        rows.append({"date": h["changed_on"], "kind": "stage",
                     "what": f"{h['from_stage'] or '—'} → {h['stage']}"
                     + (f" ({h['note']})" if h["note"] else "")})
    for a in acts.list_actions(store, deal_id=deal_id):
        rows.append({"date": a.created_on, "kind": "action",
                     "what": f"{a.title} [{a.status}]"
                     + (f" — {a.outcome}" if a.outcome else "")})
    for i in q.deal_interactions(store, deal_id):
        rows.append({"date": i["date"], "kind": i["kind"], "what": i["note"] or ""})
    return sorted(rows, key=lambda r: r["date"] or "")


def save_deal(store: Store, deal_id: int, values: dict[str, Any], on: str | None = None
              ) -> dict[str, Any]:
    """Save the changed fields in one transaction; a stage change is recorded with the
    day `on` (today). Moving to a lost stage needs a lost reason; a won or lost deal gets
    its closed_on (the change's day) when it has none. Returns the deal as saved."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DealError(f"not editable here: {', '.join(sorted(unknown))}")
    day = on or date.today().isoformat()
    title = load_deal(store, deal_id).get("title") or f"deal {deal_id}"
    with recorded(store, f"{'Move' if 'stage_id' in values else 'Edit'} deal {title}"):
        current = load_deal(store, deal_id)
        changes = {k: v for k, v in values.items() if current.get(k) != v}
        probability = changes.get("probability", current["probability"])
        if probability is not None and not 0 <= probability <= 100:
            raise DealError("probability is a percentage from 0 to 100")
        if "stage_id" in changes:
            kinds = {sid: kind for sid, _n, kind, _p in q.stages_catalogue(store)}
            kind = kinds.get(changes["stage_id"])
            if kind is None:
                raise DealError("unknown stage")
            reason = changes.get("lost_reason", current["lost_reason"])
            if kind == "lost" and not reason:
                raise DealError("a lost deal needs its reason (choose one from the list)")
            if kind in ("won", "lost") and not current["closed_on"]:
                changes["closed_on"] = day
            q.update_deal(store, deal_id, changes)
            q.record_stage_change(store, deal_id, current["stage_id"], changes["stage_id"],
                                  day)
        elif changes:
            q.update_deal(store, deal_id, changes)
        return load_deal(store, deal_id)


def delete_deal(store: Store, deal_id: int) -> None:
    """Delete the deal after a backup (its history goes too; actions stay, unlinked)."""
    title = load_deal(store, deal_id).get("title") or f"deal {deal_id}"
    create_backup(store, reason="before-delete")
    with recorded(store, f"Delete deal {title}"):
        q.delete_deal(store, deal_id)

"""Moving a deal on the pipeline board and creating a new one — the deal editor's rules.

A move is `deals_service.save_deal` (a lost stage needs a reason from the shared list, Won
and Lost get their closed_on, the change is recorded in the stage history with its date)
plus what the board asks on the way: the competitor, the confirmed amount, and a customer
created for a won deal that has none. A new deal records its first stage in the history on
its creation day. Each is one edit: one transaction, recorded for Edit ▸ Undo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from custdesk.domain.text import email_key, name_key
from custdesk.services import customers_service as cs
from custdesk.services import deals_service as ds
from custdesk.services import edits
from custdesk.services.deals_service import DealError
from custdesk.storage import deal_history as q
from custdesk.storage import quick_entry as qe
from custdesk.storage.store import Store

__all__ = ["DealError", "Move", "create_deal", "customer_id_for", "customer_names",
           "move_deal", "stage_kind"]


@dataclass(frozen=True)
class Move:
    """What the owner confirmed for a drop on another stage column."""

    stage_id: int
    lost_reason: str | None = None
    competitor: str | None = None
    amount_e4: int | None = None  # the confirmed amount of a won deal
    new_customer: str | None = None  # a name: create (or find) the won deal's customer


def stage_kind(store: Store, stage_id: int) -> str:
    for sid, _name, kind, _p in ds.stages(store):
        if sid == stage_id:
            return kind
    raise DealError("unknown stage")


def customer_id_for(store: Store, name: str) -> int:
    """The customer called `name` (by reference, e-mail or name, like an import matches),
    else a new one created with that name (inside the caller's transaction)."""
    text = name.strip()
    if not text:
        raise DealError("a customer needs a name")
    found = qe.customer_by_key(store, text, email_key(text) if "@" in text else None,
                               name_key(text))
    if found is not None:
        return found
    fields = {"email": text} if "@" in text else {}
    return cs.add_customer(store, {"name": text, **fields})


def move_deal(store: Store, deal_id: int, move: Move, on: str | None = None
              ) -> dict[str, Any]:
    """Move the deal to `move.stage_id` (one edit); the deal as saved."""
    kind = stage_kind(store, move.stage_id)
    if kind == "lost" and not (move.lost_reason or "").strip():
        raise DealError("a lost deal needs its reason (choose one from the list)")
    values: dict[str, Any] = {"stage_id": move.stage_id}
    if kind == "lost":
        values["lost_reason"] = move.lost_reason.strip() if move.lost_reason else None
    if move.competitor and move.competitor.strip():
        values["competitor"] = move.competitor.strip()
    if kind == "won" and move.amount_e4 is not None:
        if move.amount_e4 < 0:
            raise DealError("the amount cannot be negative")
        values["amount_e4"] = move.amount_e4
    with edits.recorded(store, "Move deal"):
        if kind == "won" and move.new_customer:
            current = ds.load_deal(store, deal_id)
            if current["customer_id"] is None:
                q.update_deal(store, deal_id,
                              {"customer_id": customer_id_for(store, move.new_customer)})
        return ds.save_deal(store, deal_id, values, on)


# the fields the New deal form fills (customer by name, stage by id)
NEW_FIELDS = ("title", "stage_id", "amount_e4", "probability", "owner", "expected_close",
              "next_step", "next_step_on", "needs_me", "special_terms", "lost_reason",
              "win_reason", "competitor", "source")


def create_deal(store: Store, values: dict[str, Any], customer: str | None = None,
                on: str | None = None) -> int:
    """A new deal (one edit): `customer` is a name found or created on the fly (None: a
    prospect without an account yet). Same rules as the editor: a lost deal needs its
    reason, probability is 0–100; Won/Lost get closed_on; the first stage is recorded in
    the history on the creation day. Returns the deal's id."""
    unknown = set(values) - set(NEW_FIELDS)
    if unknown:
        raise DealError(f"not a deal field here: {', '.join(sorted(unknown))}")
    clean: dict[str, Any] = {k: (v.strip() or None) if isinstance(v, str) else v
                             for k, v in values.items()}
    if clean.get("stage_id") is None:
        raise DealError("a deal needs a stage")
    if not clean.get("title") and not (customer or "").strip():
        raise DealError("a new deal needs a title or a customer")
    probability = clean.get("probability")
    if probability is not None and not 0 <= probability <= 100:
        raise DealError("probability is a percentage from 0 to 100")
    if clean.get("amount_e4") is not None and clean["amount_e4"] < 0:
        raise DealError("the amount cannot be negative")
    kind = stage_kind(store, clean["stage_id"])
    if kind == "lost" and not clean.get("lost_reason"):
        raise DealError("a lost deal needs its reason (choose one from the list)")
    day = on or date.today().isoformat()
    for name in ("expected_close", "next_step_on"):
        if clean.get(name):
            try:
                date.fromisoformat(clean[name])
            except ValueError:
                raise DealError(f"{name.replace('_', ' ')} is not a date: {clean[name]}"
                                ) from None
    row = {k: v for k, v in clean.items() if v is not None}
    row["created_on"] = day
    row["last_activity_on"] = day
    if kind in ("won", "lost"):
        row["closed_on"] = day
    with edits.recorded(store, "New deal"):
        if customer and customer.strip():
            row["customer_id"] = customer_id_for(store, customer)
        deal_id = q.insert_deal(store, row)
        q.record_stage_change(store, deal_id, None, clean["stage_id"], day)
    return deal_id


def customer_names(store: Store) -> list[str]:
    """Every customer's name, for a form's completer."""
    return qe.customer_names(store)

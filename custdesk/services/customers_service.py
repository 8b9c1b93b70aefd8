"""Changing customers from the app: add, edit, delete, mark as lost, merge duplicates.

Every change is one undoable edit (`edits.recorded`: one transaction, Edit ▸ Undo): a merge
either moves every order, deal, ticket, survey, action and interaction to the kept customer
and removes the other, or does nothing; the last merge (or batch of merges) is recorded in
the same transaction so `undo_last_merge` can put it back. Messages in `CustomerError`
are meant for the owner.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from custdesk.domain.text import email_key, name_key
from custdesk.services.edits import recorded
from custdesk.storage import customer_rows as rows_db
from custdesk.storage import duplicates as dup_db
from custdesk.storage.backups import create_backup
from custdesk.storage.customer_rows import CHILD_TABLES, child_counts
from custdesk.storage.store import Store

__all__ = ["CHILD_TABLES", "BatchResult", "CustomerError", "DuplicatePair", "add_customer",
           "child_counts", "delete_customer", "duplicate_pairs", "get_customer", "last_merge",
           "mark_lost", "merge_batch", "merge_customers", "reasons", "undo_last_merge",
           "update_customer"]

EDITABLE = ("ref", "name", "company", "email", "phone", "segment", "source", "referred_by",
            "acquired_on", "country", "city", "notes")
SIMILAR_NAMES = 0.88  # difflib ratio of name keys: "Jon Smith" ~ "John Smith"
MAX_BLOCK = 200  # names compared pairwise only within blocks of this size (first 3 letters)


class CustomerError(ValueError):
    """A change the owner asked for that cannot be made; str() says why."""


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two customer ids that look like the same customer, and why."""

    a: int
    b: int
    reason: str  # "same e-mail" / "same name" / "similar names"
    score: float


def get_customer(store: Store, customer_id: int) -> dict[str, Any]:
    """The customer's stored fields as a dict."""
    found = rows_db.customer_fields(store, customer_id)
    if found is None:
        raise CustomerError(f"Customer {customer_id} no longer exists.")
    return found


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise CustomerError(f"Cannot edit {', '.join(sorted(unknown))}.")
    out = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in fields.items()}
    if "name" in out and not out["name"]:
        raise CustomerError("A customer needs a name.")
    if out.get("acquired_on"):
        try:
            date.fromisoformat(str(out["acquired_on"]))
        except ValueError:
            raise CustomerError(f"Acquired date {out['acquired_on']!r} is not a date "
                                "(use YYYY-MM-DD).") from None
    return out


def _keys(fields: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if "name" in fields:
        extra["name_key"] = name_key(fields["name"])
    if "email" in fields:
        extra["email_key"] = email_key(fields["email"]) or None
    return extra


def add_customer(store: Store, fields: dict[str, Any]) -> int:
    """Insert a customer; returns its id."""
    values = _clean(fields)
    if not values.get("name"):
        raise CustomerError("A customer needs a name.")
    values |= _keys(values)
    values["created_on"] = date.today().isoformat()
    with recorded(store, f"Add customer {values['name']}"):
        return rows_db.insert_customer(store, values)


def update_customer(store: Store, customer_id: int, fields: dict[str, Any]) -> None:
    """Change the given fields of a customer."""
    values = _clean(fields)
    if not values:
        return
    name = get_customer(store, customer_id)["name"]
    values |= _keys(values)
    with recorded(store, f"Edit customer {values.get('name') or name}"):
        rows_db.update_customer_row(store, customer_id, values)


def delete_customer(store: Store, customer_id: int) -> dict[str, int]:
    """Delete the customer and everything recorded for them; returns what was deleted."""
    name = get_customer(store, customer_id)["name"]
    counts = child_counts(store, customer_id)
    create_backup(store, reason="before-delete")  # it removes their whole history
    with recorded(store, f"Delete customer {name}"):  # (undo puts every record back)
        rows_db.delete_customer_rows(store, customer_id)
    return counts


def reasons(store: Store) -> list[str]:
    """The shared list of lost reasons, in the owner's order."""
    return rows_db.reason_names(store)


def mark_lost(store: Store, customer_id: int, reason: str, on: date | None = None) -> None:
    """Record the customer as lost on `on` (default today) for a reason from the shared list."""
    if reason not in reasons(store):
        raise CustomerError(f"Choose a reason from the list (got {reason!r}).")
    name = get_customer(store, customer_id)["name"]
    with recorded(store, f"Mark {name} lost"):
        rows_db.set_lost(store, customer_id, (on or date.today()).isoformat(), reason)


def duplicate_pairs(store: Store, limit: int = 200) -> list[DuplicatePair]:
    """Pairs that look like one customer, strongest evidence first: the same e-mail, then the
    same name at the same company, then the same name, then similar names (a name at two
    different companies is shown last: often two people). Candidates come from SQL
    (`storage/duplicates.candidate_pairs`); only similar names are scored here."""
    pairs: list[DuplicatePair] = []
    for c in dup_db.candidate_pairs(store, max_block=MAX_BLOCK):
        if c.same_email:
            reason = "same e-mail and name" if c.same_name else "same e-mail"
            pairs.append(DuplicatePair(c.a, c.b, reason, 1.0))
            continue
        if c.same_name:
            ratio, what = 1.0, "same name"
        else:
            ratio = difflib.SequenceMatcher(None, c.name_a, c.name_b).ratio()
            if ratio < SIMILAR_NAMES:
                continue
            what = "similar names"
        pairs.append(DuplicatePair(c.a, c.b, *_rank(what, c, ratio)))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))[:limit]


def _rank(what: str, c: dup_db.Candidate, ratio: float) -> tuple[str, float]:
    """Reason text and score below the same e-mail (1.0): the same company adds evidence,
    two different companies take it away; the same name outranks a similar one."""
    base = 0.1 if what == "same name" else 0.0
    if c.same_company:
        return f"{what}, same company", 0.8 + base + ratio / 100
    if c.both_companies:
        return f"{what}, different companies", 0.4 + base + ratio / 100
    return what, 0.6 + base + ratio / 100


def merge_customers(store: Store, keep_id: int, drop_id: int,
                    fields: dict[str, Any] | None = None) -> dict[str, int]:
    """Move every record of `drop_id` to `keep_id`, fill the kept customer's blank fields from
    the other (or set `fields` as chosen side by side), delete `drop_id`. One transaction,
    after a backup; `undo_last_merge` puts it back. Returns how many records of each kind
    moved."""
    if keep_id == drop_id:
        raise CustomerError("Choose two different customers to merge.")
    kept_name = get_customer(store, keep_id)["name"]
    dropped_name = get_customer(store, drop_id)["name"]
    create_backup(store, reason="before-merge")
    with recorded(store, f"Merge {dropped_name} into {kept_name}"):  # Edit ▸ Undo too
        moved, entry = _merge_one(store, keep_id, drop_id, fields)
        dup_db.save_undo_record(store, json.dumps([entry]))
    return moved


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What `merge_batch` did: the (kept, removed) pairs merged, records moved per kind,
    and pairs skipped with why."""

    merged: list[tuple[int, int]]
    moved: dict[str, int]
    skipped: list[str]


def merge_batch(store: Store, pairs: list[tuple[int, int]]) -> BatchResult:
    """Merge each (keep, drop) pair, in order, after one backup and in one transaction; the
    whole batch is undone by `undo_last_merge`. A customer removed by an earlier pair of the
    batch is replaced by the one it was merged into (A←B then B←C merges C into A)."""
    survivor: dict[int, int] = {}

    def final(cid: int) -> int:
        while cid in survivor:
            cid = survivor[cid]
        return cid

    if not pairs:
        return BatchResult([], dict.fromkeys(CHILD_TABLES, 0), [])
    create_backup(store, reason="before-merge")
    merged: list[tuple[int, int]] = []
    skipped: list[str] = []
    totals = dict.fromkeys(CHILD_TABLES, 0)
    entries: list[dict[str, Any]] = []
    with recorded(store, f"Merge {len(pairs)} duplicate pair{'s' if len(pairs) > 1 else ''}"):
        for keep_id, drop_id in pairs:
            keep, drop = final(keep_id), final(drop_id)
            if keep == drop:
                skipped.append(f"{keep_id} and {drop_id} are already one customer")
                continue
            if rows_db.customer_fields(store, keep) is None or \
                    rows_db.customer_fields(store, drop) is None:
                skipped.append(f"{keep_id} or {drop_id} no longer exists")
                continue
            moved, entry = _merge_one(store, keep, drop, None)
            for kind, n in moved.items():
                totals[kind] = totals.get(kind, 0) + n
            entries.append(entry)
            merged.append((keep, drop))
            survivor[drop] = keep
        if entries:
            dup_db.save_undo_record(store, json.dumps(entries))
    return BatchResult(merged, totals, skipped)


def _merge_one(store: Store, keep_id: int, drop_id: int, fields: dict[str, Any] | None
               ) -> tuple[dict[str, int], dict[str, Any]]:
    """One merge inside the caller's transaction; returns the records moved and the record
    that undoes it."""
    keep, drop = get_customer(store, keep_id), get_customer(store, drop_id)
    chosen = dict(fields or {})
    for column in EDITABLE:
        if column not in chosen and not keep.get(column) and drop.get(column):
            chosen[column] = drop[column]
    if "acquired_on" not in (fields or {}) and (keep.get("acquired_on") or drop.get("acquired_on")):
        # the earlier start, each side's being acquired_on else its first order (METRICS.md):
        # a date from one side must not make the other's older orders predate acquisition
        starts = [s for s in (_start(store, keep), _start(store, drop)) if s]
        chosen["acquired_on"] = min(starts)
    moved = child_counts(store, drop_id)
    entry = dup_db.snapshot_merge(store, keep_id, drop_id)
    # a kept customer from an import now holds records that import did not create:
    # undoing that import must not delete it (and with it the merged-away customer's data)
    detach = keep.get("batch_id") is not None and keep.get("batch_id") != drop.get("batch_id")
    dup_db.move_extra_records(store, keep_id, drop_id)
    rows_db.move_records_and_delete(store, keep_id, drop_id, detach)
    update_customer(store, keep_id, chosen)
    entry["keep_after"] = dup_db.customer_row(store, keep_id)
    return moved, entry


def last_merge(store: Store) -> list[tuple[str, str]]:
    """(kept name, removed name) of each merge `undo_last_merge` would put back; empty when
    there is nothing to undo."""
    text = dup_db.load_undo_record(store)
    if not text:
        return []
    return [(str((e.get("keep_after") or {}).get("name", e["keep"])),
             str((e.get("drop_row") or {}).get("name", e["drop"]))) for e in json.loads(text)]


def undo_last_merge(store: Store) -> list[str]:
    """Put back the last merge or batch of merges (after a backup, in one transaction):
    removed customers return with their ids and records. Returns notes on what stayed as
    it is (records or fields changed since). Refused when a removed customer's id is taken
    or a kept customer no longer exists."""
    text = dup_db.load_undo_record(store)
    if not text:
        raise CustomerError("There is no merge to undo.")
    entries: list[dict[str, Any]] = json.loads(text)
    drops = [int(e["drop"]) for e in entries]
    keeps = {int(e["keep"]) for e in entries} - set(drops)
    if dup_db.existing_ids(store, drops):
        raise CustomerError("The last merge cannot be undone: a customer it removed is back "
                            "(its number is in use).")
    gone = keeps - dup_db.existing_ids(store, sorted(keeps))
    if gone:
        raise CustomerError("The last merge cannot be undone: a customer it kept has been "
                            "deleted since.")
    create_backup(store, reason="before-undo-merge")
    notes: list[str] = []
    with recorded(store, "Undo merge"):
        for entry in reversed(entries):
            notes += dup_db.undo_merge(store, entry)
        dup_db.clear_undo_record(store)
    return notes


def _start(store: Store, customer: dict[str, Any]) -> str | None:
    """acquired_on, else the first order's date (ISO text), else None."""
    if customer.get("acquired_on"):
        return str(customer["acquired_on"])[:10]
    first = rows_db.first_order_day(store, customer["id"])
    return None if first is None else first[:10]

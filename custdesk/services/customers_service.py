"""Changing customers from the app: add, edit, delete, mark as lost, merge duplicates.

Every change that touches more than one row runs in one `store.transaction()`: a merge
either moves every order, deal, ticket and survey to the kept customer and removes the
other, or does nothing. Messages in `CustomerError` are meant for the owner.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from custdesk.domain.text import email_key, name_key
from custdesk.storage import customer_rows as rows_db
from custdesk.storage.backups import create_backup
from custdesk.storage.customer_rows import CHILD_TABLES, child_counts
from custdesk.storage.store import Store

__all__ = ["CHILD_TABLES", "CustomerError", "DuplicatePair", "add_customer", "child_counts",
           "delete_customer", "duplicate_pairs", "get_customer", "mark_lost",
           "merge_customers", "reasons", "update_customer"]

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
    return rows_db.insert_customer(store, values)


def update_customer(store: Store, customer_id: int, fields: dict[str, Any]) -> None:
    """Change the given fields of a customer."""
    values = _clean(fields)
    if not values:
        return
    get_customer(store, customer_id)
    values |= _keys(values)
    rows_db.update_customer_row(store, customer_id, values)


def delete_customer(store: Store, customer_id: int) -> dict[str, int]:
    """Delete the customer and everything recorded for them; returns what was deleted."""
    get_customer(store, customer_id)
    counts = child_counts(store, customer_id)
    create_backup(store, reason="before-delete")  # it removes their whole history
    rows_db.delete_customer_rows(store, customer_id)
    return counts


def reasons(store: Store) -> list[str]:
    """The shared list of lost reasons, in the owner's order."""
    return rows_db.reason_names(store)


def mark_lost(store: Store, customer_id: int, reason: str, on: date | None = None) -> None:
    """Record the customer as lost on `on` (default today) for a reason from the shared list."""
    if reason not in reasons(store):
        raise CustomerError(f"Choose a reason from the list (got {reason!r}).")
    get_customer(store, customer_id)
    rows_db.set_lost(store, customer_id, (on or date.today()).isoformat(), reason)


def duplicate_pairs(store: Store, limit: int = 200) -> list[DuplicatePair]:
    """Pairs that look like one customer: same e-mail, same name, or similar names."""
    rows = rows_db.identity_rows(store)
    companies = {r[0]: name_key(r[3]) for r in rows}
    pairs: dict[tuple[int, int], DuplicatePair] = {}

    def add(a: int, b: int, reason: str, score: float) -> None:
        key = (min(a, b), max(a, b))
        if key not in pairs or pairs[key].score < score:
            pairs[key] = DuplicatePair(key[0], key[1], reason, score)

    for index, reason in ((2, "same e-mail"), (1, "same name")):
        groups: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            value = row[index]
            if isinstance(value, str) and value:
                groups[value].append(row[0])
        for ids in groups.values():
            for other in ids[1:]:
                add(ids[0], other, *_rank(reason, companies[ids[0]], companies[other]))
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for cid, key, _email, _company in rows:
        if key and len(key) >= 4:
            blocks[key[:3]].append((cid, key))
    for block in blocks.values():
        if len(block) > MAX_BLOCK:
            continue  # a huge block would be slow and mostly noise
        for i, (a, ka) in enumerate(block):
            for b, kb in block[i + 1:]:
                if ka != kb:
                    ratio = difflib.SequenceMatcher(None, ka, kb).ratio()
                    if ratio >= SIMILAR_NAMES:
                        add(a, b, *_rank("similar names", companies[a], companies[b], ratio))
    return sorted(pairs.values(), key=lambda p: (-p.score, p.a, p.b))[:limit]


def _rank(reason: str, company_a: str, company_b: str, score: float = 1.0
          ) -> tuple[str, float]:
    """Reason text and score: the same e-mail first, then names at the same company; the
    same name at two different companies is shown last (often two different people)."""
    if reason == "same e-mail":
        return reason, 1.0
    if company_a and company_a == company_b:
        return f"{reason}, same company", 0.9 + score / 20
    if company_a and company_b:
        return f"{reason}, different companies", 0.5 + score / 20
    return reason, 0.7 + score / 20


def merge_customers(store: Store, keep_id: int, drop_id: int,
                    fields: dict[str, Any] | None = None) -> dict[str, int]:
    """Move every record of `drop_id` to `keep_id`, fill the kept customer's blank fields from
    the other (or set `fields` as chosen side by side), delete `drop_id`. One transaction.
    Returns how many records of each kind moved."""
    if keep_id == drop_id:
        raise CustomerError("Choose two different customers to merge.")
    keep, drop = get_customer(store, keep_id), get_customer(store, drop_id)
    create_backup(store, reason="before-merge")  # a merge cannot be undone otherwise
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
    # a kept customer from an import now holds records that import did not create:
    # undoing that import must not delete it (and with it the merged-away customer's data)
    detach = keep.get("batch_id") is not None and keep.get("batch_id") != drop.get("batch_id")
    with store.transaction():
        rows_db.move_records_and_delete(store, keep_id, drop_id, detach)
        update_customer(store, keep_id, chosen)
    return moved


def _start(store: Store, customer: dict[str, Any]) -> str | None:
    """acquired_on, else the first order's date (ISO text), else None."""
    if customer.get("acquired_on"):
        return str(customer["acquired_on"])[:10]
    first = rows_db.first_order_day(store, customer["id"])
    return None if first is None else first[:10]

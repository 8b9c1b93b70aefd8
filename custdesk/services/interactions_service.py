"""The interactions log (issue 13): calls, meetings, e-mails and visits with a customer or a
deal, each with its date and a note. `log_interaction` saves one (one transaction; a deal's
interaction is also its customer's); `check_interaction` validates without a database (a
form checks before it writes); `summary_text` says "7 interactions, last 3 days ago" for
the customer and deal views.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

from custdesk.domain.records import INTERACTION_KINDS, Interaction
from custdesk.services.edits import recorded
from custdesk.storage import interactions as q
from custdesk.storage.store import Store

KINDS = INTERACTION_KINDS
KIND_LABELS = {"call": "Call", "meeting": "Meeting", "email": "E-mail", "visit": "Visit",
               "other": "Other"}


class InteractionError(ValueError):
    """An interaction that cannot be saved; the message says why."""


def check_interaction(i: Interaction) -> Interaction:
    """The interaction as it would be saved (note trimmed); InteractionError if it cannot."""
    try:
        day = date.fromisoformat(i.date).isoformat()
    except (TypeError, ValueError):
        raise InteractionError(f"the date is not a date: {i.date}") from None
    if i.kind not in KINDS:
        raise InteractionError(f"kind must be one of {', '.join(KINDS)}")
    if i.customer_id is None and i.deal_id is None:
        raise InteractionError("an interaction is with a customer or about a deal")
    return dataclasses.replace(i, date=day, note=(i.note or "").strip() or None)


def log_interaction(store: Store, i: Interaction) -> int:
    """Save a new interaction (one transaction); its id. One about a deal without a customer
    gets the deal's customer."""
    checked = dataclasses.replace(check_interaction(i), id=None)
    with recorded(store, f"Log {KIND_LABELS.get(checked.kind, checked.kind).lower()}"):
        if checked.customer_id is not None and not q.exists(store, "customers",
                                                            checked.customer_id):
            raise InteractionError(f"there is no customer {checked.customer_id}")
        if checked.deal_id is not None:
            if not q.exists(store, "deals", checked.deal_id):
                raise InteractionError(f"there is no deal {checked.deal_id}")
            if checked.customer_id is None:
                checked = dataclasses.replace(
                    checked, customer_id=q.deal_customer_id(store, checked.deal_id))
        return q.insert_interaction(store, checked)


def delete_interaction(store: Store, interaction_id: int) -> None:
    with recorded(store, "Delete interaction"):
        q.delete_interaction(store, interaction_id)


def customer_interactions(store: Store, customer_id: int) -> list[Interaction]:
    """The customer's interactions (their deals' too), newest first."""
    return q.list_interactions(store, customer_id=customer_id)


def deal_interactions(store: Store, deal_id: int) -> list[Interaction]:
    return q.list_interactions(store, deal_id=deal_id)


def summary_text(items: Sequence[Interaction], today: str | None = None) -> str:
    """"7 interactions, last 3 days ago" ("No interactions logged yet" when none)."""
    if not items:
        return "No interactions logged yet"
    n = len(items)
    last = max(i.date for i in items)
    days = (date.fromisoformat(today or date.today().isoformat())
            - date.fromisoformat(last[:10])).days
    when = {0: "today", 1: "yesterday"}.get(days, f"{days} days ago" if days > 0
                                            else f"on {last[:10]}")
    return f"{n:,} interaction{'s' if n != 1 else ''}, last {when}"


def what_text(i: Interaction) -> str:
    """One line for a story or history: "Call — asked about the invoice"."""
    return KIND_LABELS.get(i.kind, i.kind) + (f" — {i.note}" if i.note else "")

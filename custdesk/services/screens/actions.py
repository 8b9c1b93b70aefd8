"""The Actions screen: what the owner decided to do about the signals, and what came of it.

Cards: `actions_open` and `actions_overdue` as of the period's last day (the actions
catalogue's figures), against the prior period. Lists:
`open` — actions open as of `to`, by due date (undated last), each flagged `overdue` when
due before `to` with its days late; `done` — actions done or dropped during the period,
with their outcomes. Qt-free: the Actions tab draws this; `custdesk screen actions` prints it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from custdesk.domain.periods import Period
from custdesk.domain.records import Action, ActionStatus
from custdesk.services import actions_service as acts
from custdesk.services.screens.model import Card, Screen
from custdesk.storage import Store

NAME = "actions"
CARD_IDS = ("actions_open", "actions_overdue")
LISTS = ("open", "done")
DUE_DAYS = 7  # Today lists the actions due within a week, and the overdue ones


def action_row(a: Action, customers: dict[int, str], deals: dict[int, str], day: str
         ) -> dict[str, Any]:
    late = a.overdue_on(day) and a.due_on is not None
    return {"id": a.id, "title": a.title,
            "customer": customers.get(a.customer_id) if a.customer_id else None,
            "customer_id": a.customer_id,
            "deal": deals.get(a.deal_id) if a.deal_id else None, "deal_id": a.deal_id,
            "owner": a.owner, "due_on": a.due_on, "overdue": late,
            "days_overdue": ((date.fromisoformat(day) - date.fromisoformat(a.due_on)).days
                             if late and a.due_on else None),
            "cause": a.cause, "issue": a.issue, "signal": a.signal,
            "status": ActionStatus(a.status).value, "outcome": a.outcome,
            "created_on": a.created_on, "done_on": a.done_on}


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True
          ) -> Screen:
    """The Actions screen for `period` (no monthly series: `with_series` is moot)."""
    if not acts.has_actions(store):
        return Screen(NAME, period, label,
                      cards={m: Card(m, None) for m in CARD_IDS},
                      lists={n: [] for n in LISTS}, empty=True)
    current = acts.action_metrics(store, period)
    prior = acts.action_metrics(store, period.prior())
    cards = {m: Card(m, current[m], prior[m]) for m in CARD_IDS}
    day, start = period.end.isoformat(), period.start.isoformat()
    customers, deals = acts.action_labels(store)
    every = acts.list_actions(store)
    open_rows = [action_row(a, customers, deals, day) for a in every if a.open_on(day)]
    done_rows = sorted((action_row(a, customers, deals, day) for a in every
                        if a.status is not ActionStatus.OPEN and a.done_on is not None
                        and start <= a.done_on <= day),
                       key=lambda r: (r["done_on"], r["id"]), reverse=True)
    return Screen(NAME, period, label, cards=cards,
                  lists={"open": open_rows, "done": done_rows})


def due_rows(store: Store, day: str, days: int = DUE_DAYS) -> list[dict[str, Any]]:
    """Open actions due within `days` days of `day` or overdue, by due date (rows like the
    `open` list's, each flagged `overdue` with its days late, or `due_in` days ahead)."""
    customers, deals = acts.action_labels(store)
    rows = []
    for a in acts.due_actions(store, day, days):
        row = action_row(a, customers, deals, day)
        row["due_in"] = (date.fromisoformat(a.due_on) - date.fromisoformat(day)).days \
            if a.due_on else None
        rows.append(row)
    return rows

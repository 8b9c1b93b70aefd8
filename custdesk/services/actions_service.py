"""Actions: what the owner will do about a signal (METRICS.md `actions`).

Create, update, close (done) and drop each run in one transaction; `list_actions` filters;
`action_metrics` computes `actions_open` and `actions_overdue` for a period (open as of
`to`; of those, due before `to` — due on `to` itself is not overdue yet). The two figures
are the catalogue's (`compute_metrics` counts them in SQL by the same rules; a test keeps
the two equal).

`draft_from_signal` turns a row of any list that shows a signal (at-risk customer, hot or
slipped deal, detractor, complaint ticket, low scorecard answer) into a draft action with
the signal written as the issue, for the action dialog to show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from custdesk.domain.metric_catalogue import METRICS, MetricInfo
from custdesk.domain.metric_values import MetricValue, count
from custdesk.domain.periods import Period
from custdesk.domain.records import ACTION_CAUSES, Action, ActionStatus
from custdesk.services.edits import recorded
from custdesk.storage import actions as q
from custdesk.storage.store import Store

# the catalogue's entries (METRICS.md): one name and one explanation per number
ACTION_METRICS: dict[str, MetricInfo] = {m: METRICS[m] for m in ("actions_open",
                                                                 "actions_overdue")}
SIGNALS = ("at_risk", "hot_deal", "slipped_deal", "stale_deal", "detractor", "complaint",
           "scorecard", "deal", "customer")
CAUSE_LABELS = {"product": "Product", "process": "Process", "policy": "Policy",
                "people": "People (skills, staffing — never a person to blame)",
                "price": "Price", "other": "Other"}


class ActionError(ValueError):
    """An action the owner typed cannot be saved; the message says why."""


def _today() -> str:
    return date.today().isoformat()


def _check(a: Action) -> Action:
    title = (a.title or "").strip()
    if not title:
        raise ActionError("an action needs a title (what will be done)")
    if a.cause is not None and a.cause not in ACTION_CAUSES:
        raise ActionError(f"cause must be one of {', '.join(ACTION_CAUSES)}")
    for name in ("due_on", "created_on", "done_on"):
        value = getattr(a, name)
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ActionError(f"{name.replace('_', ' ')} is not a date: {value}") from None
    status = ActionStatus(a.status)
    done_on = a.done_on
    if status is ActionStatus.OPEN:
        done_on = None
    elif done_on is None:
        done_on = _today()
    if done_on is not None and done_on < a.created_on:
        raise ActionError("an action cannot be closed before it was created")
    return dataclasses.replace(a, title=title, status=status, done_on=done_on,
                               owner=(a.owner or "").strip() or None,
                               issue=(a.issue or "").strip() or None,
                               outcome=(a.outcome or "").strip() or None)


def check_action(action: Action) -> Action:
    """The action as it would be saved (trimmed, dated); ActionError when it cannot be.
    Needs no database: a form checks before it writes."""
    return _check(dataclasses.replace(action, created_on=action.created_on or _today()))


def create_action(store: Store, action: Action) -> int:
    """Save a new action (one transaction); its id."""
    checked = _check(dataclasses.replace(action, id=None,
                                         created_on=action.created_on or _today()))
    with recorded(store, f"New action {checked.title}"):
        if checked.deal_id is not None and checked.customer_id is None:  # the deal's account
            checked = dataclasses.replace(
                checked, customer_id=q.deal_customer_id(store, checked.deal_id))
        return q.insert_action(store, checked)


def save_action(store: Store, action: Action) -> int:
    """Create (no id) or replace every field of an existing action; its id."""
    if action.id is None:
        return create_action(store, action)
    checked = _check(action)
    row = q.action_row(checked)
    row.pop("id")
    with recorded(store, f"Edit action {checked.title}"):
        q.update_action(store, action.id, row)
    return action.id


def update_action(store: Store, action_id: int, **values: Any) -> Action:
    """Change some fields of an action (one transaction); the action as saved."""
    current = q.get_action(store, action_id)
    if current is None:
        raise ActionError(f"there is no action {action_id}")
    verb = {"done": "Close", "dropped": "Drop", "open": "Edit"}.get(
        str(values.get("status", "")), "Edit")
    with recorded(store, f"{verb} action {current.title}"):
        current = q.get_action(store, action_id)
        if current is None:
            raise ActionError(f"there is no action {action_id}")
        checked = _check(dataclasses.replace(current, **values))
        row = q.action_row(checked)
        row.pop("id")
        q.update_action(store, action_id, row)
    return checked


def close_action(store: Store, action_id: int, outcome: str | None = None,
                 on: str | None = None) -> Action:
    """Mark an action done with what came of it."""
    return update_action(store, action_id, status=ActionStatus.DONE, outcome=outcome,
                         done_on=on or _today())


def drop_action(store: Store, action_id: int, outcome: str | None = None,
                on: str | None = None) -> Action:
    """Mark an action dropped (no longer worth doing), with why."""
    return update_action(store, action_id, status=ActionStatus.DROPPED, outcome=outcome,
                         done_on=on or _today())


def reopen_action(store: Store, action_id: int) -> Action:
    return update_action(store, action_id, status=ActionStatus.OPEN, done_on=None)


def get_action(store: Store, action_id: int) -> Action | None:
    return q.get_action(store, action_id)


def list_actions(store: Store, *, status: str | None = None, customer_id: int | None = None,
                 deal_id: int | None = None, owner: str | None = None,
                 due_by: str | None = None, signal: str | None = None) -> list[Action]:
    """Actions by due date (undated last); each given filter narrows the list."""
    if status is not None:
        status = ActionStatus(status).value
    return q.list_actions(store, status=status, customer_id=customer_id, deal_id=deal_id,
                          owner=owner, due_by=due_by, signal=signal)


def due_actions(store: Store, day: str, days: int = 7) -> list[Action]:
    """Open actions due within `days` days of `day` or overdue (due before `day`), by due
    date: what Today lists first."""
    horizon = (date.fromisoformat(day) + timedelta(days=days)).isoformat()
    return list_actions(store, status="open", due_by=horizon)


# ---- detractor rescue ----------------------------------------------------------------------

RESCUE_STATES = ("none", "open", "done", "dropped")


def rescue_actions(store: Store, answers: Iterable[tuple[int, str]]) -> dict[int, Action]:
    """{customer id: the rescue action of their detractor answer} for (customer id, answer
    day) pairs: the latest action planned from a detractor signal for that customer on or
    after the answer's day (an earlier rescue answered an earlier answer). Customers without
    one are left out."""
    wanted = dict(answers)
    found: dict[int, Action] = {}
    for a in list_actions(store, signal="detractor"):
        cid = a.customer_id
        if cid is None or cid not in wanted or a.created_on < (wanted[cid] or "")[:10]:
            continue
        best = found.get(cid)
        if best is None or (a.created_on, a.id or 0) > (best.created_on, best.id or 0):
            found[cid] = a
    return found


def rescue_fields(action: Action | None) -> dict[str, Any]:
    """The rescue columns of a detractor row: state (none/open/done/dropped), the action's
    id, due date and outcome."""
    if action is None:
        return {"rescue": "none", "rescue_action_id": None, "rescue_due_on": None,
                "rescue_outcome": None}
    return {"rescue": ActionStatus(action.status).value, "rescue_action_id": action.id,
            "rescue_due_on": action.due_on, "rescue_outcome": action.outcome}


def rescue_summary(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """{detractors, with_action, rescued} of detractor rows carrying `rescue`: how many
    have a rescue action (any status) and how many of those are done."""
    states = [r.get("rescue", "none") for r in rows]
    return {"detractors": len(states),
            "with_action": sum(s != "none" for s in states),
            "rescued": sum(s == "done" for s in states)}


def rescue_text(summary: Mapping[str, int]) -> str:
    """"50 detractors, 3 with a rescue action, 1 rescued (done)"."""
    n = summary["detractors"]
    return (f"{n:,} detractor{'s' if n != 1 else ''}, {summary['with_action']:,} with a "
            f"rescue action, {summary['rescued']:,} rescued (done)")


def action_metrics(store: Store, period: Period) -> dict[str, MetricValue]:
    """`actions_open` and `actions_overdue` as of the period's last day."""
    day = period.end.isoformat()
    actions = q.actions_in_force(store, day)
    return {"actions_open": count(sum(a.open_on(day) for a in actions)),
            "actions_overdue": count(sum(a.overdue_on(day) for a in actions))}


def action_labels(store: Store) -> tuple[dict[int, str], dict[int, str]]:
    """({customer id: name}, {deal id: title}) of what actions point at."""
    return q.action_labels(store)


def has_actions(store: Store) -> bool:
    return q.count_actions(store) > 0


# ---- from a signal to a draft ------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    """What the action dialog opens with: an unsaved action and where it came from."""

    action: Action
    subject: str  # "Acme Ltd" / "deal Big order (Acme Ltd)" — shown as the dialog's title


def _get(row: Any, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def draft_from_signal(signal: str, row: Any, today: str | None = None) -> Draft:
    """A draft action for one row of a signal list; the signal is the issue.

    `row` is the list's row (a dataclass or a dict): an `AtRisk`, a deal row (hot, slipped,
    stale or any deal), a `Detractor`, a ticket ({id, customer_id, customer, topic}) or a
    group of tickets ({name, tickets, complaints, csat_pct}: Feedback's tickets by topic), a
    scorecard answer ({question, score, area}) or a customer ({id, name}).
    """
    if signal not in SIGNALS:
        raise ValueError(f"unknown signal {signal!r}; one of {', '.join(SIGNALS)}")
    day = today or _today()
    customer = _get(row, "customer") or _get(row, "name")
    customer_id = _get(row, "customer_id")
    deal_id = survey_id = ticket_id = None
    if signal == "at_risk":
        reasons = _get(row, "reason") or "; ".join(_get(row, "reasons") or [])
        title = f"Keep {customer}"
        issue = f"At risk: {reasons}" if reasons else "At risk"
        value = _get(row, "value_at_risk")
        if value:
            issue += f" (revenue of the last year: {value:,.0f})"
    elif signal in ("hot_deal", "slipped_deal", "stale_deal", "deal"):
        deal_id = _get(row, "id")
        name = _get(row, "title") or f"deal {deal_id}"
        title = f"Move {name} forward"
        expected = _get(row, "expected_close")
        issue = {"hot_deal": "Hot prospect", "slipped_deal": "Slipped deal",
                 "stale_deal": "Stale deal", "deal": "Deal"}[signal]
        issue += f": {name}, stage {_get(row, 'stage')}"
        amount = _get(row, "amount")
        if amount:
            issue += f", amount {amount:,.0f}"
        if expected:
            issue += f", expected close {expected}"
        if signal == "slipped_deal":
            title = f"Re-plan {name}"
        customer = f"{name}" + (f" ({customer})" if customer else "")
    elif signal == "detractor":
        title = f"Rescue {customer}"
        survey_id = _get(row, "survey_id")
        comment = _get(row, "comment")
        issue = f"Detractor: NPS {_get(row, 'nps')} on {_get(row, 'date')}"
        if comment:
            issue += f" — “{comment}”"
    elif signal == "complaint" and _get(row, "complaints") is not None:
        # a group of tickets (Feedback's tickets by topic or channel): no one customer
        topic = _get(row, "topic") or _get(row, "name") or "this topic"
        title = f"Resolve the complaints about {topic}"
        issue = (f"Complaints about {topic}: {_get(row, 'complaints')} of "
                 f"{_get(row, 'tickets')} tickets in the period")
        csat = _get(row, "csat_pct")
        if csat is not None:
            issue += f", satisfaction {csat:.0f} %"
        customer = topic
    elif signal == "complaint":
        ticket_id = _get(row, "id")
        topic = _get(row, "topic")
        title = f"Resolve complaint of {customer}"
        issue = "Complaint" + (f" about {topic}" if topic else "")
        opened = _get(row, "opened_at")
        if opened:
            issue += f", opened {str(opened)[:10]}"
    elif signal == "scorecard":
        question = _get(row, "question") or _get(row, "label") or "this question"
        title = f"Raise the score of {question}"
        score = _get(row, "score")
        issue = (f"Scorecard: {question} scored {score}/10" if score is not None
                 else f"Scorecard: {question} (not scored yet)")
        area = _get(row, "area")
        if area:
            issue += f" — {area}"
        customer = "the business"
    else:  # customer
        customer_id = customer_id or _get(row, "id")
        title = f"Follow up {customer}"
        issue = None
    action = Action(title=title, created_on=day, customer_id=customer_id, deal_id=deal_id,
                    survey_id=survey_id, ticket_id=ticket_id, signal=signal, issue=issue)
    return Draft(action, str(customer or title))

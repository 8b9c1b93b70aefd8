"""Triage of Today's work lists (issue 13).

At risk: each at-risk customer is *new*, *handled* (an open action is linked to them now,
whatever its due date) or *snoozed* (set aside until a day, with a note). Choice: a
snooze "until 15 Dec" hides the customer through 15 Dec, inclusive, and they are back on
16 Dec; it is compared with the real day (`today`), not the period's end, so that a
snooze runs out even while no new data comes in. Snoozed rows leave the list and are
counted ("12 new, 30 handled, 5 snoozed"); handled and new rows stay, by value at risk.

Detractors: each has a follow-up state (to contact → contacted → resolved / not
recovered, with day and note), the revenue of the customer in the last W days to the
period's end (the value at stake, like the at-risk list's value at risk — the list sorts by
it), and the newest NPS answer after the one listed ("NPS 3 → 8"). A resolved or not
recovered follow-up takes the detractor off the list, unless they answered 0–6 again
after the follow-up's day (then they are back, to contact). No follow-up yet reads
"to contact". Choice: a customer whose follow-up is still open (to contact, contacted)
and whose latest answer is now 7–10 stays on the list with their last 0–6 answer and
"NPS 3 → 8", so the owner sees the rescue worked and closes it; the list is thus the
METRICS.md detractors plus these open rescues.

Needs me: open deals flagged needs_me, with next step and its day (overdue: before today).

Every change (snooze, un-snooze, follow-up) is one undoable edit (services/edits.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from custdesk.domain.periods import Period
from custdesk.services import metrics_service
from custdesk.services.edits import recorded
from custdesk.services.metrics_lists import AtRisk, Detractor
from custdesk.storage import triage as q
from custdesk.storage.store import Store

SNOOZE_DAYS = 14  # the snooze dialog's default: two weeks from today
STATES = ("new", "handled", "snoozed")
FOLLOWUP_STATES = ("to_contact", "contacted", "resolved", "not_recovered")
FOLLOWUP_LABELS = {"to_contact": "To contact", "contacted": "Contacted",
                   "resolved": "Resolved", "not_recovered": "Not recovered"}
CLOSED_FOLLOWUPS = ("resolved", "not_recovered")


class TriageError(ValueError):
    """A snooze or follow-up that cannot be saved; the message says why."""


@dataclass(slots=True)  # not frozen, as AtRisk (metrics_lists: 23k rows on a big file)
class TriagedAtRisk(AtRisk):
    state: str = "new"  # new / handled (snoozed rows are left out of the list)
    snoozed_until: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TriagedDetractor(Detractor):
    value_at_stake: float = 0.0  # revenue of the last W days to the period's end
    follow_up: str = "to_contact"
    follow_up_on: str | None = None
    follow_up_note: str | None = None
    later_nps: int | None = None  # the newest answer after this one, if any
    moved: str = ""  # "NPS 3 → 8" when they answered again


@dataclass(frozen=True, slots=True)
class NeedsMeRow:
    id: int  # the deal's (the deal editor opens it)
    title: str
    customer: str | None
    stage: str
    amount: float | None
    next_step: str | None
    next_step_on: str | None
    overdue: bool


def _today(today: str | None) -> str:
    return today or date.today().isoformat()


@dataclass(frozen=True)
class AtRiskTriage:
    shown: list[TriagedAtRisk]  # new and handled, in the list's order
    snoozed: list[TriagedAtRisk]  # left out of the list (each with until and note)
    counts: dict[str, int]  # {"new", "handled", "snoozed"}


def triage_at_risk(store: Store, rows: Sequence[AtRisk], today: str | None = None
                   ) -> AtRiskTriage:
    """Each at-risk row's state; the snoozed ones apart."""
    states = q.at_risk_states(store, (r.customer_id for r in rows), _today(today))
    shown: list[TriagedAtRisk] = []
    snoozed: list[TriagedAtRisk] = []
    plain = (None, None, False)
    for r in rows:
        until, note, handled = states.get(r.customer_id, plain)
        state = "snoozed" if until else "handled" if handled else "new"
        # AtRisk's fields in order, given by position: a dict of them per row cost 0.1 s
        # for the 23k rows of a big file (tests/test_perf_customers_screen.py)
        row = TriagedAtRisk(r.customer_id, r.customer, r.segment, r.reasons, r.value_at_risk,
                            r.reason, state, until, note)
        (snoozed if until else shown).append(row)
    counts = {s: 0 for s in STATES}
    for r in shown:
        counts[r.state] += 1
    counts["snoozed"] += len(snoozed)
    return AtRiskTriage(shown, snoozed, counts)


def counts_text(counts: dict[str, int]) -> str:
    """"12 new, 30 handled, 5 snoozed"."""
    return ", ".join(f"{counts.get(s, 0):,} {s}" for s in STATES)


def snooze(store: Store, customer_id: int, until: str, note: str | None = None,
           customer: str = "", today: str | None = None) -> None:
    """Set the customer aside until `until` (inclusive); one undoable edit."""
    try:
        day = date.fromisoformat(until).isoformat()
    except (TypeError, ValueError):
        raise TriageError(f"snooze until: not a date: {until}") from None
    if day < _today(today):
        raise TriageError("a snooze ends today or later")
    with recorded(store, f"Snooze {customer or f'customer {customer_id}'}"):
        q.snooze(store, customer_id, day, (note or "").strip() or None, _today(today))


def unsnooze(store: Store, customer_id: int, customer: str = "") -> bool:
    """Bring the customer back on the list now; False when they were not snoozed."""
    with recorded(store, f"Un-snooze {customer or f'customer {customer_id}'}"):
        return q.unsnooze(store, customer_id) > 0


def snooze_of(store: Store, customer_id: int) -> tuple[str, str | None] | None:
    return q.snooze_of(store, customer_id)


def default_until(today: str | None = None) -> str:
    return (date.fromisoformat(_today(today)) + timedelta(days=SNOOZE_DAYS)).isoformat()


def triage_detractors(store: Store, rows: Sequence[Detractor], period: Period
                      ) -> list[TriagedDetractor]:
    """The detractors still to work on, with follow-up, value at stake and a later answer,
    by value at stake (then the newest answer first)."""
    w = metrics_service.load_settings(store).window_days
    # a rescue still open whose customer has since answered 7–10 stays, "NPS 3 → 8", until
    # the owner closes its follow-up (the list is the work to do, not only the 0–6 answers)
    listed = {r.customer_id for r in rows}
    rows = [*rows, *(Detractor(cid, name, nps, day, comment)
                     for cid, nps, day, comment, name in q.moved_on(store, period.end)
                     if cid not in listed)]
    details = q.detractor_details(store, ((r.customer_id, r.date) for r in rows),
                                  period.end, w)
    out = []
    for r in rows:
        d = details.get(r.customer_id, {})
        state = d.get("state") or "to_contact"
        changed = d.get("changed_on")
        if state in CLOSED_FOLLOWUPS and changed is not None and changed[:10] >= r.date[:10]:
            continue  # worked on and closed since this answer
        if state in CLOSED_FOLLOWUPS:  # a new 0–6 answer after the follow-up was closed
            state, changed = "to_contact", None
        later = d.get("later_nps")
        out.append(TriagedDetractor(  # Detractor's fields by position (see triage_at_risk)
            r.customer_id, r.customer, r.nps, r.date, r.comment,
            value_at_stake=d.get("value_e4", 0) / 10_000, follow_up=state,
            follow_up_on=changed, follow_up_note=d.get("note") if changed else None,
            later_nps=later, moved="" if later is None else f"NPS {r.nps} → {later}"))
    out.sort(key=lambda r: (r.date, r.customer_id), reverse=True)  # newest first …
    return sorted(out, key=lambda r: -r.value_at_stake)  # … inside equal values (stable)


def set_followup(store: Store, customer_id: int, state: str, note: str | None = None,
                 on: str | None = None, customer: str = "") -> None:
    """Record where the rescue of a detractor stands; one undoable edit."""
    if state not in FOLLOWUP_STATES:
        raise TriageError(f"follow-up must be one of {', '.join(FOLLOWUP_STATES)}")
    try:
        day = date.fromisoformat(_today(on)).isoformat()
    except ValueError:
        raise TriageError(f"follow-up date: not a date: {on}") from None
    label = FOLLOWUP_LABELS[state].lower()
    with recorded(store, f"Detractor {customer or customer_id}: {label}"):
        q.set_followup(store, customer_id, state, day, (note or "").strip() or None)


def followup_of(store: Store, customer_id: int) -> tuple[str, str, str | None] | None:
    return q.followup_of(store, customer_id)


def needs_me(store: Store, today: str | None = None) -> list[NeedsMeRow]:
    """Open deals that need the owner's own engagement, next step due first."""
    day = _today(today)
    return [NeedsMeRow(i, title or f"Deal {i}", customer, stage,
                       None if amount is None else amount / 10_000, step, on,
                       bool(on and on[:10] < day))
            for i, title, customer, stage, amount, step, on in q.needs_me_deals(store)]


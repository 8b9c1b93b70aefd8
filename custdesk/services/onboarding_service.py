"""Onboarding of new customers (issue 15): the owner's steps, each customer's track as of a
day, the overdue count Today shows, and the owner's "mark done / set due" for one step.

Steps and their rules: `domain/onboarding.py`; rows: `storage/onboarding.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from custdesk.domain import onboarding as ob
from custdesk.services import edits
from custdesk.storage import onboarding as rows
from custdesk.storage import onboarding_late as late
from custdesk.storage import queries_loyalty as ql
from custdesk.storage.queries_cache import cached, peek
from custdesk.storage.repository import get_settings
from custdesk.storage.store import Store


def steps(store: Store) -> list[ob.Step]:
    """The owner's onboarding steps (Business settings), else the defaults."""
    return ob.steps_from_settings(get_settings(store))


@dataclass(frozen=True)
class Track:
    customer_id: int
    customer: str
    acquired: date
    states: list[ob.StepState]

    @property
    def status(self) -> str:
        return ob.status_text(self.states)

    @property
    def overdue(self) -> list[ob.StepState]:
        return [s for s in self.states if s.overdue]


def tracks(store: Store, customers: Sequence[tuple[int, str, str]], as_of: date
           ) -> list[Track]:
    """Each (id, name, acquired day) customer's track as of `as_of`."""
    ids = [c[0] for c in customers]
    data = rows.from_orders(store, ids, as_of)
    owner = rows.owner_steps(store, ids)
    plan = steps(store)
    # a file without any delivered date cannot show deliveries: not "late" by itself
    untracked = frozenset() if rows.deliveries_recorded(store) else frozenset({ob.DELIVERED})
    out = []
    for cid, name, acquired in customers:
        first, delivered, second = data.get(cid, (None, None, None))
        done = {ob.ORDERED: _day(first), ob.DELIVERED: _day(delivered), ob.REPEAT: _day(second)}
        own = {step: (_day(due), _day(done_on))
               for step, (due, done_on, _note) in owner.get(cid, {}).items()}
        out.append(Track(cid, name, date.fromisoformat(acquired),
                         ob.track(plan, date.fromisoformat(acquired), as_of, data_done=done,
                                  owner=own, untracked=untracked)))
    return out


def onboarding_span(end: date) -> tuple[date, date]:
    """Customers being onboarded: acquired in the TRACK_DAYS up to `end` (older customers'
    onboarding is over, whatever the period)."""
    return end - timedelta(days=ob.TRACK_DAYS - 1), end


def track_rows(store: Store, end: date) -> list[dict[str, Any]]:
    """One row per customer being onboarded (see `onboarding_span`), latest first: their
    status, each step's done day (or due day) and whether any step is overdue."""
    # copies: the kept rows are shared by every later caller until the next write
    return [dict(row) for row in _onboarding(store, end).rows()]


def overdue_counts(store: Store, end: date) -> list[dict[str, Any]]:
    """Per step: how many customers acquired in the TRACK_DAYS up to `end` have it as their
    first overdue step, with the step's offset in days ("3 waiting for delivered > 7 days")."""
    plan = steps(store)
    offsets = {s.name: s.days for s in plan}
    kept = peek(store, _tracks_key(end))  # the New screen's tracks, when it made them
    if kept is not None:
        counts = kept.late
    else:  # the first late steps alone, in SQL (not every step of every track)
        untracked = (frozenset() if rows.deliveries_recorded(store)
                     else frozenset({ob.DELIVERED}))
        counts = late.first_late_counts(store, [(s.name, s.days) for s in plan],
                                        *onboarding_span(end), untracked)
    return [{"step": name, "customers": counts[name], "days": offsets.get(name)}
            for name in offsets if name in counts]


def _tracks_key(end: date) -> tuple[str, date]:
    return ("onboarding tracks", end)


def _onboarding(store: Store, end: date) -> _Onboarding:
    """The tracks of the customers being onboarded at `end`, kept per store until the next
    write: Today asks for their late-step counts and the New screen for their rows (0.4 s
    of seeks and tracks on the big file, paid once)."""
    return cached(store, _tracks_key(end), lambda: _Onboarding(
        _light_tracks(store, ql.acquired_between(store, *onboarding_span(end)), end)))


class _Onboarding:
    """One day's tracks, their first late steps' counts, and their rows made when first
    asked (Today wants the counts only: it does not pay for the rows). Shared: the rows
    must not be changed."""

    def __init__(self, tracks: list[tuple[int, str, date, list[LightState]]]) -> None:
        self.tracks = tracks
        self.late: dict[str, int] = {}
        for _cid, _name, _acquired, states in tracks:
            step = next((s[0] for s in states if s[3]), None)
            if step is not None:
                self.late[step] = self.late.get(step, 0) + 1
        self._rows: list[dict[str, Any]] | None = None

    def rows(self) -> list[dict[str, Any]]:
        if self._rows is None:  # (two threads at once would make the same rows)
            self._rows = _rows(self.tracks)
        return self._rows


def _rows(tracks: list[tuple[int, str, date, list[LightState]]]) -> list[dict[str, Any]]:
    out = []
    text: dict[date, str] = {}  # each day's ISO text once (~10k customers x 5 steps)

    def iso(d: date) -> str:
        found = text.get(d)
        if found is None:
            found = text[d] = d.isoformat()
        return found

    for cid, name, acquired, states in tracks:
        late = next((s for s in states if s[3]), None)
        todo = next((s for s in states if s[2] is None), None)
        status = (f"overdue: {late[0]} (due {iso(late[1])})" if late else
                  f"next: {todo[0]} (due {iso(todo[1])})" if todo else "done")
        row: dict[str, Any] = {"customer_id": cid, "customer": name, "acquired_on": acquired,
                               "status": status, "overdue": late is not None}
        for step, due, done, _late in states:
            row[f"step:{step}"] = iso(done) if done else f"due {iso(due)}"
        out.append(row)
    return out


# ----- the references: the same from `tracks` (Track and StepState per customer and step)
def track_rows_reference(store: Store, end: date) -> list[dict[str, Any]]:
    """`track_rows` from `tracks` (tests/test_perf_onboarding_rows.py: equal)."""
    lo, hi = onboarding_span(end)
    out = []
    for t in tracks(store, ql.acquired_between(store, lo, hi), end):
        row: dict[str, Any] = {"customer_id": t.customer_id, "customer": t.customer,
                               "acquired_on": t.acquired, "status": t.status,
                               "overdue": bool(t.overdue)}
        for s in t.states:
            row[f"step:{s.name}"] = (s.done_on.isoformat() if s.done_on else
                                     f"due {s.due_on.isoformat()}")
        out.append(row)
    return out


def overdue_counts_reference(store: Store, end: date) -> list[dict[str, Any]]:
    """`overdue_counts` from `tracks` (tests/test_perf_onboarding_rows.py: equal)."""
    lo, hi = onboarding_span(end)
    offsets = {s.name: s.days for s in steps(store)}
    counts: dict[str, int] = {}
    for t in tracks(store, ql.acquired_between(store, lo, hi), end):
        late = t.overdue
        if late:
            counts[late[0].name] = counts.get(late[0].name, 0) + 1
    return [{"step": name, "customers": counts[name], "days": offsets.get(name)}
            for name in offsets if name in counts]


# (step, due day, done day or None, overdue) per step: `ob.track`'s rules
LightState = tuple[str, date, date | None, bool]


def _plan_due(acquired: date, offset: timedelta) -> date | None:
    """The plan's due day of a step, None past the calendar's end (a hand-edited plan):
    `ob.track` adds the offset only for a step without the owner's own due day."""
    try:
        return acquired + offset
    except OverflowError:
        return None


def _light_tracks(store: Store, customers: Sequence[tuple[int, str, str]], as_of: date
                  ) -> list[tuple[int, str, date, list[LightState]]]:
    """`tracks` as plain tuples, days parsed once per distinct text: ~10k customers' Track
    and StepState objects cost ~0.15 s on the big file, twice (New and Today)."""
    ids = [c[0] for c in customers]
    data = rows.from_orders(store, ids, as_of)
    owner = rows.owner_steps(store, ids)
    plan = [(s.name, timedelta(days=s.days)) for s in steps(store)]
    untracked = frozenset() if rows.deliveries_recorded(store) else frozenset({ob.DELIVERED})
    seen: dict[str, date] = {}

    def day(text: str | None) -> date | None:
        if not text:
            return None
        found = seen.get(text)
        if found is None:
            found = seen[text] = date.fromisoformat(text[:10])
        return found

    nothing = (None, None, None)
    # which of the orders' days (first, delivered, second) marks each step done (-1: none)
    sources = {ob.ORDERED: 0, ob.DELIVERED: 1, ob.REPEAT: 2}
    steps_of = [(step, sources.get(step, -1), step in untracked) for step, _offset in plan]
    # each acquisition day's text -> (the day, each step's due day): ~180 distinct days for
    # the big file's ~10k customers, not a date parsed and 5 added per customer
    dues: dict[str, tuple[date, list[date | None]]] = {}
    out = []
    for cid, name, acquired in customers:
        found = data.get(cid, nothing)
        done_by = (day(found[0]), day(found[1]), day(found[2]))
        own = owner.get(cid)
        known = dues.get(acquired)
        if known is None:
            acq = date.fromisoformat(acquired)
            known = dues[acquired] = (acq, [_plan_due(acq, offset) for _step, offset in plan])
        acq, due_days = known
        states: list[LightState] = []
        for (step, source, untracked_step), plan_due, (_s, offset) in zip(
                steps_of, due_days, plan, strict=True):
            own_due = own_done = None
            if own and step in own:
                due_text, done_text, _note = own[step]
                own_due, own_done = day(due_text), day(done_text)
            done = (done_by[source] if source >= 0 else None) or own_done
            if done is not None and done > as_of:
                done = None
            # (a plan day past the calendar: the owner's own day, else `ob.track`'s error)
            due = own_due or plan_due or acq + offset
            states.append((step, due, done, done is None and due < as_of
                           and (not untracked_step or own_due is not None)))
        out.append((cid, name, acq, states))
    return out
# the default steps as what a customer waits for ("waiting for delivery"); the owner's own
# steps are named as they are
WAITING_FOR = {ob.ORDERED: "an order", ob.DELIVERED: "delivery", "set up": "set-up",
               "first check-in": "a first check-in", ob.REPEAT: "a repeat order"}


def overdue_sentence(counts: Sequence[dict[str, Any]]) -> str:
    """"3 new customers waiting for delivery > 7 days; 1 for set-up > 14 days" ('' if none)."""
    parts = []
    for i, r in enumerate(counts):
        who = (f"{r['customers']:,} new customer{'s' if r['customers'] != 1 else ''} waiting "
               "for" if i == 0 else f"{r['customers']:,} for")
        parts.append(f"{who} {WAITING_FOR.get(r['step'], r['step'])} > {r['days']} days")
    return "; ".join(parts)


def delivery_note(store: Store) -> str | None:
    """A sentence when no order line carries a delivered date (the delivered step then
    waits for the owner to mark it)."""
    if rows.deliveries_recorded(store):
        return None
    return ("No order line carries a delivered date, so deliveries are not flagged late: "
            "mark them on the Onboarding list, or import orders with a delivered_on column.")


def mark_step(store: Store, customer_id: int, step: str, *, due_on: str | None = None,
              done_on: str | None = None, note: str | None = None) -> None:
    """The owner sets a step's due and/or done day (ISO); ValueError (owner-readable) for a
    step not in the plan or a bad date."""
    if step not in {s.name for s in steps(store)}:
        raise ValueError(f"{step!r} is not one of the onboarding steps")
    for what, value in (("due", due_on), ("done", done_on)):
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"the {what} date {value!r} is not a date") from None
    with edits.recorded(store, f"Onboarding step {step}"):  # undoable (Edit ▸ Undo)
        rows.save_step(store, customer_id, step, due_on, done_on,
                       (note or "").strip() or None)


def _day(text: str | None) -> date | None:
    return None if not text else date.fromisoformat(text[:10])

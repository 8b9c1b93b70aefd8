"""The onboarding track of a new customer: the owner's steps, each due a number of days after
acquisition; a step is done on a day the data gives (ordered = first order, delivered = the
first order's delivered_on, first repeat order = the second distinct order) or the owner
set (`onboarding_steps.done_on`); an owner's due_on overrides the offset.

Default steps and offsets (days after acquisition): ordered 0, delivered 7, set up 14,
first check-in 30, first repeat order 90 — the owner edits them in Business settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

ORDERED, DELIVERED, REPEAT = "ordered", "delivered", "first repeat order"
DEFAULT_STEPS: tuple[tuple[str, int], ...] = (
    (ORDERED, 0), (DELIVERED, 7), ("set up", 14), ("first check-in", 30), (REPEAT, 90))
TRACK_DAYS = 180  # customers acquired this many days up to `to` are being onboarded


@dataclass(frozen=True)
class Step:
    name: str
    days: int  # due this many days after acquisition


@dataclass(frozen=True)
class StepState:
    name: str
    due_on: date
    done_on: date | None
    overdue: bool  # not done and due before the day looked at
    from_data: bool  # done_on came from the orders, not from the owner


def steps_from_settings(settings: Mapping[str, str]) -> list[Step]:
    """The owner's steps (JSON list of [name, days]) or the defaults when unset or unreadable."""
    raw = settings.get("onboarding_steps")
    try:
        items = json.loads(raw) if raw else DEFAULT_STEPS
        steps = [Step(str(name).strip(), int(days)) for name, days in items]
    except (ValueError, TypeError):
        steps = [Step(n, d) for n, d in DEFAULT_STEPS]
    return [s for s in steps if s.name] or [Step(n, d) for n, d in DEFAULT_STEPS]


def steps_to_setting(steps: Sequence[Step]) -> str:
    return json.dumps([[s.name, s.days] for s in steps])


def parse_steps(text: str) -> list[Step]:
    """Steps typed one per line as "name, days" (Business settings); ValueError says which
    line is wrong."""
    steps = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, days = line.rpartition(",")
        if not sep or not name.strip():
            raise ValueError(f"onboarding step line {i}: write it as 'name, days'")
        try:
            n = int(days.strip())
        except ValueError:
            raise ValueError(f"onboarding step line {i}: {days.strip()!r} is not a number "
                             "of days") from None
        if not 0 <= n <= 3650:
            raise ValueError(f"onboarding step line {i}: days must be 0–3650")
        steps.append(Step(name.strip(), n))
    if not steps:
        raise ValueError("keep at least one onboarding step")
    return steps


def track(steps: Sequence[Step], acquired: date, as_of: date, *,
          data_done: Mapping[str, date | None],
          owner: Mapping[str, tuple[date | None, date | None]],
          untracked: frozenset[str] = frozenset()) -> list[StepState]:
    """Each step's due day and done day for one customer as of `as_of`. `data_done`: step
    name -> day from the data; `owner`: step name -> (due_on, done_on) the owner set;
    `untracked`: steps the file cannot show (no delivered dates at all) — never overdue
    unless the owner set a due day."""
    out = []
    for s in steps:
        own_due, own_done = owner.get(s.name, (None, None))
        data = data_done.get(s.name)
        done = data or own_done
        if done is not None and done > as_of:
            done = None
        due = own_due or acquired + timedelta(days=s.days)
        late = done is None and due < as_of and (s.name not in untracked or own_due is not None)
        out.append(StepState(s.name, due, done, late,
                             data is not None and done is not None))
    return out


def status_text(states: Sequence[StepState]) -> str:
    """"overdue: delivered (due 2024-03-12)" (the first overdue step), "next: set up (due
    …)" (the first step not done), or "done"."""
    late = [s for s in states if s.overdue]
    if late:
        return f"overdue: {late[0].name} (due {late[0].due_on.isoformat()})"
    todo = [s for s in states if s.done_on is None]
    if not todo:
        return "done"
    return f"next: {todo[0].name} (due {todo[0].due_on.isoformat()})"

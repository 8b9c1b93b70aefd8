"""GUI-thread work split into event-loop turns: one queued step per turn (issue 18).

A page that would draw everything in one call (Customers' eight lists of 100k customers,
Today's seven sparkline plots) blocks the event loop for as long as all of it takes. Queued
here, each step runs in a turn of its own, and the window repaints and answers in between:

    idle_queue.later(self, lambda: panel.model.set_rows(rows))
    idle_queue.cancel(self)      # a newer screen arrived: drop the steps of the old one
    idle_queue.run_pending(self) # export/print: finish them now

Steps run in the order queued. A step whose owner was deleted is skipped. The timer has a
0 ms interval: Qt runs it once per turn of the loop, after the events already waiting.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer

_steps: deque[tuple[QObject, Callable[[], object]]] = deque()
_timer: QTimer | None = None


def _the_timer() -> QTimer:
    global _timer
    if _timer is None or not shiboken6.isValid(_timer):
        _timer = QTimer()
        _timer.setInterval(0)
        _timer.timeout.connect(_run_one)
    return _timer


def later(owner: QObject, step: Callable[[], object]) -> None:
    """Run `step` in a later turn of the event loop (after the steps queued before it)."""
    _steps.append((owner, step))
    timer = _the_timer()
    if not timer.isActive():
        timer.start()


def _run_one() -> None:
    while _steps:
        owner, step = _steps.popleft()
        if shiboken6.isValid(owner):
            step()
            break
    if not _steps and _timer is not None and shiboken6.isValid(_timer):
        _timer.stop()


def cancel(owner: QObject) -> None:
    """Forget every step `owner` queued and has not run yet."""
    kept = [(o, s) for o, s in _steps if o is not owner]
    _steps.clear()
    _steps.extend(kept)


def run_pending(owner: QObject | None = None) -> None:
    """Run now, in order, the steps `owner` queued (None: every step)."""
    while True:
        mine = next(((o, s) for o, s in _steps if owner is None or o is owner), None)
        if mine is None:
            return
        _steps.remove(mine)
        if shiboken6.isValid(mine[0]):
            mine[1]()


def pending(owner: QObject | None = None) -> int:
    """How many steps wait (`owner`'s, or everyone's)."""
    return sum(1 for o, _s in _steps if owner is None or o is owner)

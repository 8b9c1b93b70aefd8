"""Cyclic garbage collection paused while a big batch of rows is made.

Tens of thousands of new rows (tuples, dataclasses, lists) trigger collections that walk
every young object — and the full ones the whole heap — while none of them can be garbage:
rows hold no reference cycles. Reference counting still frees everything as usual; only
cycles wait until the collector is back on.

The collector is process-wide and several threads pause it (a build's two connections, an
import beside the window's unpickling): one count of the pauses under a lock, so the first
pause switches it off and the last one ends switches it back on — only when the first found
it on (the window's start keeps it off while it imports, and switches it on itself). Each
thread reading and restoring the state alone could leave it off for good (one read "off"
while another's pause held it, then switched it off after that one ended).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0  # pauses running now, in every thread
_switch_on = False  # the first of them found the collector on


def pause() -> None:
    """Begin a pause (end it with `resume`, in a `finally`). The collector goes off first,
    before anything is made: even the lock's method call could trigger a collection that
    walks what the caller holds."""
    global _pauses, _switch_on
    on = gc.isenabled()
    gc.disable()
    with _lock:
        if _pauses == 0:
            # (or switched on meanwhile by the end of another thread's pause)
            _switch_on = on or gc.isenabled()
            gc.disable()
        _pauses += 1


def resume() -> None:
    """End a pause: the collector back on when it was the last, if the first found it on."""
    global _pauses
    with _lock:
        _pauses -= 1
        if _pauses == 0 and _switch_on:
            gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the `with` block (nor while another thread's pause
    runs); back on when the last pause ends, if the first found it on."""
    pause()
    try:
        yield
    finally:
        resume()

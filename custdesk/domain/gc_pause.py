"""Cyclic garbage collection paused while a big batch of rows is made.

Tens of thousands of new rows (tuples, dataclasses, lists) trigger collections that walk
every young object — and the full ones the whole heap — while none of them can be garbage:
rows hold no reference cycles. Reference counting still frees everything as usual; only
cycles wait until the collector is back on. Process-wide, so it is switched back on only
by whoever switched it off (a batch that found it off leaves it off).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the `with` block (the collector's state restored)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()

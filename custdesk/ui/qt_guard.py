"""Guard against a PySide6 reference-count bug that crashes the app.

Measured here with PySide6 6.12.0 on Python 3.11: every `Signal.emit()` made from Python
drops one reference to `True` without taking it (`sys.getrefcount(True)` falls by one per
emit). pyqtgraph emits `sigPrepareForPaint` on every repaint of every plot, so after a
couple of thousand repaints (hovering a chart for a few seconds) the count reaches zero and
the interpreter aborts with "bool_dealloc: deallocating True or False".

The guard probes for the bug (20 emits) and, only when it is present, raises the reference
counts of `True` and `False` by 2**40 so they can never reach zero — what Python 3.12 does
for every interpreter ("immortal" singletons). On a fixed PySide6, or Python ≥ 3.12, it does
nothing. Remove this module once the pinned PySide6 no longer has the bug.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

HEADROOM = 1 << 40
PROBE_EMITS = 20
_state = {"checked": False, "applied": False}


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    """True when emitting a signal from Python loses references to `True`."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(PROBE_EMITS):
        probe.ping.emit()
    return sys.getrefcount(True) <= before - PROBE_EMITS // 2


def protect_bool_singletons() -> bool:
    """Apply the guard once if the bug is present; returns whether it is applied."""
    if not _state["checked"]:
        _state["checked"] = True
        if sys.version_info < (3, 12) and emit_leaks_true():
            for singleton in (True, False):
                ctypes.c_ssize_t.from_address(id(singleton)).value += HEADROOM
            _state["applied"] = True
    return bool(_state["applied"])


protect_bool_singletons()

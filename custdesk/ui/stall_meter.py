"""How long the GUI thread was away from its event loop: the smoke test's
`longest GUI stall: N ms` (issue 18).

A heartbeat `QTimer` fires every `interval_ms`; the gap between two ticks beyond the
interval is time the event loop could not run (work on the GUI thread, or a worker
holding the GIL). `longest_ms` is the biggest such gap since `start()`.

    meter = StallMeter(); meter.start()
    ...                                   # run the app
    print(f"longest GUI stall: {meter.longest_ms:.0f} ms")
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class StallMeter(QObject):
    def __init__(self, interval_ms: int = 10, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None
        self._longest = 0.0
        # what the caller says is going on (e.g. "opening tab margins"); `where` names the
        # step of the longest stall: the label at its last tick before and at the tick that
        # ended it ("A, then B" when the stall spanned a change of label)
        self.doing = ""
        self.where = ""
        self._doing_then = ""

    def start(self) -> None:
        """Start measuring now (the longest gap so far is forgotten)."""
        self._longest = 0.0
        self.where = ""
        self._doing_then = self.doing
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._tick()
        self._timer.stop()

    def pause(self) -> None:
        """Stop counting (e.g. while the smoke test itself saves a screenshot) without
        forgetting the longest gap so far."""
        self.stop()
        self._last = None

    def resume(self) -> None:
        """Count again after `pause()`."""
        self._last = time.perf_counter()
        self._doing_then = self.doing
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            gap = (now - self._last) * 1000 - self.interval_ms
            if gap > self._longest:
                then, now_doing = self._doing_then, self.doing
                self._longest = gap
                self.where = (now_doing if not then or then == now_doing
                              else f"{then}, then {now_doing}")
        self._last = now
        self._doing_then = self.doing

    @property
    def longest_ms(self) -> float:
        """The biggest gap between ticks beyond the interval, in ms (0: never stalled)."""
        if self._timer.isActive() and self._last is not None:  # a stall still going on
            pending = (time.perf_counter() - self._last) * 1000 - self.interval_ms
            return max(self._longest, pending)
        return max(self._longest, 0.0)

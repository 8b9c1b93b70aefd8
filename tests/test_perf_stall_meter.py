"""The heartbeat that measures the longest GUI stall (custdesk/ui/stall_meter.py)."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from custdesk.ui.stall_meter import StallMeter


def _run_loop(app: QApplication, ms: int) -> None:
    deadline = time.perf_counter() + ms / 1000
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)


def test_stall_meter_sees_a_blocked_gui_thread() -> None:
    app = QApplication.instance() or QApplication([])
    meter = StallMeter(interval_ms=5)
    meter.start()
    _run_loop(app, 60)
    quiet = meter.longest_ms
    assert quiet < 150  # an idle loop ticks on time (generous: shared CI cores)
    QTimer.singleShot(0, lambda: time.sleep(0.3))  # the GUI thread blocked for 300 ms
    _run_loop(app, 60)
    assert meter.longest_ms >= 250
    meter.stop()
    stopped = meter.longest_ms
    _run_loop(app, 20)
    assert meter.longest_ms == stopped  # stopped: no more ticks counted


def test_longest_includes_a_stall_still_going_on() -> None:
    app = QApplication.instance() or QApplication([])
    meter = StallMeter(interval_ms=5)
    meter.start()
    _run_loop(app, 20)
    time.sleep(0.2)  # no event loop: the heartbeat cannot tick
    assert meter.longest_ms >= 150
    meter.stop()

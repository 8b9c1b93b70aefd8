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


def test_where_names_the_step_of_the_longest_stall() -> None:
    app = QApplication.instance() or QApplication([])
    meter = StallMeter(interval_ms=5)
    meter.start()
    meter.doing = "step one"
    QTimer.singleShot(0, lambda: time.sleep(0.4))  # the longest block, during step one
    _run_loop(app, 60)
    _run_loop(app, 20)  # the loop runs on in step one: the tick that ends the stall
    meter.doing = "step two"
    QTimer.singleShot(0, lambda: time.sleep(0.15))  # shorter: step one stays the answer
    _run_loop(app, 60)
    _run_loop(app, 20)
    assert meter.longest_ms >= 350
    assert meter.where == "step one"
    # a longer stall that begins in step two and ends after the label moved on: both named
    QTimer.singleShot(0, lambda: (time.sleep(0.3), setattr(meter, "doing", "step three"),
                                  time.sleep(0.3)))  # the label changes mid-stall
    _run_loop(app, 60)
    _run_loop(app, 20)
    meter.stop()
    assert meter.where == "step two, then step three"


def test_peak_memory_is_this_process_resident_peak() -> None:
    from custdesk.ui.app import peak_rss_mb

    before = peak_rss_mb()
    block = bytearray(64 * 1024 * 1024)  # 64 MB touched: the peak grows by about that
    block[::4096] = b"x" * len(block[::4096])
    after = peak_rss_mb()
    assert before > 10
    assert after >= before + 48 or before > 500  # (a peak already above it may hide it)
    del block

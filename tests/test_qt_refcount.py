"""PySide6 6.12.0 lost a reference to `True` on every Python signal emit and aborted the app
after ~1k emits (pyqtgraph emits on every repaint). Run many emits in a child process so a
relapse shows as a failed test instead of killing the test run."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal
app = QCoreApplication([])
class Probe(QObject):
    ping = Signal()
    value = Signal(object)
probe = Probe()
probe.value.connect(lambda v: None)
before = sys.getrefcount(True), sys.getrefcount(None)
for _ in range(5000):
    probe.ping.emit()
    probe.value.emit(None)
after = sys.getrefcount(True), sys.getrefcount(None)
print(after[0] - before[0], after[1] - before[1])
"""


def test_signal_emits_keep_singleton_refcounts() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-500:]
    true_delta, none_delta = (int(x) for x in result.stdout.split())
    assert abs(true_delta) < 50 and abs(none_delta) < 50

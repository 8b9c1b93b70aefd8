"""Scorecard timings on the demo business: history, evidence, summary HTML, PDF, tab refresh.

Run: .venv/bin/python benchmarks/scorecard.py  (prints the measured figures; best of 5)
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from timing import best_of

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from custdesk.domain.periods import Period
    from custdesk.reports.scorecard_pdf import write_pdf
    from custdesk.services import scorecard_service as svc
    from custdesk.services.demo import write_demo
    from custdesk.storage import open_store
    from custdesk.ui.tabs.scorecard_tab import ScorecardTab

    app = QApplication([])  # noqa: F841  # printing and widgets need it
    end = date(2026, 11, 24)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "demo.db")
        write_demo(store, seed=7, end=end)
        period = Period.preset("last_12_months", end)
        html = svc.summary_html(store)
        tab = ScorecardTab(today=lambda: end)
        tab.set_store(store)
        figures = {
            "load_history": best_of(lambda: svc.load_history(store), 5),
            "evidence (compute_metrics + lost-reason share)":
                best_of(lambda: svc.evidence(store, period), 5),
            "summary_html": best_of(lambda: svc.summary_html(store), 5),
            "write_pdf (one A4 page)": best_of(lambda: write_pdf(html, Path(folder) / "s.pdf"), 5),
            "tab refresh": best_of(tab.refresh, 5),
        }
        store.close(backup_if_changed=False)
    for name, seconds in figures.items():
        print(f"{name:<48} {seconds * 1000:8.2f} ms")


if __name__ == "__main__":
    main()

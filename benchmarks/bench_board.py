"""Pipeline board timings with 20,000 open deals: the board's data (top 50 cards per stage),
the whole Pipeline screen, and drawing the board's widgets.

Run: .venv/bin/python benchmarks/bench_board.py  (prints the measured figures; best of 3)
"""

from __future__ import annotations

import os
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from timing import best_of

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OPEN_DEALS = 20_000


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from custdesk.domain.periods import Period
    from custdesk.services import deals_service as ds
    from custdesk.services import pipeline_service as ps
    from custdesk.services.screens import pipeline
    from custdesk.services.screens.pipeline_board import board
    from custdesk.storage import open_store
    from custdesk.storage.deal_history import insert_deal
    from custdesk.ui.tabs.pipeline_board import PipelineBoard

    app = QApplication([])  # widgets need it
    end = date(2026, 11, 24)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "board.db")
        stages = [sid for sid, _n, kind, _p in ds.stages(store) if kind == "open"]
        with store.transaction():
            for i in range(OPEN_DEALS):
                insert_deal(store, {
                    "title": f"Deal {i}", "stage_id": rng.choice(stages),
                    "amount_e4": rng.randrange(100, 50_000) * 10_000,
                    "created_on": (end - timedelta(days=rng.randrange(1, 300))).isoformat(),
                    "next_step": "Call back",
                    "next_step_on": (end + timedelta(days=rng.randrange(-20, 20))).isoformat()})
        period = Period.preset("last_12_months", end)
        deals = ps.load_deals(store)
        catalogue = ds.stages(store)
        columns = board(catalogue, deals, period)
        widget = PipelineBoard(lambda: store, lambda _id: None)
        widget.resize(1366, 600)
        widget.show()
        figures = {
            f"board data ({OPEN_DEALS:,} open deals, deals loaded)":
                best_of(lambda: board(catalogue, deals, period)),
            "Pipeline screen (build, deals cached)": best_of(lambda: pipeline.build(store, period)),
            f"draw the board ({sum(len(c['cards']) for c in columns)} cards)":
                best_of(lambda: (widget.set_board(columns), app.processEvents())),
        }
        store.close(backup_if_changed=False)
    for name, seconds in figures.items():
        print(f"{name:<52} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()

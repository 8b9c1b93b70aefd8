"""Edit ▸ Undo and Today triage timings on the demo business: one logged edit (TEMP
triggers on every table, installed and dropped per edit), deleting the customer with the
most order lines and undoing it, and the Today screen with its triage.

Run: .venv/bin/python benchmarks/bench_edit_undo.py  (prints the measured figures; best of 5)
Goal: an edit under 100 ms and its undo under 100 ms, so saving a dialog never lags.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from timing import best_of


def main() -> None:
    from custdesk.domain.periods import Period
    from custdesk.services import customers_service as cs
    from custdesk.services import edits
    from custdesk.services.demo import write_demo
    from custdesk.services.screens import today
    from custdesk.storage import open_store

    end = date(2026, 11, 24)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "demo.db")
        write_demo(store, seed=7, end=end)
        biggest = store.conn.execute("SELECT customer_id FROM orders GROUP BY customer_id "
                                     "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        cs.update_customer(store, biggest, {"notes": "first"})  # the throttled backup

        def delete_and_undo() -> None:
            cs.delete_customer(store, biggest)
            edits.undo_last_edit(store)

        figures = {
            "one edit (update a customer, logged)":
                best_of(lambda: cs.update_customer(store, biggest, {"notes": "x"}), 5),
            "undo of that edit": best_of(lambda: (
                cs.update_customer(store, biggest, {"notes": "y"}),
                edits.undo_last_edit(store)), 5),
            "delete biggest customer + undo (backup incl.)": best_of(delete_and_undo, 5),
            "today screen with triage (no series)": best_of(lambda: today.build(
                store, Period.preset("last_12_months", end), with_series=False), 5),
        }
        store.close(backup_if_changed=False)
    for name, seconds in figures.items():
        print(f"{name:<48} {seconds * 1000:8.2f} ms")


if __name__ == "__main__":
    main()

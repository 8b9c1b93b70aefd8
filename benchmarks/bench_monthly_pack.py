"""Monthly review pack timings on the demo business: gathering the screens and charts
(`review_service.build_review`), painting the five charts at 300 dpi, and writing the whole
A4 PDF — what `custdesk report monthly` spends after opening the file.

Run: .venv/bin/python benchmarks/bench_monthly_pack.py  (prints the measured figures; best of 3)
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

    from custdesk.reports.monthly_render import render_chart, write_pack_pdf
    from custdesk.services import review_service as rs
    from custdesk.services.demo import write_demo
    from custdesk.storage import open_store

    app = QApplication([])  # printing needs it
    today = date(2026, 11, 25)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "demo.db")
        write_demo(store, seed=7, end=date(2026, 11, 24))
        resolved = rs.resolve(store, None, "2026-10", today)
        review = rs.build_review(store, resolved.period, resolved.label, today)
        build = best_of(lambda: rs.build_review(store, resolved.period, resolved.label, today))
        charts = best_of(lambda: [render_chart(c) for c in review.charts.values()])
        out = Path(folder) / "pack.pdf"
        pages = write_pack_pdf(review.html, review.charts, out)
        write = best_of(lambda: write_pack_pdf(review.html, review.charts, out))
        print(f"gather screens + charts' data: {build:.2f} s")
        print(f"paint {len(review.charts)} charts at 300 dpi: {charts:.2f} s")
        print(f"write the PDF ({pages} pages, {out.stat().st_size / 1024:.0f} KB): {write:.2f} s")
        store.close(backup_if_changed=False)
    app.quit()


if __name__ == "__main__":
    main()

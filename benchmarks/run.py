"""Every figure of issue 18 in one table: figure, its anchor measured in the same run, the
ratio, the target.

    python -m benchmarks.run [--mid PATH] [--realmix PATH] [--big PATH] [--smoke-runs N]
                             [--big-smoke-runs N] [--import-rows N] [--gui-ops]
                             [--with-bench]

Builds the mid-size file with `benchmarks.make_db` when missing (20k customers, 200k
lines, 20k deals, 40k tickets, 10k surveys); the real-data file is the one
`../shared/tools/realmix` builds (skipped when absent). Timings are best of 3 where a
figure is repeated in-process; smoke-test figures come from three `custdesk --smoke-test`
runs per file: the best of each time (the longest GUI stall: the worst of the 3); 2 shared cores:
noisy, so read ratios, not milliseconds. `--big PATH` adds the 100k-customer / 1M-line file
(`benchmarks.make_db --customers 100000 --lines 1000000 --deals 100000 --tickets 200000
--surveys 50000`; one smoke run by default: it takes minutes). The table also holds the
customers table's sort and search at 100k rows (`bench_table_model.py`), the peak memory
after every tab (the smoke test's `peak memory` line; worst of the runs) and, with
`--import-rows N`, the import of an N-line workbook against a bare python-calamine read
(`bench_import.py`, one round). `--gui-ops` adds the longest GUI stall while the window
opens each file, restores a backup of it and (with `--import-rows`) imports the workbook
(`bench_gui_ops.py`, on copies). `--with-bench`
also runs the older benchmarks/bench_*.py scripts and prints their own output after the
table.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.timing import best_of

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = Path(sys.executable).parent
MID_ARGS = ["--customers", "20000", "--lines", "200000", "--deals", "20000",
            "--tickets", "40000", "--surveys", "10000"]

BARE_QT = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget
app = QApplication([]); w = QMainWindow(); tabs = QTabWidget()
for i in range(8): tabs.addTab(QWidget(), f"tab {i}")
w.setCentralWidget(tabs); w.resize(1366, 768); w.show(); app.processEvents()
print(time.perf_counter() - t0)
"""

SMOKE_RUNS = 3
Row = tuple[str, str, str, str, str]  # figure, value, anchor, ratio, target


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def bare_qt_start() -> float:
    """Seconds for a whole bare PySide6 process to show a tabbed window (best of 3)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", BARE_QT], check=True, env=_env(),
                       capture_output=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def smoke_once(db: Path) -> dict[str, float]:
    """One smoke run's figures: 'window', each 'tab <slug>' and 'change <slug>' (its
    period change), 'stall' when printed."""
    t0 = time.perf_counter()
    out = subprocess.run([str(VENV_BIN / "custdesk"), "--db", str(db), "--smoke-test"],
                         env=_env(), capture_output=True, text=True, timeout=600)
    figures = {"process": time.perf_counter() - t0}
    for line in out.stdout.splitlines():
        if m := re.match(r"window shown after ([\d.]+) s", line):
            figures["window"] = float(m[1])
        elif m := re.match(r"tab (\w+): ([\d.]+) s", line):
            figures[f"tab {m[1]}"] = float(m[2])
            if c := re.search(r"period change ([\d.]+) s", line):
                figures[f"change {m[1]}"] = float(c[1])
        elif m := re.match(r"longest GUI stall: ([\d.]+) ms", line):
            figures["stall"] = float(m[1]) / 1000
        elif m := re.match(r"peak memory: ([\d.]+) MB", line):
            figures["peak_mb"] = float(m[1])
        elif m := re.match(r"screen process peak memory: ([\d.]+) MB", line):
            figures["worker_mb"] = float(m[1])
        elif m := re.match(r"today painted after ([\d.]+) s", line):
            figures["today_painted"] = float(m[1])
        elif m := re.match(r"today first numbers after ([\d.]+) s", line):
            figures["today_first"] = float(m[1])
    return figures


def smoke(db: Path, runs: int = SMOKE_RUNS) -> dict[str, float]:
    """The smoke test's figures over `runs` runs: the best time of each, but the WORST
    longest stall (a stall seen once is a stall the owner sees)."""
    results = [smoke_once(db) for _ in range(runs)]
    keys = list(dict.fromkeys(k for r in results for k in r))  # the smoke test's order
    return {k: (max if k in ("stall", "peak_mb") else min)(r[k] for r in results if k in r)
            for k in keys}


def table_model() -> dict[str, float]:
    """bench_table_model.py's figures at 100k rows (seconds by label)."""
    out = subprocess.run([sys.executable, str(HERE / "bench_table_model.py"), "--rows",
                          "100000"], env=_env(), cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return {m[1].strip(): float(m[2]) / 1000
            for m in re.finditer(r"^  (.+?)\s+([\d.]+) ms$", out, re.M)}


def import_figures(rows: int) -> dict[str, float]:
    """bench_import.py's figures for an N-line workbook (one round; the workbook is kept
    in /tmp for the next run)."""
    out = subprocess.run([sys.executable, str(HERE / "bench_import.py"), "--rows", str(rows),
                          "--repeat", "1", "--keep", f"/tmp/custdesk_import_{rows}"],
                         env=_env(), cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    read = re.search(r"bare python_calamine read: ([\d.]+) s wall .*peak (\d+) MB", out)
    full = re.search(r"import \(read\+map\+validate\+write\): ([\d.]+) s wall.*"
                     r"peak (\d+) MB", out)
    if read is None or full is None:
        return {}
    return {"read": float(read[1]), "read_mb": float(read[2]), "import": float(full[1]),
            "import_mb": float(full[2])}


def gui_ops(db: Path, workbook: Path | None) -> list[tuple[str, float, float]]:
    """bench_gui_ops.py's (operation, seconds until shown, longest stall in seconds)."""
    extra = ["--workbook", str(workbook)] if workbook is not None else []
    out = subprocess.run([sys.executable, str(HERE / "bench_gui_ops.py"), "--db", str(db),
                          *extra], env=_env(), cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return [(m[1], float(m[2]), float(m[3]) / 1000) for m in re.finditer(
        r"^(\w+) \S+: ([\d.]+) s until shown, longest GUI stall (\d+) ms$", out, re.M)]


def catalogue(db: Path) -> tuple[float, float, float]:
    """(catalogue + segment breakdown, one bare GROUP BY over the order lines, a 12-month
    deal series) in seconds, best of 3, one-year period up to the data's end."""
    from custdesk.domain.periods import Period
    from custdesk.services import metrics_service as ms
    from custdesk.storage import open_store, queries_cache

    store = open_store(db, lock=False)
    try:
        span = ms.data_span(store)
        assert span is not None
        period = Period(span.end - timedelta(days=364), span.end)

        def cold() -> None:  # every repetition from scratch: no cached sums of the last one
            queries_cache.clear(store)
            ms._deal_series_last.pop(store, None)

        def cat() -> None:
            cold()
            ms.compute_metrics(store, period, by=("segment",))

        def deal_series() -> None:
            cold()
            ms.monthly_series(store, "win_rate_pct", 12, span.end)

        # the anchor: one bare GROUP BY over every order line (a period's lines alone can
        # be none at all on a file whose orders end years before its tickets)
        bare = best_of(lambda: store.conn.execute(
            "SELECT customer_id, sum(revenue_e4) FROM orders GROUP BY customer_id"
        ).fetchall())
        series = best_of(deal_series)
        return best_of(cat), bare, series
    finally:
        store.close()


def table(rows: list[Row]) -> str:
    head = ("figure", "value", "anchor (same run)", "ratio", "target")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
              for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run")
    p.add_argument("--mid", type=Path, default=Path("/tmp/custdesk_mid.db"))
    p.add_argument("--realmix", type=Path, default=Path("/tmp/realmix.db"))
    p.add_argument("--big", type=Path, help="the 100k-customer / 1M-line file")
    p.add_argument("--no-mid", action="store_true", help="leave the mid-size file out")
    p.add_argument("--smoke-runs", type=int, default=SMOKE_RUNS)
    p.add_argument("--big-smoke-runs", type=int, default=1)
    p.add_argument("--import-rows", type=int, default=0)
    p.add_argument("--gui-ops", action="store_true",
                   help="the GUI stall while opening, restoring and importing")
    p.add_argument("--with-bench", action="store_true")
    args = p.parse_args(argv)
    if not args.no_mid and not args.mid.exists():
        subprocess.run([sys.executable, "-m", "benchmarks.make_db", *MID_ARGS,
                        "--db", str(args.mid)], check=True, cwd=ROOT)
    bare = bare_qt_start()
    rows: list[Row] = [("bare PySide6 window + tabs (process)", f"{bare:.2f} s", "-", "-",
                        "anchor")]
    files = (([] if args.no_mid else [("mid", args.mid)])
             + ([("realmix", args.realmix)] if args.realmix.exists() else [])
             + ([("big", args.big)] if args.big else []))
    for name, db in files:
        figures = smoke(db, args.big_smoke_runs if name == "big" else args.smoke_runs)
        window = figures.get("window")
        if window is not None:
            rows.append((f"{name}: window shown (from process start)", f"{window:.2f} s",
                         f"{bare:.2f} s", f"{window / bare:.1f}×", "≤ 3× bare"))
        for key, value in figures.items():
            if key.startswith("tab "):
                slug = key[4:]
                target = "< 2 s after start" if slug == "today" else "< 1 s"
                change = figures.get(f"change {slug}")
                shown = f"{value:.2f} s" + (f" / {change:.2f} s" if change is not None else "")
                rows.append((f"{name}: tab {slug} painted / period change", shown, "-", "-",
                             target))
        if "today_first" in figures:  # (a file built in the background: two stages)
            rows.append((f"{name}: Today's cards and at-risk list after process start",
                         f"{figures['today_first']:.2f} s", "-", "-", "-"))
        if "today_painted" in figures:
            rows.append((f"{name}: Today painted (whole) after process start",
                         f"{figures['today_painted']:.2f} s", "-", "-", "< 2 s"))
        if "stall" in figures:
            rows.append((f"{name}: longest GUI stall", f"{figures['stall'] * 1000:.0f} ms",
                         "-", "-", "< 100 ms"))
        else:
            rows.append((f"{name}: longest GUI stall", "not reported", "-", "-",
                         "< 100 ms"))
        if "peak_mb" in figures:
            rows.append((f"{name}: peak memory after every tab", f"{figures['peak_mb']:.0f} MB",
                         "-", "-", "< 500 MB"))
        if "worker_mb" in figures:
            rows.append((f"{name}: screen process peak memory", f"{figures['worker_mb']:.0f} MB",
                         "-", "-", "-"))
        cat, group_by, series = catalogue(db)
        rows.append((f"{name}: catalogue + segment breakdown (1 year)", f"{cat:.3f} s",
                     f"{group_by:.3f} s bare GROUP BY", f"{cat / group_by:.1f}×",
                     "≤ 10× bare"))
        rows.append((f"{name}: 12-month deal series (win_rate_pct)", f"{series:.3f} s",
                     f"{group_by:.3f} s bare GROUP BY", f"{series / group_by:.1f}×", "-"))
        if args.gui_ops:
            workbook = (Path(f"/tmp/custdesk_import_{args.import_rows}") /
                        f"orders-{args.import_rows}.xlsx") if args.import_rows else None
            if workbook is not None and not workbook.exists():
                import_figures(args.import_rows)  # writes the workbook
            for op, took, stall in gui_ops(db, workbook if name != "mid" else None):
                rows.append((f"{name}: {op} — longest GUI stall ({took:.1f} s until shown)",
                             f"{stall * 1000:.0f} ms", "-", "-", "< 100 ms"))
    tm = table_model()
    for label, target in (("sort by revenue (money)", 0.3), ("sort by name (text)", 0.3),
                          ("first search (builds index)", 0.2), ("search again", 0.2)):
        if label in tm:
            rows.append((f"customers table, 100k rows: {label}", f"{tm[label]:.3f} s", "-",
                         "-", f"< {target} s"))
    if args.import_rows:
        imp = import_figures(args.import_rows)
        if imp:
            rows.append((f"import {args.import_rows:,}-line workbook", f"{imp['import']:.1f} s",
                         f"{imp['read']:.1f} s bare calamine read",
                         f"{imp['import'] / imp['read']:.1f}×", "≤ 2× bare, < 15 s (1M)"))
            rows.append((f"import {args.import_rows:,} lines: peak memory",
                         f"{imp['import_mb']:.0f} MB", f"{imp['read_mb']:.0f} MB bare read",
                         "-", "< 1 GB (1M)"))
    print(table(rows))
    if args.with_bench:
        for script in sorted(HERE.glob("bench_*.py")):
            print(f"\n== {script.name}", flush=True)
            subprocess.run([sys.executable, str(script)], env=_env(), cwd=ROOT, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

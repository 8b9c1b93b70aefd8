"""`custdesk metrics`: every number of METRICS.md for a period, as a table or JSON."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from typing import Any

from custdesk.commands import UserError
from custdesk.commands.common import (
    add_db_option,
    add_period_options,
    open_from_args,
    period_from_args,
)
from custdesk.domain.metric_catalogue import METRICS, explain, find_metrics
from custdesk.domain.metric_values import MetricValue

# metrics_service.BREAKDOWNS, spelled out so `custdesk --help` stays light (a test keeps
# the two equal)
BY_CHOICES = ("segment", "product", "category", "owner", "month", "reason", "competitor",
              "source", "channel")
# metrics_breakdowns.EXTRA_BREAKDOWNS (issue 17), summed apart from the catalogue's
EXTRA_BY = ("country", "region", "city", "campaign", "question")
BY_HELP = (
    "add a breakdown (may be repeated). What each gives: segment — customer, sales, deal and "
    "feedback metrics per customer group; product, category — sales (and deal) metrics; "
    "owner — deal metrics; month — sales, new customers, deals and feedback; reason — lost "
    "customers and lost deals; competitor — deals won and lost against each competitor and "
    "the win rate (head to head); source — leads_new by the deal's "
    "source; channel — spend; country, region, city — revenue, gross profit, margin, orders "
    "and order value by the order line's ship-to place, else the customer's; campaign — "
    "customers_new and their revenue (customers' campaign), leads_new and deals_won (deals' "
    "campaign); question — nps, csat_pct, would_refer_pct of customer surveys and "
    "questionnaires by the question asked")
# columns shown for a breakdown in the human table (JSON has every metric)
_TABLE_COLUMNS = ("customers_active", "customers_new", "customers_new_value",
                  "customers_lost", "churn_rate_pct", "revenue", "gross_profit",
                  "gross_margin_pct", "orders_count", "leads_new", "deals_won", "deals_lost",
                  "win_rate_pct", "nps", "csat_pct", "would_refer_pct")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("metrics", help="print every metric for a period (table or --json)")
    add_db_option(p)
    add_period_options(p)
    p.add_argument("--by", action="append", choices=BY_CHOICES + EXTRA_BY, default=[],
                   help=BY_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--explain", metavar="METRIC",
                   help="explain one metric and exit: its id or label, or a close spelling "
                        "('retention', 'Win rate')")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.explain:
        print(explain(metric_named(args.explain)))
        return 0
    from custdesk.services.metrics_breakdowns import extra_breakdown
    from custdesk.services.metrics_service import compute_metrics

    wanted = tuple(dict.fromkeys(args.by))
    store = open_from_args(args, create=False)
    try:
        period = period_from_args(store, args).period
        report = compute_metrics(store, period, by=[b for b in wanted if b in BY_CHOICES])
        extra = {b: extra_breakdown(store, period, b) for b in wanted if b in EXTRA_BY}
    finally:
        store.close()
    if extra:  # in the order asked
        groups = {**report.breakdowns, **extra}
        report = dataclasses.replace(report, breakdowns={b: groups[b] for b in wanted})
    print(json.dumps(to_json(report), indent=2) if args.json else to_table(report))
    return 0


def metric_named(text: str) -> str:
    """The one metric id `text` names (id, label or a close spelling); a UserError with a
    one-line list of candidates when it could be several, or of every id when none."""
    found = find_metrics(text)
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(f"{text!r} could be: " + "; ".join(
            f"{mid} ({METRICS[mid].label})" for mid in found) + " — give one of these ids.")
    raise UserError(f"unknown metric {text!r}; known: {', '.join(METRICS)}")


def _num(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(x, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def value_json(v: MetricValue) -> dict[str, Any]:
    return {"value": _num(v.value), "n": v.n, "low": _num(v.low), "high": _num(v.high)}


def to_json(report: Any) -> dict[str, Any]:
    """The exact JSON shape of the issue (money in currency units, 2 decimals)."""
    return {
        "from": report.period.start.isoformat(), "to": report.period.end.isoformat(),
        "metrics": {mid: value_json(v) for mid, v in report.metrics.items()},
        "breakdowns": {by: {g: {mid: value_json(v) for mid, v in ids.items()}
                            for g, ids in groups.items()}
                       for by, groups in report.breakdowns.items()},
    }


def format_value(metric_id: str, v: MetricValue) -> str:
    """Owner-readable text of one value ("—" when unknown)."""
    if v.value is None:
        return "—"
    unit = METRICS[metric_id].unit if metric_id in METRICS else "ratio"
    if unit == "count":
        return f"{v.value:,.0f}"
    if unit == "pct":
        return f"{v.value:.1f} %"
    if unit == "money":
        return f"{v.value:,.2f}"
    return f"{v.value:,.2f}"


def _range(metric_id: str, v: MetricValue) -> str:
    if v.low is None or v.high is None:
        return ""
    return f"{format_value(metric_id, MetricValue(v.low, None))} – " \
           f"{format_value(metric_id, MetricValue(v.high, None))}"


def _align(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.rjust(w) if i in right else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
                     for r in rows)


def to_table(report: Any) -> str:
    """Aligned text: one line per metric, then one table per breakdown."""
    rows = [["Metric", "Value", "n", "95 % range", ""]]
    for mid, v in report.metrics.items():
        label = METRICS[mid].label if mid in METRICS else mid
        rows.append([label, format_value(mid, v), "" if v.n is None else str(v.n),
                     _range(mid, v), "small sample" if v.small_sample and _is_rate(mid) else ""])
    parts = [f"Period {report.period.start} to {report.period.end}", "", _align(rows, {1, 2})]
    for by, groups in report.breakdowns.items():
        present = [c for c in _TABLE_COLUMNS if any(c in ids for ids in groups.values())]
        present = present or sorted({m for ids in groups.values() for m in ids})[:8]
        table = [[by.capitalize()] + [METRICS[c].label if c in METRICS else c for c in present]]
        for g, ids in groups.items():
            table.append([g] + [format_value(c, ids[c]) if c in ids else "" for c in present])
        parts += ["", f"By {by}", _align(table, set(range(1, len(present) + 1)))]
    return "\n".join(parts)


def _is_rate(metric_id: str) -> bool:
    info = METRICS.get(metric_id)
    return info is not None and info.unit in ("pct", "score", "ratio", "days", "hours")

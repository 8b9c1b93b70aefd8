"""`custdesk screen NAME`: print exactly what one tab shows (text summary or --json).

The same builder the tab draws from (`services/screens/registry.py`), so what this prints is
what the owner sees — the way to check a tab from outside the GUI.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from custdesk.commands import UserError
from custdesk.commands.common import (
    add_db_option,
    add_period_options,
    open_from_args,
    period_from_args,
)
from custdesk.domain.metric_catalogue import METRICS

SCREEN_NAMES = ("today", "customers", "pipeline", "lost", "margins", "feedback", "scorecard",
                "plan", "actions", "reasons", "growth", "why",
                "new", "loyalty")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("screen", help="print what one tab shows (text summary or --json)")
    p.add_argument("name", choices=SCREEN_NAMES, metavar="NAME",
                   help="one of: " + ", ".join(SCREEN_NAMES))
    add_db_option(p)
    add_period_options(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from custdesk.services.screens.model import to_json
    from custdesk.services.screens.registry import SCREENS

    store = open_from_args(args, create=False)
    try:
        resolved = period_from_args(store, args)
        screen = SCREENS[args.name](store, resolved.period, resolved.label)
    finally:
        store.close()
    data = to_json(screen)
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else to_text(data))
    return 0


def _fmt(metric_id: str, value: Any, unit: str | None = None) -> str:
    if value is None:
        return "—"
    if unit is None:
        unit = METRICS[metric_id].unit if metric_id in METRICS else ""
    if unit == "count" and isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    if isinstance(value, float):
        text = f"{value:,.1f}" if unit in ("pct", "score", "days", "hours", "ratio") \
            else f"{value:,.2f}"
        return text + (" %" if unit == "pct" else "")
    return str(value)


def to_text(data: dict[str, Any]) -> str:
    """A readable summary: cards, then each list/table's size and first rows, then series."""
    p = data["period"]
    out = [f"{data['screen'].capitalize()} — {p['label']} ({p['from']} to {p['to']})"]
    if data["empty"]:
        out.append("Nothing to show yet: this file holds no data for this screen.")
    out += [f"  note: {note}" for note in data["notes"]]
    if data["cards"]:
        out.append("")
        width = max(len(c["label"]) for c in data["cards"].values())
        for mid, card in data["cards"].items():
            unit = card["unit"]
            line = f"  {card['label']:<{width}}  {_fmt(mid, card['value'], unit):>14}"
            if card["prior"] is not None:
                line += f"   before: {_fmt(mid, card['prior'], unit)}"
            if card["target"] is not None:
                line += f"   target: {_fmt(mid, card['target'], unit)}"
            if card["n"] is not None:
                line += f"   n={card['n']}"
            out.append(line)
    for kind in ("lists", "tables"):
        for name, rows in data[kind].items():
            out += ["", f"{name.replace('_', ' ').capitalize()}: {len(rows):,} rows"]
            for row in rows[:5]:
                out.append("  " + " · ".join(f"{k}={v}" for k, v in row.items()
                                             if v not in (None, "", [])))
            if len(rows) > 5:
                out.append(f"  … {len(rows) - 5:,} more")
    for sid, points in data["series"].items():
        shown = ", ".join(
            f"{pt['month']}{'*' if pt['partial'] else ''}="
            f"{_fmt(sid, pt['value'])}" for pt in points)
        out += ["", f"{sid}: {shown}"]
    if any(pt["partial"] for pts in data["series"].values() for pt in pts):
        out.append("(* partial month)")
    return "\n".join(out)


__all__ = ["register", "run", "to_text", "UserError"]

"""Formatting shared by the monthly review pack's sections: locale-free figures, dates,
compact tables and headings as HTML for QTextDocument (tables and inline styles only).

Everything that signals good or bad says it in words or symbols as well as colour (↑/↓ with
"better"/"worse", ✓ on track / ✗ off track), so the pack reads the same in greyscale.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

GOOD, BAD, GREY = "#1b7a3a", "#b3261e", "#555"
HEAD_BG, AREA_BG = "#34495e", "#e8eef5"
DASH = "—"


def esc(text: object) -> str:
    return html.escape(str(text))


def long_date(d: date | str | None) -> str:
    """"17 Nov 2026" (locale-free)."""
    if d is None:
        return DASH
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    return f"{d.day} {d:%b %Y}"


def month_text(key: str) -> str:
    """"2026-11" -> "Nov 2026"."""
    try:
        return f"{date.fromisoformat(key + '-01'):%b %Y}"
    except ValueError:
        return key


def money(value: float | None, currency: str = "$") -> str:
    """Whole currency units from 100 up, cents below ("$212,972", "$52.40")."""
    if value is None:
        return DASH
    sign = "−" if value < 0 else ""
    body = f"{abs(value):,.0f}" if abs(value) >= 100 else f"{abs(value):,.2f}"
    return f"{sign}{currency}{body}"


def figure(value: float | None, unit: str, currency: str = "$") -> str:
    """A card's value as printed, by its unit (the tests compare these with the screens)."""
    if value is None:
        return DASH
    if unit == "money":
        return money(value, currency)
    if unit == "pct":
        return f"{value:.1f} %"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "days":
        return f"{value:.0f} days"
    return f"{value:,.1f}"  # score, ratio


def change(value: float | None, prior: float | None, unit: str,
           higher_is_better: bool | None) -> str:
    """Change against the prior period: points for rates and scores, % for the rest; an
    arrow, and "better"/"worse" in the metric's direction (colour only repeats it)."""
    if value is None or prior is None:
        return f"<span style='color:{GREY}'>{DASH}</span>"
    delta = value - prior
    if unit in ("pct", "score", "ratio"):
        text = f"{delta:+.1f} pts" if unit != "ratio" else f"{delta:+.1f}"
    elif prior == 0:
        text = "new" if value else "±0"
    else:
        text = f"{delta / abs(prior) * 100:+.0f} %"
    if abs(delta) < 1e-9:
        return f"<span style='color:{GREY}'>= same</span>"
    arrow = "↑" if delta > 0 else "↓"
    if higher_is_better is None:
        return f"<span style='color:{GREY}'>{arrow} {esc(text)}</span>"
    better = (delta > 0) == higher_is_better
    word = "better" if better else "worse"
    return (f"<span style='color:{GOOD if better else BAD}'>{arrow} {esc(text)} "
            f"<i>{word}</i></span>")


def status(card: Mapping[str, Any]) -> str:
    """"✓ on track" / "✗ off track" against the card's target (judged by the service)."""
    if card.get("target") is None:
        return f"<span style='color:{GREY}'>no target</span>"
    track = card.get("on_track")
    if track is None:
        return f"<span style='color:{GREY}'>{DASH}</span>"
    return (f"<b style='color:{GOOD}'>✓ on track</b>" if track
            else f"<b style='color:{BAD}'>✗ off track</b>")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int],
          widths: Sequence[int] = (), size: str = "8pt", empty: str = "None.") -> str:
    """A compact ruled table; cell texts are HTML already (escaped by the caller)."""
    def cell(tag: str, i: int, text: str, extra: str = "") -> str:
        align = "right" if i in right else "left"
        width = f" width='{widths[i]}%'" if i < len(widths) else ""
        return f"<{tag} align='{align}'{width} style='padding:1px 4px;{extra}'>{text}</{tag}>"

    head = "".join(cell("th", i, esc(h), " border-bottom:1px solid #333")
                   for i, h in enumerate(headers))
    body = ["<tr>" + "".join(cell("td", i, t) for i, t in enumerate(r)) + "</tr>"
            for r in rows]
    if not rows:
        body = [f"<tr><td colspan='{len(headers)}' style='color:{GREY}'><i>{esc(empty)}</i>"
                "</td></tr>"]
    return (f"<table width='100%' cellspacing='0' style='font-size:{size}'>"
            f"<tr>{head}</tr>{''.join(body)}</table>")


def heading(text: str, note: str = "", *, page_break: bool = False) -> str:
    """A section heading (its own line in pdftotext), optionally starting a new page."""
    brk = " page-break-before:always;" if page_break else ""
    small = (f" <span style='font-size:8pt; font-weight:normal; color:{GREY}'>{esc(note)}</span>"
             if note else "")
    return (f"<p style='{brk} font-size:12.5pt; font-weight:bold; margin:10px 0 3px 0; "
            f"color:{HEAD_BG}'>{esc(text)}{small}</p>")


def sub_heading(text: str, note: str = "") -> str:
    small = (f" <span style='font-size:7.5pt; font-weight:normal; color:{GREY}'>{esc(note)}"
             "</span>" if note else "")
    return (f"<p style='font-size:9.5pt; font-weight:bold; margin:6px 0 2px 0'>{esc(text)}"
            f"{small}</p>")


def note(text: str) -> str:
    return f"<p style='font-size:7.5pt; color:{GREY}; margin:2px 0'>{esc(text)}</p>"


def side_by_side(left: str, right: str) -> str:
    return ("<table width='100%' cellspacing='0'><tr><td width='50%' valign='top' "
            f"style='padding-right:8px'>{left}</td><td width='50%' valign='top'>{right}"
            "</td></tr></table>")

"""Printable HTML of a tab: title, period, KPI figures and tables (for QTextDocument).

The caller passes display text (already formatted the way the screen shows it), so the
printout and the screen never disagree. QTextDocument understands a subset of HTML 4 and
CSS: simple tables, inline styles, no flexbox.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_PRINTED_ROWS = 1000


@dataclass
class Figure:
    """One KPI: label, value text, change text (may be empty), detail (n, flags)."""

    label: str
    value: str
    change: str = ""
    detail: str = ""


@dataclass
class TextTable:
    title: str
    headers: list[str]
    rows: list[list[str]]
    right_aligned: set[int] = field(default_factory=set)
    note: str = ""


def _e(text: object) -> str:
    return html.escape(str(text))


def figures_html(figures: Sequence[Figure], per_row: int = 4) -> str:
    """KPI figures as a grid table."""
    cells = []
    for f in figures:
        cells.append(
            f"<td style='padding:6px; border:1px solid #bbb; width:{100 // per_row}%'>"
            f"<span style='color:#555'>{_e(f.label)}</span><br>"
            f"<span style='font-size:15pt; font-weight:bold'>{_e(f.value)}</span><br>"
            f"<span style='font-size:8pt'>{_e(f.change)} {_e(f.detail)}</span></td>")
    rows = ["<tr>" + "".join(cells[i:i + per_row]) + "</tr>"
            for i in range(0, len(cells), per_row)]
    return "<table cellspacing='0' width='100%'>" + "".join(rows) + "</table>"


def table_html(table: TextTable) -> str:
    """One table with a heading; long tables are cut at MAX_PRINTED_ROWS with a note."""
    head = "".join(
        f"<th align='{'right' if i in table.right_aligned else 'left'}' "
        f"style='border-bottom:1px solid #333; padding:2px 6px'>{_e(h)}</th>"
        for i, h in enumerate(table.headers))
    body = []
    for row in table.rows[:MAX_PRINTED_ROWS]:
        body.append("<tr>" + "".join(
            f"<td align='{'right' if i in table.right_aligned else 'left'}' "
            f"style='padding:1px 6px'>{_e(v)}</td>" for i, v in enumerate(row)) + "</tr>")
    notes = [table.note] if table.note else []
    if len(table.rows) > MAX_PRINTED_ROWS:
        notes.append(f"First {MAX_PRINTED_ROWS:,} of {len(table.rows):,} rows; export to Excel "
                     "for all of them.")
    if not table.rows:
        body.append(f"<tr><td colspan='{len(table.headers)}'><i>None.</i></td></tr>")
    note_html = "".join(f"<p style='font-size:8pt; color:#555'>{_e(n)}</p>" for n in notes)
    return (f"<h3>{_e(table.title)}</h3><table cellspacing='0' width='100%' "
            f"style='font-size:9pt'><tr>{head}</tr>{''.join(body)}</table>{note_html}")


def tab_report_html(title: str, subtitle: str, figures: Sequence[Figure] = (),
                    tables: Sequence[TextTable] = (), paragraphs: Sequence[str] = ()) -> str:
    """The whole printable document."""
    parts = [f"<html><body style='font-family:sans-serif'><h1>{_e(title)}</h1>",
             f"<p style='color:#555'>{_e(subtitle)}</p>"]
    if figures:
        parts.append(figures_html(figures))
    parts.extend(f"<p>{_e(p)}</p>" for p in paragraphs)
    parts.extend(table_html(t) for t in tables)
    parts.append("</body></html>")
    return "".join(parts)

"""Printable HTML of a tab: title, period, KPI figures, charts and tables (QTextDocument).

A printout is a short summary, not the data: the cards, the charts (as images) and the top
MAX_PRINTED_ROWS of each list with "and 266 more" — the full lists go to Excel (File ▸
Export…). The caller passes display text (already formatted the way the screen shows
it), so the printout and the screen never disagree. QTextDocument understands a subset of
HTML 4 and CSS: simple tables, inline styles, images (data: URLs), no flexbox.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_PRINTED_ROWS = 20


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


@dataclass
class Chart:
    """A chart as printed: its title and a PNG image as a data: URL (`width` in px)."""

    title: str
    image: str
    width: int = 320
    height: int = 120


def _e(text: object) -> str:
    return html.escape(str(text))


def figures_html(figures: Sequence[Figure], per_row: int = 4) -> str:
    """KPI figures as a grid table."""
    cells = []
    for f in figures:
        cells.append(
            f"<td style='padding:3px; border:1px solid #bbb; width:{100 // per_row}%'>"
            f"<span style='color:#555'>{_e(f.label)}</span><br>"
            f"<span style='font-size:13pt; font-weight:bold'>{_e(f.value)}</span><br>"
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
            f"style='padding:0px 6px'>{_e(v)}</td>" for i, v in enumerate(row)) + "</tr>")
    notes = []
    if len(table.rows) > MAX_PRINTED_ROWS:
        more = len(table.rows) - MAX_PRINTED_ROWS
        notes.append(f"First {MAX_PRINTED_ROWS:,} of {len(table.rows):,} rows — and {more:,} "
                     "more in the Excel export (File ▸ Export…).")
    if not table.rows:
        body.append(f"<tr><td colspan='{len(table.headers)}'><i>None.</i></td></tr>")
    note_html = (f"<p style='font-size:8pt; color:#555; margin-top:2px'>"
                 f"{_e('  ·  '.join(notes))}</p>" if notes else "")
    summary = (f" <span style='font-size:8pt; font-weight:normal; color:#555'>"
               f"{_e(table.note)}</span>" if table.note else "")
    return (f"<p style='font-size:11pt; font-weight:bold; margin-top:6px; "
            f"margin-bottom:2px'>{_e(table.title)}{summary}</p>"
            f"<table cellspacing='0' width='100%' "
            f"style='font-size:7.5pt'><tr>{head}</tr>{''.join(body)}</table>{note_html}")


def charts_html(charts: Sequence[Chart], per_row: int = 2) -> str:
    """Charts side by side, each with its title above it."""
    cells = ["<td style='padding:4px' valign='top'>"
             + (f"<span style='font-size:9pt'><b>{_e(c.title)}</b></span><br>" if c.title
                else "")
             + f"<img src='{c.image}' width='{c.width}' height='{c.height}'></td>"
             for c in charts]
    rows = ["<tr>" + "".join(cells[i:i + per_row]) + "</tr>"
            for i in range(0, len(cells), per_row)]
    return "<table cellspacing='0'>" + "".join(rows) + "</table>"


def tables_grid(tables: Sequence[TextTable], per_row: int) -> str:
    """Tables `per_row` side by side (a list of four short lists fits two pages)."""
    if per_row <= 1:
        return "".join(table_html(t) for t in tables)
    width = 100 // per_row
    rows = []
    for i in range(0, len(tables), per_row):
        cells = "".join(f"<td width='{width}%' valign='top' style='padding-right:8px'>"
                        f"{table_html(t)}</td>" for t in tables[i:i + per_row])
        rows.append(f"<tr>{cells}</tr>")
    return "<table cellspacing='0' width='100%'>" + "".join(rows) + "</table>"


def tab_report_html(title: str, subtitle: str, figures: Sequence[Figure] = (),
                    tables: Sequence[TextTable] = (), paragraphs: Sequence[str] = (),
                    charts: Sequence[Chart] = (), tables_per_row: int = 1,
                    charts_per_row: int = 2) -> str:
    """The whole printable document: figures, paragraphs, charts, then the tables (each cut
    at MAX_PRINTED_ROWS; `tables_per_row` lays short lists side by side)."""
    parts = [f"<html><body style='font-family:sans-serif'>"
             f"<p style='font-size:16pt; font-weight:bold; margin-bottom:0'>{_e(title)}</p>",
             f"<p style='color:#555; margin-top:0'>{_e(subtitle)}</p>"]
    if figures:
        parts.append(figures_html(figures))
    parts.extend(f"<p>{_e(p)}</p>" for p in paragraphs)
    if charts:
        parts.append(charts_html(charts, charts_per_row))
    parts.append(tables_grid(tables, tables_per_row))
    parts.append("</body></html>")
    return "".join(parts)

"""The sales plan on one A4 page (METRICS.md "Monthly sales plan"): every month's target,
baseline, gap, new customers and leads needed, the owner's own new-customer target and,
for past months, what happened; the same by product line; and the inputs behind them so the
owner can see why. Built from the plan screen's JSON only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from custdesk.reports.monthly_format import (
    GREY,
    HEAD_BG,
    esc,
    figure,
    long_date,
    money,
    month_text,
    note,
    sub_heading,
    table,
)
from custdesk.reports.monthly_money import PLAN_HEADERS, plan_rows


def _inputs(rows: list[Mapping[str, Any]], currency: str) -> str:
    """One line per month: the inputs the plan's arithmetic used."""
    cells = []
    for p in rows:
        cells.append([
            esc(month_text(str(p.get("month", "")))),
            esc(f"{month_text(str(p.get('baseline_from') or ''))} – "
                f"{month_text(str(p.get('baseline_to') or ''))}"),
            esc(money(p.get("existing_monthly_revenue"), currency)),
            esc(figure(p.get("retention_12m_pct"), "pct")),
            esc(money(p.get("first_90_day_revenue"), currency)),
            esc(figure(p.get("lead_conversion_pct"), "pct"))])
    return table(["Month", "Base months", "Existing customers' monthly revenue",
                  "Retention (12 months)", "First-90-day revenue per new customer",
                  "Lead conversion"], cells, {2, 3, 4, 5}, size="7pt")


def plan_html(business: str, screen: Mapping[str, Any], currency: str = "$",
              made_on: date | None = None) -> str:
    """The plan page as HTML for QTextDocument."""
    tables = screen.get("tables") or {}
    rows = tables.get("plan") or []
    lines = tables.get("by_line") or []
    head = (f"<p style='margin:0; font-size:16pt; font-weight:bold; color:{HEAD_BG}'>"
            f"{esc(business)} — sales plan</p>"
            f"<p style='margin:0 0 6px 0; color:{GREY}'>"
            + esc(f"Printed {long_date(made_on)}" if made_on else "") + "</p>")
    body = "<html><body style='font-family:\"DejaVu Sans\", sans-serif; font-size:8.5pt'>" + head
    if screen.get("empty") or not (rows or lines):
        return (body + "<p><i>No revenue targets in the file: set monthly targets "
                "(Margins ▸ Targets…) to get a sales plan.</i></p></body></html>")
    body += (sub_heading("Plan against actual", "baseline = what existing customers are "
                         "expected to buy; gap = what new customers must bring")
             + table(PLAN_HEADERS, plan_rows(rows, currency, False), set(range(2, 11)),
                     size="7.5pt", empty="No whole-business revenue targets."))
    if lines:
        body += (sub_heading("By product line")
                 + table(["Line", *PLAN_HEADERS], plan_rows(lines, currency, True),
                         set(range(3, 12)), size="6.5pt"))
    body += sub_heading("Why: the inputs") + _inputs(rows, currency)
    body += "".join(note(n) for n in screen.get("notes", ()) if n)
    body += note("New customers needed = gap ÷ first-90-day revenue per new customer, rounded "
                 "up; leads needed = new customers needed ÷ lead conversion, rounded up.")
    return body + "</body></html>"

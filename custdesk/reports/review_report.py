"""The monthly review pack on paper: a few A4 pages of HTML for QTextDocument, with charts.

Built only from plain data gathered by `services/review_service.py`: each tab's screen as
JSON (`to_json`), the business cases, the latest strategic review and the marketing rows.
No number is computed here, only chosen and formatted, so the paper and the tabs cannot
disagree. The sections live in `monthly_sections.py` (cover, key numbers, customers in and
out, at risk, pipeline), `monthly_money.py` (plan, margins and business cases, marketing)
and `monthly_follow.py` (feedback, scorecard, actions, strategic review); charts are specs
(`monthly_charts.py`) painted at print resolution by `monthly_render.py`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from custdesk.reports import monthly_follow as follow
from custdesk.reports import monthly_money as cash
from custdesk.reports import monthly_sections as front
from custdesk.reports.monthly_charts import Chart
from custdesk.reports.monthly_format import figure, long_date, money, month_text
from custdesk.reports.monthly_sections import KEY_FIGURES, SECTIONS, key_figure_rows

__all__ = ["KEY_FIGURES", "SECTIONS", "ReviewData", "figure", "key_figure_rows", "long_date",
           "money", "month_text", "review_html"]


@dataclass
class ReviewData:
    """What the pack prints. `screens`: each screen's JSON by name, each card dict carrying
    `on_track` (set by the service from `screens.targets.on_track`); `data_end`: the data's
    last day (a period running past it is partial); `cases`: business-case results as dicts;
    `strategic`: the latest review ({reviewed_on, decisions, headings, actions}) or None;
    `leads_by_source` and `spend_by_month` rows for Marketing; `charts` by key."""

    business: str
    period_label: str
    start: date
    end: date
    screens: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_end: date | None = None
    currency: str = "$"
    made_on: date | None = None
    empty: bool = False
    empty_reason: str = "the file holds no customers, orders, deals or feedback yet."
    cases: list[dict[str, Any]] = field(default_factory=list)
    strategic: dict[str, Any] | None = None
    leads_by_source: list[dict[str, Any]] = field(default_factory=list)
    spend_by_month: list[dict[str, Any]] = field(default_factory=list)
    charts: dict[str, Chart] = field(default_factory=dict)


def review_html(r: ReviewData) -> str:
    """The whole pack as one HTML document (5–7 A4 pages on a year of data)."""
    body = "<html><body style='font-family:\"DejaVu Sans\", sans-serif; font-size:9pt'>"
    if r.empty:
        return (body + front.cover(r)
                + "<p style='font-size:13pt; margin-top:30px'><b>Nothing to review yet.</b></p>"
                f"<p>{html.escape(r.empty_reason[:1].upper() + r.empty_reason[1:])} Import "
                "your spreadsheets "
                "(File ▸ Import spreadsheet…) or choose a period with records — or explore "
                "the demo business — and print the review again.</p>"
                + follow.footer(r) + "</body></html>")
    return "".join((
        body, front.cover(r), front.key_numbers(r), front.bridge(r), front.at_risk(r),
        front.pipeline(r), cash.plan(r), cash.margins(r), follow.feedback(r),
        cash.marketing(r), follow.scorecard(r), follow.open_actions(r), follow.strategic(r),
        follow.footer(r), "</body></html>"))

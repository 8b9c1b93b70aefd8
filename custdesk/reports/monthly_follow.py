"""The monthly pack, follow-up sections: feedback (NPS, CSAT, response times), the
scorecard average and its history, open actions, and the latest strategic review's
decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from custdesk.reports.monthly_charts import chart_tag
from custdesk.reports.monthly_format import (
    BAD,
    DASH,
    GREY,
    esc,
    figure,
    heading,
    long_date,
    note,
    side_by_side,
    sub_heading,
    table,
)
from custdesk.reports.monthly_sections import TOP, cards_table

if TYPE_CHECKING:
    from custdesk.reports.review_report import ReviewData


def feedback(r: ReviewData) -> str:
    screen = r.screens.get("feedback") or {}
    detractors = (screen.get("lists") or {}).get("detractors") or []
    topics = (screen.get("tables") or {}).get("tickets_by_topic") or []
    topic_rows = [[esc(t.get("name", "")), f"{t.get('tickets', 0):,}",
                   f"{t.get('complaints', 0):,}",
                   esc(figure(t.get("first_response_hours"), "hours")),
                   esc(figure(t.get("csat_pct"), "pct"))] for t in topics[:6]]
    return (heading("Feedback", "NPS, satisfaction and response times (lower is better for "
                    "response times and complaints)", page_break=True)
            + cards_table(r, ("Feedback",), with_area_rows=False)
            + side_by_side(
                (chart_tag("nps") if "nps" in r.charts else "")
                + sub_heading("Tickets by topic")
                + table(["Topic", "Tickets", "Complaints", "1st reply", "CSAT"], topic_rows,
                        {1, 2, 3, 4}, widths=[28, 16, 22, 17, 17], size="7.5pt",
                        empty="No tickets in the period."),
                sub_heading("Detractors", f"{len(detractors):,} with a latest NPS of 0–6")
                + table(["Customer", "NPS", "Comment"],
                        [[esc(d.get("customer", "")), esc(d.get("nps", "")),
                          esc(d.get("comment") or "")] for d in detractors[:8]],
                        {1}, widths=[34, 10, 56], size="7.5pt", empty="No detractor.")))


def scorecard(r: ReviewData) -> str:
    sc = r.screens.get("scorecard") or {}
    card = (sc.get("cards") or {}).get("scorecard_average")
    history = (sc.get("tables") or {}).get("history") or []
    head = heading("Scorecard", "your own 0–10 assessment of how the business is run",
                   page_break=True)
    if sc.get("empty") or card is None or card.get("value") is None:
        return head + ("<p><i>No scorecard assessment yet: fill in the Scorecard tab before "
                       "the review.</i></p>")
    value, prior = card["value"], card.get("prior")
    was = "" if prior is None else f" (before: {prior:.1f})"
    taken = history[-1].get("taken_on") if history else None
    body = (f"<p style='margin:0'>Scorecard average <b style='font-size:15pt'>{value:.1f}</b>"
            f" / 10{esc(was)}" + ("" if taken is None else f" · assessed {esc(long_date(taken))}")
            + "</p>")
    rows = [[esc(long_date(h.get("taken_on"))), esc(figure(h.get("average"), "score")),
             f"{h.get('answered', 0)} of {h.get('questions', 0)}",
             esc(DASH if h.get("change") is None else f"{h['change']:+.1f}")]
            for h in history[-8:]]
    hist = (sub_heading("History") + table(["Assessed", "Average", "Answered", "Change"], rows,
                                           {1, 2, 3}, widths=[34, 22, 22, 22]))
    return head + body + side_by_side(hist, chart_tag("scorecard") if "scorecard" in r.charts
                                      else "")


def open_actions(r: ReviewData) -> str:
    screen = r.screens.get("actions") or {}
    rows = (screen.get("lists") or {}).get("open") or []
    ordered = sorted(rows, key=lambda a: (not a.get("overdue"), a.get("due_on") or "9999"))
    late = sum(1 for a in rows if a.get("overdue"))
    cells = [[esc(a.get("title", "")), esc(a.get("customer") or ""), esc(a.get("owner") or ""),
              esc(long_date(a.get("due_on")) if a.get("due_on") else DASH),
              (f"<b style='color:{BAD}'>✗ {esc(a.get('days_overdue') or '')} days late</b>"
               if a.get("overdue") else "")] for a in ordered[:15]]
    more = len(rows) - len(cells)
    return (heading("Open actions", f"{len(rows):,} open, {late:,} overdue — late first")
            + table(["Action", "Customer", "Owner", "Due", "Late"], cells, set(),
                    widths=[40, 20, 14, 12, 14],
                    empty="No open actions." if screen else "No actions recorded yet.")
            + (note(f"{more} more on the Actions tab.") if more > 0 else ""))


def strategic(r: ReviewData) -> str:
    s = r.strategic
    head = heading("Strategic review", "the latest review's decisions and the actions "
                   "planned from them")
    if not s:
        return head + ("<p><i>No strategic review recorded yet (File ▸ Strategic review…): "
                       "note changes in your market, new services, customers' needs, external "
                       "factors and competitors, and what you decided.</i></p>")
    decisions = s.get("decisions") or []
    items = "".join(f"<li>{esc(d)}</li>" for d in decisions) or "<li><i>No decision noted.</i></li>"
    acts = s.get("actions") or []
    act_rows = [[esc(a.get("title", "")), esc(a.get("owner") or ""),
                 esc(long_date(a.get("due_on")) if a.get("due_on") else DASH),
                 esc(a.get("status", ""))] for a in acts]
    headings = "".join(
        f"<tr><td width='28%' valign='top' style='padding:1px 4px'><b>{esc(title)}</b></td>"
        f"<td style='padding:1px 4px'>{esc(text) if text else f'<i style=color:{GREY}>—</i>'}"
        "</td></tr>" for title, text in s.get("headings") or [])
    return (head + f"<p style='margin:0'>Reviewed {esc(long_date(s.get('reviewed_on')))}</p>"
            + sub_heading("Decisions") + f"<ul style='margin-top:0'>{items}</ul>"
            + (table(["Action planned", "Owner", "Due", "Status"], act_rows, set(),
                     widths=[52, 18, 15, 15], size="7.5pt") if act_rows else "")
            + sub_heading("What the review noted")
            + f"<table width='100%' cellspacing='0' style='font-size:7.5pt'>{headings}</table>")


def footer(r: ReviewData) -> str:
    made = "" if r.made_on is None else f"Printed {long_date(r.made_on)}. "
    return (f"<p style='margin-top:8px; font-size:7pt; color:{GREY}'>{made}Every figure comes "
            "from the same screens the custdesk tabs show for this period (definitions in "
            "Help ▸ Metric definitions). Targets are the ones you set; “no target” means none "
            "was set for this period. Top lists show at most "
            f"{TOP} rows.</p>")

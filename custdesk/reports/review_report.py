"""The monthly business review on paper: a few A4 pages of HTML for QTextDocument.

Built only from the screens' plain data (`to_json(screen)` of each tab, made by
`services/review_service.py`): no number is computed here, only chosen and formatted, so
the paper and the tabs cannot disagree.

Page 1: the key figures of every area (Today, Customers, Pipeline, Margins, Feedback,
Actions) with the prior period, the target and on/off track, and the customers in/out
bridge. Page 2: the sales plan (and by product line), plan against actual, and margins by
product against their target. Page 3: the top lists (at risk, hot deals, lost reasons,
detractors, overdue actions). Page 4: the scorecard average and a blank "notes for the
review" box for the strategic questions. Locale-free formatting (the paper reads the same
on every machine); QTextDocument understands tables and inline styles only.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from custdesk.domain.metric_catalogue import METRICS

GOOD, BAD, GREY = "#1b7a3a", "#b3261e", "#666"
HEAD_BG, AREA_BG = "#34495e", "#e8eef5"
DASH = "—"
TOP = 10  # rows of each top list

# area title, screen, the screen's key cards in the order printed
KEY_FIGURES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Sales (Today)", "today",
     ("revenue", "customers_new", "customers_new_value", "customers_lost_value")),
    ("Customers", "customers",
     ("customers_active", "customers_lost", "retention_rate_pct", "churn_rate_pct",
      "renewal_rate_pct", "referral_rate_pct")),
    ("Pipeline", "pipeline",
     ("deals_open", "pipeline_weighted_value", "win_rate_pct", "deals_won", "deals_lost",
      "sales_cycle_days_avg", "discount_pct_avg")),
    ("Margins", "margins",
     ("gross_profit", "gross_margin_pct", "avg_order_value", "cac", "ltv_cac_ratio")),
    ("Feedback", "feedback",
     ("nps", "csat_pct", "first_response_hours_median", "resolution_hours_median",
      "complaints_count", "repeat_contact_rate_pct")),
    ("Actions", "actions", ("actions_open", "actions_overdue")),
)

STRATEGIC_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("Changes in your market", "Who is buying more or less, and why?"),
    ("New and emerging services", "What could we offer next; what should we stop?"),
    ("Changes in your customers' needs", "What are customers asking for that we lack?"),
    ("External factors", "The economy, imports, new technology, regulation."),
    ("Competitive activity", "New competitors, prices, offers; deals lost to them."),
    ("Decisions and actions", "Who does what by when (then plan them in Actions)."),
)


@dataclass
class ReviewData:
    """What the review prints: each screen's JSON (`to_json`), by screen name.

    Each card dict may carry `on_track` (True/False/None) set by the service from
    `screens.targets.on_track`; `data_end` is the data's last day (a period running past it
    is marked partial)."""

    business: str
    period_label: str
    start: date
    end: date
    screens: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_end: date | None = None
    currency: str = "$"
    made_on: date | None = None
    empty: bool = False


def _e(text: object) -> str:
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
    """A card's value as printed, by its unit (the test compares these with the screens)."""
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


def _change(value: float | None, prior: float | None, unit: str,
            higher_is_better: bool | None) -> str:
    """Change against the prior period: points for rates and scores, % for the rest;
    an arrow coloured by whether the move is good for the business."""
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
        return f"<span style='color:{GREY}'>= {text}</span>"
    arrow = "▲" if delta > 0 else "▼"
    colour = GREY if higher_is_better is None else (
        GOOD if (delta > 0) == higher_is_better else BAD)
    return f"<span style='color:{colour}'>{arrow} {_e(text)}</span>"


def _status(card: Mapping[str, Any]) -> str:
    if card.get("target") is None:
        return f"<span style='color:{GREY}'>no target</span>"
    track = card.get("on_track")
    if track is None:
        return f"<span style='color:{GREY}'>{DASH}</span>"
    return (f"<b style='color:{GOOD}'>on track</b>" if track
            else f"<b style='color:{BAD}'>off track</b>")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int],
           widths: Sequence[int] = (), size: str = "8pt", empty: str = "None.") -> str:
    """A compact table; cell texts are HTML already (escaped by the caller)."""
    def cell(tag: str, i: int, text: str, extra: str = "") -> str:
        align = "right" if i in right else "left"
        width = f" width='{widths[i]}%'" if i < len(widths) else ""
        return f"<{tag} align='{align}'{width} style='padding:1px 4px;{extra}'>{text}</{tag}>"

    head = "".join(cell("th", i, _e(h), " border-bottom:1px solid #333")
                   for i, h in enumerate(headers))
    body = ["<tr>" + "".join(cell("td", i, t) for i, t in enumerate(r)) + "</tr>"
            for r in rows]
    if not rows:
        body = [f"<tr><td colspan='{len(headers)}' style='color:{GREY}'><i>{_e(empty)}</i>"
                "</td></tr>"]
    return (f"<table width='100%' cellspacing='0' style='font-size:{size}'>"
            f"<tr>{head}</tr>{''.join(body)}</table>")


def _heading(text: str, note: str = "", *, page_break: bool = False) -> str:
    brk = " page-break-before:always;" if page_break else ""
    small = (f" <span style='font-size:8pt; font-weight:normal; color:{GREY}'>{_e(note)}</span>"
             if note else "")
    return (f"<p style='{brk} font-size:12pt; font-weight:bold; margin:10px 0 3px 0'>"
            f"{_e(text)}{small}</p>")


def _title(r: ReviewData, page: str) -> str:
    return (f"<p style='margin:0; font-size:15pt; font-weight:bold'>{_e(r.business)} — "
            f"business review</p>"
            f"<p style='margin:0 0 4px 0; color:#444'>{_e(r.period_label)}: "
            f"{long_date(r.start)} – {long_date(r.end)} · {_e(page)}</p>")


def _partial_note(r: ReviewData) -> str:
    if r.data_end is None or r.data_end >= r.end:
        return ""
    return (f"<p style='margin:0 0 4px 0; padding:3px; background-color:#f6f1dc'>"
            f"Partial period: the data runs to {long_date(r.data_end)}, so the last "
            f"{(r.end - r.data_end).days} days of the period hold no records yet.</p>")


# ----- page 1 ---------------------------------------------------------------------------
def key_figure_rows(r: ReviewData) -> list[tuple[str, str, Mapping[str, Any] | None]]:
    """(area, metric id, card) in print order; card None when the area's screen is empty
    (one row saying so)."""
    out: list[tuple[str, str, Mapping[str, Any] | None]] = []
    for area, name, metrics in KEY_FIGURES:
        screen = r.screens.get(name)
        cards = screen.get("cards", {}) if screen else {}
        if not screen or screen.get("empty") or not any(m in cards for m in metrics):
            out.append((area, "", None))
            continue
        out.extend((area, m, cards[m]) for m in metrics if m in cards)
    return out


def _key_figures(r: ReviewData) -> str:
    rows, last_area = [], ""
    for area, metric, card in key_figure_rows(r):
        first = area != last_area
        last_area = area
        if first:
            rows.append(f"<tr style='background-color:{AREA_BG}'><td colspan='6'>"
                        f"<b>{_e(area)}</b></td></tr>")
        if card is None:
            rows.append(f"<tr><td colspan='6' style='color:{GREY}; padding:1px 4px'><i>No data "
                        "for this area in the file yet.</i></td></tr>")
            continue
        info = METRICS.get(metric)
        unit = str(card.get("unit") or (info.unit if info else ""))
        better = info.higher_is_better if info else None
        value, prior = card.get("value"), card.get("prior")
        n = card.get("n")
        small = (f" <span style='font-size:7pt; color:{GREY}'>n={n}</span>"
                 if n is not None and n < 30 and value is not None else "")
        cells = [f"&nbsp;&nbsp;{_e(card.get('label', metric))}",
                 f"<b>{_e(figure(value, unit, r.currency))}</b>{small}",
                 _e(figure(prior, unit, r.currency)),
                 _change(value, prior, unit, better),
                 _e(figure(card.get("target"), unit, r.currency)),
                 _status(card)]
        aligns = ["left", "right", "right", "right", "right", "left"]
        rows.append("<tr>" + "".join(
            f"<td align='{a}' style='padding:1px 4px'>{c}</td>"
            for a, c in zip(aligns, cells, strict=True)) + "</tr>")
    head = "".join(
        f"<th align='{a}' style='padding:2px 4px'>{h}</th>" for h, a in (
            ("Key figure", "left"), ("This period", "right"), ("Period before", "right"),
            ("Change", "right"), ("Target", "right"), ("Status", "left")))
    return (_heading("Key figures by area", "this period against the one before and the "
                     "targets you set")
            + "<table width='100%' cellspacing='0' style='font-size:8.5pt'>"
            f"<tr style='background-color:{HEAD_BG}; color:white'>{head}</tr>"
            + "".join(rows) + "</table>")


def _bridge(r: ReviewData) -> str:
    customers = r.screens.get("customers") or {}
    steps = (customers.get("tables") or {}).get("bridge") or []
    if not steps:
        return ""
    cells = []
    for i, s in enumerate(steps):
        kind = s.get("kind")
        sign = "+" if kind == "up" else "−" if kind == "down" else ""
        colour = GOOD if kind == "up" else BAD if kind == "down" else "#000"
        worth = ("" if s.get("value") in (None, 0) else
                 f"<br><span style='font-size:7.5pt; color:{GREY}'>"
                 f"{_e(money(s['value'], r.currency))}</span>")
        op = "" if i == 0 else ("=" if kind == "total" else "")
        cells.append(
            f"<td align='center' style='padding:2px 6px; border:1px solid #bbb'>"
            f"<span style='color:{GREY}'>{_e(s.get('step', ''))}</span><br>"
            f"<b style='font-size:12pt; color:{colour}'>{op} {sign}{s.get('customers', 0):,}"
            f"</b>{worth}</td>")
    return (_heading("Customers in and out", "active customers at the start, who came, who "
                     "left, at the end (Customers tab)")
            + "<table cellspacing='0' style='font-size:9pt'><tr>" + "".join(cells)
            + "</tr></table>")


# ----- page 2 ---------------------------------------------------------------------------
def _plan_rows(rows: Sequence[Mapping[str, Any]], r: ReviewData, line: bool
               ) -> list[list[str]]:
    out = []
    for p in rows:
        status = str(p.get("status", ""))
        actual = p.get("actual_revenue")
        vs = p.get("revenue_vs_target")
        days = p.get("actual_days")
        month = month_text(str(p.get("month", "")))
        if status == "current" and days:
            month += f" <span style='color:{GREY}'>({days} days)</span>"
        vs_text = DASH if vs is None else (
            f"<span style='color:{GOOD if vs >= 0 else BAD}'>{_e(money(vs, r.currency))}</span>")
        new_t, new_a = p.get("new_customers_target"), p.get("actual_new_customers")
        row = [month, _e(status),
               _e(money(p.get("revenue_target"), r.currency)),
               _e(money(p.get("baseline"), r.currency)),
               _e(money(p.get("gap"), r.currency)),
               _e(DASH if p.get("new_customers_needed") is None
                  else f"{p['new_customers_needed']:,}"),
               _e(DASH if new_t is None else f"{new_t:,}"),
               _e(DASH if p.get("leads_needed") is None else f"{p['leads_needed']:,}"),
               _e(money(actual, r.currency)), vs_text,
               _e(DASH if new_a is None else f"{new_a:,}")]
        if line:
            row.insert(0, _e(p.get("line", "")))
        out.append(row)
    return out


PLAN_HEADERS = ["Month", "Status", "Revenue target", "Baseline", "Gap", "New cust. needed",
                "New cust. target", "Leads needed", "Actual revenue", "vs target",
                "Actual new cust."]


def _plan(r: ReviewData) -> str:
    plan = r.screens.get("plan") or {}
    tables = plan.get("tables") or {}
    parts = [_heading("Sales plan: plan against actual", "revenue target, the baseline from "
                      "existing customers, the gap new customers must fill, and what "
                      "happened (Plan)", page_break=True)]
    if plan.get("empty"):
        parts.append("<p style='color:#666'><i>No revenue targets in the file: set monthly "
                     "targets (Margins ▸ Targets… or import them) to get a sales plan.</i></p>")
    else:
        right = set(range(2, 11))
        parts.append(_table(PLAN_HEADERS, _plan_rows(tables.get("plan") or [], r, False),
                            right, empty="No revenue targets for these months."))
        lines = tables.get("by_line") or []
        parts.append(_heading("Sales plan by product line"))
        parts.append(_table(["Line", *PLAN_HEADERS], _plan_rows(lines, r, True),
                            set(range(3, 12)), size="7.5pt",
                            empty="No revenue targets per product or category: set them to "
                                  "see the plan line by line."))
    notes = [n for n in plan.get("notes", ()) if n]
    if notes:
        parts.append(f"<p style='font-size:7.5pt; color:{GREY}; margin-top:2px'>"
                     + "<br>".join(_e(n) for n in notes) + "</p>")
    parts.append(_products(r))
    return "".join(parts)


def _products(r: ReviewData) -> str:
    margins = r.screens.get("margins") or {}
    products = (margins.get("tables") or {}).get("by_product") or []
    if margins.get("empty") or not products:
        return ""
    rows = []
    for p in sorted(products, key=lambda p: -(p.get("revenue") or 0))[:12]:
        gap = p.get("margin_gap_pts")
        why = p.get("behind_why") or ("margin below target" if p.get("below_target") else "")
        flag = (f"<span style='color:{BAD}; font-size:7pt'>{_e(why)}</span>" if why
                else (f"<span style='color:{GOOD}'>on its case</span>"
                      if p.get("target_margin_pct") is not None else ""))
        change = p.get("revenue_change_pct")
        rows.append([_e(p.get("name", "")), _e(money(p.get("revenue"), r.currency)),
                     _e(money(p.get("gross_profit"), r.currency)),
                     _e(figure(p.get("margin_pct"), "pct")),
                     _e(figure(p.get("target_margin_pct"), "pct")),
                     DASH if gap is None else f"{gap:+.1f}&nbsp;pts",
                     _e(DASH if change is None else f"{change:+.0f} %"), flag])
    more = len(products) - len(rows)
    return (_heading("Margins by product against their business case", "the top products "
                     "by revenue (Margins)"
                     + (f"; {more} more on the Margins tab" if more > 0 else ""))
            + _table(["Product", "Revenue", "Gross profit", "Margin", "Target margin", "Gap",
                      "Revenue trend", "Behind its case"], rows, {1, 2, 3, 4, 5, 6},
                     widths=[18, 9, 9, 8, 8, 8, 9, 31]))


# ----- page 3 ---------------------------------------------------------------------------
def _more(rows: Sequence[Any]) -> str:
    return f"top {TOP} of {len(rows):,}" if len(rows) > TOP else f"{len(rows):,}"


def _lists(r: ReviewData) -> str:
    today = (r.screens.get("today") or {}).get("lists") or {}
    at_risk = today.get("at_risk") or []
    hot = today.get("hot") or []
    feedback = (r.screens.get("feedback") or {}).get("lists") or {}
    detractors = feedback.get("detractors") or []
    lost = (r.screens.get("lost") or {}).get("tables") or {}
    reasons = lost.get("by_reason") or []
    customers = (r.screens.get("customers") or {}).get("tables") or {}
    left = customers.get("lost_by_reason") or []
    actions = (r.screens.get("actions") or {}).get("lists") or {}
    overdue = [a for a in actions.get("open") or [] if a.get("overdue")]
    c = r.currency
    parts = [
        _heading("Customers at risk", _more(at_risk) + " by value at risk (Today)",
                 page_break=True),
        _table(["Customer", "Segment", "Value at risk", "Why"],
               [[_e(a.get("customer", "")), _e(a.get("segment") or ""),
                 _e(money(a.get("value_at_risk"), c)), _e(a.get("reason") or "")]
                for a in at_risk[:TOP]], {2}, widths=[22, 12, 13, 53],
               empty="No customer at risk."),
        _heading("Hot deals", _more(hot) + " (Today)"),
        _table(["Deal", "Stage", "Amount", "Weighted", "Expected close", "Next step"],
               [[_e(d.get("title", "")), _e(d.get("stage", "")), _e(money(d.get("amount"), c)),
                 _e(money(d.get("weighted"), c)), _e(long_date(d.get("expected_close"))),
                 _e(d.get("next_step") or "")] for d in hot[:TOP]],
               {2, 3}, widths=[38, 11, 11, 11, 13, 16], empty="No hot deal."),
    ]
    reason_rows = [[_e(x.get("reason", "")), _e(f"{x.get('deals_lost', 0):,}"),
                    _e(figure(x.get("share_pct"), "pct"))] for x in reasons[:TOP]]
    left_rows = [[_e(x.get("reason", "")), _e(f"{x.get('customers', 0):,}")]
                 for x in left[:TOP]]
    parts.append(
        "<table width='100%' cellspacing='0'><tr><td width='50%' valign='top' "
        "style='padding-right:8px'>"
        + _heading("Why deals were lost", "(Lost prospects)")
        + _table(["Reason", "Deals", "Share"], reason_rows, {1, 2}, widths=[60, 20, 20],
                 empty="No deal lost in the period.")
        + "</td><td width='50%' valign='top'>"
        + _heading("Why customers left", "(Customers)")
        + _table(["Reason", "Customers"], left_rows, {1}, widths=[70, 30],
                 empty="No customer lost in the period.")
        + "</td></tr></table>")
    parts += [
        _heading("Detractors", _more(detractors) + " latest NPS 0–6 (Feedback)"),
        _table(["Customer", "NPS", "Answered", "Comment"],
               [[_e(d.get("customer", "")), _e(d.get("nps", "")), _e(long_date(d.get("date"))),
                 _e(d.get("comment") or "")] for d in detractors[:TOP]],
               {1}, widths=[25, 7, 14, 54], empty="No detractor."),
        _heading("Actions overdue", _more(overdue) + " (Actions)"),
        _table(["Action", "Customer", "Owner", "Due", "Days late"],
               [[_e(a.get("title", "")), _e(a.get("customer") or ""), _e(a.get("owner") or ""),
                 _e(long_date(a.get("due_on"))), _e(a.get("days_overdue") or "")]
                for a in overdue[:TOP]], {4}, widths=[40, 20, 14, 14, 12],
               empty="No action overdue." if actions else "No actions recorded yet."),
    ]
    return "".join(parts)


# ----- page 4 ---------------------------------------------------------------------------
def _scorecard(r: ReviewData) -> str:
    sc = r.screens.get("scorecard") or {}
    card = (sc.get("cards") or {}).get("scorecard_average")
    history = (sc.get("tables") or {}).get("history") or []
    if sc.get("empty") or card is None or card.get("value") is None:
        body = ("<i>No scorecard assessment yet: fill in the Scorecard tab before the "
                "review.</i>")
    else:
        value, prior = card["value"], card.get("prior")
        was = "" if prior is None else f" (before: {prior:.1f})"
        taken = history[-1].get("taken_on") if history else None
        body = (f"Scorecard average <b style='font-size:14pt'>{value:.1f}</b> / 10{_e(was)}"
                + ("" if taken is None else f" · assessed {_e(long_date(taken))}"))
        if len(history) > 1:
            trail = " → ".join(f"{long_date(h.get('taken_on'))} "
                               + figure(h.get("average"), "score") for h in history[-6:])
            body += f"<br><span style='font-size:8pt; color:{GREY}'>Over time: {_e(trail)}</span>"
    notes = [n for n in sc.get("notes", ()) if n]
    extra = (f"<br><span style='font-size:8pt'>{_e(notes[0])}</span>" if notes else "")
    return (_heading("Scorecard", "(Scorecard tab)", page_break=True)
            + f"<p style='margin:0'>{body}{extra}</p>")


def _notes_box() -> str:
    rows = []
    for title, hint in STRATEGIC_QUESTIONS:
        lines = "".join("<tr><td style='border-bottom:1px solid #bbb'>&nbsp;</td></tr>"
                        for _ in range(4))
        rows.append(
            f"<tr><td style='padding:6px 6px 2px 6px'><b>{_e(title)}</b> "
            f"<span style='color:{GREY}; font-size:8pt'>{_e(hint)}</span>"
            f"<table width='100%' cellspacing='0' style='font-size:11pt'>{lines}</table>"
            "</td></tr>")
    return (_heading("Notes for the review", "the strategic questions — write during the "
                     "meeting")
            + "<table width='100%' cellspacing='0' border='1' "
              "style='border-color:#888; border-style:solid'>" + "".join(rows) + "</table>")


def _footer(r: ReviewData) -> str:
    made = "" if r.made_on is None else f"Printed {long_date(r.made_on)}. "
    return (f"<p style='margin-top:6px; font-size:7pt; color:{GREY}'>{made}Every figure comes "
            "from the same screens the custdesk tabs show for this period (definitions in "
            "Help ▸ Metric definitions). Targets are the ones you set; “no target” means none "
            "was set for this period.</p>")


def review_html(r: ReviewData) -> str:
    """The whole review as one HTML document (3–4 A4 pages on a year of data)."""
    body = "<html><body style='font-family:sans-serif; font-size:9pt'>"
    if r.empty:
        return (body + _title(r, "nothing to review yet")
                + "<p style='font-size:13pt; margin-top:30px'><b>Nothing to review yet.</b></p>"
                "<p>This file holds no customers, orders, deals or feedback. Import your "
                "spreadsheets (File ▸ Import spreadsheet…) — or explore the demo business — "
                "and print the review again.</p>" + _footer(r) + "</body></html>")
    return (body + _title(r, "page 1: key figures") + _partial_note(r) + _key_figures(r)
            + _bridge(r) + _plan(r) + _lists(r) + _scorecard(r) + _notes_box() + _footer(r)
            + "</body></html>")

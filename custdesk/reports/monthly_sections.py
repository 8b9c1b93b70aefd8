"""The monthly pack, first half: cover, key numbers against target and prior, customers in
and out, customers at risk, pipeline and lost reasons. Each section is HTML built only from
the screens' JSON in `ReviewData` (no number computed here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from custdesk.domain.metric_catalogue import METRICS
from custdesk.reports.monthly_charts import chart_tag
from custdesk.reports.monthly_format import (
    AREA_BG,
    BAD,
    DASH,
    GOOD,
    GREY,
    HEAD_BG,
    change,
    esc,
    figure,
    heading,
    long_date,
    money,
    side_by_side,
    status,
    sub_heading,
    table,
)

if TYPE_CHECKING:
    from custdesk.reports.review_report import ReviewData

TOP = 10  # rows of each top list

# area title, screen, the screen's key cards in the order printed
KEY_FIGURES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Sales", "today",
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
# the areas on the key-numbers page; Feedback is printed in its own section
FRONT_AREAS = ("Sales", "Customers", "Pipeline", "Margins", "Actions")

SECTIONS = ("Key numbers against target", "Customers in and out", "Customers at risk",
            "Pipeline and lost reasons", "Sales plan against actual",
            "Margins by product and business case", "Feedback", "Marketing", "Scorecard",
            "Open actions", "Strategic review")


def cover(r: ReviewData) -> str:
    """Page 1: the business, the period, what the pack holds and how to read it."""
    contents = "".join(f"<li>{esc(s)}</li>" for s in SECTIONS)
    partial = ""
    if r.data_end is not None and r.data_end < r.end and not r.empty:
        partial = (f"<p style='margin:14px 0 0 0; padding:5px; border:1px dashed #777'>"
                   f"<b>Partial period:</b> the data runs to {long_date(r.data_end)}, so the "
                   f"last {(r.end - r.data_end).days} days of the period hold no records yet. "
                   "Partial months are drawn pale with a dashed outline and their day count."
                   "</p>")
    made = "" if r.made_on is None else f"Prepared {long_date(r.made_on)}"
    if r.empty:  # nothing to list: the page says so below
        contents = ""
    return (f"<p style='margin:100px 0 0 0; font-size:26pt; font-weight:bold; color:{HEAD_BG}'>"
            f"{esc(r.business)}</p>"
            "<p style='margin:6px 0 0 0; font-size:17pt'>Monthly review</p>"
            f"<p style='margin:4px 0 0 0; font-size:13pt'>{esc(r.period_label)}: "
            f"{long_date(r.start)} – {long_date(r.end)}</p>"
            f"<p style='margin:4px 0 0 0; color:{GREY}'>{esc(made)}</p>{partial}"
            + ("" if r.empty else glance(r))
            + ("" if not contents else
               "<p style='margin:30px 0 2px 0; font-size:11pt; font-weight:bold'>In this pack"
               f"</p><ol style='font-size:10pt'>{contents}</ol>")
            +
            f"<p style='margin-top:30px; font-size:8.5pt; color:{GREY}'>How to read it: "
            "↑ and ↓ show the change against the period before, with “better” or “worse” "
            "in the direction the figure should go (lower is better for response times, churn "
            "and complaints); ✓ on track and ✗ off track compare with the targets you set. "
            "Every figure is the one the custdesk tabs show for this period.</p>")


# the cover's headline figures: (screen, card)
GLANCE = (("today", "revenue"), ("today", "customers_new"), ("customers", "customers_active"),
          ("feedback", "nps"), ("scorecard", "scorecard_average"))


def glance(r: ReviewData) -> str:
    """A row of headline figures on the cover, each with its target status or change."""
    cells = []
    for name, metric in GLANCE:
        card = ((r.screens.get(name) or {}).get("cards") or {}).get(metric)
        if not card or card.get("value") is None:
            continue
        info = METRICS.get(metric)
        unit = str(card.get("unit") or (info.unit if info else "score"))
        better = info.higher_is_better if info else True
        below = (status(card) if card.get("target") is not None
                 else change(card.get("value"), card.get("prior"), unit, better))
        cells.append(
            "<td align='center' style='padding:6px 4px; border:1px solid #999'>"
            f"<span style='color:{GREY}'>{esc(card.get('label', metric))}</span><br>"
            f"<b style='font-size:15pt'>{esc(figure(card['value'], unit, r.currency))}</b>"
            f"<br><span style='font-size:8pt'>{below}</span></td>")
    if not cells:
        return ""
    return ("<p style='margin:30px 0 4px 0; font-size:11pt; font-weight:bold'>At a glance</p>"
            "<table width='100%' cellspacing='0' style='font-size:9pt'><tr>" + "".join(cells)
            + "</tr></table>")


def key_figure_rows(r: ReviewData, areas: Sequence[str] | None = None
                    ) -> list[tuple[str, str, Mapping[str, Any] | None]]:
    """(area, metric id, card) in print order; card None when the area's screen is empty
    (one row saying so)."""
    out: list[tuple[str, str, Mapping[str, Any] | None]] = []
    for area, name, metrics in KEY_FIGURES:
        if areas is not None and area not in areas:
            continue
        screen = r.screens.get(name)
        cards = screen.get("cards", {}) if screen else {}
        if not screen or screen.get("empty") or not any(m in cards for m in metrics):
            out.append((area, "", None))
            continue
        out.extend((area, m, cards[m]) for m in metrics if m in cards)
    return out


def cards_table(r: ReviewData, areas: Sequence[str], with_area_rows: bool = True) -> str:
    """Key figures of `areas`: this period, the one before, the change, target, status."""
    rows, last_area = [], ""
    for area, metric, card in key_figure_rows(r, areas):
        if with_area_rows and area != last_area:
            rows.append(f"<tr style='background-color:{AREA_BG}'><td colspan='6'>"
                        f"<b>{esc(area)}</b></td></tr>")
        last_area = area
        if card is None:
            rows.append(f"<tr><td colspan='6' style='color:{GREY}; padding:1px 4px'><i>No data "
                        "for this area in the file yet.</i></td></tr>")
            continue
        info = METRICS.get(metric)
        unit = str(card.get("unit") or (info.unit if info else ""))
        better = info.higher_is_better if info else None
        value, prior, n = card.get("value"), card.get("prior"), card.get("n")
        small = (f" <span style='font-size:7pt; color:{GREY}'>n={n}</span>"
                 if n is not None and n < 30 and value is not None else "")
        cells = [f"&nbsp;&nbsp;{esc(card.get('label', metric))}",
                 f"<b>{esc(figure(value, unit, r.currency))}</b>{small}",
                 esc(figure(prior, unit, r.currency)),
                 change(value, prior, unit, better),
                 esc(figure(card.get("target"), unit, r.currency)),
                 status(card)]
        aligns = ["left", "right", "right", "right", "right", "left"]
        rows.append("<tr>" + "".join(
            f"<td align='{a}' style='padding:1px 4px'>{c}</td>"
            for a, c in zip(aligns, cells, strict=True)) + "</tr>")
    head = "".join(
        f"<th align='{a}' style='padding:2px 4px'>{h}</th>" for h, a in (
            ("Figure", "left"), ("This period", "right"), ("Period before", "right"),
            ("Change", "right"), ("Target", "right"), ("Status", "left")))
    return ("<table width='100%' cellspacing='0' style='font-size:8.5pt'>"
            f"<tr style='background-color:{HEAD_BG}; color:white'>{head}</tr>"
            + "".join(rows) + "</table>")


def other_targets(r: ReviewData) -> list[tuple[str, Mapping[str, Any]]]:
    """(metric, card) of every card with a target that no key-figure row prints, once."""
    printed = {m for _a, _n, metrics in KEY_FIGURES for m in metrics}
    found: dict[str, Mapping[str, Any]] = {}
    for name in sorted(r.screens):
        for metric, card in ((r.screens[name] or {}).get("cards") or {}).items():
            if card.get("target") is not None and metric not in printed:
                found.setdefault(metric, card)
    return sorted(found.items(), key=lambda kv: str(kv[1].get("label", kv[0])))


def _other_targets_table(r: ReviewData) -> str:
    rows = []
    for metric, card in other_targets(r):
        info = METRICS.get(metric)
        unit = str(card.get("unit") or (info.unit if info else ""))
        rows.append([esc(card.get("label", metric)),
                     f"<b>{esc(figure(card.get('value'), unit, r.currency))}</b>",
                     esc(figure(card.get("target"), unit, r.currency)), status(card)])
    if not rows:
        return ""
    return (sub_heading("Your other targets this period")
            + table(["Figure", "This period", "Target", "Status"], rows, {1, 2},
                    widths=[50, 18, 16, 16], size="8pt"))


def key_numbers(r: ReviewData) -> str:
    charts = side_by_side(chart_tag("revenue") if "revenue" in r.charts else "",
                          chart_tag("customers") if "customers" in r.charts else "")
    return (heading("Key numbers against target", "this period against the one before and "
                    "the targets you set", page_break=True)
            + cards_table(r, FRONT_AREAS) + _other_targets_table(r)
            + "<p style='margin:4px 0 0 0'></p>" + charts)


def bridge(r: ReviewData) -> str:
    customers = r.screens.get("customers") or {}
    steps = (customers.get("tables") or {}).get("bridge") or []
    if not steps:
        return (heading("Customers in and out")
                + "<p style='color:#555'><i>No customers in the file yet.</i></p>")
    cells = []
    for s in steps:
        kind = s.get("kind")
        sign = "+" if kind == "up" else "−" if kind == "down" else ""
        colour = GOOD if kind == "up" else BAD if kind == "down" else "#000"
        worth = ("" if s.get("value") in (None, 0) else
                 f"<br><span style='font-size:7.5pt; color:{GREY}'>"
                 f"{esc(money(s['value'], r.currency))}</span>")
        op = "= " if kind == "total" and s is steps[-1] else ""
        cells.append(
            f"<td align='center' width='20%' style='padding:3px 6px; border:1px solid #999'>"
            f"<span style='color:{GREY}'>{esc(s.get('step', ''))}</span><br>"
            f"<b style='font-size:13pt; color:{colour}'>{op}{sign}{s.get('customers', 0):,}"
            f"</b>{worth}</td>")
    return (heading("Customers in and out", "active customers at the start, who came, who "
                    "came back, who left, at the end")
            + "<table width='100%' cellspacing='0' style='font-size:9pt'><tr>" + "".join(cells)
            + "</tr></table>")


def _more(rows: Sequence[Any]) -> str:
    if not rows:
        return ""
    return f"top {TOP} of {len(rows):,}" if len(rows) > TOP else f"{len(rows):,}"


def at_risk(r: ReviewData) -> str:
    rows = ((r.screens.get("today") or {}).get("lists") or {}).get("at_risk") or []
    c = r.currency
    return (heading("Customers at risk", _more(rows) + " by value at risk, with the reason and "
                    "the open action for each", page_break=True)
            + table(["Customer", "Segment", "Value at risk", "Why", "Action"],
                    [[esc(a.get("customer", "")), esc(a.get("segment") or ""),
                      esc(money(a.get("value_at_risk"), c)), esc(a.get("reason") or ""),
                      esc(a.get("action") or "none planned")] for a in rows[:TOP]],
                    {2}, widths=[20, 10, 11, 38, 21], empty="No customer at risk."))


def pipeline(r: ReviewData) -> str:
    pipe = r.screens.get("pipeline") or {}
    stages = (pipe.get("tables") or {}).get("by_stage") or []
    hot = (pipe.get("lists") or {}).get("hot") or []
    lost = (r.screens.get("lost") or {}).get("tables") or {}
    reasons = lost.get("by_reason") or []
    competitors = lost.get("by_competitor") or []
    left = ((r.screens.get("customers") or {}).get("tables") or {}).get("lost_by_reason") or []
    c = r.currency
    stage_table = table(["Stage", "Deals", "Value", "Weighted"],
                        [[esc(s.get("stage", "")), f"{s.get('deals', 0):,}",
                          esc(money(s.get("value"), c)), esc(money(s.get("weighted"), c))]
                         for s in stages], {1, 2, 3}, widths=[40, 16, 22, 22],
                        empty="No open deal.")
    reason_table = table(["Reason", "Deals", "Share"],
                         [[esc(x.get("reason", "")), f"{x.get('deals_lost', 0):,}",
                           esc(figure(x.get("share_pct"), "pct"))] for x in reasons[:TOP]],
                         {1, 2}, widths=[60, 20, 20], empty="No deal lost in the period.")
    rival_table = table(["Competitor", "Deals", "Share"],
                        [[esc(x.get("competitor", "")), f"{x.get('deals_lost', 0):,}",
                          esc(figure(x.get("share_pct"), "pct"))] for x in competitors[:5]],
                        {1, 2}, widths=[60, 20, 20], empty="No competitor named.")
    left_table = table(["Reason", "Customers"],
                       [[esc(x.get("reason", "")), f"{x.get('customers', 0):,}"]
                        for x in left[:TOP]], {1}, widths=[70, 30],
                       empty="No customer lost in the period.")
    hot_table = table(["Deal", "Stage", "Amount", "Expected close", "Next step"],
                      [[esc(d.get("title", "")), esc(d.get("stage", "")),
                        esc(money(d.get("amount"), c)), esc(long_date(d.get("expected_close"))),
                        esc(d.get("next_step") or DASH)] for d in hot[:TOP]],
                      {2}, widths=[36, 12, 12, 14, 26], empty="No hot deal.")
    return (heading("Pipeline and lost reasons", "open deals by stage, the hot ones, and why "
                    "deals and customers were lost")
            + side_by_side(sub_heading("Open pipeline by stage") + stage_table,
                           sub_heading("Why deals were lost") + reason_table)
            + side_by_side(sub_heading("Lost to competitors") + rival_table,
                           sub_heading("Why customers left") + left_table)
            + sub_heading("Hot deals", _more(hot)) + hot_table)

"""The monthly pack, money sections: the sales plan against actual, margins by product
against their target margin and business case, and the Marketing view (spend by channel
and month, leads and new customers by source, acquisition cost by channel)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from custdesk.reports.monthly_charts import chart_tag
from custdesk.reports.monthly_format import (
    BAD,
    DASH,
    GOOD,
    GREY,
    esc,
    figure,
    heading,
    long_date,
    money,
    month_text,
    note,
    side_by_side,
    sub_heading,
    table,
)

if TYPE_CHECKING:
    from custdesk.reports.review_report import ReviewData

MAX_ROWS = 20  # rows of the by-line plan and of the business cases in the pack
PLAN_HEADERS = ["Month", "Status", "Revenue target", "Baseline", "Gap", "New cust. needed",
                "New cust. target", "Leads needed", "Actual revenue", "vs target",
                "Actual new cust."]


def _count(v: Any) -> str:
    return DASH if v is None else f"{v:,.0f}"


def plan_rows(rows: Sequence[Mapping[str, Any]], currency: str, line: bool) -> list[list[str]]:
    """The plan screen's rows as printed cells (a partial month says its day count)."""
    out = []
    for p in rows:
        status = str(p.get("status", ""))
        vs, days = p.get("revenue_vs_target"), p.get("actual_days")
        month = esc(month_text(str(p.get("month", ""))))
        if status == "current" and days:
            month += f" <span style='color:{GREY}'>(partial: {days} days)</span>"
        if status == "current" and days:  # a partial month is never set against a whole one
            vs_text = f"<span style='color:{GREY}'>month not over</span>"
        elif vs is None:
            vs_text = DASH
        else:
            vs_text = (
                f"<span style='color:{GOOD if vs >= 0 else BAD}'>{'↑' if vs >= 0 else '↓'}&nbsp;"
                f"{esc(money(vs, currency))}</span>")
        row = [month, esc(status), esc(money(p.get("revenue_target"), currency)),
               esc(money(p.get("baseline"), currency)), esc(money(p.get("gap"), currency)),
               _count(p.get("new_customers_needed")), _count(p.get("new_customers_target")),
               _count(p.get("leads_needed")), esc(money(p.get("actual_revenue"), currency)),
               vs_text, _count(p.get("actual_new_customers"))]
        if line:
            row.insert(0, esc(p.get("line", "")))
        out.append(row)
    return out


def plan(r: ReviewData) -> str:
    screen = r.screens.get("plan") or {}
    tables = screen.get("tables") or {}
    parts = [heading("Sales plan against actual", "revenue target, the baseline from existing "
                     "customers, the gap new customers must fill, and what happened",
                     page_break=True)]
    if screen.get("empty"):
        parts.append("<p style='color:#555'><i>No revenue targets in the file: set monthly "
                     "targets (Margins ▸ Targets…) to get a sales plan.</i></p>")
        return "".join(parts)
    parts.append(table(PLAN_HEADERS, plan_rows(tables.get("plan") or [], r.currency, False),
                       set(range(2, 11)), size="7.5pt",
                       empty="No revenue targets for these months."))
    lines = tables.get("by_line") or []
    if lines:
        parts.append(sub_heading("By product line"))
        parts.append(table(["Line", *PLAN_HEADERS], plan_rows(lines[:MAX_ROWS], r.currency,
                                                              True),
                           set(range(3, 12)), size="7pt"))
        if len(lines) > MAX_ROWS:  # the pack stays a few pages on any file
            parts.append(note(f"{len(lines) - MAX_ROWS} more line months on the Margins "
                              "tab (Line plan)."))
    parts += [note(n) for n in screen.get("notes", ()) if n]
    return "".join(parts)


def margins(r: ReviewData) -> str:
    screen = r.screens.get("margins") or {}
    products = (screen.get("tables") or {}).get("by_product") or []
    parts = [heading("Margins by product and business case", "the top products by revenue "
                     "against their target margin and the case they were launched on")]
    if screen.get("empty") or not products:
        return "".join(parts) + "<p style='color:#555'><i>No sales by product yet.</i></p>"
    rows = []
    for p in sorted(products, key=lambda p: -(p.get("revenue") or 0))[:12]:
        gap = p.get("margin_gap_pts")
        why = p.get("behind_why") or ""
        flag = (f"<span style='color:{BAD}'>✗ {esc(why)}</span>" if p.get("behind_case")
                else (f"<span style='color:{GOOD}'>✓ on its case</span>"
                      if p.get("target_margin_pct") is not None or p.get("has_case") else ""))
        trend = p.get("revenue_change_pct")
        rows.append([esc(p.get("name", "")), esc(money(p.get("revenue"), r.currency)),
                     esc(money(p.get("gross_profit"), r.currency)),
                     esc(figure(p.get("margin_pct"), "pct")),
                     esc(figure(p.get("target_margin_pct"), "pct")),
                     DASH if gap is None else f"{gap:+.1f}&nbsp;pts",
                     esc(DASH if trend is None else f"{trend:+.0f} %"), flag])
    more = len(products) - len(rows)
    parts.append(table(["Product", "Revenue", "Gross profit", "Margin", "Target margin", "Gap",
                        "vs before", "Against its case"], rows, {1, 2, 3, 4, 5, 6},
                       widths=[18, 10, 10, 8, 8, 8, 8, 30], size="7.5pt"))
    if more > 0:
        parts.append(note(f"{more} more products on the Margins tab."))
    parts.append(cases(r))
    return "".join(parts)


def cases(r: ReviewData) -> str:
    """Each product's business case since its start: expected against actual, payback."""
    if not r.cases:
        return note("No business cases entered yet (Margins ▸ Business cases…): enter "
                    "expected volume, price, margin and investment to measure products "
                    "against them.")
    c = r.currency
    rows = []
    for k in r.cases[:MAX_ROWS]:
        pay = k.get("payback_months")
        pay_text = (f"{pay} month{'s' if pay != 1 else ''}" if pay else
                    ("not yet" if k.get("investment") else DASH))
        flag = (f"<span style='color:{BAD}'>✗ {esc(k.get('behind_why'))}</span>"
                if k.get("behind") else f"<span style='color:{GOOD}'>✓ on its case</span>")
        def pair(a: str, b: str) -> str:  # "25.6 % / 30.0 %" never broken over two lines
            return f"{esc(a)} / {esc(b)}".replace(" ", "&nbsp;")

        rows.append([esc(k.get("name", "")), esc(long_date(k.get("start_on"))),
                     pair(_count(k.get("actual_volume")), _count(k.get("expected_volume"))),
                     pair(money(k.get("actual_revenue"), c),
                          money(k.get("expected_revenue"), c)),
                     pair(figure(k.get("margin_pct"), "pct"),
                          figure(k.get("expected_margin_pct"), "pct")),
                     esc(money(k.get("investment"), c)),
                     esc(pay_text).replace(" ", "&nbsp;"), flag])
    more = (note(f"{len(r.cases) - MAX_ROWS} more in Margins ▸ Business cases….")
            if len(r.cases) > MAX_ROWS else "")
    return (sub_heading("Business cases since launch", "actual / expected pro rata to the "
                        "period's end; payback = months until gross profit covers the "
                        "investment")
            + table(["Product", "Since", "Units", "Revenue", "Margin", "Invested", "Payback",
                     "Against its case"], rows, {2, 3, 4, 5, 6},
                    widths=[13, 9, 12, 19, 13, 8, 10, 16], size="7.5pt") + more)


def marketing(r: ReviewData) -> str:
    """Spend by channel and month, leads and new customers by source, CAC by channel —
    from the growth screen (the same one the Margins tab's Sources/Spend sub-tabs draw)."""
    growth = r.screens.get("growth") or {}
    head = heading("Marketing", "spend by channel and month, leads and new customers by "
                   "source, acquisition cost by channel", page_break=False)
    if not growth or growth.get("empty"):
        return head + "<p style='color:#555'><i>No customers or spend recorded yet.</i></p>"
    c = r.currency
    sources = (growth.get("tables") or {}).get("by_source") or []
    leads = {str(x.get("source", "")).lower(): x.get("leads") for x in r.leads_by_source}
    names = {str(s.get("source", "")).lower() for s in sources}
    rows = [[esc(s.get("source", "")), _count(leads.get(str(s.get("source", "")).lower())),
             _count(s.get("new_customers")), esc(money(s.get("spend"), c)),
             esc(money(s.get("cac"), c)),
             esc(DASH if s.get("ltv_cac_ratio") is None else f"{s['ltv_cac_ratio']:.1f}")]
            for s in sources]
    rows += [[esc(x.get("source", "")), _count(x.get("leads")), "0", DASH, DASH, DASH]
             for x in r.leads_by_source if str(x.get("source", "")).lower() not in names]
    by_source = table(["Source / channel", "Leads", "New customers", "Spend", "CAC", "LTV:CAC"],
                      rows, {1, 2, 3, 4, 5}, widths=[28, 12, 16, 16, 14, 14],
                      empty="No new customers or leads in the period.")
    months = r.spend_by_month
    channels = sorted({k for m in months for k in m if k not in ("month", "total")})
    spend_rows = [[esc(month_text(str(m.get("month", "")))),
                   *(esc(money(m.get(ch), c)) for ch in channels), esc(money(m.get("total"), c))]
                  for m in months]
    spend = table(["Month", *channels, "Total"], spend_rows, set(range(1, len(channels) + 2)),
                  empty="No spend recorded in these months.")
    chart = chart_tag("spend") if "spend" in r.charts else ""
    return (head + sub_heading("By source this period", "leads = deals created; CAC = spend of "
                               "the channel with the same name ÷ its new customers")
            + by_source
            + side_by_side(sub_heading("Spend by channel and month") + spend, chart))

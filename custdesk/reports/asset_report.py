"""Customers as an asset: one A4 page (issue 15) — customers in vs out, the value of the
base, retention, promoters and referrers, and the quality of new customers.

Plain data in (the Customers and Loyalty screens as JSON, gathered by
`services/asset_service.py`), HTML out; nothing is computed here, only chosen and formatted
with the monthly pack's blocks (`monthly_format.py`). Marked ONE_PAGE: the printer shrinks
it onto one page if a long name pushes it over.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custdesk.reports.monthly_format import (
    DASH,
    esc,
    figure,
    heading,
    long_date,
    money,
    note,
    side_by_side,
    sub_heading,
    table,
)
from custdesk.reports.scorecard_pdf import ONE_PAGE

Data = Mapping[str, Any]
TOP_REFERRERS = 5
COHORT_MONTHS = (3, 6, 12)


def _card(data: Data, metric: str) -> Any:
    return (data["cards"].get(metric) or {}).get("value")


def _pct(v: float | None) -> str:
    return DASH if v is None else f"{v:.0f} %"


def _in_out(c: Data, cur: str) -> str:
    steps = {r["step"]: r for r in c["tables"].get("bridge", [])}
    if not steps:
        return note("No customers in this period.")
    n = {k: f"{v['customers']:,}" for k, v in steps.items()}
    sentence = (f"<p style='font-size:10pt; margin:2px 0'><b>{n['Start']}</b> at the start "
                f"+ <b>{n['New']}</b> new + <b>{n['Won back']}</b> won back − "
                f"<b>{n['Lost']}</b> lost = <b>{n['End']}</b> at the end</p>")
    rows = [["Revenue from new customers", money(steps["New"]["value"], cur)],
            ["Value lost with lost customers", money(steps["Lost"]["value"], cur)],
            ["Retention rate", figure(_card(c, "retention_rate_pct"), "pct")],
            ["Churn rate", figure(_card(c, "churn_rate_pct"), "pct")]]
    return sentence + table(["", ""], rows, {1}, (70, 30))


def _base(base: Data, c: Data, cur: str) -> str:
    rows = [["Active customers", f"{base['active']:,} of {base['customers']:,}"],
            ["Gross profit to date, all customers", money(base["ltv_to_date"], cur)],
            ["Predicted lifetime value of the active ones", money(base["ltv_predicted"], cur)],
            ["Cost to acquire a customer", money(_card(c, "cac"), cur)]]
    return table(["", ""], rows, {1}, (70, 30)) + note(
        "Predicted value: each active customer's profit of the last 365 days ÷ the yearly "
        "churn, capped at 10 years (the Customers tab's LTV column).")


def _retention(loy: Data) -> str:
    renewal = (loy["tables"].get("renewal") or [None])[0]
    text = (f"<p style='font-size:9pt; margin:2px 0'><b>{renewal['renewed']:,}</b> of "
            f"{renewal['due']:,} customers due renewed ({_pct(renewal['renewed_pct'])}): "
            f"{esc(renewal['rule_text'])}.</p>" if renewal else "")
    rows = []
    for r in loy["tables"].get("cohorts_quarter", []):
        if not r["customers"]:
            continue
        rows.append([esc(r["cohort"]), f"{r['customers']:,}",
                     *(f"{_pct(r[f'active_{m}'])} / {_pct(r[f'revenue_{m}'])}"
                       for m in COHORT_MONTHS)])
    habits = (loy["tables"].get("habits") or [None])[0]
    loyal = (f"Loyal (an order in each of the last {habits['loyal_quarters']} quarters): "
             f"{habits['loyal_customers']:,} customers, {_pct(habits['loyal_revenue_pct'])} "
             "of the revenue." if habits else "")
    return text + table(["Acquired", "n", *(f"after {m} months" for m in COHORT_MONTHS)],
                        rows, {1, 2, 3, 4}, (22, 10, 23, 22, 23)) + note(
        "Each cell: share still active / revenue retained (vs the month acquired). " + loyal)


def _promoters(loy: Data, cur: str) -> str:
    groups = [[esc(r["group"]), f"{r['customers']:,}", money(r["revenue"], cur),
               _pct(r["revenue_pct"]), _pct(r["retention_pct"])]
              for r in loy["tables"].get("revenue_by_nps", [])]
    refs = [[esc(r["customer"]), f"{r['referred']:,}", money(r["referred_revenue"], cur)]
            for r in loy["lists"].get("referrers", [])[:TOP_REFERRERS]]
    promoters = len(loy["lists"].get("promoters", []))
    return (table(["Latest NPS", "n", "Revenue", "Share", "Kept"], groups,
                  {1, 2, 3, 4}, (30, 12, 26, 14, 18))
            + note("Kept: active at the start of the period and still at its end.")
            + sub_heading("Top referrers", f"{promoters:,} promoters (latest NPS 9–10)")
            + table(["Referrer", "Referred", "Their revenue"], refs, {1, 2}, (50, 20, 30),
                    empty="Nobody named in Referred by yet."))


def _quality(loy: Data, cur: str) -> str:
    rows = []
    for r in loy["tables"].get("quality_compare", []):
        unit = "money" if r["unit"] == "money" else r["unit"]
        rows.append([esc(r["measure"]), figure(r["this_year"], unit, cur),
                     figure(r["last_year"], unit, cur)])
    return table(["New customers", "Last 365 days", "365 days before"], rows, {1, 2},
                 (56, 22, 22))


def asset_html(customers: Data, loyalty: Data, base: Data, business: str = "",
               currency: str = "$") -> str:
    """The one-page report from the two screens' JSON and the value of the base."""
    period = customers["period"]
    title = f"Customers as an asset{' — ' + esc(business) if business else ''}"
    head = (f"<p style='font-size:15pt; font-weight:bold; margin:0'>{title}</p>"
            f"<p style='font-size:9pt; margin:0 0 4px 0'>{esc(period['label'])}: "
            f"{long_date(period['from'])} to {long_date(period['to'])}</p>")
    if customers["empty"]:
        return ONE_PAGE + head + note("Nothing yet: import customers and orders first.")
    left = (heading("Customers in and out") + _in_out(customers, currency)
            + heading("Value of the base") + _base(base, customers, currency))
    right = (heading("Promoters and referrers") + _promoters(loyalty, currency)
             + heading("Quality of new customers") + _quality(loyalty, currency))
    return (f"<html><body style='font-family:sans-serif'>{ONE_PAGE}{head}"
            + side_by_side(left, right)
            + heading("Retention", "cohorts by quarter acquired") + _retention(loyalty)
            + "</body></html>")

"""Growth screen part: pipeline trends — `leads_new` per month by source and
`leads_qualified` per month, the period's stage-to-stage funnel, open pipeline at each
month end (rebuilt from stage history, beside the recorded monthly snapshot), win rate and
sales cycle by month (in `growth_price`'s `deal_months`). Definitions:
`storage/queries_growth_pipeline.py`."""

from __future__ import annotations

from typing import Any

from custdesk.domain.periods import Period, month_slots
from custdesk.domain.text import name_key
from custdesk.storage import pipeline_snapshots as snapshots
from custdesk.storage import queries_growth_pipeline as qp
from custdesk.storage.store import Store

Tables = dict[str, list[dict[str, Any]]]


def leads(store: Store, period: Period) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per month: month, partial, days, leads_new, leads_qualified and per source
    (alike names merged under their first spelling) its new leads under the source's name
    and its qualified ones under "<source> qualified"; and the sources, most leads first.
    A source with qualified leads but none new in the period still gets its columns."""
    shown: dict[str, str] = {}

    def label(source: str | None) -> str:
        key = name_key(source)
        return shown.setdefault(key, (source or "").strip() if key else "(none)")

    counts: dict[tuple[str, str], int] = {}
    for month, source, n in qp.leads_by_month_source(store, period):
        counts[(month, label(source))] = counts.get((month, label(source)), 0) + n
    qualified_rows = qp.qualified_by_month_source(store, period)
    qualified: dict[tuple[str, str], int] = {}
    for month, source, n in qualified_rows or ():
        qualified[(month, label(source))] = qualified.get((month, label(source)), 0) + n
    totals: dict[str, int] = {}
    for (_m, src), n in counts.items():
        totals[src] = totals.get(src, 0) + n
    for (_m, src) in qualified:
        totals.setdefault(src, 0)
    sources = sorted(totals, key=lambda s: (-totals[s], s.lower()))
    rows = []
    for s in month_slots(period.start, period.end):
        row: dict[str, Any] = {"month": s.key, "partial": s.partial, "days": s.days()}
        row["leads_new"] = sum(counts.get((s.key, src), 0) for src in sources)
        row["leads_qualified"] = None if qualified_rows is None else sum(
            n for (m, _src), n in qualified.items() if m == s.key)
        for src in sources:
            row[src] = counts.get((s.key, src), 0)
            row[f"{src} qualified"] = (None if qualified_rows is None
                                       else qualified.get((s.key, src), 0))
        rows.append(row)
    return rows, sources


def funnel_rows(store: Store, period: Period) -> list[dict[str, Any]]:
    """Each stage with the deals of the period that reached it and the share of the
    previous stage's that got this far (conversion); the first row's base is itself."""
    rows, before = [], None
    for stage, n in qp.funnel(store, period):
        rows.append({"stage": stage, "deals": n,
                     "conversion_pct": None if before is None or not before
                     else n / before * 100})
        before = n
    return rows


def month_ends(store: Store, period: Period) -> list[dict[str, Any]]:
    """Open pipeline at each month end of the period (a partial month: at the period's
    end) rebuilt from history, and the snapshot recorded for that month, if any."""
    slots = month_slots(period.start, period.end)
    rebuilt = qp.open_pipeline_at(store, [s.end for s in slots])
    recorded = snapshots.load(store)
    rows = []
    for s in slots:
        n, amount, valued = rebuilt.get(s.end.isoformat(), (0, 0, 0))
        snap = recorded.get(s.key)
        rows.append({"month": s.key, "partial": s.partial, "days": s.days(),
                     "as_of": s.end.isoformat(), "deals_open": n,
                     "pipeline_value": amount / 10_000, "valued": valued,
                     "snapshot_deals": None if snap is None else snap[0],
                     "snapshot_value": None if snap is None else snap[1] / 10_000,
                     "snapshot_weighted": None if snap is None else snap[2] / 10_000,
                     "snapshot_on": None if snap is None else snap[3]})
    return rows


def pipeline(store: Store, period: Period) -> tuple[Tables, dict[str, list[Any]], list[str]]:
    lead_rows, sources = leads(store, period)
    tables: Tables = {"leads_by_month": lead_rows, "funnel": funnel_rows(store, period),
                      "pipeline_month_ends": month_ends(store, period)}
    notes = ["Pipeline at month ends is rebuilt from each deal's stage history with "
             "today's amounts; 'Recorded' is the open pipeline as it stood when this tab was "
             "first opened in that month (kept from then on)."]
    return tables, {"lead_sources": [{"source": s} for s in sources]}, notes

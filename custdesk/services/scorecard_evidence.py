"""Scorecard evidence that measures four anchors (issue 16), each with the score band the
data suggests. Added to `scorecard_service.evidence` for the questions New business,
Pipeline discipline, Retention and Service automation. Our definitions (METRICS.md names
the anchors but not their measures):

- **New business** — a plan with targets for the coming months, reviewed this month:
  value = how many of the 3 months after the evidence period's end have a revenue target;
  reviewed = a strategic review dated in the 31 days up to that end (printing the pack is
  not recorded: a read never writes). 0 months: 0–2; some: 3–4; all 3, not reviewed: 5–6;
  all 3 and reviewed: 7–8 (a weekly review, which the data cannot see, makes a 9–10).
- **Pipeline discipline** — share of the open deals (at an open stage now, created by the
  end) that have a stage (all do), an amount and a dated next step (`next_step_on`).
- **Retention** — share of the customers at risk as of the end who have an open action.
- **Service automation** — share of the record kinds the file keeps (orders, deals,
  tickets, surveys, spend, interactions, actions) that got a record dated in the 30 days up
  to the end, by import or entry. It measures how current the data is kept — a proxy for
  tracked processes — not automation itself; the detail names the stale kinds.

Shares map to bands: under 25 % suggests 0–2, under 50 % 3–4, under 75 % 5–6, under 90 %
7–8, 90 % or more 9–10.
"""

from __future__ import annotations

from datetime import timedelta

from custdesk.domain.periods import Period, add_months, month_key
from custdesk.domain.scorecard import Evidence, share_pct
from custdesk.services import actions_service as acts
from custdesk.services import strategic_review_service as strategic
from custdesk.services.metrics_service import at_risk
from custdesk.storage import evidence_queries as q
from custdesk.storage.queries_records import load_targets
from custdesk.storage.store import Store

BANDS = ((25.0, "0–2"), (50.0, "3–4"), (75.0, "5–6"), (90.0, "7–8"))
MONTHS_AHEAD = 3
REVIEW_DAYS = 31
FRESH_DAYS = 30


def band(share: float | None) -> str | None:
    """The score band a share (0–100) suggests; None when there is no share."""
    if share is None:
        return None
    for limit, text in BANDS:
        if share < limit:
            return text
    return "9–10"


def _suggests(text: str | None) -> str:
    return f"suggests {text}" if text else "no suggestion yet"


def new_business(store: Store, period: Period) -> Evidence:
    first = period.end.replace(day=1)
    ahead = [month_key(add_months(first, k)) for k in range(1, MONTHS_AHEAD + 1)]
    targeted = {t.month for t in load_targets(store)}
    covered = sum(m in targeted for m in ahead)
    reviewed = bool(strategic.reviewed_between(
        store, period.end - timedelta(days=REVIEW_DAYS - 1), period.end))
    if covered == 0:
        suggested = "0–2"
    elif covered < MONTHS_AHEAD:
        suggested = "3–4"
    else:
        suggested = "7–8" if reviewed else "5–6"
    review_text = "reviewed" if reviewed else "no review"
    return Evidence("Next 3 months with a revenue target", float(covered), "count",
                    MONTHS_AHEAD, f"{review_text} in {REVIEW_DAYS} days · "
                    f"{_suggests(suggested)}")


def pipeline(store: Store, period: Period) -> Evidence:
    total, _amount, _dated, both = q.open_deal_completeness(store, period.end.isoformat())
    share = share_pct(both, total)
    detail = (f"{both} of {total} · {_suggests(band(share))}" if total else "no open deals")
    return Evidence("Open deals with amount and dated next step", share, "pct", total,
                    detail)


def retention(store: Store, period: Period) -> Evidence:
    risky = {r.customer_id for r in at_risk(store, period)}
    acting = {a.customer_id for a in acts.list_actions(store, status="open")
              if a.customer_id is not None}
    handled = len(risky & acting)
    share = share_pct(handled, len(risky))
    detail = (f"{handled} of {len(risky)} · {_suggests(band(share))}" if risky
              else "no customer at risk")
    return Evidence("At-risk customers with an open action", share, "pct", len(risky), detail)


def automation(store: Store, period: Period) -> Evidence:
    since = (period.end - timedelta(days=FRESH_DAYS - 1)).isoformat()
    latest = q.latest_record_days(store, period.end.isoformat())
    fresh = sorted(k for k, d in latest.items() if d is not None and d >= since)
    stale = sorted(k for k in latest if k not in fresh)
    share = share_pct(len(fresh), len(latest))
    if not latest:
        detail = "no records yet"
    else:
        detail = (f"{len(fresh)} of {len(latest)} kinds"
                  + (f"; stale: {', '.join(stale)}" if stale else "")
                  + f" · {_suggests(band(share))}")
    # it measures how current the data is kept (a proxy for tracked processes)
    return Evidence(f"Records kept current (added in {FRESH_DAYS} days)", share, "pct",
                    len(latest), detail)


def anchor_evidence(store: Store, period: Period) -> dict[str, Evidence]:
    """Question id -> evidence for the four anchors, as of `period.end`."""
    return {"new_business": new_business(store, period), "pipeline": pipeline(store, period),
            "retention": retention(store, period), "automation": automation(store, period)}

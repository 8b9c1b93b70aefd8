"""The monthly pipeline snapshot (issue 17): the open pipeline per stage as it stands, kept
under the current month so that month ends stay known when the deals' stage history cannot
rebuild them (deals imported without history, edited outside the app).

Written by `growth_service.record_pipeline_snapshot` (a write: never from a screen's read)
the first time the Growth tab is shown in a month (see there); one row per (month, stage),
replaced when written again in the same month.
"""

from __future__ import annotations

from datetime import date

from custdesk.storage.store import Store

_TAKE = """
INSERT INTO pipeline_snapshots (month, stage_id, deals, amount_e4, weighted_e4, taken_on)
SELECT :month, k.id, count(*), coalesce(sum(d.amount_e4), 0),
       coalesce(CAST(round(sum(d.amount_e4 * coalesce(d.probability, k.probability) / 100.0))
                AS INTEGER), 0), :day
FROM deals d JOIN stages k ON k.id = d.stage_id
WHERE k.kind = 'open' AND (nullif(substr(d.created_on, 1, 10), '') IS NULL
                           OR substr(d.created_on, 1, 10) <= :day)
GROUP BY k.id
ON CONFLICT (month, stage_id) DO UPDATE SET deals = excluded.deals,
  amount_e4 = excluded.amount_e4, weighted_e4 = excluded.weighted_e4,
  taken_on = excluded.taken_on
"""


def record(store: Store, day: date) -> int:
    """Replace the snapshot of `day`'s month by the open pipeline now; returns the stages
    written. Runs in one transaction (stages emptied since are removed)."""
    month = day.strftime("%Y-%m")
    with store.transaction() as db:
        db.execute("DELETE FROM pipeline_snapshots WHERE month = ?", (month,))
        cur = db.execute(_TAKE, {"month": month, "day": day.isoformat()})
        return int(cur.rowcount or 0)


def missing(store: Store, day: date) -> bool:
    """Whether deals are open and `day`'s month has no snapshot yet."""
    return bool(store.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM deals d JOIN stages k ON k.id = d.stage_id "
        "WHERE k.kind = 'open') AND NOT EXISTS (SELECT 1 FROM pipeline_snapshots "
        "WHERE month = ?)", (day.strftime("%Y-%m"),)).fetchone()[0])


def load(store: Store) -> dict[str, tuple[int, int, int, str]]:
    """month -> (open deals, Σ amount_e4, Σ weighted_e4, taken_on) over all stages."""
    rows = store.conn.execute(
        "SELECT month, sum(deals), sum(amount_e4), sum(weighted_e4), max(taken_on) "
        "FROM pipeline_snapshots GROUP BY month ORDER BY month")
    return {str(m): (int(n), int(a), int(w), str(t)) for m, n, a, w, t in rows}

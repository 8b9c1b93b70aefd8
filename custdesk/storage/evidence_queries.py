"""Counts behind the scorecard's anchor evidence (`services/scorecard_evidence.py`):
how complete the open deals are, and which record kinds got a record lately."""

from __future__ import annotations

from custdesk.storage.store import Store

# record kind -> the SQL expression of its date (ISO text; spend is by month)
RECORD_DATES = {
    "orders": ("orders", "date"),
    "deals": ("deals", "substr(coalesce(last_activity_on, created_on), 1, 10)"),
    "tickets": ("tickets", "substr(opened_at, 1, 10)"),
    "surveys": ("surveys", "date"),
    "spend": ("spend", "month || '-01'"),
    "interactions": ("interactions", "date"),
    "actions": ("actions", "created_on"),
}


def open_deal_completeness(store: Store, day: str) -> tuple[int, int, int, int]:
    """(open deals, with an amount, with a dated next step, with both) among deals at an
    open stage now that were created by `day` (or undated)."""
    row = store.conn.execute(
        "SELECT count(*), sum(d.amount_e4 IS NOT NULL), "
        "sum(coalesce(d.next_step_on, '') <> ''), "
        "sum(d.amount_e4 IS NOT NULL AND coalesce(d.next_step_on, '') <> '') "
        "FROM deals d JOIN stages s ON s.id = d.stage_id "
        "WHERE s.kind = 'open' AND (d.created_on IS NULL OR substr(d.created_on, 1, 10) <= ?)",
        (day,)).fetchone()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


def latest_record_days(store: Store, day: str) -> dict[str, str | None]:
    """Kind -> the latest date on or before `day` of a record of that kind (None: the kind
    has records but none dated by then); kinds with no record at all are left out."""
    out: dict[str, str | None] = {}
    for kind, (table, expr) in RECORD_DATES.items():
        total, latest = store.conn.execute(
            f"SELECT count(*), max(CASE WHEN {expr} <= ? THEN {expr} END) FROM {table}",
            (day,)).fetchone()
        if total:
            out[kind] = latest
    return out

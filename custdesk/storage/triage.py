"""Triage of the work lists (issue 13), in SQL: at-risk snoozes and the open actions that
cover a customer, detractor follow-ups with the value at stake and a later answer, and the
open deals that need the owner.

The lists themselves are computed elsewhere (metrics_lists); these queries take their
customer ids as one JSON array (`json_each`), so a list of any size is one query, never a
loop of queries. Writes run inside the caller's transaction (services/triage_service.py
opens it as an undoable edit).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from custdesk.storage.queries_cache import cached
from custdesk.storage.store import Store


def at_risk_states(store: Store, customer_ids: Iterable[int], today: str
                   ) -> dict[int, tuple[str | None, str | None, bool]]:
    """customer id -> (snoozed until — only while `today` ≤ until —, the snooze's note,
    whether an open action is linked to them now), for those of the customers snoozed or
    with an open action; any other is (None, None, False): `at_risk_states_reference`'s
    rows that are not that (tests/test_perf_lists_triage.py).

    From the snoozes and the open actions (a few), not by a look-up per listed customer:
    a big file lists ~23k at risk (0.2 s as one json_each with a probe each)."""
    wanted = set(customer_ids)
    snoozed = {cid: (until, note) for cid, until, note in store.conn.execute(
        "SELECT customer_id, until, note FROM customer_snoozes WHERE until >= ?", (today,))
        if cid in wanted}
    acting = {cid for (cid,) in store.conn.execute(
        "SELECT DISTINCT customer_id FROM actions WHERE status = 'open' "
        "AND customer_id IS NOT NULL") if cid in wanted}
    return {int(cid): (*snoozed.get(cid, (None, None)), cid in acting)
            for cid in sorted(snoozed.keys() | acting)}


def at_risk_states_reference(store: Store, customer_ids: Iterable[int], today: str
                             ) -> dict[int, tuple[str | None, str | None, bool]]:
    """`at_risk_states` as it was: a row for every customer given, by a probe each."""
    sql = """
    SELECT ids.value, s.until, s.note,
           EXISTS (SELECT 1 FROM actions a WHERE a.customer_id = ids.value
                   AND a.status = 'open')
    FROM json_each(?) AS ids
    LEFT JOIN customer_snoozes s ON s.customer_id = ids.value AND s.until >= ?"""
    return {int(cid): (until, note, bool(handled)) for cid, until, note, handled
            in store.conn.execute(sql, (json.dumps(list(customer_ids)), today))}


def snooze(store: Store, customer_id: int, until: str, note: str | None, set_on: str) -> None:
    store.conn.execute(
        "INSERT INTO customer_snoozes(customer_id, until, note, set_on) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(customer_id) DO UPDATE SET until = excluded.until, note = excluded.note, "
        "set_on = excluded.set_on", (customer_id, until, note, set_on))


def unsnooze(store: Store, customer_id: int) -> int:
    return store.conn.execute("DELETE FROM customer_snoozes WHERE customer_id = ?",
                              (customer_id,)).rowcount


def snooze_of(store: Store, customer_id: int) -> tuple[str, str | None] | None:
    row = store.conn.execute("SELECT until, note FROM customer_snoozes WHERE customer_id = ?",
                             (customer_id,)).fetchone()
    return None if row is None else (row[0], row[1])


def detractor_details(store: Store, answers: Iterable[tuple[int, str]], as_of: date,
                      window: int) -> dict[int, dict[str, Any]]:
    """For each (customer id, date of their detractor answer): the follow-up (state, day,
    note), the revenue of the last `window` days to `as_of` (e4) and the newest NPS answer
    after that date (score and day), if any. Kept per data version, by the answers given
    (Today and the Feedback screen ask for the same ~10k on a big file; a read-only
    result, shared)."""
    payload = json.dumps([[cid, day] for cid, day in answers])
    return cached(store, ("detractor details", payload, as_of, window),
                  lambda: _detractor_details(store, payload, as_of, window),
                  one_of="detractor details")


def _detractor_details(store: Store, payload: str, as_of: date, window: int
                       ) -> dict[int, dict[str, Any]]:
    """`detractor_details` computed, for the answers as JSON [[customer id, date], ...]."""
    since = (as_of - timedelta(days=window - 1)).isoformat()
    sql = """
    WITH rows AS (SELECT json_extract(value, '$[0]') AS cid,
                         json_extract(value, '$[1]') AS answered FROM json_each(?)),
    later AS (
      SELECT s.customer_id AS cid, s.nps, s.date,
             row_number() OVER (PARTITION BY s.customer_id ORDER BY s.date DESC, s.id DESC) AS n
      FROM surveys s JOIN rows r ON r.cid = s.customer_id
      WHERE s.nps IS NOT NULL AND s.kind = 'customer' AND s.date > r.answered)
    SELECT r.cid, f.state, f.changed_on, f.note,
           (SELECT coalesce(sum(o.revenue_e4), 0) FROM orders o
             WHERE o.customer_id = r.cid AND o.date BETWEEN ? AND ?),
           l.nps, l.date
    FROM rows r
    LEFT JOIN detractor_followups f ON f.customer_id = r.cid
    LEFT JOIN later l ON l.cid = r.cid AND l.n = 1"""
    params = (payload, since, as_of.isoformat())
    return {int(cid): {"state": state, "changed_on": changed, "note": note,
                       "value_e4": int(value or 0), "later_nps": later, "later_on": later_on}
            for cid, state, changed, note, value, later, later_on
            in store.conn.execute(sql, params)}


def moved_on(store: Store, as_of: date) -> list[tuple[int, int, str, str | None, str]]:
    """Customers with an open follow-up (to contact, contacted) whose latest NPS answer up
    to `as_of` is 7–10: (customer id, their latest 0–6 answer, its date, its comment, name)
    — the detractor answer the rescue started from. Kept per data version (Today and
    the Feedback screen ask for the same day)."""
    return list(cached(store, ("moved on", as_of), lambda: _moved_on(store, as_of),
                       one_of="moved on"))


def _moved_on(store: Store, as_of: date) -> tuple[tuple[int, int, str, str | None, str], ...]:
    """`moved_on` computed."""
    # only the answers of customers with an open follow-up are numbered (each customer's
    # numbers are their own): the window ran over every survey of the file before
    sql = """
    WITH answers AS (
      SELECT customer_id, nps, date, comment, row_number() OVER (
               PARTITION BY customer_id ORDER BY date DESC, id DESC) AS newest,
             row_number() OVER (PARTITION BY customer_id, nps <= 6
                                ORDER BY date DESC, id DESC) AS newest_of_kind
      FROM surveys WHERE kind = 'customer' AND customer_id IS NOT NULL AND nps IS NOT NULL
        AND date != '' AND substr(date, 1, 10) <= :day
        AND customer_id IN (SELECT customer_id FROM detractor_followups
                            WHERE state IN ('to_contact', 'contacted')))
    SELECT f.customer_id, low.nps, low.date, low.comment, coalesce(c.name, '?')
    FROM detractor_followups f
    JOIN answers latest ON latest.customer_id = f.customer_id AND latest.newest = 1
         AND latest.nps >= 7
    JOIN answers low ON low.customer_id = f.customer_id AND low.nps <= 6
         AND low.newest_of_kind = 1
    LEFT JOIN customers c ON c.id = f.customer_id
    WHERE f.state IN ('to_contact', 'contacted')"""
    return tuple((int(r[0]), int(r[1]), r[2], r[3], r[4])
                 for r in store.conn.execute(sql, {"day": as_of.isoformat()}))


def set_followup(store: Store, customer_id: int, state: str, changed_on: str,
                 note: str | None) -> None:
    store.conn.execute(
        "INSERT INTO detractor_followups(customer_id, state, changed_on, note) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(customer_id) DO UPDATE SET state = excluded.state, "
        "changed_on = excluded.changed_on, note = excluded.note",
        (customer_id, state, changed_on, note))


def followup_of(store: Store, customer_id: int) -> tuple[str, str, str | None] | None:
    row = store.conn.execute("SELECT state, changed_on, note FROM detractor_followups "
                             "WHERE customer_id = ?", (customer_id,)).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def needs_me_deals(store: Store) -> list[tuple[Any, ...]]:
    """Open deals (stage kind 'open' now) flagged needs_me: (id, title, customer, stage,
    amount_e4, next_step, next_step_on), next step due first (undated last)."""
    return store.conn.execute("""
        SELECT d.id, d.title, c.name, s.name, d.amount_e4, d.next_step, d.next_step_on
        FROM deals d JOIN stages s ON s.id = d.stage_id
        LEFT JOIN customers c ON c.id = d.customer_id
        WHERE d.needs_me = 1 AND s.kind = 'open'
        ORDER BY d.next_step_on IS NULL, d.next_step_on, d.amount_e4 DESC, d.id""").fetchall()

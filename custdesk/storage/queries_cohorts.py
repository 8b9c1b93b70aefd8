"""SQL for the Customers tab's work lists (issue 14/15): the cohort retention table (one
grouped statement), lost customers' contact history, new customers' first won deal, who
renewed and who did not, promoters and referrers.

State rules are METRICS.md's (`domain/customer_state`): acquired = acquired_on, else first
order, else first won deal, else (customers sheet) the import day; active as of D = acquired
on or before D, not marked lost by D (lost_on ≤ D, or status lost without a date), and not
lapsed (an order on or before D, none in the W days up to D).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from custdesk.domain.gc_pause import collector_paused
from custdesk.storage.database import Store
from custdesk.storage.queries import FROM_CUSTOMER_LIST
from custdesk.storage.queries_cache import cached
from custdesk.storage.queries_reasons import _register
from custdesk.storage.queries_summary import stats_source

COHORT_MONTHS = (3, 6, 12)
T = TypeVar("T")

_ACQ = f"""coalesce(nullif(substr(c.acquired_on, 1, 10), ''), substr(s.first_date, 1, 10),
           (SELECT substr(min(d.closed_on), 1, 10) FROM deals d JOIN stages k
            ON k.id = d.stage_id WHERE d.customer_id = c.id AND k.kind = 'won'
            AND d.closed_on IS NOT NULL),
           iif({FROM_CUSTOMER_LIST}, nullif(substr(c.created_on, 1, 10), ''), NULL))"""

# one row per (cohort quarter, months since acquisition): customers, those whose day
# acquired + k months is on or before `to`, and those of them active on that day — no
# order up to it, or the last within W days before it. The first and last order days
# (summary) settle most cells; only a day inside the history needs an index seek (two
# EXISTS seeks per cell before: 0.94 s -> 0.52 s on the big file). The cell days are
# computed once per acquisition day and each customer's W days after their first and last
# order once, not per customer and cell (0.29 -> 0.18 s).
_COHORTS = f"""
WITH a AS (
  SELECT c.id AS cid, {_ACQ} AS acq, nullif(substr(c.lost_on, 1, 10), '') AS lost_on,
    coalesce(c.status = 'lost', 0) AS status_lost, s.first_date AS first_on,
    s.last_date AS last_on
  FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id),
h AS MATERIALIZED (
  SELECT cid, acq, lost_on, status_lost, first_on, last_on,
    date(first_on, :w_fwd) AS first_until, date(last_on, :w_fwd) AS last_until
  FROM a WHERE acq BETWEEN :lo AND :end),
k(m) AS (VALUES (3), (6), (12)),
dd AS MATERIALIZED (
  SELECT acq, m, date(acq, '+' || m || ' months') AS d,
    date(date(acq, '+' || m || ' months'), :w_back) AS d_back,
    substr(acq, 1, 4) || '-Q' || ((CAST(substr(acq, 6, 2) AS INTEGER) + 2) / 3) AS cohort
  FROM (SELECT DISTINCT acq FROM h) CROSS JOIN k),
x AS (
  SELECT h.cid, h.lost_on, h.status_lost, h.first_on, h.last_on, h.first_until,
    h.last_until, dd.m, dd.d, dd.d_back, dd.cohort
  FROM h JOIN dd ON dd.acq = h.acq)
SELECT cohort, m, count(*), sum(d <= :end),
  sum(d <= :end
      AND NOT iif(lost_on IS NOT NULL, lost_on <= d, status_lost)
      AND CASE WHEN first_on IS NULL OR first_on > d OR d <= first_until THEN 1
               WHEN last_on <= d THEN d <= last_until
               ELSE (SELECT max(o.date) FROM orders o WHERE o.customer_id = cid
                     AND o.date <= d) >= d_back END)
FROM x GROUP BY cohort, m ORDER BY cohort, m
"""


@dataclass(frozen=True)
class CohortCell:
    cohort: str  # "2026-Q1"
    months: int  # 3, 6 or 12
    customers: int  # acquired in the cohort
    reached: int  # of them, acquired + months on or before `to`
    active: int  # of those, active on that day


def cohort_cells(store: Store, lo: date, end: date, window: int) -> list[CohortCell]:
    """Customers acquired lo..end by quarter, and how many were still active 3, 6 and 12
    months after their own acquisition day (one grouped statement)."""
    sql = _COHORTS.format(stats=stats_source(store))
    params = {"lo": lo.isoformat(), "end": end.isoformat(), "w_back": f"-{window} days",
              "w_fwd": f"+{window} days"}
    return [CohortCell(q, int(m), int(n), int(r or 0), int(a or 0))
            for q, m, n, r, a in store.conn.execute(sql, params)]


_CONTACTS = """
SELECT w.value AS cid,
  (SELECT max(day) FROM (
     SELECT max(substr(coalesce(nullif(t.opened_at, ''), nullif(t.first_response_at, ''),
                                nullif(t.resolved_at, '')), 1, 10)) AS day
     FROM tickets t WHERE t.customer_id = w.value
     UNION ALL SELECT max(substr(v.date, 1, 10)) FROM surveys v
       WHERE v.customer_id = w.value AND v.date < :after
     UNION ALL SELECT max(substr(i.date, 1, 10)) FROM interactions i
       WHERE i.customer_id = w.value AND i.date < :after) WHERE day <= :end),
  EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = w.value AND t.is_complaint = 1
          AND substr(coalesce(t.opened_at, t.first_response_at, t.resolved_at, ''), 1, 10)
              <= :end),
  EXISTS (SELECT 1 FROM surveys v WHERE v.customer_id = w.value AND v.date < :after)
FROM json_each(:ids) AS w
"""


def contact_history(store: Store, customer_ids: list[int], end: date
                    ) -> dict[int, tuple[str | None, bool, bool]]:
    """customer id -> (their last ticket, survey or interaction day up to `end`, ever
    complained, ever answered a survey — both up to `end`)."""
    if not customer_ids:
        return {}
    params = {"ids": json.dumps(customer_ids), "end": end.isoformat(),
              "after": (end + timedelta(days=1)).isoformat()}
    return {int(cid): (last, bool(complained), bool(surveyed))
            for cid, last, complained, surveyed in store.conn.execute(_CONTACTS, params)}


def customer_names(store: Store, customer_ids: list[int]) -> dict[int, tuple[str, str | None,
                                                                             str | None,
                                                                             str | None]]:
    """customer id -> (name, segment, source, referred_by)."""
    if not customer_ids:
        return {}
    sql = ("SELECT c.id, c.name, c.segment, c.source, c.referred_by FROM json_each(?) w "
           "JOIN customers c ON c.id = w.value")
    return {int(cid): (name, seg, src, ref) for cid, name, seg, src, ref
            in store.conn.execute(sql, (json.dumps(customer_ids),))}


def first_won_deals(store: Store, customer_ids: list[int], end: date
                    ) -> dict[int, tuple[str, str | None, int | None]]:
    """customer id -> (closed day, title, amount e4) of their first deal won up to `end`."""
    if not customer_ids:
        return {}
    sql = """
    SELECT w.value, d.closed_on, d.title, d.amount_e4
    FROM json_each(:ids) w JOIN deals d ON d.id = (
      SELECT d2.id FROM deals d2 JOIN stages k ON k.id = d2.stage_id
      WHERE d2.customer_id = w.value AND k.kind = 'won' AND d2.closed_on IS NOT NULL
        AND substr(d2.closed_on, 1, 10) <= :end ORDER BY d2.closed_on, d2.id LIMIT 1)"""
    return {int(cid): (day[:10], title, amount) for cid, day, title, amount
            in store.conn.execute(sql, {"ids": json.dumps(customer_ids),
                                        "end": end.isoformat()})}


# grouped first, then the customer's name and segment per customer (joining customers to
# every line looked them up a few hundred thousand times: 0.69 s against 0.38 s, 1M lines).
# The customers are those the order summary can place in the two periods (a last order on
# or after the prior start, a first before the period's start), their lines read by index
# seeks in customer order: no sort of the two periods' lines (0.29 -> 0.17 s on the big
# file; `_RENEWALS_BY_DATE`, the statement before, is the tests' reference). {order}: the
# rows' order.
_RENEWALS_SELECT = """
SELECT g.cid, c.name, c.segment, g.prior, g.now, g.renewed, g.last,
  (SELECT trim(v.reason) FROM surveys v WHERE v.customer_id = g.cid
     AND v.date < :after AND custdesk_reason_panel(v.question, NULL) = 'stay'
     AND trim(coalesce(v.reason, '')) != '' ORDER BY v.date DESC, v.id DESC LIMIT 1)
FROM (SELECT s.customer_id AS cid, sum(iif(o.date < :start, o.revenue_e4, 0)) AS prior,
        sum(iif(o.date >= :start, o.revenue_e4, 0)) AS now, max(o.date >= :start) AS renewed,
        max(o.date) AS last
      FROM {stats} s CROSS JOIN orders o INDEXED BY orders_customer_date
        ON o.customer_id = s.customer_id AND o.date BETWEEN :prior_start AND :end
      WHERE s.last_date >= :prior_start AND s.first_date < :start
      GROUP BY s.customer_id HAVING min(o.date) < :start) g
JOIN customers c ON c.id = g.cid
ORDER BY {order}
"""
_RENEWALS_BY_DATE = """
SELECT g.cid, c.name, c.segment, g.prior, g.now, g.renewed, g.last,
  (SELECT trim(v.reason) FROM surveys v WHERE v.customer_id = g.cid
     AND v.date < :after AND custdesk_reason_panel(v.question, NULL) = 'stay'
     AND trim(coalesce(v.reason, '')) != '' ORDER BY v.date DESC, v.id DESC LIMIT 1)
FROM (SELECT o.customer_id AS cid, sum(iif(o.date < :start, o.revenue_e4, 0)) AS prior,
        sum(iif(o.date >= :start, o.revenue_e4, 0)) AS now, max(o.date >= :start) AS renewed,
        max(o.date) AS last
      FROM orders o WHERE o.date BETWEEN :prior_start AND :end
      GROUP BY o.customer_id HAVING min(o.date) < :start) g
JOIN customers c ON c.id = g.cid
ORDER BY g.cid
"""


@dataclass(frozen=True)
class RenewalRow:
    customer_id: int
    customer: str
    segment: str | None
    prior_value_e4: int
    value_e4: int
    renewed: bool
    last_order_on: str
    why_stay: str | None  # their latest answer to a "why do you stay" question


def _renewal_params(prior_start: date, start: date, end: date) -> dict[str, str]:
    return {"prior_start": prior_start.isoformat(), "start": start.isoformat(),
            "end": end.isoformat(), "after": (end + timedelta(days=1)).isoformat()}


def renewals(store: Store, prior_start: date, start: date, end: date) -> list[RenewalRow]:
    """Every customer with an order in the prior period: renewed (an order in the period
    too, `renewal_rate_pct`'s numerator) or not, with their value in each; by id."""
    _register(store.conn)
    sql = _RENEWALS_SELECT.format(stats=stats_source(store), order="g.cid")
    return [RenewalRow(int(cid), name, seg, int(p or 0), int(v or 0), bool(r), last[:10], why)
            for cid, name, seg, p, v, r, last, why
            in store.conn.execute(sql, _renewal_params(prior_start, start, end))]


RenewalTuple = tuple[int, str, str | None, int | None, int | None, int, str, str | None]


def renewals_by_value(store: Store, prior_start: date, start: date, end: date
                      ) -> list[RenewalTuple]:
    """`renewals`' rows as the plain tuples SQLite gives (cid, name, segment, prior value
    e4, value e4 — None for none —, renewed 0/1, last order text, why stay), biggest prior
    value first, then by name and id: the Customers lists' order, sorted in SQL (the
    same order as Python's sort by (-prior value, name) over the rows by id: names are
    compared by code point there and as UTF-8 bytes here, which order alike).

    Kept for the latest period asked (one entry, until the next write: ~29k tuples, ~6 MB
    on a big file): the Customers and Loyalty tabs list the same renewals of a period
    (0.21 s CPU of Loyalty's first build after Customers). Read-only: the list is shared."""
    return cached(store, ("renewals by value", prior_start, start, end),
                  lambda: _renewals_by_value(store, prior_start, start, end),
                  one_of="renewals by value")


@collector_paused()  # ~29k rows on a big file (gc_pause)
def _renewals_by_value(store: Store, prior_start: date, start: date, end: date
                       ) -> list[RenewalTuple]:
    """`renewals_by_value`, computed."""
    _register(store.conn)
    sql = _RENEWALS_SELECT.format(stats=stats_source(store),
                                  order="coalesce(g.prior, 0) DESC, c.name, g.cid")
    return store.conn.execute(sql, _renewal_params(prior_start, start, end)).fetchall()


_PROMOTERS = """
SELECT v.customer_id, c.name, c.segment, max(v.date), v.nps, v.comment,
  (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = v.customer_id
   AND o.date BETWEEN :year_start AND :end)
FROM surveys v JOIN customers c ON c.id = v.customer_id
WHERE v.kind = 'customer' AND v.nps IS NOT NULL AND v.date < :after
GROUP BY v.customer_id
"""


@dataclass(frozen=True)
class LatestAnswer:
    customer_id: int
    customer: str
    segment: str | None
    date: str
    nps: int
    comment: str | None
    revenue_year_e4: int  # their revenue in the 365 days up to `to`


def latest_nps(store: Store, end: date) -> list[LatestAnswer]:
    """Each customer's latest NPS answer up to `end` (SQLite: the bare columns come from
    the row of max(date)), with their revenue of the 365 days up to `end`."""
    params = {"after": (end + timedelta(days=1)).isoformat(), "end": end.isoformat(),
              "year_start": (end - timedelta(days=364)).isoformat()}
    return [LatestAnswer(int(cid), name, seg, day[:10], int(nps), comment, int(rev or 0))
            for cid, name, seg, day, nps, comment, rev in store.conn.execute(_PROMOTERS, params)]


# `_PROMOTERS`' latest answers (the same grouped statement, so the same row gives the bare
# columns), kept to the 9–10s before the year's revenue is summed: on the big file that sum
# ran for ~40k customers with an answer, to keep 11k (0.21 -> 0.13 s;
# tests/test_perf_lists_loyalty_sql.py checks it against `latest_nps`)
_PROMOTERS_ONLY = """
SELECT l.cid, l.name, l.segment, l.day, l.nps, l.comment,
  (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = l.cid
   AND o.date BETWEEN :year_start AND :end)
FROM (SELECT v.customer_id AS cid, c.name AS name, c.segment AS segment,
        max(v.date) AS day, v.nps AS nps, v.comment AS comment
      FROM surveys v JOIN customers c ON c.id = v.customer_id
      WHERE v.kind = 'customer' AND v.nps IS NOT NULL AND v.date < :after
      GROUP BY v.customer_id) l
WHERE l.nps >= 9
"""


def promoters(store: Store, end: date) -> list[LatestAnswer]:
    """`latest_nps` kept to the answers of 9–10 (the promoters), by customer id: the
    year's revenue is summed for them alone.

    Kept per store until the next write, by `end` (`_kept`): Customers and Loyalty ask for
    the same, and a period change that keeps the last day asks again (0.14 s on the big
    file's 11k promoters)."""
    return list(_kept(store, ("promoters", end), lambda: _promoters(store, end)))


def _kept(store: Store, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """`queries_cache.cached` for the latest last day only (`one_of`, by the key's name):
    a few thousand rows (promoters, referrers) — among the big per-customer results (100k
    rows, four kept) they would push those out, among the small ones browsing the days
    would fill them with megabytes."""
    return cached(store, key, compute, one_of=str(key[0]))


def _promoters(store: Store, end: date) -> list[LatestAnswer]:
    params = {"after": (end + timedelta(days=1)).isoformat(), "end": end.isoformat(),
              "year_start": (end - timedelta(days=364)).isoformat()}
    return [LatestAnswer(int(cid), name, seg, day[:10], int(nps), comment, int(rev or 0))
            for cid, name, seg, day, nps, comment, rev
            in store.conn.execute(_PROMOTERS_ONLY, params)]


_REFERRERS = f"""
WITH r AS (
  SELECT c.id AS cid, trim(c.referred_by) AS named,
    (SELECT id FROM (SELECT m.id AS id, coalesce(m.ref = trim(c.referred_by), 0) AS by_ref,
         coalesce(m.email_key = lower(trim(c.referred_by)), 0) AS by_email
       FROM customers m WHERE m.id != c.id AND (m.ref = trim(c.referred_by)
         OR m.email_key = lower(trim(c.referred_by))
         OR m.name_key = custdesk_reason_key(c.referred_by)))
     ORDER BY by_ref DESC, by_email DESC, id LIMIT 1) AS by_id,
    {_ACQ} AS acq
  FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id
  WHERE trim(coalesce(c.referred_by, '')) != '')
SELECT r.by_id, coalesce(m.name, min(r.named)), m.segment, count(*),
  sum(coalesce(r.acq BETWEEN :start AND :end, 0)),
  sum((SELECT coalesce(sum(o.revenue_e4), 0) FROM orders o WHERE o.customer_id = r.cid
       AND o.date <= :end))
FROM r LEFT JOIN customers m ON m.id = r.by_id
WHERE r.acq IS NULL OR r.acq <= :end
GROUP BY coalesce('#' || r.by_id, custdesk_reason_key(r.named))
ORDER BY count(*) DESC, 6 DESC
"""


@dataclass(frozen=True)
class Referrer:
    customer_id: int | None  # None: the name in referred_by matches no customer
    name: str
    segment: str | None
    referred: int  # customers naming them in referred_by (acquired up to `to`)
    referred_in_period: int
    referred_revenue_e4: int  # those customers' revenue up to `to`


def referrers(store: Store, start: date, end: date) -> list[Referrer]:
    """Who the customers' referred_by names (matched by ref, else e-mail, else name),
    with how many customers each brought and those customers' revenue.

    Only `referred_in_period` depends on `start`: the groups up to `end` are kept per store
    until the next write (`_referrer_groups`), each with its customers' acquisition days,
    and counted here for the period — Customers and Loyalty ask for the same, and a period
    change that keeps the last day asks again (0.13 s on the big file).
    `referrers_reference` is the one statement (tests/test_perf_loyalty_end_cache.py)."""
    lo, hi = start.isoformat(), end.isoformat()
    return [Referrer(cid, name, seg, n, sum(1 for day in days if lo <= day <= hi), rev)
            for cid, name, seg, n, rev, days
            in _kept(store, ("referrer groups", end), lambda: _referrer_groups(store, end))]


# `_REFERRERS` with each group's acquisition days (JSON) in place of its count in a period
# (the same groups, in the same order: only that column differs)
_REFERRER_GROUPS = _REFERRERS.replace(
    "sum(coalesce(r.acq BETWEEN :start AND :end, 0))", "json_group_array(r.acq)")
assert _REFERRER_GROUPS != _REFERRERS

ReferrerGroup = tuple[int | None, str, str | None, int, int, tuple[str, ...]]


def _referrer_groups(store: Store, end: date) -> list[ReferrerGroup]:
    """(referrer id or None, name, segment, referred customers, their revenue up to `end`,
    their acquisition days — None left out, as `BETWEEN` counts no NULL)."""
    _register(store.conn)
    sql = _REFERRER_GROUPS.format(stats=stats_source(store))
    return [(None if cid is None else int(cid), name, seg, int(n), int(rev or 0),
             tuple(d for d in json.loads(days) if d is not None))
            for cid, name, seg, n, days, rev
            in store.conn.execute(sql, {"end": end.isoformat()})]


def referrers_reference(store: Store, start: date, end: date) -> list[Referrer]:
    """`referrers` from the one statement, nothing kept."""
    _register(store.conn)
    sql = _REFERRERS.format(stats=stats_source(store))
    params = {"start": start.isoformat(), "end": end.isoformat()}
    return [Referrer(None if cid is None else int(cid), name, seg, int(n), int(new or 0),
                     int(rev or 0))
            for cid, name, seg, n, new, rev in store.conn.execute(sql, params)]

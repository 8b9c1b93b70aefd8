"""SQL for the Why screen (issue 14) beyond the reasons panels: questionnaires, comments,
ticket topics, quality of service, and the lost deals' product and reason detail.

Dates: surveys by `date`, tickets by `opened_at` (resolved complaints by `resolved_at`),
compared as ISO text against [start, day after end). Questions are matched like names
(`domain/text.name_key`, registered as `custdesk_text_key`; the first spelling seen is
shown); reliability topics by `domain/service_quality.is_reliability_topic` (registered).
Lists the owner searches are capped (newest first) and return the full count beside them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from custdesk.domain.periods import Period
from custdesk.domain.records import Deal
from custdesk.domain.service_quality import is_reliability_topic
from custdesk.domain.text import name_key
from custdesk.storage.database import Store
from custdesk.storage.queries import SILENT
from custdesk.storage.queries_growth_flags import flags_without_history
from custdesk.storage.queries_records import DEAL_COLUMNS, deal_from_row


# SQLite calls a function once per row: a few dozen topics and questions over 200k
# tickets, each spelling worked out once (bounded: new spellings come with imports)
@lru_cache(maxsize=4096)
def _text_key(v: object) -> str | None:
    return (name_key(v) or None) if isinstance(v, str) else None


@lru_cache(maxsize=4096)
def _reliability(v: object) -> int:
    return int(is_reliability_topic(v if isinstance(v, str) else None))


def _register(conn: sqlite3.Connection) -> None:
    conn.create_function("custdesk_text_key", 1, _text_key, deterministic=True)
    conn.create_function("custdesk_reliability_topic", 1, _reliability, deterministic=True)


def _range(start: date, end: date) -> dict[str, str]:
    return {"start": start.isoformat(), "after": (end + timedelta(days=1)).isoformat()}


@dataclass(frozen=True)
class DealExtra:
    product: str | None
    reason_detail: str | None


def deal_extras(store: Store, ids: Iterable[int] | None = None) -> dict[int, DealExtra]:
    """deal id -> its product's name and its reason detail, for deals with either (of
    `ids` only when given)."""
    only = "" if ids is None else "d.id IN (SELECT value FROM json_each(:ids)) AND "
    rows = store.conn.execute(
        "SELECT d.id, p.name, nullif(trim(d.reason_detail), '') FROM deals d "
        f"LEFT JOIN products p ON p.id = d.product_id WHERE {only}"
        "(d.product_id IS NOT NULL OR nullif(trim(d.reason_detail), '') IS NOT NULL)",
        {"ids": json.dumps(sorted(ids or ()))})
    return {i: DealExtra(p, r) for i, p, r in rows}


def closed_deals(store: Store, start: date, end: date) -> list[Deal]:
    """The deals closed won or lost on a day start..end, as records, by id: all the Lost
    prospects screen counts (its period, the prior one, the quarters of its trend), so
    its rules run on these alone, not on every deal of the file."""
    sql = (f"SELECT {DEAL_COLUMNS} FROM deals d JOIN stages s ON s.id = d.stage_id "
           "WHERE s.kind IN ('won', 'lost') AND nullif(substr(d.closed_on, 1, 10), '') "
           "BETWEEN :lo AND :hi ORDER BY d.id")
    return [deal_from_row(r) for r in store.conn.execute(
        sql, {"lo": start.isoformat(), "hi": end.isoformat()})]


_QUESTIONNAIRES = """
WITH q AS (
  SELECT id, date, trim(question) AS question, custdesk_text_key(question) AS qk, score,
    csat, nps, nullif(trim(comment), '') AS comment, nullif(trim(incentive), '') AS incentive
  FROM surveys
  WHERE kind = 'questionnaire' AND date >= :start AND date < :after
)
SELECT (SELECT q2.question FROM q q2 WHERE q2.qk IS q.qk ORDER BY q2.date, q2.id LIMIT 1),
  count(*), avg(score), count(score), avg(csat), count(csat), sum(nps >= 9), sum(nps <= 6),
  count(nps), count(comment), group_concat(DISTINCT incentive)
FROM q GROUP BY qk ORDER BY count(*) DESC, 1
"""


def questionnaires(store: Store, start: date, end: date) -> list[dict[str, Any]]:
    """Per question asked in questionnaires dated start..end: responses, mean score (0–10)
    and csat (1–5) with their answer counts, NPS counts, comments, incentives used."""
    _register(store.conn)
    out = []
    for (question, n, score, score_n, csat, csat_n, promoters, detractors, nps_n, comments,
         incentives) in store.conn.execute(_QUESTIONNAIRES, _range(start, end)):
        out.append({"question": question, "responses": n, "score_avg": score,
                    "score_n": score_n, "csat_avg": csat, "csat_n": csat_n,
                    "nps": (promoters - detractors) / nps_n * 100 if nps_n else None,
                    "nps_n": nps_n, "comments": comments,
                    "incentives": ", ".join(sorted((incentives or "").split(",")))
                    .strip(", ") or None})
    return out


def questionnaire_months(store: Store, start: date, end: date) -> list[dict[str, Any]]:
    """Questionnaire responses per month (YYYY-MM) dated start..end, with the incentives
    offered that month."""
    rows = store.conn.execute(
        "SELECT substr(date, 1, 7), count(*), "
        "group_concat(DISTINCT nullif(trim(incentive), '')) FROM surveys "
        "WHERE kind = 'questionnaire' AND date >= :start AND date < :after "
        "GROUP BY 1 ORDER BY 1", _range(start, end))
    return [{"month": m, "responses": n,
             "incentives": ", ".join(sorted(i.split(","))) if i else None}
            for m, n, i in rows]


_COMMENTS = """
SELECT * FROM (
  SELECT s.date AS day, iif(s.kind = 'customer', 'survey', replace(s.kind, '_', ' ')) AS src,
    c.name AS customer, s.customer_id AS customer_id, trim(s.comment) AS text,
    coalesce(s.nps, s.csat, s.score) AS score,
    CASE WHEN s.nps IS NOT NULL THEN 'nps' WHEN s.csat IS NOT NULL THEN 'csat'
         WHEN s.score IS NOT NULL THEN 'score' END AS scale,
    coalesce(trim(s.question), trim(s.reason)) AS about
  FROM surveys s LEFT JOIN customers c ON c.id = s.customer_id
  WHERE s.kind != 'employee' AND nullif(trim(s.comment), '') IS NOT NULL
    AND s.date >= :start AND s.date < :after
  UNION ALL
  SELECT substr(t.opened_at, 1, 10), 'ticket', c.name, t.customer_id,
    trim(coalesce(t.topic, '') || ' · ' || coalesce(t.status, '') || ' · '
         || coalesce(t.channel, ''), ' ·'),
    t.csat, iif(t.csat IS NULL, NULL, 'csat'), iif(t.is_complaint, 'complaint', NULL)
  FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
  WHERE t.opened_at >= :start AND t.opened_at < :after
)
ORDER BY day DESC, src, customer LIMIT :cap
"""


def comments(store: Store, start: date, end: date, cap: int) -> tuple[list[dict], int]:
    """(newest `cap` rows, how many there are): survey comments (every kind but employee
    surveys) and tickets (which have no comment: their topic · status · channel) dated
    start..end."""
    params: dict[str, Any] = {**_range(start, end), "cap": cap}
    cur = store.conn.execute(_COMMENTS, params)
    names = [c[0] for c in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur]
    total = len(rows)
    if total == cap:
        total = store.conn.execute(
            "SELECT (SELECT count(*) FROM surveys WHERE kind != 'employee' AND "
            "nullif(trim(comment), '') IS NOT NULL AND date >= :start AND date < :after) + "
            "(SELECT count(*) FROM tickets WHERE opened_at >= :start AND opened_at < :after)",
            params).fetchone()[0]
    return rows, total


def nps_comments(store: Store, start: date, end: date, cap: int
                 ) -> tuple[list[str], list[str]]:
    """(detractors' comments, promoters' comments): customer surveys dated start..end with
    NPS 0–6 / 9–10 and a comment, the newest `cap` of each."""
    out: tuple[list[str], list[str]] = ([], [])
    for i, cond in enumerate(("nps <= 6", "nps >= 9")):
        out[i].extend(t for (t,) in store.conn.execute(
            f"SELECT comment FROM surveys WHERE kind = 'customer' AND {cond} "
            "AND nullif(trim(comment), '') IS NOT NULL AND date >= :start AND date < :after "
            "ORDER BY date DESC LIMIT :cap", {**_range(start, end), "cap": cap}))
    return out


def ticket_topics(store: Store, start: date, end: date) -> list[dict[str, Any]]:
    """Tickets opened start..end per topic (matched like names, first spelling shown):
    tickets, complaints, mean csat, and whether the topic counts for reliability."""
    _register(store.conn)
    rows = store.conn.execute(
        "WITH t AS (SELECT id, opened_at, trim(topic) AS topic, custdesk_text_key(topic) AS k, "
        "is_complaint, csat FROM tickets WHERE opened_at >= :start AND opened_at < :after) "
        "SELECT (SELECT t2.topic FROM t t2 WHERE t2.k IS t.k ORDER BY t2.opened_at, t2.id "
        "LIMIT 1), count(*), sum(is_complaint), avg(csat), count(csat), "
        "custdesk_reliability_topic(min(topic)) FROM t GROUP BY k ORDER BY 2 DESC, 1",
        _range(start, end))
    return [{"topic": topic or "(no topic)", "tickets": n, "complaints": c, "csat_avg": csat,
             "csat_n": csat_n, "reliability": bool(rel)}
            for topic, n, c, csat, csat_n, rel in rows]


@dataclass(frozen=True)
class ServiceCounts:
    tickets: int  # opened in the period
    reliability: int  # of those, about a fault or delivery
    follow_ups: int  # of those, linked to an earlier ticket
    csat_good: int  # answers 4–5 after a resolved complaint
    csat_n: int
    nps_scores: tuple[int, ...]  # customer surveys' nps after a resolved complaint


_AFTER_COMPLAINT = """
SELECT s.kind, s.nps, s.csat FROM surveys s
WHERE s.kind IN ('customer', 'questionnaire') AND s.customer_id IS NOT NULL
  AND s.date >= :start AND s.date < :after
  AND EXISTS (SELECT 1 FROM tickets t
              WHERE t.customer_id = s.customer_id AND t.is_complaint = 1
                AND t.resolved_at IS NOT NULL
                AND substr(t.resolved_at, 1, 10) <= substr(s.date, 1, 10)
                AND substr(s.date, 1, 10) <= date(substr(t.resolved_at, 1, 10), :days))
"""


def service_counts(store: Store, start: date, end: date, after_days: int) -> ServiceCounts:
    """The counts behind the quality-of-service figures (`domain/service_quality`)."""
    _register(store.conn)
    params = _range(start, end)
    tickets, reliability, follow_ups = store.conn.execute(
        "SELECT count(*), coalesce(sum(custdesk_reliability_topic(topic)), 0), "
        "count(follow_up_of) FROM tickets WHERE opened_at >= :start AND opened_at < :after",
        params).fetchone()
    good, n = store.conn.execute(
        "SELECT coalesce(sum(csat >= 4), 0), count(csat) FROM tickets WHERE is_complaint = 1 "
        "AND resolved_at >= :start AND resolved_at < :after", params).fetchone()
    scores = []
    for kind, nps, csat in store.conn.execute(
            _AFTER_COMPLAINT, {**params, "days": f"+{after_days} days"}):
        if csat is not None:
            good, n = good + (csat >= 4), n + 1
        if kind == "customer" and nps is not None:
            scores.append(nps)
    return ServiceCounts(tickets, reliability, follow_ups, good, n, tuple(scores))


# `lost_silent_pct` (METRICS.md) of one period: the customers lost in it and those of them
# with no ticket and no survey in the W days up to their loss day — the catalogue tally's
# per-customer flags (`queries_growth_flags`: the summary as it is) and its loss day and silence
# rule (`queries_tally`'s), without its other sums (0.8 s against 1.5 s for the whole
# tally on the big file's year)
_LOST_SILENT = """
SELECT coalesce(sum(lost), 0), coalesce(sum(iif(lost, {silent}, 0)), 0)
FROM (SELECT *, (start OR new OR won_back) AND NOT active_end AS lost,
        iif(lost_on IS NOT NULL AND lost_on <= :end, lost_on,
            iif(coalesce(last_end < :cut_end, 0), date(last_end, :w_fwd), :end)) AS loss_day
      FROM ({flags}))
"""


def lost_silent(store: Store, period: Period, window: int) -> tuple[int, int]:
    """(customers lost in the period, of them lost without a word). The flags over the
    summary as it is (`queries_growth_flags`): the loss day needs the last order as of the
    end, not the customer's sums (a prior period: 0.8 → 0.4 s on the big file)."""
    flags, params = flags_without_history(store, period, window)
    lost, silent = store.conn.execute(_LOST_SILENT.format(
        flags=flags, silent=SILENT.format(cid="cust_id", day="loss_day")), params).fetchone()
    return int(lost), int(silent)


def ticket_csat(store: Store, start: date, end: date) -> tuple[int, int]:
    """(csat answers of 4 or 5, csat answers) of the tickets of start..end — by their day:
    opened, else first response, else resolved (as `queries_feedback` counts them)."""
    good, n = store.conn.execute(
        "SELECT coalesce(sum(csat >= 4), 0), count(csat) FROM tickets "
        "WHERE nullif(substr(coalesce(nullif(opened_at, ''), nullif(first_response_at, ''), "
        "nullif(resolved_at, '')), 1, 10), '') BETWEEN :lo AND :hi",
        {"lo": start.isoformat(), "hi": end.isoformat()}).fetchone()
    return int(good), int(n)

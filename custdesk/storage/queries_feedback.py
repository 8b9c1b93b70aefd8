"""Feedback metrics, repeat contacts and the ticket/NPS signals of the lists, in SQL
(issue 18): no ticket or survey is loaded as a record to count it.

`feedback_totals` applies `domain.metrics_feedback`' rules inside SQLite for any number of
periods and groups at once and returns `FeedbackTotals` (`feedback_metrics_from_totals`
makes the values). Repeat contacts are one window function over the tickets: per customer
and topic key, ordered by opening time, a ticket opened within the window after the one
before is a repeat. Topic keys are `text.name_key` of each distinct topic, computed once
per data version (a few dozen topics), not once per ticket. Timestamps count to the second.
`tests/test_metrics_sql_parity_kinds.py` checks everything against the pure-Python path.

A period and its prior (the catalogue's cards, the Feedback screen) are served from each
period's sums by segment and for the file, kept per data version (`segment_sums`): Today's
catalogue asks for the file's and leaves the segments' for the Feedback screen. Those sums
and the Feedback screen's tables by topic and channel gather each group's response and
resolution times in SQL (JSON arrays of whole seconds) instead of a row per ticket; the
row-per-ticket statements stay as their references (`_totals`, `topic_and_channel_totals`;
tests/test_perf_feedback_groups.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta

from custdesk.domain.metrics_feedback import FeedbackTotals
from custdesk.domain.periods import Period
from custdesk.domain.text import name_key
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import cached, data_version, peek, seed

_SEGMENT = "iif(c.id IS NULL, NULL, coalesce(nullif(c.segment, ''), '(none)'))"
GROUPS = {
    None: "''",
    "segment": _SEGMENT,
    # the whole file ("") and each segment from one pass: every record counted twice, once
    # under "" and once under its segment (a segment is never "")
    "segment+total": f"iif(fan.g = 0, '', {_SEGMENT})",
}
# the row fan-out a grouping needs (only "segment+total" has one)
FANS = {"segment+total": "CROSS JOIN (SELECT 0 AS g UNION ALL SELECT 1) fan"}
# the Feedback tab's ticket tables (`feedback_service.tickets_by`): every ticket, by its
# raw topic or channel (blank: "(none)")
TICKET_GROUPS = {
    "topic": "coalesce(nullif(t.topic, ''), '(none)')",
    "channel": "coalesce(nullif(t.channel, ''), '(none)')",
}

_PERIODS = """p(key, lo, hi) AS MATERIALIZED (SELECT value ->> 0, value ->> 1, value ->> 2
                                         FROM json_each(:periods))"""
# topic -> its name key (only topics with a non-empty key can repeat)
_TOPICS = """tk(topic, tkey) AS MATERIALIZED (SELECT value ->> 0, value ->> 1
                                          FROM json_each(:topics))"""
# the repeat contacts: tickets with an opening time, same customer and topic key ({part}:
# the topic's key, plus the group when a group's tickets count alone), opened since :rep_lo — a
# ticket opened before it cannot be the earlier contact of one opened on or after
# :rep_lo + window, so the window runs over the periods' tickets only, not the whole file
# ({flags}: each flag's window, named; {any}: true when one of them is) — only the
# repeats are kept: the tickets join them by id, and most tickets are not repeats
_WINDOWED = """rep({names}) AS MATERIALIZED (SELECT * FROM (
  SELECT t.id, {flags}
  -- a plain scan, topics looked up per ticket: the customer index (which the window's
  -- order invited) sought a row per ticket; each time is parsed once, not thrice
  FROM (SELECT id, customer_id, topic, channel, unixepoch(opened_at) AS ts
        FROM tickets NOT INDEXED
        WHERE nullif(opened_at, '') IS NOT NULL
          AND unixepoch(opened_at) >= unixepoch(:rep_lo)) t
  CROSS JOIN tk ON tk.topic = t.topic) WHERE {any})"""
# a ticket opened within the window after the one before it of its partition ({part})
_REPEAT_FLAG = """coalesce(t.ts - lag(t.ts) OVER (
      PARTITION BY t.customer_id, {part} ORDER BY t.ts, t.id) <= :window_s, 0)"""
_REPEATS = _WINDOWED.format(names="id, is_repeat", any="is_repeat",
                            flags=_REPEAT_FLAG + " AS is_repeat")
# the statement `_REPEATS` replaced (a join to the topics walked by the customer index, a
# row seek per ticket), kept as the reference of `SIGNALS_REFERENCE`
_REPEATS_REFERENCE = """rep(id, is_repeat) AS MATERIALIZED (
  SELECT t.id, coalesce(unixepoch(t.opened_at) - lag(unixepoch(t.opened_at)) OVER (
      PARTITION BY t.customer_id, {part} ORDER BY unixepoch(t.opened_at), t.id)
    <= :window_s, 0)
  FROM tickets t CROSS JOIN tk ON tk.topic = t.topic  -- tickets once, topics by index
  WHERE nullif(t.opened_at, '') IS NOT NULL
    AND unixepoch(t.opened_at) >= unixepoch(:rep_lo))"""
# one row per ticket: its day (opened, else first response, else resolved), hours
_TICKETS = """tr AS MATERIALIZED (
  SELECT t.id, {grp} AS grp,
    nullif(substr(coalesce(nullif(t.opened_at, ''), nullif(t.first_response_at, ''),
                           nullif(t.resolved_at, '')), 1, 10), '') AS tday,
    nullif(t.opened_at, '') IS NOT NULL AS has_open,
    nullif(substr(t.resolved_at, 1, 10), '') AS rday,
    t.csat AS csat, t.is_complaint AS complaint,
    iif(coalesce(t.contacts, 0) != 0, t.contacts, 1) AS contacts,
    (unixepoch(nullif(t.first_response_at, '')) - unixepoch(nullif(t.opened_at, '')))
      / 3600.0 AS first_h,
    (unixepoch(nullif(t.resolved_at, '')) - unixepoch(nullif(t.opened_at, ''))) / 3600.0
      AS done_h,
    {repeat} AS is_repeat
  FROM tickets t {rep_join}
  LEFT JOIN customers c ON c.id = t.customer_id {fan}
  WHERE {in_range})"""
# a ticket whose day or resolution day falls between the first period's start and the
# last one's end (only those can count in a period): the statement `_IN_RANGE` runs, kept
# as its reference (tests/test_perf_ticket_range.py)
IN_RANGE_REFERENCE = """(substr(coalesce(nullif(t.opened_at, ''), nullif(t.first_response_at, ''),
                     nullif(t.resolved_at, '')), 1, 10) BETWEEN :lo AND :hi
    OR substr(t.resolved_at, 1, 10) BETWEEN :lo AND :hi)"""
# the same tickets, most of the older ones dropped by three plain comparisons before the
# substr/coalesce of every ticket (a big file's year: 160k of 200k tickets): a text whose
# first 10 characters are >= :lo (10 characters) is itself >= :lo, so a ticket in range
# has one of its three times >= :lo
_IN_RANGE = f"""((t.opened_at >= :lo OR t.first_response_at >= :lo OR t.resolved_at >= :lo)
  AND {IN_RANGE_REFERENCE})"""

# the ticket sums per (period, group) (kind 0) and, from the same materialized tickets (one
# pass: they are not read and resolved twice), the response and resolution hours of the
# tickets opened in each period (kind 1: first_h and done_h in the first two columns)
_TICKET_SUMS = f"""
WITH {_PERIODS}, {_TOPICS}, {_REPEATS}, {_TICKETS}
SELECT 0, key, grp, sum(opened AND csat >= 4), sum(opened AND csat IS NOT NULL),
  sum(opened AND has_open AND is_repeat), sum(opened AND has_open),
  sum(iif(resolved, contacts, 0)), sum(resolved), sum(opened AND complaint), sum(opened)
FROM (SELECT p.key AS key, tr.*, coalesce(tr.tday BETWEEN p.lo AND p.hi, 0) AS opened,
             coalesce(tr.rday BETWEEN p.lo AND p.hi, 0) AS resolved
      FROM p CROSS JOIN tr WHERE tr.tday >= p.lo OR tr.rday >= p.lo LIMIT -1)
WHERE grp IS NOT NULL GROUP BY key, grp
UNION ALL
SELECT 1, p.key, tr.grp, tr.first_h, tr.done_h, NULL, NULL, NULL, NULL, NULL, NULL
FROM p CROSS JOIN tr
WHERE tr.grp IS NOT NULL AND tr.tday BETWEEN p.lo AND p.hi
  AND (tr.first_h IS NOT NULL OR tr.done_h IS NOT NULL)
"""
# the surveys dated between the first period's start and the last one's end, each day cut
# once, before they meet the periods (a monthly series: 12 × every survey otherwise)
_SURVEYS = """
WITH {periods}, sv AS MATERIALIZED (
  SELECT s.customer_id, s.kind, s.nps, s.csat, s.would_refer, substr(s.date, 1, 10) AS day
  FROM surveys s WHERE s.date != '' AND substr(s.date, 1, 10) BETWEEN :lo AND :hi)
SELECT key, grp,
  sum(kind = 'customer' AND nps >= 9), sum(kind = 'customer' AND nps <= 6),
  sum(kind = 'customer' AND nps IS NOT NULL),
  sum(kind = 'employee' AND nps >= 9), sum(kind = 'employee' AND nps <= 6),
  sum(kind = 'employee' AND nps IS NOT NULL),
  sum(csat >= 4), sum(csat IS NOT NULL),
  sum(kind = 'customer' AND would_refer = 1), sum(kind = 'customer' AND would_refer IS NOT NULL)
FROM (SELECT p.key AS key, {grp} AS grp, s.kind, s.nps, s.csat, s.would_refer
      FROM p CROSS JOIN sv s LEFT JOIN customers c ON c.id = s.customer_id {fan}
      WHERE s.day BETWEEN p.lo AND p.hi LIMIT -1)
WHERE grp IS NOT NULL GROUP BY key, grp
"""
_MYSTERY = """
WITH {periods}
SELECT p.key, {grp}, s.score
FROM p CROSS JOIN surveys s LEFT JOIN customers c ON c.id = s.customer_id {fan}
WHERE s.kind = 'mystery_shop' AND s.score IS NOT NULL AND s.date != ''
  AND substr(s.date, 1, 10) BETWEEN p.lo AND p.hi AND {grp} IS NOT NULL
ORDER BY s.date, s.id
"""


def topic_keys(store: Store) -> str:
    """JSON [[topic, key], ...] of every distinct topic with a non-empty name key (kept
    per data version: every ticket statement asks, and finding them scans every ticket)."""
    def keys() -> str:
        topics = [t for (t,) in store.conn.execute(
            "SELECT DISTINCT topic FROM tickets WHERE topic IS NOT NULL")]
        return json.dumps([[t, k] for t in topics if (k := name_key(t))])

    return cached(store, ("topic keys",), keys, small=True)


def _payload(periods: Sequence[tuple[str, Period]]) -> str:
    return json.dumps([[k, p.start.isoformat(), p.end.isoformat()] for k, p in periods])


def _range(periods: Sequence[tuple[str, Period]], repeat_days: int) -> dict[str, str]:
    """The days every period together spans, and how far back an earlier contact of a
    repeat can lie (the first day minus the window)."""
    lo = min(p.start for _, p in periods)
    hi = max(p.end for _, p in periods)
    return {"lo": lo.isoformat(), "hi": hi.isoformat(),
            "rep_lo": (lo - timedelta(days=repeat_days + 1)).isoformat()}


def _ticket_rows(store: Store, periods: Sequence[tuple[str, Period]], repeat_days: int,
                 grp: str, part: str = "tk.tkey", fan: str = "", repeats: bool = True
                 ) -> tuple[list[tuple], list[tuple]]:
    """(the ticket sums per (period key, group), the ticket hours per period key and
    group) — of `feedback_totals` and `ticket_group_totals`, from one statement.
    `repeats=False`: repeat contacts counted as none (the window over the tickets, the
    costliest part, is not run)."""
    params = {"periods": _payload(periods), **_range(periods, repeat_days)}
    rows = store.conn.execute(_TICKET_SUMS.format(
        grp=grp, part=part, repeat="coalesce(rep.is_repeat, 0)" if repeats else "0",
        rep_join="LEFT JOIN rep ON rep.id = t.id" if repeats else "", in_range=_IN_RANGE,
        fan=fan),
        {**params, "topics": topic_keys(store), "window_s": repeat_days * 86_400}).fetchall()
    # (kind 1: one row per ticket and period — 70k a year on a big file: sliced, not looped)
    return [r[1:] for r in rows if not r[0]], [r[1:5] for r in rows if r[0]]


def _add_tickets(parts: dict[tuple[str, str], dict], sums: list[tuple], hours: list[tuple],
                 *, with_file: bool = False) -> None:
    """Add the ticket sums and hours rows to `parts`; `with_file`: the hours rows are by
    segment (no known customer: group 0) and each counts in the file's ("") too."""
    for key, g, good, n, rep, with_time, contacts, resolved, complaints, _opened in sums:
        d = parts.setdefault((key, g), {})
        d["csat_good"] = d.get("csat_good", 0) + int(good or 0)
        d["csat_n"] = d.get("csat_n", 0) + int(n or 0)
        d.update(repeats=int(rep or 0), opened_with_time=int(with_time or 0),
                 contacts=int(contacts or 0), resolved=int(resolved or 0),
                 complaints=int(complaints or 0))
    lists: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for key, g, first, done in hours:  # 70k rows a year on a big file: no call per row
        for at in ((key, ""), (key, g)) if with_file else ((key, g),):
            if at[1] == 0:
                continue
            pair = lists.get(at)
            if pair is None:
                pair = lists[at] = ([], [])
            if first is not None:
                pair[0].append(first)
            if done is not None:
                pair[1].append(done)
    for k, (first_h, done_h) in lists.items():
        parts.setdefault(k, {}).update(first_response_hours=tuple(sorted(first_h)),
                                       resolution_hours=tuple(sorted(done_h)))


def feedback_totals(store: Store, periods: Sequence[tuple[str, Period]], repeat_days: int,
                    by: str | None = None, *, tickets: bool = True
                    ) -> dict[tuple[str, str], FeedbackTotals]:
    """(period key, group) -> FeedbackTotals for every period (grouped queries, not one
    per period) and group of `by` ("segment"; None: one group ""; "segment+total": both,
    the whole file under "" beside the segments, in one pass). `tickets=False` leaves
    the ticket figures out (an NPS series needs only the surveys)."""
    if not periods:
        return {}
    if tickets and by in (None, "segment+total") and len(periods) <= PIECES_AT_ONCE:
        # a period and its prior (the catalogue, the Feedback screen): each period's sums by
        # segment and for the file, kept per data version (`segment_sums`) — Today's
        # catalogue (the file's) leaves them for the Feedback screen (its segments)
        pieces = segment_sums(store, [p for _k, p in periods], repeat_days)
        return {(k, g): v for k, p in periods for g, v in pieces[p].items()
                if by is not None or g == ""}
    if not tickets:  # a survey series (Today's and the Feedback screen's NPS trend): kept
        return dict(cached(store, ("survey sums", _payload(periods), by),
                           lambda: _totals(store, periods, repeat_days, by, tickets),
                           small=True))
    return _totals(store, periods, repeat_days, by, tickets)


# how many periods `feedback_totals` serves from each period's kept sums (more: a monthly
# series, computed in one statement and not kept, which would push out a dozen entries)
PIECES_AT_ONCE = 2


def _piece_key(period: Period, repeat_days: int) -> tuple:
    return ("feedback sums by segment+total", period, repeat_days)


def segment_sums(store: Store, periods: Sequence[Period], repeat_days: int
                 ) -> dict[Period, dict[str, FeedbackTotals]]:
    """Period -> {"": the file's feedback sums, segment: that segment's} for each period,
    each kept per data version among the small results; the periods not kept yet summed
    in one statement (`grouped_totals`)."""
    out: dict[Period, dict[str, FeedbackTotals]] = {}
    todo = list(dict.fromkeys(periods))
    while todo:
        out.update(_kept_or_summed(store, todo, repeat_days))
        todo = [p for p in todo if p not in out]
    return out


def _kept_or_summed(store: Store, periods: list[Period], repeat_days: int
                    ) -> dict[Period, dict[str, FeedbackTotals]]:
    """The first period's sums when kept; else every period's, from one statement (the
    tickets read once), each kept."""
    since = data_version(store)
    summed: dict[Period, dict[str, FeedbackTotals]] = {}

    def compute() -> dict[str, FeedbackTotals]:
        summed.update(_by_period(grouped_totals(
            store, [(str(i), p) for i, p in enumerate(periods)], repeat_days), periods))
        return summed[periods[0]]

    first = cached(store, _piece_key(periods[0], repeat_days), compute, small=True)
    for p in periods[1:] if summed else ():
        seed(store, _piece_key(p, repeat_days), summed[p], since, small=True)
    return summed or {periods[0]: first}


def _by_period(sums: dict[tuple[str, str], FeedbackTotals], periods: Sequence[Period]
               ) -> dict[Period, dict[str, FeedbackTotals]]:
    """Sums keyed by (str(index), group) -> each period's {group: sums}."""
    out: dict[Period, dict[str, FeedbackTotals]] = {p: {} for p in periods}
    for (key, g), v in sums.items():
        out[periods[int(key)]][g] = v
    return out


def _totals(store: Store, periods: Sequence[tuple[str, Period]], repeat_days: int,
            by: str | None, tickets: bool) -> dict[tuple[str, str], FeedbackTotals]:
    """`feedback_totals`, computed with the ticket hours as rows (the reference of
    `grouped_totals` for "segment+total" and of each period's kept sums for None)."""
    parts = _survey_parts(store, periods, by)
    if tickets and by == "segment+total":
        _add_tickets(parts, *_tickets_with_total(store, periods, repeat_days),
                     with_file=True)
    elif tickets:
        _add_tickets(parts, *_ticket_rows(store, periods, repeat_days, GROUPS[by],
                                          fan=FANS.get(by or "", "")))
    return {k: FeedbackTotals(**v) for k, v in parts.items()}


_SURVEY_SUMS = ("nps_promoters", "nps_detractors", "nps_n", "enps_promoters",
                "enps_detractors", "enps_n", "csat_good", "csat_n", "refer_yes", "refer_n")


def _survey_sums_with_total(store: Store, params: dict[str, str],
                            parts: dict[tuple[str, str], dict]) -> None:
    """The survey sums by "segment+total" with each survey read once: per segment, and the
    file's ("" group, first of its period as in the grouped order) added up from them and
    from the surveys of no known customer (whole numbers: the same as summing them apart),
    instead of every survey fanned out twice and joined to its customer each time."""
    for key, g, *v in store.conn.execute(_SURVEYS.format(
            periods=_PERIODS, grp=_SEGMENT_OR_NO_CUSTOMER, fan=""), params):
        values = [int(x or 0) for x in v]
        file = parts.setdefault((key, ""), dict.fromkeys(_SURVEY_SUMS, 0))
        for name, x in zip(_SURVEY_SUMS, values, strict=True):
            file[name] += x
        if g != 0:
            parts[(key, g)] = dict(zip(_SURVEY_SUMS, values, strict=True))


def _survey_parts(store: Store, periods: Sequence[tuple[str, Period]], by: str | None
                  ) -> dict[tuple[str, str], dict]:
    """(period key, group) -> the survey figures of `FeedbackTotals` (as keywords)."""
    grp = GROUPS[by]
    fan = FANS.get(by or "", "")
    params = {"periods": _payload(periods),
              "lo": min(p.start for _, p in periods).isoformat(),
              "hi": max(p.end for _, p in periods).isoformat()}
    parts: dict[tuple[str, str], dict] = {}

    def part(key: str, g: str) -> dict:
        return parts.setdefault((key, g), {})

    if by == "segment+total":
        _survey_sums_with_total(store, params, parts)
    else:
        for key, g, *v in store.conn.execute(
                _SURVEYS.format(periods=_PERIODS, grp=grp, fan=fan), params):
            part(key, g).update(zip(_SURVEY_SUMS, (int(x or 0) for x in v), strict=True))
    scores: dict[tuple[str, str], list[float]] = {}
    for key, g, score in store.conn.execute(_MYSTERY.format(periods=_PERIODS, grp=grp,
                                                           fan=fan),
                                            params):
        scores.setdefault((key, g), []).append(score)
    for k, v in scores.items():
        part(*k)["mystery_scores"] = tuple(v)
    return parts


# per segment, and the tickets of no known customer under the integer 0 (never equal to a
# segment: those are text), which count in the file's sums only
_SEGMENT_OR_NO_CUSTOMER = "iif(c.id IS NULL, 0, coalesce(nullif(c.segment, ''), '(none)'))"


def _tickets_with_total(store: Store, periods: Sequence[tuple[str, Period]],
                        repeat_days: int) -> tuple[list[tuple], list[tuple]]:
    """`_ticket_rows` by "segment+total" with each ticket read once: the segments' rows,
    and the file's ("" group) summed from them in Python — whole numbers, and hours
    `_add_tickets` sorts — instead of every ticket fanned out twice in SQL (its repeat
    window and time parsing ran twice: 40 % of the feedback sums on a big file)."""
    return _with_file_rows(*_ticket_rows(store, periods, repeat_days,
                                         _SEGMENT_OR_NO_CUSTOMER))


def _with_file_rows(sums: list[tuple], hours: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Sums by segment (no known customer: group 0) -> the segments' rows and the file's
    ("" group) summed from them; the hours as they are (`_add_tickets(with_file=True)`
    counts each in the file's too)."""
    totals: dict[str, list[int]] = {}
    for key, _g, *values in sums:
        total = totals.setdefault(key, [0] * len(values))
        for i, v in enumerate(values):
            total[i] += int(v or 0)
    file_rows = [(key, "", *values) for key, values in totals.items()]
    return [*file_rows, *(r for r in sums if r[1] != 0)], hours


def ticket_group_totals(store: Store, period: Period, repeat_days: int, by: str, *,
                        repeats: bool = True) -> dict[str, tuple[int, FeedbackTotals]]:
    """Raw topic or channel (`TICKET_GROUPS`) -> (tickets opened in the period, the ticket
    figures of that group's tickets alone: `feedback_metrics(group's tickets, [], …)`,
    repeats too — counted within the group; `repeats=False`: left at 0, for rows that do
    not show them)."""
    grp = TICKET_GROUPS[by]  # repeats within the group: the same key, customer and group
    sums, hours = _ticket_rows(store, [("", period)], repeat_days, grp, part=f"tk.tkey, {grp}",
                               repeats=repeats)
    parts: dict[tuple[str, str], dict] = {}
    _add_tickets(parts, sums, hours)
    opened = {g: int(n or 0) for _key, g, *_v, n in sums}
    return {g: (opened.get(g, 0), FeedbackTotals(**v)) for (_k, g), v in parts.items()}


# a ticket's (topic, channel) cell: both raw names (blank: "(none)") joined by a unit
# separator, a character no name from an import holds
_CELL_SEP = "\x1f"
_TOPIC_AND_CHANNEL = (f"{TICKET_GROUPS['topic']} || char(31) || "
                      f"{TICKET_GROUPS['channel']}")


def topic_and_channel_totals(store: Store, period: Period, repeat_days: int
                             ) -> dict[str, dict[str, tuple[int, FeedbackTotals]]]:
    """`ticket_group_totals` by "topic" (repeats counted) and by "channel" (repeats left
    at 0) from one pass over the tickets: the sums of each (topic, channel) cell, with
    repeats within the topic, added up per topic and per channel — every figure is a sum
    or a list of hours, so a group's is its cells' together."""
    return _cell_totals(*_ticket_rows(store, [("", period)], repeat_days, _TOPIC_AND_CHANNEL,
                                      part=f"tk.tkey, {TICKET_GROUPS['topic']}"))


def _cell_totals(sums: list[tuple], hours: list[tuple]
                 ) -> dict[str, dict[str, tuple[int, FeedbackTotals]]]:
    """The (topic, channel) cells' sums and hours of one period -> `ticket_group_totals`
    by topic and by channel."""
    out: dict[str, dict[str, tuple[int, FeedbackTotals]]] = {}
    for side, by in enumerate(TICKET_GROUPS):
        added: dict[str, list[int]] = {}
        for _key, cell, *values in sums:
            total = added.setdefault(cell.split(_CELL_SEP)[side], [0] * len(values))
            for i, v in enumerate(values):
                total[i] += int(v or 0)
        if by == "channel":  # as `ticket_group_totals(..., repeats=False)`
            for values in added.values():
                values[2] = 0
        parts: dict[tuple[str, str], dict] = {}
        _add_tickets(parts, [("", g, *v) for g, v in added.items()],
                     [("", cell.split(_CELL_SEP)[side], first, done)
                      for _key, cell, first, done in hours])
        out[by] = {g: (added.get(g, [0])[-1], FeedbackTotals(**v))
                   for (_k, g), v in parts.items()}
    return out


# each ticket of the periods' range once, as `_TICKETS` but with its response and
# resolution times in whole seconds (differences of `unixepoch`), which the statements below
# gather per group into JSON arrays: Python divides each by 3600.0 — the float SQLite's
# `/ 3600.0` gives — instead of reading a row per ticket (a JSON real has 15 digits only)
_TICKET_SECONDS = """tr AS MATERIALIZED (
  SELECT t.id, {groups},
    nullif(substr(coalesce(nullif(t.opened_at, ''), nullif(t.first_response_at, ''),
                           nullif(t.resolved_at, '')), 1, 10), '') AS tday,
    nullif(t.opened_at, '') IS NOT NULL AS has_open,
    nullif(substr(t.resolved_at, 1, 10), '') AS rday,
    t.csat AS csat, t.is_complaint AS complaint,
    iif(coalesce(t.contacts, 0) != 0, t.contacts, 1) AS contacts,
    unixepoch(nullif(t.first_response_at, '')) - unixepoch(nullif(t.opened_at, ''))
      AS first_s,
    unixepoch(nullif(t.resolved_at, '')) - unixepoch(nullif(t.opened_at, '')) AS done_s,
    coalesce(rep.is_repeat, 0) AS is_repeat
  FROM tickets t LEFT JOIN rep ON rep.id = t.id {join}
  WHERE {in_range})"""
# sums of each (period, ticket) pair, then the hours of the tickets opened in the period
_PAIR_SUMS = """sum(opened AND csat >= 4), sum(opened AND csat IS NOT NULL),
  sum(opened AND has_open AND {repeat}), sum(opened AND has_open),
  sum(iif(resolved, contacts, 0)), sum(resolved), sum(opened AND complaint), sum(opened),
  json_group_array(first_s) FILTER (WHERE opened AND first_s IS NOT NULL),
  json_group_array(done_s) FILTER (WHERE opened AND done_s IS NOT NULL)"""
# (the tickets opened or resolved in each period: a period's groups are those it has alone,
# whichever periods it is summed with — `_TICKET_SUMS` also gave an earlier period a row of
# zeros for each group of a later one's)
_PAIRS = """(SELECT p.key AS key, tr.*, coalesce(tr.tday BETWEEN p.lo AND p.hi, 0) AS opened,
             coalesce(tr.rday BETWEEN p.lo AND p.hi, 0) AS resolved
      FROM p CROSS JOIN tr
      WHERE tr.tday BETWEEN p.lo AND p.hi OR tr.rday BETWEEN p.lo AND p.hi LIMIT -1)"""
# the ticket sums and hours per (period, segment; no known customer: 0), one row each
_GROUP_SUMS = f"""
WITH {_PERIODS}, {_TOPICS}, {_REPEATS.replace("{part}", "tk.tkey")},
{_TICKET_SECONDS.format(groups=f"{_SEGMENT_OR_NO_CUSTOMER} AS grp", in_range=_IN_RANGE,
                        join="LEFT JOIN customers c ON c.id = t.customer_id")}
SELECT key, grp, {_PAIR_SUMS.format(repeat="is_repeat")}
FROM {_PAIRS} GROUP BY key, grp
"""


def _hours(seconds: str) -> list[float]:
    """A JSON array of whole seconds -> the hours."""
    return [s / 3600.0 for s in json.loads(seconds)]


def _ticket_fields(sums: Sequence, first: Sequence[float], done: Sequence[float]) -> dict:
    """A group's ticket sums (good, n, repeats, with time, contacts, resolved, complaints)
    and hours as `FeedbackTotals` keywords (the CSAT counts to add to the surveys')."""
    good, n, rep, with_time, contacts, resolved, complaints = (int(x or 0) for x in sums)
    return {"csat_good": good, "csat_n": n, "repeats": rep, "opened_with_time": with_time,
            "contacts": contacts, "resolved": resolved, "complaints": complaints,
            "first_response_hours": tuple(sorted(first)),
            "resolution_hours": tuple(sorted(done))}


def _add_fields(part: dict, fields: dict) -> None:
    """Add a group's ticket fields to its survey part (the CSAT counts are both's)."""
    part.update(fields, csat_good=part.get("csat_good", 0) + fields["csat_good"],
                csat_n=part.get("csat_n", 0) + fields["csat_n"])


def grouped_totals(store: Store, periods: Sequence[tuple[str, Period]], repeat_days: int
                   ) -> dict[tuple[str, str], FeedbackTotals]:
    """`feedback_totals(..., by="segment+total")` computed, each period's as if alone
    (`_totals` of each period is its reference, tested equal): each segment's ticket sums
    and hours from one row per (period, segment), the file's ("") added up from them and
    the tickets of no known customer."""
    parts = _survey_parts(store, periods, "segment+total")
    params = {"periods": _payload(periods), **_range(periods, repeat_days),
              "topics": topic_keys(store), "window_s": repeat_days * 86_400}
    # per period: the file's sums and hours (every group's, no known customer's too)
    whole: dict[str, tuple[list[int], list[float], list[float]]] = {}
    for key, g, *sums, _opened, first_s, done_s in store.conn.execute(_GROUP_SUMS, params):
        first, done = _hours(first_s), _hours(done_s)
        total, first_all, done_all = whole.setdefault(key, ([0] * len(sums), [], []))
        for i, v in enumerate(sums):
            total[i] += int(v or 0)
        first_all.extend(first)
        done_all.extend(done)
        if g != 0:
            _add_fields(parts.setdefault((key, g), {}), _ticket_fields(sums, first, done))
    for key, (total, first_all, done_all) in whole.items():
        _add_fields(parts.setdefault((key, ""), {}), _ticket_fields(total, first_all,
                                                                    done_all))
    return {k: FeedbackTotals(**v) for k, v in parts.items()}


# the whole file's ticket sums and hours of each period, no group: `_GROUP_SUMS` without
# the customers' join and the segments (what Why's cards and quality panel read)
_FILE_SUMS = f"""
WITH {_PERIODS}, {_TOPICS}, {_REPEATS.replace("{part}", "tk.tkey")},
{_TICKET_SECONDS.format(groups="0 AS grp", in_range=_IN_RANGE, join="")}
SELECT key, {_PAIR_SUMS.format(repeat="is_repeat")}
FROM {_PAIRS} GROUP BY key
"""


def file_sums(store: Store, period: Period, repeat_days: int) -> FeedbackTotals:
    """The whole file's feedback sums of `period`: `feedback_totals(store, [("", period)],
    repeat_days)[("", "")]` (its reference, tested equal). The kept sums by segment when a
    screen summed them (the Feedback tab's), else surveys and tickets summed without the
    segments (~0.25 against ~0.6 s CPU on the big file's year), kept for the latest
    period only (one entry: the hours of a year's tickets, ~4 MB on a big file)."""
    kept = peek(store, _piece_key(period, repeat_days), small=True)
    if kept is not None:
        return kept.get("", FeedbackTotals())
    return cached(store, ("feedback file sums", period, repeat_days),
                  lambda: _file_sums(store, period, repeat_days), one_of="feedback file sums")


def _file_sums(store: Store, period: Period, repeat_days: int) -> FeedbackTotals:
    periods = [("", period)]
    part = _survey_parts(store, periods, None).get(("", ""), {})
    params = {"periods": _payload(periods), **_range(periods, repeat_days),
              "topics": topic_keys(store), "window_s": repeat_days * 86_400}
    for _key, *sums, _opened, first_s, done_s in store.conn.execute(_FILE_SUMS, params):
        _add_fields(part, _ticket_fields(sums, _hours(first_s), _hours(done_s)))
    return FeedbackTotals(**part)


# the Feedback screen's ticket tables of one period: every ticket in range once, its raw
# topic and channel (blank: "(none)"), repeats counted within the topic (the same topic key,
# customer and raw topic: `ticket_group_totals`' rule); per topic (0) and per channel (1),
# where repeats are not shown (counted 0)
_TABLE_SUMS = f"""
WITH {_TOPICS}, {_REPEATS.replace("{part}", f"tk.tkey, {TICKET_GROUPS['topic']}")},
{_TICKET_SECONDS.format(groups=f"{TICKET_GROUPS['topic']} AS topic, "
                               f"{TICKET_GROUPS['channel']} AS channel",
                        in_range=_IN_RANGE, join="")},
pairs AS (SELECT tr.*, coalesce(tday BETWEEN :lo AND :hi, 0) AS opened,
                 coalesce(rday BETWEEN :lo AND :hi, 0) AS resolved FROM tr)
SELECT 0, topic, {_PAIR_SUMS.format(repeat="is_repeat")} FROM pairs GROUP BY topic
UNION ALL
SELECT 1, channel, {_PAIR_SUMS.format(repeat="0")} FROM pairs GROUP BY channel
"""


def topic_and_channel_sums(store: Store, period: Period, repeat_days: int
                           ) -> dict[str, dict[str, tuple[int, FeedbackTotals]]]:
    """`topic_and_channel_totals` (its reference, tested equal) from one statement that
    sums each topic and each channel itself: raw topic or channel -> (tickets opened in
    the period, that group's ticket figures)."""
    params = {"rep_lo": _range([("", period)], repeat_days)["rep_lo"],
              "lo": period.start.isoformat(), "hi": period.end.isoformat(),
              "topics": topic_keys(store), "window_s": repeat_days * 86_400}
    out: dict[str, dict[str, tuple[int, FeedbackTotals]]] = {by: {} for by in TICKET_GROUPS}
    sides = tuple(TICKET_GROUPS)
    for side, g, *sums, opened, first_s, done_s in store.conn.execute(_TABLE_SUMS, params):
        out[sides[side]][g] = (int(opened or 0), FeedbackTotals(**_ticket_fields(
            sums, _hours(first_s), _hours(done_s))))
    return out


def period_totals(store: Store, period: Period, repeat_days: int) -> FeedbackTotals:
    return feedback_totals(store, [("", period)], repeat_days).get(("", ""),
                                                                   FeedbackTotals())


# the tickets that can give a signal are kept first, in one plain scan of the table (a few
# percent of a big file's tickets), then grouped by customer: grouping every ticket in
# customer order walked the customer index with a row seek per ticket (half the time).
# The scan tests the raw opening time first: a ticket with one can be recent only when it
# sorts after :since (its day, its first ten characters, does only then), so the day (the
# coalesce of three times, read three times a row) is worked out for those few alone
# (0.10 -> 0.03 s for the big file's 200k tickets)
TICKET_SIGNALS_SQL = f"""
WITH {_TOPICS}, {_REPEATS},
near AS MATERIALIZED (
  SELECT t.id, t.customer_id,
    t.is_complaint AND coalesce(nullif(substr(t.resolved_at, 1, 10), '') > :day, 1)
      AS complaint, t.tday > :since AS recent
  FROM (SELECT id, customer_id, is_complaint, resolved_at,
          nullif(substr(coalesce(nullif(opened_at, ''), nullif(first_response_at, ''),
          nullif(resolved_at, '')), 1, 10), '') AS tday FROM tickets
        WHERE is_complaint OR coalesce(nullif(opened_at, ''), '~') > :since) t
  WHERE (t.tday IS NULL OR t.tday <= :day) AND (t.is_complaint OR t.tday > :since))
SELECT customer_id, max(complaint), sum(repeat30) FROM (
  SELECT n.customer_id, n.complaint, coalesce(rep.is_repeat, 0) AND n.recent AS repeat30
  FROM near n LEFT JOIN rep ON rep.id = n.id)
GROUP BY customer_id HAVING max(complaint) OR sum(repeat30) > 0
""".replace("{part}", "tk.tkey")
# the statement `TICKET_SIGNALS_SQL` replaced, kept as the reference it is tested against
# (tests/test_perf_lists_signals.py)
SIGNALS_REFERENCE = f"""
WITH {_TOPICS}, {_REPEATS_REFERENCE}
SELECT customer_id, max(complaint), sum(repeat30) FROM (
  SELECT t.customer_id,
    t.is_complaint AND coalesce(nullif(substr(t.resolved_at, 1, 10), '') > :day, 1)
      AS complaint,
    coalesce(rep.is_repeat, 0) AND tday > :since AS repeat30
  FROM (SELECT *, nullif(substr(coalesce(nullif(opened_at, ''), nullif(first_response_at,
        ''), nullif(resolved_at, '')), 1, 10), '') AS tday FROM tickets) t
  LEFT JOIN rep ON rep.id = t.id
  WHERE (t.tday IS NULL OR t.tday <= :day) AND (t.is_complaint OR t.tday > :since))
GROUP BY customer_id HAVING max(complaint) OR sum(repeat30) > 0
""".replace("{part}", "tk.tkey")


def ticket_signals(store: Store, as_of: date, repeat_days: int, lookback_days: int,
                   *, sql: str = TICKET_SIGNALS_SQL) -> tuple[set[int], dict[int, int]]:
    """Customers with a complaint unresolved on as_of, and their repeat contacts in the
    `lookback_days` up to it (the rules of `metrics_lists._ticket_signals`; `sql`: tests
    pass `SIGNALS_REFERENCE`)."""
    complaint: set[int] = set()
    repeats: dict[int, int] = {}
    since = as_of - timedelta(days=lookback_days)
    params = {"topics": topic_keys(store), "window_s": repeat_days * 86_400,
              "day": as_of.isoformat(), "since": since.isoformat(),
              # only repeats opened after `since` count: their earlier contact is recent
              "rep_lo": (since - timedelta(days=repeat_days + 1)).isoformat()}
    for cid, has_complaint, n in store.conn.execute(sql, params):
        if has_complaint:
            complaint.add(cid)
        if n:
            repeats[cid] = int(n)
    return complaint, repeats


_LATEST_NPS = """
SELECT s.customer_id, s.nps, s.date, s.comment, coalesce(c.name, '?') FROM (
  SELECT customer_id, nps, date, comment, row_number() OVER (
      PARTITION BY customer_id ORDER BY date DESC, id DESC) AS rn
  FROM surveys WHERE kind = 'customer' AND customer_id IS NOT NULL AND nps IS NOT NULL
    AND date != '' AND substr(date, 1, 10) <= :day) s
LEFT JOIN customers c ON c.id = s.customer_id
WHERE s.rn = 1 {only}
"""


def latest_nps(store: Store, as_of: date, *, detractors_only: bool = False
               ) -> list[tuple[int, int, str, str | None, str]]:
    """(customer id, NPS, date, comment, customer name) of each customer's latest customer
    survey with an NPS answer up to as_of (`lists.latest_nps`); only 0–6 when asked — the
    detractors kept per data version (Today and the Feedback screen list them both)."""
    sql = _LATEST_NPS.format(only="AND s.nps <= 6" if detractors_only else "")
    if not detractors_only:
        return list(store.conn.execute(sql, {"day": as_of.isoformat()}))
    return list(cached(store, ("latest detractors", as_of),  # ~13k rows on a big file
                       lambda: tuple(store.conn.execute(sql, {"day": as_of.isoformat()})),
                       one_of="latest detractors"))

"""The Why screen (issue 14): the "why" behind every number.

- The six reasons panels of `reasons.py` (why chose us, stay, would not refer, left, deals
  lost, deals won: by segment, source and quarter with the > 10-point shift flag), and
  `lists.top_reasons`: each question's top reason with its share (compact, for Today).
- Would refer: the `would_refer_pct` card and its rate by segment (the "why not" panel is
  the not_refer reasons).
- Questionnaires: per question asked, responses, mean score / csat / NPS, comments and the
  incentives offered; responses by month with their incentive.
- Comments: `lists.comments`, the period's survey comments and tickets (which have no
  comment column: their topic · status · channel) — newest `COMMENT_CAP` — for the tab's
  search; the most frequent words and phrases in detractors' (NPS 0–6) and promoters'
  (9–10) comments (`domain/comment_words`, over the newest `WORD_CAP` comments of each);
  tickets by topic.
- Quality of service: responsiveness, reliability, repeat issues, assurance — catalogue
  metrics where METRICS.md defines them, else `domain/service_quality`'s own figures, each
  row carrying its definition.
Lost deals' analysis (reason × product/segment/size/owner, head-to-head per competitor)
is on the Lost prospects screen (`lost.py`), with the deals themselves.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from custdesk.domain import comment_words
from custdesk.domain.metric_catalogue import METRICS
from custdesk.domain.metric_values import MetricValue, nps, proportion
from custdesk.domain.metrics_feedback import FeedbackTotals, feedback_metrics_from_totals
from custdesk.domain.periods import Period
from custdesk.domain.reason_questions import BY_ID
from custdesk.domain.service_quality import AFTER_COMPLAINT_DAYS, QUALITY_BY_ID
from custdesk.services import metrics_service as ms
from custdesk.services.screens import honest, reasons
from custdesk.services.screens.model import Card, Screen
from custdesk.storage import Store, queries
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_kept as qk
from custdesk.storage import queries_why as qw
from custdesk.storage.beside import Pending, beside, waited_on_failure

NAME = "why"
CARDS = ("would_refer_pct", "lost_silent_pct", "csat_pct", "nps")
COMMENT_CAP = 5_000  # comments and tickets listed for search, newest first
WORD_CAP = 5_000  # comments counted per group, newest first (20k took 0.47 s in Python)
TREND_QUARTERS = reasons.TREND_QUARTERS

# (area, metric id) of the quality panel, in order; ids in METRICS are catalogue metrics
QUALITY_ROWS = (
    ("Responsiveness", "first_response_hours_median"),
    ("Responsiveness", "resolution_hours_median"),
    ("Reliability", "reliability_tickets"), ("Reliability", "reliability_per_100_orders"),
    ("Reliability", "reliability_share_pct"),
    ("Repeat issues", "repeat_contact_rate_pct"), ("Repeat issues", "follow_up_tickets"),
    ("Repeat issues", "follow_up_share_pct"),
    ("Assurance", "csat_after_complaint_pct"), ("Assurance", "nps_after_complaint"),
    ("Assurance", "csat_pct"), ("Assurance", "nps"),
)


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True
          ) -> Screen:
    """The Why screen for `period` (no monthly series: trends are by quarter)."""
    del with_series
    if reasons.is_empty(store):
        return Screen(NAME, period, label, empty=True)
    # the lost counts first: when not kept they take the second connections; when kept
    # (after Today) one counts the reasons and one reads the tickets and comments while
    # the cards' figures are summed here
    lost_of = lost_counts(store, period, ms.load_settings(store).window_days)
    counted = beside(store, lambda twin: reasons.reason_counts(twin, period))
    read = beside(store, lambda twin: _tickets_and_comments(twin, period))
    with waited_on_failure(*lost_of.values(), counted, read):
        return _finish(store, period, label, lost_of, counted, read)


def _finish(store: Store, period: Period, label: str,
            lost_of: dict[Period, Pending[tuple[int, int]]], counted: Pending[Any],
            read: Pending[tuple[list[dict[str, Any]], qw.ServiceCounts,
                                tuple[list[dict], int]]]) -> Screen:
    """The screen once its parts beside are started: the cards' figures and the tables
    read here, with the parts' reason counts, tickets and comments."""
    start, end = period.start, period.end
    now, prior, refer_by_segment = figures(store, period, lost_of)
    cards = {m: Card(m, now.get(m), prior.get(m)) for m in CARDS}
    tables = reasons.reason_tables(store, period, refer_by_segment, counted.result())
    tables["questionnaires"] = qw.questionnaires(store, start, end)
    tables["questionnaire_months"] = qw.questionnaire_months(store, start, end)
    tables["words"] = word_rows(*qw.nps_comments(store, start, end, WORD_CAP))
    topics, service, (comments, total) = read.result()
    tables["ticket_topics"] = topics
    tables["quality"] = quality_rows(now, service)
    notes: list[str] = [] if tables["reasons"] else [reasons.NOTHING_IN_PERIOD]
    if total > len(comments):
        notes.append(f"Comments: the newest {len(comments):,} of {total:,} are listed for "
                     "search; choose a shorter period to search older ones.")
    lists = {"top_reasons": top_reasons(tables["reasons"]), "comments": comments}
    return honest.finish(Screen(NAME, period, label, cards=cards, lists=lists, tables=tables,
                                notes=tuple(notes)))


def _tickets_and_comments(store: Store, period: Period) -> tuple[
        list[dict[str, Any]], qw.ServiceCounts, tuple[list[dict], int]]:
    """The period's tickets by topic, its service counts and its comments (the newest
    `COMMENT_CAP`, and how many there are)."""
    start, end = period.start, period.end
    return (qw.ticket_topics(store, start, end),
            qw.service_counts(store, start, end, AFTER_COMPLAINT_DAYS),
            qw.comments(store, start, end, COMMENT_CAP))


def figures(store: Store, period: Period,
            lost_of: dict[Period, Pending[tuple[int, int]]] | None = None) -> tuple[
        dict[str, MetricValue], dict[str, MetricValue], dict[str, MetricValue]]:
    """(the period's catalogue metrics this screen shows, the prior period's cards, and
    `would_refer_pct` by segment): what `compute_metrics` gives for them (tested equal),
    from their own sums — the period's feedback sums, the prior period's survey sums and
    ticket csat answers (its cards need no other ticket figure), the lost and silently
    lost customers of each, the order count — not the whole catalogue with its segment
    breakdown. (`lost_of`: `lost_counts` of the period, when the caller started them.)"""
    settings = ms.load_settings(store)
    prior_period = period.prior()
    if lost_of is None:
        lost_of = lost_counts(store, period, settings.window_days)
    # the file's sums alone (the Feedback tab's by segment when kept): Why shows no segment
    now = feedback_metrics_from_totals(qf.file_sums(store, period,
                                                    settings.repeat_contact_days))
    surveys = qf.feedback_totals(store, [("", prior_period)], settings.repeat_contact_days,
                                 tickets=False).get(("", ""), FeedbackTotals())
    good, answers = qw.ticket_csat(store, prior_period.start, prior_period.end)
    prior = feedback_metrics_from_totals(dataclasses.replace(
        surveys, csat_good=surveys.csat_good + good, csat_n=surveys.csat_n + answers))
    for values, p in ((now, period), (prior, prior_period)):
        lost, silent = lost_of[p].result()
        values["lost_silent_pct"] = proportion(silent, lost)
    now["orders_count"] = MetricValue(float(queries.orders_count(store, period).get("", 0)),
                                      None)
    now["would_refer_pct"], refer_by_segment = reasons.would_refer(store, period)
    return now, {m: prior[m] for m in CARDS}, refer_by_segment


def lost_counts(store: Store, period: Period, window: int
                ) -> dict[Period, Pending[tuple[int, int]]]:
    """The lost and silently lost of the period and of the prior one: from the catalogue's
    tallies when Today kept them (its period and the prior one), else each on a second
    connection meanwhile."""
    return {p: _lost_silent(store, p, window) for p in (period, period.prior())}


def _lost_silent(store: Store, period: Period, window: int) -> Pending[tuple[int, int]]:
    """(customers lost in the period, of them lost without a word): the kept catalogue
    tally's, else `queries_why.lost_silent` on a second connection (tested equal)."""
    tally = qk.customer_tally(store, period, window)
    if tally is not None:
        return Pending.ran(lambda: (tally.lost, tally.lost_silent))
    return beside(store, lambda twin: qw.lost_silent(twin, period, window))


def top_reasons(reason_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each question with answers in the period: its most given reason and that reason's
    share of the question's answers (ties: the reasons table's order, by name)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in reason_rows:  # each panel's rows come most answers first
        if r["panel"] in seen:
            continue
        seen.add(r["panel"])
        answers = sum(x["answers"] for x in reason_rows if x["panel"] == r["panel"])
        out.append({"panel": r["panel"], "question": BY_ID[r["panel"]].label,
                    "reason": r["reason"], "share_pct": r["share_pct"],
                    "answers": answers})
    return out


def word_rows(detractors: list[str], promoters: list[str]) -> list[dict[str, Any]]:
    """Ranked words and phrases of each group's comments: group, kind (word/phrase), rank,
    term, comments using it, and the group's comments counted."""
    out: list[dict[str, Any]] = []
    for group, texts in (("detractor", detractors), ("promoter", promoters)):
        singles, pairs = comment_words.word_ranking(texts)
        for kind, ranked in (("word", singles), ("phrase", pairs)):
            out += [{"group": group, "kind": kind, "rank": i, "term": term, "comments": n,
                     "of": len(texts)} for i, (term, n) in enumerate(ranked, start=1)]
    return out


def _row(area: str, metric: str, value: MetricValue | None, label: str, unit: str,
         definition: str) -> dict[str, Any]:
    return {"area": area, "metric": metric, "label": label, "unit": unit,
            "value": None if value is None else value.value,
            "n": None if value is None else value.n, "definition": definition}


def quality_rows(metrics: dict[str, MetricValue], c: qw.ServiceCounts
                 ) -> list[dict[str, Any]]:
    """The quality-of-service panel: one row per figure with its value, n and definition."""
    orders = metrics.get("orders_count")
    n_orders = int(orders.value) if orders is not None and orders.value else 0
    own = {
        "reliability_tickets": MetricValue(c.reliability, c.tickets),
        "reliability_per_100_orders": MetricValue(
            c.reliability / n_orders * 100 if n_orders else None, n_orders),
        "reliability_share_pct": proportion(c.reliability, c.tickets),
        "follow_up_tickets": MetricValue(c.follow_ups, c.tickets),
        "follow_up_share_pct": proportion(c.follow_ups, c.tickets),
        "csat_after_complaint_pct": proportion(c.csat_good, c.csat_n),
        "nps_after_complaint": nps(c.nps_scores),
    }
    rows = []
    for area, metric in QUALITY_ROWS:
        if metric in METRICS:
            info = METRICS[metric]
            rows.append(_row(area, metric, metrics.get(metric), info.label, info.unit,
                             info.formula))
        else:
            fig = QUALITY_BY_ID[metric]
            rows.append(_row(area, metric, own[metric], fig.label, fig.unit, fig.definition))
    return rows

"""Deals, tickets and surveys summed in SQL (issue 18) equal the pure-Python reference on
random files of every kind (`benchmarks.make_db` with random seeds and sizes), for single
periods, monthly series and breakdown groups; the lists' SQL selections equal the domain
rules; the hot queries' plans have no full scan for one customer and no correlated
sub-query per row."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain import lists
from custdesk.domain.metrics_all import Inputs, assemble
from custdesk.domain.metrics_deals import DealTotals, deal_totals
from custdesk.domain.metrics_feedback import FeedbackTotals, feedback_totals, ticket_day
from custdesk.domain.periods import Period, day
from custdesk.domain.records import StageKind
from custdesk.services import metrics_service as ms
from custdesk.storage import open_store, queries_deals, queries_feedback
from custdesk.storage import queries_records as rec
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
SEEDS = [1, 2, 3]


@pytest.fixture(scope="module", params=SEEDS)
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("kinds")) / "kinds.db", request.param, END,
                          customers=(20, 200), lines=(100, 2000), deals=(50, 600),
                          tickets=(50, 800), surveys=(20, 300))
    yield s
    s.close()


def _periods(rng: random.Random) -> list[tuple[str, Period]]:
    out = [("year", Period(END - timedelta(days=364), END)),
           ("all", Period(date(2016, 1, 1), END)), ("before", Period(date(2000, 1, 1),
                                                                    date(2000, 12, 31)))]
    for i in range(5):
        start = date(2017, 1, 1) + timedelta(days=rng.randint(0, 3400))
        out.append((f"r{i}", Period(start, start + timedelta(days=rng.randint(0, 400)))))
    return out + ms._month_periods(12, END)


def test_deal_totals_equal_reference(store) -> None:
    infos = ms.load_deal_infos(store)
    periods = _periods(random.Random(5))
    sql = queries_deals.deal_totals(store, periods)
    for key, period in periods:
        assert sql.get((key, ""), DealTotals()) == deal_totals(infos, period), key


@pytest.mark.parametrize("by", ["owner", "product", "segment"])
def test_deal_totals_by_group_equal_reference(store, by: str) -> None:
    infos = ms.load_deal_infos(store)
    names = rec.product_names(store)
    segments = rec.record_segments(store)
    groups = defaultdict(list)
    for d in infos:
        g = (d.deal.owner or "(none)" if by == "owner"
             else names.get(d.deal.product_id or -1, "(none)") if by == "product"
             else segments.get(d.deal.customer_id or 0))
        if g is not None:
            groups[g].append(d)
    period = Period(END - timedelta(days=364), END)
    sql = queries_deals.deal_totals(store, [("p", period)], by=by)
    assert {g for _, g in sql} <= set(groups)
    for g, items in groups.items():
        assert sql.get(("p", g), DealTotals()) == deal_totals(items, period), g


@pytest.mark.parametrize("repeat_days", [1, 7, 30])
def test_feedback_totals_equal_reference(store, repeat_days: int) -> None:
    tickets, surveys = rec.load_tickets(store), rec.load_surveys(store)
    periods = _periods(random.Random(repeat_days))
    sql = queries_feedback.feedback_totals(store, periods, repeat_days)
    for key, period in periods:
        assert sql.get((key, ""), FeedbackTotals()) == feedback_totals(
            tickets, surveys, period, repeat_days), key


def test_feedback_totals_by_segment_equal_reference(store) -> None:
    tickets, surveys = rec.load_tickets(store), rec.load_surveys(store)
    segments = rec.record_segments(store)
    period = Period(END - timedelta(days=700), END)
    sql = queries_feedback.feedback_totals(store, [("p", period)], 7, by="segment")
    for g in set(segments.values()):
        mine_t = [t for t in tickets if segments.get(t.customer_id) == g]
        mine_s = [s for s in surveys if segments.get(s.customer_id or 0) == g]
        assert sql.get(("p", g), FeedbackTotals()) == feedback_totals(mine_t, mine_s,
                                                                      period, 7), g


def test_catalogue_equals_records_path(store) -> None:
    """compute_metrics (SQL sums) == assemble over the records (load_inputs)."""
    for period in (Period(END - timedelta(days=364), END),
                   Period(date(2024, 3, 1), date(2024, 3, 31))):
        settings = ms.load_settings(store)
        sql = ms.compute_metrics(store, period).metrics
        ref = assemble(ms.load_inputs(store, period, settings), period)
        assert sql == ref


@pytest.mark.parametrize("metric", ["win_rate_pct", "discount_pct_avg", "nps",
                                    "repeat_contact_rate_pct", "first_response_hours_median",
                                    "renewal_rate_pct", "pipeline_weighted_value"])
def test_monthly_series_equal_per_month_catalogue(store, metric: str) -> None:
    series = ms.monthly_series(store, metric, 12, END)
    settings = ms.load_settings(store)
    for key, period in ms._month_periods(12, END):
        inputs: Inputs = ms.load_inputs(store, period, settings)
        assert dict(series)[key] == assemble(inputs, period)[metric].value, key


def test_lists_equal_reference(store) -> None:
    from custdesk.services import metrics_lists  # after metrics_service (import circle)

    infos = ms.load_deal_infos(store)
    for as_of in (END, END - timedelta(days=200), date(2020, 6, 30)):
        period = Period(as_of - timedelta(days=90), as_of)
        row = metrics_lists.deal_row
        assert ms.hot_prospects(store, period) == [row(d) for d in lists.hot(infos, as_of)]
        assert ms.stale_deals(store, period) == [row(d) for d in lists.stale(infos, as_of)]
        assert ms.slipped_deals(store, period) == [row(d) for d in
                                                   lists.slipped(infos, as_of)]
        lost = sorted((d for d in infos if d.kind is StageKind.LOST
                       and period.contains(d.closed)),
                      key=lambda d: d.deal.closed_on or "", reverse=True)
        assert ms.lost_deals(store, period) == [row(d) for d in lost]
        tickets = rec.load_tickets(store)
        assert queries_feedback.ticket_signals(store, as_of, 7, lists.REPEAT_LOOKBACK_DAYS) \
            == metrics_lists._ticket_signals(tickets, as_of, 7)
        latest = lists.latest_nps(rec.load_surveys(store), as_of)
        assert {cid: (n, d, c) for cid, n, d, c, _ in
                queries_feedback.latest_nps(store, as_of)} == {
            cid: (s.nps, s.date, s.comment) for cid, s in latest.items()}
        labels = rec.customer_labels(store)
        expected = sorted(((cid, labels.get(cid, ("?", None))[0], s.nps, s.date, s.comment)
                           for cid, s in latest.items() if s.nps is not None and s.nps <= 6),
                          key=lambda r: (r[3], r[0]), reverse=True)
        assert [(r.customer_id, r.customer, r.nps, r.date, r.comment)
                for r in ms.detractors(store, period)] == expected


def _plan(store, sql: str, params=()) -> str:
    return "\n".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_one_customer_views_use_indexes(store) -> None:
    """The customer story reads one customer's deals, tickets and surveys by index."""
    for table, index in (("deals", "deals_customer"), ("tickets", "tickets_customer"),
                         ("surveys", "surveys_customer")):
        plan = _plan(store, f"SELECT * FROM {table} WHERE customer_id = ?", (1,))
        assert f"SEARCH {table} USING INDEX {index}" in plan, plan
    plan = _plan(store, "SELECT * FROM orders WHERE customer_id = ? ORDER BY date, id", (1,))
    assert "SCAN orders" not in plan, plan


def test_hot_queries_have_no_correlated_subquery(store) -> None:
    period = Period(END - timedelta(days=364), END)
    payload = queries_deals._payload([("p", period)])
    deal_sql = queries_deals._SUMS.format(resolved=queries_deals._RESOLVED.format(
        grp="''", weighted="0", where=queries_deals._CAN_COUNT))
    fb = queries_feedback._TICKET_SUMS.format(grp="''", repeat="coalesce(rep.is_repeat, 0)",
                                              rep_join="LEFT JOIN rep ON rep.id = t.id",
                                              part="tk.tkey",
                                              in_range=queries_feedback._IN_RANGE,
                                              fan="")
    window = queries_feedback._range([("p", period)], 7)
    for sql, params in ((deal_sql, {"periods": payload, "first": period.start.isoformat()}),
                        (fb, {"periods": payload, "topics": "[]", "window_s": 1, **window}),
                        (queries_feedback.TICKET_SIGNALS_SQL,
                         {"topics": "[]", "window_s": 1, "day": "2026-01-01",
                          "since": "2025-12-01", "rep_lo": "2025-11-20"})):
        plan = _plan(store, sql, params)
        assert "CORRELATED" not in plan, plan
        # each big table is read once (no scan of deals/tickets per period or per row)
        assert plan.count("SCAN d\n") + plan.count("SCAN d") <= 2, plan


@pytest.mark.parametrize("by", ["topic", "channel"])
@pytest.mark.parametrize("repeat_days", [1, 7, 30])
def test_ticket_groups_equal_reference(store, by: str, repeat_days: int) -> None:
    """The Feedback tab's ticket table summed in SQL == the catalogue's rules over each
    group's tickets (repeats within a raw topic; earlier tickets stay in their group)."""
    tickets = rec.load_tickets(store)
    groups = defaultdict(list)
    for t in tickets:
        groups[getattr(t, by) or "(none)"].append(t)
    for _key, period in _periods(random.Random(repeat_days))[:8]:
        sql = queries_feedback.ticket_group_totals(store, period, repeat_days, by)
        for g, items in groups.items():
            opened, totals = sql.get(g, (0, FeedbackTotals()))
            assert opened == sum(1 for t in items
                                 if period.contains(day(ticket_day(t)))), (g, period)
            if opened:
                assert totals == feedback_totals(items, [], period, repeat_days), (g, period)
        assert set(sql) <= set(groups)


def test_tickets_by_equals_python_grouping(store) -> None:
    from custdesk.domain.metrics_feedback import feedback_metrics
    from custdesk.services.feedback_service import TicketGroup, tickets_by

    tickets = rec.load_tickets(store)
    for by in ("topic", "channel"):
        for period in (Period(END - timedelta(days=364), END), Period(date(2016, 1, 1), END)):
            groups = defaultdict(list)
            for t in tickets:
                groups[getattr(t, by) or "(none)"].append(t)
            expected = []
            for name, items in groups.items():
                opened = sum(1 for t in items if period.contains(day(ticket_day(t))))
                if not opened:
                    continue
                m = feedback_metrics(items, [], period, 7)
                expected.append(TicketGroup(
                    name, opened, int(m["complaints_count"].value or 0),
                    m["first_response_hours_median"].value, m["resolution_hours_median"].value,
                    m["csat_pct"].value,
                    m["repeat_contact_rate_pct"].value if by == "topic" else None))
            expected.sort(key=lambda g: (-g.tickets, g.name))
            assert tickets_by(store, period, by) == expected


def test_order_patterns_equal_median_gap(store) -> None:
    """Order-day count, last day and median gap from SQL == `lists.median_gap` over each
    customer's distinct order days (every customer ordering in the W days up to the day)."""
    from custdesk.storage import queries_lists as ql

    for as_of in (END, END - timedelta(days=200), date(2020, 6, 30)):
        for window in (30, 365):
            days = ql.order_days(store, as_of)
            recent = {cid for cid, ds in days.items() if ds and ds[-1] >= as_of
                      - timedelta(days=window)}
            patterns = ql.order_patterns(store, as_of, window)
            assert set(patterns) == recent
            for cid, (n, last, gap) in patterns.items():
                assert (n, last, gap) == (len(days[cid]), days[cid][-1],
                                          lists.median_gap(days[cid])), cid


def test_at_risk_equals_each_customers_own_records(store) -> None:
    """The at-risk list (SQL sums) == the rules over each active customer's own records."""
    from custdesk.domain.customer_state import is_active
    from custdesk.services import metrics_lists as ml
    from custdesk.storage import queries_lists as ql

    tickets, surveys = rec.load_tickets(store), rec.load_surveys(store)
    settings = ms.load_settings(store)
    nps_days = ml.nps_recent_days(store)
    for as_of in (END, END - timedelta(days=200), date(2020, 6, 30)):
        expected = {}
        for f in ql.customer_states(store, as_of):
            if not is_active(f, as_of, f.last_at_end, settings.window_days):
                continue
            inputs = ml._own_risk_inputs(
                ql.customer_orders(store, f.id), [t for t in tickets if t.customer_id == f.id],
                [s for s in surveys if s.customer_id == f.id], as_of,
                settings.repeat_contact_days)
            reasons = lists.risk_reasons(inputs, as_of, settings.window_days, nps_days)
            if reasons:
                expected[f.id] = reasons
        period = Period(as_of - timedelta(days=30), as_of)
        assert {r.customer_id: r.reasons for r in ms.at_risk(store, period)} == expected


@pytest.mark.parametrize("by", ["product", "owner", "category"])
def test_deal_and_sales_breakdowns_equal_records_path(store, by: str) -> None:
    """The product/owner/category breakdowns summed in SQL == grouping the records."""
    from custdesk.services.metrics_breakdowns import breakdown

    settings = ms.load_settings(store)
    for period in (Period(END - timedelta(days=364), END),
                   Period(date(2024, 3, 1), date(2024, 3, 31))):
        sql = ms.compute_metrics(store, period, by=(by,)).breakdowns[by]
        records = breakdown(store, ms.load_inputs(store, period, settings), period, by)
        assert sql == records


def test_leads_qualified_sql_equals_reference(store) -> None:
    """The stage-history SQL (only deals with a step in the period walked) counts what the
    pure-Python definition counts, over random periods of a file where every deal has a
    history."""
    from custdesk.domain.metrics_deals import leads_qualified
    from custdesk.storage.deal_history import stage_history

    deals = rec.load_deals(store)
    changes = sorted(((d.id, h["from_stage"], h["stage"], h["changed_on"], h["id"])
                      for d in deals for h in stage_history(store, d.id or 0)),
                     key=lambda c: (c[3], c[4]))
    assert changes, "make_db writes a stage history"
    stages = rec.load_stages(store)
    for key, period in _periods(random.Random(7)):
        assert queries_deals.leads_qualified(store, period) == leads_qualified(
            deals, [c[:4] for c in changes], stages, period), key


def test_leads_qualified_counts_a_creation_in_the_period_before_any_dated_change(
        tmp_path) -> None:
    """A deal created in March in Qualified (its first recorded change, to Proposal, is in
    April) entered Qualified in March: its creation day alone puts it among the deals
    walked."""
    from custdesk.domain.records import Deal
    from custdesk.storage import repository
    from custdesk.storage.deal_history import record_stage_change, stages_catalogue

    s = open_store(tmp_path / "q.db")
    try:
        repository.save_all(s, deals=[Deal("Proposal", id=1, created_on="2024-03-05"),
                                      Deal("Proposal", id=2, created_on="2024-01-05")])
        ids = {name: i for i, name, _, _ in stages_catalogue(s)}
        with s.transaction():
            record_stage_change(s, 1, ids["Qualified"], ids["Proposal"], "2024-04-10")
            record_stage_change(s, 2, ids["Qualified"], ids["Proposal"], "2024-04-10")
        march = Period(date(2024, 3, 1), date(2024, 3, 31))
        assert queries_deals.leads_qualified(s, march) == 1
        assert queries_deals.leads_qualified(s, Period(date(2024, 4, 1),
                                                       date(2024, 4, 30))) == 0
    finally:
        s.close()

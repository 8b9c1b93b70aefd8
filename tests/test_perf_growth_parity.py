"""The Why, Reasons, Lost prospects and Growth screens' own SQL (issue 18) equals the
pure-Python reference / the whole catalogue on random files of every kind
(`benchmarks.make_db` with random seeds and sizes, plus hand-made blanks: customers without
a segment, surveys and deals without a customer)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period, month_slots
from custdesk.services import growth_service as gs
from custdesk.services import metrics_service as ms
from custdesk.services.screens import growth, growth_markets, lost, reasons, why
from custdesk.services.screens.model import to_json
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_growth_costs as qc
from custdesk.storage import queries_growth_markets as qm
from custdesk.storage import queries_growth_pipeline as qp
from custdesk.storage import queries_growth_revenue as qr
from custdesk.storage import queries_why as qw
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
SEEDS = [4, 5, 6]


@pytest.fixture(scope="module", params=SEEDS)
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("growth")) / "kinds.db", request.param, END,
                          customers=(20, 200), lines=(100, 2000), deals=(50, 600),
                          tickets=(50, 800), surveys=(20, 300))
    with s.transaction():  # the blanks a real file has
        s.conn.execute("UPDATE customers SET segment = '' WHERE id % 7 = 0")
        s.conn.execute("UPDATE customers SET segment = NULL WHERE id % 11 = 0")
        s.conn.execute("UPDATE surveys SET customer_id = NULL WHERE id % 9 = 0")
        s.conn.execute("UPDATE deals SET customer_id = NULL WHERE id % 13 = 0")
        s.conn.execute("UPDATE customers SET segment = lower(segment) || ' ' WHERE id % 17 = 0")
        s.conn.execute("UPDATE customers SET source = upper(source) || ' ' "
                       "WHERE id % 19 = 0")  # sources spelled alike, blank, missing
        s.conn.execute("UPDATE customers SET source = '' WHERE id % 23 = 0")
        s.conn.execute("UPDATE customers SET source = NULL WHERE id % 29 = 0")
        # make_db records no marketing spend: some channels, alike spellings, every month
        s.conn.executemany(
            "INSERT INTO spend (month, amount_e4, channel) VALUES (?, ?, ?)",
            [(f"{y}-{m:02d}", (y * 7 + m * 13) % 50 * 10_000 + 1, ch)
             for y in range(2016, 2027) for m in range(1, 13)
             for ch in ("Web", "web ", "Referral", None)])
        # ship-to partly blank, partly spelled with spaces
        s.conn.execute("UPDATE orders SET country = NULL WHERE id % 5 = 0")
        s.conn.execute("UPDATE orders SET city = ' ' || city || ' ' WHERE id % 7 = 0")
        # make_db asks would-refer in questionnaires only: customer surveys answer it too
        s.conn.execute("UPDATE surveys SET would_refer = (id % 3 = 0) "
                       "WHERE kind = 'customer' AND id % 4 != 0")
    yield s
    s.close()


def _periods(rng: random.Random) -> list[Period]:
    out = [Period(END - timedelta(days=364), END), Period(date(2016, 1, 1), END),
           Period(END - timedelta(days=89), END), Period(date(2000, 1, 1), date(2000, 12, 31))]
    for _ in range(4):
        start = date(2017, 1, 1) + timedelta(days=rng.randint(0, 3400))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 400))))
    return out


@pytest.mark.parametrize("i", range(8))
def test_would_refer_equals_catalogue(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    report = ms.compute_metrics(store, period, by=("segment",))
    total, by_segment = reasons.would_refer(store, period)
    assert total == report.metrics["would_refer_pct"]
    assert i != 1 or (total.n and by_segment.get("(none)"))  # all time: answers, blanks
    expected = {g: v["would_refer_pct"] for g, v in report.breakdowns["segment"].items()
                if v["would_refer_pct"].n}
    assert {g: v for g, v in by_segment.items() if v.n} == expected


@pytest.mark.parametrize("i", range(8))
def test_why_figures_equal_catalogue(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    now, prior, _ = why.figures(store, period)
    full_now = ms.compute_metrics(store, period).metrics
    full_prior = ms.compute_metrics(store, period.prior()).metrics
    for metric in why.CARDS:
        assert now[metric] == full_now[metric], metric
        assert prior[metric] == full_prior[metric], metric
    for _area, metric in why.QUALITY_ROWS:
        if metric in full_now:
            assert now[metric] == full_now[metric], metric
    assert now["orders_count"].value == full_now["orders_count"].value
    assert i != 1 or (now["lost_silent_pct"].n and now["lost_silent_pct"].value)


@pytest.mark.parametrize("i", range(8))
def test_lost_screen_from_closed_deals_equals_all_deals(store, i: int) -> None:
    """Lost prospects read only the deals closed from the prior period's (or the trend's)
    start: the same screen as from every deal of the file."""
    period = _periods(random.Random(7))[i]
    reference = lost.from_deals(store, period, "p", ms.load_deal_infos(store),
                                qw.deal_extras(store))
    assert to_json(lost.build(store, period, "p")) == to_json(reference)
    assert i != 1 or (reference.lists["lost_deals"] and reference.tables["head_to_head"])


@pytest.mark.parametrize("i", range(8))
def test_segment_tables_from_customer_months_equal_their_queries(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    span = growth_markets.span_of(period)
    months = qm.customer_months(store, period, span)
    assert months.segment_months() == qc.segment_months(store, period)
    assert months.segment_quarters() == qm.segment_quarters(store, span)
    # revenue ties are in no order in SQL: compare as sets, then the order of revenues
    got, want = months.segment_source(), qm.segment_source(store, period)
    assert sorted(got) == sorted(want) and [r[3] for r in got] == [r[3] for r in want]
    assert i != 1 or months.segment_months()


@pytest.mark.parametrize("i", range(8))
def test_place_sums_equal_places_by_customer(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    want = sorted((*k, *t.as_tuple()[:5]) for *k, t in qm.places_by_customer(store, period))
    assert sorted(qm.place_sums(store, period)) == want
    assert i != 1 or want


@pytest.mark.parametrize("i", range(8))
def test_place_rows_summed_in_sql_equal_the_python_sums(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    got = growth_markets.place_rows(store, period)
    assert got == growth_markets.place_rows_reference(store, period)
    assert i != 1 or all(got[level] for level in growth_markets.LEVELS)
    assert growth_markets.place_rows(store, period, "city") == {"city": got["city"]}


@pytest.mark.parametrize("i", range(8))
def test_growth_segment_rows_from_sql_equal_reference(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    want = gs.segment_rows(period, gs._states(store, period))
    assert gs.segment_rows_sql(store, period) == want
    assert i != 1 or len(want) > 3


@pytest.mark.parametrize("i", range(8))
def test_qualified_by_month_equals_leads_qualified(store, i: int) -> None:
    """The growth pipeline's qualified leads per month (histories of the period's deals
    only) = the catalogue's `leads_qualified` month by month."""
    period = _periods(random.Random(7))[i]
    by_month = qp.qualified_by_month(store, period) or {}
    for s in month_slots(period.start, period.end):
        assert by_month.get(s.key, 0) == qd.leads_qualified(store, Period(s.start, s.end))
    assert i != 1 or sum(by_month.values())


def _stopped_reference(store, period: Period, window: int) -> list[tuple]:
    """Who bought a product in the prior period and not in this one, still active (the
    docstring of `stopped_buying`), from the lines in Python."""
    prior = period.prior()
    lines = store.conn.execute("SELECT customer_id, product_id, date, revenue_e4 FROM orders "
                               "WHERE product_id IS NOT NULL").fetchall()
    people = {i: (n, st, lo) for i, n, st, lo in store.conn.execute(
        "SELECT id, name, status, lost_on FROM customers")}
    products = dict(store.conn.execute("SELECT id, name FROM products"))
    last_any: dict[int, str] = {}
    for (c, d) in store.conn.execute("SELECT customer_id, date FROM orders"):
        if d <= period.end.isoformat() and d > last_any.get(c, ""):
            last_any[c] = d
    before: dict[tuple[int, int], list] = {}
    now = set()
    for c, p, d, rev in lines:
        if prior.start.isoformat() <= d <= prior.end.isoformat():
            acc = before.setdefault((c, p), [0, ""])
            acc[0] += rev
            acc[1] = max(acc[1], d)
        if period.start.isoformat() <= d <= period.end.isoformat():
            now.add((c, p))
    out = []
    for (c, p), (rev, last) in before.items():
        name, status, lost_on = people[c]
        if (c, p) in now or (status or "active") == "lost":
            continue
        if lost_on and lost_on[:10] <= period.end.isoformat():
            continue
        if (period.end - date.fromisoformat(last_any[c][:10])).days > window:
            continue
        out.append((c, name, products[p], rev, last, last_any[c]))
    return sorted(out, key=lambda r: (-r[3], r[1], r[2]))


@pytest.mark.parametrize("i", range(8))
def test_stopped_buying_equals_reference(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    rows, total = qr.stopped_buying(store, period, 365, limit=50)
    assert i != 0 or total > 0  # the last year: some stopped
    want = _stopped_reference(store, period, 365)
    assert total == len(want)
    assert [(r.customer_id, r.customer, r.product, r.prior_revenue_e4, r.last_bought,
             r.last_order) for r in rows] == want[:50]


@pytest.mark.parametrize("i", range(8))
def test_open_pipeline_at_equals_every_deal_reference(store, i: int) -> None:
    """Month ends' open pipeline with the histories of deals closed before the span left
    out = over every deal's history (ties on the last change kept)."""
    period = _periods(random.Random(7))[i]
    with store.transaction():  # a tie: two changes of one deal at the same time
        store.conn.execute(
            "INSERT INTO deal_stage_history (deal_id, from_stage_id, stage_id, changed_on) "
            "SELECT deal_id, stage_id, from_stage_id, changed_on FROM deal_stage_history "
            "WHERE id % 50 = 0 AND from_stage_id IS NOT NULL")
    ends = [s.end for s in month_slots(period.start, period.end)]
    want = qp.open_pipeline_at(store, ends, every_deal=True)
    assert qp.open_pipeline_at(store, ends) == want
    assert i != 0 or want


@pytest.mark.parametrize("i", range(8))
def test_top_products_by_month_equals_two_scan_reference(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    for top in (1, 5):
        want = qr.top_products_by_month_sql(store, period, top)
        assert sorted(qr.top_products_by_month(store, period, top)) == sorted(want)


@pytest.mark.parametrize("i", range(8))
def test_growth_card_figures_equal_catalogue(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    now, prior = growth.card_figures(store, period)
    full_now = ms.compute_metrics(store, period).metrics
    full_prior = ms.compute_metrics(store, period.prior()).metrics
    for metric in growth.CARDS:
        assert now[metric] == full_now[metric], metric
        assert prior[metric] == full_prior[metric], metric
    assert i != 1 or (now["customers_new"].value and now["cac"].value)


@pytest.mark.parametrize("i", range(8))
def test_growth_source_rows_from_sql_equal_reference(store, i: int) -> None:
    period = _periods(random.Random(7))[i]
    want = gs.source_rows(store, period)
    assert gs.source_rows_sql(store, period) == want
    assert i != 1 or sum(r.new_customers for r in want)

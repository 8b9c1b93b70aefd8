"""The demo business: deterministic for (seed, end), every record kind present and sensible."""

from __future__ import annotations

from dataclasses import asdict

from conftest import DEMO_END

from custdesk.domain.demo_data import SEGMENTS, generate_demo
from custdesk.domain.records import DEFAULT_STAGES
from custdesk.domain.scorecard import QUESTION_IDS
from custdesk.storage import repository


def _fingerprint(seed: int) -> list:
    business = generate_demo(seed=seed, end=DEMO_END)
    return [[asdict(r) for r in records] for records in vars(business).values()]


def test_same_seed_same_business() -> None:
    assert _fingerprint(7) == _fingerprint(7)


def test_other_seed_other_business() -> None:
    assert _fingerprint(7) != _fingerprint(8)


def test_every_kind_is_present() -> None:
    business = generate_demo(seed=7, end=DEMO_END)
    for kind, records in vars(business).items():
        assert records, f"no {kind} in the demo"
    assert 200 <= len(business.customers) <= 500
    assert {c.segment for c in business.customers} == set(SEGMENTS)
    assert {d.stage for d in business.deals} == {s.name for s in DEFAULT_STAGES}
    lost = [d for d in business.deals if d.stage == "Lost"]
    assert any(d.lost_reason for d in lost) and any(d.competitor for d in lost)
    assert {s.kind.value for s in business.surveys} == {
        "customer", "employee", "mystery_shop", "questionnaire"}
    assert len(business.assessments) == 2
    assert all({q for q, _ in a.answers} == QUESTION_IDS for a in business.assessments)
    assert all(o.cost_e4 is not None and o.cost_e4 > 0 for o in business.orders)
    assert all(p.target_margin_pct for p in business.products)
    assert any(c.status == "lost" and c.lost_reason for c in business.customers)


def test_demo_spans_two_years_up_to_end() -> None:
    business = generate_demo(seed=7, end=DEMO_END)
    dates = sorted(o.date for o in business.orders)
    assert dates[-1] <= DEMO_END.isoformat()
    assert dates[-1] >= "2026-10-01"  # recent activity, so "this month" has something
    assert dates[0] <= "2024-12-01"


def test_demo_in_database_matches_generator(demo_store) -> None:
    business = generate_demo(seed=7, end=DEMO_END)
    counts = repository.table_counts(demo_store)
    assert counts["customers"] == len(business.customers)
    assert counts["orders"] == len(business.orders)
    assert counts["deals"] == len(business.deals)
    total = demo_store.conn.execute("SELECT sum(revenue_e4) FROM orders").fetchone()[0]
    assert total == sum(o.revenue_e4 for o in business.orders)

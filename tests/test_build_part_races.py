"""A screen's part on a second connection (storage/beside.py) and what happens around it
(review of issue 18's round 8): a write landing while the Customers build makes its LTV
beside is never kept with the rows of after it, and a build whose own part fails waits
for the part beside before it raises (else the part runs on into the next build): Today,
Customers, New, Growth's cards, Feedback, Why and Margins."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import card_metrics
from custdesk.services import feedback_service as fb
from custdesk.services.screens import customers as cs
from custdesk.services.screens import feedback, growth, today, why
from custdesk.services.screens import new as new_screen
from custdesk.storage import beside, open_store, queries
from custdesk.storage import queries_why as qw
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
YEAR = Period(END - timedelta(days=364), END)


@pytest.fixture
def store(tmp_path: Path):
    s = random_kinds_file(tmp_path / "races.db", 71, END, customers=60, lines=600,
                          deals=150, tickets=100, surveys=60)
    yield s
    s.close()


def test_a_write_while_the_ltv_is_made_beside_is_not_kept(store, monkeypatch) -> None:
    """Review: the LTV made beside before another connection's commit (the window: an
    import, an edit) and the table rows after it were kept under the new data version —
    served by every later build until the next write."""
    monkeypatch.setattr(beside, "ENABLED", True)
    lists = cs.work_lists

    def lists_then_a_write(s, period, *parts):
        out = lists(s, period, *parts)  # the LTV is made beside meanwhile (first there)
        other = sqlite3.connect(store.path)
        other.execute("UPDATE orders SET revenue_e4 = revenue_e4 * 3")
        other.commit()
        other.close()
        return out

    monkeypatch.setattr(cs, "work_lists", lists_then_a_write)
    cs.build(store, YEAR, "x")  # built across the write: may mix, never kept
    monkeypatch.setattr(cs, "work_lists", lists)
    again = cs.build(store, YEAR, "x")
    fresh = open_store(store.path, lock=False)
    try:
        assert again == cs.build_reference(fresh, YEAR, "x")
    finally:
        fresh.close()


class _Slow:
    """A part beside that takes a while, and says when it ended."""

    def __init__(self, fn) -> None:
        self.fn, self.ended = fn, threading.Event()

    def __call__(self, *args, **kwargs):
        time.sleep(0.3)
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.ended.set()


def _fails(*_args, **_kwargs):
    raise RuntimeError("the lists failed")


def test_a_failed_today_build_waits_for_its_figures(store, monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", True)
    slow = _Slow(today.card_figures)
    monkeypatch.setattr(today, "work_lists", _fails)
    with pytest.raises(RuntimeError, match="the lists failed"):
        today._build(store, YEAR, "x", False, slow)
    assert slow.ended.is_set()


def test_a_failed_customers_build_waits_for_its_figures(store, monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", True)
    slow = _Slow(cs.figures.cards_and_segments)
    monkeypatch.setattr(cs, "work_lists", _fails)
    with pytest.raises(RuntimeError, match="the lists failed"):
        cs._build(store, YEAR, "x", True, slow)
    assert slow.ended.is_set()


# screen -> (the part beside made slow: module, name; its own part made to fail: module,
# name; the build). Growth's cards sum both periods' discounts beside; Why, with nothing
# kept (no Today before), its lost counts.
WAITING_BUILDS = {
    "new": (card_metrics, "card_figures_and_prior_then", new_screen, "end_quality_tables",
            lambda s: new_screen.build(s, YEAR, "x")),
    "growth cards": (queries, "discount_totals", growth.qgp, "leads_created",
                     lambda s: growth.card_figures(s, YEAR)),
    "feedback": (fb, "period_sums", fb, "screen_tickets",
                 lambda s: feedback.build(s, YEAR, "x")),
    "why": (qw, "lost_silent", why, "figures", lambda s: why.build(s, YEAR, "x")),
}


@pytest.mark.parametrize("screen", sorted(WAITING_BUILDS))
def test_a_failed_build_waits_for_its_part_beside(store, monkeypatch, screen) -> None:
    slow_in, slow_name, failing_in, failing_name, build = WAITING_BUILDS[screen]
    monkeypatch.setattr(beside, "ENABLED", True)
    slow = _Slow(getattr(slow_in, slow_name))
    monkeypatch.setattr(slow_in, slow_name, slow)
    monkeypatch.setattr(failing_in, failing_name, _fails)
    with pytest.raises(RuntimeError, match="the lists failed"):
        build(store)
    assert slow.ended.is_set()


@pytest.mark.parametrize("failing", ["main", "beside"])
def test_a_failed_margins_build_waits_for_its_series(store, monkeypatch, failing) -> None:
    """Margins makes its monthly series beside, after the groups: a failure of its own
    sums, or of the other part beside, waits for it."""
    from custdesk.services import margins_service as mg
    from custdesk.services import metrics_service as ms
    from custdesk.services.screens import margins

    monkeypatch.setattr(beside, "ENABLED", True)
    slow = _Slow(mg.monthly_sales)
    monkeypatch.setattr(mg, "monthly_sales", slow)
    if failing == "main":
        sales = ms.sales_report
        monkeypatch.setattr(ms, "sales_report", lambda s, p, ids, by=(): (
            _fails() if by else sales(s, p, ids, by=by)))
    else:
        monkeypatch.setattr(ms, "sales_groups", _fails)
    with pytest.raises(RuntimeError, match="the lists failed"):
        margins.build(store, YEAR, "x")
    assert slow.ended.is_set()


def test_a_failed_build_of_the_periods_own_figures_waits_for_the_priors_lane(
        store, monkeypatch) -> None:
    """Review: `card_metrics.card_figures_and_prior_then` raised while the prior's lane
    (for Customers: the build's shared parts too) still ran on its connection."""
    monkeypatch.setattr(beside, "ENABLED", True)
    real = card_metrics._figures
    slow = _Slow(real)

    def figures(s, period, wanted, settings, sums, key):
        if key == "now":
            raise RuntimeError("the lists failed")
        return slow(s, period, wanted, settings, sums, key)

    monkeypatch.setattr(card_metrics, "_figures", figures)
    with pytest.raises(RuntimeError, match="the lists failed"):
        cs.build(store, YEAR, "x")
    assert slow.ended.is_set()

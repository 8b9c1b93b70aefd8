"""A result kept under another key than the one being computed (`queries_cache.seed`) is
never one computed while another connection wrote: the catalogue of a period and its prior
period, kept for `compute_metrics` too, would otherwise be served stale until the next
write (found in review: revenue served at a tenth of the file's after the write)."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_cache
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
PERIOD = Period(date(2026, 1, 1), END)


@pytest.fixture
def store(tmp_path):
    s = random_kinds_file(tmp_path / "race.db", 21, END, customers=(30, 150),
                          lines=(200, 1500), deals=(100, 600))
    yield s
    s.close(backup_if_changed=False)


def write_from_another_connection(store) -> None:
    other = sqlite3.connect(store.path)
    other.execute("UPDATE orders SET revenue_e4 = revenue_e4 * 10")
    other.commit()
    other.close()


def test_a_write_during_the_pair_leaves_no_stale_catalogue(store, monkeypatch) -> None:
    queries_cache.clear(store)
    real = ms._catalogue
    calls = []

    def then_another_connection_writes(*args, **kwargs):
        report = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:  # both reports made: the window commits an edit
            write_from_another_connection(store)
        return report

    monkeypatch.setattr(ms, "_catalogue", then_another_connection_writes)
    ms.compute_metrics_and_prior(store, PERIOD)
    monkeypatch.setattr(ms, "_catalogue", real)
    fresh = real(store, PERIOD, (), ms.load_settings(store)).metrics
    assert ms.compute_metrics(store, PERIOD).metrics == fresh
    fresh_prior = real(store, PERIOD.prior(), (), ms.load_settings(store)).metrics
    assert ms.compute_metrics(store, PERIOD.prior()).metrics == fresh_prior


def test_seed_keeps_a_value_only_when_nobody_wrote_and_replaces_an_older_one(store) -> None:
    queries_cache.clear(store)
    before = queries_cache.data_version(store)
    queries_cache.seed(store, "k", "first", before, small=True)
    assert queries_cache.cached(store, "k", lambda: "computed", small=True) == "first"
    queries_cache.seed(store, "k", "second", before, small=True)
    assert queries_cache.cached(store, "k", lambda: "computed", small=True) == "second"
    since = queries_cache.data_version(store)
    write_from_another_connection(store)
    queries_cache.seed(store, "k", "mixed", since, small=True)
    assert queries_cache.cached(store, "k", lambda: "computed", small=True) == "computed"

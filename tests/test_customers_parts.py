"""The Customers build's shared parts (customers_parts.py): each made once, whichever lane
asks first; `help` never waits for a part being made elsewhere and leaves made ones; a
lane needing the result waits for it; a failure is not kept (the next ask makes it)."""

from __future__ import annotations

import threading

import pytest

from custdesk.services.screens.customers_parts import Part, Parts


def test_made_once_and_help_skips_a_part_being_made() -> None:
    began, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(store) -> str:
        calls.append(store)
        began.set()
        release.wait(5)
        return f"made on {store}"

    part = Part(slow)
    other = Part(lambda store: calls.append(store) or f"other on {store}")
    parts = Parts([("slow", part), ("other", other)])
    lane = threading.Thread(target=lambda: parts.help("twin"))
    lane.start()
    assert began.wait(5)
    parts.help("main", reverse=True)  # 'other' here, 'slow' left to the twin (no wait)
    assert calls == ["twin", "main"] and lane.is_alive()
    waited: list[str] = []
    needs = threading.Thread(target=lambda: waited.append(parts["slow"]("main")))
    needs.start()
    needs.join(0.1)
    assert needs.is_alive()  # the result is waited for
    release.set()
    lane.join(5)
    needs.join(5)
    assert waited == ["made on twin"] and parts["other"]("twin") == "other on main"
    parts.help("again")
    assert calls == ["twin", "main"]  # nothing made twice


def test_a_failed_part_is_made_again_when_asked() -> None:
    tries: list[int] = []

    def flaky(_store) -> int:
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("interrupted")
        return len(tries)

    part = Part(flaky)
    with pytest.raises(RuntimeError):
        part.help("twin")
    assert part("main") == 2 and part("main") == 2


def test_take_hands_the_result_once_and_a_made_part_lets_its_inputs_go() -> None:
    import gc
    import weakref

    class States(list):
        pass

    states = States([1, 2, 3])
    seen = weakref.ref(states)
    part = Part(lambda _store, held=states: sum(held))
    del states
    part.help("twin")
    gc.collect()
    assert seen() is None  # made: what it was made from is gone (a build's 35k states)
    assert part.take("main") == 6
    with pytest.raises(RuntimeError):
        part.take("main")
    part.help("twin")  # taken: never made again


# ----- the Customers lists and table from the parts equal those made without them --------
@pytest.fixture(scope="module", params=[51, 52])
def store(request, tmp_path_factory):
    import random
    from pathlib import Path

    from tests.random_kinds import MID_SIZE, random_kinds_file

    s = random_kinds_file(Path(tmp_path_factory.mktemp("parts")) / "parts.db", request.param,
                          END, rng=random.Random(request.param), **MID_SIZE)
    yield s
    s.close()


END = __import__("datetime").date(2026, 11, 24)


@pytest.mark.parametrize("twins", [False, True])
def test_lists_and_table_from_parts_equal_those_made_alone(store, monkeypatch, twins) -> None:
    from custdesk.services import growth_service
    from custdesk.services import metrics_service as ms
    from custdesk.services.screens import customers
    from custdesk.storage import beside, queries_cache
    from tests.random_kinds import boundary_periods

    monkeypatch.setattr(beside, "ENABLED", twins)
    shown = 0
    for period in boundary_periods(END):
        queries_cache.clear(store)
        alone = customers.work_lists(store, period)
        table = ms.customer_rows(store, period.end,
                                 growth_service.ltv_by_customer(store, period.end))
        queries_cache.clear(store)
        parts = customers.shared_parts(store, period)
        lane = beside.beside(store, parts.help)  # another lane going through them meanwhile
        got = customers.work_lists(store, period, parts)
        lane.result()
        assert got == alone, period
        assert list(got) == list(alone)
        assert parts["table"](store) == table, period
        shown += len(alone["lost"]) * len(alone["new"]) * len(alone["renewed"])
    assert shown  # (a period with every kind of list)


@pytest.mark.parametrize("twins", [False, True])
def test_the_trend_made_as_a_part_is_build_series(store, monkeypatch, twins) -> None:
    """The renewal trend is one of the build's parts (the tab gets it in its one load)."""
    from custdesk.services.screens import customers
    from custdesk.storage import beside, queries_cache
    from tests.random_kinds import boundary_periods

    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in boundary_periods(END)[:4]:
        queries_cache.clear(store)
        expected = customers.build_series(store, period)
        queries_cache.clear(store)
        screen = customers.build(store, period, "p")
        assert screen.series == expected and expected, period
        assert not customers.build(store, period, "p", with_series=False).series

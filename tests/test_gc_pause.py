"""`collector_paused` keeps cyclic collection off inside its block (and while another
thread's pause runs) and gives the collector back as it found it — on, or off when a caller
had already paused it — even on an error."""

from __future__ import annotations

import gc

import pytest

from custdesk.domain.gc_pause import collector_paused


def test_off_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error() -> None:
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("x")
    assert gc.isenabled()


def test_a_caller_that_paused_it_keeps_it_paused() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is not ended by the inner one
        with collector_paused(), collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _in_thread(fn) -> None:
    import threading

    t = threading.Thread(target=fn)
    t.start()
    t.join()


def test_pauses_of_two_threads_overlapping_end_with_it_on() -> None:
    """Review: thread C began its pause while thread D's held the collector off, D ended
    first; C, having found it off, never switched it back on — off for good. One count
    of the pauses: off while any runs, on after the last."""
    first, second = collector_paused(), collector_paused()
    first.__enter__()  # D's pause
    entered: list[bool] = []
    _in_thread(lambda: (second.__enter__(), entered.append(gc.isenabled())))  # C's
    first.__exit__(None, None, None)  # D ends first
    assert entered == [False]
    assert not gc.isenabled()  # C's pause still runs
    _in_thread(lambda: second.__exit__(None, None, None))
    assert gc.isenabled()


def test_pauses_ending_in_the_order_they_began() -> None:
    outer, inner = collector_paused(), collector_paused()
    outer.__enter__()
    _in_thread(inner.__enter__)
    _in_thread(lambda: inner.__exit__(None, None, None))
    assert not gc.isenabled()  # the first pause still runs
    outer.__exit__(None, None, None)
    assert gc.isenabled()

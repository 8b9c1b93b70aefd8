"""`collector_paused` keeps cyclic collection off inside its block and gives the collector
back as it found it — on, or off when a caller had already paused it — even on an error."""

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

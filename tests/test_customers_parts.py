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

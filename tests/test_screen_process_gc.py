"""Joining a big result in the window's process runs no cyclic collection (each full one
walked every row made so far holding the GIL: 45-130 ms stalls on the big file), and leaves
the collector as it found it."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from custdesk.services.screen_process import join_pickled, split_pickled


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    tags: list[str]


def test_join_runs_no_collection_and_restores_the_collector() -> None:
    value = {"customers": [Row(i, f"c{i}", [str(i)]) for i in range(60_000)],
             "small": [1, 2, 3]}
    main, layout, chunks = split_pickled(value)
    assert len(chunks) > 10  # cut in pieces: the long list went in chunks
    seen: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            seen.clear()
            joined = join_pickled(main, layout, chunks)
            assert seen == []
            assert gc.isenabled() is enabled
            assert joined == value
    finally:
        gc.callbacks.remove(note)
        gc.enable()

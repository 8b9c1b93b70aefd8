"""What the window does while a tab's numbers are not in yet (issue 18's hidden tabs give
their big screen back and reload it when shown): File ▸ Export / Print say so instead of
writing an empty file, and steps a previous screen queued never draw over a newer one."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QMessageBox

from custdesk.ui import idle_queue
from tests.ui_helpers import HeldRunner

pytestmark = pytest.mark.usefixtures("quiet_ui")


Queued = HeldRunner  # (the name these tests use)


@pytest.mark.parametrize("action", ["export_dialog", "print_dialog"])
def test_export_or_print_while_the_tab_is_loading_says_so(qtbot, demo_window, monkeypatch,
                                                          action) -> None:
    tab = demo_window.current_tab()
    runner = Queued()
    tab.runner = runner
    tab.data = None  # given back while hidden; the reload is running
    tab.refresh()
    assert tab.still_loading()
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    monkeypatch.setattr(tab, action, lambda: pytest.fail("an empty export or printout"))
    getattr(demo_window, action)()
    assert told and "still loading" in told[0] and tab.title in told[0]
    runner.drain()
    assert tab.data is not None and not tab.still_loading()


def test_a_newer_screen_drops_what_the_older_one_queued(qtbot, demo_window) -> None:
    """Even an empty one (nothing drawn, so the tab's own drawing cancels nothing)."""
    tab = demo_window.current_tab()
    drawn: list[str] = []
    idle_queue.later(tab, lambda: drawn.append("the older screen's list"))
    tab._loaded(dataclasses.replace(tab.data, empty=True))  # before the queued step ran
    qtbot.waitUntil(lambda: idle_queue.pending() == 0, timeout=10_000)
    assert "the older screen's list" not in drawn

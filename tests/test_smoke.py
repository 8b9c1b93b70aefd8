"""The smoke test waits until each tab's data is painted and fails, naming the tab, when a
tab shows its error line or its empty state on a file that holds data for it."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QApplication

from custdesk.services.screens.model import Screen
from custdesk.ui.app import DATA_FOR_TAB, smoke


@pytest.fixture
def window(qtbot, quiet_ui, demo_store):
    from custdesk.ui.main_window import MainWindow

    w = MainWindow(demo_store, persist_state=False)
    qtbot.addWidget(w)
    yield w
    w.set_store(None)


def run_smoke(window) -> int:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return smoke(window, app, time.perf_counter(), None)


def test_smoke_passes_on_the_demo(window, capsys) -> None:
    assert run_smoke(window) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "until painted" in out and "smoke test passed" in out


def _empty(store, period, label: str = "", **_kw) -> Screen:
    return Screen(name="fake", period=period, period_label=label, empty=True)


@pytest.mark.parametrize("slug", sorted(DATA_FOR_TAB))
def test_empty_state_on_a_file_with_data_fails_naming_the_tab(
        window, capsys, monkeypatch: pytest.MonkeyPatch, slug: str) -> None:
    from custdesk.services.screens import plan

    page = next(p for p in window.tab_pages if p.slug == slug)
    monkeypatch.setattr(page.screen_module, "build", _empty)
    if slug == "margins":  # the Margins tab shows the sales plan too: empty only if both are
        monkeypatch.setattr(plan, "build", _empty)
    assert run_smoke(window) == 1
    err = capsys.readouterr().err
    assert f"tab {slug} shows its empty state although the file holds" in err
    others = [s for s in DATA_FOR_TAB if s != slug and f"tab {s} " in err]
    assert others == []  # only the broken tab is named


def test_a_tab_error_fails_the_smoke_test(window, capsys,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from custdesk.services.screens import scorecard

    def broken(*_a: object, **_k: object) -> Screen:
        raise ImportError("cannot import name 'compute_metrics'")

    monkeypatch.setattr(scorecard, "build", broken)
    assert run_smoke(window) == 1
    assert "tab scorecard could not refresh" in capsys.readouterr().err


def test_an_empty_file_may_show_empty_states(qtbot, quiet_ui, store, capsys) -> None:
    from custdesk.ui.main_window import MainWindow

    w = MainWindow(store, persist_state=False)
    qtbot.addWidget(w)
    assert run_smoke(w) == 0, capsys.readouterr().err
    assert any(p.is_empty_state() for p in w.tab_pages if p.slug in DATA_FOR_TAB)
    w.set_store(None)

"""What the tab tests share: a quiet Qt environment and a tab on a store for a period."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QSettings

from custdesk.domain.periods import Period
from custdesk.ui import formatting as fmt
from custdesk.ui import worker


@pytest.fixture
def quiet_ui(tmp_path: Path) -> Iterator[None]:
    """Synchronous runner, pinned locale, QSettings outside the user's profile."""
    QCoreApplication.setOrganizationName("custdesk-tests")
    QCoreApplication.setApplicationName("custdesk-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    old_locale = fmt._state["locale"]
    fmt._state["locale"] = QLocale("en_US")
    worker.set_default_runner(worker.SyncRunner())
    yield
    worker.set_default_runner(None)
    fmt._state["locale"] = old_locale


def make_tab(qtbot, cls, store, period: Period):  # noqa: ANN001, ANN201
    """A tab of class `cls` showing `store` for `period`, loaded synchronously."""
    tab = cls()
    qtbot.addWidget(tab)
    tab.set_period(period, refresh=False)
    tab.set_store(store)
    return tab

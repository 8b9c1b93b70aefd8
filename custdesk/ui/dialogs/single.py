"""One dialog per key (a file, or a file and a record): the open one is raised, not doubled.

Each dialog class keeps its own `_open` dict (tests read it); these two functions are the
whole rule, so every dialog raises, shows and frees itself the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from PySide6.QtWidgets import QDialog

D = TypeVar("D", bound=QDialog)
K = TypeVar("K", bound=Hashable)


def open_one(open_: dict[K, D], key: K | None, make: Callable[[], D]) -> D:
    """The dialog already open under `key`, raised to the front; else a new one from `make`,
    shown non-modal. A None key (a record not saved yet) always makes a new one."""
    if key is not None and key in open_:
        dialog = open_[key]
        dialog.raise_()
        dialog.activateWindow()
        return dialog
    dialog = make()
    dialog.open()
    return dialog


def keep_one(open_: dict[K, D], key: K | None, dialog: D) -> None:
    """Record `dialog` as the one open under `key` until Qt frees it (WA_DeleteOnClose)."""
    if key is None:
        return
    open_[key] = dialog
    dialog.destroyed.connect(lambda *_: open_.pop(key, None))

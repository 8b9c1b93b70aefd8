"""Edits made in the app: each one transaction, logged so that Edit ▸ Undo can take it back.

Every service that writes what the owner typed wraps the write in `recorded`:

    with edits.recorded(store, "Edit deal Acme renewal"):
        ...writes...

which (1) takes a backup first, like an import does, unless one was taken in the last
`BACKUP_EVERY` (an edit is small and already undoable from the log; a backup per click
would push the before-import copies out of the ten newest the rotation keeps; none while
the file holds no business data yet), (2) opens
the write transaction and (3) logs what changed (storage/edit_log.py). A `recorded` block
inside another one joins it: one edit, the outer label. `undo_last_edit` takes back the
newest edit not undone yet (the log keeps the newest 50); `newest_undo` says whether the
newest undoable thing is an edit or an import, for the one Edit ▸ Undo entry (by the
import batch id each edit records, not by clocks).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from custdesk.storage import edit_log, queries_summary
from custdesk.storage.backups import create_backup, list_backups
from custdesk.storage.edit_log import EditUndoRefusedError, LoggedEdit
from custdesk.storage.errors import DiskError
from custdesk.storage.import_writes import list_batches
from custdesk.storage.store import Store

__all__ = ["BACKUP_EVERY", "EditUndoRefusedError", "LoggedEdit", "NewestUndo",
           "last_edit", "newest_undo", "recent_edits", "recorded", "undo_last_edit"]

BACKUP_EVERY = timedelta(minutes=10)

_recording: set[int] = set()  # id() of the stores inside a `recorded` block


@contextmanager
def recorded(store: Store, label: str) -> Iterator[Store]:
    """One edit: a backup (see above), one transaction, its changes logged under `label`."""
    if id(store) in _recording:  # part of an outer edit
        with store.transaction():
            yield store
        return
    if not store.conn.in_transaction:
        _backup_if_due(store)
    _recording.add(id(store))
    try:
        with store.transaction(), edit_log.recording(store.conn, label):
            yield store
    finally:
        _recording.discard(id(store))


def _backup_if_due(store: Store) -> None:
    if not edit_log.holds_business(store.conn):
        return  # a new, empty file: nothing to lose yet
    newest = list_backups(store.path)
    if newest and datetime.now() - newest[0].taken_at < BACKUP_EVERY:
        return
    try:
        create_backup(store, reason="before-edit")
    except DiskError:
        # the edit is still undoable from the log; a full disk shows on the next import
        pass


def last_edit(store: Store) -> LoggedEdit | None:
    """The newest edit not undone yet (None when there is none)."""
    return edit_log.last_edit(store.conn)


def recent_edits(store: Store, limit: int = edit_log.KEEP) -> list[LoggedEdit]:
    return edit_log.recent_edits(store.conn, limit)


def undo_last_edit(store: Store) -> str:
    """Take back the newest edit (one transaction); its label. EditUndoRefusedError, with
    nothing changed, when there is none or a later edit or import changed its rows."""
    edit = last_edit(store)
    if edit is None:
        raise EditUndoRefusedError("there is no edit to undo")
    # an undone delete puts order lines back: the order summary is rebuilt in the same
    # transaction (else every read summed from the lines until the file was reopened)
    with queries_summary.kept_in_step(store):
        edit_log.undo_edit(store.conn, edit.id)
    return edit.label


@dataclass(frozen=True)
class NewestUndo:
    kind: Literal["edit", "import"]
    label: str  # "Undo Edit deal Acme" / "Undo import of orders.xlsx"
    at: str
    edit_id: int | None = None
    batch_id: int | None = None


def newest_undo(store: Store) -> NewestUndo | None:
    """The newest thing Edit ▸ Undo would take back: the last edit or the last import
    (whichever happened later), None when there is neither."""
    edit = last_edit(store)
    batches = list_batches(store)
    batch = batches[0] if batches else None
    batch_at = str(batch["finished_at"] or batch["started_at"]) if batch else ""
    # an edit made after batch N records N: a larger batch id is an import made after it
    if edit is not None and (batch is None or int(batch["id"]) <= edit.after_batch):
        return NewestUndo("edit", f"Undo {edit.label}", edit.made_at, edit_id=edit.id)
    if batch is not None:
        name = str(batch["source_file"]).replace("\\", "/").rsplit("/", 1)[-1]
        return NewestUndo("import", f"Undo import of {name}", batch_at,
                          batch_id=int(batch["id"]))
    return None

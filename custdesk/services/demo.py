"""Write the demo business into a database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from custdesk.domain.demo_data import DEMO_BUSINESS_NAME, generate_demo
from custdesk.storage import repository
from custdesk.storage.database import Store, open_store


class DatabaseNotEmptyError(Exception):
    pass


def write_demo(store: Store, seed: int = 7, end: date | None = None) -> dict[str, int]:
    """Fill an empty database with the demo business; returns the rows written per table.

    One transaction for the records and their order summary (`repository.save_all`)."""
    if not repository.is_empty(store):
        raise DatabaseNotEmptyError(
            f"{store.path.name} already holds data; the demo only goes into an empty database."
        )
    business = generate_demo(seed=seed, end=end)
    repository.save_all(store, **vars(business))
    repository.set_setting(store, "business_name", DEMO_BUSINESS_NAME)
    return repository.table_counts(store)


def create_demo(path: Path, seed: int = 7, end: date | None = None, *,
                replace: bool = False) -> dict[str, int]:
    """`custdesk demo`: the demo business in the file at `path`. With `replace`, an
    existing custdesk file is deleted first — under its lock, like every writer, so a file
    another custdesk process has open is refused (DatabaseInUseError), never deleted."""
    store = open_store(path, replace=replace)
    try:
        return write_demo(store, seed=seed, end=end)
    finally:
        store.close()

"""The demo business: written into its own file, and recognised there.

"Explore the demo business" (the first-run welcome, Help ▸) writes the demo into
`files.demo_db_path()` — never into the owner's `custdesk.db` — and marks the file with the
`demo_file` setting, so the window can say DEMO and an import into it asks first.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from custdesk.domain.demo_data import DEMO_BUSINESS_NAME, generate_demo
from custdesk.storage import repository
from custdesk.storage.database import Store, open_store
from custdesk.storage.demo_extras import save_demo_extras

DEMO_SETTING = "demo_file"


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
    records = dict(vars(business))
    interactions, costs = records.pop("interactions"), records.pop("costs")
    actions, onboarding = records.pop("actions"), records.pop("onboarding")
    repository.save_all(store, **records)
    # the fields and kinds save_all does not know (line geography, follow-ups, ...)
    save_demo_extras(store, orders=business.orders, tickets=business.tickets,
                     surveys=business.surveys, deals=business.deals,
                     interactions=interactions, costs=costs, actions=actions,
                     onboarding=onboarding)
    repository.set_setting(store, "business_name", DEMO_BUSINESS_NAME)
    repository.set_setting(store, DEMO_SETTING, "1")
    return repository.table_counts(store)


def is_demo(store: Store) -> bool:
    """Whether `store` is a demo file: marked by `write_demo`, or (files written before the
    mark existed) still named after the demo business."""
    settings = repository.get_settings(store)
    return (settings.get(DEMO_SETTING) == "1"
            or settings.get("business_name", "").strip() == DEMO_BUSINESS_NAME)


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


def ensure_demo_file(path: Path) -> Path:
    """The demo file at `path`, written when it does not exist yet (or is empty); an
    existing demo is reused as it is. Returns `path`."""
    store = open_store(path)
    try:
        if repository.is_empty(store):
            write_demo(store)
    finally:
        store.close()
    return path

"""Opening a custdesk database safely.

Order of checks, so that nothing we do not understand is ever modified:
1. the file's first 100 bytes (SQLite magic, application_id, user_version) are read raw;
2. an exclusive lock file beside it is taken (the OS drops it when a process dies);
3. only then is the file opened read-write, checked (`quick_check`) and migrated.

Before step 3, leftover `-journal` / `-wal` files are checked (`sidecars.py`): SQLite would
replay one from another database into ours. Every refusal leaves the file byte-for-byte
unchanged and, for a damaged or unreadable file, names the latest good backup.

Journal mode is the rollback journal (DELETE) with synchronous=FULL: custdesk has one
writer, and after every commit the `.db` file alone is the whole business — owners copy,
e-mail and cloud-sync that one file, which WAL's sidecar files would make unsafe.
See docs/RELIABILITY.md.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from filelock import BaseFileLock, FileLock, Timeout

from custdesk.storage import migrations, queries_summary
from custdesk.storage.backups import latest_good_backup, list_backups, require_lock
from custdesk.storage.errors import (
    DamagedDatabaseError,
    DatabaseError,
    DatabaseInUseError,
    DiskError,
    NewerSchemaError,
    NotCustdeskFileError,
    UnexpectedSchemaError,
    disk_error_message,
    is_disk_error,
)
from custdesk.storage.fileformat import (
    APPLICATION_ID,
    FULL_CHECK_MAX_BYTES,
    SQLITE_MAGIC,
    read_header,
)
from custdesk.storage.sidecars import SidecarError, check_sidecars
from custdesk.storage.store import Store

log = logging.getLogger(__name__)

# names other modules import from here (the errors, header and Store live below it)
__all__ = [
    "APPLICATION_ID", "FULL_CHECK_MAX_BYTES", "MIN_SQLITE_VERSION", "SQLITE_MAGIC",
    "DamagedDatabaseError", "DatabaseError", "DatabaseInUseError", "DiskError",
    "NewerSchemaError", "NotCustdeskFileError", "Store", "UnexpectedSchemaError",
    "acquire_lock", "backup_advice", "connect", "disk_error_message", "expected_schema",
    "file_schema", "is_disk_error", "lock_path", "open_store", "read_header",
    "schema_differences",
]

MIN_SQLITE_VERSION = (3, 38, 0)  # STRICT tables, unixepoch() and ->>; Debian 12 ships 3.40.1


def _check_foreign(path: Path) -> None:
    """Refuse anything that is not an empty file, an empty SQLite file, or ours."""
    latest = migrations.LATEST_VERSION  # read at call time: tests add steps
    if not path.exists() or path.stat().st_size == 0:
        return
    if not path.is_file():
        raise NotCustdeskFileError(f"{path} is not a file.")
    magic, user_version, app_id = read_header(path)
    if magic != SQLITE_MAGIC:
        raise NotCustdeskFileError(
            f"{path.name} is not a custdesk database (not an SQLite file); it was left unchanged."
        )
    if app_id == APPLICATION_ID:
        if user_version > latest:
            raise NewerSchemaError(
                f"{path.name} was written by a newer custdesk (schema {user_version}, this "
                f"version understands up to {latest}); update custdesk to open it. "
                "The file was left unchanged."
            )
        return
    if app_id != 0 or _has_tables(path):
        raise NotCustdeskFileError(
            f"{path.name} is an SQLite database of another program, not custdesk; "
            "it was left unchanged."
        )


def _has_tables(path: Path) -> bool:
    # immutable: no lock, and no -wal/-shm made beside another program's WAL-mode file
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        probe = sqlite3.connect(uri, uri=True)
    except sqlite3.DatabaseError:
        return True  # unreadable: treat as not ours, never write to it
    try:
        return probe.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    except sqlite3.DatabaseError:
        return True
    finally:
        probe.close()


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def acquire_lock(path: Path) -> FileLock:
    # not thread-local: a held lock is handed from the window to a write task and back
    # (a restore keeps it from the closing of the old store to the opening of the new one)
    lock = FileLock(str(lock_path(path)), timeout=0, mode=0o600, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseInUseError(
            f"{path.name} is already open in another custdesk window or process. "
            "Close it there first."
        ) from None
    except OSError as exc:  # read-only folder, no permission, disk gone
        raise DiskError(
            f"custdesk cannot write in the folder of {path.name} ({exc.strerror or exc}); "
            "it was left unchanged. Copy it to a folder you can write to and open that copy."
        ) from exc
    return lock


def _create_private(path: Path) -> None:
    """Create the database file readable by the owner only (0600 on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def harden(conn: sqlite3.Connection) -> None:
    """Never run what a file's schema brings: `trusted_schema=OFF` (functions with side
    effects are refused in triggers, views, CHECKs and indexes) and, where Python offers it
    (3.12+: `Connection.setconfig`), SQLite's defensive mode (no writable_schema, no
    corrupting PRAGMAs). On Python 3.11 defensive mode is not reachable from Python; the
    schema check on open (`_check_schema`) is what keeps foreign objects out."""
    conn.execute("PRAGMA trusted_schema = OFF")
    defensive = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
    setconfig = getattr(conn, "setconfig", None)
    if defensive is not None and setconfig is not None:
        setconfig(defensive, True)


BUSY_TIMEOUT_MS = 15_000


def connect_read_only(path: Path) -> sqlite_utils.Database:
    """A connection that can only read (`mode=ro`: SQLite refuses every write, and never
    replays a journal through it): the screen process's connections."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                           check_same_thread=False)
    try:
        harden(conn)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")  # a write fails at once, never waits
    except BaseException:
        conn.close()
        raise
    return sqlite_utils.Database(conn)


def connect(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), check_same_thread=False)
    harden(conn)
    # a write waits for the reads in flight (a big file's screen build reads on up to three
    # connections: a write waited up to 3.9 s in one) rather than failing as "locked"
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def open_store(path: str | os.PathLike[str], *, create: bool = True,
               lock: bool | BaseFileLock = True, check: bool = True,
               replace: bool = False,
               checking: Callable[[Store], object] | None = None) -> Store:
    """Open (or create) a custdesk database, migrated to the latest schema.

    `checking(store)` is called just before the integrity check when the file is ours and
    needs no migration and no summary refill — what other connections read now is what
    the check then approves or refuses: the window's start-up has the screen process read
    the file for the first tab meanwhile (on a big file the check takes ~0.5 s). It must
    only read; the store it gets is not open yet (its failure fails the open).

    `lock` may be the file's lock already held (`Store.close(keep_lock=True)` returns it,
    for a restore): it is adopted, never released and taken again, so no other process
    can open the file in between (issue 20 M6). The store owns it from then on (it is
    released when the store closes, or here when the file is refused).

    `replace=True` (`custdesk demo --force`) deletes an existing custdesk file first and
    starts an empty one — only after taking its lock, so a file another custdesk process
    has open is refused (`DatabaseInUseError`), never deleted under it.

    Raises a `DatabaseError` subclass with an owner-readable message; a refused file is
    never modified. When the file is damaged or not recognised and good backups exist,
    the message names the latest one.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
        raise DatabaseError(
            f"custdesk needs SQLite 3.38 or newer (found {sqlite3.sqlite_version}).")
    path = Path(path).expanduser().resolve()
    if not path.exists() and not create:
        raise DatabaseError(f"{path} does not exist.")
    try:
        return _open(path, lock=lock, check=check, replace=replace, checking=checking)
    except (DatabaseInUseError, DiskError, UnexpectedSchemaError):
        raise  # (backups of a changed file may carry the same additions: rescue instead)
    except DatabaseError as exc:
        raise type(exc)(f"{exc} {backup_advice(path)}") from exc.__cause__


def _open(path: Path, *, lock: bool | BaseFileLock, check: bool, replace: bool = False,
          checking: Callable[[Store], object] | None = None) -> Store:
    try:
        if (not replace and path.is_file() and path.stat().st_size == 0
                and list_backups(path)):
            # a new database is never empty once used: this one was cut short
            raise DamagedDatabaseError(
                f"{path.name} is empty although custdesk has backups of it, so it was cut "
                "short (full disk, sync client, copy error).")
        _check_foreign(path)
    except OSError as exc:
        raise DiskError(f"custdesk cannot read {path.name} ({exc.strerror or exc}).") from exc
    if isinstance(lock, BaseFileLock):
        require_lock(lock, path)
        file_lock: BaseFileLock | None = lock
    else:
        file_lock = acquire_lock(path) if lock or replace else None
    try:
        if replace:  # ours (checked above) and locked: nobody else has it open
            _remove_database(path)
        try:
            check_sidecars(path, migrations.LATEST_VERSION)
        except SidecarError as exc:
            raise DamagedDatabaseError(
                f"{path.name} has {exc}; custdesk left both untouched, because replaying it "
                "would write another file's data into yours. Move that file elsewhere to open "
                f"{path.name} as it was last saved."
            ) from None
        if not path.exists():
            _create_private(path)
        db = connect(path)
        try:
            store = Store(path, db, file_lock)
            with time_limit(db.conn, OPEN_CHECK_LIMIT_S, path):
                _check_schema(db.conn, path)  # before anything reads a table or view
                if check:
                    if checking is not None and _as_it_stays(store):
                        checking(store)
                    _check(db, path)
            migrations.migrate(store)
            # a file an older custdesk (or another program) left with a stale order
            # summary is fixed here, once, under the write lock: reads never write. A
            # refill that cannot be written (a full disk) leaves it stale — reads then sum
            # from the order lines, slower, never wrong — and never refuses a sound file
            try:
                queries_summary.ensure_order_stats(store)
            except sqlite3.OperationalError as exc:
                log.warning("the order summary of %s could not be refilled: %s", path.name, exc)
        except BaseException:
            db.close()
            raise
    except DiskError:  # already worded (it is also an sqlite3 error: catch it first)
        if file_lock is not None:
            file_lock.release()
        raise
    except sqlite3.DatabaseError as exc:
        if file_lock is not None:
            file_lock.release()
        if is_disk_error(exc):
            raise DiskError(disk_error_message(path, exc)) from exc
        raise DamagedDatabaseError(f"{path.name} is damaged ({exc}).") from exc
    except OSError as exc:
        if file_lock is not None:
            file_lock.release()
        raise DiskError(disk_error_message(path, exc)) from exc
    except BaseException:
        if file_lock is not None:
            file_lock.release()
        raise
    return store


def load_first_use_imports() -> None:
    """Import now what opening a file imports on first use: sqlite-utils' plugin scan at
    the first `Database` (importlib.metadata, email) and `datetime.strptime`'s module (the
    backups' names). The window's start-up opens the file on one thread while another
    imports its modules, and two threads importing packages that import each other can
    fail with a deadlock error: this runs first, on the importing thread."""
    from datetime import datetime

    sqlite_utils.Database(memory=True).close()
    datetime.strptime("2026-12-02", "%Y-%m-%d")


def _as_it_stays(store: Store) -> bool:
    """True when opening will not write: no migration is pending and the order summary
    is fresh (a reader now sees the file as the open leaves it)."""
    return (not migrations.pending(store.schema_version())
            and not queries_summary.is_stale(store))


def _remove_database(path: Path) -> None:
    for name in (path.name, *(path.name + s for s in ("-journal", "-wal", "-shm"))):
        path.with_name(name).unlink(missing_ok=True)


def backup_advice(path: Path) -> str:
    """'The latest good backup is …' (or that there is none), for refusal messages."""
    try:
        good = latest_good_backup(path)
    except OSError:
        good = None
    if good is None:
        return f"No good backup of {path.name} was found; the file was left unchanged."
    return (f"The latest good backup is {good.path.name} (taken {good.taken_at:%Y-%m-%d %H:%M}); "
            f"restore it with File ▸ Restore backup… or "
            f"`custdesk backup restore {good.path.name}`.")


def _check(db: sqlite_utils.Database, path: Path) -> None:
    """integrity_check (also compares indexes with tables) on files up to 8 MB; above that
    quick_check (~30x faster); the full check then runs on backup copies up to 64 MB."""
    pragma = "integrity_check" if path.stat().st_size <= FULL_CHECK_MAX_BYTES else "quick_check"
    result = db.conn.execute(f"PRAGMA {pragma}").fetchone()[0]
    if result != "ok":
        raise DamagedDatabaseError(f"{path.name} is damaged ({pragma}: {result[:200]}).")


# ---- the schema check (issue 20, C1/H6/M7) ------------------------------------------------

OPEN_CHECK_LIMIT_S = 120.0  # integrity_check measured 9 s on 86 MB under load
# SQLite's own tables: statistics of ANALYZE / PRAGMA optimize and AUTOINCREMENT's counter
_SQLITE_INTERNAL = re.compile(r"^sqlite_(stat[1-4]|sequence)$")

SchemaEntry = tuple[str, str, str, str]  # (type, name, table, normalised SQL)


def _normalise(sql: str | None) -> str:
    """SQL as stored in sqlite_schema, without the differences that mean nothing: runs of
    white space, "quoted" plain identifiers (ALTER TABLE … RENAME adds quotes), spaces
    around brackets and commas."""
    if sql is None:
        return ""
    text = re.sub(r"\s+", " ", sql).strip()
    text = re.sub(r'"([A-Za-z_][A-Za-z0-9_]*)"', r"\1", text)
    return re.sub(r" ?([(),]) ?", r"\1", text)


def file_schema(conn: sqlite3.Connection) -> frozenset[SchemaEntry]:
    """Every object of the open file's schema, normalised (SQLite's own statistics and
    sequence tables left out: they hold no code)."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return frozenset((str(kind), str(name), str(table), _normalise(sql))
                     for kind, name, table, sql in rows
                     if not _SQLITE_INTERNAL.match(str(name)))


_EXPECTED: dict[tuple[object, ...], dict[int, frozenset[SchemaEntry]]] = {}


def expected_schema(version: int) -> frozenset[SchemaEntry]:
    """The schema this version of custdesk creates at `user_version` = `version`: the
    migration steps run once on an in-memory database (cached per list of steps)."""
    steps = tuple(migrations.MIGRATIONS)
    key = tuple(id(step) for _name, step in steps)
    schemas = _EXPECTED.get(key)
    if schemas is None:
        memory = sqlite_utils.Database(sqlite3.connect(":memory:"))
        try:
            schemas = {0: file_schema(memory.conn)}
            for number, (_name, step) in enumerate(steps, start=1):
                with memory.conn:
                    step(memory)
                schemas[number] = file_schema(memory.conn)
        finally:
            memory.close()
        _EXPECTED.clear()
        _EXPECTED[key] = schemas
    return schemas.get(version, frozenset())


def _shown(text: str, limit: int = 40) -> str:
    """A name from the file, safe to put in a one-line message (printable, at most 40)."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= limit else clean[:limit - 1] + "…"


def schema_differences(found: frozenset[SchemaEntry],
                       expected: frozenset[SchemaEntry]) -> list[str]:
    """What differs, one short phrase per object: 'an extra trigger "x" on orders',
    'table customers differs', 'index y is missing'."""
    by_name = {(entry[0], entry[1]): entry for entry in expected}
    seen = {(kind, name): (kind, name, table, sql) for kind, name, table, sql in found}
    phrases = []
    for (kind, name), entry in sorted(seen.items()):
        if (kind, name) not in by_name:
            on = f" on {_shown(entry[2])}" if kind in ("trigger", "index") else ""
            phrases.append(f'an extra {kind} "{_shown(name)}"{on}')
        elif by_name[(kind, name)] != entry:
            phrases.append(f"{kind} {_shown(name)} differs")
    phrases += [f"{kind} {_shown(name)} is missing"
                for kind, name in sorted(set(by_name) - set(seen))]
    return phrases


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    found = file_schema(conn)
    if version == 0 and not found:
        return  # a new, empty file
    differences = schema_differences(found, expected_schema(version))
    if differences and any(found == expected_schema(other)
                           for other in range(migrations.LATEST_VERSION + 1)):
        # our own schema of another version: the header's version field is what is wrong
        raise DamagedDatabaseError(
            f"{path.name} is damaged (its header names schema version {version}, which "
            "does not match the tables it holds).")
    if differences:
        shown = "; ".join(differences[:4])
        more = f" and {len(differences) - 4} more" if len(differences) > 4 else ""
        raise UnexpectedSchemaError(
            f"{path.name} was changed outside custdesk ({shown}{more}); such additions "
            "would run on your later work, so custdesk did not open it. To keep its data, "
            f"copy it into a new file: custdesk rescue \"{path}\" --db NEW.db")


@contextmanager
def time_limit(conn: sqlite3.Connection, seconds: float, path: Path) -> Iterator[None]:
    """Interrupt the connection's statements after `seconds` (a progress handler), and
    say so in the owner's words."""
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if time.monotonic() > deadline and "interrupt" in str(exc):
            raise DamagedDatabaseError(
                f"{path.name} could not be checked within {seconds:.0f} s; custdesk "
                "stopped and left it unchanged.") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def open_untrusted_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A read-only, hardened connection to a custdesk file whose schema may have been
    changed (for `custdesk rescue`): header and sidecars checked as on open, nothing
    written, and every statement on it stopped after `OPEN_CHECK_LIMIT_S`."""
    source = Path(path).expanduser().resolve()
    if not source.is_file():
        raise DatabaseError(f"{source} does not exist.")
    try:
        magic, version, app_id = read_header(source)
        if magic != SQLITE_MAGIC or app_id != APPLICATION_ID:
            raise NotCustdeskFileError(f"{source.name} is not a custdesk database.")
        if version > migrations.LATEST_VERSION:
            raise NewerSchemaError(f"{source.name} was written by a newer custdesk (schema "
                                   f"{version}); update custdesk to read it.")
        check_sidecars(source, migrations.LATEST_VERSION)
    except SidecarError as exc:
        raise DamagedDatabaseError(f"{source.name} has {exc}; move it away first.") from None
    except OSError as exc:
        raise DiskError(f"custdesk cannot read {source.name} ({exc.strerror or exc}).") from exc
    conn = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    harden(conn)
    deadline = time.monotonic() + OPEN_CHECK_LIMIT_S
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    return conn

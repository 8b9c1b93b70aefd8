"""The shape of `custdesk/storage`: no import cycle among its modules (counting imports
inside functions and `TYPE_CHECKING` blocks), every migration in `migrations.py`, and SQL
only in storage — `services/` and `ui/` hold none."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "custdesk"
STORAGE = ROOT / "storage"
PACKAGE = "custdesk.storage"

# Files outside storage/ that still hold SQL, each to be moved into storage/ by its owner.
# Only ever remove entries: a listed file that no longer holds SQL fails the test below.
SQL_PATTERN = re.compile(r"execute\(|executemany\(|\bSELECT |\bINSERT |\bUPDATE |\bDELETE ")


def _modules() -> dict[str, Path]:
    return {p.stem: p for p in sorted(STORAGE.glob("*.py"))}


def _imported(node: ast.AST, here: str, modules: set[str]) -> set[str]:
    """Storage modules one import statement pulls in (`from custdesk.storage import x`
    counts as module x when x is one, else as the package's __init__)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
        return {n.split(".")[2] for n in names
                if n.startswith(PACKAGE + ".") and n.split(".")[2] in modules}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:  # relative: from . import x / from .x import y
        base = PACKAGE + ("." + base if base else "")
    if base == PACKAGE:
        return {a.name if a.name in modules else "__init__" for a in node.names}
    if base.startswith(PACKAGE + "."):
        name = base.split(".")[2]
        return {name} if name in modules else set()
    return set()


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found: set[str] = set()
        for node in ast.walk(tree):  # every level: module, function, if TYPE_CHECKING
            found |= _imported(node, name, set(modules))
        graph[name] = found - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_sees_function_level_imports() -> None:
    source = "def f():\n    from custdesk.storage.database import Store\n"
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom))
    assert _imported(node, "x", {"database"}) == {"database"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycle_among_storage_modules() -> None:
    graph = import_graph()
    assert {"database", "store", "migrations", "backups"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "storage import cycle: " + " -> ".join(cycle or [])


def test_the_layers_inside_storage_point_one_way() -> None:
    graph = import_graph()
    for leaf in ("errors", "fileformat", "sidecars"):
        assert graph[leaf] == set(), f"{leaf} must not import other storage modules"
    assert graph["backups"] <= {"errors", "fileformat"}
    assert "database" not in graph["migrations"] | graph["store"] | graph["backups"]


def test_every_migration_step_lives_in_migrations() -> None:
    from custdesk.storage import migrations

    step = re.compile(r"^m\d{3}_")
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
                   and step.match(n.name)]
        if name != "migrations":
            assert defined == [], f"migration steps {defined} belong in migrations.py"
    names = [n for n, _f in migrations.MIGRATIONS]
    assert names[:2] == ["m001_initial", "m002_customer_order_stats"]
    assert all(step.match(n) for n in names) and names == sorted(names)
    assert all(f.__module__ == migrations.__name__ for _n, f in migrations.MIGRATIONS)


def _sql_files() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for folder in ("services", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = [f"{i}: {line.strip()}" for i, line in
                     enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                     if SQL_PATTERN.search(line)]
            if lines:
                found[path.relative_to(ROOT).as_posix()] = lines
    return found


def test_sql_lives_in_storage() -> None:
    assert _sql_files() == {}, "SQL outside custdesk/storage (move it into a storage module)"

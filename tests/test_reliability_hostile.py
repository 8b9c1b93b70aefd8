"""Issue 7, point 4: hostile spreadsheets through `custdesk import`.

Every file gets its defined outcome (a one-line message and exit 2, invalid rows and
exit 1, or a correct import), within 30 s and 500 MB, and a refused file leaves the
database unchanged. All cases run through the real CLI entry point in one child process
(imports loaded once), which reports per-case time and its peak memory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_files import HOSTILE, write_all

TIME_LIMIT_S = 30
MEMORY_LIMIT_MB = 500

_RUNNER = '''
import contextlib, io, json, os, shutil, sys, time, traceback
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from reliability_util import VOLATILE, digest
from custdesk.cli import main
template, folder = Path(sys.argv[1]), Path(sys.argv[2])
results = {}
for path in sorted(folder.iterdir()):
    db = folder.parent / "dbs" / path.name / "business.db"
    db.parent.mkdir(parents=True)
    shutil.copyfile(template, db)
    report = db.parent / "result.json"
    started = time.monotonic()
    pid = os.fork()  # one child per case: its own peak memory, imports already loaded
    if pid == 0:
        before = digest(db, VOLATILE)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["import", str(path), "--db", str(db), "--json"])
            crash = None
        except BaseException:  # the point of the test: report, never hide
            code, crash = None, traceback.format_exc()
        report.write_text(json.dumps({
            "code": code, "crash": crash, "stdout": out.getvalue(), "stderr": err.getvalue(),
            "unchanged": digest(db, VOLATILE) == before, "db": str(db)}))
        os._exit(0)
    _pid, status, usage = os.wait4(pid, 0)
    result = json.loads(report.read_text()) if report.exists() else {
        "code": None, "crash": f"child died: status {status}", "stdout": "", "stderr": "",
        "unchanged": None, "db": str(db)}
    result.update(seconds=time.monotonic() - started, peak_mb=usage.ru_maxrss / 1024)
    results[path.name] = result
print(json.dumps(results))
'''


@pytest.fixture(scope="module")
def outcomes(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("hostile")
    write_all(work / "files")
    template = work / "template.db"
    shutil.copyfile(demo_db_template, template)
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(template), str(work / "files"),
         str(Path(__file__).parent)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


# file -> (exit code, words the one-line message must contain)
REFUSED = {
    "xml-bomb-sheet.xlsx": "cannot be read",
    "xml-bomb-shared-strings.xlsx": "cannot be read",
    "zip-bomb.xlsx": "refusing a possible zip bomb",
    "password.xlsx": "password-protected; save an unprotected copy",
    "renamed-binary.xlsx": "not a spreadsheet",
    "renamed-binary.csv": "is not UTF-8 text",
    "empty.xlsx": "not a spreadsheet",
    "empty.csv": "no header row found",
    "empty-sheet.xlsx": "no header row found",
    "false-dimension-huge.xlsx": "declares 17,179,869,184 cells",
    "mixed-encodings-early.csv": "--encoding cp1252",
    "mixed-encodings-late.csv": "not utf-8 text after line",
    "ambiguous-dates.csv": "--dayfirst or --monthfirst",
    # issue 20, H2/H5: the real extent, measured from the sheet's XML before calamine
    "far-cells-no-dimension.xlsx": "its cells span 17,179,869,184 cells",
    "far-cells-lying-dimension.xlsx": "its cells span 17,179,869,184 cells",
    "far-cell-in-a-low-row.xlsx": "its cells span 17,179,869,184 cells",
    "sparse-span.xlsx": "its cells span 24,000,000 cells",
    "six-sheets.xlsx": "several sheets of data; choose one with --sheet",
    "one-line-20mb.csv": "line 1: longer than 2,000,000 characters",
}
def _check_limits(name: str, result: dict) -> None:
    assert result["crash"] is None, f"{name} crashed:\n{result['crash']}"
    assert result["seconds"] < TIME_LIMIT_S, f"{name} took {result['seconds']:.1f} s"
    assert result["peak_mb"] < MEMORY_LIMIT_MB, f"{name} peaked at {result['peak_mb']:.0f} MB"


@pytest.mark.parametrize("name", [*REFUSED, "xml-bomb-workbook.xlsx"])
def test_hostile_file_refused_with_its_message_db_unchanged(outcomes: dict, name: str) -> None:
    result = outcomes[name]
    _check_limits(name, result)
    assert result["code"] == 2, result
    message = result["stderr"].strip()
    assert len(message.splitlines()) == 1 and message.startswith("custdesk: "), message
    assert REFUSED.get(name, "cannot be read") in message
    if "dates" not in message:
        assert name in message  # the message names the file
    assert result["unchanged"], f"{name} changed the database"


def _counts(result: dict) -> dict:
    return json.loads(result["stdout"])


@pytest.mark.parametrize(("name", "created"), [
    ("zip-10000-entries.xlsx", 2),
    ("16384-columns.xlsx", 1),
    ("32767-char-cells.xlsx", 2),
    ("merged-header-above.xlsx", 2),
    ("merged-header.xlsx", 1),
    ("false-dimension-small.xlsx", 100),  # the dimension says 2 rows; all 100 are read
    ("utf16-no-bom.csv", 2),  # issue 20, H10: found by its NUL pattern
    ("utf32-bom.csv", 1),
])
def test_odd_but_valid_files_import_exactly(outcomes: dict, name: str, created: int) -> None:
    result = outcomes[name]
    _check_limits(name, result)
    assert result["code"] == 0, result
    counts = _counts(result)
    assert (counts["kind"], counts["created"], counts["invalid"]) == ("customers", created, 0)


def test_32767_character_cells_are_kept_whole(outcomes: dict) -> None:
    import sqlite3

    conn = sqlite3.connect(outcomes["32767-char-cells.xlsx"]["db"])
    notes = dict(conn.execute("SELECT email, notes FROM customers WHERE email IN "
                              "('ann@example.com', 'bo@example.com')").fetchall())
    names = [r[0] for r in conn.execute("SELECT name FROM customers WHERE email = "
                                        "'bo@example.com'")]
    conn.close()
    assert notes == {"ann@example.com": "n" * 32_767, "bo@example.com": "short"}
    assert names == ["B" * 32_767]


def test_zero_row_sheet_imports_nothing(outcomes: dict) -> None:
    result = outcomes["zero-rows.xlsx"]
    _check_limits("zero-rows.xlsx", result)
    assert result["code"] == 0
    assert _counts(result)["rows_read"] == 0 and _counts(result)["created"] == 0


def test_zero_row_sheet_leaves_the_database_unchanged(outcomes: dict) -> None:
    assert outcomes["zero-rows.xlsx"]["unchanged"]


def test_formulas_without_cached_values_are_invalid_rows(outcomes: dict) -> None:
    result = outcomes["formulas-no-cached-values.xlsx"]
    _check_limits("formulas-no-cached-values.xlsx", result)
    assert result["code"] == 1
    counts = _counts(result)
    assert (counts["rows_read"], counts["invalid"], counts["created"]) == (3, 3, 0)
    assert [e["row"] for e in counts["errors"]] == [2, 3, 4]
    assert all(e["column"] == "Sales" for e in counts["errors"])
    assert result["unchanged"]


def test_nul_in_text_is_an_invalid_row_quoted_briefly(outcomes: dict) -> None:
    result = outcomes["nul-in-text.csv"]
    _check_limits("nul-in-text.csv", result)
    assert result["code"] == 1
    counts = _counts(result)
    assert counts["invalid"] == 1  # (nothing is written: exit 1)
    assert "control characters" in counts["errors"][0]["reason"]
    assert counts["errors"][0]["value"] == "Ann?Lee"
    assert result["unchanged"]


def test_every_hostile_case_ran(outcomes: dict) -> None:
    peak = max(r["peak_mb"] for r in outcomes.values())
    slowest = max(outcomes.items(), key=lambda kv: kv[1]["seconds"])
    print(f"\n{len(outcomes)} hostile files: peak memory {peak:.0f} MB, slowest "
          f"{slowest[0]} {slowest[1]['seconds']:.1f} s")
    for name, result in sorted(outcomes.items()):
        print(f"  {name:36} {result['seconds']:5.1f} s {result['peak_mb']:5.0f} MB")
    assert len(outcomes) == len(HOSTILE)

"""The Actions screen and tab (issue 13): `custdesk screen actions --json` on the demo and on
an empty file, overdue flags as of the period's end, the tab drawing the same screen."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from datetime import date
from pathlib import Path

from conftest import set_aside_demo_actions
from ui_helpers import make_tab

from custdesk.cli import main
from custdesk.domain.periods import Period
from custdesk.domain.records import Action
from custdesk.services import actions_service as acts
from custdesk.services.screens import actions as screen
from custdesk.storage import open_store

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def _screen_json(db: Path, *more: str) -> dict:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["--db", str(db), "screen", "actions", "--json", *more]) == 0
    return json.loads(buffer.getvalue())


def _plan(store) -> dict[str, int]:
    cid = store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    ids = {
        "late": acts.create_action(store, Action("Call back", "2026-09-20", customer_id=cid,
                                                 due_on="2026-10-30", owner="Sam")),
        "due_on_to": acts.create_action(store, Action("Send quote", "2026-10-02",
                                                      due_on="2026-10-31")),
        "done": acts.create_action(store, Action("Fix invoice", "2026-10-01",
                                                 cause="process")),
    }
    acts.close_action(store, ids["done"], "Credit note sent", on="2026-10-05")
    return ids


def test_screen_actions_json_on_an_empty_file(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    open_store(db).close(backup_if_changed=False)
    data = _screen_json(db)
    assert data["screen"] == "actions" and data["empty"] is True
    assert set(data["cards"]) == {"actions_open", "actions_overdue"}
    assert data["cards"]["actions_open"]["label"] == "Open actions"
    assert data["lists"] == {"open": [], "done": []}


def test_screen_actions_json_on_the_demo(demo_db_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    shutil.copyfile(demo_db_template, db)
    assert _screen_json(db, "--from", "2026-10-01", "--to", "2026-10-31")[
        "empty"] is False  # the demo owner's own plans
    store = open_store(db)
    set_aside_demo_actions(store)
    store.close(backup_if_changed=False)
    assert _screen_json(db, "--from", "2026-10-01", "--to", "2026-10-31")["empty"] is True
    store = open_store(db)
    _plan(store)
    store.close(backup_if_changed=False)
    data = _screen_json(db, "--from", "2026-10-01", "--to", "2026-10-31")
    assert data["empty"] is False
    assert data["cards"]["actions_open"]["value"] == 2
    assert data["cards"]["actions_overdue"]["value"] == 1
    assert data["cards"]["actions_open"]["prior"] == 1  # Sep 30: only "Call back" existed
    rows = data["lists"]["open"]
    assert [(r["title"], r["overdue"], r["days_overdue"]) for r in rows] == [
        ("Call back", True, 1), ("Send quote", False, None)]
    assert rows[0]["customer"] is not None
    assert [(r["title"], r["status"], r["outcome"]) for r in data["lists"]["done"]] == [
        ("Fix invoice", "done", "Credit note sent")]


def test_the_builder_and_the_tab_show_the_same_rows(qtbot, quiet_ui, demo_store) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    from custdesk.ui.dialogs.action_dialog import ActionDialog
    from custdesk.ui.tabs.actions_tab import ActionsTab

    ids = _plan(demo_store)
    built = screen.build(demo_store, OCTOBER)
    tab = make_tab(qtbot, ActionsTab, demo_store, OCTOBER)
    assert not tab.is_empty_state()
    model = tab.open_panel.model
    assert [model.row_at(i)["id"] for i in range(model.rowCount())] == [
        r["id"] for r in built.lists["open"]]
    assert model.row_colour(model.row_at(0)) is not None  # overdue is flagged
    assert tab.cards["actions_overdue"].value.text() == "1"
    assert "1 overdue" in tab.open_panel.note.text()
    dialog = tab.open_action(model.row_at(0))
    assert isinstance(dialog, ActionDialog) and dialog.action_id == ids["late"]
    dialog.outcome_edit.setPlainText("Called, order placed")
    dialog.status_box.setCurrentIndex(dialog.status_box.findData("done"))
    dialog.save()  # through the task runner: the tab redraws from the write's changes
    saved = acts.get_action(demo_store, ids["late"])
    assert saved is not None and saved.outcome == "Called, order placed"


def test_the_screen_counts_equal_the_catalogue(demo_store) -> None:
    """One number, one definition: the Actions screen's cards carry the catalogue's labels and
    the same values `compute_metrics` gives (counted in SQL)."""
    set_aside_demo_actions(demo_store)  # counts start from no action
    from datetime import date

    from custdesk.domain.metric_catalogue import METRICS
    from custdesk.domain.periods import Period
    from custdesk.domain.records import Action
    from custdesk.services import actions_service as acts
    from custdesk.services import metrics_service as ms
    from custdesk.services.screens import actions as screen

    for title, due in (("Call Ann", "2026-11-01"), ("Send quote", "2026-12-20")):
        acts.create_action(demo_store, Action(title=title, due_on=due,
                                              created_on="2026-10-01"))
    period = Period(date(2026, 10, 1), date(2026, 11, 24))
    built = screen.build(demo_store, period, "")
    metrics = ms.compute_metrics(demo_store, period).metrics
    for metric in ("actions_open", "actions_overdue"):
        assert built.cards[metric].label == METRICS[metric].label
        assert built.cards[metric].value == metrics[metric].value
    assert (built.cards["actions_open"].value, built.cards["actions_overdue"].value) == (2, 1)

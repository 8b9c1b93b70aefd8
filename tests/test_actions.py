"""Actions (issue 13): schema, service rules (open/overdue as of a day), import with
synonyms, undo, and the full export's round trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from export_roundtrip_util import import_full_export

from custdesk.domain.periods import Period
from custdesk.domain.records import Action, ActionStatus, Customer, Deal
from custdesk.services import actions_service as svc
from custdesk.services.exporter import export_workbook
from custdesk.services.importer import ImportRequest, commit, make_preview, undo
from custdesk.storage import open_store
from custdesk.storage.repository import save_all


def _period(a: str, b: str) -> Period:
    return Period(date.fromisoformat(a), date.fromisoformat(b))


def _add(store, title, created, due=None, status="open", done=None, **more) -> int:
    a = Action(title=title, created_on=created, due_on=due, status=ActionStatus(status),
               done_on=done, **more)
    if status == "open":
        return svc.create_action(store, a)
    new_id = svc.create_action(store, Action(title=title, created_on=created, due_on=due,
                                             **more))
    svc.update_action(store, new_id, status=ActionStatus(status), done_on=done)
    return new_id


def test_open_and_overdue_as_of_the_period_end_hand_computed(store) -> None:
    _add(store, "a due on to", "2026-01-05", "2026-01-31")  # open, not overdue
    _add(store, "b due the day before", "2026-01-05", "2026-01-30")  # open, overdue
    _add(store, "c done in period", "2026-01-02", "2026-01-10", "done", "2026-01-20")
    _add(store, "d done after to", "2026-01-02", "2026-01-10", "done", "2026-02-05")  # o+o
    _add(store, "e created after to", "2026-02-02", "2026-01-01")
    _add(store, "f dropped", "2026-01-02", "2026-01-03", "dropped", "2026-01-15")
    _add(store, "g no due date", "2026-01-02")  # open, never overdue
    values = svc.action_metrics(store, _period("2026-01-01", "2026-01-31"))
    assert values["actions_open"].value == 4  # a, b, d, g
    assert values["actions_overdue"].value == 2  # b, d
    # one day later a (due on the 31st) is overdue too; d is still open on Feb 1st and
    # e (created Feb 2nd) does not exist yet
    later = svc.action_metrics(store, _period("2026-01-02", "2026-02-01"))
    assert later["actions_open"].value == 4  # a, b, d, g
    assert later["actions_overdue"].value == 3  # a, b, d
    # before anything was created
    assert svc.action_metrics(store, _period("2025-12-01", "2025-12-31"))[
        "actions_open"].value == 0


def test_create_close_drop_and_rules(store) -> None:
    save_all(store, customers=[Customer("Acme Ltd", id=1)])
    a = svc.create_action(store, Action(title="  Call Acme  ", created_on="2026-03-01",
                                        customer_id=1, cause="process", owner=" Sam ",
                                        due_on="2026-03-10"))
    saved = svc.get_action(store, a)
    assert saved is not None and saved.title == "Call Acme" and saved.owner == "Sam"
    done = svc.close_action(store, a, "They stay", on="2026-03-05")
    assert done.status is ActionStatus.DONE and done.done_on == "2026-03-05"
    assert done.outcome == "They stay"
    again = svc.reopen_action(store, a)
    assert again.status is ActionStatus.OPEN and again.done_on is None
    dropped = svc.drop_action(store, a, "No longer needed", on="2026-03-06")
    assert dropped.status is ActionStatus.DROPPED
    with pytest.raises(svc.ActionError, match="title"):
        svc.create_action(store, Action(title=" ", created_on="2026-03-01"))
    with pytest.raises(svc.ActionError, match="cause"):
        svc.create_action(store, Action(title="x", created_on="2026-03-01", cause="Bob"))
    with pytest.raises(svc.ActionError, match="before it was created"):
        svc.close_action(store, a, on="2026-01-01")
    assert [x.title for x in svc.list_actions(store, customer_id=1)] == ["Call Acme"]
    assert svc.list_actions(store, status="open") == []
    assert len(svc.list_actions(store, owner="sam")) == 1


def test_an_action_on_a_deal_takes_the_deals_customer(store) -> None:
    save_all(store, customers=[Customer("Acme Ltd", id=3)],
             deals=[Deal("Proposal", id=9, customer_id=3, title="Big order")])
    a = svc.create_action(store, Action(title="Send terms", created_on="2026-03-01", deal_id=9))
    saved = svc.get_action(store, a)
    assert saved is not None and saved.customer_id == 3 and saved.deal_id == 9


CSV = """Action,Customer,Deal,Due date,Owner,Status,Problem,Root cause,Result,Created
Call about late deliveries,Acme Ltd,Big order,2026-02-10,Sam,To do,Late orders,Process,,2026-02-01
Offer a price review,Bolt & Co,,2026-02-20,Sam,Completed,Price complaint,price,Kept them,2026-02-02
Blame Bob,Acme Ltd,,2026-02-20,Sam,open,,Bob,,2026-02-03
"""


def test_actions_sheet_imports_with_synonyms_updates_and_undoes(store, tmp_path: Path) -> None:
    save_all(store, customers=[Customer("Acme Ltd", id=1)],
             deals=[Deal("Proposal", id=5, customer_id=1, title="Big order")])
    path = tmp_path / "actions.csv"
    path.write_text(CSV, encoding="utf-8")
    preview = make_preview(store, ImportRequest(path, kind="actions"))
    assert preview.parsed.mapping == ["title", "customer", "deal", "due_on", "owner",
                                      "status", "issue", "cause", "outcome", "created_on"]
    # "Bob" is not a cause (a cause, never a culprit): that row is refused
    assert [(e.row, e.column) for e in preview.errors] == [(4, "Root cause")]
    with pytest.raises(Exception):  # noqa: B017 - any refusal: invalid rows write nothing
        commit(store, preview)
    preview = make_preview(store, ImportRequest(path, kind="actions", skip_invalid=True))
    result = commit(store, preview)
    assert preview.plan.created == 2 and preview.plan.new_customers == 1
    rows = svc.list_actions(store)
    first = next(a for a in rows if a.title.startswith("Call"))
    assert (first.deal_id, first.customer_id, first.status, first.cause) == (
        5, 1, ActionStatus.OPEN, "process")
    second = next(a for a in rows if a.title.startswith("Offer"))
    assert second.status is ActionStatus.DONE and second.outcome == "Kept them"
    # the same file with a new status updates the action it names (title, customer, day)
    path.write_text(CSV.replace("To do", "Done"), encoding="utf-8")
    again = make_preview(store, ImportRequest(path, kind="actions", skip_invalid=True))
    assert (again.plan.created, again.plan.updated, again.plan.unchanged) == (0, 1, 1)
    second_batch = commit(store, again).batch_id
    assert svc.get_action(store, first.id or 0).status is ActionStatus.DONE  # type: ignore[union-attr]
    assert second_batch is not None and result.batch_id is not None
    undo(store, second_batch)
    assert svc.get_action(store, first.id or 0).status is ActionStatus.OPEN  # type: ignore[union-attr]
    undo(store, result.batch_id)
    assert svc.list_actions(store) == []
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 1


def test_actions_round_trip_through_the_full_export(demo_store, tmp_path: Path) -> None:
    demo_actions = svc.list_actions(demo_store)  # the demo owner's own travel too
    deal_id, customer_id, title = demo_store.conn.execute(
        "SELECT id, customer_id, title FROM deals WHERE customer_id IS NOT NULL "
        "ORDER BY id LIMIT 1").fetchone()
    svc.create_action(demo_store, Action(title="Send the revised quote", created_on="2026-10-01",
                                         deal_id=deal_id, due_on="2026-10-08", owner="Sam",
                                         cause="price", issue="Hot prospect"))
    a = svc.create_action(demo_store, Action(title="Call back", created_on="2026-09-01",
                                             customer_id=customer_id, cause="people"))
    svc.close_action(demo_store, a, "Resolved by phone", on="2026-09-03")
    svc.create_action(demo_store, Action(title="Review the returns policy",
                                         created_on="2026-09-02", cause="policy"))
    out = export_workbook(demo_store, tmp_path / "full.xlsx").path
    again = open_store(tmp_path / "again.db")
    try:
        created = import_full_export(again, out)
        assert created["actions"] == 3 + len(demo_actions)
        sql = ("SELECT a.title, (SELECT name FROM customers c WHERE c.id = a.customer_id), "
               "(SELECT title FROM deals d WHERE d.id = a.deal_id), a.due_on, a.owner, "
               "a.status, a.issue, a.cause, a.outcome, a.created_on, a.done_on "
               "FROM actions a ORDER BY a.title")
        assert again.conn.execute(sql).fetchall() == demo_store.conn.execute(sql).fetchall()
        linked = "SELECT count(*) FROM actions WHERE deal_id IS NOT NULL"
        assert title is None or again.conn.execute(linked).fetchone()[0] == (
            demo_store.conn.execute(linked).fetchone()[0])
    finally:
        again.close(backup_if_changed=False)

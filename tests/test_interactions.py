"""The interactions log (issue 13): a call, meeting, e-mail or visit logged on a customer or a
deal from a one-line form in the customer and deal dialogs, stored in `interactions`, shown
in the customer's story and the deal's history with "N interactions, last … ago"
(pytest-qt; no modal dialog is run)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custdesk.domain.periods import Period
from custdesk.domain.records import Action, Interaction
from custdesk.services import actions_service as acts
from custdesk.services import deals_service as ds
from custdesk.services import interactions_service as ints
from custdesk.services.screens.customer import build_customer

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


def _deal(store) -> tuple[int, int]:
    # (the demo logs interactions too: a deal and customer without any yet)
    return store.conn.execute(
        "SELECT id, customer_id FROM deals WHERE customer_id IS NOT NULL AND id NOT IN "
        "(SELECT deal_id FROM interactions WHERE deal_id IS NOT NULL) AND customer_id NOT IN "
        "(SELECT customer_id FROM interactions WHERE customer_id IS NOT NULL) "
        "ORDER BY id LIMIT 1").fetchone()


def test_an_interaction_is_checked_before_it_is_written() -> None:
    with pytest.raises(ints.InteractionError, match="not a date"):
        ints.check_interaction(Interaction("1 May", customer_id=1))
    with pytest.raises(ints.InteractionError, match="kind must be one of"):
        ints.check_interaction(Interaction("2026-05-01", customer_id=1, kind="fax"))
    with pytest.raises(ints.InteractionError, match="customer or about a deal"):
        ints.check_interaction(Interaction("2026-05-01", kind="call"))
    ok = ints.check_interaction(Interaction("2026-05-01", customer_id=1, kind="visit",
                                            note="  showroom  "))
    assert (ok.date, ok.kind, ok.note) == ("2026-05-01", "visit", "showroom")


def test_summary_text_counts_and_says_how_long_ago() -> None:
    items = [Interaction("2026-11-20", customer_id=1), Interaction("2026-11-27", customer_id=1)]
    assert ints.summary_text(items, today="2026-11-30") == "2 interactions, last 3 days ago"
    assert ints.summary_text(items[:1], today="2026-11-20") == "1 interaction, last today"
    assert ints.summary_text(items[:1], today="2026-11-21") == "1 interaction, last yesterday"
    assert ints.summary_text([]) == "No interactions logged yet"


def test_a_deals_interaction_is_its_customers_too(demo_store) -> None:
    deal_id, customer_id = _deal(demo_store)
    iid = ints.log_interaction(demo_store, Interaction("2026-11-02", deal_id=deal_id,
                                                       kind="meeting", note="Demo"))
    assert [i.id for i in ints.deal_interactions(demo_store, deal_id)] == [iid]
    [found] = ints.customer_interactions(demo_store, customer_id)
    assert (found.customer_id, found.kind, found.note) == (customer_id, "meeting", "Demo")
    history = ds.history(demo_store, deal_id)
    assert {"date": "2026-11-02", "kind": "meeting", "what": "Demo"} in history
    with pytest.raises(ints.InteractionError, match="no deal"):
        ints.log_interaction(demo_store, Interaction("2026-11-02", deal_id=10**9))


def test_the_customers_story_holds_interactions_and_actions(demo_store) -> None:
    cid = demo_store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    ints.log_interaction(demo_store, Interaction("2026-11-03", customer_id=cid, kind="call",
                                                 note="Asked about the invoice"))
    ints.log_interaction(demo_store, Interaction("2026-11-01", customer_id=cid,
                                                 kind="email"))
    aid = acts.create_action(demo_store, Action("Rescue them", "2026-11-04", customer_id=cid,
                                                signal="detractor", due_on="2026-11-10"))
    screen = build_customer(demo_store, cid, YEAR)
    story = screen.lists["story"]
    assert {"date": "2026-11-03", "kind": "Interaction",
            "what": "Call — Asked about the invoice", "amount": None} in story
    assert {"date": "2026-11-01", "kind": "Interaction", "what": "E-mail",
            "amount": None} in story
    assert {"date": "2026-11-04", "kind": "Action",
            "what": "Rescue them (open, due 2026-11-10)", "amount": None} in story
    assert [r["date"] for r in story] == sorted((r["date"] or "" for r in story),
                                                reverse=True)
    assert [i["kind"] for i in screen.lists["interactions"]] == ["call", "email"]
    assert [a["id"] for a in screen.lists["actions"]] == [aid]
    assert any(n.startswith("Interactions: 2 interactions, last ") for n in screen.notes)


def test_logging_from_the_customer_dialog(qtbot, quiet_ui, demo_store) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog

    cid = demo_store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    dialog = CustomerDialog(demo_store, cid, period=YEAR, label="year")
    qtbot.addWidget(dialog)
    form = dialog.interaction_form
    assert form.isEnabled() and form.summary.text() == "No interactions logged yet"
    form.kind_box.setCurrentIndex(form.kind_box.findData("visit"))
    form.note_edit.setText("Showroom visit, liked the new desks")
    form.log()
    assert form.message.text() == "Logged." and form.note_edit.text() == ""
    assert form.summary.text() == "1 interaction, last today"
    rows = [dialog.timeline_model.row_at(i) for i in range(dialog.timeline_model.rowCount())]
    assert {"date": date.today().isoformat(), "kind": "Interaction",
            "what": "Visit — Showroom visit, liked the new desks", "amount": None} in rows
    new = CustomerDialog(demo_store, None)
    qtbot.addWidget(new)
    assert not new.interaction_form.isEnabled()  # a customer not added yet has no log


def test_logging_from_the_deal_dialog(qtbot, quiet_ui, demo_store) -> None:
    from custdesk.ui.dialogs.deal_dialog import DealDialog

    deal_id, customer_id = _deal(demo_store)
    dialog = DealDialog(demo_store, deal_id)
    qtbot.addWidget(dialog)
    form = dialog.interaction_form
    form.date_edit.setDate(form.date_edit.date().addDays(-3))
    form.kind_box.setCurrentIndex(form.kind_box.findData("call"))
    form.note_edit.setText("Agreed the delivery date")
    form.log()
    assert form.summary.text() == "1 interaction, last 3 days ago"
    day = (date.today() - timedelta(days=3)).isoformat()
    rows = [dialog.history_model.row_at(i) for i in range(dialog.history_model.rowCount())]
    assert {"date": day, "kind": "call", "what": "Agreed the delivery date"} in rows
    [saved] = ints.customer_interactions(demo_store, customer_id)
    assert (saved.deal_id, saved.date) == (deal_id, day)


def test_a_refused_interaction_says_why(qtbot, quiet_ui, demo_store) -> None:
    from custdesk.ui.dialogs.action_dialog import InteractionForm

    form = InteractionForm(demo_store)  # neither customer nor deal
    qtbot.addWidget(form)
    form.log()
    assert "customer or about a deal" in form.message.text()
    assert ints.customer_interactions(demo_store, 1) == []

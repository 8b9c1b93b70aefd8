"""Quick entry (issue 13): a survey answer, a support contact, a mystery-shop visit and an
employee answer each store exactly one row, checked as an import checks a sheet's row;
an invalid value is refused with the field and the reason and writes nothing; each entry
is one undoable edit (pytest-qt for the forms; no modal dialog runs)."""

from __future__ import annotations

import pytest

from custdesk.services import quick_entry_service as qs

SURVEY_COLUMNS = "date, customer_id, kind, nps, csat, score, would_refer, reason, comment"


def _surveys(store) -> list[tuple]:
    return store.conn.execute(f"SELECT {SURVEY_COLUMNS} FROM surveys ORDER BY id").fetchall()


def _tickets(store) -> list[tuple]:
    return store.conn.execute(
        "SELECT customer_id, opened_at, first_response_at, resolved_at, topic, channel, "
        "is_complaint FROM tickets ORDER BY id").fetchall()


def _customer(store, name: str) -> int:
    return store.conn.execute("SELECT id FROM customers WHERE name = ?", (name,)).fetchone()[0]


def test_survey_answer_with_csat_in_any_form(store) -> None:
    qs.record_entry(store, qs.SURVEY, {"date": "2026-11-30", "customer": "Ann Lee",
                                        "nps": "6", "csat": "★★★★☆", "would_refer": "no",
                                        "reason": "Slow delivery", "comment": " late twice "})
    assert _surveys(store) == [("2026-11-30", _customer(store, "Ann Lee"), "customer", 6, 4,
                                None, 0, "Slow delivery", "late twice")]
    # the same customer again (any case and spacing) is found, not created twice
    qs.record_entry(store, qs.SURVEY, {"date": "2026-12-01", "customer": "ann  LEE",
                                        "csat": "Very satisfied"})
    assert [r[1:5] for r in _surveys(store)][1] == (_customer(store, "Ann Lee"), "customer",
                                                    None, 5)
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 1


@pytest.mark.parametrize(("form", "values", "said"), [
    (qs.SURVEY, {"date": "2026-11-30", "nps": "11"}, "NPS (0–10): “11” — not a whole number"),
    (qs.SURVEY, {"date": "2026-11-30", "csat": "7 stars"}, "Satisfaction (CSAT): “7 stars”"),
    (qs.SURVEY, {"date": "2026-11-30", "would_refer": "maybe"}, "Would refer: “maybe” — "),
    (qs.SURVEY, {"date": "2026-11-30"}, "fill in at least one answer"),
    (qs.SURVEY, {"date": "31/02/2026", "nps": "5"}, "Date: “31/02/2026”"),
    (qs.CONTACT, {"opened_at": "2026-11-30T09:00"}, "Customer: customer is required"),
    (qs.CONTACT, {"customer": "Bo", "opened_at": "2026-11-30T09:00",
                  "resolved_at": "2026-11-29T09:00"}, "Resolved: is before the contact"),
    (qs.MYSTERY_SHOP, {"date": "2026-11-30", "score": "12"}, "“12” is not from 0 to 10"),
    (qs.MYSTERY_SHOP, {"date": "2026-11-30"}, "Score (0–10): required"),
    (qs.EMPLOYEE, {"date": "2026-11-30", "nps": "ten"}, "eNPS (0–10): “ten”"),
    (qs.EMPLOYEE, {"date": "", "nps": "7"}, "Date: date is required"),
])
def test_invalid_values_are_refused_and_nothing_is_written(store, form, values, said) -> None:
    with pytest.raises(qs.EntryError) as caught:
        qs.record_entry(store, form, values)
    assert said in str(caught.value) and str(caught.value).startswith(form.title)
    assert _surveys(store) == [] and _tickets(store) == []
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_contact_mystery_shop_and_employee_store_one_row_each(store) -> None:
    qs.record_entry(store, qs.CONTACT, {
        "customer": "Bay Cafe", "opened_at": "2026-11-30T09:00", "topic": "Delivery",
        "channel": "phone", "is_complaint": "yes", "first_response_at": "2026-11-30T10:30",
        "resolved_at": None})
    assert _tickets(store) == [(_customer(store, "Bay Cafe"), "2026-11-30T09:00:00",
                                "2026-11-30T10:30:00", None, "Delivery", "phone", 1)]
    qs.record_entry(store, qs.MYSTERY_SHOP, {"date": "2026-11-29", "score": "7.5",
                                              "comment": "Friendly"})
    qs.record_entry(store, qs.EMPLOYEE, {"date": "2026-11-28", "nps": "9"})
    assert _surveys(store) == [
        ("2026-11-29", None, "mystery_shop", None, None, 7.5, None, None, "Friendly"),
        ("2026-11-28", None, "employee", 9, None, None, None, None, None)]


def test_an_entry_is_one_undoable_edit(store) -> None:
    from custdesk.services import edits

    qs.record_entry(store, qs.CONTACT, {"customer": "Bay Cafe",
                                         "opened_at": "2026-11-30T09:00"})
    assert edits.undo_last_edit(store) == "Support contact"
    assert _tickets(store) == []
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_the_forms_save_and_refuse(qtbot, quiet_ui, store) -> None:
    from PySide6.QtCore import QDate

    from custdesk.ui.dialogs.quick_entry import QuickEntryDialog

    changed: list[frozenset[str]] = []
    from custdesk.ui.tasks import default_runner

    default_runner().changed.connect(changed.append)
    dialog = QuickEntryDialog.open_for(store, qs.SURVEY)
    qtbot.addWidget(dialog)
    assert QuickEntryDialog.open_for(store, qs.SURVEY) is dialog  # one per form
    dialog.fields["date"].setDate(QDate(2026, 11, 30))
    dialog.fields["nps"].setText("12")
    dialog.save()
    assert "NPS (0–10): “12”" in dialog.message.text() and _surveys(store) == []
    dialog.fields["nps"].setText("10")
    dialog.fields["csat"].setCurrentText("4 stars")
    dialog.fields["would_refer"].setCurrentText("yes")
    dialog.save()
    assert _surveys(store) == [("2026-11-30", None, "customer", 10, 4, None, 1, None, None)]
    assert changed == [qs.SURVEY.changes]  # Feedback and the other survey tabs redraw

    contact = QuickEntryDialog.open_for(store, qs.CONTACT)
    qtbot.addWidget(contact)
    contact.fields["customer"].setText("Bay Cafe")
    contact.fields["topic"].setText("Billing")
    contact.fields["is_complaint"].setChecked(True)
    contact.save()
    (row,) = _tickets(store)
    assert row[0] == _customer(store, "Bay Cafe") and row[4:] == ("Billing", None, 1)


def test_the_record_menu_opens_each_form(qtbot, quiet_ui, store) -> None:
    from PySide6.QtWidgets import QMainWindow

    from custdesk.ui.dialogs.new_deal_dialog import NewDealDialog
    from custdesk.ui.dialogs.quick_entry import QuickEntryDialog, fill_record_menu

    window = QMainWindow()
    qtbot.addWidget(window)
    menu = fill_record_menu(window.menuBar().addMenu("&Record"), lambda: store, window)
    actions = [a for a in menu.actions() if not a.isSeparator()]
    assert [a.text() for a in actions] == [
        "New &deal…", "&Survey answer…", "Support &contact or complaint…",
        "&Mystery-shop visit…", "&Employee engagement answer…"]
    for action in actions:
        action.trigger()
    assert len(NewDealDialog._open) == 1
    assert sorted(k for _p, k in QuickEntryDialog._open) == [
        "contact", "employee", "mystery_shop", "survey"]
    for dialog in [*NewDealDialog._open.values(), *QuickEntryDialog._open.values()]:
        dialog.close()

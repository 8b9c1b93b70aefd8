"""File ▸ Business settings…: values saved together, a refused value saves nothing."""

from __future__ import annotations

from custdesk.services import metrics_service as ms
from custdesk.storage.repository import get_settings
from custdesk.ui.dialogs.settings_dialog import BusinessSettingsDialog


def test_settings_are_saved_and_used(qtbot, demo_store) -> None:
    from custdesk.ui.dialogs.settings_dialog import BusinessSettingsDialog

    dialog = BusinessSettingsDialog(demo_store)
    qtbot.addWidget(dialog)
    assert dialog.window_days.value() == 365
    dialog.window_days.setValue(180)
    dialog.deep_discount.setValue(25)
    dialog.business_name.setText("Harbour & Co")
    dialog._stage_spins["Proposal"].setValue(40)
    assert not dialog._stage_spins["Won"].isEnabled()  # won is 100 % by definition
    dialog.reasons.setPlainText("Price\nTiming\n\nprice\nToo far away")
    assert dialog.save()
    assert ms.load_settings(demo_store) == ms.Settings(180, 25.0, 7)
    assert get_settings(demo_store)["business_name"] == "Harbour & Co"
    assert ms.load_reasons(demo_store) == ["Price", "Timing", "Too far away"]
    probability = demo_store.conn.execute(
        "SELECT probability FROM stages WHERE name = 'Proposal'").fetchone()[0]
    assert probability == 40


def test_a_refused_value_saves_nothing(qtbot, demo_store) -> None:
    from custdesk.ui.dialogs.settings_dialog import BusinessSettingsDialog

    before = demo_store.conn.execute("SELECT * FROM settings ORDER BY key").fetchall()
    dialog = BusinessSettingsDialog(demo_store)
    qtbot.addWidget(dialog)
    dialog.window_days.setValue(200)
    dialog.business_name.setText("Changed")
    dialog.reasons.setPlainText("   \n")  # an empty reasons list is refused
    assert not dialog.save()
    assert "Not saved" in dialog.error.text()
    assert demo_store.conn.execute("SELECT * FROM settings ORDER BY key").fetchall() == before
    assert ms.load_reasons(demo_store)[:2] == ["Price", "Competitor"]


def _stage_table(dialog) -> list[tuple[str, str, float]]:
    from custdesk.ui.dialogs.settings_dialog import KIND, NAME, PROBABILITY

    return [(dialog.stages.item(r, NAME).text(), dialog.stages.cellWidget(r, KIND).currentData(),
             dialog.stages.cellWidget(r, PROBABILITY).value())
            for r in range(dialog.stages.rowCount())]


def test_stages_are_edited_in_business_settings(qtbot, quiet_ui, demo_store) -> None:
    """Rename (deals stay), reorder, kind, probability, add, remove an unused stage; a used
    stage is not removed; everything saved in the one transaction of Save."""
    from custdesk.ui.dialogs.settings_dialog import KIND, NAME

    deals = dict(demo_store.conn.execute("SELECT stage_id, count(*) FROM deals GROUP BY 1"))
    dialog = BusinessSettingsDialog(demo_store)
    qtbot.addWidget(dialog)
    names = [row[0] for row in _stage_table(dialog)]
    assert names[:2] == ["Lead", "Qualified"]
    lead = dialog.stage_list[0]
    assert lead.deals == deals.get(lead.id, 0) > 0
    # a used stage is not removed, and the note says why
    dialog.stages.selectRow(0)
    assert not dialog.remove_stage()
    assert "cannot be removed" in dialog.stage_note.text()
    # rename Lead, move it below Qualified
    dialog.stages.item(0, NAME).setText("Enquiry")
    dialog.move_stage(1)
    assert [row[0] for row in _stage_table(dialog)][:2] == ["Qualified", "Enquiry"]
    # add a stage, make it a second lost stage, then an open one at 35 %
    dialog.add_stage()
    new_row = dialog._selected_stage()
    dialog.stages.item(new_row, NAME).setText("On hold")
    dialog.stages.cellWidget(new_row, KIND).setCurrentIndex(2)  # lost (closed)
    assert not dialog.stage_list[new_row].spin.isEnabled()
    dialog.stages.cellWidget(new_row, KIND).setCurrentIndex(0)
    dialog.stage_list[new_row].spin.setValue(35)
    assert dialog.save()
    rows = demo_store.conn.execute("SELECT id, name, kind, probability FROM stages "
                                   "ORDER BY position").fetchall()
    assert [r[1] for r in rows][:2] == ["Qualified", "Enquiry"]
    assert ("On hold", "open", 35.0) in [r[1:] for r in rows]
    assert dict(demo_store.conn.execute("SELECT stage_id, count(*) FROM deals GROUP BY 1")) \
        == deals
    assert next(r[0] for r in rows if r[1] == "Enquiry") == lead.id


def test_an_unused_stage_is_removed(qtbot, quiet_ui, store) -> None:
    dialog = BusinessSettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.stages.selectRow(3)  # Negotiation: no deals in a new file
    assert "can be removed" in dialog.stage_note.text()
    assert dialog.remove_stage()
    assert "Negotiation" not in [row[0] for row in _stage_table(dialog)]
    assert dialog.save()
    assert [r[0] for r in store.conn.execute("SELECT name FROM stages ORDER BY position")] \
        == ["Lead", "Qualified", "Proposal", "Won", "Lost"]


def test_a_refused_stage_catalogue_saves_nothing(qtbot, quiet_ui, store) -> None:
    from custdesk.ui.dialogs.settings_dialog import NAME

    before = store.conn.execute("SELECT * FROM stages ORDER BY id").fetchall()
    settings = store.conn.execute("SELECT * FROM settings ORDER BY key").fetchall()
    dialog = BusinessSettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.business_name.setText("Changed")
    dialog.stages.item(1, NAME).setText("lead")  # the same name as Lead
    assert not dialog.save()
    assert "two stages" in dialog.error.text()
    assert store.conn.execute("SELECT * FROM stages ORDER BY id").fetchall() == before
    assert store.conn.execute("SELECT * FROM settings ORDER BY key").fetchall() == settings

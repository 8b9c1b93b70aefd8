"""File ▸ Business settings…: values saved together, a refused value saves nothing."""

from __future__ import annotations

from custdesk.services import metrics_service as ms
from custdesk.storage.repository import get_settings


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

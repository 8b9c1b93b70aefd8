"""The deal editor (issue 13): a stage change is saved in one transaction, recorded in the
stage history with its date, shown in the deal's history and in the Pipeline screen; Lost
needs a reason; the dialog is freed on close (pytest-qt; no modal dialog runs)."""

from __future__ import annotations

from datetime import date

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent

from custdesk.domain.periods import Period
from custdesk.services import deals_service as ds
from custdesk.services.screens import pipeline
from custdesk.storage.deal_history import stage_history

END = Period(date(2025, 12, 1), date.today())


def _open_deal(store) -> tuple[int, str]:
    return store.conn.execute(
        "SELECT d.id, s.name FROM deals d JOIN stages s ON s.id = d.stage_id "
        "WHERE s.name = 'Qualified' ORDER BY d.id LIMIT 1").fetchone()


def _stage_id(store, name: str) -> int:
    return store.conn.execute("SELECT id FROM stages WHERE name = ?", (name,)).fetchone()[0]


def test_a_stage_change_is_recorded_with_its_date_and_shown(qtbot, quiet_ui,
                                                           demo_store) -> None:
    from custdesk.ui.dialogs.deal_dialog import DealDialog

    deal_id, stage = _open_deal(demo_store)
    dialog = DealDialog.open_for(demo_store, deal_id)
    assert DealDialog.open_for(demo_store, deal_id) is dialog  # one per deal
    dialog.stage_box.setCurrentIndex(dialog.stage_box.findData(
        _stage_id(demo_store, "Negotiation")))
    dialog.next_step.setText("Call the buyer")
    dialog.save()
    assert dialog.message.text() == "Saved.", dialog.message.text()
    today = date.today().isoformat()
    assert [(h["changed_on"], h["from_stage"], h["stage"]) for h in
            stage_history(demo_store, deal_id)] == [(today, stage, "Negotiation")]
    assert any(r["kind"] == "stage" and "Negotiation" in r["what"]
               for r in dialog.history_model._rows)
    row = next(r for r in pipeline.build(demo_store, END).lists["open_deals"]
               if r["id"] == deal_id)
    assert row["stage"] == "Negotiation" and row["next_step"] == "Call the buyer"
    dialog.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    assert not shiboken6.isValid(dialog) and DealDialog._open == {}


def test_moving_to_lost_needs_a_reason(qtbot, quiet_ui, demo_store) -> None:
    from custdesk.ui.dialogs.deal_dialog import DealDialog

    deal_id, _stage = _open_deal(demo_store)
    dialog = DealDialog.open_for(demo_store, deal_id)
    qtbot.addWidget(dialog)
    dialog.stage_box.setCurrentIndex(dialog.stage_box.findData(_stage_id(demo_store, "Lost")))
    dialog.lost_reason.setCurrentIndex(0)  # no reason
    dialog.save()
    assert "reason" in dialog.message.text()
    assert stage_history(demo_store, deal_id) == []
    dialog.lost_reason.setCurrentText("Price")
    dialog.save()
    values = ds.load_deal(demo_store, deal_id)
    assert values["stage"] == "Lost" and values["lost_reason"] == "Price"
    assert values["closed_on"] == date.today().isoformat()


def test_the_service_refuses_lost_without_reason_and_backs_up_before_delete(
        demo_store) -> None:
    import pytest

    from custdesk.storage.backups import list_backups

    deal_id, _stage = _open_deal(demo_store)
    with demo_store.transaction():
        demo_store.conn.execute("UPDATE deals SET lost_reason = NULL WHERE id = ?", (deal_id,))
    with pytest.raises(ds.DealError, match="reason"):
        ds.save_deal(demo_store, deal_id, {"stage_id": _stage_id(demo_store, "Lost")})
    ds.save_deal(demo_store, deal_id, {"stage_id": _stage_id(demo_store, "Proposal")},
                 on="2026-11-01")
    assert [h["changed_on"] for h in stage_history(demo_store, deal_id)] == ["2026-11-01"]
    before = len(list_backups(demo_store.path))
    ds.delete_deal(demo_store, deal_id)
    assert len(list_backups(demo_store.path)) == before + 1
    assert demo_store.conn.execute("SELECT count(*) FROM deal_stage_history").fetchone()[0] == 0


def test_the_editor_sets_customer_product_list_owner_and_source_in_one_undoable_edit(
        qtbot, quiet_ui, demo_store) -> None:
    """A new customer name is created on the fly (as an import would), the product, list
    amount, owner and source are saved with it, and Edit ▸ Undo takes all of it back."""
    from custdesk.services import edits
    from custdesk.ui.dialogs.deal_dialog import DealDialog

    deal_id, _stage = _open_deal(demo_store)
    before = ds.load_deal(demo_store, deal_id)
    customers = demo_store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    product_id, product = demo_store.conn.execute(
        "SELECT id, name FROM products ORDER BY id DESC LIMIT 1").fetchone()
    dialog = DealDialog.open_for(demo_store, deal_id)
    dialog.customer.setText("Brand New Prospect Ltd")
    dialog.product_box.setCurrentIndex(dialog.product_box.findText(product))
    dialog.amount.setValue(900)
    dialog.list_amount.setValue(1200)
    dialog.owner.setText("Priya")
    dialog.source.setText("trade fair")
    dialog.save()
    assert dialog.message.text() == "Saved.", dialog.message.text()
    saved = ds.load_deal(demo_store, deal_id)
    assert (saved["customer_name"], saved["product_id"], saved["amount_e4"],
            saved["list_amount_e4"], saved["owner"], saved["source"]) == (
        "Brand New Prospect Ltd", product_id, 9_000_000, 12_000_000, "Priya", "trade fair")
    assert demo_store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == (
        customers + 1)
    dialog.close()
    edits.undo_last_edit(demo_store)
    assert ds.load_deal(demo_store, deal_id) == before
    assert demo_store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == customers

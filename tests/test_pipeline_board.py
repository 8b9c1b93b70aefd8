"""The pipeline board (issue 13): a column per stage with the open deals as cards; a drop
on Lost needs a reason and moves the win rate and the Lost prospects screen; a drop on Won
confirms the amount and creates the customer; the keyboard's Move to menu; New deal; the
top-N cards with "and N more" (pytest-qt; no modal dialog runs)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custdesk.domain.metrics_deals import DealInfo
from custdesk.domain.periods import Period
from custdesk.domain.records import Deal, StageKind
from custdesk.services import deal_moves
from custdesk.services import deals_service as ds
from custdesk.services.screens import lost, pipeline
from custdesk.services.screens.model import to_json
from custdesk.services.screens.pipeline_board import board
from custdesk.storage.deal_history import stage_history

TODAY = date.today()
DAY = (TODAY - timedelta(days=10)).isoformat()
PERIOD = Period(TODAY - timedelta(days=29), TODAY)


def _stage(store, name: str) -> int:
    return next(sid for sid, n, _k, _p in ds.stages(store) if n == name)


@pytest.fixture
def deals(store):
    """Four deals made 10 days ago: two open (Proposal 1,000 for Acme; Negotiation 2,000
    without a customer, needs me, next step overdue), one won (3,000), one lost (Price)."""
    ids = {
        "desk": deal_moves.create_deal(store, {"title": "Desk for Acme", "amount_e4": 1000_0000,
                                               "stage_id": _stage(store, "Proposal")},
                                       "Acme", on=DAY),
        "chairs": deal_moves.create_deal(
            store, {"title": "Chairs for Bay Cafe", "amount_e4": 2000_0000,
                    "stage_id": _stage(store, "Negotiation"), "needs_me": 1,
                    "special_terms": "90-day payment", "next_step": "Call the buyer",
                    "next_step_on": (TODAY - timedelta(days=2)).isoformat()}, on=DAY),
        "won": deal_moves.create_deal(store, {"title": "Shelves", "amount_e4": 3000_0000,
                                              "stage_id": _stage(store, "Won")}, "Acme", on=DAY),
        "lost": deal_moves.create_deal(store, {"title": "Lamps", "amount_e4": 500_0000,
                                               "stage_id": _stage(store, "Lost"),
                                               "lost_reason": "Price"}, "Acme", on=DAY),
    }
    return ids


def _column(screen, name: str) -> dict:
    return next(c for c in screen.tables["board"] if c["stage"] == name)


def test_board_columns_cards_and_marks(store, deals) -> None:
    screen = pipeline.build(store, PERIOD)
    assert [(c["stage"], c["kind"], c["count"]) for c in screen.tables["board"]] == [
        ("Lead", "open", 0), ("Qualified", "open", 0), ("Proposal", "open", 1),
        ("Negotiation", "open", 1), ("Won", "won", 1), ("Lost", "lost", 1)]
    chairs = _column(screen, "Negotiation")["cards"][0]
    assert chairs["id"] == deals["chairs"] and chairs["customer"] is None
    assert chairs["amount"] == 2000.0 and chairs["probability"] == 75.0
    assert chairs["weighted"] == 1500.0
    assert chairs["needs_me"] is True and chairs["special_terms"] == "90-day payment"
    assert chairs["overdue"] is True  # due two days before the period's end
    desk = _column(screen, "Proposal")["cards"][0]
    assert desk["customer"] == "Acme" and desk["overdue"] is False
    assert _column(screen, "Won")["cards"] == []  # a drop target, not a list
    # the CLI prints the same board
    assert to_json(screen)["tables"]["board"][3]["cards"][0]["title"] == "Chairs for Bay Cafe"
    # every new deal's first stage is in its history on its creation day
    assert [(h["changed_on"], h["from_stage"], h["stage"])
            for h in stage_history(store, deals["desk"])] == [(DAY, None, "Proposal")]


def test_top_cards_per_column_and_more() -> None:
    """20,000 open deals: 50 cards per column by weighted value, the rest counted."""
    stages = [(1, "Lead", "open", 10.0), (2, "Won", "won", 100.0)]
    many = [DealInfo(Deal("Lead", id=i, amount_e4=i * 10_000, created_on="2026-01-01"),
                     StageKind.OPEN, 10.0, None) for i in range(1, 20_001)]
    columns = board(stages, many, Period(date(2026, 1, 1), date(2026, 6, 30)))
    lead = columns[0]
    assert lead["count"] == 20_000 and len(lead["cards"]) == 50 and lead["more"] == 19_950
    assert [c["id"] for c in lead["cards"][:3]] == [20_000, 19_999, 19_998]
    assert lead["value"] == sum(range(1, 20_001))
    assert lead["weighted"] == pytest.approx(sum(range(1, 20_001)) * 0.1)


def test_drop_on_lost_needs_a_reason_and_moves_the_win_rate(qtbot, quiet_ui, store,
                                                            deals) -> None:
    from custdesk.ui.tabs.pipeline_tab import PipelineTab
    from tests.ui_helpers import make_tab

    before = pipeline.build(store, PERIOD).cards
    assert (before["deals_won"].value, before["deals_lost"].value) == (1, 1)
    assert before["win_rate_pct"].value == 50.0
    tab = make_tab(qtbot, PipelineTab, store, PERIOD)
    tab.show_board()
    columns = {c.objectName(): c for c in tab.board.columns}
    lost_column = columns["board-Lost"]
    assert lost_column.acceptDrops() and not lost_column.dragEnabled()
    lost_column.dropped.emit(deals["desk"], _stage(store, "Lost"))  # what a drop emits
    dialog = tab.board.dialog
    assert dialog is not None and dialog.kind == "lost"
    dialog.try_accept()  # no reason chosen
    assert "reason" in dialog.message.text() and dialog.isVisible()
    assert ds.load_deal(store, deals["desk"])["stage"] == "Proposal"
    dialog.reason.setCurrentText("Timing")
    dialog.competitor.setText("OfficeMax")
    dialog.try_accept()
    saved = ds.load_deal(store, deals["desk"])
    assert (saved["stage"], saved["lost_reason"], saved["competitor"]) == (
        "Lost", "Timing", "OfficeMax")
    assert saved["closed_on"] == TODAY.isoformat()
    assert stage_history(store, deals["desk"])[-1]["changed_on"] == TODAY.isoformat()
    after = pipeline.build(store, PERIOD).cards
    assert (after["deals_won"].value, after["deals_lost"].value) == (1, 2)
    assert after["win_rate_pct"].value == pytest.approx(100 / 3)
    lost_screen = to_json(lost.build(store, PERIOD))
    assert lost_screen["cards"]["deals_lost"]["value"] == 2
    assert lost_screen["cards"]["win_rate_pct"]["value"] == pytest.approx(100 / 3)
    assert {r["title"]: r["lost_reason"] for r in lost_screen["lists"]["lost_deals"]} == {
        "Desk for Acme": "Timing", "Lamps": "Price"}
    # the tab redrew from the write's changed({"deals"}): the card left the board
    tab.refresh()
    proposal = next(c for c in tab.board.columns if c.objectName() == "board-Proposal")
    assert proposal.count() == 0


def test_drop_on_won_confirms_amount_and_creates_the_customer(qtbot, quiet_ui, store,
                                                               deals) -> None:
    from custdesk.ui.tabs.pipeline_tab import PipelineTab
    from tests.ui_helpers import make_tab

    tab = make_tab(qtbot, PipelineTab, store, PERIOD)
    tab.board.request_move(deals["chairs"], _stage(store, "Won"))
    dialog = tab.board.dialog
    assert dialog.amount.value() == 2000.0
    assert dialog.create_customer.isChecked() and dialog.customer_name.text() == "Bay Cafe"
    dialog.amount.setValue(1900)
    dialog.try_accept()
    saved = ds.load_deal(store, deals["chairs"])
    assert (saved["stage"], saved["amount_e4"], saved["customer_name"]) == (
        "Won", 1900_0000, "Bay Cafe")
    after = pipeline.build(store, PERIOD).cards
    assert after["deals_won"].value == 2 and after["win_rate_pct"].value == pytest.approx(
        200 / 3)
    # a known name is found, never duplicated
    assert deal_moves.customer_id_for(store, "bay  CAFE") == saved["customer_id"]


def test_keyboard_move_to_menu_moves_to_an_open_stage(qtbot, quiet_ui, store, deals) -> None:
    from custdesk.ui.tabs.pipeline_tab import PipelineTab
    from tests.ui_helpers import make_tab

    tab = make_tab(qtbot, PipelineTab, store, PERIOD)
    menu = tab.board.move_menu(deals["desk"], _stage(store, "Proposal"))
    move_to = menu.actions()[0].menu()
    names = [a.text() for a in move_to.actions()]
    assert names == ["Lead", "Qualified", "Negotiation", "Won", "Lost"]
    move_to.actions()[2].trigger()  # Negotiation: an open stage asks nothing
    assert ds.load_deal(store, deals["desk"])["stage"] == "Negotiation"
    assert [h["stage"] for h in stage_history(store, deals["desk"])] == [
        "Proposal", "Negotiation"]


def test_the_service_refuses_lost_without_reason(store, deals) -> None:
    with pytest.raises(deal_moves.DealError, match="reason"):
        deal_moves.move_deal(store, deals["desk"], deal_moves.Move(_stage(store, "Lost")))
    with pytest.raises(deal_moves.DealError, match="reason"):
        deal_moves.create_deal(store, {"title": "X", "stage_id": _stage(store, "Lost")})
    with pytest.raises(deal_moves.DealError, match="title or a customer"):
        deal_moves.create_deal(store, {"stage_id": _stage(store, "Lead")})
    assert ds.load_deal(store, deals["desk"])["stage"] == "Proposal"


def test_new_deal_from_the_ui_shows_on_the_board_and_in_the_json(qtbot, quiet_ui, store,
                                                                  deals) -> None:
    from custdesk.ui.tabs.pipeline_tab import PipelineTab
    from tests.ui_helpers import make_tab

    tab = make_tab(qtbot, PipelineTab, store, PERIOD)
    dialog = tab.new_deal()
    assert tab.new_deal() is dialog  # one at a time
    dialog.title_edit.setText("Printer lease")
    dialog.customer.setText("Harbour Dental")  # not in the file yet: created
    dialog.stage_box.setCurrentIndex(dialog.stage_box.findData(_stage(store, "Qualified")))
    assert dialog.probability.value() == 25.0
    dialog.amount.setValue(4000)
    dialog.save()
    screen = pipeline.build(store, PERIOD)
    card = _column(screen, "Qualified")["cards"][0]
    assert (card["title"], card["customer"], card["amount"], card["weighted"]) == (
        "Printer lease", "Harbour Dental", 4000.0, 1000.0)
    assert to_json(screen)["cards"]["deals_open"]["value"] == 3
    tab.refresh()
    qualified = next(c for c in tab.board.columns if c.objectName() == "board-Qualified")
    assert qualified.count() == 1 and "Printer lease" in qualified.item(0).text()


def test_a_move_is_one_undoable_edit(store, deals) -> None:
    from custdesk.services import edits

    before = ds.load_deal(store, deals["chairs"])
    deal_moves.move_deal(store, deals["chairs"], deal_moves.Move(
        _stage(store, "Won"), amount_e4=1800_0000, new_customer="Bay Cafe"))
    assert ds.load_deal(store, deals["chairs"])["customer_name"] == "Bay Cafe"
    assert edits.undo_last_edit(store) == "Move deal"
    assert ds.load_deal(store, deals["chairs"]) == before
    assert [h["stage"] for h in stage_history(store, deals["chairs"])] == ["Negotiation"]
    assert store.conn.execute("SELECT count(*) FROM customers WHERE name = 'Bay Cafe'"
                              ).fetchone()[0] == 0


def test_a_real_drop_event_asks_the_move_and_a_drop_on_its_own_column_does_nothing(
        qtbot, quiet_ui, store, deals) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt
    from PySide6.QtGui import QDropEvent

    from custdesk.ui.tabs.pipeline_tab import PipelineTab
    from tests.ui_helpers import make_tab

    class Drop(QDropEvent):
        """A drop whose drag started in `origin` (Qt sets source() only in a real drag)."""

        def __init__(self, origin) -> None:
            super().__init__(QPointF(5, 5), Qt.DropAction.MoveAction, QMimeData(),
                             Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
            self.origin = origin

        def source(self):
            return self.origin

    tab = make_tab(qtbot, PipelineTab, store, PERIOD)
    columns = {c.objectName(): c for c in tab.board.columns}
    proposal, negotiation = columns["board-Proposal"], columns["board-Negotiation"]
    proposal.setCurrentRow(0)
    proposal.dropEvent(Drop(proposal))  # onto its own column: nothing
    assert ds.load_deal(store, deals["desk"])["stage"] == "Proposal"
    event = Drop(proposal)
    negotiation.dropEvent(event)
    assert event.dropAction() == Qt.DropAction.IgnoreAction  # Qt must not move the item
    assert ds.load_deal(store, deals["desk"])["stage"] == "Negotiation"
    assert tab.board.dialog is None  # an open stage asks nothing

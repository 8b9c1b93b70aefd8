"""The pipeline board: a column per stage, the open deals as cards; drag a card to another
column (or right-click ▸ Move to, for the keyboard) to change its stage.

It draws the Pipeline screen's `board` table (`services/screens/pipeline_board.py`): the top
cards per open stage with "and N more", and the won and lost stages as drop targets. A move
asks what the deal editor asks — Lost: the reason (required, from the shared list) and the
competitor; Won: the amount, and a customer for a deal without one — then runs
`deal_moves.move_deal` through the task runner; the tabs redraw from `changed({"deals"})`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFontMetrics,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import deal_moves
from custdesk.services import deals_service as ds
from custdesk.services.files import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.dialogs.deal_fields import lost_reason_box, money_box
from custdesk.ui.tasks import default_runner

DEAL_ID = Qt.ItemDataRole.UserRole
OVERDUE_BG, NEEDS_ME_BG = QColor("#fbe3e0"), QColor("#fff5d6")
COLUMN_WIDTH = 240  # four open stages and Won/Lost fit a 1366-pixel window
CARD_CHROME = 16  # a card's border, padding and margin, both sides together (pixels)
CLOSED_WIDTH = 150  # Won and Lost: drop targets without cards
CLOSED_HINT = {"won": "Drop a deal here to mark it won", "lost": "Drop a deal here: lost"}


def card_text(card: dict[str, Any]) -> str:
    """A card's lines: ★ needs me and ⚑ special terms first, then customer, money, close
    date, and the next step with its due date ("OVERDUE" when it is late)."""
    marks = ("★ " if card["needs_me"] else "") + ("⚑ " if card["special_terms"] else "")
    lines = [marks + card["title"]]
    if card["customer"] and card["customer"] not in card["title"]:
        lines.append(card["customer"])
    money = [fmt.money(card["amount"], 0) if card["amount"] is not None else "no amount",
             fmt.pct(card["probability"], 0)]
    if card["expected_close"]:
        money.append(f"close {fmt.day_text(card['expected_close'])}")
    lines.append(" · ".join(money))
    if card["next_step"] or card["next_step_on"]:
        step = f"Next: {card['next_step'] or '(step)'}"
        if card["next_step_on"]:
            step += f" — due {fmt.day_text(card['next_step_on'])}"
        lines.append(("OVERDUE " if card["overdue"] else "") + step)
    return "\n".join(lines)


def card_tip(card: dict[str, Any]) -> str:
    tips = ["Drag to another stage, or right-click ▸ Move to. Double-click to edit."]
    if card["needs_me"]:
        tips.append("★ Needs me: the owner's own engagement")
    if card["special_terms"]:
        tips.append(f"⚑ Special terms: {card['special_terms']}")
    if card["overdue"]:
        tips.append("The next step was due before the period's end")
    return "\n".join(tips)


class StageColumn(QListWidget):
    """One stage's cards; accepts cards dragged from the other columns."""

    dropped = Signal(int, int)  # deal id, this column's stage id

    def __init__(self, column: dict[str, Any]) -> None:
        super().__init__()
        self.stage_id: int | None = column["stage_id"]
        self.kind: str = column["kind"]
        self.setObjectName(f"board-{column['stage']}")
        self.setAccessibleName(f"{column['stage']} column")
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        # a wrapped card's height follows the column's width, scroll bar or not
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn
                                        if self.kind == "open"
                                        else Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet("QListWidget::item { border: 1px solid #c9cfd6; border-radius: 4px;"
                           " padding: 3px; margin: 2px 1px; }"
                           "QListWidget::item:selected { border: 2px solid #2c6fbb; }")
        mode = QAbstractItemView.DragDropMode
        self.setDragDropMode(mode.DragDrop if self.kind == "open" else mode.DropOnly)
        self.setAcceptDrops(self.stage_id is not None)
        self.setDropIndicatorShown(True)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        for card in column["cards"]:
            item = QListWidgetItem(card_text(card))
            item.setData(DEAL_ID, card["id"])
            item.setToolTip(card_tip(card))
            if card["overdue"]:
                item.setBackground(QBrush(OVERDUE_BG))
                item.setForeground(QBrush(QColor("#a32a1c")))
            elif card["needs_me"]:
                item.setBackground(QBrush(NEEDS_ME_BG))
            self.addItem(item)
        if self.kind != "open":
            hint = QListWidgetItem(CLOSED_HINT.get(self.kind, ""))
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            hint.setForeground(QBrush(QColor("gray")))
            self.addItem(hint)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_cards()

    def fit_cards(self) -> None:
        """Each card as tall as its wrapped text at the column's width (Qt's own guess for
        wrapped items with a styled border cuts their last line)."""
        width = self.viewport().width() - 4
        text_width = width - CARD_CHROME
        metrics = QFontMetrics(self.font())
        for row in range(self.count()):
            item = self.item(row)
            box = metrics.boundingRect(QRect(0, 0, text_width, 10_000),
                                       int(Qt.TextFlag.TextWordWrap), item.text())
            item.setSizeHint(QSize(width, box.height() + CARD_CHROME))

    def _from_other(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        source = event.source()
        return isinstance(source, StageColumn) and source is not self \
            and self.stage_id is not None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._from_other(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._from_other(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        source = event.source()
        if not self._from_other(event) or not isinstance(source, StageColumn):
            event.ignore()
            return
        item = source.currentItem()
        # the move is only asked for here; the board redraws from the saved data, so Qt
        # must not move the item itself (IgnoreAction)
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if item is not None and self.stage_id is not None:
            self.dropped.emit(int(item.data(DEAL_ID)), self.stage_id)


class MoveDialog(QDialog):
    """What a move to Won or Lost needs: the reason and competitor of a lost deal; the
    amount of a won deal, and the customer to create when it has none."""

    def __init__(self, store: Store, deal: dict[str, Any], stage_id: int, stage: str,
                 kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.deal, self.stage_id, self.kind = deal, stage_id, kind
        name = deal.get("title") or deal.get("ref") or f"deal {deal['id']}"
        self.setWindowTitle(f"Move “{name}” to {stage}")
        form = QFormLayout()
        self.reason = lost_reason_box(store) if kind == "lost" else QComboBox()
        self.competitor = QLineEdit(deal.get("competitor") or "")
        self.amount = money_box()
        self.create_customer = QCheckBox("Create the customer")
        self.customer_name = QLineEdit()
        if kind == "lost":
            form.addRow("Lost reason (required)", self.reason)
            form.addRow("Competitor", self.competitor)
        else:
            self.amount.setValue((deal.get("amount_e4") or 0) / 10_000)
            form.addRow("Amount won", self.amount)
            if deal.get("customer_id") is None:
                self.create_customer.setChecked(True)
                self.customer_name.setText(prospect_name(deal))
                self.create_customer.toggled.connect(self.customer_name.setEnabled)
                form.addRow(self.create_customer, self.customer_name)
        self.message = QLabel()
        self.message.setStyleSheet("color: #c0392b;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(f"Move to {stage}")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def chosen_move(self) -> deal_moves.Move:
        if self.kind == "lost":
            return deal_moves.Move(self.stage_id, lost_reason=self.reason.currentText() or None,
                                   competitor=self.competitor.text().strip() or None)
        create = self.create_customer.isChecked() and self.deal.get("customer_id") is None
        return deal_moves.Move(self.stage_id, amount_e4=round(self.amount.value() * 10_000),
                               new_customer=self.customer_name.text().strip() if create
                               else None)

    def try_accept(self) -> None:
        move = self.chosen_move()
        if self.kind == "lost" and not move.lost_reason:
            self.message.setText("A lost deal needs its reason: choose one from the list.")
            self.reason.setFocus()
            return
        if self.kind == "won" and self.create_customer.isChecked() \
                and self.deal.get("customer_id") is None and not move.new_customer:
            self.message.setText("Type the customer's name, or untick “Create the customer”.")
            return
        self.accept()


def prospect_name(deal: dict[str, Any]) -> str:
    """A name for a won deal's new customer: "deal with X" / "… for X" gives X."""
    title = (deal.get("title") or "").strip()
    for marker in (" for ", "deal with "):
        if marker in title:
            return title.rsplit(marker, 1)[1].strip()
    return title


class PipelineBoard(QWidget):
    """The board: columns side by side in a horizontal scroll area."""

    moved = Signal(int)  # a deal whose move was saved
    failed = Signal(str)

    def __init__(self, store_of: Callable[[], Store | None],
                 open_deal: Callable[[int], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store_of, self.open_deal = store_of, open_deal
        self.columns: list[StageColumn] = []
        self.headers: list[QLabel] = []
        self.stages: list[tuple[int, str, str]] = []  # (id, name, kind): where cards can go
        self.dialog: MoveDialog | None = None  # the open Won/Lost question (tests fill it)
        self.message = QLabel()
        self.message.setStyleSheet("color: #c0392b;")
        self.message.setWordWrap(True)
        self.message.hide()
        self.strip = QWidget()
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.strip)
        legend = QLabel("★ needs me · ⚑ special terms · <span style='color:#a32a1c'>OVERDUE"
                        "</span> next step due before the period's end · drag a card to "
                        "another stage, or right-click ▸ Move to")
        legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(legend)

    def set_board(self, board: list[dict[str, Any]]) -> None:
        while self.strip_layout.count():
            item = self.strip_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone now, not when the deferred delete runs
                widget.deleteLater()
        self.columns, self.headers = [], []
        self.stages = [(c["stage_id"], c["stage"], c["kind"]) for c in board
                       if c["stage_id"] is not None]
        for column in board:
            self.strip_layout.addWidget(self._column(column))
        self.strip_layout.addStretch(1)

    def _column(self, column: dict[str, Any]) -> QWidget:
        box = QWidget()
        box.setFixedWidth(COLUMN_WIDTH if column["kind"] == "open" else CLOSED_WIDTH)
        header = QLabel()
        header.setWordWrap(True)
        what = "open" if column["kind"] == "open" else "in the period"
        header.setText(f"<b>{html.escape(column['stage'])}</b><br>{fmt.number(column['count'])}"
                       f" {what} · {fmt.money_short(column['value'])}")
        header.setToolTip(f"Weighted: {fmt.money(column['weighted'], 0)}")
        cards = StageColumn(column)
        cards.dropped.connect(self.request_move)
        cards.itemActivated.connect(lambda item: self._open_item(item))
        cards.customContextMenuRequested.connect(
            lambda pos, c=cards: self._context_menu(c, pos))
        more = QLabel(f"and {fmt.number(column['more'])} more (the table lists them all)"
                      if column["more"] else "")
        more.setWordWrap(True)
        more.setStyleSheet("color: gray;")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(header)
        layout.addWidget(cards, 1)
        layout.addWidget(more)
        self.columns.append(cards)
        self.headers.append(header)
        return box

    def _open_item(self, item: QListWidgetItem) -> None:
        deal_id = item.data(DEAL_ID)
        if deal_id is not None:
            self.open_deal(int(deal_id))

    def move_menu(self, deal_id: int, current: int | None) -> QMenu:
        """The card's menu: Move to ▸ every other stage; Edit deal…."""
        menu = QMenu(self)
        move_to = menu.addMenu("&Move to")
        for stage_id, stage, _kind in self.stages:
            if stage_id != current:
                move_to.addAction(stage, self._mover(deal_id, stage_id))
        menu.addAction("&Edit deal…", lambda: self.open_deal(deal_id))
        return menu

    def _mover(self, deal_id: int, stage_id: int) -> Callable[[], None]:
        return lambda: self.request_move(deal_id, stage_id)

    def _context_menu(self, column: StageColumn, pos: QPoint) -> None:
        item = column.itemAt(pos) or column.currentItem()
        if item is None or item.data(DEAL_ID) is None:
            return
        menu = self.move_menu(int(item.data(DEAL_ID)), column.stage_id)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(column.viewport().mapToGlobal(pos))

    # ----- a move: ask (Won/Lost), then save as one edit -----------------------------------
    def request_move(self, deal_id: int, stage_id: int) -> None:
        store = self.store_of()
        if store is None:
            return
        stage, kind = next(((n, k) for s, n, k in self.stages if s == stage_id), ("", "open"))
        if kind == "open":
            self.save_move(deal_id, deal_moves.Move(stage_id))
            return
        dialog = MoveDialog(store, ds.load_deal(store, deal_id), stage_id, stage, kind, self)

        def confirmed() -> None:
            self.save_move(deal_id, dialog.chosen_move())

        dialog.accepted.connect(confirmed)
        self.dialog = dialog
        dialog.open()

    def save_move(self, deal_id: int, move: deal_moves.Move) -> None:
        store = self.store_of()
        if store is None:
            return
        self.message.clear()
        self.message.hide()

        def write(state: Any) -> int:
            deal_moves.move_deal(state.store, deal_id, move)
            return deal_id

        default_runner().write(store, write, {"deals", "customers"}, self.moved.emit,
                               self._failed, key=(self, "move", deal_id))

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(f"The deal was not moved: {exc}")
        self.message.show()
        self.failed.emit(str(exc))

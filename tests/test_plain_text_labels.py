"""Issue 20 H3: spreadsheet text is never rendered as HTML.

Qt renders a QLabel, QMessageBox or tooltip text as rich text when it *looks* like markup
(`Qt.mightBeRichText`), and a rich `<img src="/dev/zero">` reads that file (abort), a FIFO
hangs, any local image is read. Every customer name, deal title, reason, comment, segment,
product, stage, column name and file name below is that markup; the main window, every tab
and each dialog are built and visited, then every widget is swept: a label or message box
whose text format resolves to rich text, a tooltip (widget or table cell) that Qt would
render as rich text, or a text document, must not contain the raw `<img` of the data.
(Markup the app writes itself is fine: data inside it must be escaped.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QMessageBox,
    QTextEdit,
    QWidget,
)

# the spreadsheet text of the finding; the sweep looks for this raw `<img` (an escaped
# `&lt;img` is plain text and fine). The src is one that cannot hang the test run if a
# label does render it; the detection does not depend on it.
HOSTILE = '<img src="custdesk-h3-missing.png"><b>x</b>'
RAW = "<img"

# table -> text columns filled with the hostile text (kept distinct where they are keys)
POISON = {
    "customers": ("name", "company", "segment", "source", "referred_by", "lost_reason",
                  "country", "city", "notes", "campaign", "region"),
    "products": ("name", "category"),
    "orders": ("category", "region"),
    "deals": ("title", "owner", "source", "lost_reason", "competitor", "next_step",
              "campaign", "special_terms", "win_reason"),
    "tickets": ("topic", "channel"),
    "surveys": ("reason", "comment", "question"),
    "spend": ("channel",),
    "assessments": ("note",),
    "actions": ("title", "signal", "issue", "owner", "outcome"),
    "interactions": ("note",),
    "deal_stage_history": ("note",),
}


def poison(store) -> None:
    conn = store.conn
    with store.transaction():
        for table, columns in POISON.items():
            have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column in have:
                    conn.execute(f"UPDATE {table} SET {column} = ? || ' ' || id", (HOSTILE,))
        conn.execute("UPDATE reasons SET name = ? || ' ' || id", (HOSTILE,))
        conn.execute("UPDATE stages SET name = ? || ' ' || name WHERE kind = 'open'", (HOSTILE,))
        conn.execute("UPDATE settings SET value = ? WHERE key = 'business_name'", (HOSTILE,))
        conn.execute(
            "INSERT INTO import_batches(kind, source_file, sheet, started_at, finished_at) "
            "VALUES ('customers', ?, ?, '2026-11-01T10:00:00', '2026-11-01T10:00:01')",
            (f"/tmp/{HOSTILE.replace('/', '_')}.xlsx", HOSTILE))


def rich(text: str, text_format: Qt.TextFormat) -> bool:
    if text_format == Qt.TextFormat.RichText:
        return True
    return text_format == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(text)


def model_tooltips(view: QAbstractItemView) -> Iterator[str]:
    """Cell and header tooltips of a view's first 300 rows (list, table or tree)."""
    model = view.model()
    if model is None:
        return
    columns = 0
    while columns < 60 and model.index(0, columns).isValid():
        columns += 1
    for r in range(min(model.rowCount(), 300)):
        for c in range(columns):
            tip = model.data(model.index(r, c), Qt.ItemDataRole.ToolTipRole)
            if isinstance(tip, str):
                yield tip
    for c in range(columns):
        tip = model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        if isinstance(tip, str):
            yield tip


def sweep(where: str) -> list[str]:
    """Every widget alive: the places that would render the hostile text as HTML."""
    found: list[str] = []
    for w in QApplication.allWidgets():
        name = f"{where}: {type(w).__name__} {w.objectName()!r}"
        if isinstance(w, QLabel) and RAW in w.text() and rich(w.text(), w.textFormat()):
            found.append(f"{name} label {w.text()[:120]!r}")
        if isinstance(w, QMessageBox):
            for text in (w.text(), w.informativeText()):
                if RAW in text and rich(text, w.textFormat()):
                    found.append(f"{name} message {text[:120]!r}")
        tip = w.toolTip()
        if RAW in tip and GuiQt.mightBeRichText(tip):
            found.append(f"{name} tooltip {tip[:120]!r}")
        if isinstance(w, QTextEdit) and RAW in w.toHtml():
            found.append(f"{name} document")
        if isinstance(w, QAbstractItemView):
            for tip in model_tooltips(w):
                if RAW in tip and GuiQt.mightBeRichText(tip):
                    found.append(f"{name} cell tooltip {tip[:120]!r}")
                    break
    return found


class Messages:
    """QMessageBox's static functions, recorded instead of shown (they use AutoText)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def record(self, *args, **_kwargs):
        self.texts += [a for a in args if isinstance(a, str)]
        return QMessageBox.StandardButton.No

    def offenders(self) -> list[str]:
        return [f"static message box {t[:120]!r}" for t in self.texts
                if RAW in t and GuiQt.mightBeRichText(t)]


@pytest.fixture
def messages(monkeypatch) -> Messages:
    recorder = Messages()
    for name in ("warning", "question", "information", "critical", "about"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(recorder.record))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: 0)
    return recorder


def settle() -> None:
    for _ in range(3):
        QCoreApplication.processEvents()


def hostile_csv(folder: Path) -> Path:
    path = folder / "hostile.csv"
    path.write_text(f'Customer,Email,{HOSTILE.replace(",", " ")},"{HOSTILE}"\n'
                    f'"{HOSTILE}",a@x.example,"{HOSTILE}",1\n'
                    f'Plain Name,b@x.example,"{HOSTILE}",2\n', encoding="utf-8")
    return path


def test_no_label_renders_spreadsheet_text_as_html(qtbot, quiet_ui, demo_store, messages,
                                                   tmp_path, monkeypatch) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog
    from custdesk.ui.dialogs.merge_dialog import MergeDialog
    from custdesk.ui.main_window import MainWindow

    poison(demo_store)
    window = MainWindow(demo_store, persist_state=False)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    problems: list[str] = []
    for index, page in enumerate(window.tab_pages):
        window.tabs.setCurrentIndex(index)
        settle()
        problems += sweep(f"tab {window.tabs.tabText(index)!r}")
        for method in ("export_tables", "report_html"):  # build, never render
            if hasattr(page, method):
                getattr(page, method)()
    # the customer story of a customer with orders, a deal and a ticket
    cid = demo_store.conn.execute(
        "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC"
    ).fetchone()[0]
    demo_store.conn.execute("UPDATE customers SET status = 'lost', lost_on = '2026-10-01' "
                            "WHERE id = ?", (cid,))
    demo_store.conn.commit()
    customer = CustomerDialog.open_for(demo_store, cid, window)
    settle()
    problems += sweep("customer dialog")
    # the sweep sees data: the dialog shows the hostile name as plain text somewhere
    assert any(RAW in w.text() and w.textFormat() == Qt.TextFormat.PlainText
               for w in customer.findChildren(QLabel)) or HOSTILE in customer.windowTitle()
    customer.close()
    # merge: two customers with the same hostile name
    twin = demo_store.conn.execute("SELECT id FROM customers WHERE id <> ? LIMIT 1",
                                   (cid,)).fetchone()[0]
    demo_store.conn.execute("UPDATE customers SET name_key = 'same', email_key = 'same@x' "
                            "WHERE id IN (?, ?)", (cid, twin))
    demo_store.conn.commit()
    merge = MergeDialog(demo_store, window)
    merge.show()
    settle()
    assert merge.pairs
    problems += sweep("merge dialog")
    merge.merge_current()
    settle()
    problems += sweep("merge dialog after a merge")
    merge.close()
    for opener in ("settings_dialog", "show_metric_definitions"):
        dialog = getattr(window, opener)()
        settle()
        problems += sweep(opener)
        if dialog is not None:
            dialog.close()
    monkeypatch.setattr("custdesk.ui.dialogs.restore_backup_dialog.QMessageBox.question",
                        staticmethod(messages.record), raising=False)
    window.restore_backup_dialog()
    settle()
    problems += sweep("restore backup")
    window.undo_last_import()  # asks with the import's file name (recorded, answered No)
    settle()
    wizard = window.import_dialog(hostile_csv(tmp_path))
    settle()
    problems += sweep("import wizard, first page")
    if wizard is not None:
        for _ in range(3):
            wizard.next()
            settle()
            problems += sweep(f"import wizard, page {wizard.currentId()}")
        wizard.close()
    problems += messages.offenders()
    window.set_store(None)
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_sweep_sees_a_rich_label(qtbot) -> None:
    """The sweep itself: a data-fed label left in AutoText is caught; PlainText is not."""
    label = QLabel(HOSTILE)
    qtbot.addWidget(label)
    assert any("label" in p for p in sweep("probe"))
    label.setTextFormat(Qt.TextFormat.PlainText)
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setToolTip(HOSTILE)
    found = sweep("probe")
    assert not any("label" in p for p in found) and any("tooltip" in p for p in found)

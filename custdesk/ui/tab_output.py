"""Print preview and Excel export of what a tab shows (File ▸ Print…, File ▸ Export…).

Tabs implement `export_tables() -> list[SheetTable | KpiTable]` (the main table first, then
the key figures, then the rest) and `report_html() -> str`; the dialogs here ask for a file /
show the preview. The slow parts are tasks of `ui.tasks`: the workbook's write (from the
tables read on the GUI thread) and the preview's layout (freed on close). Tests call those
methods and `write_export` directly.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QSettings,
    QSizeF,
    Qt,
)
from PySide6.QtGui import QPageLayout, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from custdesk.reports.tab_report import MAX_PRINTED_ROWS, Chart, TextTable
from custdesk.services.files import start_folder
from custdesk.services.tab_export import SheetTable, write_csv_table, write_xlsx
from custdesk.ui import formatting as fmt
from custdesk.ui import plain_text
from custdesk.ui.record_table_model import Column, RecordTableModel, TableSnapshot
from custdesk.ui.tasks import TaskRunner, TaskState, default_runner

_RIGHT_KINDS = {"int", "float", "money", "pct", "score"}


# a table of more rows than this is read by the export's task, not on the GUI thread
DEFERRED_ROWS = 5_000


@dataclass(frozen=True)
class DeferredSheet:
    """A big table's sheet as the model showed it at the click, read into a `SheetTable`
    by the task that writes the file (`write_export`): reading a big file's 100k
    customers takes ~185 ms, too long for the GUI thread."""

    title: str
    snapshot: TableSnapshot

    def resolve(self) -> SheetTable:
        return _sheet(self.title, *self.snapshot.table())


def sheet_from_model(title: str, model: RecordTableModel) -> SheetTable | DeferredSheet:
    """The visible rows of `model`, in display order, with raw values (a `DeferredSheet`
    over `DEFERRED_ROWS` rows: `write_export` reads it)."""
    if model.rowCount() > DEFERRED_ROWS:
        return DeferredSheet(title, model.snapshot())
    return _sheet(title, *model.visible_table())


def _sheet(title: str, columns: list[Column], rows: list[list[Any]]) -> SheetTable:
    return SheetTable(title, [c.header for c in columns], [c.kind for c in columns], rows)


def text_table_from_model(title: str, model: RecordTableModel, note: str = "") -> TextTable:
    """The visible rows of `model` as the screen shows them, for printing. The report
    prints the first MAX_PRINTED_ROWS and says how many more there are: only those are
    read and formatted, the others only counted (blank rows) — formatting a big file's 100k
    customers took ~1.8 s on the GUI thread for 20 printed rows."""
    columns = model.columns
    texts: list[list[str]] = [[c.text(v) for c, v in zip(columns, row, strict=True)]
                              for row in model.visible_head(MAX_PRINTED_ROWS)]
    texts += [[]] * (model.rowCount() - len(texts))  # counted, never printed
    right = {i for i, c in enumerate(columns) if c.kind in _RIGHT_KINDS}
    return TextTable(title, [c.header for c in columns], texts, right, note)


def chart_for_print(title: str, widget: QWidget, width: int = 320, height: int = 120) -> Chart:
    """`widget` (a chart) as a printed image: grabbed at its drawn size, or at twice the
    printed size when it has not been laid out yet (a tab never shown)."""
    if widget.width() < 100 or widget.height() < 40:
        widget.resize(width * 2, height * 2)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    buffer.close()
    ratio = widget.height() / max(1, widget.width())
    return Chart(title, "data:image/png;base64," + base64.b64encode(data.data()).decode(),
                 width, max(40, min(2 * height, int(width * ratio))))


def printed_pages(html: str) -> int:
    """How many pages `html` prints on the default printer's page (what the preview
    shows): the check that a tab's summary stays short."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    document = QTextDocument()
    document.setHtml(html)
    document.setPageSize(printer.pageLayout().paintRect(QPageLayout.Unit.Point).size())
    return int(document.pageCount())


XLSX_FILTER, CSV_FILTER = "Excel workbook (*.xlsx)", "CSV (*.csv)"


def export_heading(tab_title: str, period: Any) -> str:
    """The title row of a tab's export: the tab and its period, as the period bar shows it."""
    if period is None:
        return tab_title
    return f"{tab_title} · {fmt.day_text(period.start)} – {fmt.day_text(period.end)}"


def export_path(path: str | Path, chosen_filter: str = XLSX_FILTER) -> Path:
    """Where an export goes: the file's suffix decides the format; a name without one takes
    the filter the owner chose."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        path = path.with_name(path.name + (".csv" if chosen_filter == CSV_FILTER else ".xlsx"))
    return path


def write_export(path: str | Path, tables: list[Any], title: str | None,
                 chosen_filter: str = XLSX_FILTER, symbol: str | None = None,
                 cancel: Callable[[], bool] | None = None) -> Path:
    """Write a tab's export: .csv (the first, main table only) or .xlsx (every table).

    `symbol` is the currency symbol of the money cells (default: the display's); plain
    data and `DeferredSheet`s (read here) only, so that it can run in a task. `cancel()`
    true stops the write (`ExportCancelled`) and leaves no file, not even a temporary one."""
    path = export_path(path, chosen_filter)
    tables = [t.resolve() if isinstance(t, DeferredSheet) else t for t in tables]
    if path.suffix.lower() == ".csv":
        main = next(t for t in tables if isinstance(t, SheetTable))
        return write_csv_table(path, main, cancel=cancel)
    return write_xlsx(path, tables, fmt.currency_symbol() if symbol is None else symbol, title,
                      cancel=cancel)


# the export tasks started, with where they write: the window asks before quitting over one
# still running (the runner says which are: a task dropped or ended is not)
# (one per tab at a time: keyed by the task key, so a later export replaces an ended one)
_writing: dict[object, tuple[TaskRunner, Path]] = {}


def exports_in_progress() -> list[Path]:
    """Where the exports still being written go (the window's close asks about them)."""
    for key, (runner, _path) in list(_writing.items()):
        if not runner.has_task(key):
            del _writing[key]
    return [path for _runner, path in _writing.values()]


def export_key(parent: QWidget) -> tuple[QWidget, str]:
    """The task key of `parent`'s export being written (one at a time per tab)."""
    return (parent, "export")


def export_dialog(parent: QWidget, name: str, tables: list[Any],
                  title: str | None = None, runner: TaskRunner | None = None) -> Path | None:
    """Ask where to save (.xlsx or .csv), write the export in a task, say where it went.

    `tables` are plain data read on the GUI thread (`export_tables()`; a big table's rows
    are read by the task: `DeferredSheet`); the workbook is written off it (300-400 ms
    for a big file's tab). Success goes to the status bar, a failure to a warning, both
    on the GUI thread. Returns where the file is being written
    (None: not asked, or this tab's previous export is still being written).
    `title` heads each sheet; by default the tab's title and period (BaseTab's)."""
    runner = runner or default_runner()
    key = export_key(parent)
    if runner.has_task(key):  # a second export of the same tab would race the first
        _status(parent, "The previous export is still being written…")
        return None
    if title is None:
        title = export_heading(getattr(parent, "title", "") or name,
                               getattr(parent, "period", None))
    # Documents, then the last folder used — never the program's own folder
    folder = start_folder(QSettings().value("last_folder", ""))
    suggested = str(folder / f"{name} {date.today().isoformat()}.xlsx")
    path, chosen = QFileDialog.getSaveFileName(parent, "Export", suggested,
                                               f"{XLSX_FILTER};;{CSV_FILTER}")
    if not path or runner.has_task(key):
        return None
    QSettings().setValue("last_folder", str(Path(path).parent))
    target = export_path(path, chosen)
    symbol = fmt.currency_symbol()

    def write(state: TaskState) -> Path:
        # quitting without it drops the task: the writer stops and removes its temporary file
        return write_export(target, tables, title, chosen, symbol,
                            cancel=lambda: state.cancelled)

    def written(where: Path) -> None:
        if shiboken6.isValid(parent):
            _status(parent, f"Exported to {where}")

    def failed(exc: BaseException) -> None:
        if not isinstance(exc, OSError):
            raise exc  # a bug: the error dialog, as when the write ran here
        QMessageBox.warning(parent if shiboken6.isValid(parent) else None, "Export failed",
                            plain_text.safe(f"Could not write {path}: {exc.strerror or exc}"))

    runner.query(None, write, written, failed, key=key)
    _writing[key] = (runner, target)
    return target


def _status(parent: QWidget, text: str) -> None:
    if not shiboken6.isValid(parent):
        return
    status = getattr(parent.window(), "statusBar", None)
    if status is not None:
        status().showMessage(text, 8000)


def layout_task(html: str, page: QSizeF) -> Callable[[TaskState], QTextDocument]:
    """The heavy part of printing: lay `html` out on pages of `page` points (a 1,000-row
    table takes ~0.2 s). Runs as a task; the document is handed to the GUI thread."""
    def run(state: TaskState) -> QTextDocument:
        document = QTextDocument()
        document.setHtml(html)
        state.check_cancelled()
        document.setPageSize(page)
        document.pageCount()  # forces the layout here, not on the GUI thread
        app = QCoreApplication.instance()
        if app is not None:
            document.moveToThread(app.thread())  # pushed from its own (the task's) thread
        return document
    return run


def print_preview(parent: QWidget, html: str, runner: TaskRunner | None = None
                  ) -> QPrintPreviewDialog:
    """A print preview of `html` (non-blocking): it opens once the document is laid out,
    and is freed when closed."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.resize(900, 700)
    # The dialog keeps raw pointers to the printer and the document: they must live as long
    # as it does (a collected QPrinter crashed the preview on its first paint).
    dialog._printer = printer  # type: ignore[attr-defined]

    def show(document: QTextDocument) -> None:
        if not shiboken6.isValid(dialog):
            return
        dialog._document = document  # type: ignore[attr-defined]
        dialog.paintRequested.connect(document.print_)
        dialog.open()

    page = printer.pageLayout().paintRect(QPageLayout.Unit.Point).size()
    (runner or default_runner()).query(None, layout_task(html, page), show,
                                       key=(parent, "print"))
    return dialog

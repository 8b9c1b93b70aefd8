"""What the tab tests share: a tab on a store for a period (fixtures are in conftest.py)."""

from __future__ import annotations

from custdesk.domain.periods import Period
from custdesk.ui import tasks


class HeldRunner(tasks.SyncRunner):
    """Runs each task only when the test says (`drain()`: a slow worker), through the
    runner's own bookkeeping: a superseded or cancelled task never reports. `keys`: the
    key of every task submitted."""

    def __init__(self) -> None:
        super().__init__()
        self.queued: list = []
        self.keys: list = []

    def submit(self, store, task, done, failed=None, key=None):
        self.keys.append(key)
        super().submit(store, task, done, failed, key)

    def _launch(self, job) -> None:
        self.queued.append(job)

    def drain(self) -> None:
        while self.queued:
            self.queued.pop(0).run()


def make_tab(qtbot, cls, store, period: Period, runner=None):
    """A tab of class `cls` showing `store` for `period`, loaded synchronously — or
    through `runner` when given (a `HeldRunner`: loaded when the test drains it)."""
    tab = cls()
    qtbot.addWidget(tab)
    if runner is not None:
        tab.runner = runner
    tab.set_period(period, refresh=False)
    tab.set_store(store)
    return tab


def preview_from_file_menu(window, text: str, opened: list, kind: str, out) -> int:
    """Trigger File ▸ `text` (QPrintPreviewDialog.open patched to append to `opened`), check
    the one preview it opened is kept as `window.dialogs[kind]`, print it on A4 into `out`
    (a PDF) and return its page count."""
    from PySide6.QtPrintSupport import QPrinter

    from custdesk.reports.scorecard_pdf import pdf_page_count, setup_a4

    file_menu = window.menuBar().actions()[0].menu()
    next(a for a in file_menu.actions() if a.text() == text).trigger()
    assert len(opened) == 1 and window.dialogs[kind] is opened[0]
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    setup_a4(printer)
    opened[0].paintRequested.emit(printer)
    return pdf_page_count(out)

"""The import wizard itself and its first page (which file)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSettings, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
    QWizard,
    QWizardPage,
)

from custdesk.services.files import Store, start_folder
from custdesk.ui.import_wizard.choose_pages import MappingPage, SheetPage
from custdesk.ui.import_wizard.run_pages import ImportPage, PreviewPage
from custdesk.ui.tasks import TaskRunner, default_runner

FILE_FILTER = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv *.txt);;All files (*)"
# Big enough to read every mapped column of a 21-column sheet with its samples on a
# 1366×768 laptop (the old 500×360 showed 4 columns with squashed samples).
DEFAULT_SIZE = QSize(1100, 680)


def default_size(available: QRect | None) -> QSize:
    """`DEFAULT_SIZE`, clamped to the screen's available geometry (minus a margin for
    the window frame)."""
    if available is None or available.isEmpty():
        return DEFAULT_SIZE
    return QSize(min(DEFAULT_SIZE.width(), available.width() - 16),
                 min(DEFAULT_SIZE.height(), available.height() - 40))


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Choose a spreadsheet")
        self.setSubTitle("Excel (.xlsx, .xls), OpenDocument (.ods) or CSV. Nothing is "
                         "written until the last step, and every import can be undone.")
        self.path_edit = QLineEdit()
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.encoding = QComboBox()
        self.encoding.addItems(["Automatic (UTF-8)", "Windows (cp1252)", "Latin-1"])
        row = QHBoxLayout()
        row.addWidget(self.path_edit)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("File:", row)
        form.addRow("Text encoding (CSV):", self.encoding)
        self._wizard = wizard

    def start_folder(self) -> Path:
        """The last folder a file was chosen in (shared with File ▸ Open), else Documents,
        never the program's folder."""
        return start_folder(QSettings().value("last_folder", ""))

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import", str(self.start_folder()),
                                                    FILE_FILTER)
        if path:
            QSettings().setValue("last_folder", str(Path(path).parent))
            self.path_edit.setText(path)

    def chosen_encoding(self) -> str | None:
        return [None, "cp1252", "latin-1"][self.encoding.currentIndex()]

    def isComplete(self) -> bool:
        return Path(self.path_edit.text()).is_file()


class ImportWizard(QWizard):
    """File ▸ Import…: emits `imported(batch_id)` when an import has been written.

    Freed when closed (WA_DeleteOnClose): a previewed 100k-line file holds ~100 MB, which
    must not stay behind as a hidden child of the window. Its tasks run on their own
    connections to `store`'s file, never on `store`'s connection.
    """

    imported = Signal(int)

    def __init__(self, store: Store, parent: QWidget | None = None,
                 path: str | Path | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Import a spreadsheet")
        self.store = store
        self.runner = runner or default_runner()
        self.file_page = FilePage(self)
        self.sheet_page = SheetPage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.import_page = ImportPage(self)
        ids = [self.addPage(page) for page in (self.file_page, self.sheet_page,
                                               self.mapping_page, self.preview_page,
                                               self.import_page)]
        self.preview_id = ids[3]  # a custdesk workbook skips the choosing pages to it
        self.preview_page.setCommitPage(True)  # no Back once writing has started
        self.setButtonText(QWizard.WizardButton.CommitButton, "Import")
        screen = (parent.screen() if parent is not None else None) or self.screen()
        self.resize(default_size(screen.availableGeometry() if screen else None))
        # only a real path: a QAction's `checked` flag once arrived here as "False"
        if isinstance(path, str | Path) and str(path):
            self.file_page.path_edit.setText(str(path))

    def reject(self) -> None:
        """Closing while writing cancels the import (it rolls back) instead of leaving it."""
        if self.currentPage() is self.import_page and not self.import_page.finished:
            self.import_page.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        # reading tasks still running are no longer wanted: they stop and never report
        for stage in ("scan", "preview"):
            self.runner.cancel((self, stage))
        super().done(result)

"""The Scorecard tab: score the questions 0–10 with live evidence beside each, see the
running average and the change since the last assessment, save it dated today, and look
back over the history. File ▸ Print… previews the one-page summary; Export writes it as PDF.

The data (history, evidence) is the scorecard screen (`services/screens/scorecard.py`),
drawn as built; only the form's running average is worked out here, from the spin boxes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.periods import Period
from custdesk.domain.scorecard import (
    DASH,
    Evidence,
    ScoredAssessment,
    average_score,
    questions_by_area,
    strength_note,
)
from custdesk.reports.scorecard_pdf import print_html, setup_a4, write_pdf
from custdesk.reports.scorecard_report import scorecard_html
from custdesk.services import scorecard_service as svc
from custdesk.services.files import DatabaseError, Store
from custdesk.services.screen_process import ScreenJob
from custdesk.services.screens import scorecard
from custdesk.services.screens.model import Screen
from custdesk.ui import formatting as fmt
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.scorecard_parts import HistoryPanel, QuestionRow, evidence_html

log = logging.getLogger(__name__)


class ScorecardTab(DashboardTab):
    """Draws `services/screens/scorecard.py` (built in the background like every data tab);
    the form stays editable, and saving goes through `scorecard_service`."""

    title = "Scorecard"
    slug = "scorecard"
    screen_module = scorecard

    def __init__(self, parent: QWidget | None = None, *,
                 today: Callable[[], date] = date.today) -> None:
        self.history: list[ScoredAssessment] = []
        self.evidence: dict[str, Evidence | None] = {}
        self.baseline: ScoredAssessment | None = None
        self.dirty = False  # the form differs from what was loaded or saved
        self.note_dirty = False  # only the note was changed
        self.followups: dict[str, dict[str, object]] = {}  # question id -> target, action
        self._loading = False
        self._after_load = ""  # a status line to keep after the next load (e.g. "Saved")
        super().__init__(parent)
        self.today = today  # injectable, so tests can fix "today"
        self._update_summary()

    def build_content(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._build_top_bar())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.columns_label = QLabel()  # what the change and evidence columns compare with
        self.columns_label.setStyleSheet("color:#555")
        left_layout.addWidget(self.columns_label)
        left_layout.addWidget(self._build_questions(), 1)
        splitter.addWidget(left)
        self.history_panel = HistoryPanel()
        splitter.addWidget(self.history_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([930, 380])
        layout.addWidget(splitter, 1)
        return page

    def _build_top_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.average_label = QLabel()
        self.average_label.setTextFormat(Qt.TextFormat.RichText)
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.status_label = QLabel()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("A note on this assessment (saved with it)")
        self.note_edit.textEdited.connect(self._note_changed)
        self.save_button = QPushButton("Save as today's assessment")
        self.save_button.clicked.connect(self.save)
        self.print_button = QPushButton("Print…")
        self.print_button.clicked.connect(self.print_dialog)
        self.pdf_button = QPushButton("Export PDF…")
        self.pdf_button.clicked.connect(self.export_dialog)
        text = QVBoxLayout()
        text.addWidget(self.note_label)
        text.addWidget(self.note_edit)
        text.addWidget(self.status_label)
        bar.addWidget(self.average_label)
        bar.addSpacing(16)
        bar.addLayout(text, 1)
        for button in (self.save_button, self.print_button, self.pdf_button):
            bar.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        return bar

    def _build_questions(self) -> QScrollArea:
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setSpacing(4)
        self.rows: dict[str, QuestionRow] = {}
        for area, questions in questions_by_area().items():
            box = QGroupBox(area)
            grid = QGridLayout(box)
            grid.setColumnStretch(0, 5)
            grid.setColumnStretch(3, 3)
            grid.setVerticalSpacing(6)
            grid.setContentsMargins(8, 4, 8, 4)
            for row, q in enumerate(questions):
                self.rows[q.id] = QuestionRow(q, grid, row, self._changed, self.plan_action)
            column.addWidget(box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        return scroll

    # -- data ---------------------------------------------------------------------------

    def plan_action(self, row: QuestionRow) -> QDialog | None:
        """An action to raise one question's score (the score on screen as the issue)."""
        from custdesk.ui.dialogs.action_dialog import ActionDialog

        if self.store is None:
            return None
        dialog = ActionDialog.from_signal(self.store, "scorecard", row.signal_row(), self)
        question_id = row.question.id
        dialog.saved.connect(lambda action_id: self.link_action(question_id, action_id))
        return dialog

    def link_action(self, question_id: str, action_id: int) -> None:
        """The action planned from a question becomes its next action (shown under it and
        in the printed summary)."""
        if self.store is None:
            return
        svc.link_action(self.store, question_id, action_id)
        self.refresh()

    def set_store(self, store: Store | None) -> None:
        self.dirty = False  # another file: its latest assessment replaces the form
        super().set_store(store)

    def refresh(self) -> None:
        """Rebuild the screen (history and evidence); the form keeps unsaved scores."""
        for w in (self.save_button, self.print_button, self.pdf_button):
            w.setEnabled(self.store is not None)
        if self.store is None:
            self.history, self.evidence, self.baseline = [], {}, None
            self.history_panel.show_history([])
            self.stack.setCurrentWidget(self.content)
            self.status_label.setText("No database is open.")
            self._update_summary()
            return
        super().refresh()

    def load_job(self, period: Period) -> ScreenJob:
        """Runs in the background (a failure is logged by the task runner and shown on the
        error line): the whole screen, with the baseline for our "today"."""
        return ScreenJob(scorecard.build, (period, self.period_label), {"today": self.today()})

    def show_screen(self, screen: Screen) -> None:
        """Draw the built screen: history, evidence, and the latest assessment unless the
        form holds unsaved scores."""
        # the builder's first note (strongest/weakest, or "no assessment yet") is said,
        # live, by the form's own lines: show only the notes after it
        self.notes.setText("  ".join(screen.notes[1:]))
        self.notes.setVisible(len(screen.notes) > 1)
        self.history = scorecard.assessments_of(screen)
        self.baseline = svc.baseline_for(self.history, self.today())
        self.followups = {str(r["question_id"]): r for r in screen.tables.get("followups", [])}
        if not self.dirty:
            self._load_form(self.history[-1] if self.history else None)
        if self._after_load:
            self.status_label.setText(self._after_load)
            self._after_load = ""
        for qid, row in self.rows.items():
            row.show_next_action(self.followups.get(qid))
        self.history_panel.show_history(screen.tables.get("history", []))
        self._show_evidence(scorecard.evidence_of(screen))

    def _show_evidence(self, evidence: dict[str, Evidence | None]) -> None:
        self.evidence = evidence
        for qid, row in self.rows.items():
            row.evidence.setText(evidence_html(evidence.get(qid)))
            row.evidence.setToolTip(f"From your data for {fmt.day_text(self.period.start)} – "
                                    f"{fmt.day_text(self.period.end)}")
        self._update_summary()

    def _load_form(self, assessment: ScoredAssessment | None) -> None:
        self._loading = True
        try:
            for qid, row in self.rows.items():
                row.set_score(assessment.answers.get(qid) if assessment else None)
                target = self.followups.get(qid, {}).get("target")
                row.set_target(target if isinstance(target, int) else None)
            self.note_edit.setText(assessment.note or "" if assessment else "")
            self.note_dirty = False
        finally:
            self._loading = False
        if assessment is None:
            self.status_label.setText("Score each question from 0 to 10, then save.")
        else:
            self.status_label.setText(
                f"Showing your assessment of {fmt.day_text(assessment.taken_on)}; "
                "change any score and save it as today's.")

    def answers(self) -> dict[str, int | None]:
        """The scores on screen, by question id (None = not answered)."""
        return {qid: row.score for qid, row in self.rows.items()}

    def targets(self) -> dict[str, int | None]:
        """The target scores on screen, by question id (None = no target)."""
        return {qid: row.target_score for qid, row in self.rows.items()}

    def _note_changed(self, *_: object) -> None:
        self.note_dirty = True
        self.status_label.setText("<span style='color:#b3261e'>Note not saved yet.</span>")
        self.save_button.setEnabled(self.store is not None)

    def _changed(self) -> None:
        if self._loading:
            return
        self.dirty = True
        self.status_label.setText("<span style='color:#b3261e'>Not saved yet.</span>")
        self._update_summary()

    def _update_summary(self) -> None:
        answers = self.answers()
        avg = average_score(answers)
        answered = sum(v is not None for v in answers.values())
        was = ""
        if self.baseline is not None and self.baseline.average is not None:
            was = (f"<br><span style='color:#555'>was {self.baseline.average:.1f} on "
                   f"{fmt.day_text(self.baseline.taken_on)}</span>")
        self.average_label.setText(
            f"<span style='font-size:22pt; font-weight:bold'>"
            f"{DASH if avg is None else f'{avg:.1f}'}</span> / 10 average"
            f"<br>{answered} of {len(answers)} answered{was}")
        self.note_label.setText(strength_note(answers))
        since = self.baseline.taken_on if self.baseline else None
        compared = (f"change since your assessment of {fmt.day_text(since)}" if since
                    else "no earlier assessment to compare with")
        self.columns_label.setText(
            f"Score each question 0–10 · {compared} · evidence from your data for "
            f"{fmt.day_text(self.period.start)} – {fmt.day_text(self.period.end)}")
        before = self.baseline.answers if self.baseline else {}
        for qid, row in self.rows.items():
            row.show_change(before.get(qid), since)
        self.save_button.setEnabled(self.store is not None and answered > 0)

    def save(self) -> bool:
        """Save the form as today's assessment (replacing one already saved today)."""
        if self.store is None:
            return False
        day = self.today()
        note = self.note_edit.text()
        latest = self.history[-1] if self.history else None
        try:
            if latest is not None and not self.dirty and self.note_dirty:
                svc.set_note(self.store, latest.id, note)  # only the shown one's note
                day = latest.taken_on
            else:
                svc.save_form(self.store, self.answers(), self.targets(), day, note)
        except (DatabaseError, ValueError, OSError) as exc:
            log.warning("The scorecard was not saved: %s", exc)
            # shown in the tab, not a modal box: the owner keeps the scores on screen
            self.status_label.setText(f"<span style='color:#b3261e'>Not saved: {exc}</span>")
            return False
        self.dirty = self.note_dirty = False
        # shown now, and again once the reload (possibly in the background) has drawn
        self._after_load = f"Saved as your assessment of {fmt.day_text(day)}."
        self.status_label.setText(self._after_load)
        self.refresh()
        return True

    # -- printing and export -----------------------------------------------------------

    def summary_html(self) -> str:
        """The one-page summary of what the form shows (dated today when not saved)."""
        if self.store is None:
            return ""
        latest = self.history[-1] if self.history else None
        saved = not self.dirty and latest is not None
        day = latest.taken_on if saved and latest else self.today()
        summary = svc.draft_summary(self.store, self.answers(), day, self.period,
                                    saved=saved and not self.note_dirty,
                                    evidence_by_question=self.evidence,
                                    note=self.note_edit.text().strip() or None)
        return scorecard_html(summary)

    def print_dialog(self) -> None:
        """Preview the one-page summary and print it (File ▸ Print…)."""
        if self.store is None:
            return
        html = self.summary_html()
        dialog = QPrintPreviewDialog(self)
        setup_a4(dialog.printer())
        dialog.paintRequested.connect(lambda printer: print_html(html, printer))
        dialog.exec()

    def export_dialog(self) -> None:
        """Ask where to write the summary as PDF, then write it."""
        if self.store is None:
            return
        suggested = str(Path.home() / f"scorecard-{self.today().isoformat()}.pdf")
        path, _filter = QFileDialog.getSaveFileName(self, "Export the scorecard as PDF",
                                                    suggested, "PDF files (*.pdf)")
        if path:
            self.export_pdf(Path(path))

    def export_pdf(self, path: Path) -> int:
        """Write the summary to `path` (".pdf" added when missing); returns the page count."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            pages = write_pdf(self.summary_html(), path)
        except OSError as exc:
            self.status_label.setText(f"<span style='color:#b3261e'>PDF not written: {exc}</span>")
            return 0
        self.status_label.setText(f"PDF written to {path}.")
        return pages

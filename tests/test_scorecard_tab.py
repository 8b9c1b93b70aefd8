"""The Scorecard tab: form, running average, change since last, save, history, print, PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.domain.scorecard import QUESTIONS
from custdesk.services import scorecard_service as svc
from custdesk.ui.tabs import scorecard_tab as module
from custdesk.ui.tabs.scorecard_parts import NOT_ANSWERED
from custdesk.ui.tabs.scorecard_tab import ScorecardTab

TODAY = date(2026, 11, 24)


@pytest.fixture
def tab(qtbot, demo_store, quiet_ui) -> ScorecardTab:
    t = ScorecardTab(today=lambda: TODAY)
    qtbot.addWidget(t)
    t.set_period(Period(date(2025, 12, 1), TODAY), refresh=False)
    t.set_store(demo_store)
    return t


def test_form_shows_latest_assessment_and_its_average(tab, demo_store) -> None:
    latest = svc.load_history(demo_store)[-1]
    assert tab.answers() == {q.id: latest.answers[q.id] for q in QUESTIONS}
    expected = sum(latest.answers.values()) / len(QUESTIONS)
    assert f"{expected:.1f}" in tab.average_label.text()
    assert not tab.dirty
    assert tab.history_panel.table.rowCount() == 2
    # newest first, with the change of the average since the one before
    history = svc.load_history(demo_store)
    assert tab.history_panel.table.item(0, 3).text() == (
        f"{history[1].average - history[0].average:+.1f}")


def test_editing_updates_average_change_and_marks_unsaved(tab, qtbot) -> None:
    for row in tab.rows.values():
        row.spin.setValue(NOT_ANSWERED)
    tab.rows["margins"].spin.setValue(9)
    tab.rows["staff"].spin.setValue(4)
    assert tab.dirty and "Not saved" in tab.status_label.text()
    assert ">6.5<" in tab.average_label.text()  # (9 + 4) / 2
    assert "2 of 10 answered" in tab.average_label.text()
    before = tab.baseline.answers["margins"]
    assert f"{9 - before:+d}".replace("-", "−") in tab.rows["margins"].change.text()
    assert "Weakest: Staff engagement (4)" in tab.note_label.text()


def test_save_as_today_adds_to_history_and_survives_reload(tab, demo_store, qtbot) -> None:
    tab.rows["margins"].spin.setValue(10)
    tab.rows["automation"].spin.setValue(NOT_ANSWERED)
    qtbot.mouseClick(tab.save_button, module.Qt.MouseButton.LeftButton)
    history = svc.load_history(demo_store)
    assert len(history) == 3 and history[-1].taken_on == TODAY
    assert history[-1].answers["margins"] == 10 and history[-1].answers["automation"] is None
    assert not tab.dirty and tab.history_panel.table.rowCount() == 3
    assert tab.baseline.taken_on == date(2026, 11, 17)  # today's is compared with the last
    tab.rows["margins"].spin.setValue(8)
    assert tab.save()  # same day: replaced, not added
    assert len(svc.load_history(demo_store)) == 3
    fresh = ScorecardTab(today=lambda: TODAY)
    qtbot.addWidget(fresh)
    fresh.set_store(demo_store)
    assert fresh.answers()["margins"] == 8


def test_nothing_answered_cannot_be_saved(tab) -> None:
    for row in tab.rows.values():
        row.spin.setValue(NOT_ANSWERED)
    assert not tab.save_button.isEnabled()
    assert "No questions answered yet." == tab.note_label.text()


def test_period_change_keeps_unsaved_scores(tab) -> None:
    tab.rows["margins"].spin.setValue(1)
    tab.set_period(Period(date(2026, 1, 1), TODAY))
    assert tab.answers()["margins"] == 1 and tab.dirty
    from custdesk.ui.formatting import day_text

    assert f"for {day_text(date(2026, 1, 1))} – " in tab.columns_label.text()


def test_evidence_beside_each_question(tab, demo_store) -> None:
    expected = svc.evidence(demo_store, tab.period)
    lost = expected["lost_reasons"]
    assert lost.detail in tab.rows["lost_reasons"].evidence.text()
    assert "Gross margin" in tab.rows["margins"].evidence.text()
    assert "Records kept current" in tab.rows["automation"].evidence.text()  # issue 16


def test_no_store_disables_actions(qtbot) -> None:
    t = ScorecardTab(today=lambda: TODAY)
    qtbot.addWidget(t)
    t.set_store(None)
    assert not t.save_button.isEnabled() and not t.print_button.isEnabled()
    assert t.summary_html() == ""


def test_print_dialog_previews_the_summary(tab, monkeypatch) -> None:
    shown = {}

    class FakePreview:
        def __init__(self, parent) -> None:
            from PySide6.QtPrintSupport import QPrinter

            self._printer = QPrinter()
            self.paintRequested = self
            shown["dialog"] = self

        def printer(self):
            return self._printer

        def connect(self, slot) -> None:
            shown["slot"] = slot

        def exec(self) -> int:  # never open a modal dialog for real
            shown["exec"] = True
            return 0

    monkeypatch.setattr(module, "QPrintPreviewDialog", FakePreview)
    tab.print_dialog()
    assert shown["exec"] and callable(shown["slot"])


def test_export_writes_one_page_pdf_of_the_form(tab, monkeypatch, tmp_path: Path) -> None:
    from custdesk.reports.scorecard_pdf import pdf_page_count

    target = tmp_path / "card"
    monkeypatch.setattr(module.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "PDF files (*.pdf)")))
    tab.rows["margins"].spin.setValue(10)
    tab.export_dialog()
    written = tmp_path / "card.pdf"
    assert written.is_file() and pdf_page_count(written) == 1
    assert "PDF written" in tab.status_label.text()
    html = tab.summary_html()
    assert "(not saved yet)" in html and "24 Nov 2026" in html


def test_export_to_unwritable_place_reports_in_tab(tab, tmp_path: Path) -> None:
    assert tab.export_pdf(tmp_path / "missing-folder" / "x.pdf") == 0
    assert "PDF not written" in tab.status_label.text()

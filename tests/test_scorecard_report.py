"""The one-page summary: HTML content, one A4 page as PDF, and `custdesk report scorecard`."""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from custdesk.cli import main
from custdesk.domain.scorecard import QUESTIONS, Evidence, ScoredAssessment
from custdesk.reports.scorecard_report import ScorecardSummary, scorecard_html
from custdesk.services import scorecard_service as svc


def _text(page: str) -> str:
    # tags -> spaces, then ASCII whitespace runs -> one space (no-break spaces are kept)
    return re.sub(r"[ \t\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def _summary(**kw) -> ScorecardSummary:
    now = {q.id: None for q in QUESTIONS} | {"margins": 8, "referrals": 2, "staff": 6}
    before = {q.id: None for q in QUESTIONS} | {"margins": 5, "referrals": 3}
    base = dict(
        business="Riverside Bakery <Ltd>",
        assessment=ScoredAssessment(2, date(2026, 11, 17), now),
        previous=ScoredAssessment(1, date(2026, 5, 28), before),
        evidence={q.id: None for q in QUESTIONS} | {
            "margins": Evidence("Gross margin", 41.25, "pct", 120, "n = 120")},
        period=(date(2025, 12, 1), date(2026, 11, 17)),
        history=[(date(2026, 5, 28), 4.0), (date(2026, 11, 17), 5.3)])
    return ScorecardSummary(**(base | kw))


def test_html_has_business_date_average_scores_and_evidence() -> None:
    text = _text(scorecard_html(_summary()))
    assert "Riverside Bakery <Ltd> — scorecard" in text  # escaped in HTML, intact as text
    assert "17 Nov 2026" in text and "1 Dec 2025" in text
    assert "Average 5.3 / 10" in text  # (8 + 2 + 6) / 3 = 5.33 -> 5.3
    assert "was 4.0 on 28 May 2026 (+1.3)" in text
    assert "3 of 10 questions answered" in text
    assert "Gross margin: 41.2\u00a0%" in text  # 41.25 -> 41.2 (binary 41.25 rounds to even)
    assert "Strongest: Margins (8). Weakest: Referrals (2)" in text
    assert "+3" in text and "−1" in text  # margins 5 -> 8, referrals 3 -> 2
    assert "28 May 2026 4.0 → 17 Nov 2026 5.3" in text
    for q in QUESTIONS:
        assert q.name in text and q.zero in text


def test_area_averages_appear_per_area() -> None:
    page = scorecard_html(_summary())
    growth = re.search(r"<b>Growth</b>.*?</tr>", page, re.S).group(0)
    assert ">8.0<" in growth  # only margins answered in Growth
    people = re.search(r"<b>People</b>.*?</tr>", page, re.S).group(0)
    assert ">6.0<" in people


def test_html_without_previous_or_answers() -> None:
    empty = ScoredAssessment(1, date(2026, 1, 1), {q.id: None for q in QUESTIONS})
    text = _text(scorecard_html(_summary(assessment=empty, previous=None, history=[])))
    assert "Average —" in text and "No questions answered yet." in text
    assert "was " not in text and "Average over time" not in text


def _page_count(path: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        return int(re.search(r"Pages:\s+(\d+)", out.stdout).group(1))
    from custdesk.reports.scorecard_pdf import pdf_page_count

    return pdf_page_count(path)


def test_demo_summary_prints_on_one_a4_page(qapp, demo_store, tmp_path: Path) -> None:
    from custdesk.reports.scorecard_pdf import pdf_page_count, write_pdf

    out = tmp_path / "s.pdf"
    assert write_pdf(svc.summary_html(demo_store), out) == 1
    assert _page_count(out) == 1
    assert pdf_page_count(out) == 1  # our fallback counter agrees with pdfinfo


def test_the_page_check_can_fail(qapp, tmp_path: Path) -> None:
    """A long document does come out as several pages, so the one-page test means something."""
    from custdesk.reports.scorecard_pdf import write_pdf

    out = tmp_path / "long.pdf"
    pages = write_pdf("<p>line</p>" * 400, out)
    assert pages > 1 and _page_count(out) == pages


def test_worst_case_summary_still_fits_one_page(qapp, tmp_path: Path) -> None:
    """Every question answered, long evidence and a long note: still one page."""
    from custdesk.reports.scorecard_pdf import write_pdf

    full = {q.id: 10 - i % 10 for i, q in enumerate(QUESTIONS)}
    ev = {q.id: Evidence("A rather long evidence label", 123456.0, "money", 9999,
                         "1,234 of 5,678 lost deals") for q in QUESTIONS}
    s = _summary(assessment=ScoredAssessment(3, date(2026, 11, 24), full, note="x" * 200),
                 previous=ScoredAssessment(2, date(2026, 5, 1), full), evidence=ev,
                 history=[(date(2020 + i, 1, 1), 5.0) for i in range(7)])
    out = tmp_path / "worst.pdf"
    assert write_pdf(scorecard_html(s), out) == 1
    assert _page_count(out) == 1


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "custdesk", *args], capture_output=True,
                          text=True, timeout=120, env=env)


def test_cli_writes_a_one_page_pdf(demo_db_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    shutil.copyfile(demo_db_template, db)
    out = tmp_path / "card.pdf"
    result = _cli("report", "scorecard", "--db", str(db), "--out", str(out), "--assessment", "1")
    assert result.returncode == 0, result.stderr
    assert "(1 page)" in result.stdout
    assert out.read_bytes().startswith(b"%PDF") and _page_count(out) == 1


def test_cli_user_mistakes_are_one_line(demo_db_template: Path, tmp_path: Path,
                                        capsys) -> None:
    db = tmp_path / "d.db"
    shutil.copyfile(demo_db_template, db)
    assert main(["report", "scorecard", "--db", str(db), "--out", str(tmp_path / "x.txt")]) == 2
    assert "must name a .pdf" in capsys.readouterr().err
    assert main(["report", "scorecard", "--db", str(db), "--out", str(tmp_path / "x.pdf"),
                 "--assessment", "42"]) == 2
    err = capsys.readouterr().err
    assert "no assessment with id 42 (saved: 1, 2)" in err and "Traceback" not in err
    assert main(["report", "scorecard", "--db", str(tmp_path / "none.db"),
                 "--out", str(tmp_path / "x.pdf")]) == 2
    assert "does not exist" in capsys.readouterr().err
    empty = tmp_path / "empty.db"
    from custdesk.storage import open_store

    open_store(empty).close(backup_if_changed=False)
    assert main(["report", "scorecard", "--db", str(empty), "--out", str(tmp_path / "x.pdf")]) == 2
    assert "No assessment has been saved yet" in capsys.readouterr().err

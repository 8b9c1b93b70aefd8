"""The monthly business review on paper (issue 16): built only from the screens, a few A4
pages on the demo, a "nothing to review yet" page (exit 4) on an empty file,
`custdesk report review`."""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from custdesk.cli import main
from custdesk.reports.review_report import KEY_FIGURES, SECTIONS, figure, money
from custdesk.services import review_service as rs
from custdesk.services.screens.model import to_json
from custdesk.services.screens.registry import SCREENS
from custdesk.services.screens.targets import on_track

TODAY = date(2026, 11, 25)  # the day after the demo's last day


def _text(page: str) -> str:
    return re.sub(r"[ \t\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def _review(store, month: str | None = "2026-10", period: str | None = None) -> rs.Review:
    resolved = rs.resolve(store, period, month, TODAY)
    return rs.build_review(store, resolved.period, resolved.label, TODAY)


def test_every_area_key_figure_is_printed_and_equals_the_screen(demo_store) -> None:
    review = _review(demo_store)
    text = _text(review.html)
    period = review.screens["today"].period
    assert (period.start, period.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert "October 2026" in text and "1 Oct 2026 – 31 Oct 2026" in text
    shown = 0
    for area, name, metrics in KEY_FIGURES:
        assert area in text
        # the same builder the tab calls, run on its own: the review's JSON is its JSON
        tab = to_json(SCREENS[name](demo_store, period, review.data.period_label))
        printed = review.data.screens[name]
        if tab["empty"]:
            continue
        for m in metrics:
            card = tab["cards"][m]
            assert printed["cards"][m]["value"] == card["value"], (name, m)
            assert printed["cards"][m]["prior"] == card["prior"], (name, m)
            assert printed["cards"][m]["target"] == card["target"], (name, m)
            assert figure(card["value"], card["unit"]) in text, (name, m)
            shown += 1
    assert shown >= 25
    # the bridge and the top lists come from the screens too
    bridge = {s["step"]: s["customers"] for s in review.data.screens["customers"]["tables"]
              ["bridge"]}
    assert bridge["Start"] + bridge["New"] + bridge["Won back"] - bridge["Lost"] == bridge["End"]
    assert f"= {bridge['End']}" in text
    at_risk = review.data.screens["today"]["lists"]["at_risk"]
    assert at_risk[0]["customer"] in text and money(at_risk[0]["value_at_risk"]) in text
    assert f"top 10 of {len(at_risk)}" in text
    for heading in (*SECTIONS, "Open pipeline by stage", "Why deals were lost",
                    "Why customers left", "Hot deals", "Detractors", "By source this period"):
        assert heading in text, heading
    average = review.screens["scorecard"].cards["scorecard_average"].value
    assert average is not None and f"Scorecard average {average:.1f} / 10" in text


def test_targets_are_judged_in_the_metric_direction(demo_store) -> None:
    review = _review(demo_store)
    revenue = review.screens["today"].cards["revenue"]
    assert revenue.target is not None  # the demo's plan sets monthly revenue targets
    expected = on_track(revenue.value, revenue.target, True)
    assert review.data.screens["today"]["cards"]["revenue"]["on_track"] is expected
    text = _text(review.html)
    assert figure(revenue.target, "money") in text
    assert ("off track" if expected is False else "on track") in text
    assert "no target" in text  # most cards have none in the demo


def test_plan_rows_are_the_plan_screen(demo_store) -> None:
    review = _review(demo_store)
    rows = review.screens["plan"].tables["plan"]
    assert rows and rows[0]["month"] == "2026-10"
    text = _text(review.html)
    assert "Oct 2026" in text and money(rows[0]["revenue_target"]) in text
    assert money(rows[0]["actual_revenue"]) in text


def test_demo_review_is_three_to_eight_a4_pages(demo_store, tmp_path: Path, qapp) -> None:
    from custdesk.reports.monthly_render import write_pack_pdf
    from custdesk.reports.scorecard_pdf import pdf_page_count

    for month in ("2026-10", "2026-11"):
        out = tmp_path / f"review-{month}.pdf"
        review = _review(demo_store, month)
        pages = write_pack_pdf(review.html, review.charts, out)
        assert 3 <= pages <= 8, (month, pages)
        assert pdf_page_count(out) == pages
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = unicodedata.normalize("NFKC", subprocess.run(  # ﬁ ligatures -> fi
            [pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout)
        assert "Key numbers against target" in text and "Strategic review" in text
        assert "Partial period: the data runs to 24 Nov 2026" in text  # November is partial


def test_empty_file_gets_a_nothing_to_review_page(store, tmp_path: Path, qapp) -> None:
    from custdesk.reports.scorecard_pdf import write_pdf

    review = _review(store, None)
    assert review.data.empty and review.screens == {}
    assert "Nothing to review yet" in _text(review.html)
    assert write_pdf(review.html, tmp_path / "empty.pdf") == 1


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "custdesk", *args], capture_output=True,
                          text=True, timeout=120, env=env)


def test_cli_writes_the_review(demo_db_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    shutil.copyfile(demo_db_template, db)
    out = tmp_path / "review.pdf"
    result = _cli("report", "review", "--db", str(db), "--out", str(out), "--month", "2026-10")
    assert result.returncode == 0, result.stderr
    assert "Monthly review (October 2026, 2026-10-01 to 2026-10-31)" in result.stdout
    assert re.search(r"\([3-8] pages\)", result.stdout) and out.read_bytes().startswith(b"%PDF")


def test_cli_on_an_empty_file_writes_a_notice_and_exits_4(tmp_path: Path) -> None:
    from custdesk.storage import open_store

    empty = tmp_path / "empty.db"
    open_store(empty).close(backup_if_changed=False)
    out = tmp_path / "r.pdf"
    result = _cli("report", "review", "--db", str(empty), "--out", str(out))
    assert result.returncode == 4, result.stderr
    assert "nothing to review for Last month" in result.stderr
    assert "the file holds no customers, orders, deals or feedback yet" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert out.read_bytes().startswith(b"%PDF")  # the one-page notice


def test_cli_mistakes_are_one_line(demo_db_template: Path, tmp_path: Path, capsys) -> None:
    db = tmp_path / "d.db"
    shutil.copyfile(demo_db_template, db)
    out = str(tmp_path / "x.pdf")
    cases = [
        (["--out", str(tmp_path / "x.txt")], 2, "must name a .pdf"),
        (["--out", str(tmp_path / "nowhere" / "x.pdf")], 2, "does not exist"),
        (["--out", out, "--month", "2026-13"], 2, "--month must look like 2026-11"),
        (["--out", out, "--month", "Nov"], 2, "--month must look like 2026-11"),
        (["--out", out, "--period", "fortnight"], 2, "unknown period 'fortnight'"),
    ]
    for extra, code, message in cases:
        assert main(["report", "review", "--db", str(db), *extra]) == code, extra
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["report", "review", "--db", str(tmp_path / "none.db"), "--out", out]) == 2
    assert "does not exist" in capsys.readouterr().err
    folder = tmp_path / "folder.pdf"
    folder.mkdir()  # a folder where the PDF should go: cannot be written
    assert main(["report", "review", "--db", str(db), "--out", str(folder)]) == 1
    assert "Could not write" in capsys.readouterr().err
    with pytest.raises(SystemExit) as both:
        main(["report", "review", "--db", str(db), "--out", out, "--month", "2026-10",
              "--period", "last-month"])
    assert both.value.code == 2

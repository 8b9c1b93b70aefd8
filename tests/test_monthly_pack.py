"""The monthly review pack as printed (issue 16): the PDF's text holds every section, the
period, the scorecard average and the targets; 3–8 A4 pages on the demo; charts embedded
at print resolution; the latest strategic review's decisions and at-risk actions appear;
`custdesk report monthly` is fit for cron (exit codes, one-line messages)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.records import Action
from custdesk.reports.monthly_charts import PRINT_DPI, WIDTH
from custdesk.reports.review_report import SECTIONS, figure
from custdesk.services import actions_service as acts
from custdesk.services import review_service as rs
from custdesk.services import strategic_review_service as srs

TODAY = date(2026, 11, 25)  # the day after the demo's last day
PDFTOTEXT = shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler) not installed")


def _pdf_text(path: Path) -> str:
    out = subprocess.run([PDFTOTEXT or "pdftotext", "-layout", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return re.sub(r"[ \t]+", " ", unicodedata.normalize("NFKC", out))  # ﬁ -> fi


def _pack(store, tmp_path: Path, month: str = "2026-10") -> tuple[rs.Review, Path, int]:
    from custdesk.reports.monthly_render import write_pack_pdf

    resolved = rs.resolve(store, None, month, TODAY)
    review = rs.build_review(store, resolved.period, resolved.label, TODAY)
    out = tmp_path / f"pack-{month}.pdf"
    return review, out, write_pack_pdf(review.html, review.charts, out)


@needs_poppler
def test_pack_text_has_every_section_the_period_scorecard_and_targets(
        demo_store, tmp_path: Path, qapp) -> None:
    review, out, pages = _pack(demo_store, tmp_path)
    assert 3 <= pages <= 8
    text = _pdf_text(out)
    for section in SECTIONS:
        assert section in text, section
    assert "Harbour Office Supply" in text
    assert "October 2026: 1 Oct 2026 – 31 Oct 2026" in text
    average = review.screens["scorecard"].cards["scorecard_average"].value
    assert average is not None and f"Scorecard average {average:.1f} / 10" in text
    revenue = review.screens["today"].cards["revenue"]
    assert revenue.target is not None  # the demo's plan sets a revenue target per month
    assert figure(revenue.target, "money") in text
    assert ("✗ off track" if revenue.value < revenue.target else "✓ on track") in text
    # plan targets of the months printed
    for row in review.screens["plan"].tables["plan"]:
        assert figure(row["revenue_target"], "money") in text
    assert "better" in text and "worse" in text  # the change reads without colour


def test_charts_are_at_print_resolution(demo_store, tmp_path: Path, qapp) -> None:
    from custdesk.reports.monthly_render import render_chart

    review, out, _ = _pack(demo_store, tmp_path)
    assert {"revenue", "customers", "nps", "scorecard", "spend"} <= set(review.charts)
    image = render_chart(review.charts["revenue"])
    # printed WIDTH document pixels = WIDTH / 96 inches wide
    assert image.width() / (WIDTH / 96) >= 200 and PRINT_DPI >= 200
    revenue = review.charts["revenue"]
    # the chart is the Today tab's own series, partial month marked
    series = review.screens["today"]  # built without series; the chart asked for them
    assert series.name == "today" and len(revenue.labels) == 12
    assert revenue.labels[-1] == "2026-10" and revenue.partial[-1] is False
    pdfimages = shutil.which("pdfimages")
    if pdfimages:
        listing = subprocess.run([pdfimages, "-list", str(out)], capture_output=True,
                                 text=True, check=True).stdout.splitlines()[2:]
        ppi = [int(line.split()[12]) for line in listing if line.strip()]
        assert ppi and min(ppi) >= 200


def test_partial_month_is_marked(demo_store, qapp) -> None:
    resolved = rs.resolve(demo_store, None, "2026-11", TODAY)  # the demo ends 24 Nov
    review = rs.build_review(demo_store, resolved.period, resolved.label, TODAY)
    text = re.sub(r"<[^>]+>", " ", review.html)
    assert "Partial period:" in text and "24 Nov 2026" in text
    revenue = review.charts["revenue"]
    assert revenue.labels[-1] == "2026-11"


def test_strategic_decisions_and_at_risk_actions_are_printed(demo_store, qapp) -> None:
    rid = srs.save(demo_store, srs.StrategicReview(
        "2026-10-28", market="Schools buying earlier", competition="Staples Pro cut prices",
        decisions="- Launch a schools bundle\n- Call every lapsed trade customer"))
    review = srs.get(demo_store, rid)
    assert review is not None
    draft = srs.action_draft(review, review.decision_lines[0], today="2026-10-28")
    acts.create_action(demo_store, draft.action)
    resolved = rs.resolve(demo_store, None, "2026-10", TODAY)
    first_at_risk = rs.build_review(demo_store, resolved.period, resolved.label,
                                    TODAY).data.screens["today"]["lists"]["at_risk"][0]
    acts.create_action(demo_store, Action(title="Visit them", created_on="2026-10-30",
                                          customer_id=first_at_risk["customer_id"],
                                          due_on="2026-11-05"))
    data = rs.build_review(demo_store, resolved.period, resolved.label, TODAY).data
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rs.review_html(data)))
    assert "Reviewed 28 Oct 2026" in text
    assert "Launch a schools bundle" in text and "Call every lapsed trade customer" in text
    assert "Staples Pro cut prices" in text
    assert data.strategic is not None and data.strategic["actions"][0]["title"] == \
        "Launch a schools bundle"
    assert data.screens["today"]["lists"]["at_risk"][0]["action"] == \
        "Visit them (due 2026-11-05)"
    assert "Visit them (due 2026-11-05)" in text


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "custdesk", *args], capture_output=True,
                          text=True, timeout=180, env=env)


def test_cron_line_last_month_and_a_range(demo_db_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    shutil.copyfile(demo_db_template, db)
    out = tmp_path / "monthly.pdf"
    ok = _cli("report", "monthly", "--db", str(db), "--out", str(out), "--period",
              "last-month")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Monthly review (") and out.read_bytes().startswith(b"%PDF")
    ranged = _cli("report", "monthly", "--db", str(db), "--out", str(out), "--from",
                  "2026-09-01", "--to", "2026-10-31")
    assert ranged.returncode == 0, ranged.stderr
    assert "2026-09-01 to 2026-10-31" in ranged.stdout


def test_cron_failures_are_one_line_and_non_zero(demo_db_template: Path, tmp_path: Path
                                                 ) -> None:
    from custdesk.storage import open_store

    db = tmp_path / "d.db"
    shutil.copyfile(demo_db_template, db)
    out = str(tmp_path / "m.pdf")
    bad = _cli("report", "monthly", "--db", str(tmp_path / "nope.db"), "--out", out)
    assert bad.returncode != 0 and "does not exist" in bad.stderr
    backwards = _cli("report", "monthly", "--db", str(db), "--out", out, "--from",
                     "2026-10-31", "--to", "2026-10-01")
    assert backwards.returncode == 2 and "is before --from" in backwards.stderr
    before = _cli("report", "monthly", "--db", str(db), "--out", out, "--month", "2019-01")
    assert before.returncode == 4 and "there are no records: the data runs from" in \
        before.stderr
    held = open_store(db)  # another custdesk has the file open
    try:
        locked = _cli("report", "monthly", "--db", str(db), "--out", out)
    finally:
        held.close(backup_if_changed=False)
    assert locked.returncode != 0, locked.stdout
    for result in (bad, backwards, before, locked):
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_plan_prints_on_one_page(demo_store, tmp_path: Path, qapp) -> None:
    from custdesk.reports.scorecard_pdf import write_pdf

    html = rs.plan_html(demo_store, "last-90-days", TODAY)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "sales plan" in text and "Why: the inputs" in text
    assert write_pdf(html, tmp_path / "plan.pdf") == 1


def test_a_partial_months_revenue_target_is_pro_rata(demo_store) -> None:
    from custdesk.services.screens.model import SeriesPoint

    assert rs._pro_rata(3000.0, SeriesPoint("2026-11", 10.0, True, 24)) == pytest.approx(2400)
    assert rs._pro_rata(3000.0, SeriesPoint("2026-10", 10.0, False, 31)) == 3000.0
    assert rs._pro_rata(None, SeriesPoint("2026-11", 10.0, True, 24)) is None
    resolved = rs.resolve(demo_store, today_=TODAY, start="2026-10-01", end="2026-11-20")
    chart = rs.build_review(demo_store, resolved.period, resolved.label, TODAY).charts["revenue"]
    assert chart.partial[-1] and chart.days[-1] == 20  # November cut at the 20th
    whole = rs.monthly_targets(demo_store)
    assert chart.target[-1] == pytest.approx(whole[("2026-11", "revenue")] * 20 / 30)
    assert chart.target[-2] == whole[("2026-10", "revenue")]  # October is whole


# ----- on the real Superstore orders (../shared/data) --------------------------------------
def test_superstore_pack_prints_the_months_revenue_and_margin(shared_data: Path, store,
                                                              tmp_path: Path, qapp) -> None:
    """December 2022 of Superstore (the data's last month) against sums made here with the
    csv module and Decimal; the pack is 3–8 pages and prints them."""
    import csv
    from decimal import Decimal

    from custdesk.domain.money import to_e4
    from custdesk.domain.records import Customer, OrderLine
    from custdesk.reports.review_report import money
    from custdesk.storage import repository

    with open(shared_data / "superstore.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))

    def iso(text: str) -> str:  # dd/mm/yy
        d, m, y = text.split("/")
        return date(2000 + int(y), int(m), int(d)).isoformat()

    ids: dict[str, int] = {}
    customers, orders = [], []
    for r in rows:
        cid = ids.setdefault(r["Customer ID"], len(ids) + 1)
        if cid > len(customers):
            customers.append(Customer(r["Customer Name"], id=cid, ref=r["Customer ID"]))
        revenue = to_e4(r["Sales"])
        orders.append(OrderLine(date=iso(r["Order Date"]), customer_id=cid, revenue_e4=revenue,
                                cost_e4=revenue - to_e4(r["Profit"]), order_ref=r["Order ID"]))
    repository.save_all(store, customers=customers, orders=orders)
    december = [r for r in rows if iso(r["Order Date"]).startswith("2022-12")]
    sales = sum(Decimal(r["Sales"]) for r in december)
    profit = sum(Decimal(r["Profit"]) for r in december)
    review, out, pages = _pack(store, tmp_path, "2022-12")
    card = review.data.screens["today"]["cards"]["revenue"]
    assert Decimal(str(card["value"])) == sales.quantize(Decimal("0.0001"))
    margin = review.data.screens["margins"]["cards"]["gross_margin_pct"]["value"]
    assert margin == pytest.approx(float(profit / sales * 100))
    assert 3 <= pages <= 8
    if PDFTOTEXT:
        text = _pdf_text(out)
        assert money(float(sales)) in text and f"{float(profit / sales * 100):.1f} %" in text
        assert "December 2022: 1 Dec 2022 – 31 Dec 2022" in text


def test_long_lists_are_capped_so_the_pack_stays_short() -> None:
    from custdesk.reports import monthly_money
    from custdesk.reports.review_report import ReviewData

    case = {"name": "P", "start_on": "2026-01-01", "actual_volume": 1, "expected_volume": 2,
            "actual_revenue": 1.0, "expected_revenue": 2.0, "margin_pct": 10.0,
            "expected_margin_pct": 20.0, "investment": None, "payback_months": None,
            "behind": True, "behind_why": "margin 10.0 pts below the case"}
    data = ReviewData("Shop", "October 2026", date(2026, 10, 1), date(2026, 10, 31),
                      cases=[{**case, "name": f"P{i}"} for i in range(30)])
    text = monthly_money.cases(data)
    assert "P19" in text and "P20" not in text
    assert "10 more in Margins ▸ Business cases…" in text


def test_every_target_is_printed_and_judged_in_its_direction(demo_store) -> None:
    """A response-time target reads "on track" below it and "off track" above it (lower is
    better); a target on a figure outside the key rows still gets printed."""
    from custdesk.services import targets_service as ts

    def text_for(hours: float) -> tuple[str, float]:
        ts.save(demo_store, [r for r in ts.load(demo_store) if r.month != "2026-10"] + [
            ts.TargetRow("2026-10", "first_response_hours_median", hours),
            ts.TargetRow("2026-10", "lead_conversion_pct", 40.0)])
        resolved = rs.resolve(demo_store, None, "2026-10", TODAY)
        review = rs.build_review(demo_store, resolved.period, resolved.label, TODAY)
        value = review.screens["feedback"].cards["first_response_hours_median"].value
        html = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", review.html))
        row = html[html.index("First response time"):][:160]
        return row, value

    row, value = text_for(1000.0)
    assert value is not None and value < 1000
    assert "1000.0 h" in row and "✓ on track" in row
    row, _ = text_for(value / 2)
    assert "✗ off track" in row
    resolved = rs.resolve(demo_store, None, "2026-10", TODAY)
    review = rs.build_review(demo_store, resolved.period, resolved.label, TODAY)
    html = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", review.html))
    assert "Your other targets this period" in html
    conversion = html[html.index("Your other targets this period"):][:300]
    assert "Lead conversion" in conversion and "40.0 %" in conversion

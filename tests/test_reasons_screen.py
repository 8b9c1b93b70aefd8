"""The Reasons screen (issue 14): reasons per question counted by hand on a tiny business
(names matched like names, value, by segment and source, quarter shares and the > 10-point
shift flag), the question filing, `custdesk screen reasons --json` on the demo and on an
empty file, and the Reasons tab drawing the screen it was given."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from ui_helpers import make_tab

from custdesk.cli import main
from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.reason_questions import PANEL_IDS, panel_of_question
from custdesk.domain.records import Customer, Deal, OrderLine, Survey, SurveyKind
from custdesk.services.screens import reasons as reasons_screen
from custdesk.storage import open_store, repository

Q3 = Period(date(2024, 7, 1), date(2024, 9, 30))


@pytest.mark.parametrize(("question", "would_refer", "panel"), [
    ("Why did you choose us?", None, "chose_us"), ("WHY CHOSE US", 1, "chose_us"),
    ("Why do you stay with us?", None, "stay"), ("why renew", 0, "stay"),
    ("Why would you not recommend us?", None, "not_refer"),
    ("Why did you leave?", None, "left"), (None, 0, "not_refer"), (None, 1, None),
    ("How was delivery?", None, None), ("How was delivery?", 0, "not_refer"), (None, None, None),
])
def test_a_question_is_filed_by_its_words(question, would_refer, panel) -> None:
    assert panel_of_question(question, would_refer) == panel


def _order(cid: int, day: str, revenue: str) -> OrderLine:
    return OrderLine(date=day, customer_id=cid, revenue_e4=to_e4(revenue), order_ref=f"{cid}{day}")


@pytest.fixture
def tiny(store):
    """Ann (Retail, web) and Bob (Trade, referral) chose us for quality; Bob would not refer
    (too expensive); Cat and Dan left for Price in Q3, Fay for Service in Q2; a deal lost on
    Price, one won on Service."""
    repository.save_all(
        store,
        customers=[
            Customer("Ann", id=1, acquired_on="2024-07-02", segment="Retail", source="web"),
            Customer("Bob", id=2, acquired_on="2024-07-05", segment="Trade", source="referral"),
            Customer("Cat", id=3, acquired_on="2023-02-01", status="lost", lost_on="2024-08-01",
                     lost_reason="Price", segment="Retail", source="web"),
            Customer("Dan", id=4, acquired_on="2023-03-01", status="lost", lost_on="2024-09-10",
                     lost_reason="price ", segment="Trade"),
            Customer("Fay", id=5, acquired_on="2023-01-01", status="lost", lost_on="2024-05-01",
                     lost_reason="Service", segment="Retail"),
        ],
        orders=[_order(1, "2024-07-02", "100"), _order(2, "2024-07-05", "50"),
                _order(2, "2024-08-05", "30"), _order(3, "2024-03-01", "400"),
                _order(3, "2022-01-01", "999"),  # more than 365 days before her loss
                _order(4, "2024-06-01", "80")],
        surveys=[
            Survey("2024-07-20", customer_id=1, question="Why did you choose us?",
                   reason="Quality"),
            Survey("2024-08-20", customer_id=2, question="why chose us", reason="quality!",
                   kind=SurveyKind.QUESTIONNAIRE),
            Survey("2024-08-21", customer_id=2, nps=5, would_refer=False,
                   reason="Too expensive"),
            Survey("2024-08-22", customer_id=1, nps=10, would_refer=True, reason="Friendly"),
            Survey("2024-08-23", kind=SurveyKind.EMPLOYEE, nps=7, reason="Pay"),
            Survey("2024-10-01", customer_id=1, question="why chose us", reason="Price"),
        ],
        deals=[
            Deal("Lost", id=1, customer_id=2, amount_e4=to_e4("400"), created_on="2024-07-01",
                 closed_on="2024-08-10", lost_reason="Price", source="fair"),
            Deal("Won", id=2, customer_id=1, amount_e4=to_e4("1000"), created_on="2024-07-01",
                 closed_on="2024-09-05", win_reason="Service"),
            Deal("Won", id=3, amount_e4=to_e4("5"), created_on="2024-07-01",
                 closed_on="2024-09-06"),  # no win reason: not counted
        ],
    )
    return store


def test_reasons_on_the_tiny_business(tiny) -> None:
    screen = reasons_screen.build(tiny, Q3, "Q3")
    rows = {(r["panel"], r["reason"]): r for r in screen.tables["reasons"]}
    # "quality!" is "Quality" (the first spelling seen); value: each customer's revenue in
    # the 365 days up to their answer (Ann 100, Bob 50 + 30 = 80)
    assert rows[("chose_us", "Quality")] == {"panel": "chose_us", "reason": "Quality",
                                             "answers": 2, "share_pct": 100.0, "value": 180.0}
    assert rows[("not_refer", "Too expensive")]["answers"] == 1
    assert rows[("not_refer", "Too expensive")]["value"] == 80.0
    # Cat's 400 (her 999 is older than 365 days before 1 Aug) and Dan's 80; "price " = Price
    assert rows[("left", "Price")] == {"panel": "left", "reason": "Price", "answers": 2,
                                       "share_pct": 100.0, "value": 480.0}
    assert rows[("deal_lost", "Price")]["value"] == 400.0
    assert rows[("deal_won", "Service")]["value"] == 1000.0
    assert set(rows) == {("chose_us", "Quality"), ("not_refer", "Too expensive"),
                         ("left", "Price"), ("deal_lost", "Price"), ("deal_won", "Service")}
    panels = {p["panel"]: p for p in screen.tables["panels"]}
    assert list(panels) == list(PANEL_IDS)
    assert panels["stay"]["answers"] == 0 and "question" in panels["stay"]["missing"]
    assert panels["left"]["answers"] == 2 and panels["left"]["top_reason"] == "Price"
    segments = {(r["panel"], r["segment"], r["reason"]): r["answers"]
                for r in screen.tables["by_segment"]}
    assert segments == {("chose_us", "Retail", "Quality"): 1, ("chose_us", "Trade", "Quality"): 1,
                        ("not_refer", "Trade", "Too expensive"): 1,
                        ("left", "Retail", "Price"): 1, ("left", "Trade", "Price"): 1,
                        ("deal_lost", "Trade", "Price"): 1, ("deal_won", "Retail", "Service"): 1}
    sources = {(r["panel"], r["source"], r["reason"]): r["share_pct"]
               for r in screen.tables["by_source"]}
    # a deal's own source first ("fair"), else its customer's
    assert sources[("deal_lost", "fair", "Price")] == 100.0
    assert sources[("deal_won", "web", "Service")] == 100.0
    # shares are within the group: each source's one leaver left for Price
    assert sources[("left", "(none)", "Price")] == sources[("left", "web", "Price")] == 100.0
    assert screen.cards["would_refer_pct"].value == 50.0  # Ann yes, Bob no

def test_quarter_shares_and_the_shift_flag(tiny) -> None:
    screen = reasons_screen.build(tiny, Q3, "Q3")
    left = {(r["reason"], r["quarter"]): r for r in screen.tables["by_quarter"]
            if r["panel"] == "left"}
    quarters = [k for k, _ in reasons_screen.trend_quarters(Q3.end)]
    assert quarters[0] == "2022-Q4" and quarters[-1] == "2024-Q3" and len(quarters) == 8
    assert len(left) == 2 * 8  # every reason seen, every quarter
    # Q2: Fay (Service) alone, 100 %; Q3: Cat and Dan (Price), 100 %
    assert left[("Service", "2024-Q2")]["share_pct"] == 100.0
    assert left[("Service", "2024-Q3")]["share_pct"] == 0.0
    assert left[("Service", "2024-Q3")]["change_pts"] == -100.0
    assert left[("Service", "2024-Q3")]["shifted"] and left[("Price", "2024-Q3")]["shifted"]
    assert left[("Service", "2024-Q3")]["small_sample"]
    assert left[("Price", "2024-Q2")]["change_pts"] is None  # nobody left before Q2
    assert left[("Price", "2024-Q1")]["share_pct"] is None  # no answer that quarter
    assert not any(r["partial"] for r in left.values())  # Q3 ends on 30 Sep
    panels = {p["panel"]: p for p in screen.tables["panels"]}
    assert panels["left"]["shifts"] == 2


def test_a_move_of_exactly_ten_points_is_not_a_shift() -> None:
    from custdesk.storage.queries_reasons import ReasonCount

    counts = [ReasonCount("quarter", "2024-Q1", "deal_lost", "Price", "price", 3, 0),
              ReasonCount("quarter", "2024-Q1", "deal_lost", "Timing", "timing", 7, 0),
              ReasonCount("quarter", "2024-Q2", "deal_lost", "Price", "price", 4, 0),
              ReasonCount("quarter", "2024-Q2", "deal_lost", "Timing", "timing", 6, 0)]
    rows = reasons_screen.quarter_rows(counts, [("2024-Q1", False), ("2024-Q2", True)])
    price = [r for r in rows if r["reason"] == "Price"]
    assert [r["share_pct"] for r in price] == [30.0, 40.0]
    assert price[1]["change_pts"] == pytest.approx(10.0) and not price[1]["shifted"]
    assert price[1]["partial"]


# ----- the command line ---------------------------------------------------------------------
@pytest.fixture
def demo_file(demo_db_template, tmp_path) -> str:
    path = tmp_path / "demo-copy.db"
    shutil.copyfile(demo_db_template, path)
    return str(path)


def test_screen_reasons_json_on_the_demo(demo_file, capsys) -> None:
    assert main(["screen", "reasons", "--db", demo_file, "--from", "2025-11-25", "--to",
                 "2026-11-24", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["screen"] == "reasons" and data["empty"] is False
    assert set(data["tables"]) == {"panels", "reasons", "by_segment", "by_source", "by_quarter",
                                   "would_refer_by_segment"}
    panels = {p["panel"]: p for p in data["tables"]["panels"]}
    # the demo records why not refer, why left and why deals were lost
    for panel in ("not_refer", "left", "deal_lost"):
        assert panels[panel]["answers"] > 0, panel
        mine = [r for r in data["tables"]["reasons"] if r["panel"] == panel]
        assert sum(r["answers"] for r in mine) == panels[panel]["answers"]
        assert sum(r["share_pct"] for r in mine) == pytest.approx(100)
    assert data["cards"]["would_refer_pct"]["value"] is not None
    assert data["tables"]["would_refer_by_segment"]


def test_screen_reasons_json_on_an_empty_file(tmp_path, capsys) -> None:
    path = tmp_path / "empty.db"
    open_store(path).close(backup_if_changed=False)
    assert main(["screen", "reasons", "--db", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["empty"] is True and data["tables"] == {} and data["cards"] == {}


# ----- the tab draws the screen --------------------------------------------------------------
@pytest.mark.usefixtures("quiet_ui")
def test_reasons_tab_draws_the_screen(qtbot, tiny) -> None:
    from custdesk.ui.tabs.why_tab import WhyTab

    tab = make_tab(qtbot, WhyTab, tiny, Q3)
    screen = tab.data
    assert not tab.is_empty_state()
    assert tab.question.count() == 6
    assert tab.question.currentData() == "chose_us"  # the first question with answers
    assert tab.main.model.rowCount() == 1 and tab.main.model.rows()[0]["reason"] == "Quality"
    assert tab.segments.model.rowCount() == 2
    tab.question.setCurrentIndex(list(PANEL_IDS).index("left"))
    assert tab.main.model.rows() == [r for r in screen.tables["reasons"] if r["panel"] == "left"]
    model = tab.quarters.model
    assert model.rowCount() == 2
    assert model.columns[-1].header == "2024-Q3"
    texts = {model.index(r, 0).data(): model.index(r, model.columnCount() - 1).data()
             for r in range(model.rowCount())}
    assert texts == {"Price": "100% △100", "Service": "0% ▽100"}  # one answer each
    assert "2 quarter-to-quarter shifts" in tab.source.text()
    tab.question.setCurrentIndex(list(PANEL_IDS).index("stay"))
    assert tab.main.model.rowCount() == 0 and "Nothing recorded" in tab.source.text()
    assert tab.cards["would_refer_pct"].value.text() == "50.0 %"


@pytest.mark.usefixtures("quiet_ui")
def test_reasons_tab_on_the_demo(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.why_tab import WhyTab

    tab = make_tab(qtbot, WhyTab, demo_store, Period(date(2025, 11, 25), date(2026, 11, 24)))
    assert not tab.is_empty_state() and tab.main.model.rowCount() > 0
    assert tab.export_tables() and "Why —" in tab.report_html()


def test_a_shift_measured_on_thirty_answers_is_not_a_small_sample() -> None:
    from custdesk.storage.queries_reasons import ReasonCount

    # Q1: Price 12 of 40 (30 %); Q2: Price 18 of 40 (45 %) -> +15 points on 40 answers each
    counts = [ReasonCount("quarter", "2024-Q1", "deal_lost", "Price", "price", 12, 0),
              ReasonCount("quarter", "2024-Q1", "deal_lost", "Timing", "timing", 28, 0),
              ReasonCount("quarter", "2024-Q2", "deal_lost", "Price", "price", 18, 0),
              ReasonCount("quarter", "2024-Q2", "deal_lost", "Timing", "timing", 22, 0)]
    rows = reasons_screen.quarter_rows(counts, [("2024-Q1", False), ("2024-Q2", False)])
    q2 = {r["reason"]: r for r in rows if r["quarter"] == "2024-Q2"}
    assert q2["Price"]["change_pts"] == pytest.approx(15.0)
    assert q2["Price"]["shifted"] and not q2["Price"]["small_sample"]
    assert q2["Timing"]["change_pts"] == pytest.approx(-15.0) and q2["Timing"]["shifted"]
    top = reasons_screen.panel_rows(reasons_screen.reason_rows(counts, "all"), rows)
    assert next(p for p in top if p["panel"] == "deal_lost")["shifts"] == 2

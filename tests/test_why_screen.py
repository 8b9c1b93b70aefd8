"""The Why screen (issue 14) on a tiny hand-built business: would refer by segment, the
"left without a word" share, top reasons, questionnaires with their incentives, the word
ranking of detractors' and promoters' comments, quality of service worked out by hand, the
comments list and its search on the tab; `custdesk screen why --json` on the demo and on an
empty file."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from ui_helpers import make_tab

from custdesk.cli import main
from custdesk.domain.comment_words import word_ranking, words
from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, OrderLine, Survey, SurveyKind, Ticket
from custdesk.domain.service_quality import is_reliability_topic
from custdesk.services.screens import why
from custdesk.storage import open_store, repository

Q3 = Period(date(2024, 7, 1), date(2024, 9, 30))


# ----- the word ranking ---------------------------------------------------------------------
def test_words_are_lowercased_stripped_and_stop_words_dropped() -> None:
    assert words("The delivery was LATE!!! Don't order") == ["delivery", "late", "order"]


def test_word_ranking_counts_comments_and_breaks_ties_alphabetically() -> None:
    comments = ["Late delivery again!", "late delivery, wrong item", "Great prices",
                "The delivery was late", "late late late", None, ""]
    singles, phrases = word_ranking(comments)
    # "late" is in 4 comments (three times in one: once), "delivery" in 3; the 1s by name
    assert singles == [("late", 4), ("delivery", 3), ("great", 1), ("item", 1),
                       ("prices", 1), ("wrong", 1)]
    # "late delivery" twice; "delivery wrong" (punctuation does not break), "wrong item" and
    # "great prices" once: a phrase needs two comments; "delivery was late": none (stop word)
    assert phrases == [("late delivery", 2)]
    assert word_ranking(comments, top=2)[0] == [("late", 4), ("delivery", 3)]


@pytest.mark.parametrize(("topic", "reliability"), [
    ("Delivery", True), ("Product-fault", True), ("Hardware issue", True),
    ("Late shipment", True), ("Billing", False), ("Account", False), (None, False)])
def test_reliability_topics_by_their_words(topic, reliability) -> None:
    assert is_reliability_topic(topic) is reliability


# ----- a tiny business --------------------------------------------------------------------
def _order(cid: int, day: str) -> OrderLine:
    return OrderLine(date=day, customer_id=cid, revenue_e4=to_e4("100"), order_ref=f"{cid}{day}")


def _ticket(tid: int, cid: int, topic: str, opened: str, first: str | None,
            resolved: str | None, *, complaint: bool = False, csat: int | None = None
            ) -> Ticket:
    return Ticket(cid, id=tid, topic=topic, opened_at=opened, first_response_at=first,
                  resolved_at=resolved, is_complaint=complaint, csat=csat)


@pytest.fixture
def tiny(store):
    """Ann and Cat (Retail), Bob (Trade) order in Q3; Dan leaves on 1 Aug without a word,
    Eve on 1 Sep after a ticket. Four tickets (three about delivery/faults, one a follow-up,
    two complaints), customer surveys with comments, three questionnaire answers."""
    repository.save_all(
        store,
        customers=[
            Customer("Ann", id=1, acquired_on="2024-01-02", segment="Retail"),
            Customer("Bob", id=2, acquired_on="2024-01-05", segment="Trade"),
            Customer("Cat", id=3, acquired_on="2024-01-10", segment="Retail"),
            Customer("Dan", id=4, acquired_on="2023-01-01", status="lost", lost_on="2024-08-01",
                     lost_reason="Price", segment="Trade"),
            Customer("Eve", id=5, acquired_on="2023-01-01", status="lost", lost_on="2024-09-01",
                     segment="Retail"),
        ],
        orders=[_order(1, "2024-07-02"), _order(2, "2024-07-05"), _order(3, "2024-07-10"),
                _order(4, "2024-06-01"), _order(5, "2024-06-10")],
        tickets=[
            # 2 h to answer, 24 h to resolve; a complaint rated 2
            _ticket(1, 1, "Delivery", "2024-07-10T08:00:00", "2024-07-10T10:00:00",
                    "2024-07-11T08:00:00", complaint=True, csat=2),
            # the same issue again 2 days later (a repeat contact; linked as its follow-up)
            _ticket(2, 1, "Delivery", "2024-07-12T09:00:00", "2024-07-12T13:00:00",
                    "2024-07-12T15:00:00"),
            _ticket(3, 2, "Billing", "2024-08-01T09:00:00", "2024-08-01T09:30:00",
                    "2024-08-02T09:00:00", complaint=True, csat=5),
            _ticket(4, 5, "Product fault", "2024-08-15T10:00:00", "2024-08-15T16:00:00", None),
        ],
        surveys=[
            Survey("2024-07-20", customer_id=1, nps=10, csat=5, would_refer=True,
                   comment="Great prices, fast delivery"),
            Survey("2024-09-25", customer_id=1, would_refer=True),
            Survey("2024-07-25", customer_id=3, nps=3, would_refer=False,
                   reason="Too expensive", comment="Late delivery and wrong item"),
            Survey("2024-08-10", customer_id=2, nps=9, csat=4, would_refer=True,
                   comment="Great service"),
            Survey("2024-09-20", customer_id=2, nps=6, would_refer=False,
                   reason="Slow replies", comment="late delivery again"),
            Survey("2024-07-15", customer_id=1, kind=SurveyKind.QUESTIONNAIRE,
                   question="How did we do?", score=8),
            Survey("2024-08-15", customer_id=2, kind=SurveyKind.QUESTIONNAIRE,
                   question="how did we do", score=6, comment="ok"),
            Survey("2024-08-20", customer_id=3, kind=SurveyKind.QUESTIONNAIRE,
                   question="Why do you stay with us?", reason="Service"),
        ],
    )
    with store.transaction() as db:  # columns of m005 the record types may not carry yet
        db.execute("UPDATE tickets SET follow_up_of = 1 WHERE id = 2")
        db.execute("UPDATE surveys SET incentive = '10% voucher' WHERE question LIKE 'how%'")
        db.execute("UPDATE surveys SET incentive = 'Prize draw' WHERE question LIKE 'why%'")
    return store


def test_would_refer_and_left_without_a_word(tiny) -> None:
    screen = why.build(tiny, Q3, "Q3")
    # yes: Ann twice, Bob once; no: Cat, Bob -> 3 of 5
    assert screen.cards["would_refer_pct"].value == pytest.approx(60.0)
    by_segment = {r["segment"]: (r["would_refer_pct"], r["n"])
                  for r in screen.tables["would_refer_by_segment"]}
    assert by_segment["Retail"] == (pytest.approx(200 / 3), 3)
    assert by_segment["Trade"] == (pytest.approx(50.0), 2)
    # Dan left without a ticket or survey, Eve had a ticket on 15 Aug: 1 of 2
    assert screen.cards["lost_silent_pct"].value == pytest.approx(50.0)
    assert screen.cards["lost_silent_pct"].current.n == 2
    # NPS: promoters Ann 10, Bob 9; detractors Cat 3, Bob 6 -> 0
    assert screen.cards["nps"].value == pytest.approx(0.0)


def test_top_reasons_one_per_question(tiny) -> None:
    top = {r["panel"]: r for r in why.build(tiny, Q3, "Q3").lists["top_reasons"]}
    assert set(top) == {"stay", "not_refer", "left"}
    # two "why not" answers, one each: the tie goes by name
    assert (top["not_refer"]["reason"], top["not_refer"]["share_pct"],
            top["not_refer"]["answers"]) == ("Slow replies", 50.0, 2)
    assert (top["stay"]["reason"], top["stay"]["share_pct"]) == ("Service", 100.0)
    assert (top["left"]["reason"], top["left"]["question"]) == ("Price", "Why they left")


def test_questionnaires_by_question_and_month(tiny) -> None:
    screen = why.build(tiny, Q3, "Q3")
    rows = {r["question"]: r for r in screen.tables["questionnaires"]}
    assert set(rows) == {"How did we do?", "Why do you stay with us?"}  # first spelling
    how = rows["How did we do?"]
    assert (how["responses"], how["score_avg"], how["score_n"], how["comments"],
            how["incentives"]) == (2, 7.0, 2, 1, "10% voucher")
    stay = rows["Why do you stay with us?"]
    assert (stay["responses"], stay["score_avg"], stay["incentives"]) == (1, None, "Prize draw")
    assert screen.tables["questionnaire_months"] == [
        {"month": "2024-07", "responses": 1, "incentives": "10% voucher"},
        {"month": "2024-08", "responses": 2, "incentives": "10% voucher, Prize draw"}]


def test_what_detractors_and_promoters_say(tiny) -> None:
    rows = why.build(tiny, Q3, "Q3").tables["words"]

    def ranked(group: str, kind: str) -> list[tuple[str, int]]:
        return [(r["term"], r["comments"]) for r in rows
                if r["group"] == group and r["kind"] == kind]

    # detractors: Cat "Late delivery and wrong item", Bob "late delivery again"
    assert ranked("detractor", "word") == [("delivery", 2), ("late", 2), ("item", 1),
                                           ("wrong", 1)]
    assert ranked("detractor", "phrase") == [("late delivery", 2)]
    # promoters: Ann "Great prices, fast delivery", Bob "Great service"
    assert ranked("promoter", "word")[:2] == [("great", 2), ("delivery", 1)]
    assert ranked("promoter", "phrase") == []
    assert {r["of"] for r in rows} == {2}


def test_quality_of_service_by_hand(tiny) -> None:
    screen = why.build(tiny, Q3, "Q3")
    q = {r["metric"]: r for r in screen.tables["quality"]}
    # first responses 2, 4, 0.5, 6 h -> median 3; resolutions 24, 6, 24 h -> 24
    assert q["first_response_hours_median"]["value"] == pytest.approx(3.0)
    assert q["resolution_hours_median"]["value"] == pytest.approx(24.0)
    # Delivery, Delivery, Product fault of 4 tickets; 3 orders in Q3
    assert (q["reliability_tickets"]["value"], q["reliability_tickets"]["n"]) == (3, 4)
    assert q["reliability_per_100_orders"]["value"] == pytest.approx(100.0)
    assert q["reliability_share_pct"]["value"] == pytest.approx(75.0)
    # ticket 2 repeats ticket 1 within 7 days and is linked to it
    assert q["repeat_contact_rate_pct"]["value"] == pytest.approx(25.0)
    assert q["follow_up_tickets"]["value"] == 1
    assert q["follow_up_share_pct"]["value"] == pytest.approx(25.0)
    # after a complaint: the complaints' own csat 2 and 5, Ann's survey 9 days after hers
    # (csat 5, nps 10), Bob's 8 days after his (csat 4, nps 9); Bob's 20 Sep answer is 49
    # days after: not counted -> csat 3 of 4, NPS 100 on 2
    assert q["csat_after_complaint_pct"]["value"] == pytest.approx(75.0)
    assert q["csat_after_complaint_pct"]["n"] == 4
    assert (q["nps_after_complaint"]["value"], q["nps_after_complaint"]["n"]) == (100.0, 2)
    assert all(r["definition"] for r in screen.tables["quality"])
    assert [r["area"] for r in screen.tables["quality"]][:2] == ["Responsiveness"] * 2


def test_comments_list_surveys_and_tickets(tiny) -> None:
    rows = why.build(tiny, Q3, "Q3").lists["comments"]
    # 5 survey comments (questionnaire "ok" included) and 4 tickets, newest first
    assert len(rows) == 9
    assert [r["day"] for r in rows] == sorted((r["day"] for r in rows), reverse=True)
    fault = next(r for r in rows if r["src"] == "ticket" and r["customer"] == "Eve")
    assert fault["text"] == "Product fault"  # no status or channel recorded
    complaint = next(r for r in rows if r["src"] == "ticket" and r["day"] == "2024-08-01")
    assert (complaint["about"], complaint["score"]) == ("complaint", 5)


def test_comments_are_capped_with_a_note(tiny, monkeypatch) -> None:
    monkeypatch.setattr(why, "COMMENT_CAP", 3)
    screen = why.build(tiny, Q3, "Q3")
    assert len(screen.lists["comments"]) == 3
    assert any("newest 3 of 9" in n for n in screen.notes)


@pytest.mark.usefixtures("quiet_ui")
def test_why_tab_searches_comments(qtbot, tiny) -> None:
    from custdesk.ui.tabs.why_tab import WhyTab

    tab = make_tab(qtbot, WhyTab, tiny, Q3)
    assert tab.title == "Why" and not tab.is_empty_state()
    comments = tab.comments_page.comments
    assert comments.model.rowCount() == 9
    comments.search_table.search.setText("wrong item")
    qtbot.waitUntil(lambda: comments.model.rowCount() == 1)
    assert comments.model.rows()[0]["customer"] == "Cat"
    comments.search_table.search.setText("product fault")
    qtbot.waitUntil(lambda: comments.model.rowCount() == 1)
    assert tab.questionnaires_page.questions.model.rowCount() == 2
    assert tab.refer_page.why_not.model.rowCount() == 2
    assert tab.quality_page.quality.model.rowCount() == len(why.QUALITY_ROWS)
    assert tab.comments_page.detractors.phrases.model.rows()[0]["term"] == "late delivery"
    assert len(tab.export_tables()) > 8 and "Quality of service" in tab.report_html()


# ----- the command line ---------------------------------------------------------------------
@pytest.fixture
def demo_file(demo_db_template, tmp_path) -> str:
    path = tmp_path / "demo-copy.db"
    shutil.copyfile(demo_db_template, path)
    return str(path)


def test_screen_why_json_on_the_demo(demo_file, capsys) -> None:
    assert main(["screen", "why", "--db", demo_file, "--from", "2025-11-25", "--to",
                 "2026-11-24", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["screen"] == "why" and data["empty"] is False
    assert {"panels", "reasons", "by_quarter", "would_refer_by_segment", "questionnaires",
            "questionnaire_months", "words", "ticket_topics", "quality"} <= set(data["tables"])
    top = data["lists"]["top_reasons"]
    assert top and all(0 < r["share_pct"] <= 100 and r["reason"] for r in top)
    assert data["lists"]["comments"] and data["tables"]["quality"]
    # the older name still prints the reasons panels
    assert main(["screen", "reasons", "--db", demo_file, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["screen"] == "reasons"


def test_screen_why_json_on_an_empty_file(tmp_path, capsys) -> None:
    path = tmp_path / "empty.db"
    open_store(path).close(backup_if_changed=False)
    assert main(["screen", "why", "--db", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["empty"] is True

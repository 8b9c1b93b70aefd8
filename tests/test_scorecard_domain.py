"""Scorecard rules: areas, score checks, changes, strongest/weakest, lost-reason share."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.scorecard import (
    QUESTIONS,
    Evidence,
    ScoredAssessment,
    area_averages,
    area_order,
    change_text,
    check_score,
    format_value,
    lost_reason_share,
    questions_by_area,
    score_changes,
    share_pct,
    strength_note,
    strongest_weakest,
)


def test_areas_keep_question_order_and_cover_every_question() -> None:
    assert area_order()[:3] == ("Growth", "Operations", "Service")
    grouped = questions_by_area()
    assert sum(len(qs) for qs in grouped.values()) == len(QUESTIONS)
    assert [q.id for q in grouped["Sales"]] == ["pipeline", "lost_reasons"]
    assert [q.id for q in grouped["Service"]] == ["customer_service", "feedback"]


@pytest.mark.parametrize("bad", [-1, 11, 5.5, "7", True])
def test_check_score_refuses_anything_but_0_to_10(bad: object) -> None:
    with pytest.raises(ValueError, match="margins"):
        check_score("margins", bad)


def test_check_score_accepts_bounds_and_not_answered() -> None:
    assert check_score("margins", 0) == 0
    assert check_score("margins", 10) == 10
    assert check_score("margins", None) is None
    with pytest.raises(ValueError, match="unknown"):
        check_score("no_such_question", 3)


def test_area_averages_use_answered_questions_only() -> None:
    answers = {"new_business": 6, "margins": 5, "customer_service": 8, "feedback": None}
    areas = area_averages(answers)
    assert areas["Growth"] == 5.5  # (6 + 5) / 2
    assert areas["Service"] == 8.0  # feedback unanswered
    assert areas["People"] is None


def test_assessment_average_is_mean_of_answered_one_decimal() -> None:
    a = ScoredAssessment(1, date(2026, 5, 1), {"new_business": 3, "margins": 4,
                                                "automation": 4, "staff": None})
    assert a.average == 3.7  # 11 / 3 = 3.666… -> 3.7
    assert ScoredAssessment(2, date(2026, 5, 1), {"margins": None}).average is None


def test_score_changes_need_both_sides() -> None:
    changes = score_changes({"margins": 5, "automation": 4, "staff": None},
                            {"margins": 2, "automation": None, "staff": 3})
    assert changes["margins"] == 3
    assert changes["automation"] is None and changes["staff"] is None
    assert all(v is None for v in score_changes({"margins": 5}, None).values())
    assert [change_text(c) for c in (3, -2, 0, None)] == ["+3", "−2", "±0", ""]


def test_strongest_and_weakest_with_ties_and_edge_cases() -> None:
    strong, weak = strongest_weakest({"margins": 8, "staff": 8, "referrals": 2, "pipeline": 5})
    assert [q.id for q in strong] == ["margins", "staff"]
    assert [q.id for q in weak] == ["referrals"]
    assert strongest_weakest({}) == ([], [])
    strong, weak = strongest_weakest({"margins": 4, "staff": 4})
    assert [q.id for q in strong] == ["margins", "staff"] and weak == []
    note = strength_note({"margins": 8, "referrals": 2})
    assert note == "Strongest: Margins (8). Weakest: Referrals (2) — start here."
    assert strength_note({"margins": None}) == "No questions answered yet."


def test_lost_reason_share_counts_blank_reasons_as_missing() -> None:
    assert lost_reason_share(["Price", None, "  ", "Timing", "Competitor"]) == (3, 5)
    assert lost_reason_share([]) == (0, 0)
    assert share_pct(3, 5) == 60.0
    assert share_pct(0, 0) is None


def test_evidence_text_by_unit() -> None:
    assert Evidence("Gross margin", 33.756, "pct").text == "33.8\u00a0%"
    assert Evidence("Pipeline", 50734.96, "money").text == "$50,735"
    assert Evidence("New", 99.0, "count").text == "99"
    assert Evidence("NPS", None, "score").text == "—"
    assert Evidence("NPS", -32.04, "score").text == "−32.0"
    assert format_value(-1234.4, "money") == "−$1,234"

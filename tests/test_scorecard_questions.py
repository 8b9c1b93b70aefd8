from custdesk.domain.scorecard import QUESTIONS, average_score


def test_questions_are_unique_and_described() -> None:
    ids = [q.id for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    assert ids[:4] == ["new_business", "margins", "automation", "customer_service"]
    assert all(q.zero and q.ten and q.text for q in QUESTIONS)


def test_average_of_answered_questions_one_decimal() -> None:
    assert average_score({"a": 7, "b": 8, "c": None}) == 7.5
    assert average_score({"a": 6, "b": 7, "c": 7}) == 6.7  # 6.666… rounds half up to 6.7
    assert average_score({"a": 1, "b": 2, "c": 2, "d": 2}) == 1.8  # 1.75 -> 1.8
    assert average_score({"a": 1, "b": 2, "c": 3, "d": 3}) == 2.3  # 2.25: half up, not even 2.2
    assert average_score({"a": None}) is None
    assert average_score({}) is None

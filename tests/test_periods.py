"""Periods: length, prior period, presets, months."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.periods import (
    Period,
    add_months,
    month_end,
    month_slots,
    preset_anchor,
    trailing_months,
)


def test_days_and_prior_have_equal_length() -> None:
    p = Period(date(2024, 3, 1), date(2024, 3, 31))
    assert p.days() == 31
    assert p.prior() == Period(date(2024, 1, 30), date(2024, 2, 29))
    assert p.prior().days() == 31


def test_single_day_period() -> None:
    p = Period(date(2024, 1, 1), date(2024, 1, 1))
    assert p.days() == 1
    assert p.prior() == Period(date(2023, 12, 31), date(2023, 12, 31))


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2024, 1, 2), date(2024, 1, 1))


@pytest.mark.parametrize(("name", "start", "end"), [
    ("this_month", date(2026, 11, 1), date(2026, 11, 24)),
    ("last_month", date(2026, 10, 1), date(2026, 10, 31)),
    ("this_quarter", date(2026, 10, 1), date(2026, 11, 24)),
    ("last_12_months", date(2025, 11, 25), date(2026, 11, 24)),
    ("year_to_date", date(2026, 1, 1), date(2026, 11, 24)),
    ("last_30_days", date(2026, 10, 26), date(2026, 11, 24)),
    ("last_90_days", date(2026, 8, 27), date(2026, 11, 24)),
    ("last_quarter", date(2026, 7, 1), date(2026, 9, 30)),
    ("last_year", date(2025, 1, 1), date(2025, 12, 31)),
])
def test_presets(name: str, start: date, end: date) -> None:
    assert Period.preset(name, date(2026, 11, 24)) == Period(start, end)


def test_last_month_in_january_is_december() -> None:
    assert Period.preset("last_month", date(2025, 1, 15)) == Period(date(2024, 12, 1),
                                                                    date(2024, 12, 31))


def test_unknown_preset() -> None:
    with pytest.raises(ValueError, match="unknown period"):
        Period.preset("fortnight", date(2026, 1, 1))


def test_months_and_helpers() -> None:
    assert Period(date(2024, 11, 15), date(2025, 2, 1)).months() == [
        "2024-11", "2024-12", "2025-01", "2025-02"]
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 1)
    assert month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert Period.month("2023-02") == Period(date(2023, 2, 1), date(2023, 2, 28))


def test_last_12_months_is_a_year_of_days_not_a_one_day_month() -> None:
    # 1 Dec: the old preset ran 1 Jan..1 Dec (335 days) and every trend ended on a 1-day month
    assert Period.preset("last_12_months", date(2026, 12, 1)) == Period(date(2025, 12, 2),
                                                                        date(2026, 12, 1))
    assert Period.preset("last_12_months", date(2026, 12, 1)).days() == 365
    assert Period.preset("last_12_months", date(2024, 12, 31)).days() == 366  # leap year
    assert Period.preset("last_12_months", date(2024, 2, 29)).start == date(2023, 3, 1)


def test_last_quarter_in_january_is_october_to_december() -> None:
    assert Period.preset("last_quarter", date(2027, 1, 5)) == Period(date(2026, 10, 1),
                                                                     date(2026, 12, 31))


def test_all_time_is_the_data_span() -> None:
    span = Period(date(2014, 1, 3), date(2017, 12, 30))
    assert Period.preset("all", date(2026, 12, 1), span) == span


def test_presets_follow_data_that_ended_more_than_31_days_ago() -> None:
    today = date(2026, 12, 1)
    assert preset_anchor(today, date(2026, 10, 31)) == today  # exactly 31 days: still today
    assert preset_anchor(today, date(2026, 10, 30)) == date(2026, 10, 30)
    assert preset_anchor(today, None) == today


def test_month_slots_mark_cut_months_partial_with_their_days() -> None:
    slots = month_slots(date(2026, 1, 15), date(2026, 3, 31))
    assert [(s.key, s.partial, s.days()) for s in slots] == [
        ("2026-01", True, 17), ("2026-02", False, 28), ("2026-03", False, 31)]
    last = trailing_months(date(2026, 12, 1), 12)
    assert len(last) == 12 and last[0].key == "2026-01" and not last[0].partial
    assert (last[-1].key, last[-1].partial, last[-1].days()) == ("2026-12", True, 1)

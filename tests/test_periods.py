"""Periods: length, prior period, presets, months."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.periods import Period, add_months, month_end


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
    ("last_12_months", date(2025, 12, 1), date(2026, 11, 24)),
    ("year_to_date", date(2026, 1, 1), date(2026, 11, 24)),
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

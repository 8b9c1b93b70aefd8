"""Periods for screens and metrics: presets counted from T (today or the data's last day),
custom ranges, one-line mistakes; and the screen JSON's plain values."""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal

import pytest
from metrics_fixtures import CUSTOMERS, ORDERS

from custdesk.cli import main
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.periods import Period
from custdesk.services.period_service import preset_id, resolve_period
from custdesk.services.screens.model import Card, Screen, SeriesPoint, plain, to_json
from custdesk.storage import open_store, repository


@pytest.fixture
def db(db_path):
    s = open_store(db_path)
    repository.save_all(s, customers=CUSTOMERS, orders=ORDERS)
    s.close(backup_if_changed=False)
    return str(db_path)


def test_presets_follow_old_data_and_say_so(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)  # data ends 2025-01-05
    r = resolve_period(store, "last_12_months", today=date(2026, 12, 1))
    assert r.follows_data and r.anchor == date(2025, 1, 5)
    assert r.period == Period(date(2024, 1, 6), date(2025, 1, 5))
    assert r.label == "Last 12 months"
    everything = resolve_period(store, "all", today=date(2026, 12, 1))
    assert everything.period == Period(date(2022, 1, 1), date(2025, 1, 5))
    recent = resolve_period(store, "this_month", today=date(2025, 1, 20))  # 15 days: today
    assert not recent.follows_data and recent.period == Period(date(2025, 1, 1),
                                                               date(2025, 1, 20))


def test_empty_file_counts_from_today(store) -> None:
    r = resolve_period(store, "last_30_days", today=date(2026, 12, 1))
    assert r.period == Period(date(2026, 11, 2), date(2026, 12, 1)) and r.span is None
    assert resolve_period(store, today=date(2026, 12, 1)).period == Period(date(2026, 12, 1),
                                                                           date(2026, 12, 1))


def test_custom_range_and_half_ranges(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    assert resolve_period(store, start=date(2024, 3, 1)).period == Period(date(2024, 3, 1),
                                                                          date(2025, 1, 5))
    assert resolve_period(store, end=date(2023, 1, 1)).period == Period(date(2022, 1, 1),
                                                                        date(2023, 1, 1))
    with pytest.raises(ValueError, match="not both"):
        resolve_period(store, "all", start=date(2024, 1, 1))


def test_preset_names_as_typed() -> None:
    assert preset_id("last-12-months") == "last_12_months"
    assert preset_id(" Last-Quarter ") == "last_quarter"
    with pytest.raises(ValueError, match="choose one of this-month"):
        preset_id("fortnight")


def test_metrics_takes_period(db, capsys) -> None:
    assert main(["metrics", "--db", db, "--period", "last-year", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # the data ends 2025-01-05, more than 31 days ago: "last year" is 2024
    assert (data["from"], data["to"]) == ("2024-01-01", "2024-12-31")
    assert data["metrics"]["revenue"]["value"] == 985.0  # same as --from/--to 2024 (hand sum)


def test_period_mistakes_are_one_line(db, capsys) -> None:
    assert main(["metrics", "--db", db, "--period", "fortnight"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("custdesk: unknown period 'fortnight'") and "\n" not in err
    assert main(["metrics", "--db", db, "--period", "all", "--from", "2024-01-01"]) == 2
    assert "not both" in capsys.readouterr().err


def test_json_values_are_plain() -> None:
    assert plain(float("nan")) is None and plain(math.inf) is None
    assert plain(-0.0) == 0.0 and str(plain(-0.0)) == "0.0"
    assert plain(Decimal("12.50")) == 12.5
    assert plain(date(2026, 12, 1)) == "2026-12-01"
    assert plain({"when": date(2026, 1, 2), "ids": (1, 2)}) == {"when": "2026-01-02",
                                                                 "ids": [1, 2]}


def test_screen_json_shape() -> None:
    screen = Screen(
        "today", Period(date(2025, 12, 2), date(2026, 12, 1)), "Last 12 months",
        cards={"revenue": Card("revenue", MetricValue(1200.0, None), MetricValue(1000.0, None))},
        lists={"at_risk": [{"name": "Ann", "since": date(2026, 1, 1)}]},
        series={"revenue": [SeriesPoint("2026-11", 300.0, False, 30),
                            SeriesPoint("2026-12", 5.0, True, 1)]})
    data = to_json(screen)
    assert data["screen"] == "today"
    assert data["period"] == {"from": "2025-12-02", "to": "2026-12-01",
                              "label": "Last 12 months"}
    card = data["cards"]["revenue"]
    assert {"label", "value", "n", "low", "high", "prior", "target"} <= set(card)
    assert (card["value"], card["prior"], card["target"]) == (1200.0, 1000.0, None)
    assert data["lists"]["at_risk"] == [{"name": "Ann", "since": "2026-01-01"}]
    assert data["series"]["revenue"][-1] == {"month": "2026-12", "value": 5.0,
                                             "partial": True, "days": 1}
    json.dumps(data)  # plain JSON all the way down


def test_short_periods_are_not_compared_with_their_prior() -> None:
    card = {"revenue": Card("revenue", MetricValue(610.0, None), MetricValue(100.0, None))}
    first_day = Screen("today", Period(date(2026, 12, 1), date(2026, 12, 1)), "This month",
                       cards=card)
    assert first_day.cards["revenue"].prior is None  # not "+510 %" from one day vs one
    assert first_day.notes == ("Only 1 day in this period: no comparison with the period "
                               "before until 7 days have passed.",)
    assert to_json(first_day)["cards"]["revenue"]["prior"] is None
    week = Screen("today", Period(date(2026, 12, 1), date(2026, 12, 7)), "This month",
                  cards=card)
    assert week.cards["revenue"].prior == MetricValue(100.0, None) and week.notes == ()

"""Business settings the rules use live in the database and are editable."""

from __future__ import annotations

import pytest
from metrics_fixtures import YEAR_2024

from custdesk.domain.metrics_all import Settings
from custdesk.domain.money import to_e4
from custdesk.domain.records import DEFAULT_REASONS, Deal
from custdesk.services import metrics_service as ms
from custdesk.storage import repository


def test_defaults_and_round_trip(store) -> None:
    assert ms.load_settings(store) == Settings(365, 20.0, 7)
    ms.save_settings(store, Settings(180, 15.0, 3))
    assert ms.load_settings(store) == Settings(180, 15.0, 3)
    with pytest.raises(ValueError, match="activity window"):
        ms.save_settings(store, Settings(0, 15.0, 3))
    with pytest.raises(ValueError, match="percentage"):
        ms.save_settings(store, Settings(30, 120.0, 3))


def test_stage_probability_changes_the_weighted_pipeline(store) -> None:
    repository.save_all(store, deals=[Deal("Proposal", amount_e4=to_e4("1000"),
                                           created_on="2024-06-01")])
    weighted = ms.compute_metrics(store, YEAR_2024).metrics["pipeline_weighted_value"]
    assert weighted.value == pytest.approx(500)
    ms.set_stage_probability(store, "proposal", 30)
    weighted = ms.compute_metrics(store, YEAR_2024).metrics["pipeline_weighted_value"]
    assert weighted.value == pytest.approx(300)
    with pytest.raises(ValueError, match="no stage"):
        ms.set_stage_probability(store, "Nope", 30)
    with pytest.raises(ValueError, match="between 0 and 100"):
        ms.set_stage_probability(store, "Lead", 130)


def test_deep_discount_threshold_is_used(store) -> None:
    won = [Deal("Won", amount_e4=to_e4(a), list_amount_e4=to_e4("100"),
                created_on="2024-01-01", closed_on="2024-02-01") for a in ("85", "75")]
    repository.save_all(store, deals=won)
    share = ms.compute_metrics(store, YEAR_2024).metrics["deep_discount_share_pct"]
    assert share.value == pytest.approx(50)  # 25 % ≥ 20 %, 15 % not
    ms.save_settings(store, Settings(365, 15.0, 7))
    share = ms.compute_metrics(store, YEAR_2024).metrics["deep_discount_share_pct"]
    assert share.value == pytest.approx(100)


def test_reasons_list(store) -> None:
    assert ms.load_reasons(store) == list(DEFAULT_REASONS)
    ms.set_reasons(store, [" Price ", "Delivery", "price", ""])
    assert ms.load_reasons(store) == ["Price", "Delivery"]
    with pytest.raises(ValueError, match="empty"):
        ms.set_reasons(store, [" "])


def test_repeat_window_is_one_to_365_days(store) -> None:
    ms.save_settings(store, Settings(365, 20.0, 365))
    assert ms.load_settings(store).repeat_contact_days == 365
    for bad in (0, 366):
        with pytest.raises(ValueError, match="between 1 and 365"):
            ms.save_settings(store, Settings(365, 20.0, bad))

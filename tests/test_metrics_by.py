"""`custdesk metrics --by country|region|city|campaign|question` (issue 17) on a tiny file
worked by hand, as JSON and as the printed table; the --help names what each gives."""

from __future__ import annotations

import json

import pytest

from custdesk.cli import main
from custdesk.domain.money import to_e4
from custdesk.domain.records import Customer, Deal, OrderLine, Survey
from custdesk.storage import repository

ARGS = ["--from", "2025-01-01", "--to", "2025-03-31"]


@pytest.fixture
def shop(store, db_path):
    """A (campaign "Spring", UK/Leeds, acquired Jan) 100 + 50 shipped to Paris, FR; B
    ("spring ", acquired 2024, not new) 40; C (no campaign, FR) 10. Deals: 2 of "Spring"
    created in Q1, one won in Q1. Surveys: "Why us?" nps 10, 6 and 8; csat 5 and 2; would
    refer yes, no; a survey without question nps 9."""
    repository.save_all(
        store,
        customers=[Customer("A", id=1, campaign="Spring", country="UK", city="Leeds",
                            acquired_on="2025-01-10"),
                   Customer("B", id=2, campaign="spring ", country="UK", city="York",
                            acquired_on="2024-05-01"),
                   Customer("C", id=3, country="FR", city="Lyon")],
        orders=[OrderLine("2025-01-10", 1, to_e4("100"), cost_e4=to_e4("40")),
                OrderLine("2025-02-10", 1, to_e4("50")),
                OrderLine("2025-02-11", 2, to_e4("40"), cost_e4=to_e4("30")),
                OrderLine("2025-03-01", 3, to_e4("10"))],
        deals=[Deal("Won", campaign="Spring", created_on="2025-01-02", closed_on="2025-02-01",
                    amount_e4=to_e4("100")),
               Deal("Lead", campaign="SPRING", created_on="2025-03-02"),
               Deal("Lead", campaign="Spring", created_on="2024-03-02")],
        surveys=[Survey("2025-01-05", customer_id=1, nps=10, csat=5, would_refer=True,
                        question="Why us?"),
                 Survey("2025-01-06", customer_id=2, nps=6, csat=2, would_refer=False,
                        question="Why us?"),
                 Survey("2025-01-07", customer_id=3, nps=8, question="Why us?"),
                 Survey("2025-01-08", customer_id=3, nps=9)])
    # the line's ship-to, as an import stores it (save_all writes the region only)
    store.conn.execute("UPDATE orders SET country = 'FR', city = 'Paris' "
                       "WHERE date = '2025-02-10'")
    store.conn.commit()
    store.close(backup_if_changed=False)
    return db_path


def _json(db, capsys, *by: str) -> dict:
    assert main(["metrics", "--db", str(db), *ARGS, "--json",
                 *[x for b in by for x in ("--by", b)]]) == 0
    return json.loads(capsys.readouterr().out)["breakdowns"]


def test_by_country_region_city(shop, capsys) -> None:
    got = _json(shop, capsys, "country", "city", "region")
    assert list(got) == ["country", "city", "region"]  # the order asked
    country = got["country"]
    assert {g: v["revenue"]["value"] for g, v in country.items()} == {
        "UK": 140, "FR": 60}
    assert country["UK"]["gross_margin_pct"]["value"] == pytest.approx(70 / 140 * 100)
    assert country["FR"]["gross_profit"]["value"] is None  # no cost known there
    assert {g: v["revenue"]["value"] for g, v in got["city"].items()} == {
        "Leeds": 100, "Paris": 50, "York": 40, "Lyon": 10}
    assert list(got["region"]) == ["(none)"]


def test_by_campaign(shop, capsys) -> None:
    spring = _json(shop, capsys, "campaign")["campaign"]
    assert list(spring) == ["Spring"]  # "spring " and "SPRING" are one campaign
    values = {m: v["value"] for m, v in spring["Spring"].items()}
    assert values == {"customers_new": 1, "customers_new_value": 150, "leads_new": 2,
                      "deals_won": 1}


def test_by_question(shop, capsys) -> None:
    got = _json(shop, capsys, "question")["question"]
    why = got["Why us?"]
    assert why["nps"]["value"] == pytest.approx((1 - 1) / 3 * 100)
    assert why["csat_pct"]["value"] == 50 and why["csat_pct"]["n"] == 2
    assert why["would_refer_pct"]["value"] == 50
    assert got["(not recorded)"]["nps"]["value"] == 100


def test_table_and_help(shop, capsys) -> None:
    assert main(["metrics", "--db", str(shop), *ARGS, "--by", "campaign"]) == 0
    out = capsys.readouterr().out
    assert "By campaign" in out and "Spring" in out
    with pytest.raises(SystemExit):
        main(["metrics", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "ship-to place" in text and "questionnaires by the question asked" in text

"""The Pipeline and Lost screens (`services/screens/pipeline.py`, `lost.py`).

On the demo the cards must equal `compute_metrics` (the catalogue) for the same period; on a
tiny hand-built file every card, list and table is checked against figures worked out by
hand; `custdesk screen pipeline|lost --json` prints the same screens, on the demo and on an
empty file; the tabs draw exactly what the screens hold.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from ui_helpers import make_tab

from custdesk.domain.metric_values import MetricValue
from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Deal
from custdesk.services import metrics_service as ms
from custdesk.services.screens import lost, pipeline
from custdesk.services.screens.model import to_json
from custdesk.storage import repository

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
Q1 = Period(date(2025, 1, 1), date(2025, 3, 31))  # prior: 2024-10-03 .. 2024-12-31
JSON_KEYS = {"screen", "period", "empty", "cards", "lists", "series", "tables"}


def _values(metrics: dict) -> dict:
    return {m: (v.value, v.n, v.low, v.high) for m, v in metrics.items()}


def _value(metric: MetricValue | None) -> float | None:
    return None if metric is None else metric.value


def _card_values(screen, ids) -> dict:
    return {m: (c.current.value, c.current.n, c.current.low, c.current.high)
            for m, c in screen.cards.items() if m in ids}


# ----- the demo: the cards are the catalogue's ------------------------------------------------
@pytest.mark.parametrize("period", [YEAR, OCTOBER])
def test_demo_cards_equal_compute_metrics(demo_store, period) -> None:
    report = ms.compute_metrics(demo_store, period, by=("owner", "reason", "competitor"))
    prior = ms.compute_metrics(demo_store, period.prior()).metrics
    for builder in (pipeline, lost):
        screen = builder.build(demo_store, period, "test")
        assert not screen.empty and set(screen.cards) == set(builder.CARD_IDS)
        catalogue = [m for m in builder.CARD_IDS if m in report.metrics]
        assert _card_values(screen, catalogue) == _values(
            {m: report.metrics[m] for m in catalogue})
        assert {m: screen.cards[m].prior.value for m in catalogue} == {
            m: prior[m].value for m in catalogue}
    shown = pipeline.build(demo_store, period)
    owners = {r["owner"]: r for r in shown.tables["by_owner"]}
    assert set(owners) == set(report.breakdowns["owner"])
    for owner, metrics in report.breakdowns["owner"].items():
        assert (owners[owner]["won"], owners[owner]["lost"], owners[owner]["win_rate"]) == (
            metrics["deals_won"].value, metrics["deals_lost"].value,
            metrics["win_rate_pct"].value)
    gone = lost.build(demo_store, period)
    assert {r["reason"]: r["deals_lost"] for r in gone.tables["by_reason"]} == {
        g: v["deals_lost"].value for g, v in report.breakdowns["reason"].items()
        if "deals_lost" in v}
    assert {r["competitor"]: r["deals_lost"] for r in gone.tables["by_competitor"]} == {
        lost.NO_COMPETITOR if g == "(none)" else g: v["deals_lost"].value
        for g, v in report.breakdowns["competitor"].items() if v["deals_lost"].value}


def test_demo_lists_equal_the_metrics_lists(demo_store) -> None:
    screen = pipeline.build(demo_store, YEAR)
    assert [r["id"] for r in screen.lists["hot"]] == [
        r.id for r in ms.hot_prospects(demo_store, YEAR)]
    assert [r["id"] for r in screen.lists["stale"]] == [
        r.id for r in ms.stale_deals(demo_store, YEAR)]
    assert [r["id"] for r in screen.lists["slipped"]] == [
        r.id for r in ms.slipped_deals(demo_store, YEAR)]
    assert len(screen.lists["open_deals"]) == screen.cards["deals_open"].value
    assert sum(s["deals"] for s in screen.tables["by_stage"]) == screen.cards["deals_open"].value
    gone = lost.build(demo_store, YEAR)
    assert [r["id"] for r in gone.lists["lost_deals"]] == [
        r.id for r in ms.lost_deals(demo_store, YEAR)]


# ----- a tiny file worked out by hand ---------------------------------------------------------
def _deal(stage: str, i: int, title: str, amount: str | None = None, **kw: object) -> Deal:
    return Deal(stage, id=i, title=title,
                amount_e4=None if amount is None else to_e4(amount), **kw)  # type: ignore[arg-type]


TINY = [
    # open at 2025-03-31: A hot (50 %); B stale and slipped (so not hot); C unvalued;
    # D hot at 10 %: it should close within the next 30 days
    _deal("Proposal", 1, "A", "1000", owner="Ann", created_on="2025-01-10",
          expected_close="2025-04-15", last_activity_on="2025-03-20"),
    _deal("Lead", 2, "B", "400", owner="Bob", created_on="2024-11-01",
          expected_close="2025-01-15", last_activity_on="2024-12-01"),
    _deal("Qualified", 3, "C", owner="Ann", created_on="2025-02-01",
          expected_close="2025-06-30", last_activity_on="2025-03-25"),
    _deal("Lead", 10, "D", "200", owner="Ann", created_on="2025-03-01",
          expected_close="2025-04-20", last_activity_on="2025-03-28"),
    # won in Q1: 30 days at 20 % off, 90 days at 10 % off
    _deal("Won", 4, "W1", "2000", list_amount_e4=to_e4("2500"), owner="Ann",
          created_on="2025-01-05", closed_on="2025-02-04"),
    _deal("Won", 5, "W2", "900", list_amount_e4=to_e4("1000"), owner="Bob",
          created_on="2024-12-01", closed_on="2025-03-01"),
    # lost in Q1 (L3 without amount nor reason), and one lost in the prior period
    _deal("Lost", 6, "L1", "3000", owner="Ann", created_on="2025-01-02", closed_on="2025-02-10",
          lost_reason="Price", competitor="Rival"),
    _deal("Lost", 7, "L2", "500", owner="Bob", created_on="2025-01-20", closed_on="2025-03-05",
          lost_reason="Price"),
    _deal("Lost", 8, "L3", owner="Bob", created_on="2024-10-01", closed_on="2025-03-20",
          competitor="Rival"),
    _deal("Lost", 9, "L0", "100", owner="Ann", created_on="2024-10-05", closed_on="2024-11-15",
          lost_reason="Timing"),
]


@pytest.fixture
def tiny(store):
    repository.save_all(store, deals=TINY)
    return store


def test_pipeline_by_hand(tiny) -> None:
    s = pipeline.build(tiny, Q1, "Q1")
    value = {m: c.value for m, c in s.cards.items()}
    assert value["deals_open"] == 4 and value["deals_open_unvalued"] == 1
    assert value["pipeline_value"] == pytest.approx(1600)
    assert value["pipeline_weighted_value"] == pytest.approx(560)  # 500 + 40 + 20
    assert (value["deals_won"], value["deals_lost"]) == (2, 3)
    assert value["win_rate_pct"] == pytest.approx(40)
    assert value["win_rate_value_pct"] == pytest.approx(2900 / 6400 * 100)  # L3: no amount
    assert value["sales_cycle_days_avg"] == pytest.approx(60)
    assert value["discount_pct_avg"] == pytest.approx(15)
    assert value["deep_discount_share_pct"] == pytest.approx(50)
    assert value["lead_conversion_pct"] == pytest.approx(100 / 3)  # 2 won ÷ 6 created
    assert _value(s.cards["deals_open"].extra_value) == 1  # the card's "1 without amount"
    prior = {m: _value(c.prior) for m, c in s.cards.items()}
    assert (prior["deals_open"], prior["deals_won"], prior["deals_lost"]) == (3, 0, 1)
    assert prior["win_rate_pct"] == 0
    open_ = s.lists["open_deals"]
    assert [(r["title"], r["flags"]) for r in open_] == [
        ("A", ["hot"]), ("B", ["stale", "slipped"]), ("D", ["hot"]), ("C", [])]
    assert (open_[0]["amount"], open_[0]["weighted"], open_[0]["probability"]) == (1000, 500, 50)
    assert [[r["title"] for r in s.lists[n]] for n in ("hot", "stale", "slipped")] == [
        ["A", "D"], ["B"], ["B"]]
    assert s.tables["by_stage"] == [
        {"stage": "Lead", "deals": 2, "value": 600, "weighted": 60, "unvalued": 0},
        {"stage": "Qualified", "deals": 1, "value": 0, "weighted": 0, "unvalued": 1},
        {"stage": "Proposal", "deals": 1, "value": 1000, "weighted": 500, "unvalued": 0}]
    # Negotiation, a default stage no deal of the file has been in, is not drawn
    owners = {r["owner"]: (r["open"], r["won"], r["lost"], r["win_rate"])
              for r in s.tables["by_owner"]}
    assert owners == {"Ann": (3, 1, 1, 50), "Bob": (1, 1, 2, pytest.approx(100 / 3))}


def test_lost_by_hand(tiny) -> None:
    s = lost.build(tiny, Q1, "Q1")
    assert s.cards["deals_lost"].value == 3 and s.cards["deals_won"].value == 2
    assert s.cards["lost_deals_value"].value == pytest.approx(3500)
    assert getattr(s.cards["lost_deals_value"].current, "n", None) == 2  # L3: no amount
    assert s.cards["lost_reason_share_pct"].value == pytest.approx(200 / 3)
    assert _value(s.cards["lost_deals_value"].prior) == pytest.approx(100)
    assert _value(s.cards["lost_reason_share_pct"].prior) == pytest.approx(100)
    assert [r["title"] for r in s.lists["lost_deals"]] == ["L3", "L2", "L1"]  # newest first
    assert [(r["reason"], r["deals_lost"]) for r in s.tables["by_reason"]] == [
        ("Price", 2), ("Not recorded", 1)]
    assert [r["share_pct"] for r in s.tables["by_reason"]] == [
        pytest.approx(200 / 3), pytest.approx(100 / 3)]
    assert [(r["competitor"], r["deals_lost"], r["named"])
            for r in s.tables["by_competitor"]] == [("Rival", 2, True),
                                                    (lost.NO_COMPETITOR, 1, False)]


def test_no_deals_is_empty_with_every_key(store) -> None:
    for builder in (pipeline, lost):
        s = builder.build(store, Q1, "Q1")
        assert s.empty and set(s.cards) == set(builder.CARD_IDS)
        assert set(s.lists) == set(builder.LISTS) and set(s.tables) == set(builder.TABLES)
        assert all(c.value is None for c in s.cards.values())


# ----- custdesk screen NAME --json ---------------------------------------------------------------
def _screen_json(capsys, *argv: str) -> dict:
    from custdesk.cli import main

    capsys.readouterr()
    assert main(["screen", *argv]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("builder", [pipeline, lost])
def test_cli_json_on_the_demo(capsys, demo_db_template, tmp_path, builder) -> None:
    from custdesk.storage import open_store

    path = tmp_path / "demo.db"
    shutil.copyfile(demo_db_template, path)
    data = _screen_json(capsys, builder.NAME, "--db", str(path), "--from", "2025-12-01",
                        "--to", "2026-11-24", "--json")
    assert JSON_KEYS <= set(data) and data["screen"] == builder.NAME and not data["empty"]
    assert data["period"]["from"] == "2025-12-01" and data["period"]["to"] == "2026-11-24"
    assert set(data["cards"]) == set(builder.CARD_IDS)
    assert set(data["lists"]) == set(builder.LISTS)
    assert set(data["tables"]) == set(builder.TABLES)
    s = open_store(path)
    try:
        expected = json.loads(json.dumps(to_json(builder.build(s, YEAR, data["period"]["label"]))))
    finally:
        s.close(backup_if_changed=False)
    assert data == expected
    from custdesk.cli import main

    assert main(["screen", builder.NAME, "--db", str(path), "--period", "last-12-months"]) == 0
    assert builder.NAME.capitalize() in capsys.readouterr().out


@pytest.mark.parametrize("builder", [pipeline, lost])
def test_cli_json_on_an_empty_file(capsys, tmp_path, builder) -> None:
    from custdesk.storage import open_store

    path = tmp_path / "empty.db"
    open_store(path).close(backup_if_changed=False)
    data = _screen_json(capsys, builder.NAME, "--db", str(path), "--json")
    assert JSON_KEYS <= set(data) and data["empty"] is True
    assert set(data["cards"]) == set(builder.CARD_IDS)
    assert all(c["value"] is None for c in data["cards"].values())
    assert data["lists"] == {n: [] for n in builder.LISTS}
    assert data["tables"] == {n: [] for n in builder.TABLES}


# ----- the tabs draw the screens -----------------------------------------------------------
@pytest.mark.usefixtures("quiet_ui")
def test_pipeline_tab_draws_the_screen(qtbot, demo_store) -> None:
    from custdesk.ui import formatting as fmt
    from custdesk.ui.tabs.pipeline_tab import PipelineTab

    tab = make_tab(qtbot, PipelineTab, demo_store, YEAR)
    screen = pipeline.build(demo_store, YEAR, tab.period_label)
    assert tab.data == screen
    for metric, card in tab.cards.items():
        shown = screen.cards[metric]
        assert card.value.text() == fmt.by_unit(shown.value, card_unit(metric), short=True)
    assert tab.model.all_rows() == screen.lists["open_deals"]
    assert tab.owner_model.all_rows() == screen.tables["by_owner"]
    assert [(b[0], b[1]) for b in tab.stage_chart.bars] == [
        (s["stage"], s["deals"]) for s in screen.tables["by_stage"]]


@pytest.mark.usefixtures("quiet_ui")
def test_lost_tab_draws_the_screen(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.lost_prospects_tab import LostProspectsTab

    tab = make_tab(qtbot, LostProspectsTab, demo_store, YEAR)
    screen = lost.build(demo_store, YEAR, tab.period_label)
    assert tab.data == screen
    assert tab.model.all_rows() == screen.lists["lost_deals"]
    assert [(b[0], b[1]) for b in tab.reason_chart.bars] == [
        (r["reason"], r["deals_lost"]) for r in screen.tables["by_reason"]]
    assert [(b[0], b[1]) for b in tab.competitor_chart.bars] == [
        (r["competitor"], r["deals_lost"]) for r in screen.tables["by_competitor"]]


def card_unit(metric: str) -> str:
    from custdesk.domain.metric_catalogue import METRICS

    return METRICS[metric].unit

"""The scorecard and customer screens: what `custdesk screen scorecard --json` prints on
the demo and on an empty file, and one customer's figures against independent sums."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from custdesk.cli import main
from custdesk.domain.periods import Period
from custdesk.domain.scorecard import QUESTIONS
from custdesk.services import scorecard_service as svc
from custdesk.services.screens import customer, scorecard
from custdesk.services.screens.model import to_json

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


def screen_json(capsys, db: Path, *extra: str) -> dict:
    capsys.readouterr()
    assert main(["screen", "scorecard", "--db", str(db), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_scorecard_json_on_the_demo(capsys, demo_db_template: Path, tmp_path: Path) -> None:
    import shutil

    from custdesk.storage import open_store

    db = tmp_path / "demo.db"
    shutil.copyfile(demo_db_template, db)
    data = screen_json(capsys, db, "--period", "last-12-months")
    store = open_store(db)
    history = svc.load_history(store)
    store.close(backup_if_changed=False)
    assert data["screen"] == "scorecard" and data["period"]["label"] == "Last 12 months"
    card = data["cards"]["scorecard_average"]
    assert card["value"] == history[-1].average and card["prior"] == history[-2].average
    assert card["n"] == sum(v is not None for v in history[-1].answers.values())
    assert [r["id"] for r in data["lists"]["questions"]] == [q.id for q in QUESTIONS]
    assert [r["taken_on"] for r in data["tables"]["history"]] == [
        a.taken_on.isoformat() for a in history]
    margins = next(r for r in data["lists"]["questions"] if r["id"] == "margins")
    assert margins["evidence"]["label"] == "Gross margin"
    assert margins["score"] == history[-1].answers["margins"]
    assert [p["month"] for p in data["series"]["scorecard_average"]] == sorted(
        {a.taken_on.strftime("%Y-%m") for a in history})


def test_scorecard_json_on_an_empty_file(capsys, tmp_path: Path) -> None:
    from custdesk.storage import open_store

    db = tmp_path / "empty.db"
    open_store(db).close(backup_if_changed=False)
    data = screen_json(capsys, db)
    assert data["empty"] is False  # the form is there to fill in
    assert data["cards"]["scorecard_average"]["value"] is None
    assert data["tables"]["history"] == [] and data["series"]["scorecard_average"] == []
    assert all(r["score"] is None for r in data["lists"]["questions"])
    assert "No assessment saved yet" in data["notes"][0]
    capsys.readouterr()
    assert main(["screen", "scorecard", "--db", str(db)]) == 0
    assert "Questions: 10 rows" in capsys.readouterr().out


def test_scorecard_baseline_follows_today(demo_store) -> None:
    history = svc.load_history(demo_store)
    on_latest = scorecard.build(demo_store, YEAR, today=history[-1].taken_on)
    rows = {r.id: r for r in on_latest.lists["questions"]}
    assert rows["margins"].before == history[-2].answers["margins"]  # compared with earlier
    later = scorecard.build(demo_store, YEAR, today=date(2026, 12, 1))
    assert {r.id: r.before for r in later.lists["questions"]} == history[-1].answers


def busiest_customer(store) -> int:
    return store.conn.execute("SELECT customer_id FROM orders GROUP BY customer_id "
                              "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]


def test_customer_figures_against_independent_sums(demo_store) -> None:
    cid = busiest_customer(demo_store)
    screen = customer.build_customer(demo_store, cid, YEAR, "Last 12 months")
    rev, lines, orders = demo_store.conn.execute(
        "SELECT sum(revenue_e4), count(*), count(DISTINCT order_ref) FROM orders "
        "WHERE customer_id = ? AND date(date) BETWEEN ? AND ?",
        (cid, YEAR.start.isoformat(), YEAR.end.isoformat())).fetchone()
    assert screen.cards["revenue"].value == pytest.approx(rev / 10_000)
    assert screen.cards["revenue"].current.n == lines
    assert screen.cards["orders_count"].value == orders
    assert screen.cards["avg_order_value"].value == pytest.approx(rev / 10_000 / orders)
    total = demo_store.conn.execute("SELECT count(*) FROM orders WHERE customer_id = ?",
                                    (cid,)).fetchone()[0]
    assert len(screen.lists["orders"]) == total
    order_rows = [r for r in screen.lists["story"] if r["kind"] == "Order"]
    distinct = demo_store.conn.execute(
        "SELECT count(DISTINCT coalesce(order_ref, 'line ' || id)), sum(revenue_e4) FROM orders "
        "WHERE customer_id = ?", (cid,)).fetchone()
    assert len(order_rows) == distinct[0]  # order lines grouped into orders with totals
    assert sum(r["amount"] for r in order_rows) == pytest.approx(distinct[1] / 10_000)
    dates = [r["date"] or "" for r in screen.lists["story"]]
    assert dates == sorted(dates, reverse=True)
    months = [p.month for p in screen.series["revenue"]]
    assert months == sorted(months) and len(set(months)) == len(months)
    assert screen.lists["customer"][0]["status"] in ("active", "lapsed", "lost")
    assert not screen.empty
    data = to_json(screen)
    json.dumps(data)  # plain JSON all the way down
    assert data["cards"]["revenue"]["label"] == "Revenue"


def test_customer_without_records_is_empty_and_unknown_is_refused(demo_store) -> None:
    from custdesk.services import customers_service as cs

    cid = cs.add_customer(demo_store, {"name": "Quiet Newcomer"})
    screen = customer.build_customer(demo_store, cid, YEAR)
    assert screen.empty and screen.lists["story"] == []
    assert screen.cards["revenue"].value == 0 and screen.cards["gross_profit"].value is None
    with pytest.raises(KeyError):
        customer.build_customer(demo_store, 999_999, YEAR)

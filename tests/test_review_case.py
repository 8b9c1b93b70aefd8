"""Business case per product (issue 16): the Margins screen flags a product with a target
margin whose margin is below it or whose revenue fell 10 % or more on the period before."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screens import margins


def _row(name: str, revenue: float | None, target: float | None = 30.0,
         below: bool = False, gap: float | None = None) -> dict:
    return {"name": name, "revenue": revenue, "gross_profit": None, "margin_pct": None,
            "orders": 1.0, "target_margin_pct": target, "below_target": below,
            "margin_gap_pts": gap}


def test_behind_case_rules() -> None:
    rows = [_row("Falling", 80.0), _row("Steady", 95.0), _row("Thin", 100.0, below=True,
                                                              gap=-2.5),
            _row("No case", 10.0, target=None), _row("New", 50.0)]
    prior = [_row("Falling", 100.0), _row("Steady", 100.0), _row("Thin", 100.0),
             _row("No case", 100.0)]
    out = {r["name"]: r for r in margins.behind_case(rows, prior)}
    assert out["Falling"]["revenue_change_pct"] == pytest.approx(-20)
    assert out["Falling"]["behind_case"]
    assert out["Falling"]["behind_why"] == "revenue down 20 % on the period before"
    assert not out["Steady"]["behind_case"]  # −5 %: within the case
    assert out["Thin"]["behind_why"] == "margin 2.5 pts below target"
    assert not out["No case"]["behind_case"]  # no target margin: no case to be behind
    assert out["New"]["prior_revenue"] is None and not out["New"]["behind_case"]
    short = margins.behind_case(rows, prior, compare=False)
    assert all(r["revenue_change_pct"] is None for r in short)
    assert [r["name"] for r in short if r["behind_case"]] == ["Thin"]


def test_demo_products_behind_their_case(demo_store) -> None:
    period = Period(date(2026, 10, 1), date(2026, 10, 31))
    screen = margins.build(demo_store, period, with_series=False)
    prior = margins.build(demo_store, period.prior(), with_series=False)  # as the cards
    before = {r["name"]: r["revenue"] for r in prior.tables["by_product"]}
    rows = screen.tables["by_product"]
    assert rows and any(r["behind_case"] for r in rows)
    for r in rows:
        assert r["prior_revenue"] == before.get(r["name"])
        falling = (r["revenue_change_pct"] is not None
                   and r["revenue_change_pct"] <= -margins.REVENUE_FALL_PCT)
        has_case = r["target_margin_pct"] is not None
        assert r["behind_case"] == (has_case and (r["below_target"] or falling)), r["name"]

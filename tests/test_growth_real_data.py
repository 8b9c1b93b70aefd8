"""Growth screen on the real files in ../shared/data against independent pandas figures:
Superstore (superstore.xlsx imported as the owner would) — revenue by region and by city
(each line's ship-to), the discount-weighted price pressure overall, by month and by
segment; Maven CRM (products.csv, then sales_pipeline.csv) — leads per month and win rate
by discount band (discount of a deal = 1 − close_value ÷ its product's sales_price)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services.importer import ImportRequest, commit, make_preview
from custdesk.services.screens import growth_markets, growth_pipeline, growth_price
from custdesk.storage import open_store
from custdesk.storage import queries_growth_price as qp
from custdesk.storage.queries_growth_markets import sales_by_place

pd = pytest.importorskip("pandas")

SUPERSTORE_SPAN = Period(date(2014, 1, 1), date(2017, 12, 31))
MAVEN_SPAN = Period(date(2016, 10, 1), date(2017, 12, 31))


@pytest.fixture(scope="module")
def data_dir() -> Path:
    """`../shared/data` (conftest's `shared_data` rule, once per module: the imports are
    the slow part)."""
    import os

    folder = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI: the shared data folder {folder} is missing")
        pytest.skip("../shared/data is not present")
    return folder


def _import(store, path: Path) -> None:
    commit(store, make_preview(store, ImportRequest(path)))


@pytest.fixture(scope="module")
def superstore(data_dir: Path, tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("superstore") / "s.db")
    _import(store, data_dir / "superstore.xlsx")
    frame = pd.read_excel(data_dir / "superstore.xlsx", sheet_name="Orders",
                          engine="openpyxl")
    yield store, frame
    store.close(backup_if_changed=False)


def test_superstore_span_is_the_files(superstore) -> None:
    store, frame = superstore
    assert frame["Order Date"].min() >= pd.Timestamp(SUPERSTORE_SPAN.start)
    assert frame["Order Date"].max() <= pd.Timestamp(SUPERSTORE_SPAN.end)


@pytest.mark.parametrize("level, column", [("region", "Region"), ("city", "City"),
                                           ("country", "Country")])
def test_superstore_revenue_by_place_equals_pandas(superstore, level, column) -> None:
    store, frame = superstore
    expected = frame.groupby(column)["Sales"].sum()
    rows = growth_markets.place_rows(store, SUPERSTORE_SPAN, level)[level]
    got = {r["place"]: r["revenue"] for r in rows}
    exact = sales_by_place(store, SUPERSTORE_SPAN, level)  # `metrics --by`'s own query
    assert {p: t.revenue_e4 / 10_000 for p, (t, _k) in exact.items()} == pytest.approx(got)
    buyers = frame.groupby(column)["Customer ID"].nunique()
    assert {p: k for p, (_t, k) in exact.items()} == buyers.to_dict()
    assert {r["place"]: r["customers"] for r in rows} == buyers.to_dict()
    assert set(got) == set(expected.index)
    for place, sales in expected.items():
        assert got[place] == pytest.approx(sales, abs=1e-6), place


def _pressure(frame) -> float:
    d = frame["Discount"]
    given = (frame["Sales"] * d / (1 - d)).sum()
    listed = (frame["Sales"] / (1 - d)).sum()
    return given / listed * 100


def test_superstore_discount_weighted_price_pressure_equals_pandas(superstore) -> None:
    store, frame = superstore
    frame = frame[frame["Discount"] < 1]
    tables, _notes = growth_price.price(store, SUPERSTORE_SPAN)
    months = {r["month"]: r["discount_line_pct_avg"] for r in tables["discount_by_month"]}
    by_month = frame.groupby(frame["Order Date"].dt.strftime("%Y-%m"))
    assert len(by_month) == 48
    for month, lines in by_month:
        assert months[month] == pytest.approx(_pressure(lines), rel=1e-9), month
    segments = {r["segment"]: r for r in tables["discount_by_segment"]}
    for segment, lines in frame.groupby("Segment"):
        assert segments[segment]["discount_line_pct_avg"] == pytest.approx(
            _pressure(lines), rel=1e-9)
        assert segments[segment]["lines"] == len(lines)
    whole = qp.discount_by(store, SUPERSTORE_SPAN, "segment")
    given = sum(t.discount_e4 for t in whole.values())
    listed = sum(t.list_e4 for t in whole.values())
    assert given / listed * 100 == pytest.approx(_pressure(frame), rel=1e-9)


@pytest.fixture(scope="module")
def maven(data_dir: Path, tmp_path_factory):
    folder = data_dir / "maven_crm"
    store = open_store(tmp_path_factory.mktemp("maven") / "m.db")
    _import(store, folder / "products.csv")
    _import(store, folder / "sales_pipeline.csv")
    deals = pd.read_csv(folder / "sales_pipeline.csv")
    products = pd.read_csv(folder / "products.csv")
    yield store, deals, products
    store.close(backup_if_changed=False)


def test_maven_leads_per_month_equal_pandas(maven) -> None:
    store, deals, _products = maven
    engaged = pd.to_datetime(deals["engage_date"]).dropna()
    expected = engaged.dt.strftime("%Y-%m").value_counts()
    rows, _sources = growth_pipeline.leads(store, MAVEN_SPAN)
    got = {r["month"]: r["leads_new"] for r in rows}
    assert len(rows) == 15
    assert {m: n for m, n in got.items() if n} == expected.to_dict()


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name).lower()  # "GTXPro" is "GTX Pro"


def test_maven_win_rate_by_discount_band_equals_pandas(maven) -> None:
    store, deals, products = maven
    price = {_key(p): v for p, v in zip(products["product"], products["sales_price"],
                                        strict=True)}
    closed = deals[deals["deal_stage"].isin(["Won", "Lost"])].copy()
    closed["list"] = closed["product"].map(lambda p: price[_key(p)])
    closed["discount"] = 1 - closed["close_value"] / closed["list"]
    bands = pd.cut(closed["discount"], [-float("inf"), 0, 0.1 - 1e-12, 0.2 - 1e-12,
                                        float("inf")],
                   labels=list(qp.BANDS), right=True)
    # 0 %: no discount (or above list); 0–10 %: below 10 %; 10–20 %: below 20 %; 20 % +
    expected = {}
    for band in qp.BANDS:
        chosen = closed[bands == band]
        won = int((chosen["deal_stage"] == "Won").sum())
        expected[band] = (won, len(chosen) - won)
    got = qp.win_rate_by_band(store, MAVEN_SPAN)
    assert got == expected
    assert sum(w + lost for w, lost in got.values()) == len(closed) == 6711
    rows = {r["band"]: r["win_rate_pct"] for r in
            growth_price.price(store, MAVEN_SPAN)[0]["win_rate_by_discount"]}
    for band, (won, lost) in expected.items():
        assert rows[band] == (pytest.approx(won / (won + lost) * 100) if won + lost else None)

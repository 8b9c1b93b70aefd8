"""Column mapping: synonyms, kind guessing, overrides, saved mappings; the catalogue itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from custdesk.services.importer import ImportRequest, commit, make_preview
from custdesk.sheets import catalogue as cat
from custdesk.sheets import mapping as mp

METRICS = Path(__file__).resolve().parent.parent.parent / "shared" / "METRICS.md"
EXTRA = {"customer_name", "customer_email", "product_name", "segment", "country", "city",
         "key",  # key: the full export's stable record key (issue 20 H8/H11)
         # optional columns of schema m005 (issues 14/17) the Records table does not list
         "follow_up_of", "incentive", "reason_detail",
         "signal"}  # an action's origin (detractor...), carried by the full export


def metrics_md_fields(cell: str) -> set[str]:
    """The field names of one Records-table cell: parentheses removed, split on commas and
    semicolons; an item with backticks gives only its backticked names (prose around
    them is not a field), any other item its identifier words except "or" and "and"."""
    names: set[str] = set()
    for item in re.split(r"[,;]", re.sub(r"\([^)]*\)", "", cell)):
        quoted = re.findall(r"`([^`]+)`", item)
        words = quoted or re.findall(r"[A-Za-z_][A-Za-z0-9_]*", item)
        names |= {w for w in words if w not in ("or", "and")}  # "customer and/or deal"
    return names


def test_metrics_md_field_parser():
    cell = (" **month**, **revenue_target**, new_customers_target, product or category "
            "(a target; blank = all); and targets for any metric id as `metric`, `target` "
            "columns (e.g. `nps` 40) ")
    assert metrics_md_fields(cell) == {"month", "revenue_target", "new_customers_target",
                                       "product", "category", "metric", "target"}
    assert metrics_md_fields(" **name or ref** (a ref alone), company ") == {
        "name", "ref", "company"}


def test_catalogue_fields_are_those_of_metrics_md():
    if not METRICS.exists():
        pytest.skip("METRICS.md not present")
    text = METRICS.read_text(encoding="utf-8")
    for kind in cat.KINDS:
        if kind in cat.OWNER_KINDS:  # the owner's records of m005: not in the Records table
            continue
        line = next(ln for ln in text.splitlines() if ln.startswith(f"| {kind} "))
        names = metrics_md_fields(line.split("|")[2])
        ours = {f.name for f in cat.fields(kind)}
        missing = names - ours
        assert not missing, (kind, missing)
        assert ours - names <= EXTRA, (kind, ours - names)


@pytest.mark.parametrize("header, field", [
    ("Client", "customer"), ("Customer", "customer"), ("Account", "customer"),
    ("Company", "customer"), ("E-mail", "customer_email"), ("Email Address", "customer_email"),
    ("Invoice Date", "date"), ("Order Date", "date"), ("Date", "date"), ("Amount", "revenue"),
    ("Sales", "revenue"), ("Revenue", "revenue"), ("Total", "revenue"),
    ("Line Total", "revenue"), ("Qty", "quantity"), ("QUANTITY", "quantity"),
    ("unit_price", "unit_price"), ("Customer ID", "customer"),
])
def test_order_synonyms(header, field):
    assert mp.auto_map([header], "orders") == [field]


@pytest.mark.parametrize("header, field", [
    ("Deal Stage", "stage"), ("Stage", "stage"), ("Status", "stage"),
    ("Close Value", "amount"), ("Amount", "amount"), ("Value", "amount"),
])
def test_deal_synonyms(header, field):
    assert mp.auto_map([header], "deals") == [field]


def test_better_synonym_wins_a_field():
    headers = ["Customer Name", "Customer ID", "Total", "Sales"]
    assert mp.auto_map(headers, "orders") == ["customer_name", "customer", None, "revenue"]


@pytest.mark.parametrize("headers, kind", [
    (["Order Date", "Customer", "Sales", "Quantity"], "orders"),
    (["opportunity_id", "sales_agent", "product", "account", "deal_stage", "close_value"],
     "deals"),
    (["product", "series", "sales_price"], "products"),
    (["customerID", "gender", "Contract", "Churn"], "customers"),
    (["Ticket ID", "Customer Email", "Ticket Type", "Ticket Channel"], "tickets"),
    (["Month", "Spend", "Channel"], "spend"),
    (["Month", "Revenue Target"], "targets"),
    (["Date", "Customer", "NPS", "Comment"], "surveys"),
    (["Colour", "Size"], None),
])
def test_guess_kind(headers, kind):
    assert mp.guess_kind(headers) == kind


def test_overrides():
    headers = ["customerID", "Contract", "Churn"]
    auto = mp.auto_map(headers, "customers")
    assert auto == ["ref", "segment", "status"]
    moved = mp.apply_overrides(headers, auto, "customers", ["churn=-", "Contract = notes"])
    assert moved == ["ref", "notes", None]
    with pytest.raises(ValueError, match="no column 'Plan'"):
        mp.apply_overrides(headers, auto, "customers", ["Plan=segment"])
    with pytest.raises(ValueError, match="no field 'colour'"):
        mp.apply_overrides(headers, auto, "customers", ["Contract=colour"])


def test_missing_required_names_alternatives():
    assert cat.missing_required("orders", {"date"}) == [
        "customer (id, name or e-mail)", "revenue (or quantity and unit_price)"]
    assert cat.missing_required("orders", {"date", "customer_email", "quantity",
                                           "unit_price"}) == []
    assert cat.missing_required("customers", {"email"}) == ["name or ref"]


def test_a_confirmed_mapping_is_reused_for_the_same_headers(store, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("Who,Spent,When\nAnn,5,2024-01-02\n", encoding="utf-8")
    request = ImportRequest(first, kind="orders",
                            overrides=["Who=customer", "Spent=revenue", "When=date"])
    commit(store, make_preview(store, request))
    second = tmp_path / "b.csv"
    second.write_text("who,spent,when\nBo,7,2024-01-03\n", encoding="utf-8")
    preview = make_preview(store, ImportRequest(second))
    assert (preview.kind, preview.parsed.mapping) == ("orders", ["customer", "revenue", "date"])

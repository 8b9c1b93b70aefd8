"""`custdesk metrics`: the exact JSON shape, the table, --explain, and user mistakes."""

from __future__ import annotations

import json
import re

import pytest
from metrics_fixtures import CUSTOMERS, ORDERS

from custdesk.cli import main
from custdesk.domain.metric_catalogue import METRICS
from custdesk.storage import open_store, repository


@pytest.fixture
def db(db_path):
    s = open_store(db_path)
    repository.save_all(s, customers=CUSTOMERS, orders=ORDERS)
    s.close(backup_if_changed=False)
    return str(db_path)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_shape_and_values(db, capsys) -> None:
    code, out, _ = _run(capsys, "metrics", "--db", db, "--from", "2024-01-01",
                        "--to", "2024-12-31", "--by", "segment", "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["from", "to", "metrics", "breakdowns"]
    assert (data["from"], data["to"]) == ("2024-01-01", "2024-12-31")
    assert set(data["metrics"]) == set(METRICS)
    for value in data["metrics"].values():
        assert list(value) == ["value", "n", "low", "high"]
    assert data["metrics"]["revenue"] == {"value": 985.0, "n": None, "low": None, "high": None}
    churn = data["metrics"]["churn_rate_pct"]  # 2 of 6, rounded only here
    assert (churn["value"], churn["n"]) == (33.33, 6)
    assert churn["low"] < churn["value"] < churn["high"]
    assert data["metrics"]["retention_rate_pct"]["value"] == 66.67
    assert data["metrics"]["cac"]["value"] is None  # no spend: null, not 0
    assert data["breakdowns"]["segment"]["Retail"]["revenue"]["value"] == 485.0


def test_default_period_is_the_data_span(db, capsys) -> None:
    _, out, _ = _run(capsys, "metrics", "--db", db, "--json")
    data = json.loads(out)
    assert (data["from"], data["to"]) == ("2022-01-01", "2025-01-05")


def test_table(db, capsys) -> None:
    code, out, _ = _run(capsys, "metrics", "--db", db, "--from", "2024-01-01",
                        "--to", "2024-12-31", "--by", "month")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Period 2024-01-01 to 2024-12-31"
    revenue = next(line for line in lines if re.match(r"Revenue {2,}", line))
    assert revenue.split()[-1] == "985.00"
    churn = next(line for line in lines if line.startswith("Churn rate"))
    assert "33.3 %" in churn and "small sample" in churn
    assert "By month" in out and "2024-10" in out


def test_explain(capsys) -> None:
    code, out, _ = _run(capsys, "metrics", "--explain", "gross_margin_pct")
    assert code == 0
    assert out.startswith("Gross margin (gross_margin_pct, pct)")
    assert "Formula: gross_profit ÷ revenue of lines with a known cost × 100" in out


def test_user_mistakes_are_one_line(db, capsys) -> None:
    code, _, err = _run(capsys, "metrics", "--explain", "profit_pct")
    assert code == 2 and err.startswith("custdesk: unknown metric 'profit_pct'")
    assert len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, "metrics", "--db", db, "--from", "2024-02-01",
                        "--to", "2024-01-01")
    assert code == 2 and err.strip() == "custdesk: --to 2024-01-01 is before --from 2024-02-01."
    code, _, err = _run(capsys, "metrics", "--db", db + ".missing")
    assert code == 2 and "does not exist" in err


def test_empty_database(db_path, capsys) -> None:
    open_store(db_path).close(backup_if_changed=False)
    code, out, _ = _run(capsys, "metrics", "--db", str(db_path), "--json",
                        "--from", "2024-01-01", "--to", "2024-01-31")
    assert code == 0
    data = json.loads(out)
    assert data["metrics"]["gross_margin_pct"]["value"] is None
    assert data["metrics"]["customers_total"]["value"] == 0


def test_every_breakdown_of_the_service_is_a_by_choice() -> None:
    from custdesk.commands.metrics import BY_CHOICES
    from custdesk.services.metrics_service import BREAKDOWNS

    assert BY_CHOICES == BREAKDOWNS


@pytest.mark.parametrize(("asked", "metric"), [
    ("retention", "retention_rate_pct"), ("Win rate", "win_rate_pct"),
    ("win rate", "win_rate_pct"), ("Retention rate", "retention_rate_pct"),
    ("NPS", "nps"), ("churn", "churn_rate_pct"), ("Average order value", "avg_order_value"),
    ("revnue", "revenue"), ("gross-margin", "gross_margin_pct"), ("cac", "cac"),
])
def test_explain_accepts_a_label_or_a_close_id(capsys, asked, metric) -> None:
    code, out, _ = _run(capsys, "metrics", "--explain", asked)
    assert code == 0
    assert out.startswith(f"{METRICS[metric].label} ({metric}, ")


def test_explain_ambiguous_lists_candidates_on_one_line(capsys) -> None:
    code, out, err = _run(capsys, "metrics", "--explain", "rate")
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("custdesk: 'rate' could be: ")
    for metric in ("win_rate_pct", "churn_rate_pct", "retention_rate_pct"):
        assert f"{metric} ({METRICS[metric].label})" in err
    assert "customers_total" not in err


def test_find_metrics_every_id_and_label_finds_itself() -> None:
    from custdesk.domain.metric_catalogue import find_metrics

    for metric, info in METRICS.items():
        assert find_metrics(metric) == [metric]
        assert find_metrics(info.label)[0] == metric, info.label
    assert find_metrics("   ") == [] and find_metrics("zzzz qqq") == []

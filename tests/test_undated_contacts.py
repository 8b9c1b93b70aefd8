"""Undated contacts (METRICS.md "Customer state"): people known only from tickets, surveys or
open/lost deals are counted in customers_total and contacts_undated, never as new, active or
lost — importing a tickets file must not make thousands of "new customers" who bought $0."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from custdesk.cli import main
from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.services.importer import ImportRequest, commit, make_preview


def _import(store, path: Path, text: str, kind: str) -> None:
    path.write_text(text, encoding="utf-8")
    commit(store, make_preview(store, ImportRequest(path, kind=kind)))


def test_tickets_make_contacts_not_customers(store, tmp_path: Path) -> None:
    _import(store, tmp_path / "customers.csv", "Name,Segment\nAnn,Retail\n", "customers")
    _import(store, tmp_path / "tickets.csv",
            "Customer,Opened,Topic\nBob,2026-11-02,Billing\nCy,2026-11-03,Delivery\n"
            "Ann,2026-11-04,Billing\n", "tickets")
    # up to today: Ann's acquisition is the day her customer list was imported
    period = Period(date(2026, 11, 1), max(date.today(), date(2026, 11, 30)))
    m = ms.compute_metrics(store, period).metrics
    assert m["customers_total"].value == 3  # Ann, Bob, Cy
    assert m["contacts_undated"].value == 2  # Bob, Cy: known only from a ticket
    assert m["customers_new"].value == 1  # Ann, dated by the customer list's import day
    assert m["customers_active"].value == 1
    assert m["customers_lost"].value == 0
    rows = {r.name: r for r in ms.customer_rows(store, period.end)}
    assert (rows["Bob"].status, rows["Bob"].acquired_on) == ("contact", None)
    assert rows["Ann"].status == "active"

    # an order dates Bob: from then on he is a customer like any other
    _import(store, tmp_path / "orders.csv", "Date,Customer,Amount\n2026-11-10,Bob,120\n",
            "orders")
    m = ms.compute_metrics(store, period).metrics
    assert (m["contacts_undated"].value, m["customers_new"].value) == (1, 2)
    assert m["customers_active"].value == 2


def test_today_says_how_many_contacts_wait_for_a_date(store, tmp_path: Path, capsys) -> None:
    _import(store, tmp_path / "orders.csv", "Date,Customer,Amount\n2026-11-10,Ann,120\n",
            "orders")
    _import(store, tmp_path / "surveys.csv", "Date,Customer,NPS\n2026-11-12,Dee,3\n",
            "surveys")
    db = str(store.path)
    store.close(backup_if_changed=False)
    assert main(["screen", "today", "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cards"]["customers_new"]["value"] == 1  # Ann only, not Dee
    assert "1 contact without a purchase — import orders or a customer list to date them." \
        in data["notes"]

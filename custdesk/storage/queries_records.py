"""Loading the small record kinds (deals, tickets, surveys, spend, targets) for the metrics.

These tables hold thousands of rows, not millions, so they come back as domain records and
the metrics run in pure Python. Order lines are never loaded here (see `queries.py`).
"""

from __future__ import annotations

from custdesk.domain.records import Customer, Deal, Spend, Survey, SurveyKind, Target, Ticket
from custdesk.storage.database import Store
from custdesk.storage.repository import get_settings, load_stages

__all__ = ["get_settings", "load_stages", "load_deals", "load_tickets", "load_surveys",
           "load_spend", "load_targets", "list_prices", "customer_labels", "load_customer",
           "settings_values", "load_reasons"]


def load_deals(store: Store) -> list[Deal]:
    sql = """SELECT d.*, s.name AS stage_name FROM deals d JOIN stages s ON s.id = d.stage_id
             ORDER BY d.id"""
    return [Deal(
        stage=r["stage_name"], id=r["id"], customer_id=r["customer_id"], ref=r["ref"],
        title=r["title"], product_id=r["product_id"], amount_e4=r["amount_e4"],
        list_amount_e4=r["list_amount_e4"], probability=r["probability"], owner=r["owner"],
        source=r["source"], created_on=r["created_on"], expected_close=r["expected_close"],
        closed_on=r["closed_on"], lost_reason=r["lost_reason"], competitor=r["competitor"],
        next_step=r["next_step"], last_activity_on=r["last_activity_on"])
        for r in store.db.query(sql)]


def load_tickets(store: Store, customer_id: int | None = None) -> list[Ticket]:
    where, params = ("WHERE customer_id = ?", (customer_id,)) if customer_id else ("", ())
    return [Ticket(
        customer_id=r["customer_id"], id=r["id"], ref=r["ref"], opened_at=r["opened_at"],
        first_response_at=r["first_response_at"], resolved_at=r["resolved_at"],
        topic=r["topic"], channel=r["channel"], status=r["status"],
        is_complaint=bool(r["is_complaint"]), contacts=r["contacts"], csat=r["csat"])
        for r in store.db.query(f"SELECT * FROM tickets {where} ORDER BY id", params)]


def load_surveys(store: Store, customer_id: int | None = None) -> list[Survey]:
    where, params = ("WHERE customer_id = ?", (customer_id,)) if customer_id else ("", ())
    return [Survey(
        date=r["date"], id=r["id"], customer_id=r["customer_id"], kind=SurveyKind(r["kind"]),
        nps=r["nps"], csat=r["csat"], score=r["score"],
        would_refer=None if r["would_refer"] is None else bool(r["would_refer"]),
        reason=r["reason"], comment=r["comment"])
        for r in store.db.query(f"SELECT * FROM surveys {where} ORDER BY date, id", params)]


def load_spend(store: Store) -> list[Spend]:
    return [Spend(month=r["month"], amount_e4=r["amount_e4"], id=r["id"], channel=r["channel"])
            for r in store.db.query("SELECT * FROM spend ORDER BY month, id")]


def load_targets(store: Store) -> list[Target]:
    return [Target(month=r["month"], revenue_target_e4=r["revenue_target_e4"],
                   new_customers_target=r["new_customers_target"])
            for r in store.db.query("SELECT * FROM targets ORDER BY month")]


def load_reasons(store: Store) -> list[str]:
    return [r["name"] for r in store.db.query("SELECT name FROM reasons ORDER BY position, id")]


def list_prices(store: Store) -> dict[int, int | None]:
    return {r["id"]: r["list_price_e4"] for r in store.db.query(
        "SELECT id, list_price_e4 FROM products")}


def product_names(store: Store) -> dict[int, str]:
    return {r["id"]: r["name"] for r in store.db.query("SELECT id, name FROM products")}


def customer_labels(store: Store, *, with_deals: bool = False
                    ) -> dict[int, tuple[str, str | None]]:
    """customer id -> (name, segment), for lists and deal rows (`with_deals`: only the
    customers who have deals, not the whole file)."""
    where = " WHERE id IN (SELECT customer_id FROM deals)" if with_deals else ""
    return {cid: (name, seg) for cid, name, seg in store.conn.execute(
        "SELECT id, name, segment FROM customers" + where)}


def record_segments(store: Store) -> dict[int, str]:
    """customer id -> segment ("(none)" when blank) of the customers who have deals,
    tickets or surveys (segment breakdowns of those records)."""
    return dict(store.conn.execute(
        "SELECT id, coalesce(nullif(segment, ''), '(none)') FROM customers WHERE id IN "
        "(SELECT customer_id FROM deals UNION SELECT customer_id FROM tickets "
        "UNION SELECT customer_id FROM surveys)"))


def load_customer(store: Store, customer_id: int) -> Customer | None:
    rows = list(store.db.query("SELECT * FROM customers WHERE id = ?", (customer_id,)))
    if not rows:
        return None
    r = rows[0]
    fields = ("name", "id", "ref", "company", "email", "phone", "segment", "source",
              "referred_by", "acquired_on", "status", "lost_on", "lost_reason", "country",
              "city", "notes", "created_on")
    return Customer(**{f: r[f] for f in fields})


def settings_values(store: Store) -> tuple[int, float, int]:
    """(activity window W in days, deep-discount threshold %, repeat-contact days)."""
    s = get_settings(store)
    return (int(float(s.get("activity_window_days", "365"))),
            float(s.get("deep_discount_pct", "20")),
            int(float(s.get("repeat_contact_days", "7"))))


def set_stage_probability(store: Store, name: str, probability: float) -> None:
    """Change a stage's default probability (0–100); the stage must exist."""
    from custdesk.domain.text import name_key

    if not 0 <= probability <= 100:
        raise ValueError(f"a probability is between 0 and 100, not {probability:g}")
    with store.transaction():
        cursor = store.conn.execute("UPDATE stages SET probability = ? WHERE name_key = ?",
                                    (probability, name_key(name)))
    if cursor.rowcount == 0:
        raise ValueError(f"there is no stage called {name!r}")


def set_reasons(store: Store, names: list[str]) -> None:
    """Replace the shared list of lost reasons (order kept; blanks and repeats dropped)."""
    seen: dict[str, str] = {}
    for name in names:
        clean = name.strip()
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean
    if not seen:
        raise ValueError("the reasons list cannot be empty")
    with store.transaction():
        store.conn.execute("DELETE FROM reasons")
        store.conn.executemany("INSERT INTO reasons(name, position) VALUES (?, ?)",
                               [(n, i) for i, n in enumerate(seen.values(), start=1)])

"""Loading the small record kinds (deals, tickets, surveys, spend, targets) for the metrics.

These tables hold thousands of rows, not millions, so they come back as domain records and
the metrics run in pure Python. Order lines are never loaded here (see `queries.py`).
"""

from __future__ import annotations

from custdesk.domain.records import (
    Customer,
    Deal,
    MetricTarget,
    Spend,
    Survey,
    SurveyKind,
    Target,
    Ticket,
)
from custdesk.storage.database import Store
from custdesk.storage.repository import get_settings, load_stages

__all__ = ["get_settings", "load_stages", "load_deals", "DEAL_COLUMNS", "deal_from_row",
           "load_tickets", "load_surveys",
           "load_spend", "load_targets", "load_line_targets", "load_metric_targets",
           "load_all_metric_targets", "list_prices", "customer_labels", "load_customer",
           "settings_values", "load_reasons"]


# the deal columns in `deal_from_row`'s order (stage name first; `s` is the deal's stage)
DEAL_COLUMNS = """s.name, d.id, d.customer_id, d.ref, d.title, d.product_id, d.amount_e4,
    d.list_amount_e4, d.probability, d.owner, d.source, d.created_on, d.expected_close,
    d.closed_on, d.lost_reason, d.competitor, d.next_step, d.last_activity_on,
    d.win_reason, d.next_step_on, d.needs_me, d.special_terms, d.campaign"""


def deal_from_row(r: tuple) -> Deal:
    # plain tuples with named columns: dict rows cost more than the records (10k+ rows)
    return Deal(
        stage=r[0], id=r[1], customer_id=r[2], ref=r[3], title=r[4], product_id=r[5],
        amount_e4=r[6], list_amount_e4=r[7], probability=r[8], owner=r[9], source=r[10],
        created_on=r[11], expected_close=r[12], closed_on=r[13], lost_reason=r[14],
        competitor=r[15], next_step=r[16], last_activity_on=r[17], win_reason=r[18],
        next_step_on=r[19], needs_me=None if r[20] is None else bool(r[20]),
        special_terms=r[21], campaign=r[22])


def load_deals(store: Store, customer_id: int | None = None) -> list[Deal]:
    where, params = ("WHERE d.customer_id = ?", (customer_id,)) if customer_id else ("", ())
    sql = (f"SELECT {DEAL_COLUMNS} FROM deals d JOIN stages s ON s.id = d.stage_id "
           f"{where} ORDER BY d.id")
    return [deal_from_row(r) for r in store.conn.execute(sql, params)]


def load_tickets(store: Store, customer_id: int | None = None) -> list[Ticket]:
    where, params = ("WHERE customer_id = ?", (customer_id,)) if customer_id else ("", ())
    sql = f"""SELECT customer_id, id, ref, opened_at, first_response_at, resolved_at, topic,
                     channel, status, is_complaint, contacts, csat
              FROM tickets {where} ORDER BY id"""
    return [Ticket(
        customer_id=r[0], id=r[1], ref=r[2], opened_at=r[3], first_response_at=r[4],
        resolved_at=r[5], topic=r[6], channel=r[7], status=r[8], is_complaint=bool(r[9]),
        contacts=r[10], csat=r[11])
        for r in store.conn.execute(sql, params)]


def load_surveys(store: Store, customer_id: int | None = None) -> list[Survey]:
    where, params = ("WHERE customer_id = ?", (customer_id,)) if customer_id else ("", ())
    sql = f"""SELECT date, id, customer_id, kind, nps, csat, score, would_refer, reason,
                     comment, question
              FROM surveys {where} ORDER BY date, id"""
    kinds = {k.value: k for k in SurveyKind}
    return [Survey(
        date=r[0], id=r[1], customer_id=r[2], kind=kinds.get(r[3]) or SurveyKind(r[3]),
        nps=r[4], csat=r[5], score=r[6],
        would_refer=None if r[7] is None else bool(r[7]), reason=r[8], comment=r[9],
        question=r[10])
        for r in store.conn.execute(sql, params)]


def load_spend(store: Store) -> list[Spend]:
    return [Spend(month=r["month"], amount_e4=r["amount_e4"], id=r["id"], channel=r["channel"])
            for r in store.db.query("SELECT * FROM spend ORDER BY month, id")]


_WHOLE = "product IS NULL AND category IS NULL"


def load_targets(store: Store) -> list[Target]:
    """The whole business's revenue targets, one per month (the sales plan's)."""
    return [Target(month=month, revenue_target_e4=revenue, new_customers_target=new)
            for month, revenue, new in store.conn.execute(
                "SELECT month, revenue_target_e4, new_customers_target FROM targets "
                f"WHERE metric IS NULL AND {_WHOLE} ORDER BY month")]


def load_line_targets(store: Store) -> list[Target]:
    """Revenue targets of product lines (a product by name, or a category), by month."""
    return [Target(month=month, revenue_target_e4=revenue, new_customers_target=new,
                   product=product, category=category)
            for month, revenue, new, product, category in store.conn.execute(
                "SELECT month, revenue_target_e4, new_customers_target, product, category "
                f"FROM targets WHERE metric IS NULL AND NOT ({_WHOLE}) "
                "ORDER BY month, id")]


def load_metric_targets(store: Store) -> dict[tuple[str, str], float]:
    """(month, metric id) -> the whole business's target for that metric."""
    return {(month, metric): target for month, metric, target in store.conn.execute(
        f"SELECT month, metric, target FROM targets WHERE metric IS NOT NULL AND {_WHOLE} "
        "ORDER BY month, metric")}


def load_all_metric_targets(store: Store) -> list[MetricTarget]:
    """Every metric target, the product lines' too."""
    return [MetricTarget(month=month, metric=metric, target=target, product=product,
                         category=category)
            for month, metric, target, product, category in store.conn.execute(
                "SELECT month, metric, target, product, category FROM targets "
                "WHERE metric IS NOT NULL ORDER BY month, id")]


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
              "city", "notes", "created_on", "campaign", "contract_end", "region")
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


def customer_attributes(store: Store) -> dict[int, tuple[str, str | None, str | None,
                                                        str | None]]:
    """customer id -> (name, company, segment, source), for the customers table."""
    return {cid: (name, company, segment, source) for cid, name, company, segment, source
            in store.conn.execute("SELECT id, name, company, segment, source FROM customers")}


def product_target_margins(store: Store) -> dict[str, float | None]:
    """product name -> target_margin_pct (the owner's business case), None when not set."""
    return dict(store.conn.execute("SELECT name, target_margin_pct FROM products"))


def has_table(store: Store, name: str) -> bool:
    """True when the file has this table (kinds added by a later migration)."""
    return store.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                              (name,)).fetchone() is not None


_ACTION_COUNTS = """
SELECT coalesce(sum(open), 0), coalesce(sum(open AND due_on IS NOT NULL AND due_on < :day), 0)
FROM (SELECT due_on, created_on <= :day AND (status = 'open'
        OR (status != 'open' AND done_on IS NOT NULL AND done_on > :day)) AS open
      FROM actions)
"""


def action_counts(store: Store, as_of: str) -> tuple[int, int] | None:
    """(open, overdue) actions as of a day, by `Action.open_on` / `overdue_on`'s rules
    (tested equal); None when the file keeps no actions table."""
    if not has_table(store, "actions"):
        return None
    opened, overdue = store.conn.execute(_ACTION_COUNTS, {"day": as_of}).fetchone()
    return int(opened), int(overdue)

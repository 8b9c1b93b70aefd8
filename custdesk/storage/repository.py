"""Writing and reading domain records.

Bulk writes use `executemany` inside the caller's transaction (DESIGN.md: sqlite-utils'
`insert_all` commits per chunk and is ~4× slower at 100k rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from custdesk.domain.records import (
    NEW_STAGE_PROBABILITY,
    Assessment,
    Customer,
    Deal,
    MetricTarget,
    OrderLine,
    Product,
    Spend,
    Stage,
    StageKind,
    Survey,
    Target,
    Ticket,
)
from custdesk.domain.text import email_key, name_key
from custdesk.storage.queries_summary import kept_in_step
from custdesk.storage.store import Store


def month_number(iso_date: str) -> int:
    """ "2024-03-17" -> 202403, the integer month column of order lines."""
    return int(iso_date[0:4]) * 100 + int(iso_date[5:7])


def _insert(store: Store, table: str, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    store.conn.executemany(sql, ([row[c] for c in columns] for row in rows))


def customer_row(c: Customer) -> dict[str, Any]:
    return {
        "id": c.id,
        "ref": c.ref,
        "name": c.name,
        "name_key": name_key(c.name),
        "company": c.company,
        "email": c.email,
        "email_key": email_key(c.email) or None,
        "phone": c.phone,
        "segment": c.segment,
        "source": c.source,
        "referred_by": c.referred_by,
        "acquired_on": c.acquired_on,
        "status": c.status,
        "lost_on": c.lost_on,
        "lost_reason": c.lost_reason,
        "country": c.country,
        "city": c.city,
        "notes": c.notes,
        "created_on": c.created_on or date.today().isoformat(),
        "campaign": c.campaign,
        "contract_end": c.contract_end,
        "region": c.region,
    }


def product_row(p: Product) -> dict[str, Any]:
    return {
        "id": p.id,
        "ref": p.ref,
        "name": p.name,
        "name_key": name_key(p.name),
        "category": p.category,
        "list_price_e4": p.list_price_e4,
        "unit_cost_e4": p.unit_cost_e4,
        "target_margin_pct": p.target_margin_pct,
    }


def order_row(o: OrderLine) -> dict[str, Any]:
    return {
        "id": o.id,
        "customer_id": o.customer_id,
        "date": o.date,
        "month": month_number(o.date),
        "order_ref": o.order_ref,
        "product_id": o.product_id,
        "category": o.category,
        "quantity": o.quantity,
        "unit_price_e4": o.unit_price_e4,
        "revenue_e4": o.revenue_e4,
        "discount": o.discount,
        "cost_e4": o.cost_e4,
        "status": o.status,
        "shipped_on": o.shipped_on,
        "delivered_on": o.delivered_on,
        "region": o.region,
    }


def stage_ids(store: Store) -> dict[str, int]:
    """Stage name key -> id."""
    return {row["name_key"]: row["id"] for row in store.db.query("SELECT id, name_key FROM stages")}


def ensure_stage(store: Store, name: str) -> int:
    """The stage's id; an unknown stage name is added as an open stage (METRICS.md)."""
    key = name_key(name)
    found = stage_ids(store).get(key)
    if found is not None:
        return found
    position = store.conn.execute("SELECT coalesce(max(position), 0) + 1 FROM stages").fetchone()[0]
    cursor = store.conn.execute(
        "INSERT INTO stages(name, name_key, kind, probability, position) "
        "VALUES (?, ?, 'open', ?, ?)",
        (name.strip(), key, NEW_STAGE_PROBABILITY, position),
    )
    return int(cursor.lastrowid or 0)


def load_stages(store: Store) -> list[Stage]:
    return [
        Stage(r["name"], StageKind(r["kind"]), r["probability"], r["position"])
        for r in store.db.query("SELECT * FROM stages ORDER BY position, id")
    ]


def deal_row(store: Store, d: Deal) -> dict[str, Any]:
    return {
        "id": d.id,
        "ref": d.ref,
        "customer_id": d.customer_id,
        "title": d.title,
        "product_id": d.product_id,
        "stage_id": ensure_stage(store, d.stage),
        "amount_e4": d.amount_e4,
        "list_amount_e4": d.list_amount_e4,
        "probability": d.probability,
        "owner": d.owner,
        "source": d.source,
        "created_on": d.created_on,
        "expected_close": d.expected_close,
        "closed_on": d.closed_on,
        "lost_reason": d.lost_reason,
        "competitor": d.competitor,
        "next_step": d.next_step,
        "last_activity_on": d.last_activity_on,
        "win_reason": d.win_reason,
        "next_step_on": d.next_step_on,
        "needs_me": None if d.needs_me is None else int(d.needs_me),
        "special_terms": d.special_terms,
        "campaign": d.campaign,
    }


def ticket_row(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "ref": t.ref,
        "customer_id": t.customer_id,
        "opened_at": t.opened_at,
        "first_response_at": t.first_response_at,
        "resolved_at": t.resolved_at,
        "topic": t.topic,
        "channel": t.channel,
        "status": t.status,
        "is_complaint": int(t.is_complaint),
        "contacts": t.contacts,
        "csat": t.csat,
    }


def survey_row(s: Survey) -> dict[str, Any]:
    return {
        "id": s.id,
        "date": s.date,
        "customer_id": s.customer_id,
        "kind": str(s.kind),
        "nps": s.nps,
        "csat": s.csat,
        "score": s.score,
        "would_refer": None if s.would_refer is None else int(s.would_refer),
        "reason": s.reason,
        "comment": s.comment,
        "question": s.question,
    }


def target_row(t: Target) -> dict[str, Any]:
    return {"month": t.month, "product": t.product, "category": t.category, "metric": None,
            "revenue_target_e4": t.revenue_target_e4,
            "new_customers_target": t.new_customers_target, "target": None}


def metric_target_row(t: MetricTarget) -> dict[str, Any]:
    return {"month": t.month, "product": t.product, "category": t.category,
            "metric": t.metric, "revenue_target_e4": None, "new_customers_target": None,
            "target": t.target}


def save_assessment(store: Store, a: Assessment) -> int:
    cursor = store.conn.execute(
        "INSERT INTO assessments(id, taken_on, note) VALUES (?, ?, ?)", (a.id, a.taken_on, a.note)
    )
    assessment_id = int(cursor.lastrowid or 0)
    store.conn.executemany(
        "INSERT INTO assessment_answers(assessment_id, question_id, score) VALUES (?, ?, ?)",
        [(assessment_id, qid, score) for qid, score in a.answers],
    )
    return assessment_id


def save_all(
    store: Store,
    *,
    customers: Iterable[Customer] = (),
    products: Iterable[Product] = (),
    orders: Iterable[OrderLine] = (),
    deals: Iterable[Deal] = (),
    tickets: Iterable[Ticket] = (),
    surveys: Iterable[Survey] = (),
    spend: Iterable[Spend] = (),
    targets: Iterable[Target] = (),
    metric_targets: Iterable[MetricTarget] = (),
    assessments: Iterable[Assessment] = (),
) -> None:
    """Insert records in one transaction (all or nothing), order summary included."""
    with kept_in_step(store):
        _insert(store, "customers", [customer_row(c) for c in customers])
        _insert(store, "products", [product_row(p) for p in products])
        _insert(store, "orders", [order_row(o) for o in orders])
        _insert(store, "deals", [deal_row(store, d) for d in deals])
        _insert(store, "tickets", [ticket_row(t) for t in tickets])
        _insert(store, "surveys", [survey_row(s) for s in surveys])
        _insert(
            store,
            "spend",
            [
                {"id": s.id, "month": s.month, "amount_e4": s.amount_e4, "channel": s.channel}
                for s in spend
            ],
        )
        _insert(store, "targets", [target_row(t) for t in targets])
        _insert(store, "targets", [metric_target_row(t) for t in metric_targets])
        for assessment in assessments:
            save_assessment(store, assessment)


def get_settings(store: Store) -> dict[str, str]:
    return {r["key"]: r["value"] for r in store.db.query("SELECT key, value FROM settings")}


def set_setting(store: Store, key: str, value: str) -> None:
    with store.transaction():
        store.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def table_counts(store: Store) -> dict[str, int]:
    """Rows per record table, for the status bar and `custdesk info`."""
    tables = (
        "customers",
        "orders",
        "products",
        "deals",
        "tickets",
        "surveys",
        "spend",
        "targets",
        "assessments",
    )
    return {t: store.db[t].count for t in tables}


def is_empty(store: Store) -> bool:
    return all(n == 0 for t, n in table_counts(store).items())


def order_lines_estimate(store: Store) -> int:
    """About how many order lines the file holds: the highest id (no table scan), for
    deciding whether work is big enough for a background thread."""
    row = store.conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()
    return int(row[0])

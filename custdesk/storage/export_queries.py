"""Reading every record kind for the full export, as rows of import-catalogue fields.

References are resolved to what the importer matches on: a customer as its ref, name and
e-mail (ref first, else e-mail, else name), a product as its ref and name. Rows stream from
a cursor (never a full list), in insertion order, so a backup lists records as they came.
Money stays in integer ten-thousandths here; the export service turns it into Decimals.

One exception to "every record": an undated contact (METRICS.md: created by a tickets,
surveys or deals import, no acquisition date, no order) with nothing but a ref, name and
e-mail is left off the customers sheet of a whole export. The records naming them bring
them back as they were; a customers sheet would date them by its import day.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from custdesk.storage.database import Store

_CUSTOMER = {"customer": "c.ref", "customer_name": "c.name", "customer_email": "c.email"}


@dataclass(frozen=True)
class KindQuery:
    source: str  # FROM ... JOINs
    date: str | None  # the expression --from/--to filter on (None: never filtered)
    order: str
    fields: dict[str, str]  # catalogue field -> SQL expression
    month: bool = False  # the date expression is a 'YYYY-MM' month
    whole: str | None = None  # a condition on the rows of a whole (unfiltered) export
    # (id, day, customer id) of a record: the export's generated key of a record stored
    # without a line_key is made from them (`import_match.row_key`)
    identity: tuple[str, str, str] | None = None


ROW_IDENTITY = ("_row_id", "_row_day", "_row_customer")  # extra fields: `identity`


_ATTRIBUTES = ("company", "phone", "segment", "source", "referred_by", "acquired_on",
               "status", "lost_on", "lost_reason", "country", "city", "notes", "campaign",
               "contract_end", "region")
_BARE_CONTACT = (
    # (no batch: entered by hand or the demo, dated like a customers sheet's: kept)
    "NOT (coalesce((SELECT b.kind <> 'customers' FROM import_batches b "
    "WHERE b.id = c.batch_id), 0) "
    f"AND coalesce({', '.join('c.' + a for a in _ATTRIBUTES)}) IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id) "
    "AND (EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = c.id) "
    "OR EXISTS (SELECT 1 FROM surveys v WHERE v.customer_id = c.id) "
    "OR EXISTS (SELECT 1 FROM deals d WHERE d.customer_id = c.id)))")


QUERIES: dict[str, KindQuery] = {
    "customers": KindQuery("customers c", None, "c.id", {
        f: f"c.{f}" for f in ("name", "ref", "company", "email", "phone", "segment", "source",
                              "referred_by", "acquired_on", "status", "lost_on",
                              "lost_reason", "country", "city", "notes", "campaign",
                              "contract_end", "region")}, whole=_BARE_CONTACT),
    "products": KindQuery("products p", None, "p.id", {
        "name": "p.name", "ref": "p.ref", "category": "p.category",
        "list_price": "p.list_price_e4", "unit_cost": "p.unit_cost_e4",
        "target_margin_pct": "p.target_margin_pct"}),
    "orders": KindQuery(
        "orders o JOIN customers c ON c.id = o.customer_id "
        "LEFT JOIN products p ON p.id = o.product_id", "o.date", "o.id", {
            "date": "o.date", **_CUSTOMER, "segment": "c.segment",
            # the line's own ship-to (a new customer takes it too when imported)
            "country": "o.country", "city": "o.city", "order_ref": "o.order_ref",
            "product": "p.ref",
            "product_name": "p.name", "category": "o.category", "quantity": "o.quantity",
            "unit_price": "o.unit_price_e4", "revenue": "o.revenue_e4",
            "discount": "o.discount", "cost": "o.cost_e4",
            "profit": "o.revenue_e4 - o.cost_e4", "status": "o.status",
            "shipped_on": "o.shipped_on", "delivered_on": "o.delivered_on",
            "region": "o.region", "key": "o.line_key"},
        identity=("o.id", "o.date", "o.customer_id")),
    "deals": KindQuery(
        "deals d JOIN stages s ON s.id = d.stage_id "
        "LEFT JOIN customers c ON c.id = d.customer_id "
        "LEFT JOIN products p ON p.id = d.product_id",
        "coalesce(d.created_on, d.closed_on, d.expected_close)", "d.id", {
            **_CUSTOMER, "ref": "d.ref", "title": "d.title",
            # deals name their product (the importer reads a deal's product as a name)
            "product": "p.name", "stage": "s.name", "amount": "d.amount_e4",
            "list_amount": "d.list_amount_e4", "probability": "d.probability",
            **{f: f"d.{f}" for f in ("owner", "source", "created_on", "expected_close",
                                     "closed_on", "lost_reason", "competitor", "next_step",
                                     "last_activity_on", "win_reason", "next_step_on",
                                     "needs_me", "special_terms", "campaign",
                                     "reason_detail")},
            # a deal with a reference is found by it ('ref:<ref>', as an import keys it)
            "key": "coalesce(d.line_key, 'ref:' || d.ref)"},
        identity=("d.id", "d.created_on", "d.customer_id")),
    "tickets": KindQuery(
        "tickets t JOIN customers c ON c.id = t.customer_id", "substr(t.opened_at, 1, 10)",
        "t.id", {**_CUSTOMER, **{f: f"t.{f}" for f in (
            "ref", "opened_at", "first_response_at", "resolved_at", "topic", "channel",
            "status", "is_complaint", "contacts", "csat")},
            # the ticket it follows up, by the reference an import finds it by
            "follow_up_of": "(SELECT p.ref FROM tickets p WHERE p.id = t.follow_up_of)",
            "key": "coalesce(t.line_key, 'ref:' || t.ref)"},
        identity=("t.id", "t.opened_at", "t.customer_id")),
    "surveys": KindQuery(
        "surveys v LEFT JOIN customers c ON c.id = v.customer_id", "v.date", "v.id", {
            "date": "v.date", **_CUSTOMER, **{f: f"v.{f}" for f in (
                "kind", "question", "nps", "csat", "score", "would_refer", "reason",
                "comment", "incentive")}, "key": "v.line_key"},
        identity=("v.id", "v.date", "v.customer_id")),
    "spend": KindQuery("spend x", "x.month", "x.id", {
        "month": "x.month", "amount": "x.amount_e4", "channel": "x.channel",
        "key": "x.line_key"}, month=True, identity=("x.id", "x.month", "NULL")),
    # one row per stored target: a revenue target or a metric's, whole business or a line
    "targets": KindQuery("targets g", "g.month", "g.month, g.id", {
        "month": "g.month", "revenue_target": "g.revenue_target_e4",
        "new_customers_target": "g.new_customers_target", "product": "g.product",
        "category": "g.category", "metric": "g.metric", "target": "g.target"}, month=True),
    # a deal by its reference, else its title (what the importer finds it by)
    "actions": KindQuery(
        "actions a LEFT JOIN customers c ON c.id = a.customer_id "
        "LEFT JOIN deals d ON d.id = a.deal_id", "a.created_on", "a.id", {
            "title": "a.title", **_CUSTOMER, "deal": "coalesce(d.ref, d.title)",
            **{f: f"a.{f}" for f in ("due_on", "owner", "status", "issue", "cause",
                                     "outcome", "created_on", "done_on", "signal")}}),
    "interactions": KindQuery(
        "interactions i LEFT JOIN customers c ON c.id = i.customer_id "
        "LEFT JOIN deals d ON d.id = i.deal_id", "i.date", "i.id", {
            "date": "i.date", **_CUSTOMER, "deal": "coalesce(d.ref, d.title)",
            "kind": "i.kind", "note": "i.note", "key": "i.line_key"},
        identity=("i.id", "i.date", "i.customer_id")),
    "costs": KindQuery("costs k", "k.month", "k.id", {
        "month": "k.month", "amount": "k.amount_e4", "category": "k.category",
        "key": "k.line_key"}, month=True, identity=("k.id", "k.month", "NULL")),
    # ---- what the owner records in the app (m005), each found again by its natural key.
    # Left out on purpose: `edit_log` (the app's own undo history of hand edits: its JSON
    # names row ids of this file, meaningless in another) and `pipeline_snapshots`
    # (derived: Growth's month-end pipeline is rebuilt from the deals' stage history, which
    # the deals sheet brings back — an import records each deal's stage — and a file
    # takes its own snapshots from then on).
    "onboarding_steps": KindQuery(
        "onboarding_steps s JOIN customers c ON c.id = s.customer_id", None,
        "s.customer_id, s.rowid", {**_CUSTOMER, **{f: f"s.{f}" for f in (
            "step", "due_on", "done_on", "note")}}),
    "customer_snoozes": KindQuery(
        "customer_snoozes z JOIN customers c ON c.id = z.customer_id", None, "z.customer_id",
        {**_CUSTOMER, **{f: f"z.{f}" for f in ("until", "note", "set_on")}}),
    "detractor_followups": KindQuery(
        "detractor_followups f JOIN customers c ON c.id = f.customer_id", None,
        "f.customer_id", {**_CUSTOMER, **{f: f"f.{f}" for f in (
            "state", "changed_on", "note")}}),
    "product_cases": KindQuery(
        "product_cases k JOIN products p ON p.id = k.product_id", None, "k.product_id", {
            "product": "p.ref", "product_name": "p.name",
            "expected_volume": "k.expected_volume", "expected_price": "k.expected_price_e4",
            "expected_margin_pct": "k.expected_margin_pct", "investment": "k.investment_e4",
            "start_on": "k.start_on"}),
    "strategic_reviews": KindQuery(
        "strategic_reviews r", "r.reviewed_on", "r.reviewed_on, r.id", {
            f: f"r.{f}" for f in ("reviewed_on", "market", "services", "customer_needs",
                                  "external", "competition", "decisions", "created_at")}),
    # the action by its title and creation day (what the actions sheet brings back)
    "scorecard_followups": KindQuery(
        "scorecard_followups q LEFT JOIN actions a ON a.id = q.action_id", None,
        "q.question_id", {"question_id": "q.question_id", "target_score": "q.target_score",
                          "action": "a.title", "action_created_on": "a.created_on"}),
}


def _where(query: KindQuery, start: str | None, end: str | None) -> tuple[str, list[str]]:
    if start is None and end is None:
        return (f" WHERE {query.whole}" if query.whole else ""), []
    if query.date is None:
        return "", []
    clauses, params = [], []
    if start is not None:
        clauses.append(f"{query.date} >= ?")
        params.append(start[:7] if query.month else start)
    if end is not None:
        clauses.append(f"{query.date} <= ?")
        params.append(end[:7] if query.month else end)
    return " WHERE " + " AND ".join(clauses), params


def stream_rows(store: Store, kind: str, fields: Sequence[str], start: str | None = None,
                end: str | None = None) -> Iterator[tuple[Any, ...]]:
    """Rows of `kind` with one value per field in `fields` (NULL for unknown fields)."""
    query = QUERIES[kind]
    known = dict(zip(ROW_IDENTITY, query.identity or ("NULL",) * 3, strict=True))
    columns = ", ".join(query.fields.get(f) or known.get(f, "NULL") for f in fields)
    where, params = _where(query, start, end)
    sql = f"SELECT {columns} FROM {query.source}{where} ORDER BY {query.order}"
    # a cursor of its own: the caller iterates while nothing else runs on it
    yield from store.conn.cursor().execute(sql, params)


def count_rows(store: Store, kind: str, start: str | None = None, end: str | None = None) -> int:
    """How many rows `stream_rows` yields (for the progress bar)."""
    query = QUERIES[kind]
    where, params = _where(query, start, end)
    return int(store.conn.execute(f"SELECT count(*) FROM {query.source}{where}",
                                  params).fetchone()[0])


def assessments(store: Store, start: str | None = None, end: str | None = None
                ) -> list[tuple[str, str | None, dict[str, int | None]]]:
    """(taken_on, note, {question id: score}) for each assessment, oldest first."""
    answers: dict[int, dict[str, int | None]] = {}
    for aid, qid, score in store.conn.execute(
            "SELECT assessment_id, question_id, score FROM assessment_answers"):
        answers.setdefault(aid, {})[qid] = score
    rows = store.conn.execute("SELECT id, taken_on, note FROM assessments "
                              "ORDER BY taken_on, id").fetchall()
    return [(taken, note, answers.get(aid, {})) for aid, taken, note in rows
            if (start is None or taken >= start) and (end is None or taken <= end)]

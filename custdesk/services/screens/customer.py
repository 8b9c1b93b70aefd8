"""One customer's story as a screen: their figures for a period, their records, the story.

Qt-free (see model.py); the customer dialog draws it. Not in the registry: it needs a
customer id as well as a period.

- cards (catalogue ids, this customer only, lines dated in the period): `revenue`,
  `gross_profit` (costed lines; n = costed lines), `orders_count` (distinct orders),
  `avg_order_value`, `complaints_count` (complaints opened in the period), `nps` (the
  latest answer up to the period's end; n = 1).
- lists: `customer` (one row: id, name, status "active"/"lapsed"/"lost"), `orders`,
  `deals`, `tickets`, `surveys` (all of the customer's records, newest first), `story`
  (every record as one dated line, newest first; order lines grouped into orders with
  their totals; the customer's actions and logged interactions too), `risk` (the signals),
  `interactions` and `actions` (newest first / by due date).
- series: `revenue`, `gross_profit` by month from the first to the last month with
  orders (months without orders are 0); the data's current month is partial.
- notes: the status and the risk signals in words.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from custdesk.domain.metric_values import MetricValue
from custdesk.domain.periods import Period, day, month_end, month_slots
from custdesk.domain.records import Action, ActionStatus, Interaction, OrderLine, Survey, Ticket
from custdesk.services import actions_service as acts
from custdesk.services import interactions_service as ints
from custdesk.services.metrics_service import CustomerStory, DealRow, customer_story, data_span
from custdesk.services.screens.model import Card, Screen, SeriesPoint
from custdesk.storage import Store

E4 = 10_000  # money is stored in units of 1/10,000


def _in(period: Period, text: str | None) -> bool:
    return period.contains(day(text))


def figures(story: CustomerStory, period: Period) -> dict[str, Card]:
    """The customer's own figures for `period` as KPI cards."""
    lines = [o for o in story.orders if _in(period, o.date)]
    revenue = sum(o.revenue_e4 for o in lines) / E4
    costed = [o for o in lines if o.cost_e4 is not None]
    profit = sum(o.revenue_e4 - (o.cost_e4 or 0) for o in costed) / E4
    orders = len({o.order_ref or f"line {o.id}" for o in lines})
    complaints = sum(1 for t in story.tickets if t.is_complaint and _in(period, t.opened_at))
    answers = sorted((s for s in story.surveys if s.nps is not None
                      and (day(s.date) or period.end) <= period.end), key=lambda s: s.date)
    latest = answers[-1].nps if answers else None
    cards = {
        "revenue": MetricValue(revenue, len(lines)),
        "gross_profit": MetricValue(profit if costed else None, len(costed)),
        "orders_count": MetricValue(float(orders), orders),
        "avg_order_value": MetricValue(revenue / orders if orders else None, orders),
        "complaints_count": MetricValue(float(complaints), complaints),
        "nps": MetricValue(None if latest is None else float(latest), 1 if answers else 0),
    }
    return {metric: Card(metric, value) for metric, value in cards.items()}


def order_row(o: OrderLine) -> dict[str, Any]:
    return {"id": o.id, "date": o.date, "order_ref": o.order_ref, "category": o.category,
            "quantity": o.quantity, "revenue": o.revenue_e4 / E4,
            "cost": None if o.cost_e4 is None else o.cost_e4 / E4}


def ticket_row(t: Ticket) -> dict[str, Any]:
    return {"id": t.id, "ref": t.ref, "opened_at": t.opened_at, "resolved_at": t.resolved_at,
            "topic": t.topic, "channel": t.channel, "status": t.status,
            "is_complaint": t.is_complaint, "contacts": t.contacts, "csat": t.csat}


def survey_row(s: Survey) -> dict[str, Any]:
    return {"id": s.id, "date": s.date, "kind": s.kind.value, "nps": s.nps, "csat": s.csat,
            "score": s.score, "comment": s.comment}


def order_groups(lines: list[OrderLine]) -> list[dict[str, Any]]:
    """The order lines grouped into orders (same order number; a line without one is its
    own order), one timeline row each: its first day, "Order SO-1 · 3 lines: Paper, Desks"
    and its total."""
    groups: dict[str, list[OrderLine]] = {}
    for o in lines:
        groups.setdefault(o.order_ref or f"line {o.id}", []).append(o)
    rows = []
    for items in groups.values():
        ref = items[0].order_ref
        categories = list(dict.fromkeys(o.category for o in items if o.category))
        count = f"{len(items)} line{'s' if len(items) != 1 else ''}"
        what = f"Order {ref} · {count}" if ref else f"Order · {count}"
        if categories:
            what += ": " + ", ".join(categories[:3]) + (" …" if len(categories) > 3 else "")
        rows.append({"date": min(o.date for o in items), "kind": "Order", "what": what,
                     "amount": sum(o.revenue_e4 for o in items) / E4, "lines": len(items)})
    return rows


def story_rows(story: CustomerStory) -> list[dict[str, Any]]:
    """Orders, deals, tickets and surveys as dated lines (date, kind, what, amount)."""
    rows: list[dict[str, Any]] = order_groups(story.orders)
    for d in story.deals:
        what = f"{d.title or 'Deal'} — {d.stage}"
        if d.lost_reason:
            what += f" ({d.lost_reason})"
        rows.append({"date": d.closed_on or d.created_on or d.expected_close, "kind": "Deal",
                     "what": what, "amount": d.amount})
    for t in story.tickets:
        flag = "complaint: " if t.is_complaint else ""
        rows.append({"date": (t.opened_at or "")[:10] or None, "kind": "Ticket",
                     "what": f"{flag}{t.topic or 'support'} ({t.status or 'open'})",
                     "amount": None})
    for s in story.surveys:
        bits = [f"NPS {s.nps}" if s.nps is not None else "", s.comment or ""]
        rows.append({"date": s.date, "kind": "Survey",
                     "what": " — ".join(b for b in bits if b) or "survey", "amount": None})
    rows.sort(key=lambda r: r["date"] or "", reverse=True)
    return rows


def action_story_rows(actions: list[Action]) -> list[dict[str, Any]]:
    """The customer's actions as story lines, dated the day they were planned."""
    rows = []
    for a in actions:
        status = ActionStatus(a.status).value
        what = f"{a.title} ({status}"
        if status == "open" and a.due_on:
            what += f", due {a.due_on}"
        what += ")" + (f" — {a.outcome}" if a.outcome else "")
        rows.append({"date": a.created_on, "kind": "Action", "what": what, "amount": None})
    return rows


def interaction_story_rows(items: list[Interaction]) -> list[dict[str, Any]]:
    return [{"date": i.date, "kind": "Interaction", "what": ints.what_text(i), "amount": None}
            for i in items]


def monthly_series(story: CustomerStory, data_end: date | None
                   ) -> dict[str, list[SeriesPoint]]:
    """Revenue and gross profit per month, every month from the first to the last with
    orders (0 where none); a month the data has not finished is partial."""
    if not story.monthly:
        return {"revenue": [], "gross_profit": []}
    found = {m: (r, p) for m, r, p in story.monthly}
    first = date.fromisoformat(min(found) + "-01")
    last = month_end(date.fromisoformat(max(found) + "-01"))
    slots = month_slots(first, min(last, data_end) if data_end and data_end >= first else last)
    return {"revenue": [SeriesPoint.of(s, found.get(s.key, (0.0, 0.0))[0]) for s in slots],
            "gross_profit": [SeriesPoint.of(s, found.get(s.key, (0.0, 0.0))[1])
                             for s in slots]}


def _by_date(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r[key] or "", reverse=True)


def build_customer(store: Store, customer_id: int, period: Period, label: str = "") -> Screen:
    """The screen of customer `customer_id` for `period`; KeyError when there is none."""
    story = customer_story(store, customer_id)
    span = data_span(store)
    deals: list[DealRow] = story.deals
    logged = ints.customer_interactions(store, customer_id)
    actions = acts.list_actions(store, customer_id=customer_id)
    timeline = story_rows(story) + action_story_rows(actions) + interaction_story_rows(logged)
    timeline.sort(key=lambda r: r["date"] or "", reverse=True)
    notes = [f"Status: {story.status}."]
    notes += [f"Risk: {reason}" for reason in story.risk_reasons]
    if logged:
        notes.append(f"Interactions: {ints.summary_text(logged)}.")
    return Screen(
        name="customer", period=period, period_label=label,
        cards=figures(story, period),
        lists={
            "customer": [{"id": customer_id, "name": story.customer.name,
                          "status": story.status, "lost_on": story.customer.lost_on,
                          "lost_reason": story.customer.lost_reason}],
            "orders": _by_date([order_row(o) for o in story.orders], "date"),
            "deals": sorted(deals, key=lambda d: d.closed_on or d.created_on or "",
                            reverse=True),
            "tickets": _by_date([ticket_row(t) for t in story.tickets], "opened_at"),
            "surveys": _by_date([survey_row(s) for s in story.surveys], "date"),
            "story": timeline,
            "interactions": [{"id": i.id, "date": i.date, "kind": i.kind, "note": i.note,
                              "deal_id": i.deal_id} for i in logged],
            "actions": [{"id": a.id, "title": a.title, "status": ActionStatus(a.status).value,
                         "due_on": a.due_on, "outcome": a.outcome, "created_on": a.created_on}
                        for a in actions],
            "risk": [{"reason": reason} for reason in story.risk_reasons],
        },
        series=monthly_series(story, span.end if span else None),
        empty=not (story.orders or story.deals or story.tickets or story.surveys or logged
                   or actions),
        notes=tuple(notes))

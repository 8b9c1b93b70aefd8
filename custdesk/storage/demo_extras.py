"""Writing the demo's records that `repository.save_all` does not carry: each order line's
ship-to country and city, ticket follow-ups, survey incentives, deals' reason detail, the
interactions log and operating costs. One transaction, after `save_all` (the records keep
the ids the demo gave them)."""

from __future__ import annotations

from collections.abc import Sequence

from custdesk.domain.demo_work import StepDone, owner_notes
from custdesk.domain.records import Action, Cost, Deal, Interaction, OrderLine, Survey, Ticket
from custdesk.storage.actions import insert_actions
from custdesk.storage.store import Store


def save_demo_extras(store: Store, *, orders: Sequence[OrderLine] = (),
                     tickets: Sequence[Ticket] = (), surveys: Sequence[Survey] = (),
                     deals: Sequence[Deal] = (), interactions: Sequence[Interaction] = (),
                     costs: Sequence[Cost] = (), actions: Sequence[Action] = (),
                     onboarding: Sequence[StepDone] = ()) -> None:
    conn = store.conn
    with store.transaction():
        conn.executemany("UPDATE orders SET country = ?, city = ? WHERE id = ?",
                         [(o.country, o.city, o.id) for o in orders
                          if o.country is not None or o.city is not None])
        conn.executemany("UPDATE tickets SET follow_up_of = ? WHERE id = ?",
                         [(t.follow_up_of, t.id) for t in tickets if t.follow_up_of])
        conn.executemany("UPDATE surveys SET incentive = ? WHERE id = ?",
                         [(s.incentive, s.id) for s in surveys if s.incentive])
        conn.executemany("UPDATE deals SET reason_detail = ? WHERE id = ?",
                         [(d.reason_detail, d.id) for d in deals if d.reason_detail])
        conn.executemany("INSERT INTO interactions (date, customer_id, deal_id, kind, note) "
                         "VALUES (?, ?, ?, ?, ?)",
                         [(i.date, i.customer_id, i.deal_id, i.kind, i.note)
                          for i in interactions])
        conn.executemany("INSERT INTO costs (month, amount_e4, category) VALUES (?, ?, ?)",
                         [(c.month, c.amount_e4, c.category) for c in costs])
        insert_actions(store, list(actions))
        conn.executemany("INSERT INTO onboarding_steps (customer_id, step, done_on) "
                         "VALUES (?, ?, ?)",
                         [(s.customer_id, s.step, s.done_on) for s in onboarding])
        if orders and any(a.signal == "hot_deal" for a in actions) and any(
                a.signal == "detractor" and a.status == "done" for a in actions):
            _save_owner_notes(store, list(orders), list(actions))


def _save_owner_notes(store: Store, orders: list[OrderLine], actions: list[Action]) -> None:
    """One snooze, detractor follow-up, product case, strategic review and scorecard
    follow-up (`demo_work.owner_notes`)."""
    notes = owner_notes(orders, actions)
    conn = store.conn
    conn.execute("INSERT INTO customer_snoozes (customer_id, until, note, set_on) "
                 "VALUES (?, ?, ?, ?)", notes.snooze)
    conn.execute("INSERT INTO detractor_followups (customer_id, state, changed_on, note) "
                 "VALUES (?, ?, ?, ?)", notes.followup)
    conn.execute("INSERT INTO product_cases (product_id, expected_volume, expected_price_e4, "
                 "expected_margin_pct, investment_e4, start_on) VALUES (?, ?, ?, ?, ?, ?)",
                 notes.case)
    conn.execute(f"INSERT INTO strategic_reviews ({', '.join(notes.review)}) "
                 f"VALUES ({', '.join('?' * len(notes.review))})", tuple(notes.review.values()))
    question, target, title = notes.scorecard
    conn.execute("INSERT INTO scorecard_followups (question_id, target_score, action_id) "
                 "VALUES (?, ?, (SELECT min(id) FROM actions WHERE title = ?))",
                 (question, target, title))

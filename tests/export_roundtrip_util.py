"""Helpers for the export round-trip tests: import a full export, and compare databases.

Tables are compared as multisets of rows with every surrogate id replaced by what it points
at (a customer by ref, name and e-mail; a product by ref and name; a stage by name), so two
databases built in different orders compare equal when they hold the same records.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from custdesk.services.importer import ImportRequest, commit, make_preview
from custdesk.sheets.catalogue import KINDS
from custdesk.storage.database import Store

_CUST = "(SELECT coalesce(ref, '') || '|' || name || '|' || coalesce(email, '') " \
        "FROM customers c WHERE c.id = {}.customer_id)"
_PROD = "(SELECT coalesce(ref, '') || '|' || name FROM products p WHERE p.id = {}.product_id)"

# table -> the SQL that lists its content without surrogate ids. Customers' created_on is
# the import date (not part of the catalogue), so it is left out on purpose.
CONTENT_SQL = {
    "customers": "SELECT ref, name, name_key, company, email, email_key, phone, segment, "
                 "source, referred_by, acquired_on, status, lost_on, lost_reason, country, "
                 "city, notes, campaign, contract_end, region FROM customers",
    "products": "SELECT ref, name, name_key, category, list_price_e4, unit_cost_e4, "
                "target_margin_pct FROM products",
    "orders": f"SELECT {_CUST.format('o')}, date, month, order_ref, {_PROD.format('o')}, "
              "category, quantity, unit_price_e4, revenue_e4, discount, cost_e4, status, "
              "shipped_on, delivered_on, region, country, city FROM orders o",
    "stages": "SELECT name, name_key, kind, probability, position FROM stages",
    "deals": f"SELECT {_CUST.format('d')}, ref, title, {_PROD.format('d')}, "
             "(SELECT name FROM stages s WHERE s.id = d.stage_id), amount_e4, list_amount_e4, "
             "probability, owner, source, created_on, expected_close, closed_on, lost_reason, "
             "competitor, next_step, last_activity_on, win_reason, next_step_on, needs_me, "
             "special_terms, campaign, reason_detail FROM deals d",
    "tickets": f"SELECT {_CUST.format('t')}, ref, opened_at, first_response_at, resolved_at, "
               "topic, channel, status, is_complaint, contacts, csat, "
               "(SELECT p.ref FROM tickets p WHERE p.id = t.follow_up_of) FROM tickets t",
    "surveys": f"SELECT {_CUST.format('v')}, date, kind, nps, csat, score, would_refer, "
               "reason, comment, question, incentive FROM surveys v",
    "spend": "SELECT month, amount_e4, channel FROM spend",
    "costs": "SELECT month, amount_e4, category FROM costs",
    "interactions": f"SELECT {_CUST.format('i')}, date, (SELECT coalesce(ref, '') || '|' || "
                    "coalesce(title, '') FROM deals d WHERE d.id = i.deal_id), kind, note "
                    "FROM interactions i",
    "targets": "SELECT month, product, category, metric, revenue_target_e4, "
               "new_customers_target, target FROM targets",
    "settings": "SELECT key, value FROM settings",
    # (an action's survey/ticket link and line key are not carried: see the catalogue)
    "actions": f"SELECT title, {_CUST.format('a')}, (SELECT coalesce(ref, '') || '|' || "
               "coalesce(title, '') FROM deals d WHERE d.id = a.deal_id), signal, issue, "
               "cause, owner, due_on, status, outcome, created_on, done_on FROM actions a",
    # the owner's records of m005
    "onboarding_steps": f"SELECT {_CUST.format('s')}, step, due_on, done_on, note "
                        "FROM onboarding_steps s",
    "customer_snoozes": f"SELECT {_CUST.format('z')}, until, note, set_on "
                        "FROM customer_snoozes z",
    "detractor_followups": f"SELECT {_CUST.format('f')}, state, changed_on, note "
                           "FROM detractor_followups f",
    "product_cases": f"SELECT {_PROD.format('k')}, expected_volume, expected_price_e4, "
                     "expected_margin_pct, investment_e4, start_on FROM product_cases k",
    "strategic_reviews": "SELECT reviewed_on, market, services, customer_needs, external, "
                         "competition, decisions, created_at FROM strategic_reviews",
    "scorecard_followups": "SELECT question_id, target_score, (SELECT a.title || '|' || "
                           "a.created_on FROM actions a WHERE a.id = q.action_id) "
                           "FROM scorecard_followups q",
}
# the tables of the owner's records (m005) the full export carries
OWNER_TABLES = ("onboarding_steps", "customer_snoozes", "detractor_followups",
                "product_cases", "strategic_reviews", "scorecard_followups")


def content(store: Store, table: str) -> Counter[tuple[object, ...]]:
    """The rows of `table` without surrogate ids, as a multiset."""
    return Counter(tuple(row) for row in store.conn.execute(CONTENT_SQL[table]))


def import_full_export(store: Store, workbook: Path) -> dict[str, int]:
    """Import every record sheet of a full export, in dependency order; rows created per kind.

    Fails (with the importer's first errors) if any row is invalid: a full export must import
    back without a single rejected row and without any column mapping.
    """
    created = {}
    for kind in KINDS:
        preview = make_preview(store, ImportRequest(workbook, kind=kind, sheet=kind))
        assert [m for m in preview.parsed.mapping] == [
            h for h in preview.parsed.headers], f"{kind}: headers not mapped one to one"
        assert not preview.errors, f"{kind}: {preview.errors[:3]}"
        created[kind] = commit(store, preview).preview.plan.created
    return created

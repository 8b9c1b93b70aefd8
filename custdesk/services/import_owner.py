"""Planning the import of what the owner records in the app (m005): onboarding steps,
snoozes, detractor follow-ups, product cases, strategic reviews and scorecard follow-ups.

Each is found by its natural key — (customer, step), the customer, the product, the
question, (review day, created at) — so re-importing a full export changes nothing. A
customer, product or action these sheets name must already be in the file (the full export
imports them first): these sheets never create one, a row naming an unknown one is an
error that says which. Blank cells leave stored values as they are (as for every kind).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from custdesk.domain.onboarding import steps_from_settings
from custdesk.domain.scorecard import QUESTION_IDS
from custdesk.domain.text import name_key
from custdesk.services.import_match import Matcher, looks_like_id
from custdesk.sheets.catalogue import OWNER_CUSTOMER_KINDS
from custdesk.storage.owner_records import action_titles, stored_rows
from custdesk.storage.repository import get_settings
from custdesk.storage.store import Store

Error = Callable[[int, str, object, str], None]  # (row number, field, value, reason)
Upsert = Callable[[int, "int | None", dict[str, Any], "dict[str, Any] | None"], None]
Rows = list[tuple[int, dict[str, Any]]]

DETRACTOR_STATES = {"tocontact": "to_contact", "contact": "to_contact", "open": "to_contact",
                    "new": "to_contact", "contacted": "contacted", "called": "contacted",
                    "resolved": "resolved", "recovered": "resolved", "done": "resolved",
                    "notrecovered": "not_recovered", "lost": "not_recovered",
                    "unrecovered": "not_recovered"}
_QUESTIONS = {name_key(q): q for q in QUESTION_IDS}


class OwnerPlanner:
    def __init__(self, store: Store, kind: str, rows: Rows, headers: dict[str | None, str],
                 error: Error, upsert: Upsert) -> None:
        self.store, self.kind, self.rows, self.headers = store, kind, rows, headers
        self.error, self.upsert = error, upsert
        self.stored = stored_rows(store, kind)
        self.today = date.today().isoformat()

    def plan(self) -> None:
        if self.kind in OWNER_CUSTOMER_KINDS:
            self._plan_customer_kind()
        else:
            getattr(self, f"_plan_{self.kind}")()

    def _put(self, number: int, key: tuple[Any, ...], values: dict[str, Any],
             seen: set[tuple[Any, ...]], field: str, what: str) -> None:
        """Insert or update the row of `key` (an error when an earlier row had it)."""
        if key in seen:
            self.error(number, field, values.get(field), f"the same {what} appears on an "
                                                         "earlier row of this file")
            return
        seen.add(key)
        old = self.stored.get(key)
        current = {c: old[c] for c in values} if old else None
        self.upsert(number, old["rowid"] if old else None, values, current)

    # ---- kinds keyed by a customer -------------------------------------------------------

    def _plan_customer_kind(self) -> None:
        matcher = Matcher.load(self.store, "customers")
        headers = self.headers
        ref_mode = "customer_name" in headers or looks_like_id(headers.get("customer", ""))
        mixed = "customer" in headers and not {"customer_name", "customer_email"} & set(headers)
        steps = {name_key(s.name): s.name for s in steps_from_settings(get_settings(self.store))}
        seen: set[tuple[Any, ...]] = set()
        for number, row in self.rows:
            customer_id = _find_customer(matcher, row, ref_mode, mixed)
            if customer_id is None:
                field = next((f for f in ("customer", "customer_name", "customer_email")
                              if row.get(f) is not None), "customer")
                self.error(number, field, row.get(field), "no customer with this reference, "
                           "name or e-mail (import the customers first)")
                continue
            if self.kind == "onboarding_steps":
                step_key = name_key(row["step"])
                stored = self.stored.get((customer_id, step_key))
                step = stored["step"] if stored else steps.get(step_key, row["step"])
                self._put(number, (customer_id, step_key), {
                    "customer_id": customer_id, "step": step, "due_on": row.get("due_on"),
                    "done_on": row.get("done_on"), "note": row.get("note")},
                    seen, "step", "customer and step")
            elif self.kind == "customer_snoozes":
                self._put(number, (customer_id,), {
                    "customer_id": customer_id, "until": row["until"],
                    "note": row.get("note"), "set_on": row.get("set_on") or self.today},
                    seen, "until", "customer")
            else:
                state = DETRACTOR_STATES.get(name_key(row["state"]))
                if state is None:
                    self.error(number, "state", row["state"], "not a follow-up state: use to "
                               "contact, contacted, resolved or not recovered")
                    continue
                self._put(number, (customer_id,), {
                    "customer_id": customer_id, "state": state,
                    "changed_on": row.get("changed_on") or self.today,
                    "note": row.get("note")}, seen, "state", "customer")

    # ---- the other three ----------------------------------------------------------------

    def _plan_product_cases(self) -> None:
        matcher = Matcher.load(self.store, "products")
        ref_mode = "product_name" in self.headers or looks_like_id(
            self.headers.get("product", ""))
        seen: set[tuple[Any, ...]] = set()
        for number, row in self.rows:
            value, name = row.get("product"), row.get("product_name")
            product_id = matcher.find(value if ref_mode else None, None,
                                      name or (None if ref_mode else value))
            if product_id is None:
                field = "product" if value is not None else "product_name"
                self.error(number, field, value or name, "no product with this reference or "
                           "name (import the products first)")
                continue
            margin = row.get("expected_margin_pct")
            if margin is not None and not -100 <= margin <= 100:
                self.error(number, "expected_margin_pct", margin, "the expected margin must "
                           "be a percentage (-100 to 100)")
                continue
            if row.get("start_on") is None:  # as the business case dialog requires
                self.error(number, "start_on", None, "a business case needs a start date")
                continue
            self._put(number, (product_id,), {
                "product_id": product_id, "expected_volume": row.get("expected_volume"),
                "expected_price_e4": row.get("expected_price"),
                "expected_margin_pct": margin, "investment_e4": row.get("investment"),
                "start_on": row["start_on"]}, seen, "product", "product")

    def _plan_strategic_reviews(self) -> None:
        """A review is found by its day and when it was written (the full export carries
        both). A row without `created_at` (a sheet the owner made) is the stored review of
        that day with the same text, else the day's only review, else a new one."""
        texts = ("market", "services", "customer_needs", "external", "competition",
                 "decisions")
        by_day: dict[str, list[int]] = {}
        for (review_id,), old in self.stored.items():
            by_day.setdefault(old["reviewed_on"], []).append(review_id)
        by_written = {(old["reviewed_on"], old["created_at"]): review_id
                      for (review_id,), old in self.stored.items()}
        now = datetime.now().isoformat(timespec="seconds")
        seen: set[tuple[Any, ...]] = set()
        for number, row in self.rows:
            day, written = row["reviewed_on"], row.get("created_at")
            values = {f: row.get(f) for f in ("reviewed_on", *texts)}
            found: int | None
            if written is not None:
                found = by_written.get((day, written))
            else:
                same_day = [i for i in by_day.get(day, []) if (i,) not in seen]
                same_text = [i for i in same_day
                             if all(self.stored[(i,)][f] == values[f] for f in texts)]
                candidates = same_text or (same_day if len(same_day) == 1 else [])
                found = candidates[0] if candidates else None
            values["created_at"] = written or (
                self.stored[(found,)]["created_at"] if found is not None else now)
            key = (found,) if found is not None else ("new", number)
            self._put(number, key, values, seen, "reviewed_on", "review")

    def _plan_scorecard_followups(self) -> None:
        actions = action_titles(self.store)
        by_line = {line: i for i, line, _t, _c in actions if line}
        by_title: dict[str, list[tuple[int, str]]] = {}
        for found_id, _line, title, created_on in actions:
            by_title.setdefault(name_key(title), []).append((found_id, created_on))
        seen: set[tuple[Any, ...]] = set()
        for number, row in self.rows:
            question = _QUESTIONS.get(name_key(row["question_id"]))
            if question is None:
                self.error(number, "question_id", row["question_id"], "not a scorecard "
                           "question id (see the scorecard sheet's columns)")
                continue
            action_id: int | None = None
            if row.get("action") is not None:
                action_id = by_line.get(row["action"]) or _action_by_title(
                    by_title.get(name_key(row["action"]), []), row.get("action_created_on"))
                if action_id is None:
                    self.error(number, "action", row["action"], "no action with this title "
                               "(import the actions first)")
                    continue
            self._put(number, (question,), {"question_id": question,
                                            "target_score": row.get("target_score"),
                                            "action_id": action_id},
                      seen, "question_id", "question")


def _action_by_title(found: list[tuple[int, str]], created_on: str | None) -> int | None:
    """The action of that title created that day, else the first of that title."""
    same_day = [i for i, day in found if day == created_on]
    candidates = same_day or [i for i, _d in found]
    return candidates[0] if candidates else None


def _find_customer(matcher: Matcher, row: dict[str, Any], ref_mode: bool,
                   mixed: bool) -> int | None:
    """The stored customer a row names, by the importer's rules (`CustomerResolver`),
    without creating one."""
    value, name, email = row.get("customer"), row.get("customer_name"), row.get("customer_email")
    if mixed and value is not None:
        return matcher.find_value(value)
    if not ref_mode and value is not None:
        name = name or value
    ref = value if ref_mode else None
    if ref is None and name is None and email is None:
        return None
    return matcher.find(ref, email, name)

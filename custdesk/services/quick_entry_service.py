"""Quick entry: one survey answer, support contact, mystery-shop visit or employee answer
typed in a small form, checked exactly as an import checks a sheet's row.

The form's text goes through the import's own parser (`sheets.validate.parse_table` on a
one-row table headed by the catalogue's field names): NPS 0–10, CSAT in any form the import
reads (stars, "4 stars", smileys, words, 0–10 or % rescaled), yes/no, dates and times. A
bad value is refused with the form, the field and the reason; nothing is written. A valid
entry is one edit (one transaction, undoable): the customer is found by reference, e-mail
or name — or created, as an import would — and exactly one row is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from custdesk.services import edits
from custdesk.services.deal_moves import customer_id_for
from custdesk.sheets.reader import Table
from custdesk.sheets.validate import (
    AmbiguousColumnError,
    AmbiguousDatesError,
    RowError,
    parse_table,
)
from custdesk.storage import quick_entry as q
from custdesk.storage.store import Store


@dataclass(frozen=True)
class Form:
    """One quick-entry form: the import kind it stores, its fields (catalogue names) with
    the labels the form shows, the survey kind it records, the fields it cannot do
    without, and the record kinds a saved entry changes (the tabs that redraw)."""

    key: str
    title: str
    kind: str  # import kind: "surveys" or "tickets"
    fields: tuple[tuple[str, str], ...]
    survey_kind: str | None = None
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()  # at least one of these must be filled

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.fields)

    @property
    def changes(self) -> frozenset[str]:
        return frozenset({self.kind, "customers"})


SURVEY = Form("survey", "Survey answer", "surveys", (
    ("date", "Date"), ("customer", "Customer"), ("nps", "NPS (0–10)"),
    ("csat", "Satisfaction (CSAT)"), ("would_refer", "Would refer"), ("reason", "Reason"),
    ("comment", "Comment")), "customer", ("date",),
    ("nps", "csat", "would_refer", "reason", "comment"))
CONTACT = Form("contact", "Support contact", "tickets", (
    ("customer", "Customer"), ("opened_at", "Opened"), ("topic", "Topic"),
    ("channel", "Channel"), ("is_complaint", "Complaint"),
    ("first_response_at", "First response"), ("resolved_at", "Resolved")),
    None, ("customer", "opened_at"))
MYSTERY_SHOP = Form("mystery_shop", "Mystery-shop visit", "surveys", (
    ("date", "Date"), ("score", "Score (0–10)"), ("comment", "Comment")),
    "mystery_shop", ("date", "score"))
EMPLOYEE = Form("employee", "Employee engagement answer", "surveys", (
    ("date", "Date"), ("nps", "eNPS (0–10)"), ("comment", "Comment")),
    "employee", ("date", "nps"))
FORMS = {f.key: f for f in (SURVEY, CONTACT, MYSTERY_SHOP, EMPLOYEE)}


class EntryError(ValueError):
    """The entry cannot be saved; `problems` are (field label, message) pairs and str()
    says them all, e.g. "Survey answer: NPS (0–10) “11”: not a whole number from 0 to 10"."""

    def __init__(self, form: Form, problems: list[tuple[str, str]]) -> None:
        self.form, self.problems = form, problems
        super().__init__(f"{form.title}: " + "; ".join(
            f"{label}: {message}" for label, message in problems))


def _problem(form: Form, error: RowError) -> tuple[str, str]:
    label = form.labels.get(error.column, error.column)
    value = f"“{error.value}” — " if error.value else ""
    return label, f"{value}{error.reason}"


def check_entry(form: Form, values: Mapping[str, str | None]) -> dict[str, Any]:
    """The entry as the import would read it (typed values); EntryError when it cannot
    be saved. Needs no database: the form checks as the owner types."""
    names = [name for name, _label in form.fields]
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"{form.title} has no field {', '.join(sorted(unknown))}")
    raw = [(values.get(name) or "").strip() for name in names]
    # a one-row sheet headed by the catalogue's names: the import's parser and rules
    try:
        parsed = parse_table(Table(form.title, names, 1, iter([(2, raw)])), form.kind, names)
    except AmbiguousDatesError as exc:  # "03/04/2026" alone reads both ways
        raise EntryError(form, [(form.labels.get(c, c), "could be day-first or month-first "
                                 "— write it as YYYY-MM-DD") for c in exc.columns]) from None
    except AmbiguousColumnError as exc:
        raise EntryError(form, [(form.labels.get(exc.column, exc.column), str(exc))]) from None
    problems = [_problem(form, e) for e in parsed.errors]
    row = parsed.rows[0][1] if parsed.rows else {}
    for name in form.required:
        if row and row.get(name) is None:
            problems.append((form.labels[name], "required"))
    if row and form.one_of and all(row.get(n) is None for n in form.one_of):
        problems.append(("Answers", "fill in at least one answer"))
    if row.get("score") is not None and not 0 <= row["score"] <= 10:
        problems.append((form.labels["score"], f"“{row['score']:g}” is not from 0 to 10"))
    opened = row.get("opened_at")
    for name in ("first_response_at", "resolved_at"):
        if opened and row.get(name) and row[name] < opened:
            problems.append((form.labels[name], "is before the contact was opened"))
    if problems:
        raise EntryError(form, problems)
    return row


def record_entry(store: Store, form: Form, values: Mapping[str, str | None]) -> int:
    """Check and store the entry (one edit); the new row's id."""
    row = check_entry(form, values)
    with edits.recorded(store, form.title):
        customer = row.pop("customer", None)
        if customer is not None:
            row["customer_id"] = customer_id_for(store, str(customer))
        for flag in ("would_refer", "is_complaint"):
            if row.get(flag) is not None:
                row[flag] = int(row[flag])
        row = {k: v for k, v in row.items() if v is not None}  # blanks take the defaults
        if form.kind == "tickets":
            return q.insert_ticket(store, row)
        row["kind"] = form.survey_kind
        return q.insert_survey(store, row)

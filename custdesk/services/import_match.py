"""Finding the customers and products that imported rows point at (METRICS.md matching),
and the one spelling of segments, sources, categories, owners, channels, reasons and
competitors.

A customer is found by reference, else e-mail, else normalised name; a product by
reference, else name. The fallbacks only match records without a conflicting reference, so
two customers with different ids but the same name never merge. A lone `customer` column
(no name or e-mail column beside it) may mix references, e-mails and names: each value is
tried as all three, in that order. Unknown ones are planned for creation with explicit ids,
so that the lines pointing at them can be written with `executemany` in the same
transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from custdesk.domain.text import email_key, name_key
from custdesk.storage.match_queries import match_rows, spellings
from custdesk.storage.store import Store

ROW_KEY_PREFIX = "row:"


def row_key(table: str, row_id: int, day: object, customer_id: object) -> str:
    """The key the full export gives a record stored without a line_key (the demo's, one
    entered by hand): 'row:<id>:<check>', the check a digest of the table, id, date and
    customer. A re-import into the same file finds the record by its id when the check
    still fits; in any other file the id points elsewhere and the check fails, so the
    record is new there and keeps this key as its line_key from then on."""
    check = hashlib.blake2b(repr((table, int(row_id), day, customer_id)).encode("utf-8"),
                            digest_size=5).hexdigest()
    return f"{ROW_KEY_PREFIX}{int(row_id)}:{check}"


def row_key_id(key: str) -> int | None:
    """The id in a 'row:<id>:<check>' key, else None."""
    if not key.startswith(ROW_KEY_PREFIX):
        return None
    number, _sep, _check = key[len(ROW_KEY_PREFIX):].partition(":")
    return int(number) if number.isdigit() else None


_ID_ENDINGS = ("id", "ref", "number", "no", "nr", "num", "code", "sku")

# Values that match like names (METRICS.md): vocabulary -> the (table, column)s holding it.
# The reasons catalogue comes first, so an imported "price" is shown as the list's "Price".
VOCABULARIES: dict[str, tuple[tuple[str, str], ...]] = {
    "segment": (("customers", "segment"),),
    "source": (("customers", "source"), ("deals", "source")),
    "category": (("products", "category"), ("orders", "category"), ("targets", "category")),
    "owner": (("deals", "owner"),),
    "channel": (("tickets", "channel"), ("spend", "channel")),
    "reason": (("reasons", "name"), ("customers", "lost_reason"), ("deals", "lost_reason"),
               ("deals", "win_reason"), ("surveys", "reason")),
    "competitor": (("deals", "competitor"),),
    "cost_category": (("costs", "category"),),  # rent, wages... (not product categories)
}
# kind -> {field: vocabulary} (the stored column has the field's name)
VOCABULARY_FIELDS: dict[str, dict[str, str]] = {
    "customers": {"segment": "segment", "source": "source", "lost_reason": "reason"},
    "orders": {"segment": "segment", "category": "category"},
    "products": {"category": "category"},
    "deals": {"source": "source", "owner": "owner", "lost_reason": "reason",
              "win_reason": "reason", "competitor": "competitor"},
    "tickets": {"channel": "channel"},
    "surveys": {"reason": "reason"},
    "spend": {"channel": "channel"},
    "targets": {"category": "category"},
    "costs": {"category": "cost_category"},
}


@dataclass
class Vocabulary:
    """name key -> the first spelling seen: in the file already, else earlier in the sheet."""

    spelling: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, str] = field(default_factory=dict)  # raw value -> spelling

    @classmethod
    def load(cls, store: Store, name: str) -> Vocabulary:
        vocabulary = cls()
        for value in spellings(store, VOCABULARIES[name]):
            vocabulary.spelling.setdefault(name_key(value), value)
        return vocabulary

    def canonical(self, value: str) -> str:
        found = self._cache.get(value)
        if found is None:
            key = name_key(value)  # (punctuation only: kept as it is)
            found = self._cache[value] = self.spelling.setdefault(key, value) if key else value
        return found


def canonical_rows(store: Store, kind: str, mapped: set[str | None],
                   rows: list[tuple[int, dict[str, Any]]]
                   ) -> list[tuple[int, dict[str, Any]]]:
    """The rows with every vocabulary value in its one spelling (a row is copied only when
    a value changes; the parsed rows are never touched, so line keys keep the file's
    spelling and a re-import finds its lines)."""
    respell = respellings(store, kind, mapped,
                          lambda name: [row.get(name) for _n, row in rows])
    if not respell:
        return rows
    out = []
    for number, row in rows:
        copy = None
        for name, respelled in respell.items():
            spelling = respelled.get(row.get(name))  # type: ignore[arg-type]
            if spelling is not None:
                copy = copy or dict(row)
                copy[name] = spelling
        out.append((number, copy if copy is not None else row))
    return out


def respellings(store: Store, kind: str, mapped: set[str | None],
                column: Callable[[str], list[Any]]) -> dict[str, dict[str, str]]:
    """field -> {value as the file spells it: its one spelling} for the vocabulary values
    spelled another way than the one the file (or this sheet, earlier) already uses;
    `column(field)` gives the sheet's values of a field."""
    loaded: dict[str, Vocabulary] = {}
    fields = []
    for name, vocabulary in VOCABULARY_FIELDS.get(kind, {}).items():
        if name in mapped:
            if vocabulary not in loaded:
                loaded[vocabulary] = Vocabulary.load(store, vocabulary)
            fields.append((name, loaded[vocabulary].canonical))
    # column-wise: the distinct values in the order they first appear (few: segments,
    # categories), then a row pass only when some value is spelled another way
    respell: dict[str, dict[str, str]] = {}
    for name, canonical in fields:
        distinct = [value for value in dict.fromkeys(column(name)) if value is not None]
        changed = {value: spelled for value in distinct
                   if (spelled := canonical(value)) != value}
        if changed:
            respell[name] = changed
    return respell


def looks_like_code(value: str) -> bool:
    """'C-001', 'CG-12520', '10042': a reference rather than a name (digits, no spaces)."""
    return any(ch.isdigit() for ch in value) and not any(ch.isspace() for ch in value)


def looks_like_id(header: str) -> bool:
    """'Customer ID', 'CustomerID', 'Client No', 'StockCode': a reference, not a name."""
    return name_key(header).endswith(_ID_ENDINGS)


@dataclass
class Matcher:
    """Reference/e-mail/name indexes over one table, plus the records planned for creation."""

    table: str
    next_id: int
    by_ref: dict[str, int] = field(default_factory=dict)
    by_email: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    with_ref: set[int] = field(default_factory=set)
    with_email: set[int] = field(default_factory=set)
    stored_by_name: dict[str, int] = field(default_factory=dict)  # the file's, before

    @classmethod
    def load(cls, store: Store, table: str) -> Matcher:
        matcher = cls(table, 1)
        top = 0
        for row_id, ref, nkey, ekey in match_rows(store, table):
            top = max(top, row_id)
            matcher._index(row_id, ref, nkey, ekey)
        matcher.next_id = top + 1
        matcher.stored_by_name = dict(matcher.by_name)
        return matcher

    def _index(self, row_id: int, ref: str | None, nkey: str | None, ekey: str | None) -> None:
        if ref:
            self.by_ref.setdefault(ref, row_id)
            self.with_ref.add(row_id)
        if nkey:
            self.by_name.setdefault(nkey, row_id)
        if ekey:
            self.by_email.setdefault(ekey, row_id)
            self.with_email.add(row_id)

    def find(self, ref: str | None, email: str | None, name: str | None) -> int | None:
        """Reference, else e-mail, else name. A row with a reference (or an e-mail) only
        falls back to records that have none: different references or addresses are
        different customers, whatever their names."""
        if ref and ref in self.by_ref:
            return self.by_ref[ref]
        ekey = email_key(email)
        found = self.by_email.get(ekey) if ekey else None
        if found is not None and not (ref and found in self.with_ref):
            return found
        nkey = name_key(name)
        found = self.by_name.get(nkey) if nkey else None
        if found is None or (ref and found in self.with_ref):
            return None
        if ekey and found in self.with_email:  # same name, another address: someone else
            return None
        return found

    def find_value(self, value: str) -> int | None:
        """One value of a column that may hold references, e-mails or names: a reference,
        else an e-mail, else a name."""
        found = self.by_ref.get(value)
        if found is None and "@" in value:
            found = self.by_email.get(email_key(value))
        if found is None:
            found = self.by_name.get(name_key(value))
        return found

    def create(self, row: dict[str, Any]) -> int:
        """Plan a new record; returns its id."""
        row_id = self.next_id
        self.next_id += 1
        row["id"] = row_id
        self.new_rows.append(row)
        self._index(row_id, row.get("ref"), row.get("name_key"), row.get("email_key"))
        return row_id


@dataclass
class CustomerResolver:
    """Turns the customer columns of a row into a customer id, creating unknown ones."""

    matcher: Matcher
    ref_mode: bool  # the `customer` column holds references (else names)
    today: str = field(default_factory=lambda: date.today().isoformat())
    mixed: bool = False  # a lone `customer` column: refs, e-mails and names value by value

    _seen: dict[tuple[Any, ...], int | None] = field(default_factory=dict)

    def resolve(self, row: dict[str, Any]) -> int | None:
        """The customer's id (found, or planned for creation)."""
        identity = (row.get("customer"), row.get("customer_name"), row.get("customer_email"))
        known = self._seen.get(identity, -1)
        if known != -1:  # the same customer on many lines: decided once
            return known
        found = self._seen[identity] = self._resolve(row)
        return found

    def _resolve(self, row: dict[str, Any]) -> int | None:
        value, name = row.get("customer"), row.get("customer_name")
        email = row.get("customer_email")
        if self.mixed and value is not None:
            found = self.matcher.find_value(value)
            if found is not None:
                return found
            if "@" in value and email_key(value):  # unknown: created as what it looks like
                email = value
            elif self.ref_mode or looks_like_code(value):
                return self._create(value, None, None, row)
            else:
                name = value
            return self._create(None, name, email, row)
        ref = value if self.ref_mode else None
        if not self.ref_mode and value is not None:
            name = name or value
        if ref is None and name is None and email is None:
            return None
        found = self.matcher.find(ref, email, name)
        if found is not None:
            return found
        return self._create(ref, name, email, row)

    def _create(self, ref: str | None, name: str | None, email: str | None,
                row: dict[str, Any]) -> int:
        shown = name or ref or email or ""  # a ref (or e-mail) alone is shown as the name
        return self.matcher.create({
            "ref": ref, "name": shown, "name_key": name_key(shown), "email": email,
            "email_key": email_key(email) or None, "segment": row.get("segment"),
            "country": row.get("country"), "region": row.get("region"),
            "city": row.get("city"), "created_on": self.today})


@dataclass
class ProductResolver:
    matcher: Matcher
    ref_mode: bool
    _seen: dict[tuple[Any, ...], int | None] = field(default_factory=dict)

    def resolve(self, row: dict[str, Any]) -> int | None:
        """The product's id (found, or planned for creation)."""
        identity = (row.get("product"), row.get("product_name"))
        known = self._seen.get(identity, -1)
        if known != -1:  # the same product on many lines: decided once
            return known
        found = self._seen[identity] = self._resolve(row)
        return found

    def _resolve(self, row: dict[str, Any]) -> int | None:
        value, name = row.get("product"), row.get("product_name")
        ref = value if self.ref_mode else None
        if not self.ref_mode and value is not None:
            name = name or value
        if ref is None and name is None:
            return None
        found = self.matcher.find(ref, None, name)
        if found is not None:
            return found
        shown = name or ref or ""
        return self.matcher.create({
            "ref": ref, "name": shown, "name_key": name_key(shown),
            "category": row.get("category")})

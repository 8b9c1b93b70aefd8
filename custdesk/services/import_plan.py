"""Planning an import: what each valid row will create, update or leave unchanged.

The same plan drives the preview (counts the owner sees) and the commit (which re-plans
inside its transaction, so the two never disagree). Records are deduplicated by a
`line_key`: "ref:<ref>" where the file gives a reference (deals, tickets), else a digest of
the line's content plus its occurrence number in the file — so identical lines in one file
are all kept, and re-importing the file finds every line already there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from typing import Any

from custdesk.domain.text import email_key, name_key
from custdesk.services.actions_service import SIGNALS
from custdesk.services.import_match import (
    VOCABULARY_FIELDS,
    CustomerResolver,
    Matcher,
    ProductResolver,
    canonical_rows,
    looks_like_id,
    respellings,
    row_key,
    row_key_id,
)
from custdesk.services.import_owner import OwnerPlanner
from custdesk.services.import_targets import plan_targets
from custdesk.sheets.catalogue import KEY, OWNER_KINDS
from custdesk.sheets.validate import ParsedTable, RowError
from custdesk.storage.actions import ACTION_IMPORT_COLUMNS, action_keys, deal_keys
from custdesk.storage.import_writes import Records, next_ticket_id
from custdesk.storage.match_queries import (
    current_values,
    deal_identities,
    existing_keys,
    order_lines_with_refs,
    rows_by_id,
    rows_by_ref,
)
from custdesk.storage.repository import month_number, stage_ids
from custdesk.storage.store import Store

MODES = ("upsert", "create", "update")
RECORD_TABLE = {"customers": "customers", "products": "products", "orders": "orders",
                "deals": "deals", "tickets": "tickets", "surveys": "surveys",
                "spend": "spend", "targets": "targets", "actions": "actions",
                "interactions": "interactions", "costs": "costs",
                **{kind: kind for kind in OWNER_KINDS}}  # (named after their tables)
_CUSTOMER_COLUMNS = ("ref", "name", "company", "email", "phone", "segment", "source",
                     "referred_by", "acquired_on", "status", "lost_on", "lost_reason",
                     "country", "city", "notes", "campaign", "contract_end", "region")
# order-line attributes that change after the sale (and the ship-to, which files from
# before m005 did not store on the line): a known line takes the file's values
_ORDER_STATE = ("status", "shipped_on", "delivered_on", "region", "country", "city")
# every stored value of an order line: a line found by the export's `key` takes the file's
_ORDER_VALUES = ("customer_id", "date", "month", "order_ref", "product_id", "category",
                 "quantity", "unit_price_e4", "revenue_e4", "discount", "cost_e4",
                 *_ORDER_STATE)
# a new order line's columns, in the order `_order_values` gives them
_ORDER_INSERT = ("customer_id", "date", "month", "order_ref", "product_id", "category",
                 "quantity", "unit_price_e4", "revenue_e4", "discount", "cost_e4", "status",
                 "shipped_on", "delivered_on", "region", "country", "city", "line_key")
# the (day, customer) columns a generated export key is made from (`import_match.row_key`)
_IDENTITY = {"orders": ("date", "customer_id"), "deals": ("created_on", "customer_id"),
             "tickets": ("opened_at", "customer_id"), "surveys": ("date", "customer_id"),
             "spend": ("month", "NULL"), "interactions": ("date", "customer_id"),
             "costs": ("month", "NULL")}


def number_repeats(keys: list[str]) -> list[str]:
    """Line keys with the n-th repeat of a line numbered ':n' (two identical lines in one
    sheet are two lines, each found again on a re-import)."""
    if len(set(keys)) < len(keys):
        seen: dict[str, int] = {}
        for index, key in enumerate(keys):
            earlier = seen.get(key, 0)
            seen[key] = earlier + 1
            if earlier:
                keys[index] = f"{key}:{earlier}"
    return keys


@dataclass
class Update:
    table: str
    row_id: int
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class Plan:
    kind: str
    table: str
    inserts: list[dict[str, Any]] | Records = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_stages: list[str] = field(default_factory=list)
    customers: Matcher | None = None
    products: Matcher | None = None
    uniform: bool = False  # every insert has the same keys in the same order
    # stored rows the file replaces (an order's lines the file no longer holds)
    deletes: list[int] = field(default_factory=list)
    # (order ref, total before, total after in e4) of each order the file changes
    order_changes: list[tuple[str, int, int]] = field(default_factory=list)
    # what could not be matched with certainty: shown in the preview, never silent
    possible_duplicates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.inserts)

    @property
    def updated(self) -> int:
        return len(self.updates)

    @property
    def removed(self) -> int:
        return len(self.deletes)

    def changed_orders_text(self, shown: int = 5) -> str:
        """'1 order changed: A-2 250 → 25' (empty when none)."""
        changes = self.order_changes
        if not changes:
            return ""
        listed = ", ".join(f"{ref} {_amount(old)} → {_amount(new)}"
                           for ref, old, new in changes[:shown])
        more = f" and {len(changes) - shown} more" if len(changes) > shown else ""
        return (f"{len(changes)} order{'s' if len(changes) != 1 else ''} changed: "
                f"{listed}{more}")

    @property
    def new_customers(self) -> int:
        return len(self.customers.new_rows) if self.customers else 0

    @property
    def new_products(self) -> int:
        return len(self.products.new_rows) if self.products else 0


def _first_rows(idents: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], int]]:
    """(value, index of its first row) of each distinct value, in first-row order."""
    first = dict(zip(reversed(idents), range(len(idents) - 1, -1, -1), strict=True))
    return sorted(first.items(), key=itemgetter(1))


def _amount(e4: int) -> str:
    """Ten-thousandths as the owner types them: 2500000 -> '250', 164480 -> '16.448'."""
    text = f"{Decimal(e4).scaleb(-4):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def digest(parts: Iterable[object]) -> str:
    """A stable content key (repr of str/int/float/None is the same in every run)."""
    values = parts if isinstance(parts, tuple) else tuple(parts)
    return hashlib.blake2b(repr(values).encode("utf-8"), digest_size=12).hexdigest()


def digests(rows: Iterable[tuple[object, ...]]) -> list[str]:
    """`digest` of each tuple, in one pass (100k-line files)."""
    blake2b = hashlib.blake2b
    return [blake2b(repr(values).encode("utf-8"), digest_size=12).hexdigest() for values in rows]


def build_plan(store: Store, parsed: ParsedTable, mode: str = "upsert",
               ) -> Plan:
    """What importing `parsed` would do to the database now."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    plan = Plan(parsed.kind, RECORD_TABLE[parsed.kind])
    headers = dict(zip(parsed.mapping, parsed.headers, strict=True))
    headers.pop(None, None)
    planner = _Planner(store, parsed, plan, mode, headers)
    if parsed.kind in OWNER_KINDS:  # the owner's records (m005): `import_owner`
        OwnerPlanner(store, parsed.kind, planner.rows, headers, planner.error,
                     planner.upsert).plan()
    else:
        getattr(planner, f"plan_{parsed.kind}")()
    _similar_customers(plan)
    return plan


def _similar_customers(plan: Plan) -> None:
    """A customer the import creates although one of the same name is stored (with
    another reference or e-mail): maybe the same person, maybe not — the owner decides."""
    matcher = plan.customers
    if matcher is None:
        return
    for row in matcher.new_rows if plan.kind != "customers" else plan.inserts:
        found = matcher.stored_by_name.get(row.get("name_key") or "")
        if found is not None:
            ident = row.get("ref") or row.get("email") or ""
            plan.possible_duplicates.append(
                f"new customer {row.get('name')!r}{f' ({ident})' if ident else ''}: "
                f"a customer of that name is already in the file (id {found}) with "
                "another reference or e-mail")


class _Planner:
    def __init__(self, store: Store, parsed: ParsedTable, plan: Plan, mode: str,
                 headers: dict[str | None, str]) -> None:
        self.store, self.parsed, self.plan, self.mode = store, parsed, plan, mode
        self.headers = headers
        self.customers: CustomerResolver | None = None
        self.products: ProductResolver | None = None
        self.spelled = set(VOCABULARY_FIELDS.get(parsed.kind, {}))
        if parsed.kind in ("orders", "deals", "tickets", "surveys", "actions",
                           "interactions"):
            plan.customers = Matcher.load(store, "customers")
            ref_mode = "customer_name" in headers or looks_like_id(headers.get("customer", ""))
            mixed = "customer" in headers and not {"customer_name", "customer_email"} & set(
                headers)
            self.customers = CustomerResolver(plan.customers, ref_mode, mixed=mixed)
        if parsed.kind in ("orders", "deals"):
            plan.products = Matcher.load(store, "products")
            ref_mode = "product_name" in headers or (
                parsed.kind == "orders" and looks_like_id(headers.get("product", "")))
            self.products = ProductResolver(plan.products, ref_mode)

    @cached_property
    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        """The valid rows with segments, categories, reasons... in their one spelling (line
        keys use the file's); built when a plan reads rows (new order lines read columns)."""
        parsed = self.parsed
        return canonical_rows(self.store, parsed.kind, set(parsed.mapping), parsed.rows)

    def error(self, number: int, field_name: str, value: object, reason: str) -> None:
        self.plan.errors.append(RowError(self.parsed.sheet, number,
                                         self.headers.get(field_name, field_name),
                                         "" if value is None else str(value), reason))

    def keyed_rows(self, content: tuple[str, ...]) -> list[tuple[int, dict[str, Any], str]]:
        """(row number, row, line_key) for every valid row: the key from the file's values,
        the row with its values in their one spelling."""
        with_key = KEY in self.parsed.mapping
        if "ref" not in self.parsed.mapping and not with_key:
            return self._digest_keyed_rows(content)
        seen: dict[str, int] = {}  # key -> lines with it so far
        out: list[tuple[int, dict[str, Any], str]] = []
        append = out.append
        for (number, row), (_n, spelled) in zip(self.parsed.rows, self.rows, strict=True):
            given = row.get(KEY) if with_key else None
            ref = row.get("ref")
            if given is not None:  # custdesk's own export: the record's stable key
                key = str(given)
                if key in seen:
                    self.error(number, KEY, given, "the same key appears on an earlier row "
                                                   "of this file")
                    continue
                seen[key] = 1
            elif ref is not None:
                key = f"ref:{ref}"
                if key in seen:
                    self.error(number, "ref", ref, "the same reference appears on an "
                                                   "earlier row of this file")
                    continue
                seen[key] = 1
            else:
                key = digest(tuple(map(row.get, content)))
                earlier = seen.get(key, 0)
                seen[key] = earlier + 1
                if earlier:
                    key = f"{key}:{earlier}"
            append((number, spelled, key))
        return out

    def _digest_keyed_rows(self, content: tuple[str, ...]
                           ) -> list[tuple[int, dict[str, Any], str]]:
        """`keyed_rows` when no row has a reference: every key is a content digest, and the
        n-th repeat of a line (n ≥ 1) gets ':n' appended."""
        rows = self.parsed.rows
        keys = number_repeats(digests([tuple(map(row.get, content)) for _n, row in rows]))
        return [(number, row, key) for (number, row), key in zip(self.rows, keys, strict=True)]

    def known_rows(self, keys: list[str], columns: str = "id") -> dict[str, tuple[Any, ...]]:
        """line_key -> selected columns of the stored rows these keys find: by line_key,
        else a generated export key by its row id (when its check still fits), else a
        'ref:<ref>' key by the record's reference (deals and tickets)."""
        table = self.plan.table
        found = existing_keys(self.store, table, keys, columns)
        if len(found) == len(keys):
            return found
        by_id = {row_id: key for key in keys if key not in found
                 and (row_id := row_key_id(key)) is not None}
        if by_id:
            for row_id, (line_key, day, customer, *cols) in rows_by_id(
                    self.store, table, list(by_id), _IDENTITY[table], columns).items():
                key = by_id[row_id]
                if line_key is None and row_key(table, row_id, day, customer) == key:
                    found[key] = tuple(cols)
        if table in ("deals", "tickets"):
            refs = {key[4:]: key for key in keys if key not in found and key[:4] == "ref:"}
            for ref, values in rows_by_ref(self.store, table, list(refs), columns).items():
                found.setdefault(refs[ref], values)
        return found

    # ---- order lines, surveys, spend: insert or unchanged ------------------------------

    _ORDER_CONTENT = ("date", "customer", "customer_name", "customer_email", "order_ref",
                      "product", "product_name", "category", "quantity", "unit_price",
                      "revenue", "discount", "cost")

    def plan_orders(self) -> None:
        if KEY in self.parsed.mapping:
            self._plan_orders_by_row()
        else:
            self._plan_orders_by_column()

    def _plan_orders_by_row(self) -> None:
        """Order lines row by row: the reference `_plan_orders_by_column` is tested
        against, and the way for the export's keys (a known line takes every value)."""
        content = self._ORDER_CONTENT
        rows = self.keyed_rows(content)
        # a line found by the export's key takes every value of the file; else (its key is
        # its content) only what changes after the sale
        full = KEY in self.parsed.mapping
        state = _ORDER_VALUES if full else tuple(c for c in _ORDER_STATE
                                                 if c in self.parsed.mapping)
        known = self.known_rows([k for _n, _r, k in rows],
                                ", ".join(("id", "customer_id", *state)))
        assert self.customers is not None and self.products is not None
        customer, product = self.customers.resolve, self.products.resolve
        months: dict[str, int] = {}  # few distinct days: month_number once per day
        self.plan.uniform = True  # (one tuple display below builds every insert)
        inserts = self.plan.inserts = Records(_ORDER_INSERT)
        append = inserts.values.append
        by_order = "order_ref" in self.parsed.mapping
        kept: set[int] = set()  # stored lines the file holds
        orders: dict[tuple[int | None, str], int] = {}  # the file's orders -> their total
        for number, row, key in rows:
            old = known.get(key)
            if by_order and row.get("order_ref") is not None:
                order = (old[1] if old is not None and not full else customer(row),
                         row["order_ref"])
                orders[order] = orders.get(order, 0) + row["revenue"]
            if old is not None:
                kept.add(old[0])
                if full:
                    self._upsert(number, old[0], self._order_values(row, key, months),
                                 dict(zip(state, old[2:], strict=True)))
                else:
                    self._order_state(number, row, state, (old[0], *old[2:]))
                continue
            if self.mode == "update":
                self.error(number, "date", row.get("date"), "not in the database (mode update "
                                                            "only changes existing records)")
                continue
            day, get = row["date"], row.get
            month = months.get(day)
            if month is None:
                month = months[day] = month_number(day)
            append((customer(row), day, month, get("order_ref"), product(row),
                    get("category"), get("quantity"), get("unit_price"), row["revenue"],
                    get("discount"), get("cost"), get("status"), get("shipped_on"),
                    get("delivered_on"), get("region"), get("country"), get("city"), key))
        if orders:
            self._replace_orders(orders, kept)

    def _plan_orders_by_column(self) -> None:
        """`plan_orders` for a file without the export's keys, read column by column: the
        same plan, in the same order (customers and products are found or created in the
        order the row loop meets them), without a dict per row (1M lines: 1.7 GB of
        dicts, and most of the planning time)."""
        parsed = self.parsed
        count = len(parsed.numbers)
        present = set(parsed.names).union(*parsed.checked.values())
        nothing: list[Any] = [None] * count

        def column(name: str) -> list[Any]:
            return parsed.column(name) if name in present else nothing

        keys = number_repeats(digests(zip(*map(column, self._ORDER_CONTENT), strict=True))
                              if count else [])
        respell = respellings(self.store, "orders", set(parsed.mapping), column)

        def spelled(name: str) -> list[Any]:
            values, changed = column(name), respell.get(name)
            return [changed.get(v, v) for v in values] if changed else values

        state = tuple(c for c in _ORDER_STATE if c in parsed.mapping)
        known = self.known_rows(keys, ", ".join(("id", "customer_id", *state))) if keys else {}
        if not known and self.mode != "update":  # every line new (a first import)
            self._new_order_lines(keys, column, spelled)
            return
        assert self.customers is not None and self.products is not None
        customer, product = self.customers.resolve, self.products.resolve
        customer_ids: dict[tuple[Any, ...], int | None] = {}
        product_ids: dict[tuple[Any, ...], int | None] = {}
        months: dict[str, int] = {}  # few distinct days: month_number once per day
        self.plan.uniform = True
        inserts = self.plan.inserts = Records(_ORDER_INSERT)
        append = inserts.values.append
        by_order = "order_ref" in parsed.mapping
        update_only = self.mode == "update"
        kept: set[int] = set()  # stored lines the file holds
        orders: dict[tuple[int | None, str], int] = {}  # the file's orders -> their total
        state_columns = [column(c) for c in state]
        segment, category = spelled("segment"), spelled("category")
        for index, (number, key, day, ref, revenue, who, name, email, item, item_name,
                    quantity, price, discount, cost, status, shipped, delivered, region,
                    country, city) in enumerate(zip(
                        parsed.numbers, keys, *map(column, (
                            "date", "order_ref", "revenue", "customer", "customer_name",
                            "customer_email", "product", "product_name", "quantity",
                            "unit_price", "discount", "cost", "status", "shipped_on",
                            "delivered_on", "region", "country", "city")), strict=True)):
            old = known.get(key)
            customer_id: int | None = -1  # (not looked up yet)
            if by_order and ref is not None:
                if old is not None:
                    owner = old[1]
                else:
                    who_key = (who, name, email)
                    customer_id = customer_ids.get(who_key, -1)
                    if customer_id == -1:
                        customer_id = customer_ids[who_key] = customer(
                            {"customer": who, "customer_name": name, "customer_email": email,
                             "segment": segment[index], "country": country,
                             "region": region, "city": city})
                    owner = customer_id
                orders[(owner, ref)] = orders.get((owner, ref), 0) + revenue
            if old is not None:
                kept.add(old[0])
                self._order_state(number, {c: values[index] for c, values in
                                           zip(state, state_columns, strict=True)},
                                  state, (old[0], *old[2:]))
                continue
            if update_only:
                self.error(number, "date", day, "not in the database (mode update only "
                                                "changes existing records)")
                continue
            month = months.get(day)
            if month is None:
                month = months[day] = month_number(day)
            if customer_id == -1:
                who_key = (who, name, email)
                customer_id = customer_ids.get(who_key, -1)
                if customer_id == -1:
                    customer_id = customer_ids[who_key] = customer(
                        {"customer": who, "customer_name": name, "customer_email": email,
                         "segment": segment[index], "country": country, "region": region,
                         "city": city})
            what = (item, item_name)
            product_id = product_ids.get(what, -1)
            if product_id == -1:
                product_id = product_ids[what] = product(
                    {"product": item, "product_name": item_name,
                     "category": category[index]})
            append((customer_id, day, month, ref, product_id, category[index], quantity,
                    price, revenue, discount, cost, status, shipped, delivered, region,
                    country, city, key))
        if orders:
            self._replace_orders(orders, kept)

    def _new_order_lines(self, keys: list[str], column: Callable[[str], list[Any]],
                         spelled: Callable[[str], list[Any]]) -> None:
        """`_plan_orders_by_column` when no line of the file is stored yet and every one
        is inserted: each distinct customer and product is resolved once, in the order
        the row loop would meet them (first appearance), and the inserts are zipped from
        whole columns (C speed)."""
        assert self.customers is not None and self.products is not None
        parsed = self.parsed
        segment, category = spelled("segment"), spelled("category")
        country, region, city = column("country"), column("region"), column("city")
        who = list(zip(column("customer"), column("customer_name"),
                       column("customer_email"), strict=True))
        customer_ids: dict[tuple[Any, ...], int | None] = {}
        for ident, i in _first_rows(who):  # (the first row's values, as the loop meets them)
            customer_ids[ident] = self.customers.resolve(
                {"customer": who[i][0], "customer_name": who[i][1], "customer_email": who[i][2],
                 "segment": segment[i], "country": country[i], "region": region[i],
                 "city": city[i]})
        what = list(zip(column("product"), column("product_name"), strict=True))
        product_ids: dict[tuple[Any, ...], int | None] = {}
        for ident, i in _first_rows(what):
            product_ids[ident] = self.products.resolve(
                {"product": what[i][0], "product_name": what[i][1], "category": category[i]})
        days = column("date")
        months = {day: month_number(day) for day in dict.fromkeys(days)}
        customer_of = list(map(customer_ids.__getitem__, who))
        refs, revenue = column("order_ref"), column("revenue")
        self.plan.uniform = True
        inserts = self.plan.inserts = Records(_ORDER_INSERT)
        inserts.values = list(zip(
            customer_of, days, map(months.__getitem__, days), refs,
            map(product_ids.__getitem__, what), category, *map(column, (
                "quantity", "unit_price")), revenue, *map(column, (
                    "discount", "cost", "status", "shipped_on", "delivered_on")),
            region, country, city, keys, strict=True))
        if "order_ref" not in parsed.mapping:
            return
        orders: dict[tuple[int | None, str], int] = {}  # the file's orders -> their total
        for order, amount in zip(zip(customer_of, refs, strict=True), revenue, strict=True):
            if order[1] is not None:
                orders[order] = orders.get(order, 0) + amount
        if orders:
            self._replace_orders(orders, set())

    def _order_values(self, row: dict[str, Any], key: str, months: dict[str, int]
                      ) -> dict[str, Any]:
        assert self.customers is not None and self.products is not None
        day, get = row["date"], row.get
        month = months.get(day)
        if month is None:
            month = months[day] = month_number(day)
        return {"customer_id": self.customers.resolve(row), "date": day, "month": month,
                "order_ref": get("order_ref"), "product_id": self.products.resolve(row),
                "category": get("category"), "quantity": get("quantity"),
                "unit_price_e4": get("unit_price"), "revenue_e4": row["revenue"],
                "discount": get("discount"), "cost_e4": get("cost"),
                "status": get("status"), "shipped_on": get("shipped_on"),
                "delivered_on": get("delivered_on"), "region": get("region"),
                "country": get("country"), "city": get("city"), "line_key": key}

    def _replace_orders(self, orders: dict[tuple[int | None, str], int],
                        kept: set[int]) -> None:
        """The file is the truth for the orders it holds (issue 20 H8/H11): a stored line
        of such an order (same customer, same order reference) that the file no longer
        holds is removed — a corrected line replaces the wrong one instead of joining it.
        Not done when rows of the file are invalid (their order would lose lines) or in
        mode create."""
        stored = order_lines_with_refs(self.store, {ref for _c, ref in orders})
        if not stored:
            return
        before: dict[tuple[int | None, str], int] = {}
        touched: set[tuple[int | None, str]] = set()
        removed: list[int] = []
        for row_id, customer_id, ref, revenue, _key in stored:
            order = (customer_id, ref)
            if order not in orders:
                continue
            before[order] = before.get(order, 0) + revenue
            if row_id not in kept:
                removed.append(row_id)
                touched.add(order)
        touched |= {order for order in before if orders[order] != before[order]}
        if not removed and not touched:
            return
        if self.parsed.invalid_rows or self.plan.errors or self.mode == "create":
            if removed:
                self.plan.notes.append(
                    f"{len(removed)} stored lines of orders in this file are not in it; "
                    "they are kept because " + ("rows of the file are invalid"
                                                if self.mode != "create" else "of mode create"))
            return
        self.plan.deletes = removed
        self.plan.order_changes = [(ref, before[(c, ref)], orders[(c, ref)])
                                   for c, ref in sorted(touched, key=lambda o: o[1])]

    def _order_state(self, number: int, row: dict[str, Any], state: tuple[str, ...],
                     old: tuple[Any, ...]) -> None:
        """A line already imported: unchanged, or its status/shipping/delivery/region
        updated from the file (a later export of the same orders)."""
        self._upsert(number, old[0], {c: row.get(c) for c in state},
                     dict(zip(state, old[1:], strict=True)))

    def _insert_only(self, content: tuple[str, ...], build: Any) -> None:
        rows = self.keyed_rows(content)
        known = self.known_rows([k for _n, _r, k in rows])
        for number, row, key in rows:
            if key in known:
                self.plan.unchanged += 1
            elif self.mode == "update":
                self.error(number, content[0], row.get(content[0]), "not in the database "
                           "(mode update only changes existing records)")
            else:
                self.plan.inserts.append({**build(row), "line_key": key})

    def plan_surveys(self) -> None:
        assert self.customers is not None
        fields = ("date", "customer", "customer_name", "customer_email", "kind", "nps", "csat",
                  "score", "would_refer", "reason", "comment")
        self._insert_only(fields, lambda r: {
            "date": r["date"], "customer_id": self.customers.resolve(r),
            "kind": _survey_kind(r.get("kind")), "nps": r.get("nps"), "csat": r.get("csat"),
            "score": r.get("score"), "reason": r.get("reason"), "comment": r.get("comment"),
            "question": r.get("question"), "incentive": r.get("incentive"),
            "would_refer": None if r.get("would_refer") is None else int(r["would_refer"])})

    def plan_spend(self) -> None:
        self._insert_only(("month", "amount", "channel"), lambda r: {
            "month": r["month"], "amount_e4": r["amount"], "channel": r.get("channel")})

    def plan_costs(self) -> None:
        self._insert_only(("month", "amount", "category"), lambda r: {
            "month": r["month"], "amount_e4": r["amount"], "category": r.get("category")})

    def plan_interactions(self) -> None:
        """A call, meeting, e-mail or visit: its customer, else its deal's customer; its
        deal by reference, else by title (as actions find theirs). A kind word custdesk
        does not know is kept as 'other' and said in the preview."""
        assert self.customers is not None
        deals = _DealFinder(deal_keys(self.store))
        resolve = self.customers.resolve
        unknown: dict[str, int] = {}
        content = ("date", "customer", "customer_name", "customer_email", "deal", "kind",
                   "note")
        rows = self.keyed_rows(content)
        known = self.known_rows([k for _n, _r, k in rows])
        for number, row, key in rows:
            deal_id = None
            if row.get("deal") is not None:
                deal_id = deals.find(row["deal"], None)
                if deal_id is None:
                    self.error(number, "deal", row["deal"], "no deal with this reference "
                               "or title (import the deals first)")
                    continue
            customer_id = resolve(row)
            if customer_id is None and deal_id is None:
                self.error(number, "customer", None, "a customer or a deal is required")
                continue
            if customer_id is None:
                customer_id = deals.customer_of.get(deal_id)  # type: ignore[arg-type]
            kind = interaction_kind(row.get("kind"))
            if kind is None:
                unknown[row["kind"]] = unknown.get(row["kind"], 0) + 1
                kind = "other"
            if key in known:
                self.plan.unchanged += 1
            elif self.mode == "update":
                self.error(number, "date", row.get("date"), "not in the database (mode "
                           "update only changes existing records)")
            else:
                self.plan.inserts.append({"date": row["date"], "customer_id": customer_id,
                                          "deal_id": deal_id, "kind": kind,
                                          "note": row.get("note"), "line_key": key})
        for word, count in unknown.items():
            self.plan.notes.append(f"interaction kind {word!r} ({count} row"
                                   f"{'s' if count != 1 else ''}) is not call, meeting, "
                                   "e-mail or visit: kept as other")

    # ---- records that can be updated ---------------------------------------------------

    def _upsert(self, number: int, row_id: int | None, values: dict[str, Any],
                current: dict[str, Any] | None) -> None:
        """Insert, update (non-blank values that differ) or count unchanged."""
        if row_id is None:
            if self.mode == "update":
                self.error(number, next(iter(self.headers), None) or "", None,
                           "not in the database (mode update only changes existing records)")
            else:
                self.plan.inserts.append(values)
            return
        changes = {k: v for k, v in values.items()
                   if v is not None and k not in ("batch_id", "line_key", "created_on")
                   and current is not None and k in current and current[k] != v
                   and not (k in self.spelled and isinstance(current[k], str)
                            and name_key(current[k]) == name_key(v))}  # same, spelled apart
        if self.mode == "create" or not changes:
            self.plan.unchanged += 1
            return
        assert current is not None
        self.plan.updates.append(Update(self.plan.table, row_id,
                                        {k: current[k] for k in changes}, changes))

    upsert = _upsert  # (for `import_owner`)

    def _current(self, table: str, row_id: int, columns: Iterable[str]) -> dict[str, Any]:
        return current_values(self.store, table, row_id, columns)

    def plan_customers(self) -> None:
        matcher = Matcher.load(self.store, "customers")
        self.plan.customers = matcher
        planned: dict[int, dict[str, Any]] = {}
        for number, row in self.rows:
            values = {c: row.get(c) for c in _CUSTOMER_COLUMNS}
            if values["name"] is None:
                values.pop("name")
            found = matcher.find(row.get("ref"), row.get("email"), row.get("name"))
            if found is not None and found in planned:  # twice in this file: fill blanks
                first = planned[found]
                first.update({k: v for k, v in values.items()
                              if v is not None and first.get(k) is None})
                self.plan.unchanged += 1
                continue
            values = _with_keys(values)
            if found is None:
                values.setdefault("name", row.get("ref"))
                values.update(name_key=name_key(values["name"]), created_on=date.today()
                              .isoformat())
                if self.mode == "update":
                    self._upsert(number, None, values, None)
                    continue
                new_id = matcher.create(values)
                planned[new_id] = values
                continue
            current = self._current("customers", found, values)
            self._upsert(number, found, values, current)
        self.plan.inserts = list(matcher.new_rows)
        matcher.new_rows = []

    def plan_products(self) -> None:
        matcher = Matcher.load(self.store, "products")
        self.plan.products = matcher
        planned: set[int] = set()
        for number, row in self.rows:
            values = {"ref": row.get("ref"), "name": row["name"],
                      "name_key": name_key(row["name"]), "category": row.get("category"),
                      "list_price_e4": row.get("list_price"),
                      "unit_cost_e4": row.get("unit_cost"),
                      "target_margin_pct": row.get("target_margin_pct")}
            found = matcher.find(values["ref"], None, values["name"])
            if found in planned:
                self.plan.unchanged += 1
                continue
            if found is None:
                if self.mode == "update":
                    self._upsert(number, None, values, None)
                    continue
                planned.add(matcher.create(values))
                continue
            self._upsert(number, found, values, self._current("products", found, values))
        self.plan.inserts = list(matcher.new_rows)
        matcher.new_rows = []

    def plan_deals(self) -> None:
        assert self.customers is not None and self.products is not None
        stages = stage_ids(self.store)
        content = ("customer", "customer_name", "customer_email", "title", "product",
                   "stage", "amount", "owner", "created_on", "closed_on")
        rows = self.keyed_rows(content)
        columns = ("customer_id", "title", "product_id", "stage_id", "amount_e4",
                   "list_amount_e4", "probability", "owner", "source", "created_on",
                   "expected_close", "closed_on", "lost_reason", "competitor", "next_step",
                   "last_activity_on", "win_reason", "next_step_on", "needs_me",
                   "special_terms", "campaign", "reason_detail")
        known = self.known_rows([k for _n, _r, k in rows], "id, " + ", ".join(columns))
        identities = _DealIdentities(deal_identities(self.store))
        for number, row, key in rows:
            stage = row["stage"]
            stage_id = stages.get(name_key(stage))
            if stage_id is None and stage not in self.plan.new_stages:
                self.plan.new_stages.append(stage)
            values = {
                "ref": row.get("ref"), "customer_id": self.customers.resolve(row),
                "title": row.get("title"),
                "product_id": self.products.resolve(row),
                "stage_id": stage_id if stage_id is not None else f"new:{name_key(stage)}",
                "amount_e4": row.get("amount"), "list_amount_e4": row.get("list_amount"),
                "probability": row.get("probability"), "owner": row.get("owner"),
                "source": row.get("source"), "created_on": row.get("created_on"),
                "expected_close": row.get("expected_close"), "closed_on": row.get("closed_on"),
                "lost_reason": row.get("lost_reason"), "competitor": row.get("competitor"),
                "next_step": row.get("next_step"), "last_activity_on": row.get("last_activity_on"),
                "win_reason": row.get("win_reason"), "next_step_on": row.get("next_step_on"),
                "needs_me": None if row.get("needs_me") is None else int(row["needs_me"]),
                "special_terms": row.get("special_terms"), "campaign": row.get("campaign"),
                "reason_detail": row.get("reason_detail"), "line_key": key}
            old = known.get(key)
            if old is None and row.get("ref") is None and row.get(KEY) is None:
                # no id: the same title, customer and creation day is the same deal
                found = identities.find(self, number, values)
                if found is not None:
                    old = (found, *current_values(self.store, "deals", found,
                                                  columns).values())
            current = dict(zip(columns, old[1:], strict=True)) if old else None
            self._upsert(number, old[0] if old else None, values, current)

    def plan_tickets(self) -> None:
        assert self.customers is not None
        content = ("customer", "customer_name", "customer_email", "opened_at", "topic",
                   "channel", "status", "first_response_at", "resolved_at", "csat")
        rows = self.keyed_rows(content)
        columns = ("customer_id", "opened_at", "first_response_at", "resolved_at", "topic",
                   "channel", "status", "is_complaint", "contacts", "csat", "follow_up_of")
        known = self.known_rows([k for _n, _r, k in rows], "id, " + ", ".join(columns))
        # new tickets get their ids here, so a follow-up can point at one of them
        next_id = next_ticket_id(self.store)
        ids: dict[str, int] = {}
        planned = []
        for number, row, key in rows:
            old = known.get(key)
            row_id = old[0] if old else None
            if row_id is None:
                row_id, next_id = next_id, next_id + 1
            if row.get("ref") is not None:
                ids.setdefault(row["ref"], row_id)
            planned.append((number, row, key, old, row_id))
        parents = self._follow_ups([(n, r) for n, r, _k, _o, _i in planned], ids)
        for number, row, key, old, row_id in planned:
            values = {"ref": row.get("ref"),
                      "customer_id": self.customers.resolve(row),
                      **{c: row.get(c) for c in columns[1:]},
                      "is_complaint": int(bool(row.get("is_complaint"))),
                      "follow_up_of": parents.get(number), "line_key": key}
            current = dict(zip(columns, old[1:], strict=True)) if old else None
            if old is None:
                values["id"] = row_id
            self._upsert(number, old[0] if old else None, values, current)

    def _follow_ups(self, rows: list[tuple[int, dict[str, Any]]], ids: dict[str, int]
                    ) -> dict[int, int]:
        """Row number -> the id of the ticket its `follow_up_of` names: one of this file
        (by ref), else one already stored. A ref found nowhere, or the ticket itself, is
        no error: the follow-up is left unlinked and the preview lists it."""
        wanted = {row["follow_up_of"] for _n, row in rows if row.get("follow_up_of")}
        if not wanted:
            return {}
        stored = rows_by_ref(self.store, "tickets", sorted(wanted - ids.keys()), "id")
        found: dict[int, int] = {}
        unresolved: list[str] = []
        for number, row in rows:
            parent = row.get("follow_up_of")
            if parent is None:
                continue
            parent_id = ids.get(parent) or (stored[parent][0] if parent in stored else None)
            if parent_id is None or parent == row.get("ref"):
                unresolved.append(f"row {number} ({parent})")
                continue
            found[number] = parent_id
        if unresolved:
            shown = ", ".join(unresolved[:5]) + (f" and {len(unresolved) - 5} more"
                                                 if len(unresolved) > 5 else "")
            self.plan.notes.append(
                f"{len(unresolved)} follow-up{'s' if len(unresolved) != 1 else ''} name a "
                f"ticket that is neither in this file nor stored (or itself): {shown}; "
                "left unlinked")
        return found

    def plan_targets(self) -> None:
        for number, row_id, values, current in plan_targets(self.store, self.rows,
                                                            self.error):
            self._upsert(number, row_id, values, current)

    def plan_actions(self) -> None:
        """An action is found by title, customer and creation day (its status, outcome,
        due date... change later); its deal by reference, else by title (the customer's
        deal first)."""
        assert self.customers is not None
        known = action_keys(self.store)
        deals = _DealFinder(deal_keys(self.store))
        today = date.today().isoformat()
        planned: set[tuple[str, int | None, str]] = set()
        odd_signals: list[str] = []
        for number, row in self.rows:
            status = _action_status(row.get("status"))
            cause = _action_cause(row.get("cause"))
            if status is None:
                self.error(number, "status", row.get("status"),
                           "not an action status: use open, done or dropped")
            if cause is None:
                self.error(number, "cause", row.get("cause"), "not a cause: use product, "
                           "process, policy, people, price or other")
            customer_id = self.customers.resolve(row)
            deal_id = None
            if row.get("deal") is not None:
                deal_id = deals.find(row["deal"], customer_id)
                if deal_id is None:
                    self.error(number, "deal", row["deal"], "no deal with this reference "
                               "or title (import the deals first)")
            if status is None or cause is None or (row.get("deal") and deal_id is None):
                continue
            created_on = row.get("created_on") or today
            signal, issue = _action_signal(row.get("signal"), row.get("issue"), odd_signals)
            values = {"title": row["title"], "customer_id": customer_id, "deal_id": deal_id,
                      "issue": issue, "cause": cause or None, "signal": signal,
                      "owner": row.get("owner"), "due_on": row.get("due_on"),
                      "status": status, "outcome": row.get("outcome"),
                      "created_on": created_on, "done_on": row.get("done_on")}
            key = (name_key(row["title"]), customer_id, created_on)
            if key in planned:
                self.error(number, "title", row["title"], "the same action (title, customer "
                           "and created on) appears on an earlier row of this file")
                continue
            planned.add(key)
            old = known.get(key)
            current = dict(zip(ACTION_IMPORT_COLUMNS, old[1:], strict=True)) if old else None
            self._upsert(number, old[0] if old else None, values, current)
        if odd_signals:
            self.plan.notes.append(
                f"{len(odd_signals)} signal value{'s' if len(odd_signals) != 1 else ''} "
                f"custdesk does not know ({', '.join(sorted(set(odd_signals))[:5])}): kept "
                "as the action's issue where it had none")


class _DealIdentities:
    """Deals without a reference, found by (title, customer, created on) — issue 20 H11:
    a deal whose stage moved is the same deal, not a second one."""

    def __init__(self, rows: list[tuple[int, str | None, int | None, str | None,
                                        str | None]]) -> None:
        self.by_title: dict[tuple[str, int | None], list[tuple[int, str | None]]] = {}
        for deal_id, title, customer_id, created_on, _ref in rows:
            if title:
                self.by_title.setdefault((name_key(title), customer_id), []).append(
                    (deal_id, created_on))
        self.taken: set[int] = set()

    def find(self, planner: _Planner, number: int, values: dict[str, Any]) -> int | None:
        """The one stored deal this row is; None (and a possible duplicate in the preview
        when a deal of that title and customer exists) otherwise."""
        title = values.get("title")
        if not title or isinstance(values.get("customer_id"), str):
            return None
        candidates = self.by_title.get((name_key(title), values["customer_id"]), [])
        if not candidates:
            return None
        same_day = [d for d, created in candidates
                    if created is not None and created == values.get("created_on")]
        if len(same_day) == 1 and same_day[0] not in self.taken:
            self.taken.add(same_day[0])
            return same_day[0]
        why = ("several deals have this title, customer and creation day" if len(same_day) > 1
               else "an earlier row of this file is that deal" if same_day
               else "a deal of this title and customer exists with another creation day")
        planner.plan.possible_duplicates.append(
            f"{planner.parsed.sheet} row {number}: deal {title!r} is added as new, but "
            f"{why} (ids {', '.join(str(d) for d, _c in candidates[:5])})")
        return None


class _DealFinder:
    def __init__(self, rows: list[tuple[int, str | None, str, int | None]]) -> None:
        self.by_ref: dict[str, int] = {}
        self.by_title: dict[str, list[tuple[int, int | None]]] = {}
        self.customer_of = {deal_id: customer_id for deal_id, _r, _t, customer_id in rows}
        for deal_id, ref, title_key, customer_id in rows:
            if ref is not None:
                self.by_ref.setdefault(ref, deal_id)
            self.by_title.setdefault(title_key, []).append((deal_id, customer_id))

    def find(self, value: str, customer_id: int | None) -> int | None:
        found = self.by_ref.get(value)
        if found is not None:
            return found
        candidates = self.by_title.get(name_key(value), [])
        mine = [d for d, c in candidates if c == customer_id]
        found_ids = mine or [d for d, _c in candidates]
        return found_ids[0] if found_ids else None


_ACTION_STATUS = {"open": "open", "todo": "open", "inprogress": "open", "pending": "open",
                  "new": "open", "done": "done", "closed": "done", "complete": "done",
                  "completed": "done", "finished": "done", "resolved": "done", "yes": "done",
                  "dropped": "dropped", "cancelled": "dropped", "canceled": "dropped",
                  "abandoned": "dropped", "no": "open"}


# the words of an interaction's kind (name keys) -> call, meeting, email, visit or other
_INTERACTION_WORDS = {
    **dict.fromkeys(("call", "phone", "phonecall", "telephone", "tel", "calls", "callback",
                     "coldcall", "ring", "rang", "voicemail"), "call"),
    **dict.fromkeys(("meeting", "meet", "inperson", "videocall", "video", "zoom", "teams",
                     "demo", "lunch", "presentation", "webinar"), "meeting"),
    **dict.fromkeys(("email", "mail", "emails", "mailing", "newsletter", "letter"), "email"),
    **dict.fromkeys(("visit", "sitevisit", "onsite", "storevisit", "visited",
                     "customervisit"), "visit"),
    **dict.fromkeys(("other", "chat", "sms", "text", "message", "social", "note"), "other"),
}


def interaction_kind(text: str | None) -> str | None:
    """call/meeting/email/visit/other from the file's word (blank = other; "E-mail",
    "phone" and "Zoom" read as email, call and meeting); None when unknown."""
    if text is None:
        return "other"
    return _INTERACTION_WORDS.get(name_key(text))


def _action_signal(text: str | None, issue: str | None, odd: list[str]
                   ) -> tuple[str | None, str | None]:
    """(signal, issue): a signal custdesk knows (detractor, hot_deal...), else none — the
    word is then the issue when the row has none (a "Signal" column that describes it)."""
    if text is None:
        return None, issue
    signal = next((s for s in SIGNALS if name_key(s) == name_key(text)), None)
    if signal is None:
        odd.append(text)
        return None, issue if issue is not None else text
    return signal, issue


def _action_status(text: str | None) -> str | None:
    """open/done/dropped from the file's word (blank = open); None when unknown."""
    if text is None:
        return "open"
    return _ACTION_STATUS.get(name_key(text))


def _action_cause(text: str | None) -> str | None:
    """One of the six causes ('' for blank); None when the word is none of them."""
    if text is None:
        return ""
    key = name_key(text)
    for cause in ("product", "process", "policy", "people", "price", "other"):
        if key == cause or key.startswith(cause):
            return cause
    return None


def _with_keys(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("name") is not None:
        values["name_key"] = name_key(values["name"])
    if values.get("email") is not None:
        values["email_key"] = email_key(values["email"]) or None
    return values


def _survey_kind(text: str | None) -> str:
    key = name_key(text)
    for kind in ("employee", "mystery", "questionnaire"):
        if key.startswith(kind):
            return "mystery_shop" if kind == "mystery" else kind
    return "customer"

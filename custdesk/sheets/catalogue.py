"""The column catalogue: for each import kind, its fields, their types and header synonyms.

Field names are exactly those of METRICS.md's Records table. Kinds that point at a customer
(orders, deals, tickets, surveys) also carry `customer_name` and `customer_email`, and
orders carry the customer attributes that ride along on order lines in real exports
(segment; country, region and city are kept on the line as its ship-to and also set a new
customer's) plus `product_name`, so that Superstore-style sheets with
both "Customer ID" and "Customer Name" need no manual mapping.

Synonyms are compared after `name_key` (case, spaces and punctuation ignored); earlier
synonyms win when two headers claim the same field.
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.text import name_key

# value types understood by sheets.parse
TEXT, REF, EMAIL, DATE, TIMESTAMP, MONTH = "text", "ref", "email", "date", "timestamp", "month"
MONEY, NUMBER, INT, SHARE, PERCENT = "money", "number", "int", "share", "percent"
FLAG, STATUS, SCORE5, SCORE10 = "flag", "status", "score5", "score10"
MEASURE = "measure"  # a metric's target, in the metric's unit ("85%" reads as 85)
DATE_TYPES = frozenset({DATE, TIMESTAMP, MONTH})
# The record's stable key in custdesk's own full export (its stored line_key, or one the
# export generates for a record without one): a re-import finds the record by it.
KEY = "key"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    synonyms: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Normalised header texts that map to this field, best first."""
        return tuple(dict.fromkeys(name_key(s) for s in (self.name, *self.synonyms)))


def F(name: str, type_: str = TEXT, *synonyms: str, required: bool = False) -> FieldSpec:
    return FieldSpec(name, type_, required, synonyms)


_CUSTOMER_REF = F("customer", REF, "customer id", "customerid", "client id", "account id",
                  "customer ref", "customer number", "customer no", "customer code", "cust id",
                  "client", "account", "company", "customer account", "prospect",
                  "organisation", "organization", required=True)
_CUSTOMER_NAME = F("customer_name", TEXT, "customer name", "client name", "contact name",
                   "full name", "account name", "company name", "name")
_CUSTOMER_EMAIL = F("customer_email", EMAIL, "customer email", "email", "e-mail",
                    "email address", "e-mail address", "client email", "mail")

CATALOGUE: dict[str, tuple[FieldSpec, ...]] = {
    "customers": (
        F("name", TEXT, "customer name", "client name", "full name", "contact name",
          "customer", "client", "account name", "name"),
        F("ref", REF, "customer id", "customerid", "client id", "account id", "customer ref",
          "customer number", "customer no", "customer code", "id", "reference"),
        F("company", TEXT, "company", "company name", "organisation", "organization",
          "business", "account"),
        F("email", EMAIL, "email", "e-mail", "email address", "e-mail address", "mail"),
        F("phone", TEXT, "phone", "telephone", "tel", "mobile", "phone number", "cell"),
        F("segment", TEXT, "segment", "customer segment", "customer group", "group", "tier",
          "customer type", "contract", "contract type", "plan"),
        F("source", TEXT, "source", "lead source", "acquisition channel", "channel",
          "how found"),
        F("referred_by", TEXT, "referred by", "referrer", "referral"),
        F("acquired_on", DATE, "acquired on", "customer since", "signup date", "sign up date",
          "join date", "joined", "start date", "first purchase", "created"),
        F("status", STATUS, "status", "churn", "churned", "customer status", "lost"),
        F("lost_on", DATE, "lost on", "churn date", "lost date", "cancelled on", "end date"),
        F("lost_reason", TEXT, "lost reason", "churn reason", "reason"),
        F("country", TEXT, "country", "country/region", "nation"),
        F("city", TEXT, "city", "town"),
        F("notes", TEXT, "notes", "note", "comments", "comment"),
        F("campaign", TEXT, "campaign", "campaign name", "marketing campaign", "promo code",
          "promotion code", "promo", "coupon code", "voucher code", "utm campaign"),
        F("contract_end", DATE, "contract end", "contract end date", "contract ends",
          "renewal date", "renewal", "renewal due", "contract expiry", "contract expires",
          "expiry date", "end of contract", "term end"),
        F("region", TEXT, "region", "state/province", "province", "county", "territory",
          "sales region"),
    ),
    "orders": (
        F("date", DATE, "order date", "invoice date", "invoicedate", "sale date",
          "transaction date", "purchase date", "date", "orderdate", required=True),
        _CUSTOMER_REF, _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("segment", TEXT, "segment", "customer segment", "customer group"),
        F("country", TEXT, "country", "country/region"),
        F("city", TEXT, "city", "town"),
        F("order_ref", REF, "order id", "order ref", "order number", "order no", "invoice no",
          "invoice", "invoice number", "invoice id", "receipt", "receipt no", "order",
          "transaction id"),
        F("product", REF, "product id", "productid", "sku", "stock code", "stockcode",
          "item code", "product code", "product ref", "item id", "product", "item"),
        F("product_name", TEXT, "product name", "description", "item name",
          "item description", "product description"),
        F("category", TEXT, "category", "product category", "product line", "department"),
        F("quantity", NUMBER, "quantity", "qty", "units", "quantity ordered"),
        F("unit_price", MONEY, "unit price", "unitprice", "price", "price each", "rate",
          "unit cost price"),
        F("revenue", MONEY, "revenue", "sales", "amount", "total", "line total", "net sales",
          "sales amount", "line amount", "value", "turnover", "subtotal", required=True),
        F("discount", SHARE, "discount", "disc", "discount pct", "discount rate"),
        F("cost", MONEY, "cost", "cogs", "cost of goods", "line cost", "total cost"),
        F("profit", MONEY, "profit", "gross profit", "margin amount"),
        F("status", TEXT, "order status", "status", "fulfilment status", "fulfillment status",
          "shipping status", "delivery status", "order state"),
        F("shipped_on", DATE, "ship date", "shipped on", "shipped date", "shipping date",
          "date shipped", "dispatch date", "dispatched on", "dispatched", "shipped",
          "order delivered carrier date"),
        F("delivered_on", DATE, "delivery date", "delivered on", "delivered date",
          "date delivered", "delivered", "received date", "order delivered customer date"),
        F("region", TEXT, "region", "ship region", "ship to region", "shipping region",
          "ship state", "state/province", "province", "territory", "sales region"),
        F(KEY, REF, "line key", "record key"),
    ),
    "products": (
        F("name", TEXT, "product name", "product", "item name", "item", "name", "description",
          required=True),
        F("ref", REF, "product id", "productid", "sku", "stock code", "stockcode",
          "product code", "item code", "code", "ref", "id"),
        F("category", TEXT, "category", "product category", "series", "product line",
          "family", "group", "type"),
        F("list_price", MONEY, "list price", "sales price", "price", "unit price", "rrp",
          "msrp", "retail price"),
        F("unit_cost", MONEY, "unit cost", "cost", "cost price", "purchase price"),
        F("target_margin_pct", PERCENT, "target margin", "target margin pct", "margin target"),
    ),
    "deals": (
        _CUSTOMER_REF, _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("ref", REF, "opportunity id", "deal id", "opportunity ref", "deal ref", "id", "ref"),
        F("title", TEXT, "title", "deal name", "opportunity name", "deal", "opportunity",
          "subject"),
        F("product", REF, "product", "product name", "product id", "sku", "item"),
        F("stage", TEXT, "deal stage", "stage", "pipeline stage", "sales stage", "status",
          required=True),
        F("amount", MONEY, "close value", "amount", "value", "deal value", "deal amount",
          "deal size"),
        F("list_amount", MONEY, "list amount", "list value", "list price"),
        F("probability", PERCENT, "probability", "win probability", "likelihood", "chance"),
        F("owner", TEXT, "sales agent", "owner", "deal owner", "sales rep", "rep",
          "salesperson", "agent", "assigned to"),
        F("source", TEXT, "source", "lead source", "channel"),
        F("created_on", DATE, "engage date", "created on", "created", "created date",
          "open date", "opened", "start date", "date"),
        F("expected_close", DATE, "expected close", "expected close date", "target close",
          "forecast close"),
        F("closed_on", DATE, "close date", "closed on", "closed date", "won date",
          "date closed"),
        F("lost_reason", TEXT, "lost reason", "reason lost", "loss reason", "reason"),
        F("competitor", TEXT, "competitor", "lost to"),
        F("next_step", TEXT, "next step", "next action"),
        F("last_activity_on", DATE, "last activity", "last activity date", "last contact"),
        F("win_reason", TEXT, "win reason", "won reason", "reason won", "why won"),
        F("next_step_on", DATE, "next step on", "next step date", "next step due",
          "next action date", "follow up date", "follow up on", "next follow up"),
        F("needs_me", FLAG, "needs me", "needs owner", "needs attention", "owner attention",
          "escalated", "escalate", "needs help"),
        F("special_terms", TEXT, "special terms", "terms", "special conditions",
          "deal terms", "conditions"),
        F("campaign", TEXT, "campaign", "campaign name", "marketing campaign", "promo code",
          "promotion code", "promo", "coupon code", "utm campaign"),
        # "Missing feature — which one?": free text beside the lost reason
        F("reason_detail", TEXT, "reason detail", "lost reason detail", "loss detail",
          "why lost detail", "reason details", "loss reason detail", "details"),
        F(KEY, REF, "line key", "record key"),
    ),
    "tickets": (
        _CUSTOMER_REF, _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("ref", REF, "ticket id", "case id", "ticket number", "ticket no", "case number",
          "ticket", "id", "ref"),
        F("opened_at", TIMESTAMP, "opened at", "opened", "created at", "created",
          "date opened", "submitted", "ticket date", "open date"),
        F("first_response_at", TIMESTAMP, "first response time", "first response",
          "first response at", "first reply", "responded at"),
        F("resolved_at", TIMESTAMP, "time to resolution", "resolved at", "resolved",
          "resolution date", "closed at", "date closed"),
        F("topic", TEXT, "ticket type", "topic", "issue type", "ticket subject", "subject",
          "category"),
        F("channel", TEXT, "ticket channel", "channel", "contact channel", "source"),
        F("status", TEXT, "ticket status", "status"),
        F("is_complaint", FLAG, "is complaint", "complaint"),
        F("contacts", INT, "contacts", "interactions", "number of contacts", "replies"),
        F("csat", SCORE5, "customer satisfaction rating", "csat", "satisfaction",
          "satisfaction rating", "rating"),
        # another ticket's ref: this one follows up that issue (a repeat contact)
        F("follow_up_of", REF, "follow up of", "original ticket", "parent ticket",
          "related ticket", "follows", "follow up to", "original ticket id",
          "parent ticket id", "related ticket id", "follow up of ticket"),
        F(KEY, REF, "line key", "record key"),
    ),
    "surveys": (
        F("date", DATE, "date", "survey date", "response date", "submitted", required=True),
        F("customer", REF, "customer id", "customer", "client", "respondent", "account"),
        _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("kind", TEXT, "survey kind", "survey type", "kind", "type"),
        F("question", TEXT, "question", "survey question", "question text", "asked",
          "prompt"),
        F("nps", SCORE10, "nps", "nps score", "likelihood to recommend", "recommend score"),
        F("csat", SCORE5, "csat", "satisfaction", "satisfaction rating"),
        F("score", NUMBER, "score", "rating"),
        F("would_refer", FLAG, "would refer", "would recommend", "refer"),
        F("reason", TEXT, "reason", "main reason"),
        F("comment", TEXT, "comment", "comments", "feedback", "verbatim"),
        # what respondents were offered for answering (a questionnaire's prize draw...)
        F("incentive", TEXT, "incentive", "reward", "offer", "incentive offered"),
        F(KEY, REF, "line key", "record key"),
    ),
    "spend": (
        F("month", MONTH, "month", "period", "date", required=True),
        F("amount", MONEY, "amount", "spend", "cost", "budget", "marketing spend",
          required=True),
        F("channel", TEXT, "channel", "source", "campaign"),
        F(KEY, REF, "line key", "record key"),
    ),
    "targets": (
        F("month", MONTH, "month", "period", "date", required=True),
        # required unless the sheet holds metric targets (`missing_required`)
        F("revenue_target", MONEY, "revenue target", "sales target", "revenue goal",
          "sales goal", "goal", required=True),
        F("new_customers_target", INT, "new customers target", "new customer target",
          "customers target"),
        F("product", REF, "product", "product name", "product id", "sku", "item"),
        F("category", TEXT, "category", "product category", "product line", "line"),
        F("metric", TEXT, "metric", "metric id", "kpi", "measure", "indicator"),
        # a `target` column without a `metric` column is the revenue target ("Month,
        # Target" sheets): validate renames it
        F("target", MEASURE, "target", "target value", "metric target", "kpi target",
          "goal value", "value"),
    ),
    # what will be done about a signal; `owner` is who acts (never a culprit field)
    "actions": (
        F("title", TEXT, "action", "action title", "action item", "task", "to do", "todo",
          "title", "what", required=True),
        _CUSTOMER_REF, _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("deal", TEXT, "deal", "deal ref", "deal id", "deal title", "opportunity",
          "opportunity id"),
        F("due_on", DATE, "due on", "due", "due date", "deadline", "by when", "target date",
          "due by"),
        F("owner", TEXT, "owner", "action owner", "assigned to", "who", "responsible",
          "who acts"),
        F("status", TEXT, "status", "action status", "state"),
        F("issue", TEXT, "issue", "problem", "signal", "description", "details"),
        F("cause", TEXT, "cause", "root cause", "cause category", "category"),
        F("outcome", TEXT, "outcome", "result", "resolution"),
        F("created_on", DATE, "created on", "created", "raised on", "raised", "opened on",
          "date"),
        F("done_on", DATE, "done on", "completed on", "completed", "date done", "closed on",
          "done date"),
        # where the action came from (detractor, hot_deal...): the Feedback tab finds a
        # detractor's rescue by it. Not in METRICS.md's Records table: the full export
        # carries it so that the rescue survives a round trip
        F("signal", TEXT, "signal", "action signal", "raised from"),
    ),
    # a call, meeting, e-mail or visit with a customer and/or about a deal
    "interactions": (
        F("date", DATE, "date", "interaction date", "contact date", "activity date",
          "contacted on", "date contacted", "logged on", "when", required=True),
        _CUSTOMER_REF, _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("deal", TEXT, "deal", "deal ref", "deal id", "deal title", "opportunity",
          "opportunity id"),
        F("kind", TEXT, "kind", "type", "interaction type", "activity type", "contact type",
          "interaction", "activity", "medium", "how"),
        F("note", TEXT, "note", "notes", "summary", "comment", "comments", "details",
          "description", "outcome"),
        F(KEY, REF, "line key", "record key"),
    ),
    # operating costs per month (rent, wages, software...), beside marketing spend
    "costs": (
        F("month", MONTH, "month", "period", "date", required=True),
        F("amount", MONEY, "amount", "cost", "costs", "expense", "expenses", "total",
          "value", required=True),
        F("category", TEXT, "category", "cost category", "expense category", "cost type",
          "expense type", "type", "account", "cost centre", "cost center", "item"),
        F(KEY, REF, "line key", "record key"),
    ),
    # ---- what the owner records in the app (m005): a customer, product or question is
    # found by the same rules as elsewhere, never created from these sheets
    # an onboarding step ticked (or planned) for a customer: (customer, step) is the key
    "onboarding_steps": (
        _CUSTOMER_REF, _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("step", TEXT, "onboarding step", "step", "milestone", required=True),
        F("due_on", DATE, "step due", "due on", "due date", "due"),
        F("done_on", DATE, "done on", "step done", "completed on", "date done", "done"),
        F("note", TEXT, "note", "notes", "comment"),
    ),
    # an at-risk customer set aside until a day (one per customer)
    "customer_snoozes": (
        _CUSTOMER_REF, _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("until", DATE, "snoozed until", "snooze until", "set aside until", "until",
          required=True),
        F("note", TEXT, "note", "notes", "comment", "why"),
        F("set_on", DATE, "set on", "snoozed on", "set aside on"),
    ),
    # where the owner is with a detractor (one per customer)
    "detractor_followups": (
        _CUSTOMER_REF, _CUSTOMER_NAME, _CUSTOMER_EMAIL,
        F("state", TEXT, "follow up state", "followup state", "detractor state",
          "follow up", "state", required=True),
        F("changed_on", DATE, "changed on", "state changed on", "updated on"),
        F("note", TEXT, "note", "notes", "comment"),
    ),
    # a product's business case (one per product)
    "product_cases": (
        F("product", REF, "product id", "productid", "sku", "product code", "product ref",
          "item code", "product"),  # (or product_name: `missing_required`)
        F("product_name", TEXT, "product name", "item name"),
        F("expected_volume", NUMBER, "expected volume", "expected units",
          "expected units per month", "volume"),
        F("expected_price", MONEY, "expected price", "expected unit price"),
        F("expected_margin_pct", PERCENT, "expected margin", "expected margin pct"),
        F("investment", MONEY, "investment", "upfront investment", "investment needed"),
        F("start_on", DATE, "start on", "start date", "launch date", "launched on"),
    ),
    # a dated strategic review: the five headings and the decisions, as free text
    "strategic_reviews": (
        F("reviewed_on", DATE, "reviewed on", "review date", "date of review",
          required=True),
        F("market", TEXT, "market"),
        F("services", TEXT, "services", "products and services"),
        F("customer_needs", TEXT, "customer needs", "needs"),
        F("external", TEXT, "external", "external factors"),
        F("competition", TEXT, "competition", "competitors"),
        F("decisions", TEXT, "decisions", "decided"),
        F("created_at", TIMESTAMP, "created at", "written at"),
    ),
    # a scorecard question's target score and the action that follows it up; the action
    # by its title (plus its creation day when several share the title)
    "scorecard_followups": (
        F("question_id", REF, "question id", "scorecard question", "question",
          required=True),
        F("target_score", SCORE10, "target score", "target"),
        F("action", TEXT, "action", "action title", "follow up action"),
        F("action_created_on", DATE, "action created on", "action created"),
    ),
}
# the kinds above that point at a customer and never create one
OWNER_CUSTOMER_KINDS = ("onboarding_steps", "customer_snoozes", "detractor_followups")
OWNER_KINDS = (*OWNER_CUSTOMER_KINDS, "product_cases", "strategic_reviews",
               "scorecard_followups")
KINDS: tuple[str, ...] = tuple(CATALOGUE)

# One of these per row identifies the customer a record points at.
CUSTOMER_FIELDS = ("customer", "customer_name", "customer_email")


def fields(kind: str) -> tuple[FieldSpec, ...]:
    """The catalogue of `kind`; ValueError naming the kinds when unknown."""
    try:
        return CATALOGUE[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}") from None


def field(kind: str, name: str) -> FieldSpec:
    for spec in fields(kind):
        if spec.name == name:
            return spec
    raise ValueError(f"{kind} has no field {name!r}; fields: "
                     + ", ".join(s.name for s in fields(kind)))


def missing_required(kind: str, mapped: set[str]) -> list[str]:
    """Required fields with no column; alternatives are spelled 'a or b'."""
    missing = []
    for spec in fields(kind):
        if not spec.required or spec.name in mapped:
            continue
        if spec.name == "customer" and mapped & set(CUSTOMER_FIELDS):
            continue
        if spec.name == "revenue" and {"quantity", "unit_price"} <= mapped:
            continue
        if spec.name == "customer" and kind in ("surveys", "deals", "actions",
                                                "interactions"):  # optional
            continue
        if spec.name == "revenue_target" and "target" in mapped:  # metric or revenue targets
            continue
        missing.append({"customer": "customer (id, name or e-mail)",
                        "revenue": "revenue (or quantity and unit_price)"}.get(spec.name,
                                                                                spec.name))
    if kind == "customers" and not mapped & {"name", "ref"}:
        missing.append("name or ref")
    if kind == "product_cases" and not mapped & {"product", "product_name"}:
        missing.append("product (ref or name)")
    if kind == "interactions" and not mapped & {*CUSTOMER_FIELDS, "deal"}:
        missing.append("customer or deal")
    if kind == "targets" and "metric" in mapped and "target" not in mapped:
        missing.append("target (the value for each metric)")
    return missing

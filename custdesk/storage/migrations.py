"""Ordered, named schema migrations.

`user_version` = the number of steps applied. Each step runs in its own transaction
together with its `user_version` bump, so a kill leaves the old or the new schema, never
half. A backup is taken before the first step runs on a file that already holds data.

Every step lives here, in order, and a step's SQL never changes once released (a file
migrated by an old version must end with the same schema as one migrated today).
Dependencies point one way: database → migrations → store/backups/fileformat.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from custdesk.domain.records import DEFAULT_REASONS, DEFAULT_SETTINGS, DEFAULT_STAGES
from custdesk.domain.text import name_key
from custdesk.storage.backups import create_backup
from custdesk.storage.fileformat import APPLICATION_ID
from custdesk.storage.store import Store

_ID = "id INTEGER PRIMARY KEY"
_BATCH = "batch_id INTEGER REFERENCES import_batches(id)"

M001_SQL = f"""
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE import_batches (
    {_ID}, kind TEXT NOT NULL, source_file TEXT NOT NULL, sheet TEXT, mode TEXT,
    started_at TEXT NOT NULL, finished_at TEXT,
    rows_read INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0, unchanged INTEGER NOT NULL DEFAULT 0,
    invalid INTEGER NOT NULL DEFAULT 0, undone_at TEXT
) STRICT;

-- What each import did, so that undo restores the database exactly.
CREATE TABLE batch_changes (
    {_ID}, batch_id INTEGER NOT NULL REFERENCES import_batches(id),
    table_name TEXT NOT NULL, row_id INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('insert', 'update')), before_json TEXT
) STRICT;
CREATE INDEX batch_changes_batch ON batch_changes(batch_id);

CREATE TABLE customers (
    {_ID}, ref TEXT, name TEXT NOT NULL, name_key TEXT NOT NULL,
    company TEXT, email TEXT, email_key TEXT, phone TEXT, segment TEXT, source TEXT,
    referred_by TEXT, acquired_on TEXT, status TEXT CHECK (status IN ('active', 'lost')),
    lost_on TEXT, lost_reason TEXT, country TEXT, city TEXT, notes TEXT,
    created_on TEXT NOT NULL, {_BATCH}
) STRICT;
CREATE INDEX customers_ref ON customers(ref) WHERE ref IS NOT NULL;
CREATE INDEX customers_email ON customers(email_key) WHERE email_key IS NOT NULL;
CREATE INDEX customers_name ON customers(name_key);
CREATE INDEX customers_segment ON customers(segment);

CREATE TABLE products (
    {_ID}, ref TEXT, name TEXT NOT NULL, name_key TEXT NOT NULL, category TEXT,
    list_price_e4 INTEGER, unit_cost_e4 INTEGER, target_margin_pct REAL, {_BATCH}
) STRICT;
CREATE INDEX products_ref ON products(ref) WHERE ref IS NOT NULL;
CREATE INDEX products_name ON products(name_key);

-- Order lines. month = year*100 + month, for fast monthly aggregates.
CREATE TABLE orders (
    {_ID}, customer_id INTEGER NOT NULL REFERENCES customers(id),
    date TEXT NOT NULL, month INTEGER NOT NULL, order_ref TEXT,
    product_id INTEGER REFERENCES products(id), category TEXT,
    quantity REAL, unit_price_e4 INTEGER, revenue_e4 INTEGER NOT NULL,
    discount REAL, cost_e4 INTEGER, line_key TEXT, {_BATCH}
) STRICT;
CREATE INDEX orders_customer_date ON orders(customer_id, date, revenue_e4, cost_e4);
CREATE INDEX orders_date ON orders(date, customer_id, revenue_e4, cost_e4);
CREATE INDEX orders_month ON orders(month, revenue_e4, cost_e4);
CREATE INDEX orders_product ON orders(product_id);
CREATE UNIQUE INDEX orders_line_key ON orders(line_key) WHERE line_key IS NOT NULL;

CREATE TABLE stages (
    {_ID}, name TEXT NOT NULL UNIQUE, name_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    probability REAL NOT NULL CHECK (probability BETWEEN 0 AND 100),
    position INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE deals (
    {_ID}, ref TEXT, customer_id INTEGER REFERENCES customers(id), title TEXT,
    product_id INTEGER REFERENCES products(id),
    stage_id INTEGER NOT NULL REFERENCES stages(id),
    amount_e4 INTEGER, list_amount_e4 INTEGER,
    probability REAL CHECK (probability BETWEEN 0 AND 100),
    owner TEXT, source TEXT, created_on TEXT, expected_close TEXT, closed_on TEXT,
    lost_reason TEXT, competitor TEXT, next_step TEXT, last_activity_on TEXT,
    line_key TEXT, {_BATCH}
) STRICT;
CREATE INDEX deals_ref ON deals(ref) WHERE ref IS NOT NULL;
CREATE INDEX deals_customer ON deals(customer_id);
CREATE INDEX deals_stage ON deals(stage_id);
CREATE UNIQUE INDEX deals_line_key ON deals(line_key) WHERE line_key IS NOT NULL;

CREATE TABLE tickets (
    {_ID}, ref TEXT, customer_id INTEGER NOT NULL REFERENCES customers(id),
    opened_at TEXT, first_response_at TEXT, resolved_at TEXT, topic TEXT, channel TEXT,
    status TEXT, is_complaint INTEGER NOT NULL DEFAULT 0 CHECK (is_complaint IN (0, 1)),
    contacts INTEGER, csat INTEGER CHECK (csat BETWEEN 1 AND 5), line_key TEXT, {_BATCH}
) STRICT;
CREATE INDEX tickets_customer ON tickets(customer_id, opened_at);
CREATE UNIQUE INDEX tickets_line_key ON tickets(line_key) WHERE line_key IS NOT NULL;

CREATE TABLE surveys (
    {_ID}, date TEXT NOT NULL, customer_id INTEGER REFERENCES customers(id),
    kind TEXT NOT NULL DEFAULT 'customer'
        CHECK (kind IN ('customer', 'employee', 'mystery_shop', 'questionnaire')),
    nps INTEGER CHECK (nps BETWEEN 0 AND 10), csat INTEGER CHECK (csat BETWEEN 1 AND 5),
    score REAL CHECK (score BETWEEN 0 AND 10), would_refer INTEGER CHECK (would_refer IN (0, 1)),
    reason TEXT, comment TEXT, line_key TEXT, {_BATCH}
) STRICT;
CREATE INDEX surveys_date ON surveys(kind, date);
CREATE INDEX surveys_customer ON surveys(customer_id, date);
CREATE UNIQUE INDEX surveys_line_key ON surveys(line_key) WHERE line_key IS NOT NULL;

CREATE TABLE spend (
    {_ID}, month TEXT NOT NULL, amount_e4 INTEGER NOT NULL, channel TEXT,
    line_key TEXT, {_BATCH}
) STRICT;
CREATE UNIQUE INDEX spend_line_key ON spend(line_key) WHERE line_key IS NOT NULL;

CREATE TABLE targets (
    month TEXT PRIMARY KEY, revenue_target_e4 INTEGER NOT NULL,
    new_customers_target INTEGER, {_BATCH}
) STRICT;

CREATE TABLE reasons (
    {_ID}, name TEXT NOT NULL UNIQUE, position INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE assessments ({_ID}, taken_on TEXT NOT NULL, note TEXT) STRICT;
CREATE TABLE assessment_answers (
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL, score INTEGER CHECK (score BETWEEN 0 AND 10),
    PRIMARY KEY (assessment_id, question_id)
) STRICT;

-- Column mappings the owner confirmed, reused for files with the same headers.
CREATE TABLE column_mappings (
    signature TEXT PRIMARY KEY, kind TEXT NOT NULL, mapping_json TEXT NOT NULL,
    saved_at TEXT NOT NULL
) STRICT;
"""


def m001_initial(db: sqlite_utils.Database) -> None:
    for statement in M001_SQL.split(";\n"):
        if statement.strip():
            db.execute(statement)
    db.conn.executemany(
        "INSERT INTO settings(key, value) VALUES (?, ?)", DEFAULT_SETTINGS.items()
    )
    db.conn.executemany(
        "INSERT INTO stages(name, name_key, kind, probability, position) VALUES (?, ?, ?, ?, ?)",
        [(s.name, name_key(s.name), s.kind.value, s.probability, s.position)
         for s in DEFAULT_STAGES],
    )
    db.conn.executemany(
        "INSERT INTO reasons(name, position) VALUES (?, ?)",
        [(name, i) for i, name in enumerate(DEFAULT_REASONS, start=1)],
    )


# ---- m002: the per-customer order summary (kept by queries_summary) ----------------------

_MARK = ("WHEN (SELECT dirty FROM summary_state WHERE name = 'customer_order_stats') = 0 "
         "BEGIN UPDATE summary_state SET dirty = 1 WHERE name = 'customer_order_stats'; END")

M002_STATEMENTS = (
    """CREATE TABLE customer_order_stats (
        customer_id INTEGER PRIMARY KEY,
        first_date TEXT NOT NULL, last_date TEXT NOT NULL, lines INTEGER NOT NULL,
        revenue_e4 INTEGER NOT NULL, cost_e4 INTEGER NOT NULL,
        min_key TEXT NOT NULL, max_key TEXT NOT NULL
    ) STRICT""",
    "CREATE TABLE summary_state (name TEXT PRIMARY KEY, dirty INTEGER NOT NULL) STRICT",
    # created empty and marked stale: open_store fills it right after migrating (one
    # fill statement, queries_summary's, instead of a frozen copy here)
    "INSERT INTO summary_state VALUES ('customer_order_stats', 1)",
    # the triggers only mark the summary stale (one tiny row, once per transaction);
    # custdesk's writers rebuild it before they commit, reads never do
    f"CREATE TRIGGER orders_stats_insert AFTER INSERT ON orders {_MARK}",
    f"CREATE TRIGGER orders_stats_delete AFTER DELETE ON orders {_MARK}",
    "CREATE TRIGGER orders_stats_update AFTER UPDATE OF customer_id, date, order_ref, "
    f"revenue_e4, cost_e4 ON orders {_MARK}",
    # the period's distinct-order count reads order_ref: adding it at the end of the date
    # index keeps that count index-only; same leading columns, so every plan that used the
    # old index still can
    "DROP INDEX orders_date",
    "CREATE INDEX orders_date ON orders(date, customer_id, revenue_e4, cost_e4, order_ref)",
    # count(DISTINCT order_ref) over a period walks this index in order_ref order instead
    # of building a temporary B-tree: 0.08 s instead of 0.4–0.6 s at 1M lines (0.25 s
    # instead of 0.7 s per segment)
    "CREATE INDEX orders_ref_date ON orders(order_ref, date, customer_id)",
)


def m002_customer_order_stats(db: sqlite_utils.Database) -> None:
    """Create the summary (stale, filled at open) and the triggers that mark it stale."""
    for statement in M002_STATEMENTS:
        db.execute(statement)


# ---- m003: fields METRICS.md added; targets per product line and per metric -------------

M003_COLUMNS = (
    ("customers", "campaign TEXT"), ("customers", "contract_end TEXT"),
    ("customers", "region TEXT"),
    ("orders", "status TEXT"), ("orders", "shipped_on TEXT"), ("orders", "delivered_on TEXT"),
    ("orders", "region TEXT"),  # the line's ship-to region
    ("deals", "campaign TEXT"), ("deals", "needs_me INTEGER CHECK (needs_me IN (0, 1))"),
    ("deals", "next_step_on TEXT"), ("deals", "special_terms TEXT"),
    ("deals", "win_reason TEXT"),
    ("surveys", "question TEXT"),
)

# One row per (month, product line or none, metric or none): a row without a metric is a
# revenue target (new_customers_target beside it), a row with one is that metric's target.
# A product line is a product (its name) or a category, never both.
M003_TARGETS = (
    f"""CREATE TABLE targets_m003 (
        {_ID}, month TEXT NOT NULL, product TEXT, category TEXT, metric TEXT,
        revenue_target_e4 INTEGER, new_customers_target INTEGER, target REAL, {_BATCH},
        CHECK (product IS NULL OR category IS NULL),
        CHECK ((metric IS NULL AND target IS NULL AND revenue_target_e4 IS NOT NULL)
            OR (metric IS NOT NULL AND target IS NOT NULL AND revenue_target_e4 IS NULL
                AND new_customers_target IS NULL))
    ) STRICT""",
    # the old rowids are kept as ids: batch_changes' undo records point at them
    "INSERT INTO targets_m003(id, month, revenue_target_e4, new_customers_target, batch_id) "
    "SELECT rowid, month, revenue_target_e4, new_customers_target, batch_id FROM targets "
    "ORDER BY rowid",
    "DROP TABLE targets",
    "ALTER TABLE targets_m003 RENAME TO targets",
    "CREATE UNIQUE INDEX targets_line ON targets(month, coalesce(product, ''), "
    "coalesce(category, ''), coalesce(metric, ''))",
)


def m003_more_fields(db: sqlite_utils.Database) -> None:
    """New columns (NULL in existing rows) and the targets table rebuilt for its new
    uniqueness, rows kept (inside the step's transaction, like every step)."""
    for table, column in M003_COLUMNS:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    for statement in M003_TARGETS:
        db.execute(statement)


# ---- m004: actions (signal -> what will be done), deal stage history, interactions ------

# (frozen here: a released step's SQL never changes, even if the domain lists grow)
ACTION_CAUSES = ("product", "process", "policy", "people", "price", "other")
ACTION_STATUSES = ("open", "done", "dropped")
INTERACTION_KINDS = ("call", "meeting", "email", "visit", "other")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


M004_STATEMENTS = (
    # an action survives its customer/deal being deleted (its title and issue say what it
    # was about); a survey or ticket it came from is a pointer only
    f"""CREATE TABLE actions (
        {_ID}, title TEXT NOT NULL,
        customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
        deal_id INTEGER REFERENCES deals(id) ON DELETE SET NULL,
        survey_id INTEGER REFERENCES surveys(id) ON DELETE SET NULL,
        ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
        signal TEXT, issue TEXT, cause TEXT CHECK (cause IN {_in(ACTION_CAUSES)}),
        owner TEXT, due_on TEXT,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN {_in(ACTION_STATUSES)}),
        outcome TEXT, created_on TEXT NOT NULL, done_on TEXT, line_key TEXT, {_BATCH}
    ) STRICT""",
    "CREATE INDEX actions_status_due ON actions(status, due_on)",
    "CREATE INDEX actions_customer ON actions(customer_id) WHERE customer_id IS NOT NULL",
    "CREATE INDEX actions_deal ON actions(deal_id) WHERE deal_id IS NOT NULL",
    # every stage change of a deal with its date (METRICS.md leads_qualified)
    f"""CREATE TABLE deal_stage_history (
        {_ID}, deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
        from_stage_id INTEGER REFERENCES stages(id),
        stage_id INTEGER NOT NULL REFERENCES stages(id),
        changed_on TEXT NOT NULL, note TEXT, {_BATCH}
    ) STRICT""",
    "CREATE INDEX deal_stage_history_deal ON deal_stage_history(deal_id, changed_on)",
    f"""CREATE TABLE interactions (
        {_ID}, date TEXT NOT NULL,
        customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
        deal_id INTEGER REFERENCES deals(id) ON DELETE SET NULL,
        kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN {_in(INTERACTION_KINDS)}),
        note TEXT, line_key TEXT, {_BATCH}
    ) STRICT""",
    "CREATE INDEX interactions_customer ON interactions(customer_id, date)",
    "CREATE INDEX interactions_deal ON interactions(deal_id, date)",
)


def m004_actions(db: sqlite_utils.Database) -> None:
    """Actions, the deals' stage history and the interactions log (new tables only)."""
    for statement in M004_STATEMENTS:
        db.execute(statement)


# ---- m005: triage, edit undo, costs, line geography, onboarding, reviews, cases --------

DETRACTOR_STATES = ("to_contact", "contacted", "resolved", "not_recovered")

M005_COLUMNS = (
    ("orders", "country TEXT"), ("orders", "city TEXT"),  # the line's ship-to
    ("tickets", "follow_up_of INTEGER REFERENCES tickets(id) ON DELETE SET NULL"),
    ("surveys", "incentive TEXT"),  # what a questionnaire's respondents were offered
    ("deals", "reason_detail TEXT"),  # "Missing feature — which one?"
)

M005_STATEMENTS = (
    # an at-risk customer set aside until a date, with the owner's note
    """CREATE TABLE customer_snoozes (
        customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        until TEXT NOT NULL, note TEXT, set_on TEXT NOT NULL
    ) STRICT""",
    f"""CREATE TABLE detractor_followups (
        customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN {_in(DETRACTOR_STATES)}),
        changed_on TEXT NOT NULL, note TEXT
    ) STRICT""",
    # one row per edit made in the app: what to write back to undo it (JSON)
    f"""CREATE TABLE edit_log (
        {_ID}, made_at TEXT NOT NULL, label TEXT NOT NULL, undo_json TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
    ) STRICT""",
    f"""CREATE TABLE costs (
        {_ID}, month TEXT NOT NULL, amount_e4 INTEGER NOT NULL, category TEXT,
        line_key TEXT, {_BATCH}
    ) STRICT""",
    "CREATE UNIQUE INDEX costs_line_key ON costs(line_key) WHERE line_key IS NOT NULL",
    """CREATE TABLE onboarding_steps (
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        step TEXT NOT NULL, due_on TEXT, done_on TEXT, note TEXT,
        PRIMARY KEY (customer_id, step)
    ) STRICT""",
    f"""CREATE TABLE strategic_reviews (
        {_ID}, reviewed_on TEXT NOT NULL, market TEXT, services TEXT, customer_needs TEXT,
        external TEXT, competition TEXT, decisions TEXT, created_at TEXT NOT NULL
    ) STRICT""",
    """CREATE TABLE product_cases (
        product_id INTEGER PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
        expected_volume REAL, expected_price_e4 INTEGER, expected_margin_pct REAL,
        investment_e4 INTEGER, start_on TEXT
    ) STRICT""",
    # open pipeline per stage at a month end, kept when history cannot rebuild it
    """CREATE TABLE pipeline_snapshots (
        month TEXT NOT NULL, stage_id INTEGER NOT NULL REFERENCES stages(id),
        deals INTEGER NOT NULL, amount_e4 INTEGER NOT NULL, weighted_e4 INTEGER NOT NULL,
        taken_on TEXT NOT NULL, PRIMARY KEY (month, stage_id)
    ) STRICT""",
    """CREATE TABLE scorecard_followups (
        question_id TEXT PRIMARY KEY,
        target_score INTEGER CHECK (target_score BETWEEN 0 AND 10),
        action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL
    ) STRICT""",
)


def m005_triage_and_more(db: sqlite_utils.Database) -> None:
    """Tables for at-risk snoozes, detractor follow-ups, the edit log, operating costs,
    onboarding steps, strategic reviews, product business cases, pipeline snapshots and
    scorecard follow-ups; optional columns on orders, tickets, surveys and deals."""
    for table, column in M005_COLUMNS:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    for statement in M005_STATEMENTS:
        db.execute(statement)


# ---- m006: more per-customer columns in the order summary (kept by queries_summary) -----

# what the catalogue's tallies (a period holding the whole history) and the customers table
# otherwise sum from every line of every customer: revenue and count of the lines with a
# known cost, and the orders (distinct order_ref, plus each line without one)
M006_STATEMENTS = (
    "ALTER TABLE customer_order_stats ADD COLUMN costed_revenue_e4 INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE customer_order_stats ADD COLUMN costed_lines INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE customer_order_stats ADD COLUMN orders INTEGER NOT NULL DEFAULT 0",
    # the existing rows hold 0s: marked stale, so open_store refills the summary right
    # after migrating (reads meanwhile sum from the lines, never from the 0s)
    "UPDATE summary_state SET dirty = 1 WHERE name = 'customer_order_stats'",
)


def m006_order_stats_columns(db: sqlite_utils.Database) -> None:
    """Add costed revenue, costed lines and orders to the summary, and mark it stale."""
    for statement in M006_STATEMENTS:
        db.execute(statement)


Migration = tuple[str, Callable[[sqlite_utils.Database], None]]

MIGRATIONS: list[Migration] = [
    ("m001_initial", m001_initial),
    ("m002_customer_order_stats", m002_customer_order_stats),
    ("m003_more_fields", m003_more_fields),
    ("m004_actions", m004_actions),
    ("m005_triage_and_more", m005_triage_and_more),
    ("m006_order_stats_columns", m006_order_stats_columns),
]
LATEST_VERSION = len(MIGRATIONS)


def pending(current_version: int) -> list[tuple[int, str, Callable[[sqlite_utils.Database], None]]]:
    return [(i, name, step) for i, (name, step) in enumerate(MIGRATIONS, start=1)
            if i > current_version]


def migrate(store: Store) -> list[str]:
    """Apply the pending steps; returns their names (empty when already current)."""
    steps = pending(store.schema_version())
    if steps and store.schema_version() > 0:
        create_backup(store, reason="before-migration")
    for version, _name, step in steps:
        with store.transaction() as db:
            step(db)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {version}")
    return [name for _v, name, _s in steps]

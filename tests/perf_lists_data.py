"""Random files of every record kind for the lists' SQL-versus-reference tests
(tests/test_perf_lists_*.py), with the state rules' odd corners mixed in."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from custdesk.domain.customer_state import is_active
from custdesk.domain.periods import Period
from custdesk.storage import Store
from custdesk.storage import queries_cohorts as qc
from custdesk.storage import queries_lists as ql
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


def random_store(folder: Path, seed: int) -> Store:
    """A `make_db` file (random sizes) where a quarter of the customers are marked lost
    without a date, lost on a day, given an acquisition day or a blank one, plus one
    contact without any record but a customer-sheet row."""
    rng = random.Random(seed)
    s = random_kinds_file(folder / "kinds.db", seed, END, rng=rng, customers=(50, 300),
                          lines=(200, 3000), deals=(50, 400), tickets=(50, 300),
                          surveys=(20, 200))
    ids = [cid for (cid,) in s.conn.execute("SELECT id FROM customers")]
    for cid in rng.sample(ids, len(ids) // 4):
        when = (date(2016, 1, 1) + timedelta(days=rng.randint(0, 4000))).isoformat()
        sql = ("UPDATE customers SET status = 'lost', lost_on = NULL WHERE id = ?",
               "UPDATE customers SET lost_on = ? WHERE id = ?",
               "UPDATE customers SET acquired_on = ? WHERE id = ?",
               "UPDATE customers SET lost_on = ?, lost_reason = 'Price' WHERE id = ?",
               "UPDATE customers SET acquired_on = '' WHERE id = ?")[rng.randrange(5)]
        s.conn.execute(sql, (cid,) if sql.count("?") == 1 else (when, cid))
    s.conn.execute("INSERT INTO customers (name, name_key, created_on) "
                   "VALUES ('Only a ticket', 'only a ticket', '2020-01-01')")
    s.conn.commit()
    return s


def periods() -> list[Period]:
    """The usual periods up to the file's end, one long before it, and random ones."""
    rng = random.Random(7)
    out = [Period(END - timedelta(days=364), END), Period(date(2016, 1, 1), END),
           Period(END - timedelta(days=89), END), Period(date(2000, 1, 1), date(2000, 12, 31))]
    for _ in range(8):
        start = date(2017, 1, 1) + timedelta(days=rng.randint(0, 3400))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 400))))
    return out


def cohort_cells_reference(store: Store, lo: date, end: date, window: int
                           ) -> list[qc.CohortCell]:
    """The Customers tab's cohort cells by the state rules over every customer's order
    days (`queries_cohorts.cohort_cells`' reference)."""
    days = ql.order_days(store, date.max)
    n: Counter[tuple[str, int]] = Counter()
    reached: Counter[tuple[str, int]] = Counter()
    active: Counter[tuple[str, int]] = Counter()
    for f in ql.customer_states(store, end):  # acquisition, loss day and status
        if not lo <= f.acquired <= end:
            continue
        cohort = f"{f.acquired.year}-Q{(f.acquired.month + 2) // 3}"
        for m in qc.COHORT_MONTHS:
            # SQLite's date(acq, '+m months') (a month end can run into the next month)
            (text,) = store.conn.execute("SELECT date(?, ?)", (f.acquired.isoformat(),
                                                              f"+{m} months")).fetchone()
            d = date.fromisoformat(text)
            n[cohort, m] += 1
            if d <= end:
                reached[cohort, m] += 1
                own = days.get(f.id, [])
                i = bisect_right(own, d)
                active[cohort, m] += is_active(f, d, own[i - 1] if i else None, window)
    return [qc.CohortCell(c, m, n[c, m], reached[c, m], active[c, m]) for c, m in sorted(n)]

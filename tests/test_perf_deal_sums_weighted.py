"""The deal sums with the weighted value rounded for the open deals alone
(`queries_deals._SUMS`) must equal the statement rounding it for every deal
(`_SUMS_REFERENCE`): every `DealTotals` number and every won deal's discount, per period
and group, on random files of every record kind, with probabilities whose weighted values
fall on a half (rounded to even), for one or two periods (the pair Today asks for) and
each grouping the callers use."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.storage import queries_deals as qd
from tests.random_kinds import boundary_periods, random_kinds_file

END = date(2026, 11, 24)


def _halves(store, rng: random.Random) -> None:
    """Some deals' amounts and probabilities made so that amount x probability / 100 ends
    in .5 (an even and an odd whole part), and some without a probability of their own."""
    ids = [i for (i,) in store.conn.execute("SELECT id FROM deals")]
    for did in rng.sample(ids, min(len(ids), 40)):
        amount, prob = rng.choice([(1, 50.0), (3, 50.0), (5, 10.0), (15, 10.0), (-3, 50.0),
                                   (250_001, 50.0), (None, 25.0)])
        store.conn.execute("UPDATE deals SET amount_e4 = ?, probability = ? WHERE id = ?",
                           (amount, prob if rng.random() < 0.8 else None, did))
    store.conn.commit()


@pytest.mark.parametrize("seed", range(6))
def test_deal_sums_equal_reference(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = random_kinds_file(tmp_path / "f.db", seed, END, rng)
    try:
        _halves(store, rng)
        periods = boundary_periods(END)
        pairs = [[("now", p), ("prior", p.prior())] for p in periods]
        pairs += [[("", p)] for p in periods]
        pairs.append([(f"m{i}", Period(date(2026, m, 1), date(2026, m, 28)))
                      for i, m in enumerate(range(1, 12))])
        checked = 0
        for grp in (qd.GROUPS[None], qd.GROUPS["owner"], qd.GROUPS["segment"],
                    qd._SEGMENT_OR_NO_CUSTOMER):
            for pair in pairs:
                got = qd._deal_sums(store, pair, grp)
                assert got == qd._deal_sums(store, pair, grp, reference=True), (grp, pair)
                checked += sum(v[3] != 0 for v in got[0].values())  # weighted sums seen
        assert checked  # some open deals with a weighted value were summed
    finally:
        store.close()

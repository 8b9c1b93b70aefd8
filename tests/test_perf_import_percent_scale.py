"""A percent column of numbers is judged at C speed (`values.decide_percent_scale`); the
value-by-value loop (`_decide_percent_scale`) stays its reference: the same answer on
random columns of floats and blanks (NaN, ±0, 1, values just above and below 1), and on
columns mixing ints, bools and text, which take the loop."""

from __future__ import annotations

import math
import random

import pytest

from custdesk.sheets import values as v


def _column(rng: random.Random) -> list[object]:
    pools: list[list[object]] = [
        [None], [0.0, -0.0, 1.0, math.nan], [0.1, 0.25, 0.999999, 5e-324],
        [1.0000000000000002, 5.0, 10.0, 99.5], [-0.5, -3.0], [math.inf, -math.inf]]
    chosen = rng.sample(pools, rng.randrange(1, len(pools) + 1))
    column: list[object] = [rng.choice(rng.choice(chosen)) for _ in range(rng.randrange(60))]
    if rng.random() < 0.3:  # not floats alone: the loop decides
        column.insert(rng.randrange(len(column) + 1),
                      rng.choice([1, 0, True, "50%", "0.5", "12", " ", "n/a"]))
    return column


@pytest.mark.parametrize("seed", range(40))
def test_the_same_answer_as_the_loop(seed: int) -> None:
    rng = random.Random(seed)
    answers = set()
    for _ in range(200):
        column = _column(rng)
        answer = v.decide_percent_scale(column)
        assert answer == v._decide_percent_scale(column), column
        answers.add(answer)
    assert answers == {None, v.POINTS, v.FRACTIONS}

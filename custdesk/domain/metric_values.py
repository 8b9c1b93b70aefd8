"""A metric's value with its sample size and 95 % interval, and the helpers that build them.

Conventions (the whole metrics API): money is float currency units (e4 ints are converted
only here, when a value is made); percentages are 0–100; `None` means "cannot be computed"
(shown as "—"), never 0. Rounding happens only at output (CLI, UI).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

SMALL_SAMPLE = 30
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class MetricValue:
    value: float | None
    n: int | None
    low: float | None = None
    high: float | None = None

    @property
    def small_sample(self) -> bool:
        """True for a rate/mean whose sample is below 30 (shown with a warning)."""
        return self.n is not None and self.n < SMALL_SAMPLE


NONE = MetricValue(None, None)


def count(k: int) -> MetricValue:
    """A plain count: no denominator, so n is None."""
    return MetricValue(float(k), None)


def money(amount_e4: int | None, n: int | None = None) -> MetricValue:
    return MetricValue(None if amount_e4 is None else amount_e4 / 10_000, n)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for k successes in n trials, as 0–100 percentages."""
    if n <= 0 or k < 0 or k > n:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half) * 100, min(1.0, centre + half) * 100


def proportion(k: int, n: int) -> MetricValue:
    """k ÷ n × 100 with its Wilson interval; None when n is 0."""
    if n <= 0:
        return MetricValue(None, n)
    interval = wilson(k, n)
    low, high = interval if interval else (None, None)
    return MetricValue(k / n * 100, n, low, high)


def pct(numerator: float, denominator: float, n: int | None) -> MetricValue:
    """A percentage that is not a simple proportion (no interval)."""
    if not denominator:
        return MetricValue(None, n)
    return MetricValue(numerator / denominator * 100, n)


def ratio(numerator: float | None, denominator: float | None, n: int | None) -> MetricValue:
    if numerator is None or not denominator:
        return MetricValue(None, n)
    return MetricValue(numerator / denominator, n)


def mean(values: Iterable[float]) -> MetricValue:
    data = list(values)
    return MetricValue(statistics.fmean(data) if data else None, len(data))


def median(values: Iterable[float]) -> MetricValue:
    data = list(values)
    return MetricValue(statistics.median(data) if data else None, len(data))


def nps(scores: Iterable[int | None]) -> MetricValue:
    """Net promoter score −100..100 with a 95 % interval.

    Method: the score is the mean of a trinomial variable (+1 promoter, 0 passive,
    −1 detractor); its variance is (p₊ + p₋ − (p₊ − p₋)²) ÷ n and the interval is the
    normal approximation ±1.96 standard errors, clipped to −100..100.
    """
    data = [s for s in scores if s is not None]
    n = len(data)
    if n == 0:
        return MetricValue(None, 0)
    promoters = sum(1 for s in data if s >= 9) / n
    detractors = sum(1 for s in data if s <= 6) / n
    score = promoters - detractors
    se = math.sqrt(max(0.0, promoters + detractors - score * score) / n)
    low, high = max(-1.0, score - Z95 * se), min(1.0, score + Z95 * se)
    return MetricValue(score * 100, n, low * 100, high * 100)

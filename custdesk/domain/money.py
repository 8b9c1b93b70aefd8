"""Exact money.

Amounts are stored as integers of ten-thousandths of the currency unit ("e4"), the scale
SQL Server's `money` type uses: spreadsheets such as Superstore carry 4-decimal amounts
(16.448, 5.5512), which whole cents would round. Arithmetic on e4 integers is exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

SCALE = 10_000
_QUANTUM = Decimal("0.0001")


def to_e4(value: Decimal | int | float | str) -> int:
    """Convert an amount in currency units to integer ten-thousandths (half-even rounding).

    Floats go through `repr` so 16.448 stays 16.448 rather than its binary neighbour.
    """
    if isinstance(value, bool):
        raise TypeError("a flag is not money")
    if isinstance(value, int):
        return value * SCALE
    if isinstance(value, float):
        value = repr(value)
    try:
        dec = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not dec.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return int((dec.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN) * SCALE).to_integral_value())


def from_e4(amount_e4: int | None) -> Decimal | None:
    """Integer ten-thousandths back to an exact Decimal in currency units."""
    if amount_e4 is None:
        return None
    return (Decimal(amount_e4) / SCALE).quantize(_QUANTUM)


def e4_to_float(amount_e4: int | None) -> float | None:
    """For output only (JSON, charts): currency units as float."""
    return None if amount_e4 is None else amount_e4 / SCALE


def e4_to_cents(amount_e4: int | None) -> float | None:
    """For output only (a screen's list rows): currency units as float, to the cent."""
    return None if amount_e4 is None else round(amount_e4 / SCALE, 2)


def format_money(amount_e4: int | None, symbol: str = "$") -> str:
    """Owner-facing text such as "$1,234.50" or "−$12.00"; "—" when unknown."""
    if amount_e4 is None:
        return "—"
    dec = from_e4(amount_e4)
    assert dec is not None
    sign = "−" if dec < 0 else ""
    return f"{sign}{symbol}{abs(dec):,.2f}"

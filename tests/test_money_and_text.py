from decimal import Decimal

import pytest

from custdesk.domain.money import e4_to_float, format_money, from_e4, to_e4
from custdesk.domain.text import email_key, name_key


@pytest.mark.parametrize(("given", "e4"), [
    ("16.448", 164480), (16.448, 164480), (5.5512, 55512), (-5.487, -54870), (3, 30000),
    ("0.00005", 0), ("0.00015", 2), (Decimal("1234.5"), 12345000), ("-0.0001", -1),
])
def test_to_e4_is_exact(given, e4) -> None:
    assert to_e4(given) == e4


def test_to_e4_rejects_junk() -> None:
    for bad in ("abc", "nan", "inf"):
        with pytest.raises(ValueError):
            to_e4(bad)
    with pytest.raises(TypeError):
        to_e4(True)


def test_round_trip_and_sum_are_exact() -> None:
    amounts = ["0.1"] * 10
    assert sum(to_e4(a) for a in amounts) == to_e4("1.0")
    assert from_e4(to_e4("1234.5678")) == Decimal("1234.5678")
    assert from_e4(None) is None
    assert e4_to_float(12345) == 1.2345


def test_format_money() -> None:
    assert format_money(to_e4("1234.5")) == "$1,234.50"
    assert format_money(to_e4("-12")) == "−$12.00"
    assert format_money(None) == "—"


def test_name_key_matches_spacing_case_punctuation_and_accents() -> None:
    assert name_key("GTXPro") == name_key("GTX Pro") == name_key("gtx-pro") == "gtxpro"
    assert name_key("Zoë O'Brien") == name_key("zoe obrien")
    assert name_key(None) == ""
    assert name_key("Acme Ltd") != name_key("Acme Inc")


def test_email_key() -> None:
    assert email_key("  Ann@Example.COM ") == "ann@example.com"
    assert email_key(None) == ""

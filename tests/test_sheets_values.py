"""Cell values: dates, money, shares, flags, missing markers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from custdesk.sheets import values as v


@pytest.mark.parametrize("text", ["", "  ", "\u00a0", "NA", "n/a", "N/A", "#N/A", "-", "—",
                                  None, float("nan")])
def test_missing_markers(text):
    assert v.is_missing(text)
    assert v.parse_text(text) is None
    assert v.parse_money(text) is None
    assert v.parse_date(text) is None


@pytest.mark.parametrize("text, e4", [
    ("$1,234.50", 12_345_000), ("1.234,50 €", 12_345_000), ("(12.00)", -120_000),
    ("£5", 50_000), ("-3", -30_000), ("12,5", 125_000), ("1,234", 12_340_000),
    ("1 234,56", 12_345_600), ("USD 7.10", 71_000), ("4-", -40_000), (16.448, 164_480),
    (731.9399999999999, 7_319_400), (219.58199999999997, 2_195_820), (3, 30_000),
])
def test_money(text, e4):
    assert v.parse_money(text) == e4


@pytest.mark.parametrize("text", ["abc", "12..3", "1,2,3.4.5", True])
def test_not_money(text):
    with pytest.raises(ValueError):
        v.parse_money(text)


@pytest.mark.parametrize("value, share", [("20%", 0.2), ("0.2", 0.2), (0.15, 0.15), ("20", 0.2),
                                          ("1/4", 0.25), (0, 0.0), ("100 %", 1.0)])
def test_discount_shares(value, share):
    assert v.parse_fraction(value) == share


def test_share_out_of_range():
    with pytest.raises(ValueError):
        v.parse_fraction("150")


@pytest.mark.parametrize("value, flag", [("Yes", True), ("no", False), ("TRUE", True),
                                         ("false", False), ("1", True), (0, False), ("Y", True)])
def test_flags(value, flag):
    assert v.parse_flag(value) is flag


@pytest.mark.parametrize("value, status", [("Yes", "lost"), ("No", "active"),
                                           ("Churned", "lost"), ("active", "active")])
def test_status_from_churn_columns(value, status):
    assert v.parse_status(value) == status


def test_excel_serials_in_both_date_systems():
    assert v.parse_date(45000) == "2023-03-15"  # 1900 system
    assert v.parse_date(45000, date1904=True) == "2027-03-16"  # 1904: 1,462 days later
    assert v.parse_date(2) == "1900-01-01"
    with pytest.raises(ValueError, match="outside 1900"):  # issue 20 M2: before 1900
        v.parse_date(1)
    assert v.parse_timestamp(45000.5) == "2023-03-15T12:00:00"


def test_iso_and_real_dates():
    assert v.parse_date("2011-03-10 16:16:00") == "2011-03-10"
    assert v.parse_timestamp("2023-06-01 12:15:36") == "2023-06-01T12:15:36"
    assert v.parse_date(date(2024, 2, 29)) == "2024-02-29"
    assert v.parse_timestamp(datetime(2024, 2, 29, 8, 5)) == "2024-02-29T08:05:00"


def test_slashed_dates_need_an_order_unless_the_value_decides():
    assert v.parse_date("03/01/19", v.DAYFIRST) == "2019-01-03"
    assert v.parse_date("03/01/19", v.MONTHFIRST) == "2019-03-01"
    assert v.parse_date("3/22/2021") == "2021-03-22"  # 22 cannot be a month
    assert v.parse_date("31.12.1999") == "1999-12-31"
    with pytest.raises(ValueError, match="--dayfirst or --monthfirst"):
        v.parse_date("03/04/2024")
    with pytest.raises(ValueError, match="valid calendar date"):
        v.parse_date("31/02/2024", v.DAYFIRST)


def test_decide_date_order_from_a_column():
    assert v.decide_date_order(["03/01/19", "13/01/19"]) == v.DAYFIRST
    assert v.decide_date_order(["3/22/2021", "4/1/2021"]) == v.MONTHFIRST
    assert v.decide_date_order(["03/04/2024", "05/06/2024"]) is None
    with pytest.raises(ValueError):
        v.decide_date_order(["13/01/2024", "01/13/2024"])


def test_two_digit_years_use_excels_pivot():
    assert v.parse_date("01/02/29", v.DAYFIRST) == "2029-02-01"
    assert v.parse_date("01/02/30", v.DAYFIRST) == "1930-02-01"


@pytest.mark.parametrize("value, month", [("2024-03", "2024-03"), ("03/2024", "2024-03"),
                                          ("Mar 2024", "2024-03"), ("March 2024", "2024-03"),
                                          (date(2024, 3, 9), "2024-03")])
def test_months(value, month):
    assert v.parse_month(value) == month


def test_text_keeps_ids_without_point_zero():
    assert v.parse_text(12621.0) == "12621"
    assert v.parse_text("  Ann\u00a0Lee ") == "Ann Lee"


def test_email():
    assert v.parse_email(" Ann@Example.com ") == "Ann@Example.com"
    with pytest.raises(ValueError):
        v.parse_email("ann at example")


def test_text_column_is_parse_text_cell_by_cell():
    cells = ["", " ", "na", " N/A ", "#null!", " #NULL! ", "  nullx ", "Home", "  ORD-000001 ",
             "a\u00a0b", " \u00a0 ", "       ", " na    ", None, 3.0, 3.5, float("nan"), 12,
             date(2024, 1, 2), datetime(2024, 1, 2, 3, 4), "—"]
    assert v.parse_text_column(cells) == [v.parse_text(c) for c in cells]


def test_money_floats_match_their_decimal_reading():
    from decimal import Decimal

    from custdesk.domain.money import to_e4

    floats = [0.1 + 0.2, 1.005, 2.675, 12.3456, 12.34567, 1e-05, 0.0001, 0.00005, -0.0,
              99_999_999_999.9999, 123456.78, -7.125, 1 / 3]
    assert [v.parse_money(x) for x in floats] == [to_e4(Decimal(repr(x))) for x in floats]


# ----- issue 20 H7: number and date conventions decided per column from all its values -----
def test_a_number_such_as_2_500_reads_two_ways_and_the_column_decides():
    assert v.ambiguous_number(["2.500", "7"]) == "2.500"
    assert v.ambiguous_number(["1.234,56", "12.50", "0,500", "1234.500", 2.5]) is None
    assert v.decide_decimal_mark(["2.500", "1.234,56"]) == v.COMMA
    assert v.decide_decimal_mark(["2.500", "12,5 €"]) == v.COMMA
    assert v.decide_decimal_mark(["2.500", "1.234.567"]) == v.COMMA
    assert v.decide_decimal_mark(["2,500", "3.75"]) == v.POINT
    assert v.decide_decimal_mark(["2,500", "1,234,567"]) == v.POINT
    assert v.decide_decimal_mark(["2.500", "7", 3.5]) is None  # nothing proves either
    assert v.decide_decimal_mark(["1.234,56", "12.50"]) is None  # both: value by value


def test_parsing_with_the_column_s_decimal_mark():
    assert v.parse_money("2.500", v.COMMA) == 25_000_000
    assert v.parse_money("2.500", v.POINT) == 25_000
    assert v.parse_money("1.234,56 €", v.COMMA) == 12_345_600
    assert v.parse_number("2,500", v.POINT) == 2500.0
    assert v.parse_int("2.500", v.COMMA) == 2500
    assert v.parse_money("2.500") == 25_000  # alone, a value still decides for itself
    with pytest.raises(ValueError, match="like the rest of the column"):
        v.parse_money("1.5", v.COMMA)  # a dot can only group thousands here


def test_a_year_alone_in_a_date_column():
    assert v.year_of("2019") == 2019 and v.year_of(2019.0) == 2019 and v.year_of(2019) == 2019
    assert v.year_of("1899") is None and v.year_of(45000) is None and v.year_of(True) is None
    assert v.years_only(["2019", None, "", 2020.0])
    assert not v.years_only(["2019", "2020-03-01"]) and not v.years_only([None, ""])
    assert v.parse_year_date("2019") == "2019-01-01"
    assert v.parse_year_date(2019.0, time="T00:00:00") == "2019-01-01T00:00:00"
    # without the column's decision a year was an Excel serial: a day of 1905
    assert v.parse_date("2019") == "1905-07-11"
    strict = v.refuse_year(v.parse_date)
    assert strict("2020-03-01") == "2020-03-01" and strict(45000) == "2023-03-15"
    with pytest.raises(ValueError, match=r"a year alone \(2019\)"):
        strict("2019")


def test_fractions_chosen_by_the_owner_refuse_a_5_typed_as_text():
    assert v.parse_fraction("0.05", v.FRACTIONS) == 0.05
    with pytest.raises(ValueError):
        v.parse_fraction("5", v.FRACTIONS)  # 500 %, never silently 5 %

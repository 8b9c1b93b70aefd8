"""The growth screen page by page (issue 18: the tab builds only the page shown): each page's
build holds exactly its tables, equal to the whole screen's, and the whole screen
(`custdesk screen growth`) is every page in its old order — on the demo file and on random
`make_db` files of every kind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screens import growth
from custdesk.services.screens.model import to_json
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
PERIODS = [Period(date(2025, 11, 25), END), Period(date(2026, 8, 26), END),
           Period(date(2020, 1, 1), END)]


@pytest.fixture(scope="module", params=[7, 8])
def kinds_store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("pages")) / "kinds.db", request.param, END,
                          customers=(20, 200), lines=(100, 2000), deals=(50, 600),
                          tickets=(50, 800), surveys=(20, 300))
    with s.transaction():  # deep discounts on some lines, so the discounting notes speak
        s.conn.execute("UPDATE orders SET discount = 0.35 WHERE id % 6 = 0")
    yield s
    s.close(backup_if_changed=False)


def test_every_table_is_on_one_page() -> None:
    on_pages = [k for p in growth.PAGES for k in growth.PAGE_TABLES[p]]
    assert sorted(on_pages) == sorted(growth.TABLES)
    assert list(growth.PAGE_BUILDERS) == list(growth.PAGES)


def _check_pages(store, period: Period) -> None:
    whole = to_json(growth.build(store, period, "p"))
    for page in growth.PAGES:
        alone = to_json(growth.build_pages(store, period, "p", (page,)))
        assert list(alone["tables"]) == [k for k in whole["tables"]
                                         if k in growth.PAGE_TABLES[page]], page
        assert alone["tables"] == {k: whole["tables"][k] for k in alone["tables"]}, page
        assert alone["cards"] == whole["cards"], page
        key = growth.NOTE_KEYS[page]
        assert alone["lists"]["page_notes"] == [n for n in whole["lists"]["page_notes"]
                                                if n["page"] == key], page
        for name, rows in alone["lists"].items():
            if name != "page_notes":
                assert rows == whole["lists"][name], (page, name)
        bare = to_json(growth.build_pages(store, period, "p", (page,), with_cards=False))
        assert bare["cards"] == {} and bare["tables"] == alone["tables"]
    together = to_json(growth.build_pages(store, period, "p", growth.PAGES[::-1]))
    assert together == whole  # any order of pages asked: the screen's own order


@pytest.mark.parametrize("period", PERIODS, ids=["year", "quarter", "all"])
def test_each_page_alone_equals_the_whole_screen(kinds_store, period) -> None:
    _check_pages(kinds_store, period)


def test_pages_of_the_demo_file(demo_store) -> None:
    _check_pages(demo_store, Period(date(2025, 12, 2), date(2026, 12, 1)))


def test_an_unknown_page_is_refused(demo_store) -> None:
    with pytest.raises(ValueError, match="no growth page"):
        growth.build_pages(demo_store, Period(date(2026, 1, 1), date(2026, 3, 31)), "",
                           ("nowhere",))


def test_an_empty_file_has_every_key_whatever_the_page(store) -> None:
    screen = growth.build_pages(store, Period(date(2026, 1, 1), date(2026, 3, 31)), "",
                                ("markets",))
    assert screen.empty and set(screen.tables) == set(growth.TABLES)

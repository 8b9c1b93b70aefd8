"""The Pipeline and Lost prospects tabs, driven on the demo database.

Expected figures are computed here straight from the database with SQL (METRICS.md's rules
written again independently), never read back from the code under test. The background
runner is replaced by the synchronous one.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.ui import formatting as fmt

pytestmark = pytest.mark.usefixtures("quiet_ui")

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))
# Open deals as of D (METRICS.md): created by D (or undated), and open-stage or closed after D.
OPEN_SQL = """SELECT d.id, s.name AS stage, d.amount_e4, coalesce(d.probability, s.probability)
                     AS prob, d.expected_close, coalesce(d.last_activity_on, d.created_on)
                     AS touched, d.title, d.owner, d.next_step
              FROM deals d JOIN stages s ON s.id = d.stage_id
              WHERE (d.created_on IS NULL OR d.created_on <= :d)
                AND (s.kind = 'open' OR (d.closed_on IS NOT NULL AND d.closed_on > :d))"""
LOST_SQL = """SELECT d.id, d.amount_e4, d.lost_reason, d.competitor
              FROM deals d JOIN stages s ON s.id = d.stage_id
              WHERE s.kind = 'lost' AND d.closed_on BETWEEN :a AND :b"""


def open_rows(store, period: Period) -> list:
    return list(store.conn.execute(OPEN_SQL, {"d": period.end.isoformat()}))


def lost_rows(store, period: Period) -> list:
    return list(store.conn.execute(LOST_SQL, {"a": period.start.isoformat(),
                                              "b": period.end.isoformat()}))


# ----- Pipeline ----------------------------------------------------------------------------
@pytest.mark.parametrize("period", [YEAR, OCTOBER])
def test_open_deals_table_and_stage_chart_match_sql(qtbot, demo_store, period) -> None:
    from custdesk.ui.tabs.pipeline_tab import PipelineTab

    tab = make_tab(qtbot, PipelineTab, demo_store, period)
    expected = open_rows(demo_store, period)
    assert len(expected) > 20
    assert sorted(r["id"] for r in tab.model.all_rows()) == sorted(r[0] for r in expected)
    assert tab.model.rowCount() == len(expected)
    assert tab.cards["deals_open"].value.text() == f"{len(expected):,}"
    # the chart: one bar per open stage, counts as SQL groups them, summing to all open deals
    by_stage: dict[str, int] = {}
    for row in expected:
        by_stage[row[1]] = by_stage.get(row[1], 0) + 1
    bars = {label: value for label, value, _text, _hover in tab.stage_chart.bars}
    assert sum(bars.values()) == len(expected)
    assert {k: v for k, v in bars.items() if v} == by_stage
    assert [b[0] for b in tab.stage_chart.bars][:4] == ["Lead", "Qualified", "Proposal",
                                                        "Negotiation"]
    value_e4 = sum(r[2] or 0 for r in expected)
    assert tab.cards["pipeline_value"].value.text() == fmt.money_short(value_e4 / 10_000)


def test_period_change_reloads_the_open_deals(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.pipeline_tab import PipelineTab

    tab = make_tab(qtbot, PipelineTab, demo_store, YEAR)
    year_ids = {r["id"] for r in tab.model.all_rows()}
    tab.set_period(OCTOBER)
    october_ids = {r["id"] for r in tab.model.all_rows()}
    assert october_ids == {r[0] for r in open_rows(demo_store, OCTOBER)}
    assert october_ids != year_ids


def test_hot_stale_and_slipped_filters_follow_metrics_rules(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.pipeline_tab import HOT, SLIPPED, STALE, PipelineTab

    tab = make_tab(qtbot, PipelineTab, demo_store, YEAR)
    end = YEAR.end
    today, soon = end.isoformat(), (end + timedelta(days=30)).isoformat()
    cutoff = (end - timedelta(days=30)).isoformat()
    rows = open_rows(demo_store, YEAR)
    # METRICS.md: stale = no activity for 30 days; slipped = expected close more than 30
    # days ago; hot = neither, with probability >= 50 % or closing within the next 30 days
    stale = {r[0] for r in rows if r[5] is not None and r[5] < cutoff}
    slipped = {r[0] for r in rows if r[4] is not None and r[4] < cutoff}
    hot = {r[0] for r in rows if r[0] not in stale | slipped
           and (r[3] >= 50 or (r[4] is not None and today <= r[4] <= soon))}
    for ids in (hot, stale, slipped):
        assert 0 < len(ids) < len(rows)
    tab.only.setCurrentText(HOT)
    assert {r["id"] for r in tab.model.rows()} == hot
    assert tab.table.count_label.text() == f"{len(hot):,} of {len(rows):,}"
    tab.only.setCurrentText(SLIPPED)
    assert {r["id"] for r in tab.model.rows()} == slipped
    tab.only.setCurrentText(STALE)
    assert {r["id"] for r in tab.model.rows()} == stale
    # search narrows within the filter
    owner = "Sarah"
    tab.table.search.setText(owner.lower())
    assert {r["id"] for r in tab.model.rows()} == {r[0] for r in rows
                                                if r[0] in stale and r[7] == owner}
    flags = {r["id"]: tab.model.columns[0].raw(r) for r in tab.model.all_rows()}
    for name, ids in (("hot", hot), ("stale", stale), ("slipped", slipped)):
        assert all((name in flags[i]) == (i in ids) for i in flags)


def test_search_filters_open_deals(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.pipeline_tab import PipelineTab

    tab = make_tab(qtbot, PipelineTab, demo_store, YEAR)
    tab.table.search.setText("cabinet")
    expected = {r[0] for r in open_rows(demo_store, YEAR)
                if "cabinet" in " ".join(str(x or "") for x in (r[6], r[1], r[7], r[8])).lower()}
    assert expected and {r["id"] for r in tab.model.rows()} == expected
    tab.table.search.clear()
    assert tab.model.rowCount() == len(tab.model.all_rows())


def test_win_rate_by_owner_matches_sql(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.pipeline_tab import PipelineTab

    tab = make_tab(qtbot, PipelineTab, demo_store, YEAR)
    sql = """SELECT d.owner, sum(s.kind = 'won'), sum(s.kind = 'lost')
             FROM deals d JOIN stages s ON s.id = d.stage_id
             WHERE s.kind IN ('won', 'lost') AND d.closed_on BETWEEN ? AND ? GROUP BY d.owner"""
    expected = {o: (w, lo) for o, w, lo in demo_store.conn.execute(
        sql, (YEAR.start.isoformat(), YEAR.end.isoformat()))}
    shown = {r["owner"]: r for r in tab.owner_model.all_rows()}
    assert set(shown) == set(expected)
    for owner, (won, lost) in expected.items():
        assert (shown[owner]["won"], shown[owner]["lost"]) == (won, lost)
        assert shown[owner]["win_rate"] == pytest.approx(won / (won + lost) * 100)


def test_pipeline_export_and_print(qtbot, demo_store, tmp_path) -> None:
    from openpyxl import load_workbook

    from custdesk.sheets.table_export import write_xlsx
    from custdesk.ui.tabs.pipeline_tab import HOT, PipelineTab

    tab = make_tab(qtbot, PipelineTab, demo_store, YEAR)
    tab.only.setCurrentText(HOT)
    book = load_workbook(write_xlsx(tmp_path / "pipeline.xlsx", tab.export_tables()))
    assert book.sheetnames[:2] == ["Open deals", "Key figures"]
    assert book["Open deals"].max_row == tab.model.rowCount() + 1  # what is shown: hot only
    stage_counts = [r[1] for r in book["Open deals by stage"].iter_rows(min_row=2,
                                                                         values_only=True)]
    assert sum(stage_counts) == len(open_rows(demo_store, YEAR))
    html = tab.report_html()
    assert "Pipeline" in html and tab.cards["win_rate_pct"].value.text() in html
    assert tab.model.rows()[0]["title"] in html


# ----- Lost prospects --------------------------------------------------------------------------
def test_lost_table_cards_and_charts_match_sql(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.lost_prospects_tab import NO_COMPETITOR, LostProspectsTab

    tab = make_tab(qtbot, LostProspectsTab, demo_store, YEAR)
    lost = lost_rows(demo_store, YEAR)
    assert len(lost) > 10
    assert sorted(r["id"] for r in tab.model.all_rows()) == sorted(r[0] for r in lost)
    assert tab.cards["deals_lost"].value.text() == f"{len(lost):,}"
    assert tab.cards["lost_deals_value"].value.text() == fmt.money_short(
        sum(r[1] or 0 for r in lost) / 10_000)
    with_reason = sum(1 for r in lost if r[2] and r[2].strip())
    assert tab.cards["lost_reason_share_pct"].value.text() == fmt.pct(with_reason / len(lost)
                                                                      * 100)
    by_reason = dict(demo_store.conn.execute(
        """SELECT coalesce(nullif(trim(d.lost_reason), ''), 'Not recorded'), count(*)
           FROM deals d JOIN stages s ON s.id = d.stage_id
           WHERE s.kind = 'lost' AND d.closed_on BETWEEN ? AND ? GROUP BY 1""",
        (YEAR.start.isoformat(), YEAR.end.isoformat())))
    assert {g: int(v) for g, v, _t, _h in tab.reason_chart.bars} == by_reason
    counts = [v for _g, v, _t, _h in tab.reason_chart.bars]
    assert counts == sorted(counts, reverse=True)
    by_competitor: dict[str, int] = {}
    for r in lost:
        key = r[3] or NO_COMPETITOR
        by_competitor[key] = by_competitor.get(key, 0) + 1
    bars = tab.competitor_chart.bars
    assert {g: int(v) for g, v, _t, _h in bars} == by_competitor
    assert bars[-1][0] == NO_COMPETITOR  # "nobody named" is not a rival: listed last


def test_lost_search_and_export(qtbot, demo_store, tmp_path) -> None:
    from openpyxl import load_workbook

    from custdesk.sheets.table_export import write_xlsx
    from custdesk.ui.tabs.lost_prospects_tab import LostProspectsTab

    tab = make_tab(qtbot, LostProspectsTab, demo_store, YEAR)
    tab.table.search.setText("local stationers")
    expected = {r[0] for r in lost_rows(demo_store, YEAR) if r[3] == "Local Stationers"}
    assert expected and {r["id"] for r in tab.model.rows()} == expected
    book = load_workbook(write_xlsx(tmp_path / "lost.xlsx", tab.export_tables()))
    assert book.sheetnames == ["Lost deals", "Key figures", "By reason", "By competitor"]
    assert book["Lost deals"].max_row == len(expected) + 1
    html = tab.report_html()
    assert "Lost prospects" in html and "By competitor" in html


def test_deal_tabs_show_the_import_invitation_without_deals(qtbot, store, demo_store) -> None:
    from custdesk.ui.tabs.lost_prospects_tab import LostProspectsTab
    from custdesk.ui.tabs.pipeline_tab import PipelineTab

    with demo_store.transaction():
        demo_store.conn.execute("DELETE FROM deals")
    for db in (store, demo_store):  # an empty file, and a file with orders but no deals
        for cls in (PipelineTab, LostProspectsTab):
            tab = make_tab(qtbot, cls, db, YEAR)
            assert tab.is_empty_state()
            assert tab.empty.button.text() == "Import spreadsheet…"


def test_untitled_deals_are_named_by_their_reference(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.lost_prospects_tab import LostProspectsTab
    from custdesk.ui.tabs.pipeline_tab import PipelineTab

    open_id = open_rows(demo_store, YEAR)[0][0]
    lost_id = lost_rows(demo_store, YEAR)[0][0]
    with demo_store.transaction():
        for deal_id, ref in ((open_id, "OPP-OPEN-1"), (lost_id, "OPP-LOST-1")):
            demo_store.conn.execute("UPDATE deals SET title = NULL, ref = ? WHERE id = ?",
                                    (ref, deal_id))
    pipeline = make_tab(qtbot, PipelineTab, demo_store, YEAR)
    assert {r["id"]: r["title"] for r in pipeline.model.all_rows()}[open_id] == "OPP-OPEN-1"
    lost = make_tab(qtbot, LostProspectsTab, demo_store, YEAR)
    lost.table.search.setText("opp-lost")
    assert [r["id"] for r in lost.model.rows()] == [lost_id]

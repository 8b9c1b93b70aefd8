"""The Margins and Feedback tabs on the demo database.

Expected figures are computed here from the tables with SQL and plain Python (never read back
from the services under test). The background runner is the synchronous one; no dialog opens.
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.ui import formatting as fmt

pytestmark = pytest.mark.usefixtures("quiet_ui")
ONE_DECIMAL = 0.05 + 1e-9  # a value shown to one decimal is within this of the exact one

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))
PRIOR = YEAR.prior()
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def _bounds(period: Period) -> tuple[str, str]:
    return period.start.isoformat(), period.end.isoformat()


def sql_revenue(store, period: Period) -> float:
    e4 = store.conn.execute("SELECT coalesce(sum(revenue_e4), 0) FROM orders WHERE date "
                            "BETWEEN ? AND ?", _bounds(period)).fetchone()[0]
    return e4 / 10_000


def customer_profit(store, period: Period) -> dict[int, int]:
    """Gross profit (e4) per customer with order lines in the period (demo: every cost known)."""
    return dict(store.conn.execute(
        "SELECT customer_id, sum(revenue_e4 - cost_e4) FROM orders WHERE date BETWEEN ? AND ? "
        "GROUP BY customer_id", _bounds(period)).fetchall())


def groups_by_hand(profit: dict[int, int]) -> dict[int, str]:
    """METRICS.md's A/B/C/D written out again: rank by profit, A while the profit ranked
    before a customer is under 20 % of the positive total, B under 50 %, C the rest > 0."""
    total = sum(p for p in profit.values() if p > 0)
    out, before = {}, 0
    for cid, p in sorted(profit.items(), key=lambda kv: (-kv[1], kv[0])):
        if p <= 0:
            out[cid] = "D"
            continue
        out[cid] = "A" if before < 0.2 * total else "B" if before < 0.5 * total else "C"
        before += p
    return out


# ----- Margins -------------------------------------------------------------------------------
def test_margins_tables_add_up_to_the_period_revenue(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.margins_tab import MarginsTab

    tab = make_tab(qtbot, MarginsTab, demo_store, YEAR)
    assert not tab.is_empty_state()
    total = sql_revenue(demo_store, YEAR)
    assert total > 0
    for panel in (tab.products, tab.categories, tab.segments):
        rows = panel.model.all_rows()
        assert sum(r["revenue"] for r in rows) == pytest.approx(total, abs=0.01), panel.title
    products = demo_store.conn.execute("SELECT count(DISTINCT product_id) FROM orders WHERE "
                                       "date BETWEEN ? AND ?", _bounds(YEAR)).fetchone()[0]
    assert tab.products.model.rowCount() == products
    assert tab.cards["revenue"].value.text() == fmt.money_short(total)
    profit = sum(customer_profit(demo_store, YEAR).values()) / 10_000
    assert tab.cards["gross_profit"].value.text() == fmt.money_short(profit)
    assert tab.cards["gross_margin_pct"].value.text() == fmt.pct(profit / total * 100)


def test_products_below_their_target_margin_are_coloured(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.margins_tab import MarginsTab

    tab = make_tab(qtbot, MarginsTab, demo_store, YEAR)
    expected = {}
    for name, rev, cost, target in demo_store.conn.execute(
            "SELECT p.name, sum(o.revenue_e4), sum(o.cost_e4), p.target_margin_pct "
            "FROM orders o JOIN products p ON p.id = o.product_id WHERE o.date BETWEEN ? AND ? "
            "GROUP BY p.id", _bounds(YEAR)):
        margin = (rev - cost) / rev * 100
        expected[name] = (margin, target, margin < target)
    model = tab.products.model
    cols = [c.key for c in model.columns]
    assert {"margin_pct", "target_margin_pct"} <= set(cols)
    seen_below = seen_ok = False
    for row in range(model.rowCount()):
        item = model.row_at(row)
        margin, target, below = expected[item["name"]]
        assert item["margin_pct"] == pytest.approx(margin)
        assert item["target_margin_pct"] == target
        brush = model.data(model.index(row, 0), Qt.ItemDataRole.ForegroundRole)
        assert (brush is not None) == below, item["name"]
        seen_below |= below
        seen_ok |= not below
        gap_text = model.data(model.index(row, cols.index("margin_gap_pts")))
        assert gap_text.endswith("pts") and (gap_text.startswith("−") == below)
    assert seen_below and seen_ok  # the demo has both kinds, so the colour really decides
    assert f"{sum(v[2] for v in expected.values())} below" in tab.products.note.text()


def test_profitability_groups_and_movement_are_consistent(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.margins_tab import MarginsTab

    tab = make_tab(qtbot, MarginsTab, demo_store, YEAR)
    now, before = customer_profit(demo_store, YEAR), customer_profit(demo_store, PRIOR)
    hand_now, hand_before = groups_by_hand(now), groups_by_hand(before)
    groups = {r["group"]: r for r in tab.groups.model.all_rows()}
    assert sum(r["customers"] for r in groups.values()) == len(now)
    for g in "ABCD":
        members = [c for c, x in hand_now.items() if x == g]
        assert groups[g]["customers"] == len(members), g
        assert groups[g]["gross_profit"] == pytest.approx(sum(now[c] for c in members) / 10_000)
    positive = sum(p for p in now.values() if p > 0)
    assert groups["A"]["profit_share_pct"] == pytest.approx(
        sum(now[c] for c, x in hand_now.items() if x == "A") / positive * 100)
    assert groups["A"]["profit_share_pct"] >= 20 and groups["A"]["customers"] < len(now) * 0.2

    rows = {r["from"]: r for r in tab.movement.model.all_rows()}
    for g in "ABCD":
        assert rows[g]["total"] == sum(1 for x in hand_before.values() if x == g), g
        assert rows["Total"][g] == groups[g]["customers"]
        for h in "ABCD":
            moved = sum(1 for c in now if hand_before.get(c) == g and hand_now[c] == h)
            assert rows[g][h] == moved, (g, h)
    assert rows["new"]["total"] == len(set(now) - set(before))
    assert rows["Total"]["lost"] == len(set(before) - set(now))
    assert rows["Total"]["total"] == len(set(now) | set(before))


def test_sales_plan_shows_past_current_and_coming_months(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.margins_tab import MarginsTab

    tab = make_tab(qtbot, MarginsTab, demo_store, YEAR)  # ends 24 Nov 2026: Nov is current
    targets = dict(demo_store.conn.execute(
        "SELECT month, revenue_target_e4 FROM targets WHERE month BETWEEN '2025-12' "
        "AND '2027-02'").fetchall())
    plan = tab.plan.model.all_rows()
    assert [r["month"] for r in plan] == sorted(targets)
    assert len(plan) > 4
    headers = [c.header for c in tab.plan.model.columns]
    assert {"Target", "Base months", "Baseline", "New needed", "Your target", "Leads",
            "Actual", "Actual new"} <= set(headers)
    for r in plan:
        assert r["revenue_target"] == targets[r["month"]] / 10_000
        assert r["baseline"] == pytest.approx(r["existing_monthly_revenue"]
                                              * (r["retention_12m_pct"] / 100) ** (1 / 12))
        assert r["gap"] == pytest.approx(max(0.0, r["revenue_target"] - r["baseline"]))
        if r["gap"]:
            assert r["new_customers_needed"] * r["first_90_day_revenue"] >= r["gap"] - 1e-6
            assert (r["leads_needed"] * r["lead_conversion_pct"] / 100
                    >= r["new_customers_needed"] - 1e-9)
        expected = ("past" if r["month"] < "2026-11" else
                    "current" if r["month"] == "2026-11" else "future")
        assert r["status"] == expected
        if expected == "future":
            assert r["actual_revenue"] is None and r["actual_new_customers"] is None
            # never a month that has not ended: the 3 before November
            assert (r["baseline_from"], r["baseline_to"]) == ("2026-08", "2026-10")
        else:
            month = Period.month(r["month"])
            seen = Period(month.start, min(month.end, YEAR.end))
            assert r["actual_revenue"] == pytest.approx(sql_revenue(demo_store, seen))
            assert r["actual_days"] == seen.days()
    # The existing customers' revenue of the 3 months before November, from SQL.
    recent = demo_store.conn.execute(
        "SELECT sum(o.revenue_e4) FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.date BETWEEN '2026-08-01' AND '2026-10-31' AND c.acquired_on < '2026-11-01'"
    ).fetchone()[0]
    november = next(r for r in plan if r["month"] == "2026-11")
    assert november["existing_monthly_revenue"] == pytest.approx(recent / 3 / 10_000)
    notes = tab.plan_notes.text()  # months as the charts write them, not ISO keys
    assert "Nov 26 and later months" in notes and "2026-11" not in notes


def test_margins_export_and_print(qtbot, demo_store, tmp_path) -> None:
    from openpyxl import load_workbook

    from custdesk.ui.tab_output import write_export
    from custdesk.ui.tabs.margins_tab import MarginsTab

    tab = make_tab(qtbot, MarginsTab, demo_store, OCTOBER)
    exported = tab.export_tables()
    assert exported[0].title == "By product"  # the main table first (File ▸ Export… .csv)
    tables = {t.title: t for t in exported}
    assert {"Key figures", "By month, last 12 months", "By category", "Profitability groups",
            "Monthly sales plan"} <= set(tables)
    months = tables["By month, last 12 months"].rows
    assert [m[0] for m in months] == [f"2025-{m}" for m in ("11", "12")] + [
        f"2026-{m:02d}" for m in range(1, 11)]
    for month in (months[0], months[-1]):  # first and last, each against SQL
        period = Period.month(month[0])
        assert month[1] == pytest.approx(sql_revenue(demo_store, period))
        profit = sum(customer_profit(demo_store, period).values()) / 10_000
        assert month[2] == pytest.approx(profit)
        assert month[3] == pytest.approx(profit / month[1] * 100)
    figures = {row.label: row.value for row in tables["Key figures"].rows}
    assert figures["Revenue"] == pytest.approx(sql_revenue(demo_store, OCTOBER))
    html = tab.report_html()
    assert "Margins" in html and "Standing Desk" in html and "Gross margin" in html
    chart = tab.revenue_chart.series["Revenue"]  # the chart shows the same 12 months
    assert chart == pytest.approx([m[1] for m in months])
    from custdesk.ui import idle_queue

    idle_queue.run_pending(tab)  # the margin chart is drawn a turn after the revenue chart
    assert tab.margin_chart.series["Gross margin"] == pytest.approx([m[3] for m in months])
    book = load_workbook(write_export(tmp_path / "margins", exported, "Margins · Oct 2026"))
    assert {"By product", "Key figures", "Moves since the prior period"} <= set(
        book.sheetnames)


def test_margins_search_and_empty_state(qtbot, demo_store, store) -> None:
    from custdesk.ui.tabs.margins_tab import MarginsTab

    tab = make_tab(qtbot, MarginsTab, demo_store, YEAR)
    tab.products.search_table.search.setText("desk")
    names = [r["name"] for r in tab.products.model.rows()]
    assert names and all("desk" in n.casefold() for n in names)
    empty = make_tab(qtbot, MarginsTab, store, YEAR)
    assert empty.is_empty_state()
    assert empty.export_tables() and empty.report_html()


# ----- Feedback ------------------------------------------------------------------------------
def nps_by_hand(store, period: Period, kind: str = "customer") -> tuple[float, int]:
    scores = [s for (s,) in store.conn.execute(
        "SELECT nps FROM surveys WHERE kind = ? AND nps IS NOT NULL AND date BETWEEN ? AND ?",
        (kind, *_bounds(period)))]
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return (promoters - detractors) / len(scores) * 100, len(scores)


def test_feedback_cards_match_the_surveys_and_tickets(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    tab = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    assert not tab.is_empty_state()
    score, n = nps_by_hand(demo_store, YEAR)
    card = tab.cards["nps"]
    # Shown to one decimal, so within half a tenth (18.75 shows as 18.8: allow for the float
    # error of that exact half).
    assert float(card.value.text()) == pytest.approx(score, abs=ONE_DECIMAL)
    assert f"n = {n:,}" in card.detail.text() and "95 %" in card.detail.text()
    assert "95 % range" in card.toolTip()
    e_score, e_n = nps_by_hand(demo_store, YEAR, "employee")
    assert float(tab.cards["enps"].value.text()) == pytest.approx(e_score, abs=ONE_DECIMAL)
    assert f"n = {e_n}" in tab.cards["enps"].detail.text()
    answers = [c for (c,) in demo_store.conn.execute(
        "SELECT csat FROM surveys WHERE csat IS NOT NULL AND date BETWEEN ? AND ? UNION ALL "
        "SELECT csat FROM tickets WHERE csat IS NOT NULL AND substr(opened_at, 1, 10) "
        "BETWEEN ? AND ?", (*_bounds(YEAR), *_bounds(YEAR)))]
    csat = sum(1 for c in answers if c >= 4) / len(answers) * 100
    assert tab.cards["csat_pct"].value.text() == fmt.pct(csat)
    complaints = demo_store.conn.execute(
        "SELECT count(*) FROM tickets WHERE is_complaint AND substr(opened_at, 1, 10) "
        "BETWEEN ? AND ?", _bounds(YEAR)).fetchone()[0]
    assert tab.cards["complaints_count"].value.text() == f"{complaints:,}"


def test_tickets_by_topic_and_channel_add_up(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    tab = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    expected = dict(demo_store.conn.execute(
        "SELECT topic, count(*) FROM tickets WHERE substr(opened_at, 1, 10) BETWEEN ? AND ? "
        "GROUP BY topic", _bounds(YEAR)).fetchall())
    assert {g["name"]: g["tickets"] for g in tab.topics.model.all_rows()} == expected
    channels = tab.channels.model.all_rows()
    assert sum(g["tickets"] for g in channels) == sum(expected.values())
    assert sum(g["complaints"] for g in channels) == int(
        tab.cards["complaints_count"].value.text().replace(",", ""))
    # Channel rows cannot count repeats (they may change channel): shown as "—".
    assert all(g["repeat_contact_pct"] is None for g in channels)


def test_detractors_referral_and_trend(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    tab = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    latest, answered = {}, {}
    for cid, nps, comment, day in demo_store.conn.execute(
            "SELECT customer_id, nps, comment, date FROM surveys WHERE kind = 'customer' AND "
            "nps IS NOT NULL AND customer_id IS NOT NULL AND date <= ? ORDER BY date, id",
            (YEAR.end.isoformat(),)):
        latest[cid], answered[cid] = (nps, comment), day
    # a detractor the owner closed (resolved / not recovered) since the answer leaves the list
    closed = {cid for cid, day in demo_store.conn.execute(
        "SELECT customer_id, changed_on FROM detractor_followups "
        "WHERE state IN ('resolved', 'not_recovered')") if day >= answered.get(cid, "9999")}
    assert closed  # the demo owner closed one
    rescue = {cid: v for cid, v in latest.items() if v[0] <= 6 and cid not in closed}
    model = tab.detractors.model
    assert model.rowCount() == len(rescue) > 0
    assert {(r["customer_id"], r["nps"], r["comment"]) for r in model.all_rows()} == {
        (cid, nps, comment) for cid, (nps, comment) in rescue.items()}
    tab.detractors.search_table.search.setText("delivery")
    assert 0 < model.rowCount() < len(rescue)
    assert all("delivery" in (r["comment"] or "").casefold() for r in model.rows())

    for row in tab.segments.model.all_rows():
        new = demo_store.conn.execute(
            "SELECT count(*), sum(source = 'referral' OR referred_by IS NOT NULL) FROM customers "
            "WHERE segment = ? AND acquired_on BETWEEN ? AND ?",
            (row["segment"], *_bounds(YEAR))).fetchone()
        assert row["new"] == new[0]
        assert row["referral_pct"] == pytest.approx(new[1] / new[0] * 100)

    november = Period(date(2026, 11, 1), YEAR.end)
    trend = tab.data.series["nps"]
    assert len(trend) == 12
    last = trend[-1]  # November to the 24th: a partial point, drawn apart from the line
    assert (last.month, last.partial, last.days) == ("2026-11", True, 24)
    assert last.value == pytest.approx(nps_by_hand(demo_store, november)[0])
    assert tab.nps_chart.points["Net promoter score"] == trend
    assert "partial" in tab.trend_note.text()
    exported = tab.export_tables()
    assert exported[0].title == "Detractors to rescue"
    assert len(exported[0].rows) == model.rowCount()  # what is shown (the search applies)
    kpis = {row.label: row.value for row in exported[1].rows}
    assert kpis["Net promoter score"] < kpis["Net promoter score, 95 % high"]
    assert kpis["Net promoter score, 95 % low"] < kpis["Net promoter score"]
    assert "Detractors to rescue" in tab.report_html()


def test_feedback_detractors_show_name_follow_up_and_comment_whole(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    tab = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    table = tab.detractors.table
    table.setFixedWidth(672)  # the panel's width in the 1366 px window
    tab.show()
    qtbot.waitExposed(tab)
    table.size_columns()
    model, metrics = table.model(), table.fontMetrics()
    assert model.rowCount() > 0
    for col in (0, 4, 5):  # Customer, Follow-up ("To cont…" before), Comment
        widest = max(metrics.horizontalAdvance(model.index(r, col).data() or "")
                     for r in range(model.rowCount()))
        assert widest < table.columnWidth(col), model.headerData(col, Qt.Orientation.Horizontal)


def test_feedback_empty_state(qtbot, store) -> None:
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    tab = make_tab(qtbot, FeedbackTab, store, YEAR)
    assert tab.is_empty_state()


def test_a_period_without_records_shows_dashes_not_zeros(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.feedback_tab import FeedbackTab
    from custdesk.ui.tabs.margins_tab import MarginsTab

    later = Period(date(2031, 1, 1), date(2031, 3, 31))
    margins = make_tab(qtbot, MarginsTab, demo_store, later)
    assert not margins.is_empty_state()  # the file has data, this period has none
    assert margins.products.model.rowCount() == 0
    assert margins.cards["gross_margin_pct"].value.text() == fmt.DASH
    assert sum(r["customers"] for r in margins.groups.model.all_rows()) == 0
    feedback = make_tab(qtbot, FeedbackTab, demo_store, later)
    assert feedback.cards["nps"].value.text() == fmt.DASH
    assert feedback.topics.model.rowCount() == 0


def test_a_detractor_opens_their_story(qtbot, demo_store) -> None:
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    tab = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    row = tab.detractors.model.row_at(0)
    dialog = tab.open_customer(row)
    qtbot.addWidget(dialog)
    name = demo_store.conn.execute("SELECT name FROM customers WHERE id = ?",
                                   (row["customer_id"],)).fetchone()[0]
    assert dialog.edits["name"].text() == name == row["customer"]
    dialog.close()


# ----- the services' own rules, on hand-made inputs ------------------------------------------
def test_sales_rows_targets_and_deal_only_groups() -> None:
    from custdesk.domain.metric_values import MetricValue
    from custdesk.services.margins_service import sales_rows

    def sales(revenue, profit, margin):
        return {"revenue": MetricValue(revenue, None), "gross_profit": MetricValue(profit, None),
                "gross_margin_pct": MetricValue(margin, 3), "orders_count": MetricValue(2, None)}

    groups = {"Small": sales(100.0, 30.0, 30.0), "Big": sales(500.0, 200.0, 40.0),
              "No cost": sales(50.0, None, None),
              "Deals only": {"win_rate_pct": MetricValue(50, 2)}}
    rows = sales_rows(groups, {"Small": 35.0, "Big": 40.0, "No cost": 20.0})
    assert [r.name for r in rows] == ["Big", "Small", "No cost"]  # by revenue; no sales: left out
    big, small, no_cost = rows
    assert (small.below_target, small.margin_gap_pts) == (True, -5.0)
    assert (big.below_target, big.margin_gap_pts) == (False, 0.0)  # on target is not below
    assert (no_cost.below_target, no_cost.margin_gap_pts) == (False, None)  # unknown, not red


def test_movement_rows_totals() -> None:
    from custdesk.services.margins_service import movement_rows

    moves = {("A", "A"): 2, ("A", "lost"): 1, ("B", "A"): 1, ("new", "C"): 4, ("D", "D"): 1}
    rows = {r["from"]: r for r in movement_rows(moves)}
    assert rows["A"]["total"] == 3 and rows["new"]["total"] == 4 and rows["C"]["total"] == 0
    assert [rows["Total"][c] for c in ("A", "B", "C", "D", "lost", "total")] == [3, 0, 4, 1, 1, 9]


def test_tickets_by_refuses_an_unknown_grouping(demo_store) -> None:
    from custdesk.services.feedback_service import tickets_by

    with pytest.raises(ValueError, match="topic or channel"):
        tickets_by(demo_store, YEAR, "owner")


def test_the_movement_table_does_not_call_its_no_orders_column_lost() -> None:
    """Its 'lost' counts customers with orders before and none now — a different figure from
    the 'Customers lost' card (36 lost vs 20 without orders on the real data): the header
    says what it counts, so the two never seem to contradict each other."""
    from custdesk.ui.tabs.margins_tab import MOVE_COLUMNS

    headers = {c.key: c.header for c in MOVE_COLUMNS}
    assert headers["lost"] == "Gone"
    assert "Customers lost" in next(c.tooltip for c in MOVE_COLUMNS if c.key == "lost")

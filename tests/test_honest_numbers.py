"""Issue 12, items 7 and 8 and the printouts: one name per number, honest blanks, short
summaries (pytest-qt + screen level)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from ui_helpers import make_tab

from custdesk.domain.periods import Period

pytestmark = pytest.mark.usefixtures("quiet_ui")

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


def _save_pdf(html: str, name: str) -> None:
    """With CUSTDESK_PRINT_DIR set, the printout as a PDF there (to look at by eye)."""
    folder = os.environ.get("CUSTDESK_PRINT_DIR")
    if not folder:
        return
    from PySide6.QtGui import QTextDocument
    from PySide6.QtPrintSupport import QPrinter

    (Path(folder) / f"{name}.html").write_text(html, encoding="utf-8")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(Path(folder) / f"{name}.pdf"))
    document = QTextDocument()
    document.setHtml(html)
    document.print_(printer)


# ----- printouts: a short summary, the full lists go to Excel ------------------------------
def test_today_prints_a_two_page_summary_with_and_n_more(qtbot, demo_store) -> None:
    from custdesk.reports.tab_report import MAX_PRINTED_ROWS
    from custdesk.ui.tab_output import printed_pages
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    html = tab.report_html()
    _save_pdf(html, "today")
    at_risk = tab.lists["at_risk"].model.rowCount()
    assert at_risk > MAX_PRINTED_ROWS
    assert f"and {at_risk - MAX_PRINTED_ROWS:,} more" in html
    assert html.count("data:image/png;base64,") == len(tab.sparklines)  # the trends
    assert printed_pages(html) <= 2


# ----- a small file with orders only (no sources, no surveys, no tickets, no deals) ---------
ORDERS_ONLY = Period(date(2024, 1, 1), date(2024, 12, 31))


@pytest.fixture
def orders_only(store):
    from custdesk.domain.records import Customer, OrderLine
    from custdesk.storage import repository

    customers = [Customer(f"C{i}", id=i, segment="Retail" if i % 2 else "Trade")
                 for i in range(1, 9)]
    orders = [OrderLine(f"2024-{m:02d}-{d:02d}", i, 1_000_000 + i * 5_000, order_ref=f"O{i}-{m}",
                        category="Paper")
              for i in range(1, 9) for m, d in ((2, 3), (4, 17), (9, 25))]
    repository.save_all(store, customers=customers, orders=orders)
    return store


def test_feedback_without_surveys_or_tickets_is_the_import_invitation(qtbot, orders_only):
    from custdesk.services.screens import feedback
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    assert feedback.build(orders_only, ORDERS_ONLY).empty
    tab = make_tab(qtbot, FeedbackTab, orders_only, ORDERS_ONLY)
    assert tab.is_empty_state()  # not nine cards of "—"
    assert "surveys" in " ".join(tab.empty_imports)


def test_feedback_period_without_answers_says_so(demo_store):
    from custdesk.services.screens import feedback

    long_ago = Period(date(2001, 1, 1), date(2001, 12, 31))
    screen = feedback.build(demo_store, long_ago, with_series=False)
    assert not screen.empty and feedback.NOTHING_IN_PERIOD in screen.notes


def test_referral_rate_is_a_dash_with_a_reason_not_zero_percent(qtbot, orders_only):
    from custdesk.services.screens import customers, honest
    from custdesk.ui.tabs.customers_tab import CustomersTab

    screen = customers.build(orders_only, ORDERS_ONLY, with_series=False)
    card = screen.cards["referral_rate_pct"]
    assert card.value is None and card.current is not None and card.current.n == 8
    assert screen.tables[honest.WHY_BLANK] == [
        {"metric": "referral_rate_pct", "reason": honest.NO_SOURCES}]
    assert all(r["referral_rate_pct"] is None for r in screen.tables["segments"])
    tab = make_tab(qtbot, CustomersTab, orders_only, ORDERS_ONLY)
    text = tab.new_text.text()
    assert "referral rate: <b>—</b>" in text and "0.0 %" not in text
    assert "Source" in tab.new_text.toolTip()
    column = [c.key for c in tab.segment_model.columns].index("referral_rate_pct")
    shown = tab.segment_model.data(tab.segment_model.index(0, column))
    assert shown == "—"


def test_referral_rate_zero_stays_zero_when_sources_are_recorded(store):
    """0 % is a real answer when the file does record how customers came."""
    from custdesk.domain.records import Customer, OrderLine
    from custdesk.services.screens import customers, honest
    from custdesk.storage import repository

    repository.save_all(store, customers=[Customer("A", id=1, source="web")],
                        orders=[OrderLine("2024-03-01", 1, 10_000)])
    screen = customers.build(store, ORDERS_ONLY, with_series=False)
    assert screen.cards["referral_rate_pct"].value == 0
    assert honest.WHY_BLANK not in screen.tables


def test_future_period_is_labelled(demo_store):
    from custdesk.services.screens import honest, today

    ahead = Period(date(2026, 6, 1), date(2099, 1, 1))
    screen = today.build(demo_store, ahead, with_series=False)
    assert any("ends in the future" in n for n in screen.notes)
    assert honest.future_note(YEAR, today=date(2026, 11, 24)) == ()


# ----- one name per number ------------------------------------------------------------------
def test_every_card_trend_and_header_naming_a_metric_uses_its_one_label(qtbot, demo_store):
    from custdesk.domain.metric_catalogue import METRICS
    from custdesk.services.screens import labels
    from custdesk.ui.tabs.customers_tab import CustomersTab
    from custdesk.ui.tabs.feedback_tab import FeedbackTab
    from custdesk.ui.tabs.margins_tab import MarginsTab
    from custdesk.ui.tabs.pipeline_tab import PipelineTab
    from custdesk.ui.tabs.today_tab import TodayTab

    # the month-to-month renewal is a figure of its own, never called "Renewal rate"
    monthly = labels.MONTHLY_RENEWAL
    assert monthly.label not in {m.label for m in METRICS.values()}
    assert len({m.label for m in METRICS.values()}) == len(METRICS)  # one name, one number
    today = make_tab(qtbot, TodayTab, demo_store, YEAR)
    assert today_trends(today) == {f: labels.label(f) for f in today.sparklines}
    assert "renewal_rate_pct" not in today.sparklines and monthly.id in today.sparklines
    for metric, card in today.cards.items():
        assert card.title.text() == METRICS[metric].label
    customers = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    assert monthly.label in customers.renewal_chart.points
    assert "Renewal (repeat purchase)" not in customers.renewal_text.text()
    assert METRICS["renewal_rate_pct"].label in customers.renewal_text.text()
    # table columns keyed by a catalogue metric carry its label, in the tab and the export
    models = [customers.segment_model]
    feedback = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    models += [feedback.segments.model, feedback.topics.model]
    pipeline = make_tab(qtbot, PipelineTab, demo_store, YEAR)
    models += [m for m in vars(pipeline).values() if hasattr(m, "visible_table")]
    margins = make_tab(qtbot, MarginsTab, demo_store, YEAR)
    models += [m for m in vars(margins).values() if hasattr(m, "visible_table")]
    aliases = {"Referral", "Renewal", "Churn", "NPS", "CSAT", "Avg discount", "Conv.",
               "Margin", "Profit", "1st response", "Repeat", "Retention"}
    for model in models:
        for column in model.columns:
            if column.key in METRICS:
                assert column.header == METRICS[column.key].label, column.key
            assert column.header not in aliases, column.header
    export = [t for t in feedback.export_tables() if getattr(t, "title", "") ==
              "Referral and NPS by segment"][0]
    assert METRICS["referral_rate_pct"].label in export.headers


def today_trends(tab) -> dict[str, str]:
    """figure -> the sparkline's title as drawn."""
    from PySide6.QtWidgets import QLabel

    out = {}
    for figure, line in tab.sparklines.items():
        texts = [w.text() for w in line.findChildren(QLabel)]
        out[figure] = next((t for t in texts if t and not any(c.isdigit() for c in t)), "")
    return out


# ----- polish -------------------------------------------------------------------------------
def test_untitled_deal_rows_show_their_ref_or_account(store):
    from custdesk.domain.records import Customer, Deal
    from custdesk.services.screens import lost, pipeline, today
    from custdesk.services.screens.labels import deal_title
    from custdesk.storage import repository

    assert deal_title(None, "Acme", 3) == "deal with Acme"
    assert deal_title("  ", None, 3) == "deal #3"
    repository.save_all(store, customers=[Customer("Acme", id=1)], deals=[
        Deal("Lost", id=1, customer_id=1, created_on="2024-01-02", closed_on="2024-03-01"),
        Deal("Lost", id=2, ref="OPP-7", created_on="2024-01-02", closed_on="2024-03-02"),
        Deal("Proposal", id=3, customer_id=1, created_on="2024-12-20", probability=60)])
    titles = sorted(r.title for r in today.build(store, ORDERS_ONLY).lists["lost"])
    assert titles == ["OPP-7", "deal with Acme"]
    assert sorted(r["title"] for r in lost.build(store, ORDERS_ONLY).lists["lost_deals"]) \
        == titles
    hot = pipeline.build(store, ORDERS_ONLY).lists["open_deals"]
    assert [r["title"] for r in hot] == ["deal with Acme"]


def test_risk_reasons_read_in_whole_days() -> None:
    from custdesk.domain.lists import RiskInputs, every_days, risk_reasons

    assert every_days(25.5) == "about every 26 days" and every_days(15) == "every 15 days"
    days = [date(2024, 1, 1), date(2024, 1, 26), date(2024, 2, 21)]  # gaps 25 and 26
    reasons = risk_reasons(RiskInputs(days), date(2024, 5, 1), 365)
    assert reasons == ["No order for 70 days (usually about every 26 days)"]
    assert not re.search(r"\d\.\d", " ".join(reasons))


def test_customer_dialog_never_says_active_beside_lapsed(qtbot, orders_only):
    from custdesk.domain.records import OrderLine
    from custdesk.storage import repository
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog

    # C1's last order is 2024-09-25; a later order of C2 moves the data's end past W days

    repository.save_all(orders_only, orders=[OrderLine("2026-01-10", 2, 10_000)])
    dialog = CustomerDialog(orders_only, 1, period=ORDERS_ONLY, label="2024")
    qtbot.addWidget(dialog)
    assert dialog.story.lists["customer"][0]["status"] == "lapsed"
    assert "lapsed" in dialog.status_text and "active" not in dialog.status_text
    assert "active" not in dialog.header.text().replace("activity", "")
    assert "lapsed" in dialog.risk.text()
    orders = [r for r in dialog.timeline_model.rows() if r["kind"] == "Order"]
    assert len(orders) == 3 and all(r["what"].startswith("Order O1-") for r in orders)

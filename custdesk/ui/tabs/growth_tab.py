"""The Growth tab: where customers come from, what they cost and bring, and the trends
around them — draws the growth screen (`services/screens/growth.py`), computes nothing.
It builds only the page shown (issue 18: "nothing computes a screen that isn't visible"):
a load is the cards and the visible page (`growth.build_pages`); another page is built when
the owner switches to it; a period change or a write reloads the visible page and marks the
others stale, each rebuilt when shown. Export and print hold every page: the missing ones
are asked for in the background like a switch's (never built on the GUI thread), and the
export or print runs when they arrive — dropped if the period or the data changed meanwhile.

KPI cards, then one page per question: Acquisition (by source, LTV by segment, spend by
month), Revenue moves (the prior → current waterfall and its table), Price (discount on
order lines by month, product and segment; realised vs list price; win rate by discount
band), Discounting (won deals and order lines at or beyond the deep-discount setting),
Pipeline (leads per month by source, funnel, month-end pipeline, win rate and cycle),
Costs (operating costs, cost to serve per group, groups by month), Markets (country, region,
city, segment × source, penetration by quarter) and Products (top products by month,
customers who stopped buying a product, products per customer).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from custdesk.domain.periods import Period
from custdesk.services.files import Store
from custdesk.services.screen_process import ScreenJob
from custdesk.services.screens import growth
from custdesk.services.screens.model import Screen
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import WaterfallChart
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs import growth_columns as cols
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.metric_panels import (
    TablePanel,
    card_figures,
    card_row,
    fill_cards,
    key_figures_sheet,
    money_col,
    stacked,
)
from custdesk.ui.tasks import TaskState

log = logging.getLogger(__name__)
EMPTY_NOTES = {"costs_by_month": "no operating costs imported for these months",
               "deep_deals": "no won deal at the deep discount or more",
               "deep_lines": "no order line at the deep discount or more",
               "stopped_buying": "nobody stopped buying a product",
               "unit_prices": "no order lines with a quantity and product"}
CARDS = growth.CARDS
# the pages in order (`growth.PAGES`), and as `lists["page_notes"]` names them
# ("discounting" shares the price notes: the cost of discounting is said on both)
PAGES = growth.PAGES
PAGE_KEYS = tuple(growth.NOTE_KEYS[page] for page in PAGES)


def _grid(cells: Sequence[tuple[QWidget, int, int, int, int]], stretches: Sequence[int] = ()
          ) -> QWidget:
    """A page: widgets at (row, column, row span, column span); column stretches."""
    page = QWidget()
    grid = QGridLayout(page)
    grid.setContentsMargins(2, 4, 2, 2)
    grid.setSpacing(8)
    for widget, row, col, rows, span in cells:
        grid.addWidget(widget, row, col, rows, span)
    for i, s in enumerate(stretches):
        grid.setColumnStretch(i, s)
    return page


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: gray;")
    return label


class GrowthTab(DashboardTab):
    title = "Growth"
    slug = "growth"
    depends_on = frozenset({"customers", "orders", "products", "deals", "spend", "tickets",
                            "costs", "stages", "settings", "pipeline_snapshots"})
    screen_module = growth
    empty_heading = "Nothing to grow from yet"
    empty_imports = ("customers (with source, segment, country)", "orders with discounts",
                     "deals with their stages", "marketing spend and operating costs")
    empty_why = ("Growth shows what each source's customers cost and bring, how revenue "
                 "moved between periods, the pressure on prices, pipeline trends, costs and "
                 "markets.")

    def build_content(self) -> QWidget:
        self.cards, cards_layout = card_row(CARDS, compact=True)
        self.pages = PageTabs()
        self.pages.setDocumentMode(True)
        self.panels: dict[str, TablePanel] = {}
        self.waterfall = WaterfallChart("money")
        self._add_pages()
        # the screen's sentences about the page shown (`lists["page_notes"]`)
        self.page_note = _note()
        self.pages.currentChanged.connect(self._show_page_note)
        self.pages.currentChanged.connect(self._page_changed)
        # the pages built for the data and period shown; the others are stale
        self.built: set[str] = set()
        self._generation = 0  # moves with every reload: a late page from before is dropped
        # an export or print waiting for every page: what to run then, and the pages asked
        self._output: Callable[[], object] | None = None
        self._output_pages: frozenset[str] = frozenset()
        return stacked(cards_layout, (self.pages, 1), self.page_note)

    # ----- one page at a time ------------------------------------------------------------
    def visible_page(self) -> str:
        return PAGES[max(self.pages.currentIndex(), 0)]

    def load_job(self, period: Period) -> ScreenJob:
        """The cards and the visible page only (the others load when shown)."""
        return ScreenJob(growth.build_pages, (period, self.period_label,
                                              (self.visible_page(),)))

    def pages_job(self, period: Period, pages: Sequence[str]) -> ScreenJob:
        """More pages of the screen shown (its cards are there already)."""
        return ScreenJob(growth.build_pages, (period, self.period_label, tuple(pages)),
                         {"with_cards": False})

    def load(self, store: Store, period: Period) -> Screen:
        """Every page: what the tab shows once each page has been visited (the builder its
        loads call, page by page)."""
        return growth.build_pages(store, period, self.period_label, PAGES)

    def refresh(self) -> None:
        self._generation += 1
        self.built.clear()  # every page stale: the visible one reloads now, others when shown
        self._runner().cancel((self, "page"))
        self._drop_output()  # an export or print asked for the data shown before
        super().refresh()
        self._snapshot_if_due()

    def _page_changed(self, *_args: object) -> None:
        self._load_visible_page()

    def _load_visible_page(self) -> None:
        """Build the page shown if it is stale — unless the tab's own load is still on its
        way (it ends by calling this again) or an export's pages bring it."""
        page = self.visible_page()
        if page in self.built:
            return
        # a stale page shows no rows of the data or period before while its own come
        # (searched, sorted or opened, they would mislead); an error leaves it empty too
        self._blank_page(page)
        if (self.store is None or self.data is None or self.data.empty
                or page in self._output_pages or self._runner().has_task(self)):
            return
        self._request_pages((page,), "page")

    def _blank_page(self, page: str) -> None:
        keys = growth.PAGE_TABLES[page]
        for key in keys:
            panel = self.panels.get(key)
            if panel is not None:
                panel.model.set_rows([])
                panel.note.setText("")
        if "revenue_waterfall" in keys:
            self.waterfall.set_steps([])

    def _request_pages(self, pages: Sequence[str], kind: str,
                       then: Callable[[], object] | None = None) -> None:
        """Build `pages` in the background (a task of key (self, kind), the screen process
        on a big file), draw them when they come, then call `then`. They are dropped if
        the tab reloaded, or its period, label or file changed, meanwhile."""
        assert self.store is not None
        generation, store = self._generation, self.store
        period, label = self.period, self.period_label

        def current() -> bool:
            return (generation == self._generation and self.store is store
                    and self.period == period and self.period_label == label
                    and self.data is not None and not self._stale)

        def loaded(screen: Screen) -> None:
            if not current():
                return  # for data no longer shown (the reload that follows redraws)
            self._page_loaded(pages, screen)
            if then is not None:
                then()

        self.busy.set_busy(True)
        self._runner().submit(store, self.pages_job(period, pages), loaded,
                              self._failed, key=(self, kind))

    def _page_loaded(self, pages: Sequence[str], screen: Screen) -> None:
        """Add pages' tables, lists and notes to the screen shown and draw those pages."""
        self.busy.set_busy(False)
        if self.data is None:
            return
        keys = {growth.NOTE_KEYS[p] for p in pages}
        notes = [n for n in self.data.lists.get("page_notes", []) if n["page"] not in keys]
        lists = {**self.data.lists, **screen.lists,
                 "page_notes": notes + list(screen.lists.get("page_notes", []))}
        self.data = dataclasses.replace(self.data, tables={**self.data.tables,
                                                           **screen.tables}, lists=lists)
        self._draw_pages(self.data, pages)

    def release_screen(self) -> bool:
        """Kept while an export or print waits for its pages (it needs the screen)."""
        return self._output is None and super().release_screen()

    def release_more(self) -> None:
        """The screen was given back while hidden (`DashboardTab.release_screen`): every
        page is stale."""
        self.built.clear()

    def hideEvent(self, event: QHideEvent) -> None:
        """A page still loading when the tab is hidden is dropped (rebuilt when shown)."""
        super().hideEvent(event)
        if self.parentWidget() is None or event.spontaneous():
            return
        runner = self._runner()
        if runner.has_task((self, "page")):
            runner.cancel((self, "page"))
            # an export's pages go on: the owner asked for them
            self.busy.set_busy(runner.has_task((self, "output")))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load_visible_page()

    def _show_page_note(self, *_args: object) -> None:
        key = PAGE_KEYS[self.pages.currentIndex()] if self.pages.count() else ""
        notes = self.data.lists.get("page_notes", []) if self.data is not None else []
        text = fmt.money_in_text(" ".join(n["note"] for n in notes if n["page"] == key))
        self.page_note.setText(text)
        self.page_note.setVisible(bool(text))

    def _panel(self, key: str, title: str, columns: Sequence[Column],
               search: str | None = None, stretch: int = 0) -> TablePanel:
        panel = TablePanel(f"growth/{key}", title, columns, search=search, stretch=stretch)
        self.panels[key] = panel
        return panel

    def _add_pages(self) -> None:
        p = self._panel
        moves = QWidget()
        box = QVBoxLayout(moves)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("<b>Revenue: prior period → this period</b>"))
        box.addWidget(self.waterfall, 1)
        pages = {
            "Acquisition": _grid([(p("by_source", "Acquisition by source", cols.SOURCE_COLUMNS),
                                   0, 0, 1, 2),
                                  (p("by_segment", "Lifetime value by segment",
                                     cols.SEGMENT_LTV_COLUMNS), 1, 0, 1, 1),
                                  (p("spend_by_month", "Spend by month and channel",
                                     [cols.month_col()]), 1, 1, 1, 1)], (1, 1)),
            "Revenue moves": _grid([(moves, 0, 0, 1, 1),
                                    (p("revenue_moves", "Existing and new revenue",
                                       cols.MOVES), 0, 1, 1, 1)], (3, 2)),
            "Price": _grid([(p("discount_by_month", "Discount on order lines by month",
                               cols.DISCOUNT_MONTHS), 0, 0, 1, 1),
                            (p("discount_by_product", "By product", cols.DISCOUNT_PRODUCTS),
                             0, 1, 1, 1),
                            (p("discount_by_segment", "By segment", cols.DISCOUNT_SEGMENTS),
                             0, 2, 1, 1),
                            (p("unit_prices", "Realised vs list price", cols.UNIT_PRICES),
                             1, 0, 1, 2),
                            (p("win_rate_by_discount", "Win rate by deal discount",
                               cols.BANDS), 1, 2, 1, 1)], (1, 1, 1)),
            "Discounting": _grid([(p("deep_deals", "Won deals at a deep discount",
                                     cols.DEEP_DEALS), 0, 0, 1, 1),
                                  (p("deep_lines", "Order lines at a deep discount",
                                     cols.DEEP_LINES, "Search customer, product…", 1),
                                   0, 1, 1, 1)], (1, 1)),
            "Pipeline": _grid([(p("leads_by_month", "Leads by month and source",
                                  [cols.month_col()]), 0, 0, 1, 2),
                               (p("funnel", "Funnel of the period's leads", cols.FUNNEL),
                                0, 2, 1, 1),
                               (p("pipeline_month_ends", "Open pipeline at month ends",
                                  cols.MONTH_ENDS), 1, 0, 1, 1),
                               (p("deal_months", "Win rate, cycle and discount by month",
                                  cols.DEAL_MONTHS), 1, 1, 1, 2)], (3, 2, 2)),
            "Costs": _grid([(p("cost_to_serve", "Cost to serve by customer group",
                               cols.SERVE), 0, 0, 1, 2),
                            (p("costs_by_month", "Operating costs by month",
                               [cols.month_col()]), 1, 0, 1, 1),
                            (p("segment_months", "Groups by month", cols.SEGMENT_MONTHS,
                               "Search group…"), 1, 1, 1, 1)], (1, 1)),
            "Markets": _grid([(p("by_country", "By country", cols.PLACES), 0, 0, 1, 1),
                              (p("by_region", "By region", cols.PLACES), 0, 1, 1, 1),
                              (p("by_city", "By city", cols.PLACES, "Search city…"),
                               0, 2, 1, 1),
                              (p("segment_source", "Segment × source", cols.SEGMENT_SOURCE),
                               1, 0, 1, 1),
                              (p("penetration", "Segments' share by quarter",
                                 cols.PENETRATION), 1, 1, 1, 2)], (1, 1, 1)),
            "Products": _grid([(p("product_months", "Top products by month",
                                  [cols.month_col()]), 0, 0, 1, 2),
                               (p("stopped_buying", "Stopped buying a product (still active)",
                                  cols.STOPPED, "Search customer, product…"), 1, 0, 1, 1),
                               (p("products_per_customer", "Products per customer",
                                  cols.SPREAD), 1, 1, 1, 1)], (3, 1)),
        }
        for name, page in pages.items():
            self.pages.addTab(page, name)

    def _snapshot_if_due(self, today: date | None = None) -> None:
        """Record this month's pipeline snapshot once (`growth_service`): a write task of
        its own, after which this tab redraws with it."""
        from custdesk.services import growth_service

        day = today or date.today()
        if self.store is None or not growth_service.needs_pipeline_snapshot(self.store, day):
            return
        def record(state: TaskState) -> int:
            assert state.store is not None  # a write task always has its store
            return growth_service.record_pipeline_snapshot(state.store, day)

        self._runner().write(
            self.store, record, {"pipeline_snapshots"}, lambda _n: None,
            lambda exc: log.warning("pipeline snapshot not recorded: %s", exc),
            key=(self, "snapshot"))

    # ----- drawing the screen ------------------------------------------------------------
    def show_screen(self, screen: Screen) -> None:
        """The cards and the pages the screen holds (the visible one after a load), then
        the page shown if the owner switched to another while it loaded."""
        fill_cards(self.cards, screen.cards)
        pages = [p for p in PAGES if all(k in screen.tables for k in growth.PAGE_TABLES[p])]
        self._draw_pages(screen, pages)
        self._load_visible_page()

    def _draw_pages(self, screen: Screen, pages: Sequence[str]) -> None:
        self.built.update(pages)
        shown = {k for p in pages for k in growth.PAGE_TABLES[p]}
        t, lists = screen.tables, screen.lists

        def names(key: str, field: str) -> list[str]:
            return [r[field] for r in lists.get(key, t.get(key, []))]

        dynamic = {
            "spend_by_month": cols.per_key([cols.month_col()], names("channels", "channel"),
                                           last=[money_col("total", "Total")]),
            "leads_by_month": [cols.month_col(), Column("leads_new", "New leads", "int"),
                               Column("leads_qualified", "Qualified", "int"),
                               *cols.new_and_qualified(names("lead_sources", "source"))],
            "costs_by_month": cols.per_key([cols.month_col()],
                                           names("cost_categories", "category"),
                                           last=[money_col("total", "Total")]),
            "product_months": cols.per_key([cols.month_col()],
                                           names("product_names", "product")),
        }
        for key, panel in self.panels.items():
            if key not in shown:
                continue
            if key in dynamic:
                panel.model.columns = dynamic[key]
            panel.model.set_rows(t.get(key, []))
            # an empty table says why instead of looking broken
            panel.note.setText("" if t.get(key) else EMPTY_NOTES.get(key, "none in the period"))
        if "revenue_waterfall" in shown:
            self.waterfall.set_steps([(s["step"], s["value"], s["kind"])
                                      for s in t.get("revenue_waterfall", [])])
        self._show_page_note()

    # ----- print and export --------------------------------------------------------------
    # An export or a print holds every page: the missing ones are built as a switch builds
    # one (a task, the screen process on a big file; never here on the GUI thread, where
    # the big file's pages took seconds), and the output runs when they have been drawn.
    def with_every_page(self, then: Callable[[], object]) -> None:
        """Call `then` once every page is built for the data and period shown: now if
        they are, else when the missing pages arrive (dropped if the tab reloads first; a
        newer request replaces a waiting one)."""
        self._drop_output()
        self._output = then
        self._ask_missing_pages()

    def _ask_missing_pages(self) -> None:
        then = self._output
        if then is None or (self.store is not None and self._runner().has_task(self)):
            return  # the tab's load is on its way (`_loaded` comes back here)
        missing = [p for p in PAGES if p not in self.built]
        if self.store is None or self.data is None or self.data.empty or not missing:
            self._output = None
            then()
            return
        self._runner().cancel((self, "page"))  # a page on its way: these pages bring it
        self._output_pages = frozenset(missing)

        def done() -> None:
            self._output, self._output_pages = None, frozenset()
            then()
            self.release_later()  # the screen was held for this output (release_screen)

        self._request_pages(missing, "output", done)

    def _drop_output(self) -> None:
        if self._output is not None:
            self._output, self._output_pages = None, frozenset()
            self._runner().cancel((self, "output"))
            self.release_later()  # no longer held for it (release_screen)

    def _loaded(self, data: Screen) -> None:
        super()._loaded(data)
        self._ask_missing_pages()  # an export asked while the tab was loading

    def _failed(self, message: str) -> None:
        """A load or a page failed: on the error line; a waiting export or print is
        dropped."""
        self._drop_output()
        super()._failed(message)

    def export_tables(self) -> list:
        """The key figures, then every table as drawn (`with_every_page` first for all)."""
        from custdesk.ui.tab_output import sheet_from_model

        sheets = [sheet_from_model(p.title, p.model) for p in self.panels.values()]
        if self.data is not None:
            sheets.insert(0, key_figures_sheet(CARDS, self.data.cards))
        return sheets

    def report_html(self) -> str:
        """The cards and every table as drawn (`with_every_page` first for all)."""
        from custdesk.reports.tab_report import tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        tables = [text_table_from_model(p.title, p.model) for p in self.panels.values()]
        p = self.period
        return tab_report_html("Growth", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}",
                               card_figures(self.cards), tables)

    def export_dialog(self) -> None:
        from custdesk.ui import tab_output

        self.with_every_page(lambda: tab_output.export_dialog(self, "custdesk growth",
                                                              self.export_tables()))

    def print_dialog(self) -> None:
        from custdesk.ui import tab_output

        self.with_every_page(lambda: tab_output.print_preview(self, self.report_html()))

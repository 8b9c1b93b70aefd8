"""The growth screen (issue 17): acquisition by source, spend by month and channel, LTV by
segment and by source, revenue movements, price pressure, pipeline trends, costs, markets
and product mix (Qt-free). Drawn by the Growth tab; `custdesk screen growth`.

Cards: new customers, spend, acquisition cost, predicted lifetime value and LTV:CAC against
the prior period (and the owner's targets). Tables: `by_source` (new customers, spend of the
channel with the same name, cac, first-year revenue and gross profit so far, payback
months, historical and predicted LTV, LTV:CAC), `by_segment` (LTV), `spend_by_month` (one
row per month the period touches, a column per channel; `lists["channels"]` orders them).
Acquisition definitions are in `services/growth_service.py`; the other parts' in their
modules `growth_revenue`, `growth_price`, `growth_pipeline`, `growth_costs`,
`growth_markets` (each table's keys are listed there).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from custdesk.domain.metric_values import MetricValue, count, money
from custdesk.domain.metrics_all import spend_in
from custdesk.domain.metrics_customers import CustomerTally, tally_metrics
from custdesk.domain.metrics_sales import DiscountTotals, discount_metric
from custdesk.domain.periods import Period
from custdesk.services import growth_service as gs
from custdesk.services import metrics_service as ms
from custdesk.services.screens import (
    growth_costs,
    growth_markets,
    growth_pipeline,
    growth_price,
    growth_revenue,
    honest,
)
from custdesk.services.screens.model import Card, Screen
from custdesk.services.screens.targets import with_targets
from custdesk.storage import Store, queries
from custdesk.storage import queries_growth_cards as qgc
from custdesk.storage import queries_growth_pipeline as qgp
from custdesk.storage import queries_growth_price as qgpr
from custdesk.storage import queries_kept as qk
from custdesk.storage import queries_records as rec
from custdesk.storage.beside import beside, waited_on_failure
from custdesk.storage.queries_growth_sources import SourceSums
from custdesk.storage.repository import table_counts

NAME = "growth"
CARDS = ("customers_new", "spend", "cac", "ltv_predictive", "ltv_cac_ratio",
         "discount_line_pct_avg", "leads_new", "leads_qualified")
LISTS = ("channels", "lead_sources", "cost_categories", "page_notes")
TABLES = ("by_source", "by_segment", "spend_by_month", "revenue_moves", "revenue_waterfall",
          "discount_by_month", "discount_by_product", "discount_by_segment", "unit_prices",
          "deal_months", "win_rate_by_discount", "deep_deals", "deep_lines", "leads_by_month",
          "funnel", "pipeline_month_ends", "costs_by_month", "cost_to_serve",
          "segment_months", "by_country", "by_region", "by_city", "segment_source",
          "penetration", "product_months", "product_names", "stopped_buying",
          "products_per_customer")


def is_empty(store: Store) -> bool:
    """No customers, spend nor deals: nothing to say about growth."""
    counts = table_counts(store)
    return not any(counts.get(kind, 0) for kind in ("customers", "spend", "deals"))


# The tab's pages in order, and the tables each shows: the tab builds only the page shown
# (issue 18: "nothing computes a screen that isn't visible"); `build` makes them all.
PAGES = ("acquisition", "moves", "price", "discounting", "pipeline", "costs", "markets",
         "products")
PAGE_TABLES: dict[str, tuple[str, ...]] = {
    "acquisition": ("by_source", "by_segment", "spend_by_month"),
    "moves": ("revenue_moves", "revenue_waterfall"),
    "price": ("discount_by_month", "discount_by_product", "discount_by_segment",
              "unit_prices", "win_rate_by_discount"),
    "discounting": ("deep_deals", "deep_lines"),
    "pipeline": ("leads_by_month", "funnel", "pipeline_month_ends", "deal_months"),
    "costs": ("costs_by_month", "cost_to_serve", "segment_months"),
    "markets": ("by_country", "by_region", "by_city", "segment_source", "penetration"),
    "products": ("product_months", "product_names", "stopped_buying",
                 "products_per_customer"),
}
# the key of a page's sentences in `lists["page_notes"]`: Discounting says the Price
# page's (the cost of discounting is said on both)
NOTE_KEYS = {page: "price" if page == "discounting" else page for page in PAGES}
# the whole screen's order of tables and of page notes, as `custdesk screen growth` has
# always printed them
_TABLE_ORDER = ("by_source", "by_segment", "spend_by_month", "revenue_moves",
                "revenue_waterfall", "discount_by_month", "discount_by_product",
                "discount_by_segment", "unit_prices", "deal_months", "win_rate_by_discount",
                "deep_deals", "deep_lines", "by_country", "by_region", "by_city",
                "segment_source", "penetration", "product_months", "product_names",
                "stopped_buying", "products_per_customer", "leads_by_month", "funnel",
                "pipeline_month_ends", "costs_by_month", "cost_to_serve", "segment_months")
_NOTE_ORDER = ("acquisition", "moves", "price", "markets", "products", "pipeline", "costs")
_LIST_ORDER = ("channels", "lead_sources", "cost_categories")

Part = tuple[dict[str, list[Any]], dict[str, list[Any]], Sequence[str]]


class _Shared:
    """What several pages of one build read, computed once: the customers' sums per
    source and segment (Acquisition and the cards), the lines per customer and month
    (Markets and Costs) and the deep-discount deals and lines (Price and Discounting)."""

    def __init__(self, store: Store, period: Period, pages: Sequence[str] = PAGES) -> None:
        self.store, self.period, self.pages = store, period, frozenset(pages)
        self._sums: list[SourceSums] | None = None
        self._months: Any = None
        self._deep: tuple[Any, Any] | None = None

    def sums(self) -> list[SourceSums]:
        if self._sums is None:
            self._sums = gs.source_sums(self.store, self.period)
        return self._sums

    def months(self) -> Any:
        if self._months is None:
            self._months = growth_markets.customer_months(self.store, self.period)
        return self._months

    def deep(self) -> tuple[Any, Any] | tuple[None, None]:
        return self._deep or (None, None)

    def keep_deep(self, deals: Any, lines: Any) -> None:
        self._deep = (deals, lines)


def _acquisition(store: Store, period: Period, shared: _Shared) -> Part:
    return parts(store, period, shared.sums())


def _moves(store: Store, period: Period, shared: _Shared) -> Part:
    tables, notes = growth_revenue.movements(store, period)
    return tables, {}, notes


def _price(store: Store, period: Period, shared: _Shared) -> Part:
    tables, notes = growth_price.price_page(store, period, *shared.deep())
    return tables, {}, notes


def _discounting(store: Store, period: Period, shared: _Shared) -> Part:
    deep_pct = ms.load_settings(store).deep_discount_pct
    deals = qgpr.deep_discount_deals(store, period, deep_pct)
    lines = qgpr.deep_discount_lines(store, period, deep_pct)
    shared.keep_deep(deals, lines)
    tables, notes = growth_price.discounting_page(store, period, deals, lines)
    return tables, {}, notes


def _pipeline(store: Store, period: Period, shared: _Shared) -> Part:
    tables, lists, notes = growth_pipeline.pipeline(store, period)
    return {**tables, "deal_months": growth_price.deal_months(store, period)}, lists, notes


def _costs(store: Store, period: Period, shared: _Shared) -> Part:
    # alone, Costs sums the period's lines only (Markets' penetration needs a year at least)
    months = shared.months() if "markets" in shared.pages else None
    return growth_costs.costs(store, period, months=months)


def _markets(store: Store, period: Period, shared: _Shared) -> Part:
    tables, notes = growth_markets.markets(store, period, months=shared.months())
    return tables, {}, notes


def _products(store: Store, period: Period, shared: _Shared) -> Part:
    tables, notes = growth_revenue.product_mix(store, period)
    return tables, {}, notes


PAGE_BUILDERS: dict[str, Callable[[Store, Period, _Shared], Part]] = {
    "acquisition": _acquisition, "moves": _moves, "price": _price,
    "discounting": _discounting, "pipeline": _pipeline, "costs": _costs,
    "markets": _markets, "products": _products}
# the whole screen builds Discounting before Price: Price's notes reuse its deep lines
_BUILD_ORDER = ("acquisition", "moves", "discounting", "price", "pipeline", "costs",
                "markets", "products")


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True
          ) -> Screen:
    """The growth screen for `period`, every page (it has no monthly series: `with_series`
    is moot)."""
    return build_pages(store, period, label, PAGES)


def build_pages(store: Store, period: Period, label: str, pages: Sequence[str], *,
                with_cards: bool = True) -> Screen:
    """The growth screen with only `pages`' tables, lists and page notes (and the cards,
    unless `with_cards` is false): what the tab loads for the page it shows. All of
    `PAGES` is the whole screen, as `custdesk screen growth` prints it."""
    unknown = set(pages) - set(PAGES)
    if unknown:
        raise ValueError(f"no growth page {', '.join(sorted(unknown))}")
    if is_empty(store):
        return Screen.nothing(NAME, period, label, CARDS, LISTS, TABLES)
    shared = _Shared(store, period, pages)
    cards: dict[str, Card] = {}
    if with_cards:
        # the Acquisition page's per-source sums serve the cards when it is built too
        now, prior = card_figures(store, period,
                                  shared.sums if "acquisition" in pages else None)
        cards = with_targets({m: Card(m, now.get(m), prior.get(m)) for m in CARDS}, store,
                             period)
    tables: dict[str, list[Any]] = {}
    lists: dict[str, list[Any]] = {}
    notes: dict[str, Sequence[str]] = {}
    for page in sorted(set(pages), key=_BUILD_ORDER.index):
        more, named, said = PAGE_BUILDERS[page](store, period, shared)
        tables.update(more)
        lists.update(named)
        notes.setdefault(NOTE_KEYS[page], said)  # Price's and Discounting's are the same
    # each part's sentences go with its page (`lists["page_notes"]`), not above the tab
    ordered = {k: lists[k] for k in _LIST_ORDER if k in lists}
    ordered["page_notes"] = [{"page": key, "note": n}
                             for key in _NOTE_ORDER for n in notes.get(key, ())]
    return honest.finish(Screen(
        NAME, period, label, cards=cards,
        tables={k: tables[k] for k in _TABLE_ORDER if k in tables}, lists=ordered))


def card_figures(store: Store, period: Period,
                 sums: Sequence[SourceSums] | Callable[[], Sequence[SourceSums]] | None = None
                 ) -> tuple[dict[str, MetricValue], dict[str, MetricValue]]:
    """The cards' metrics of the period and the prior one — what `compute_metrics` gives
    for them (tested equal) from their own sums: the customers' (`queries_growth_cards.
    card_tally`, or the period's `growth_service.source_sums` given by the caller when it
    has them), spend, the lines' discounts, the deals created (one scan for both periods)
    and the qualified leads; not the whole catalogue with its deal, feedback, order and
    action sums. (`sums` may be a call giving them: it runs while the prior period's sums
    are computed beside it.)"""
    prior_period = period.prior()
    window = ms.load_settings(store).window_days
    # what Today's catalogue kept (its period and the prior one) serves as it is; what is
    # missing (a period change) runs on second connections meanwhile (two cores)
    kept = {p: qk.customer_tally(store, p, window) for p in (period, prior_period)}
    prior_tally = (None if kept[prior_period] is not None else
                   beside(store, lambda twin: qgc.card_tally(twin, prior_period, window)))
    kept_qualified = [qk.leads_qualified(store, p) for p in (period, prior_period)]
    qualified = (None if None not in kept_qualified else beside(  # one pass for both
        store, lambda twin: qgp.leads_qualified(twin, [period, prior_period])))
    # both periods' line discounts (Today's catalogue no longer sums them: ~0.2 s on a big
    # file) beside the customers' sums too
    discounts = beside(store, lambda twin: [queries.discount_totals(twin, p)
                                            for p in (period, prior_period)])
    with waited_on_failure(prior_tally, qualified, discounts):
        if callable(sums):
            sums = sums()
        spend = rec.load_spend(store)
        leads = dict(zip(("now", "prior"), qgp.leads_created(store, [period, prior_period]),
                         strict=True))
    qualified_of = ([n for n in kept_qualified if n is not None] if qualified is None
                    else qualified.result())
    discount_of = dict(zip(("now", "prior"), discounts.result(), strict=True))
    out = []
    for key, p in (("now", period), ("prior", prior_period)):
        tally = kept[p]
        if tally is None:
            tally = (prior_tally.result() if prior_tally is not None and key == "prior"
                     else sum((g.tally for g in sums), CustomerTally()) if sums is not None
                     else qgc.card_tally(store, p, window))
        spend_e4 = spend_in(spend, p)
        values = tally_metrics(tally, spend_e4)
        values["spend"] = money(spend_e4, None)
        values["discount_line_pct_avg"] = discount_metric(
            discount_of[key].get("", DiscountTotals()))
        values["leads_new"] = count(leads[key])
        values["leads_qualified"] = (
            count(qualified_of[0 if key == "now" else 1]) if qualified_of is not None
            else MetricValue(None, 0))
        out.append({m: values[m] for m in CARDS})
    return out[0], out[1]


def parts(store: Store, period: Period, sums: Sequence[SourceSums] | None = None
          ) -> tuple[dict[str, list[Any]], dict[str, list[Any]], tuple[str, ...]]:
    """The screen's tables, lists and notes without its cards (the Margins tab draws them
    beside its own cards, which already hold these metrics)."""
    g = gs.growth(store, period, sums)
    notes = ["First-year figures count each new customer's sales from their first day up to "
             "a year later or the period's end, whichever comes first (so far, for recent "
             "customers)."]
    if g.unmatched_spend:
        names = ", ".join(sorted(g.unmatched_spend))
        notes.append(f"Spend on {names} matches no customer source (names must be alike: "
                     "'event' and 'events' differ) — its cost is in the total acquisition "
                     "cost but in no source's.")
    tables: dict[str, list[Any]] = {
        "by_source": [dataclasses.asdict(r) for r in g.sources],
        "by_segment": [dataclasses.asdict(r) for r in g.segments],
        "spend_by_month": g.spend_by_month}
    return tables, {"channels": [{"channel": c} for c in g.channels]}, tuple(notes)

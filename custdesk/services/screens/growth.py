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
from collections.abc import Sequence
from functools import partial
from typing import Any

from custdesk.domain.metric_values import MetricValue, count, money
from custdesk.domain.metrics_all import spend_in
from custdesk.domain.metrics_customers import CustomerTally, tally_metrics
from custdesk.domain.metrics_sales import DiscountTotals, discount_metric
from custdesk.domain.periods import Period
from custdesk.services import growth_service as gs
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
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_growth_pipeline as qgp
from custdesk.storage import queries_records as rec
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


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True
          ) -> Screen:
    """The growth screen for `period` (it has no monthly series: `with_series` is moot)."""
    if is_empty(store):
        return Screen.nothing(NAME, period, label, CARDS, LISTS, TABLES)
    sums = gs.source_sums(store, period)  # one pass over the customers for both
    now, prior = card_figures(store, period, sums)
    cards = with_targets({m: Card(m, now.get(m), prior.get(m)) for m in CARDS}, store, period)
    tables, lists, first = parts(store, period, sums)
    # each part's sentences go with its page (`lists["page_notes"]`), not above the tab
    page_notes = [{"page": "acquisition", "note": n} for n in first]
    # the markets and costs pages' segment tables share one scan of the lines
    months = growth_markets.customer_months(store, period)
    for page, part in (("moves", growth_revenue.movements), ("price", growth_price.price),
                       ("markets", partial(growth_markets.markets, months=months)),
                       ("products", growth_revenue.product_mix)):
        more, said = part(store, period)
        tables.update(more)
        page_notes += [{"page": page, "note": n} for n in said]
    for page, with_lists in (("pipeline", growth_pipeline.pipeline),
                             ("costs", partial(growth_costs.costs, months=months))):
        more, named, said = with_lists(store, period)
        tables.update(more)
        lists.update(named)
        page_notes += [{"page": page, "note": n} for n in said]
    lists["page_notes"] = page_notes
    return honest.finish(Screen(NAME, period, label, cards=cards, tables=tables, lists=lists))


def card_figures(store: Store, period: Period,
                 sums: Sequence[SourceSums] | None = None
                 ) -> tuple[dict[str, MetricValue], dict[str, MetricValue]]:
    """The cards' metrics of the period and the prior one — what `compute_metrics` gives
    for them (tested equal) from their own sums: the customers' (`growth_service.
    source_sums`, the period's given by the caller when it has them), spend, the lines'
    discounts, the deals created (one scan for both periods) and the qualified leads; not
    the whole catalogue with its deal, feedback, order and action sums."""
    prior_period = period.prior()
    spend = rec.load_spend(store)
    leads = dict(zip(("now", "prior"), qgp.leads_created(store, [period, prior_period]),
                     strict=True))
    out = []
    for key, p in (("now", period), ("prior", prior_period)):
        groups = gs.source_sums(store, p) if sums is None or key == "prior" else sums
        spend_e4 = spend_in(spend, p)
        values = tally_metrics(sum((g.tally for g in groups), CustomerTally()), spend_e4)
        values["spend"] = money(spend_e4, None)
        values["discount_line_pct_avg"] = discount_metric(
            queries.discount_totals(store, p).get("", DiscountTotals()))
        values["leads_new"] = count(leads[key])
        qualified = qd.leads_qualified(store, p)
        values["leads_qualified"] = (count(qualified) if qualified is not None
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

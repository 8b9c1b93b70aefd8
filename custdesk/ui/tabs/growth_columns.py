"""Column specs of the Growth tab's tables (keys of `services/screens/growth*.py` rows)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from custdesk.ui import formatting as fmt
from custdesk.ui.charts import month_label
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.metric_panels import metric_col, money_col


def _month_text(row: Mapping[str, Any]) -> str:
    """"Dec 25", or "Dec 25 (30 d)" for a partial month: never read as a whole month."""
    text = month_label(row["month"])
    return f"{text} ({row['days']} d)" if row.get("partial") else text


def month_col() -> Column:
    return Column("month", "Month", value=_month_text,
                  tooltip="A month marked (N d) is partial: only N days of it are in the period")


def short(column: Column, header: str) -> Column:
    """`column` under a shorter header (its tooltip keeps the whole explanation)."""
    return dataclasses.replace(column, header=header)


def pct_col(key: str, header: str, tooltip: str = "") -> Column:
    return Column(key, header, "pct", tooltip=tooltip)


def _signed_pct(v: float | None) -> str:
    return fmt.DASH if v is None else f"{'+' if v >= 0 else '−'}{fmt.number(abs(v), 1)} %"


def _days(v: float | None) -> str:
    return fmt.DASH if v is None else f"{fmt.number(v, 0)} d"


def per_key(first: Sequence[Column], keys: Sequence[str], kind: str = "money",
            last: Sequence[Column] = ()) -> list[Column]:
    """`first`, one column per key (a channel, source, category or product), `last`."""
    made = [money_col(k, k) if kind == "money" else Column(k, k, kind) for k in keys]
    return [*first, *made, *last]


def new_and_qualified(sources: Sequence[str]) -> list[Column]:
    """One column per lead source: "new · qualified" leads of the month."""
    def shown(src: str) -> Any:
        return lambda row: (f"{row.get(src) or 0} · "
                            f"{fmt.number(row.get(f'{src} qualified'))}")

    return [Column(src, src, value=shown(src),
                   tooltip=f"{src}: new leads · leads qualified in the month")
            for src in sources]


MOVES = [Column("move", "Movement", tooltip="Expansion: bought more than in the prior period; "
                "steady: exactly as much; contraction: less but something; lost: nothing "
                "after buying in the prior period; returning: bought before the prior "
                "period only"),
         Column("customers", "Customers", "int"),
         money_col("prior", "Prior period"), money_col("current", "This period"),
         money_col("change", "Change")]

DISCOUNT = [short(metric_col("discount_line_pct_avg", "discount_line_pct_avg"), "Discount"),
            Column("lines", "Lines", "int", tooltip="Order lines with a known discount")]
DISCOUNT_MONTHS = [month_col(), *DISCOUNT]
DISCOUNT_PRODUCTS = [Column("product", "Product"), *DISCOUNT,
                     money_col("discount", "Given", "Σ list − revenue")]
DISCOUNT_SEGMENTS = [Column("segment", "Segment"), *DISCOUNT,
                     money_col("discount", "Given", "Σ list − revenue")]
UNIT_PRICES = [Column("product", "Product"),
               Column("list_price", "List", "money", display=lambda v: fmt.money(v, 2)),
               Column("unit_price", "Realised", "money", display=lambda v: fmt.money(v, 2),
                      tooltip="Σ revenue ÷ Σ quantity over the period's lines"),
               Column("vs_list_pct", "vs list", "float", display=_signed_pct,
                      tooltip="Realised unit price against the list price"),
               Column("quantity", "Units", "float", display=lambda v: fmt.number(v, 0))]
BANDS = [Column("band", "Discount", tooltip="1 − amount ÷ list of deals closed in the period"),
         Column("won", "Won", "int"), Column("lost", "Lost", "int"),
         metric_col("win_rate_pct", "win_rate_pct")]
DEAL_MONTHS = [month_col(), Column("deals_won", "Won", "int"), Column("deals_lost", "Lost", "int"),
               metric_col("win_rate_pct", "win_rate_pct"),
               Column("sales_cycle_days_avg", "Cycle", "float", display=_days,
                      tooltip="Mean days from created to closed, deals won in the month"),
               metric_col("discount_pct_avg", "discount_pct_avg")]
DEEP_DEALS = [Column("deal", "Deal"), Column("closed_on", "Won", "date"), money_col("list", "List"),
              money_col("amount", "Amount"),
              pct_col("discount_pct", "Off"), money_col("given", "Given"),
              money_col("profit", "Profit", "Amount − cost: the units its list amount implies × "
                        "the product's unit cost (— unknown)")]
DEEP_LINES = [Column("date", "Date", "date"), Column("customer", "Customer"),
              Column("product", "Product"), pct_col("discount_pct", "Off"),
              money_col("revenue", "Revenue"), money_col("given", "Given"),
              money_col("profit", "Profit", "Revenue − cost (— unknown)")]
FUNNEL = [Column("stage", "Stage"),
          Column("deals", "Deals", "int", tooltip="Deals created in the period that reached "
                 "the stage (or a later one)"),
          pct_col("conversion_pct", "From previous")]
MONTH_ENDS = [month_col(), Column("deals_open", "Open", "int"),
              money_col("pipeline_value", "Value", "Σ amount of the deals open at the month "
                        "end (today's amounts), rebuilt from stage history"),
              Column("snapshot_deals", "Recorded", "int",
                     tooltip="Open deals in the snapshot kept for the month"),
              money_col("snapshot_value", "Recorded value")]
SERVE = [Column("segment", "Segment"), Column("customers", "Buyers", "int"),
         money_col("gross_profit", "Gross profit"),
         Column("contacts", "Contacts", "int", tooltip="Support contacts (tickets' contacts)"),
         money_col("contact_cost", "Support", "Contacts × cost per contact (settings)"),
         money_col("delivery_cost", "Delivery", "Orders × cost per delivery (settings)"),
         money_col("discounts", "Discounts", "Discounts given on its order lines"),
         money_col("cost_to_serve", "To serve", "Support + delivery + discounts"),
         money_col("per_customer", "Per buyer", "Cost to serve ÷ buying customers"),
         money_col("profit_after_serving", "After serving",
                   "Gross profit − support and delivery costs")]
SEGMENT_MONTHS = [month_col(), Column("segment", "Segment"),
                  Column("customers", "Buyers", "int"), money_col("revenue", "Revenue"),
                  money_col("gross_profit", "Gross profit")]
PLACES = [Column("place", "Place"), money_col("revenue", "Revenue"),
          short(metric_col("margin_pct", "gross_margin_pct"), "Margin"),
          Column("customers", "Buyers", "int"),
          pct_col("share_pct", "Share")]
SEGMENT_SOURCE = [Column("segment", "Segment"), Column("source", "Source"),
                  Column("customers", "Buyers", "int"), money_col("revenue", "Revenue")]
PENETRATION = [Column("quarter", "Quarter",
                      value=lambda r: r["quarter"] + (" (part)" if r.get("partial") else ""),
                      tooltip="(part): only some of the quarter's days are in the range"),
               Column("segment", "Segment"),
               pct_col("customers_pct", "Of buyers",
                       "Share of the quarter's buying customers"),
               pct_col("revenue_pct", "Of revenue")]
STOPPED = [Column("customer", "Customer"), Column("product", "Product"),
           money_col("prior_revenue", "Before", "Its revenue from the product in the prior "
                     "period"),
           Column("last_bought", "Last bought", "date"),
           Column("last_order", "Last order", "date")]
SPREAD = [Column("products", "Products"), Column("customers", "Customers", "int")]


# ----- Acquisition page ----------------------------------------------------------------
def _months(v: float | None) -> str:
    return fmt.DASH if v is None else f"{fmt.number(v, 1)} mo"


def _ratio(v: float | None) -> str:
    return fmt.DASH if v is None else f"{fmt.number(v, 1)}×"


SOURCE_COLUMNS = [
    Column("source", "Source", tooltip="The customer's acquisition source (alike names merged)"),
    Column("new_customers", "New", "int", tooltip="Customers acquired in the period"),
    money_col("spend", "Spend", "Spend of the channel with the same name, months the period "
              "touches (— : no channel of that name)"),
    money_col("cac", "CAC", "Spend ÷ new customers"),
    money_col("first_year_revenue", "Yr-1 rev.",
              "Mean revenue of a new customer from their first day to a year later or the "
              "period's end"),
    money_col("first_year_profit", "Yr-1 profit", "The same, gross profit"),
    Column("payback_months", "Payback", "float", display=_months,
           tooltip="CAC ÷ a new customer's monthly gross profit in their first year"),
    money_col("ltv_historical", "LTV now",
              "Mean gross profit to date of the source's customers with orders"),
    money_col("ltv_predictive", "LTV pred.",
              "The source's annual profit per active customer ÷ its churn (10 years at most)"),
    Column("ltv_cac_ratio", "LTV:CAC", "float", display=_ratio,
           tooltip="Predicted LTV ÷ CAC: 3+ healthy, below 1 loses money"),
]
SEGMENT_LTV_COLUMNS = [
    Column("segment", "Segment"), Column("customers_active", "Active", "int"),
    Column("new_customers", "New", "int"),
    money_col("ltv_historical", "LTV to date", "Mean gross profit to date (customers with "
              "orders)"),
    money_col("ltv_predictive", "LTV predicted", "Annual profit per active customer ÷ the "
              "segment's churn (10 years at most)"),
]

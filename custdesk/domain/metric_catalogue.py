"""Every metric of METRICS.md: its owner-facing label, unit, explanation and formula.

The UI (tooltips, Help ▸ Metric definitions) and the CLI (`custdesk metrics --explain ID`)
read these texts; the numbers themselves are computed in the `metrics_*` modules.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MetricInfo:
    id: str
    label: str
    unit: str  # "money" | "pct" | "count" | "days" | "hours" | "ratio" | "score"
    higher_is_better: bool | None
    explanation: str
    formula: str


_SMALL = " Rates based on fewer than 30 cases are flagged as a small sample."
_WILSON = " The 95 % range shown is the Wilson score interval."

_ROWS: tuple[tuple[str, str, str, bool | None, str, str], ...] = (
    ("customers_total", "Customers", "count", None,
     "How many customers are in your file, whatever their state.",
     "count of customers"),
    ("contacts_undated", "Contacts without a purchase", "count", None,
     "People known only from tickets, surveys or open/lost deals: no order, no won deal and "
     "no acquisition date. They are never counted as new, active or lost until an order, a "
     "won deal or an acquired_on date makes them customers.",
     "customers with no acquired_on, no order, no won deal and not from a customers list"),
    ("customers_active", "Active customers", "count", True,
     "Customers who are active at the end of the period: acquired by then, not marked lost, "
     "and (if they buy from you) with an order in the activity window W before that day.",
     "E = customers active as of `to`"),
    ("customers_start", "Customers at start", "count", None,
     "Customers who were active on the day before the period began.",
     "S = customers active as of the day before `from`"),
    ("customers_new", "New customers", "count", True,
     "Customers acquired during the period (their acquired date, else first order, else first "
     "won deal, else the day they were imported).",
     "N = customers with acquired(c) in from..to"),
    ("customers_new_value", "Revenue from new customers", "money", True,
     "What the customers acquired in the period bought during the period.",
     "Σ revenue in the period of customers in N"),
    ("customers_lost", "Customers lost", "count", False,
     "Customers who were active at the start, new, or won back, and are no longer active at "
     "the end: marked lost, or no order for more than W days.",
     "(S ∪ N ∪ won back) not active as of `to`"),
    ("customers_lost_value", "Revenue of lost customers", "money", False,
     "What the customers lost in the period used to buy: their revenue in the W days up to "
     "their last order on or before the day they were lost.",
     "Σ revenue of lost customers in the W days up to their last order on or before their "
     "loss date"),
    ("customers_won_back", "Customers won back", "count", True,
     "Customers who had lapsed (no order for more than W days) before the period and are "
     "active again at its end.",
     "lost as of the day before `from` (not by explicit status), active as of `to`"),
    ("customers_lost_pct", "Share of customers lost", "pct", False,
     "Of all customers acquired by the end of the period, the share that is lost by then, "
     "by any rule." + _WILSON + _SMALL,
     "customers lost as of `to` ÷ customers acquired by `to` × 100"),
    ("retention_rate_pct", "Retention rate", "pct", True,
     "Of the customers you had at the start, the share you still have at the end. Customers "
     "won back and new customers are not retention, so it never goes above 100 %."
     + _WILSON + _SMALL,
     "customers of S still active at the end ÷ S × 100"),
    ("churn_rate_pct", "Churn rate", "pct", False,
     "Of the customers you had at the start, gained, or won back, the share you lost during "
     "the period." + _WILSON + _SMALL,
     "lost in period ÷ (S + N + won back) × 100"),
    ("renewal_rate_pct", "Renewal rate", "pct", True,
     "Of the customers who ordered in the previous period of the same length, the share who "
     "ordered again in this one." + _WILSON + _SMALL,
     "customers ordering in both prior period and period ÷ customers ordering in prior × 100"),
    ("repeat_customer_pct", "Repeat customers", "pct", True,
     "Of the customers who have ever ordered (up to the end of the period), the share who "
     "placed two or more separate orders." + _WILSON + _SMALL,
     "customers with 2+ distinct orders ÷ customers with 1+ order × 100, as of `to`"),
    ("revenue", "Revenue", "money", True,
     "Everything sold in the period; returns and cancellations count as negative lines.",
     "Σ line revenue in the period"),
    ("gross_profit", "Gross profit", "money", True,
     "Revenue minus what the goods cost you, over the lines whose cost you know.",
     "Σ (revenue − cost) over lines with a known cost"),
    ("gross_margin_pct", "Gross margin", "pct", True,
     "Gross profit as a share of the revenue of the same lines (lines without a cost are "
     "left out of both).",
     "gross_profit ÷ revenue of lines with a known cost × 100"),
    ("orders_count", "Orders", "count", True,
     "Separate orders in the period (a line without an order number is its own order).",
     "count of distinct order_ref (+ lines without one)"),
    ("avg_order_value", "Average order value", "money", True,
     "Revenue divided by the number of orders.",
     "revenue ÷ orders_count"),
    ("ltv_historical_avg", "Lifetime value (to date)", "money", True,
     "The average gross profit a customer has brought you so far (revenue where the cost is "
     "unknown), over customers who have ordered.",
     "mean over customers with orders of their gross profit to `to`"),
    ("ltv_predictive", "Lifetime value (predicted)", "money", True,
     "What an average active customer is likely to bring over their life: their yearly gross "
     "profit divided by the yearly churn rate, capped at 10 years. Unknown when no customer "
     "was lost in the last year.",
     "mean annual gross profit per active customer ÷ annual churn rate, ≤ 10 × annual profit"),
    ("lost_silent_pct", "Left without a word", "pct", False,
     "Of the customers lost in the period, the share who had no support ticket and no "
     "survey answer in the W days up to the day they were lost (the recorded loss date; "
     "for a lapsed customer their last order + W days; for a customer marked lost without "
     "a date, the period's last day)." + _WILSON + _SMALL,
     "customers lost in the period with no ticket and no survey in the W days up to their "
     "loss date ÷ customers lost in the period × 100"),
    ("new_first_order_avg", "First order of new customers", "money", True,
     "The average value of the first order of the customers acquired in the period (their "
     "earliest order on or before the period's end: the lines sharing its order number, or "
     "its day's lines without one; of two orders on that first day, the one with the "
     "lower order number). New customers without an order are left out.",
     "mean Σ revenue of the first order of the customers in N"),
    ("new_repeat_90d_pct", "New customers ordering again within 90 days", "pct", True,
     "Of the customers acquired in the period at least 90 days before its end who have "
     "ordered, the share who placed another order within 90 days of their first order "
     "(up to the period's end). Customers acquired in the last 89 days are left out: "
     "their 90 days are not over." + _WILSON + _SMALL,
     "customers of N acquired on or before `to` − 90 days with 2+ distinct orders dated "
     "first order .. first order + 90 days ÷ those with a first order × 100"),
    ("spend", "Marketing and sales spend", "money", None,
     "Your recorded marketing and sales spend for the months the period touches (spend is "
     "entered per month, so a period inside a month counts that whole month). Unknown "
     "when no spend is recorded for those months. Can be split by channel.",
     "Σ spend of the period's months"),
    ("cac", "Cost to acquire a customer", "money", False,
     "Your marketing and sales spend in the period divided by the new customers it brought.",
     "Σ spend in the period's months ÷ N"),
    ("ltv_cac_ratio", "Lifetime value ÷ acquisition cost", "ratio", True,
     "How many times a customer's predicted value covers what it cost to win them: 3 or more "
     "is healthy, below 1 loses money.",
     "ltv_predictive ÷ cac"),
    ("referral_rate_pct", "Referral rate", "pct", True,
     "Of the customers acquired in the period, the share who came by referral." + _WILSON,
     "N with source referral or referred_by ÷ N × 100"),
    ("would_refer_pct", "Would refer us", "pct", True,
     "Of the customer survey answers in the period that said yes or no to \"would you "
     "refer us?\", the share that said yes (the reasons of the no's say why not)."
     + _WILSON + _SMALL,
     "customer surveys answering would_refer yes ÷ those answering yes or no × 100"),
    ("nps", "Net promoter score", "score", True,
     "Promoters (9–10) minus detractors (0–6) as a share of customer survey answers, from "
     "−100 to 100. The 95 % range uses the variance of the promoter/passive/detractor score "
     "(normal approximation)." + _SMALL,
     "(answers 9–10 − answers 0–6) ÷ answers × 100"),
    ("enps", "Employee NPS", "score", True,
     "The net promoter score of your employee surveys (same method as NPS)." + _SMALL,
     "(answers 9–10 − answers 0–6) ÷ answers × 100, employee surveys"),
    ("csat_pct", "Customer satisfaction", "pct", True,
     "Share of satisfaction answers (1–5) that were 4 or 5, from surveys and support tickets "
     "in the period." + _WILSON + _SMALL,
     "csat answers 4–5 ÷ csat answers × 100"),
    ("first_response_hours_median", "First response time", "hours", False,
     "Typical hours from a support ticket being opened to your first reply (median).",
     "median(first_response_at − opened_at) in hours"),
    ("resolution_hours_median", "Resolution time", "hours", False,
     "Typical hours from a support ticket being opened to it being resolved (median).",
     "median(resolved_at − opened_at) in hours"),
    ("repeat_contact_rate_pct", "Repeat contacts", "pct", False,
     "Share of tickets opened within the repeat-contact window (a business setting, 1–365 "
     "days, default 7) after an earlier ticket of the same customer on the same topic. "
     "Tickets without an opening time are left out." + _WILSON + _SMALL,
     "repeat tickets ÷ tickets opened in the period × 100"),
    ("contacts_per_issue", "Contacts per issue", "ratio", False,
     "Average number of contacts it took to resolve a ticket (1 when not recorded).",
     "mean contacts over tickets resolved in the period"),
    ("complaints_count", "Complaints", "count", False,
     "Tickets flagged as complaints opened in the period.",
     "count of complaint tickets opened in the period"),
    ("mystery_shop_avg", "Mystery shop score", "score", True,
     "Average score (0–10) of mystery-shop visits in the period.",
     "mean score of mystery_shop surveys"),
    ("deals_open", "Open deals", "count", None,
     "Deals still open at the end of the period.",
     "deals created by `to` and not closed by `to`"),
    ("deals_open_unvalued", "Open deals without amount", "count", False,
     "Open deals with no amount entered, left out of the pipeline value.",
     "open deals without an amount"),
    ("pipeline_value", "Pipeline value", "money", True,
     "Total amount of the open deals that have an amount.",
     "Σ amount of open deals"),
    ("pipeline_weighted_value", "Weighted pipeline", "money", True,
     "Open deal amounts weighted by their chance of closing (the deal's own probability, "
     "else its stage's).",
     "Σ amount × probability ÷ 100 over open deals"),
    ("deals_won", "Deals won", "count", True,
     "Deals closed as won in the period.", "count of won deals closed in the period"),
    ("deals_lost", "Deals lost", "count", False,
     "Deals closed as lost in the period.", "count of lost deals closed in the period"),
    ("win_rate_pct", "Win rate", "pct", True,
     "Of the deals closed in the period, the share you won." + _WILSON + _SMALL,
     "won ÷ (won + lost) × 100"),
    ("win_rate_value_pct", "Win rate by value", "pct", True,
     "Of the amount of deals closed in the period (deals with an amount), the share "
     "you won." + _SMALL,
     "Σ amount won ÷ Σ amount of won and lost × 100"),
    ("sales_cycle_days_avg", "Sales cycle", "days", False,
     "Average days from a won deal being created to being closed.",
     "mean(closed_on − created_on) over deals won in the period"),
    ("discount_pct_avg", "Average discount", "pct", False,
     "Average discount off the list price on deals won in the period (list amount, else the "
     "product's list price).",
     "mean (1 − amount ÷ list) × 100 over won deals with a known list"),
    ("deep_discount_share_pct", "Deep discounts", "pct", False,
     "Share of won deals given a discount at or above the deep-discount threshold "
     "(20 % by default)." + _WILSON + _SMALL,
     "won deals with discount ≥ threshold ÷ won deals with a known discount × 100"),
    ("lead_conversion_pct", "Lead conversion", "pct", True,
     "Deals won in the period compared with deals created in the period." + _SMALL,
     "deals won ÷ deals created in the period × 100"),
    ("leads_new", "New leads", "count", True,
     "Deals created in the period (can be split by the deal's source).",
     "count of deals with created_on in the period"),
    ("leads_qualified", "Leads qualified", "count", True,
     "Deals that reached Qualified or a later stage of the pipeline during the period "
     "(Won counts, Lost does not), by the deal's stage history: each stage change made in "
     "the app or by an import is recorded with its date, and a deal without history "
     "entered its current stage on the day it was created. A deal counts once per period, "
     "when it moves into those stages from an earlier one (or is created in one); moving on "
     "between them is not a new qualification. Unknown without a stage named Qualified.",
     "deals entering a stage at or after Qualified (not lost) during the period"),
    ("discount_line_pct_avg", "Discount on order lines", "pct", False,
     "Price pressure on everyday sales: the discount given as a share of the list amount, "
     "over the period's order lines with a known discount. A line's discount is a "
     "fraction of its list amount, so list amount = revenue ÷ (1 − discount) and discount "
     "amount = list amount − revenue; lines with a 100 % discount have no known list "
     "amount and are left out.",
     "Σ discount amount ÷ Σ list amount × 100, list amount = revenue ÷ (1 − discount)"),
    ("actions_open", "Open actions", "count", False,
     "Actions still open at the end of the period: created by then and not done or "
     "dropped by then.",
     "actions created on or before `to`, not done/dropped by `to`"),
    ("actions_overdue", "Overdue actions", "count", False,
     "Open actions (at the end of the period) whose due date is before the period's last "
     "day.",
     "open actions as of `to` with due_on before `to`"),
)

METRICS: dict[str, MetricInfo] = {row[0]: MetricInfo(*row) for row in _ROWS}


def explain(metric_id: str) -> str:
    """Label, explanation and formula as plain text (CLI `--explain`, Help)."""
    info = METRICS[metric_id]
    return f"{info.label} ({info.id}, {info.unit})\n\n{info.explanation}\n\nFormula: {info.formula}"


def _words(text: str) -> str:
    """Lower case, every run of non-alphanumerics one space ("Win-rate %" -> "win rate")."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def find_metrics(text: str) -> list[str]:
    """Metric ids that `text` names: the id itself, its label ("Win rate" -> win_rate_pct),
    or a close spelling of either ("retention" -> retention_rate_pct). One id when it is
    clear, several when it is ambiguous (best first), none when nothing is close."""
    import difflib

    query = _words(text)
    if not query:
        return []
    if text.strip() in METRICS:
        return [text.strip()]
    spelled = {mid: (_words(mid.replace("_", " ")), _words(info.label))
               for mid, info in METRICS.items()}
    for tier in (
        # the id or the label, spelled loosely
        lambda i, lb: query in (i, lb),
        # the id without its unit suffix ("win rate" -> win_rate_pct)
        lambda i, lb: query == i.removesuffix(" pct").removesuffix(" avg"),
        # every word of the query starts a word of the id or label
        lambda i, lb: all(any(w.startswith(q) for w in (i + " " + lb).split())
                          for q in query.split()),
    ):
        found = [mid for mid, (i, lb) in spelled.items() if tier(i, lb)]
        if found:
            return _closest_first(query, found, spelled)
    names = {name: mid for mid, pair in spelled.items() for name in pair}
    close = difflib.get_close_matches(query, list(names), n=8, cutoff=0.75)
    return list(dict.fromkeys(names[name] for name in close))


def _closest_first(query: str, found: list[str], spelled: dict[str, tuple[str, str]]
                   ) -> list[str]:
    """The candidates, the one whose id or label is spelled most like the query first."""
    import difflib

    def closeness(mid: str) -> float:
        return max(difflib.SequenceMatcher(None, query, name).ratio() for name in spelled[mid])

    return sorted(found, key=lambda m: (-closeness(m), m))

"""The Lost prospects tab's analysis sections (issue 14): head to head per competitor and
the lost reasons across product, segment, deal size and owner. They draw the Lost screen's
tables (`services/screens/lost.py`) and compute nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from custdesk.services.screens.model import Screen
from custdesk.ui import formatting as fmt
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.metric_panels import TablePanel, money_col

DIMENSIONS = (("product", "Product"), ("segment", "Segment"), ("size", "Deal size"),
              ("owner", "Owner"))
BAND_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})*")


def band_text(label: Any) -> str:
    """A deal size band with its currency: "952–2,190" -> "$952–$2,190" (bands are deal
    amounts, whole currency units)."""
    return BAND_AMOUNT.sub(lambda m: fmt.money(float(m.group(0).replace(",", "")), 0),
                           str(label))


def _pct(v: Any) -> str:
    return fmt.DASH if v is None else f"{fmt.number(v, 0)} %"


def quarter_cell(cell: dict[str, Any] | None) -> str:
    """"2–1 · 67 %": won–lost against the rival that quarter and the win rate."""
    if cell is None or not (cell["won"] or cell["lost"]):
        return fmt.DASH
    return f"{cell['won']}–{cell['lost']} · {_pct(cell['win_rate_pct'])}"


def _cell_of(quarter: str) -> Callable[[Any], str]:
    return lambda row: quarter_cell(row.get(quarter))


def pivot(rows: list[dict[str, Any]]) -> tuple[list[tuple[str, bool]], list[dict[str, Any]]]:
    """The screen's per-quarter rows as (quarters with partial flag, one row per rival)."""
    quarters: list[tuple[str, bool]] = []
    by_rival: dict[str, dict[str, Any]] = {}
    for r in rows:
        if (r["quarter"], r["partial"]) not in quarters:
            quarters.append((r["quarter"], r["partial"]))
        by_rival.setdefault(r["competitor"], {"competitor": r["competitor"]})[r["quarter"]] = r
    return quarters, list(by_rival.values())


class HeadToHeadPage(QWidget):
    """Won and lost against each competitor, and the same quarter by quarter."""

    def __init__(self) -> None:
        super().__init__()
        self.rivals = TablePanel("lost/head_to_head", "Head to head, in the period", [
            Column("competitor", "Competitor"), Column("won", "Won", "int"),
            Column("lost", "Lost", "int"),
            Column("win_rate_pct", "Win rate", "pct", display=_pct,
                   tooltip="Won ÷ (won + lost) against this competitor"),
            money_col("won_value", "Won value"), money_col("lost_value", "Lost value"),
            Column("discount_pct_avg", "Avg discount", "pct", display=_pct,
                   tooltip="Mean of (1 − amount ÷ list) over the won deals with a known list "
                   "price (METRICS.md discount_pct_avg)"),
            Column("lost_reasons", "Why we lost"), Column("win_reasons", "Why we won")],
            stretch=7)
        self.trend = TablePanel("lost/head_to_head_quarters", "Quarter by quarter",
                                self._columns([]), stretch=None)
        self.trend.note.setText("won–lost · win rate; * quarter not over")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.rivals, 1)
        layout.addWidget(self.trend, 1)

    @staticmethod
    def _columns(quarters: list[tuple[str, bool]]) -> list[Column]:
        return [Column("competitor", "Competitor")] + [
            Column(f"q{i}", q + ("*" if partial else ""), value=_cell_of(q), searchable=False)
            for i, (q, partial) in enumerate(quarters)]

    def show_screen(self, screen: Screen) -> None:
        rows = screen.tables["head_to_head"]
        self.rivals.model.set_rows(rows)
        self.rivals.note.setText(
            f"{fmt.number(sum(r['deals'] for r in rows))} deals closed against a named "
            "competitor" if rows else "No deal closed in this period names a competitor")
        quarters, trend = pivot(screen.tables["head_to_head_by_quarter"])
        self.trend.model.columns = self._columns(quarters)
        self.trend.model.set_rows(trend)  # a reset: the headers are read again

    def panels(self) -> list[TablePanel]:
        return [self.rivals, self.trend]


class ReasonsAcrossPage(QWidget):
    """Lost deals' reasons by product, segment, deal size band or owner, and the lost value
    per reason."""

    def __init__(self) -> None:
        super().__init__()
        self.dimension = QComboBox()
        for key, label in DIMENSIONS:
            self.dimension.addItem(label, key)
        self.dimension.currentIndexChanged.connect(self._show_dimension)
        self.bands = QLabel()
        self.bands.setStyleSheet("color: gray;")
        self.bands.setWordWrap(True)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("<b>Lost reasons by:</b>"))
        pick.addWidget(self.dimension)
        pick.addWidget(self.bands, 1)
        self.cross = TablePanel("lost/cross_tabs", "Lost reasons by group", [
            Column("group", "Group"), Column("reason", "Reason"),
            Column("deals_lost", "Deals lost", "int"),
            Column("share_pct", "Share", "pct", display=_pct,
                   tooltip="Of the group's lost deals"),
            money_col("value", "Value")], search="Search group or reason…", stretch=0)
        self.values = TablePanel("lost/reason_values", "Lost value per reason", [
            Column("reason", "Reason"), Column("deals_lost", "Deals lost", "int"),
            money_col("value", "Lost value")], stretch=0)
        tables = QHBoxLayout()
        tables.addWidget(self.cross, 3)
        tables.addWidget(self.values, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(pick)
        layout.addLayout(tables, 1)
        self.shown: Screen | None = None

    def show_screen(self, screen: Screen) -> None:
        self.shown = screen
        self.values.model.set_rows(screen.tables["by_reason"])
        bands = screen.tables["size_bands"]
        self.bands.setText("Deal size bands: quartiles of the amounts of the deals closed "
                           "in the period (" + "; ".join(
                               f"{band_text(b['band'])}: {fmt.number(b['closed_deals'])}"
                               for b in bands) + ")" if bands else "")
        self._show_dimension()

    def _show_dimension(self) -> None:
        if self.shown is None:
            return
        key = self.dimension.currentData()
        self.cross.model.columns = [
            Column("group", self.dimension.currentText(),
                   display=band_text if key == "size" else None),
            *self.cross.model.columns[1:]]
        self.cross.model.set_rows([r for r in self.shown.tables["cross_tabs"]
                                   if r["dimension"] == key])  # a reset: headers read again

    def panels(self) -> list[TablePanel]:
        return [self.cross, self.values]

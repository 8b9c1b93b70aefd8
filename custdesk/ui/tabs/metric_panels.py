"""Pieces the Margins and Feedback tabs share: a titled table panel, a row of KPI cards, and
the cards as an export sheet and as printed figures."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS
from custdesk.services.screens import honest, labels
from custdesk.services.screens.model import Card, SeriesPoint
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import month_label
from custdesk.ui.kpi_card import KpiCard
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import RecordTableView, TableWithSearch


def stacked(*parts: QWidget | QLayout | tuple[QWidget | QLayout, int]) -> QWidget:
    """A tab's content: `parts` top to bottom, edge to edge (the tab frame has the margins);
    a `(part, stretch)` pair shares out the spare height."""
    content = QWidget()
    layout = QVBoxLayout(content)
    layout.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        item, stretch = part if isinstance(part, tuple) else (part, 0)
        if isinstance(item, QLayout):
            layout.addLayout(item, stretch)
        else:
            layout.addWidget(item, stretch)
    return content


def metric_col(key: str, metric: str, kind: str | None = None, *,
               display: Any = None, tooltip: str = "") -> Column:
    """A column showing a catalogue metric (or a screen's own figure) per group: headed by
    its one label (`services/screens/labels.py`), its explanation as the tooltip."""
    info = labels.info(metric)
    kind = kind or {"money": "money", "pct": "pct", "count": "int",
                    "score": "score"}.get(info.unit, "float")
    if display is None and kind == "money":
        display = lambda v: fmt.money(v, 0)  # noqa: E731 - whole units in summary tables
    return Column(key, info.label, kind, display=display,
                  tooltip=tooltip or info.explanation)


def why_blank(screen_tables: Mapping[str, Any]) -> dict[str, str]:
    """metric -> why the screen left it blank ("—"), from its `why_blank` table."""
    return {r["metric"]: r["reason"] for r in screen_tables.get(honest.WHY_BLANK, [])}


def add_reasons(cards: Mapping[str, KpiCard], reasons: Mapping[str, str]) -> None:
    """A blank card says why in its tooltip (and "no data: hover" on its detail line)."""
    for metric, reason in reasons.items():
        card = cards.get(metric)
        if card is None:
            continue
        card.setToolTip(card.toolTip() + f"<p><b>Why “—”:</b> {html.escape(reason)}</p>")
        card.detail.setText("not recorded in this file")


def money_col(key: str, header: str, tooltip: str = "") -> Column:
    """Whole currency units: cents only add width in these summary tables."""
    return Column(key, header, "money", display=lambda v: fmt.money(v, 0), tooltip=tooltip)


class TablePanel(QWidget):
    """A bold title, a grey note on the right, and a table (with a search box if asked)."""

    def __init__(self, name: str, title: str, columns: Sequence[Column], *,
                 search: str | None = None, stretch: int | None = 0) -> None:
        super().__init__()
        self.title = title
        self.model = RecordTableModel(columns, self)
        self.heading = QLabel(f"<b>{title}</b>")
        self.note = QLabel()
        self.note.setStyleSheet("color: gray;")
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.note)
        layout = self.box = QVBoxLayout(self)  # callers add notes below the table here
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        if search is not None:
            self.search_table: TableWithSearch | None = TableWithSearch(
                self.model, name, placeholder=search, stretch=stretch)
            self.table = self.search_table.table
            layout.addWidget(self.search_table, 1)
        else:
            self.search_table = None
            self.table = RecordTableView(self.model, name, self, stretch=stretch)
            layout.addWidget(self.table, 1)


def card_row(metric_ids: Sequence[str],
             compact: bool = False) -> tuple[dict[str, KpiCard], QGridLayout]:
    """One KpiCard per metric, side by side. `compact` fits nine cards in 1366 px: narrower
    padding, and the detail line (range, n, small sample) wraps instead of being cut."""
    cards = {m: KpiCard(m) for m in metric_ids}
    grid = QGridLayout()
    grid.setSpacing(4 if compact else 6)
    for i, card in enumerate(cards.values()):
        box = card.layout()
        if compact and isinstance(box, QBoxLayout):
            box.setContentsMargins(6, 5, 6, 5)
            card.setMinimumWidth(120)
            card.detail.setWordWrap(True)
            # Same height for the whole row, whichever card's detail wrapped.
            card.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            box.addStretch(1)  # text at the top, not centred
        grid.addWidget(card, 0, i)
    return cards, grid


def fill_cards(cards: dict[str, KpiCard], screen_cards: Mapping[str, Card],
               extras: dict[str, str] | None = None, first_lines: dict[str, str] | None = None
               ) -> None:
    """Each KPI card from the screen's card of the same metric (dashes when the screen has
    none). `extras` join the card's detail line; `first_lines` go on a line of their own
    above it (a 95 % range would otherwise wrap in the middle of "n = …")."""
    for metric, card in cards.items():
        shown = screen_cards.get(metric)
        card.set_metric(METRICS[metric], shown.current if shown else None,
                        shown.prior if shown else None, (extras or {}).get(metric, ""),
                        target=shown.target if shown else None)
        first = (first_lines or {}).get(metric)
        if first:
            card.detail.setText(f"{first}\n{card.detail.text()}")


def key_figures_sheet(metric_ids: Sequence[str], screen_cards: Mapping[str, Card]) -> Any:
    """The cards as the tab export's key-figures sheet; a 95 % range (NPS, rates) gets two
    rows of its own, since small samples swing widely."""
    from custdesk.services.tab_export import KpiTable, kpi_row

    rows = []
    for metric in metric_ids:
        info, shown = METRICS[metric], screen_cards.get(metric)
        cur = shown.current if shown else None
        rows.append(kpi_row(info, cur, shown.prior if shown else None))
        for end in ("low", "high"):
            bound = getattr(cur, end, None)
            if bound is not None:
                rows.append(kpi_row(info, cur, None, label=f"{info.label}, 95 % {end}",
                                    value=bound))
    return KpiTable("Key figures", rows)


def partial_note(point: SeriesPoint) -> str:
    """"Dec 26: 1 day so far" for a partial month."""
    days = point.days or 0
    note = f"{month_label(point.month)}: {days} day{'s' if days != 1 else ''} so far"
    return note if point.value is not None else f"{note}, nothing yet"


def card_figures(cards: dict[str, KpiCard]) -> list[Any]:
    """The cards as printed figures, exactly as the screen shows them: the target line too,
    and a "·" between the change and the rest (the printout puts them on one line)."""
    from custdesk.reports.tab_report import Figure

    figures = []
    for c in cards.values():
        target = "" if c.target_line.isHidden() else c.target_line.text()
        detail = "  ·  ".join(t for t in (target, c.detail.text().strip()) if t)
        if detail and c.change.text().strip():
            detail = f"·  {detail}"
        figures.append(Figure(c.title.text(), c.value.text(), c.change.text(), detail))
    return figures

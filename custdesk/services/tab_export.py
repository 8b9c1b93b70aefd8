"""A tab's tables to a workbook or CSV: the GUI's door to `sheets.table_export`.

Tabs describe what they show as `SheetTable`s (rows + column kinds) and `KpiTable`s (the
cards against the prior period); writing them is the sheets layer's job, reached through here
so `ui/` never imports `custdesk.sheets` (import-linter contract).
"""

from __future__ import annotations

from custdesk.sheets.table_export import (
    KpiRow,
    KpiTable,
    SheetTable,
    kpi_row,
    write_csv_table,
    write_xlsx,
)
from custdesk.sheets.writer import ExportCancelled

__all__ = ["ExportCancelled", "KpiRow", "KpiTable", "SheetTable", "kpi_row",
           "write_csv_table", "write_xlsx"]

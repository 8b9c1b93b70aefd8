"""What the import wizard shows the owner: the kinds, their fields, which are required, and
the day-first/month-first choice — the sheets layer's catalogue, reached through services
so `ui/` never imports `custdesk.sheets` (import-linter contract)."""

from __future__ import annotations

from custdesk.sheets.catalogue import KINDS, fields, missing_required
from custdesk.sheets.csat import read_csat
from custdesk.sheets.values import DAYFIRST, MONTHFIRST

# read_csat: quick entry reads a typed satisfaction answer (★★★★☆, 😐, "Very satisfied",
# "80 %") exactly as an import does
__all__ = ["DAYFIRST", "KINDS", "MONTHFIRST", "fields", "missing_required", "read_csat"]

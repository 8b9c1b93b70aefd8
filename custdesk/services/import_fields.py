"""What the import wizard shows the owner: the kinds, their fields, which are required, and
the day-first/month-first choice — the sheets layer's catalogue, reached through services
so `ui/` never imports `custdesk.sheets` (import-linter contract)."""

from __future__ import annotations

from custdesk.sheets.catalogue import KINDS, fields, missing_required
from custdesk.sheets.values import DAYFIRST, MONTHFIRST

__all__ = ["DAYFIRST", "KINDS", "MONTHFIRST", "fields", "missing_required"]

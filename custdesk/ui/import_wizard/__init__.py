"""File ▸ Import…: a view of the importer service, page by page.

file (`wizard.FilePage`) → sheet and kind, columns (`choose_pages`) → preview, import
(`run_pages`). Sheet, kind and mapping come from `services.importer` (`survey`,
`choose_kind`, `choose_mapping`), the very functions `custdesk import` uses, so a mapping
saved by either is found by both; the wizard only shows the choice and lets the owner
override it. Reading, checking and writing run as tasks of `ui.tasks` on their own
database connections; a newer preview supersedes an older one.
"""

from custdesk.ui.import_wizard.wizard import ImportWizard

__all__ = ["ImportWizard"]

"""Business settings as the settings dialog edits them: the key/value settings and the
stage catalogue (storage's repository, reached through services so `ui/` never imports
`custdesk.storage`). The rules' own settings (window, thresholds) are validated by
`metrics_service.save_settings`."""

from __future__ import annotations

from custdesk.storage.repository import get_settings, load_stages, set_setting

__all__ = ["get_settings", "load_stages", "set_setting"]

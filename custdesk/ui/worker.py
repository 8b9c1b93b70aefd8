"""Moved to custdesk.ui.tasks (the one task runner); kept until every tab imports that."""
from custdesk.ui.tasks import (  # noqa: F401
    HEAVY_ORDER_LINES,
    Cancelled,
    RefreshGate,
    SyncRunner,
    ThreadRunner,
    check_cancelled,
    default_runner,
    open_task_store,
    set_default_runner,
)

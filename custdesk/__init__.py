"""custdesk: see, every day, how your customers are doing."""

import time

# when the package was first imported: the smoke test's start where /proc is not available
IMPORTED_AT = time.perf_counter()

__version__ = "0.1.0"
APP_NAME = "custdesk"

"""Screen builders: each tab's data, Qt-free (see `model.py`; the list is `registry.py`)."""

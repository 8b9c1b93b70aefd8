"""One module per tab, each one `QWidget` subclass with `refresh()`."""

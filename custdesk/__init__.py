"""custdesk: see, every day, how your customers are doing."""

__version__ = "0.1.0"
APP_NAME = "custdesk"

"""Spreadsheet reading, column mapping and value parsing (no database, no Qt)."""

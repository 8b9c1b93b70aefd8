"""Pure Python core: records, money, periods, metrics. Imports no Qt, sqlite3 or openpyxl."""

"""Name keys used to match customers and products across files."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def name_key(name: str | None) -> str:
    """Case, spaces, accents and punctuation ignored: "GTXPro" == "GTX Pro" == "gtx-pro"."""
    if not name:
        return ""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("", folded.lower())


def email_key(email: str | None) -> str:
    """E-mail addresses compare case-insensitively, surrounding spaces ignored."""
    return (email or "").strip().lower()

"""The most frequent words and two-word phrases in customers' comments (issue 14).

Simple and local, no external service: lowercase; every run of characters that are not
letters or digits is a break (punctuation stripped, so "don't" reads "don" + "t"); tokens of
one character and the small stop-word list below are not counted. A phrase is two counted
words that stood next to each other in the comment (a stop word between them breaks it:
"delivery was late" gives no phrase, "very late delivery" gives "late delivery";
punctuation does not break one). A term counts once per comment (three "late" in one comment
is one), so the ranking reads "how many comments say it"; ties are broken alphabetically,
so it is stable.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

TOP = 15  # terms shown per ranked list
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

STOP_WORDS = frozenset("""
a about after again all also am an and any are as at be because been before being but by
can could did do does doing don for from had has have having he her here him his how i if
in into is it its just me more most my no nor not of off on once only or other our out over
own same she should so some such than that the their them then there these they this those
through to too under until up us very was we were what when where which while who why will
with would you your yours ve ll re s t d m isn wasn didn doesn aren weren won wouldn
couldn shouldn got get really much many one even still ever quite bit lot
""".split())


def words(text: str | None) -> list[str]:
    """The counted words of one comment, in order."""
    return [t for t in _TOKEN.findall((text or "").lower())
            if len(t) >= 2 and t not in STOP_WORDS]


def _terms(text: str | None) -> tuple[set[str], set[str]]:
    """(words, two-word phrases) of one comment, each once."""
    seq: list[str | None] = [None if len(t) < 2 or t in STOP_WORDS else t
                             for t in _TOKEN.findall((text or "").lower())]
    single = {w for w in seq if w is not None}
    pairs = {f"{a} {b}" for a, b in zip(seq, seq[1:], strict=False)
             if a is not None and b is not None and a != b}
    return single, pairs


def ranked(counts: Counter[str], top: int = TOP) -> list[tuple[str, int]]:
    """The `top` terms, most comments first, ties alphabetical."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def word_ranking(comments: Iterable[str | None], top: int = TOP
                 ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(words, phrases) ranked by how many comments use them; a phrase must appear in two
    comments or more to be listed (one comment's wording is not a pattern)."""
    singles: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for text in comments:
        w, p = _terms(text)
        singles.update(w)
        pairs.update(p)
    return ranked(singles, top), ranked(Counter({k: n for k, n in pairs.items() if n >= 2}),
                                        top)

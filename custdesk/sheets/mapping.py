"""Mapping sheet columns to catalogue fields: automatic by synonyms, overridable.

A mapping is a list with one entry per column: the field name, or None (column ignored).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence

from custdesk.domain.text import name_key
from custdesk.sheets.catalogue import KINDS, field, fields, missing_required

Mapping = list[str | None]


def auto_map(headers: Sequence[str], kind: str) -> Mapping:
    """Map each header to a field of `kind` by its synonyms; each field used at most once.

    Where two headers claim one field, the better synonym wins (then the leftmost column).
    """
    index = _synonym_index(kind)
    candidates: list[tuple[int, int, str]] = []  # (synonym rank, column, field)
    for col, header in enumerate(headers):
        for rank, name in index.get(name_key(header), ()):
            candidates.append((rank, col, name))
    mapping: Mapping = [None] * len(headers)
    taken: set[str] = set()
    for _rank, col, name in sorted(candidates):
        if name not in taken and mapping[col] is None:
            mapping[col] = name
            taken.add(name)
    return mapping


@functools.cache
def _synonym_index(kind: str) -> dict[str, tuple[tuple[int, str], ...]]:
    """Normalised header -> ((rank, field), ...): one dict lookup per column, so a sheet
    with 16,384 columns maps in milliseconds."""
    index: dict[str, list[tuple[int, str]]] = {}
    for spec in fields(kind):
        for rank, key in enumerate(spec.keys):
            index.setdefault(key, []).append((rank, spec.name))
    return {key: tuple(found) for key, found in index.items()}


def score(mapping: Mapping, kind: str) -> int:
    """How well a mapping fits its kind: mapped fields, plus a bonus when it is complete."""
    mapped = {m for m in mapping if m}
    if not mapped:
        return 0
    complete = not missing_required(kind, mapped)
    return len(mapped) + (100 if complete else 0)


def guess_kind(headers: Sequence[str]) -> str | None:
    """The kind whose catalogue fits the headers best, or None when nothing fits."""
    best: tuple[int, str] | None = None
    for kind in KINDS:
        s = score(auto_map(headers, kind), kind)
        if s >= 2 and (best is None or s > best[0]):
            best = (s, kind)
    return best[1] if best else None


def apply_overrides(headers: Sequence[str], mapping: Mapping, kind: str,
                    overrides: Sequence[str]) -> Mapping:
    """Apply 'Header=field' texts (field '' or '-' ignores the column).

    Raises ValueError naming the header or field that does not exist.
    """
    result = list(mapping)
    keys = [name_key(h) for h in headers]
    for text in overrides:
        header, sep, target = text.partition("=")
        if not sep:
            raise ValueError(f"--map {text!r}: write it as \"Header=field\"")
        key = name_key(header)
        if key not in keys:
            raise ValueError(f"--map {text!r}: no column {header.strip()!r}; columns: "
                             + ", ".join(h for h in headers if h))
        target = target.strip()
        name = None if target in ("", "-") else field(kind, target).name
        if name is not None:  # the field moves: the column that had it is unmapped
            result = [None if m == name else m for m in result]
        result[keys.index(key)] = name
    return result


def signature(headers: Sequence[str]) -> str:
    """A stable key for a header row, to find a saved mapping for the same layout."""
    normalised = json.dumps([name_key(h) for h in headers])
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()


def mapping_to_json(headers: Sequence[str], mapping: Mapping) -> str:
    # keyed like the signature (name_key), so "Who" and "who" share one saved mapping
    return json.dumps({name_key(h): m for h, m in zip(headers, mapping, strict=True) if m})


def mapping_from_json(headers: Sequence[str], text: str, kind: str) -> Mapping:
    """A saved mapping applied to these headers (unknown fields dropped)."""
    saved = json.loads(text)
    known = {s.name for s in fields(kind)}
    chosen = [saved.get(name_key(h)) for h in headers]
    return [m if m in known else None for m in chosen]

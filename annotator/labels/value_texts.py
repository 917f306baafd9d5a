"""Each criterion's value from the label's whole `values_json` text, parsed once per
distinct text, as `values_json -> '$."key"'` and `fetch.sql_value` would have given it.

Why: a project's labels hold few distinct `values_json` texts (a handful of options per
criterion), and SQLite's `->` costs a second per million labels for three criteria, where
reading the text and parsing each distinct one in Python costs milliseconds. Where Python's
reading could differ from SQLite's (a duplicate key, NaN or Infinity, any backslash escape,
text Python refuses), SQLite itself extracts the values of that text, so a malformed text
still fails as the query did. When the texts are mostly distinct (free text in them) the
caller goes back to the query that extracts in SQL.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from annotator.labels.scope import json_path
from annotator.store.project import Project

_MISSING = object()


class _Odd(ValueError):
    """A text Python may read otherwise than SQLite: SQLite extracts its values."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Odd("duplicate key")
    return found


def _refuse(name: str) -> Any:
    raise _Odd(name)


def usable(keys: list[str]) -> bool:
    """Keys a Python dict lookup finds as `json_path(key)` does (no quote, no backslash)."""
    return all('"' not in k and "\\" not in k for k in keys)


class ValueTexts:
    """Per criterion key: the distinct values seen (as JSON text, as `->` gives them) and,
    per distinct `values_json` text, the position of each key's value among them (-1: none)."""

    def __init__(self, project: Project, keys: list[str]) -> None:
        self.project = project
        self.keys = keys
        self.values: list[list[str]] = [[] for _ in keys]
        self._seen: list[dict[str, int]] = [{} for _ in keys]
        self._texts: dict[str, list[int]] = {}

    def positions(self, texts: list[str]) -> np.ndarray:
        """(len(texts) + 1, keys) positions; the last row (no text) is all -1."""
        out = np.full((len(texts) + 1, len(self.keys)), -1, dtype=np.int64)
        for row, text in enumerate(texts):
            found = self._texts.get(text)
            if found is None:
                found = self._texts[text] = self._parse(text)
            out[row] = found
        return out

    def _parse(self, text: str) -> list[int]:
        try:
            if "\\" in text:
                raise _Odd("escape")
            parsed = json.loads(text, object_pairs_hook=_pairs, parse_constant=_refuse)
            found = [parsed.get(k, _MISSING) if isinstance(parsed, dict) else _MISSING
                     for k in self.keys]  # fmt: skip
        except (ValueError, RecursionError):
            found = [self._by_sqlite(text, k) for k in self.keys]
        return [self._position(k, v) for k, v in enumerate(found)]

    def _by_sqlite(self, text: str, key: str) -> Any:
        extracted = self.project.conn.execute("SELECT ? -> ?", (text, json_path(key))).fetchone()
        return _MISSING if extracted[0] is None else json.loads(extracted[0])  # rendered again

    def _position(self, k: int, value: Any) -> int:
        if value is _MISSING:
            return -1
        # the value as JSON text, as `->` gives it (fetch.sql_value reads it back)
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        seen = self._seen[k]
        at = seen.get(text)
        if at is None:
            at = seen[text] = len(self.values[k])
            self.values[k].append(text)
        return at


__all__ = ["ValueTexts", "usable"]

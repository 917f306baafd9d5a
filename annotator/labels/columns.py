"""A chunk of label rows as numpy columns: value codes per criterion, the newest label of
each annotator on each item, and per-item value counts (what agreement and consensus need).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from annotator.labels.data import CriterionSpec, same_value
from annotator.stats.reliability import is_number


class RowLayout(Protocol):
    """What a chunk's rows hold: one raw value column per key, the criteria with
    agreement, and the sources in scope (None: all). `LabelStream` is one; the
    columns need only this, so they sit below the stream, not beside it."""

    keys: list[str]
    specs: list[CriterionSpec]
    source_ids: set[int] | None


# Columns of a label row, in the order the stream's SELECT gives them (see label_stream).
L_ID, L_UID, L_SEQ, L_RATER, L_SOURCE, L_VERSION = range(6)
L_STARTED, L_SUBMITTED, L_DURATION, L_COST, L_TOKENS, L_RATIONALE = range(6, 12)
L_ANCHOR_N, L_ANCHOR_OK = 12, 13
L_VALUES = 14  # then one raw value per criterion key, in `keys` order


def spec_counts(
    spec: CriterionSpec,
    codes: dict[str, np.ndarray],
    numbers: dict[str, np.ndarray],
    use: np.ndarray,
    item_index: np.ndarray,
    n_items: int,
) -> tuple[np.ndarray | None, tuple[Any, ...]]:
    """(items x values label counts, the values) for one criterion over the labels `use`."""
    if spec.kind == "numeric":
        values = numbers[spec.name]
        mask = use & np.isfinite(values)
        if not mask.any():
            return None, ()
        domain = np.unique(values[mask])
        criterion = spec.criterion
        if (
            criterion is not None
            and criterion.minimum is not None
            and criterion.maximum is not None
        ):
            domain = np.unique(np.concatenate([domain, [criterion.minimum, criterion.maximum]]))
        code = np.searchsorted(domain, values[mask])
        shown = tuple(int(v) if float(v).is_integer() else float(v) for v in domain.tolist())
    else:
        all_codes = codes[spec.name]
        mask = use & (all_codes >= 0)
        if not mask.any():
            return None, ()
        code = all_codes[mask]
        shown = tuple(spec.values)
    k = len(shown)
    flat = item_index[mask].astype(np.int64) * k + code
    return np.bincount(flat, minlength=n_items * k).reshape(n_items, k), shown


@dataclass
class Columns:
    """A chunk's label rows as numpy columns, with each criterion's value codes."""

    rows: list[tuple[Any, ...]]
    label_id: np.ndarray
    item: np.ndarray
    item_index: np.ndarray
    rater: np.ndarray
    source: np.ndarray
    in_scope: np.ndarray
    latest: np.ndarray
    codes: dict[str, np.ndarray]
    numbers: dict[str, np.ndarray]

    @classmethod
    def of(
        cls, rows: list[tuple[Any, ...]], stream: RowLayout, seq: np.ndarray, items: list[Any]
    ) -> Columns:
        n = len(rows)
        if n:
            columns = list(zip(*rows, strict=True))
            label_id = np.asarray(columns[L_ID], dtype=np.int64)
            item = np.asarray(columns[L_SEQ], dtype=np.int64)
            rater = np.asarray(columns[L_RATER], dtype=np.int64)
            source = np.asarray(columns[L_SOURCE], dtype=np.int64)
            version = np.asarray(columns[L_VERSION], dtype=np.int64)
        else:
            columns = [()] * (L_VALUES + len(stream.keys))
            label_id = item = rater = source = version = np.zeros(0, dtype=np.int64)
        item_index = np.searchsorted(seq, item)
        in_scope = (
            np.isin(source, sorted(stream.source_ids))
            if stream.source_ids is not None
            else np.ones(n, dtype=bool)
        )
        pairwise = (
            np.array([bool(row["pairwise"]) for row in items], dtype=bool)[item_index]
            if n
            else np.zeros(0, bool)
        )
        codes: dict[str, np.ndarray] = {}
        numbers: dict[str, np.ndarray] = {}
        raws = {key: columns[L_VALUES + k] for k, key in enumerate(stream.keys)}
        for spec in stream.specs:
            raw = raws[spec.key]
            if spec.kind == "numeric":
                numbers[spec.name] = np.array(
                    [float(v) if is_number(v) else math.nan for v in raw], dtype=float
                )
            elif spec.kind == "multilabel":
                codes[spec.name] = _ticked(spec, raw, pairwise)
            else:
                codes[spec.name] = option_codes(spec, raw)
            # a label made under a version where the criterion had another kind is no label
            # of it (as in label_data): its value means something else there
            other = ~np.isin(version, spec.versions)
            if other.any():
                if spec.kind == "numeric":
                    numbers[spec.name][other] = math.nan
                else:
                    codes[spec.name][other] = -1
        return cls(
            list(rows),
            label_id,
            item,
            item_index,
            rater,
            source,
            in_scope,
            _latest(item, rater, label_id),
            codes,
            numbers,
        )

    def subset(self, mask: np.ndarray, new_index: np.ndarray) -> Columns:
        keep = mask.tolist()
        return Columns(
            [r for r, k in zip(self.rows, keep, strict=True) if k],
            self.label_id[mask],
            self.item[mask],
            new_index[self.item_index[mask]],
            self.rater[mask],
            self.source[mask],
            self.in_scope[mask],
            self.latest[mask],
            {k: v[mask] for k, v in self.codes.items()},
            {k: v[mask] for k, v in self.numbers.items()},
        )


def option_codes(spec: CriterionSpec, raw: Any) -> np.ndarray:
    """Positions of raw values (as json_extract gives them) on the spec's scale; -1: none."""
    found, uniques = pd.factorize(pd.Series(list(raw), dtype=object), use_na_sentinel=True)
    position = np.full(len(uniques) + 1, -1, dtype=np.int32)  # the last slot: no value
    for u, value in enumerate(uniques.tolist()):
        for v, option in enumerate(spec.values):
            if same_value(option, value):
                position[u] = v
                break
    return position[found]


def ticked_codes(
    spec: CriterionSpec, raw: Any, pairwise: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(1 when the multilabel option is ticked, else 0; whether the criterion applies to
    the item: a pairwise-only criterion does not apply to a single answer, and back)."""
    criterion = spec.criterion
    applies = np.ones(len(pairwise), dtype=bool)
    if criterion is not None and criterion.applies_to != "all":
        applies = pairwise == (criterion.applies_to == "pairwise")
    code = np.zeros(len(pairwise), dtype=np.int32)
    cache: dict[Any, int] = {}
    for i, value in enumerate(raw):
        if value is None:
            continue
        hit = cache.get(value)
        if hit is None:
            chosen = json.loads(value) if isinstance(value, str) else []
            hit = int(any(same_value(spec.option, c) for c in chosen))
            cache[value] = hit
        code[i] = hit
    return code, applies


def _ticked(spec: CriterionSpec, raw: Any, pairwise: np.ndarray) -> np.ndarray:
    """1 when a multilabel option is ticked, 0 when not, -1 where the criterion does not apply."""
    code, applies = ticked_codes(spec, raw, pairwise)
    code[~applies] = -1
    return code


def _latest(item: np.ndarray, rater: np.ndarray, label_id: np.ndarray) -> np.ndarray:
    """True for the newest label of each (item, annotator) pair."""
    n = len(item)
    if n < 2:
        return np.ones(n, dtype=bool)
    key = item * (int(rater.max()) + 1) + rater
    order = np.lexsort((-label_id, key))
    first = np.ones(n, dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    out = np.zeros(n, dtype=bool)
    out[order[first]] = True
    return out


__all__ = ["Columns", "option_codes", "spec_counts"]

"""The (reference, judge) pairs behind `judge align`, and their coefficients.

The reference is `annotator.labels.reference`'s, the one the agreement reports
use; here are the coefficients of a pair of columns and each expert against
every other expert label on the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.labels.data import LabelTable
from annotator.labels.reference import is_numeric, two_raters
from annotator.stats.agreement import compute_all
from annotator.stats.coefficient import Coefficient


@dataclass(frozen=True)
class Boot:
    n_boot: int
    seed: int | None
    confidence: float


def coefficients(
    first: np.ndarray,
    second: np.ndarray,
    table: LabelTable,
    units: Sequence[Any],
    raters: tuple,
    boot: Boot,
) -> dict[str, Coefficient]:
    data = two_raters(first, second, table, units, raters)
    return compute_all(
        data,
        table.level,  # type: ignore[arg-type]
        n_boot=boot.n_boot,
        seed=boot.seed,
        confidence=boot.confidence,
    )


def against_the_rest(
    table: LabelTable, rater: int, name: str, boot: Boot
) -> dict[str, Coefficient]:
    """One annotator's labels against every other label on the same items (pairs resampled)."""
    mine = table.subset(table.rater == rater)
    others = table.subset(table.rater != rater)
    mine = mine.subset(np.argsort(mine.item, kind="stable"))
    position = np.clip(np.searchsorted(mine.item, others.item), 0, max(len(mine) - 1, 0))
    shared = mine.item[position] == others.item if len(mine) else np.zeros(len(others), bool)
    theirs = others.subset(shared)
    own = mine.code[position[shared]]
    if is_numeric(table):
        scale = np.asarray(table.values, dtype=float)
        first, second = scale[own.astype(int)], scale[theirs.code.astype(int)]
    else:
        first, second = own, theirs.code
    return coefficients(first, second, table, range(len(own)), (name, "the rest"), boot)

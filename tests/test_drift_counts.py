"""The weekly value counts behind the distribution-drift charts (`shift._subject_shift`,
one bincount over week x value cells) against a plain Counter, for weeks close together
and weeks a thousand years apart (counted one week at a time)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from annotator.quality import shift
from annotator.quality.drift_settings import DriftSettings


@pytest.mark.parametrize("spread", [1, 60_000])  # 20 values x 60k weeks: past the grid
def test_weekly_counts_are_a_counter_of_week_and_value(spread):
    rng = np.random.default_rng(11)
    n, k = 3_000, 20
    weeks = rng.choice([2900, 2901, 2903, 2906], n)
    if spread > 1:
        weeks = np.where(rng.random(n) < 0.5, weeks, weeks + spread)
    index = rng.integers(0, k, n)
    names = [f"v{i}" for i in range(k)]
    entry, _ = shift._subject_shift(
        "c", "project", "all", index, weeks, names, DriftSettings(), np.arange(n)
    )
    assert entry is not None
    tally = Counter(zip(weeks.tolist(), index.tolist(), strict=True))
    expected = [[tally[(w, v)] for v in range(k)] for w in sorted({int(w) for w in weeks.tolist()})]
    assert [row["counts"] for row in entry["weeks"]] == expected
    assert [row["n"] for row in entry["weeks"]] == [sum(r) for r in expected]

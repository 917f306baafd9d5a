"""Agreement from distinct count rows and their frequencies equals compute_all on every item."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.quality.by_source.pattern_agreement import PatternCounts, pattern_coefficients
from annotator.quality.project_agreement import Settings
from annotator.stats.agreement import compute_all
from annotator.stats.reliability import ReliabilityData

KEYS = ("alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement")


def _rows(rng: np.random.Generator, n: int, k: int, sizes: list[int]) -> np.ndarray:
    truth = rng.integers(0, k, n)
    rows = np.zeros((n, k), dtype=np.int64)
    for i in range(n):
        for _ in range(int(rng.choice(sizes))):
            value = truth[i] if rng.random() < 0.6 else rng.integers(0, k)
            rows[i, value] += 1
    return rows


@pytest.mark.parametrize(
    ("level", "sizes"),
    [("ordinal", [3]), ("nominal", [2, 3, 4]), ("ordinal", [1, 2, 5]), ("interval", [3])],
)
def test_patterns_give_compute_alls_values_and_intervals(level: str, sizes: list[int]) -> None:
    rng = np.random.default_rng(len(sizes) + len(level))
    k = 5
    values = (1, 2, 3, 4, 5)
    rows = _rows(rng, 3000, k, sizes)
    counts = PatternCounts(k)
    for start in range(0, len(rows), 700):  # added chunk by chunk, as a stream does
        counts.add(rows[start : start + 700])
    distinct, freq = counts.arrays()
    assert len(distinct) < 200 and freq.sum() == len(rows)
    settings = Settings(n_boot=300, seed=4)
    mine = pattern_coefficients(distinct, freq, values, level, settings, n_raters=5)
    data = ReliabilityData.from_category_counts(rows, values)
    theirs = compute_all(data, level, n_boot=300, seed=4)  # type: ignore[arg-type]
    for key in KEYS:
        a, b = mine[key], theirs[key]
        assert (a.value is None) == (b.value is None), (key, a.reason, b.reason)
        if a.value is None:
            assert a.reason == b.reason
            continue
        assert a.value == pytest.approx(b.value, abs=1e-9), key
        assert a.ci == pytest.approx(b.ci, abs=1e-9), key
        assert (a.n_items, a.n_labels) == (b.n_items, b.n_labels), key
    if len(sizes) > 1:
        assert mine["fleiss_kappa"].value is None  # different numbers of labels per item


def test_no_pairs_is_not_defined_with_a_reason() -> None:
    rows = np.array([[1, 0, 0], [0, 1, 0]])
    out = pattern_coefficients(
        rows, np.array([5, 5]), ("a", "b", "c"), "nominal", Settings(n_boot=0), n_raters=3
    )
    assert all(out[key].value is None for key in KEYS)
    assert "two or more" in out["alpha"].reason

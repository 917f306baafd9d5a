"""The item bootstrap: each resampled alpha is the `krippendorff` package's alpha on
those items, and a seed gives the same intervals every time."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

import annotator.stats.alpha as alpha_module
from annotator.stats.agreement import (
    bootstrap_alpha,
    compute_all,
    gwet_ac1,
    krippendorff_alpha,
)
from annotator.stats.bootstrap import ItemPatterns, distinct_ints, percentile_interval
from annotator.stats.reliability import ReliabilityData

LEVELS = ["nominal", "ordinal", "interval", "ratio"]


def _random_data(
    n_items: int, n_raters: int, scale: list[int], seed: int, missing: float = 0.2
) -> ReliabilityData:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(scale), n_items)
    noisy = rng.random((n_items, n_raters)) < 0.35
    codes = np.where(noisy, rng.integers(0, len(scale), (n_items, n_raters)), truth[:, None])
    codes[rng.random((n_items, n_raters)) < missing] = -1
    raters = tuple(f"r{r}" for r in range(n_raters))
    return ReliabilityData(codes, tuple(scale), tuple(range(n_items)), raters)


def _package_alpha(data: ReliabilityData, level: str) -> float:
    """krippendorff.alpha on the raters x items matrix, NaN for missing."""
    values = np.asarray(data.values, dtype=float)
    matrix = np.where(data.codes >= 0, values[np.maximum(data.codes, 0)], np.nan).T
    return krippendorff.alpha(
        reliability_data=matrix, value_domain=values, level_of_measurement=level
    )


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    ("n_items", "n_raters"),
    [(12, 4), (1000, 3)],  # few items: resampled by position; many: multinomial over rows
)
def test_each_bootstrapped_alpha_is_the_package_alpha_on_its_resample(level, n_items, n_raters):
    data = _random_data(n_items, n_raters, [1, 2, 3, 5, 8], seed=n_items)
    draws = bootstrap_alpha(data, level, n_boot=12, seed=4, keep_counts=True)
    assert draws.values.shape == (12,)
    by_pattern = 8 * draws.patterns.n_patterns <= draws.patterns.n_items
    assert by_pattern == (n_items > 100)  # both ways of drawing are exercised
    for b in range(12):
        taken = draws.item_counts(b, data.n_items)
        assert taken.sum() == (data.ratings_per_item >= 2).sum()
        resample = data.select_items(np.repeat(np.arange(data.n_items), taken))
        assert draws.values[b] == pytest.approx(_package_alpha(resample, level), abs=1e-10)


def test_an_explicit_random_resample_matches_too():
    """Resample items directly with a Generator, as a bootstrap by hand would."""
    data = _random_data(60, 3, [1, 2, 3, 4, 5], seed=9)
    pairable = np.nonzero(data.ratings_per_item >= 2)[0]
    rng = np.random.default_rng(123)
    for _ in range(5):
        picked = rng.choice(pairable, size=len(pairable), replace=True)
        resample = data.select_items(picked)
        ours = krippendorff_alpha(resample, "ordinal", n_boot=0).value
        assert ours == pytest.approx(_package_alpha(resample, "ordinal"), abs=1e-10)
        patterns = ItemPatterns.of(data.value_counts[pairable])
        counts = np.bincount(patterns.inverse[np.searchsorted(pairable, picked)],
                             minlength=patterns.n_patterns)  # fmt: skip
        statistic = alpha_module.alpha_statistic(
            patterns, np.arange(data.n_values, dtype=float), "ordinal"
        )
        assert statistic(counts[None].astype(float))[0] == pytest.approx(ours, abs=1e-10)


def test_the_same_seed_gives_the_same_interval_and_another_seed_another():
    data = _random_data(300, 4, [1, 2, 3, 4, 5], seed=2, missing=0.0)  # Fleiss needs no gaps
    first = compute_all(data, "ordinal", n_boot=200, seed=7)
    again = compute_all(data, "ordinal", n_boot=200, seed=7)
    other = compute_all(data, "ordinal", n_boot=200, seed=8)
    for key in first:
        assert first[key].ci is not None, key
        assert first[key].ci == again[key].ci, key
        assert first[key].ci != other[key].ci, key
    a = bootstrap_alpha(data, "ordinal", n_boot=50, seed=3).values
    b = bootstrap_alpha(data, "ordinal", n_boot=50, seed=3).values
    np.testing.assert_array_equal(a, b)


def test_no_bootstrap_means_no_interval():
    data = _random_data(50, 3, [1, 2, 3], seed=1)
    assert krippendorff_alpha(data, "nominal", n_boot=0).ci is None
    assert gwet_ac1(data, n_boot=0).ci is None


def test_interval_narrows_with_confidence():
    data = _random_data(200, 3, [1, 2, 3], seed=4)
    wide = krippendorff_alpha(data, "nominal", n_boot=400, seed=1, confidence=0.99).ci
    narrow = krippendorff_alpha(data, "nominal", n_boot=400, seed=1, confidence=0.5).ci
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


def test_percentile_interval_ignores_undefined_resamples():
    samples = np.array([np.nan, 0.0, 1.0, 2.0, 3.0, 4.0])
    assert percentile_interval(samples, 0.5) == (1.0, 3.0)
    assert percentile_interval(np.array([np.nan, np.nan]), 0.95) is None


@pytest.mark.parametrize("n", [1, 2, 3, 7, 40, 999, 1000])
def test_percentile_interval_is_numpys_quantile_to_the_last_bit(n):
    """The interval is read as numpy.quantile reads it (default method), bit for bit,
    with ties, negative values and several confidences."""
    rng = np.random.default_rng(n)
    for samples in (rng.normal(size=n), rng.integers(-3, 4, n) / 7, np.full(n, 0.1)):
        for confidence in (0.5, 0.8, 0.9, 0.95, 0.99, 1 / 3):
            tail = (1 - confidence) / 2
            expected = tuple(float(v) for v in np.quantile(samples, [tail, 1 - tail]))
            assert percentile_interval(samples, confidence) == expected


@pytest.mark.parametrize("level", LEVELS)
def test_large_data_path_equals_the_package(level, monkeypatch):
    """Past the package's memory limit alpha is evaluated here: same number."""
    data = _random_data(150, 4, [1, 2, 4, 7], seed=6)
    expected = krippendorff_alpha(data, level, n_boot=0).value
    monkeypatch.setattr(alpha_module, "_PACKAGE_CELL_LIMIT", 0)
    assert krippendorff_alpha(data, level, n_boot=0).value == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(_package_alpha(data, level), abs=1e-12)


@pytest.mark.parametrize(
    ("n_items", "n_raters", "n_values"),
    [(300, 2, 2), (2000, 5, 5), (500, 7, 12), (200, 40, 3), (100, 3, 60), (50, 1, 4)],
)
def test_patterns_read_from_codes_are_those_of_the_value_counts(n_items, n_raters, n_values):
    """The items' patterns are found straight from the codes where a key fits (and from
    the value counts where not): the same rows, order, frequencies and positions as
    `ItemPatterns.of` on counts made here by hand, so the same draws follow."""
    data = _random_data(n_items, n_raters, list(range(n_values)), seed=n_items, missing=0.3)
    counts = np.zeros((n_items, n_values), dtype=np.int64)
    for i, row in enumerate(data.codes.tolist()):
        for code in row:
            if code >= 0:
                counts[i, code] += 1
    assert np.array_equal(data.value_counts, counts)
    assert np.array_equal(data.ratings_per_item, counts.sum(axis=1))
    assert data.n_labels == counts.sum()
    for minimum in (1, 2):
        keep = counts.sum(axis=1) >= minimum
        found, expected = data.item_patterns(minimum), ItemPatterns.of(counts[keep])
        for field in ("rows", "freq", "inverse", "representatives"):
            assert np.array_equal(getattr(found, field), getattr(expected, field)), field
        assert np.array_equal(found.column_totals(), counts[keep].sum(axis=0))


def test_distinct_ints_are_numpys_unique():
    rng = np.random.default_rng(2)
    for values in (
        rng.integers(2900, 2910, 5000),  # week numbers: counted from their minimum
        rng.integers(-50, 50, 300),
        rng.integers(0, 2**40, 100),  # a wide range: sorted instead
        rng.integers(0, 7, 40).astype(np.uint8),
        np.zeros(0, dtype=np.int64),
    ):
        found, expected = distinct_ints(values), np.unique(values)
        assert found.dtype == expected.dtype and np.array_equal(found, expected)

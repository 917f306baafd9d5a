"""A judge's biases beside its agreement: mean shift, option rates, output length, position.

- mean bias: judge - reference with a bootstrap interval, and the shares higher and
  lower; nominal criteria: each option's rate from both;
- length bias: does the judge's error grow with the output's length? The Pearson and
  Spearman correlation, over items, of the gap (signed judge - reference in criterion
  units; a binary criterion's first option counts 1; other nominal criteria: 0/1
  disagreement) with the output's length in characters (pairwise: len(A) + len(B), and
  separately len(A) - len(B)), each with a bootstrap interval over items;
- position bias (preference criteria): the judge asked again with A and B exchanged
  (`judge_swaps`, answers already mapped back to the item's orientation): how often the
  answer flips, with a Wilson interval, how often it picked whichever answer was shown
  first, and the agreement on the items whose two answers agree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from annotator.judges.align_pairs import Boot, coefficients
from annotator.labels.data import LabelTable, same_value
from annotator.stats.control_chart import wilson_interval
from annotator.store.project import Project

_BOOT_BATCH = 100


def plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _percentile_ci(draws: np.ndarray, settings: Boot) -> list[float] | None:
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return None
    tail = (1 - settings.confidence) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return [float(low), float(high)]


def _resamples(n: int, settings: Boot):
    """Batches of bootstrap index rows (n_boot rows of n item positions in all)."""
    rng = np.random.default_rng(settings.seed)
    for start in range(0, settings.n_boot, _BOOT_BATCH):
        size = min(_BOOT_BATCH, settings.n_boot - start)
        yield rng.integers(0, n, (size, n))


def mean_bias(diff: np.ndarray, settings: Boot) -> dict[str, Any]:
    n = len(diff)
    ci = None
    if settings.n_boot > 0 and n > 0:
        means = [diff[rows].mean(axis=1) for rows in _resamples(n, settings)]
        ci = _percentile_ci(np.concatenate(means), settings)
    return {
        "mean_difference": float(diff.mean()) if n else None,
        "ci": ci,
        "share_higher": float((diff > 0).mean()) if n else None,
        "share_lower": float((diff < 0).mean()) if n else None,
    }


def option_rates(own: np.ndarray, ref: np.ndarray, scale: list[Any]) -> dict[str, Any]:
    k, n = len(scale), max(len(own), 1)
    judge = np.bincount(own, minlength=k) / n
    theirs = np.bincount(ref, minlength=k) / n
    rates = [
        {"value": plain(v), "judge": float(judge[i]), "reference": float(theirs[i])}
        for i, v in enumerate(scale)
    ]
    return {"rates": rates, "max_rate_gap": float(np.abs(judge - theirs).max()) if k else 0.0}


# -- length -------------------------------------------------------------------------------------


def signed_gap(table: LabelTable, own: np.ndarray, ref: np.ndarray, numbers: np.ndarray) -> tuple:
    """(what the gap is, gap per item) for the length correlation."""
    if table.spec.kind == "binary" and len(table.values) == 2:
        first = np.array([1.0, 0.0])  # the first option ("yes") counts 1
        return "judge - reference", first[own.astype(int)] - first[ref.astype(int)]
    if table.level == "nominal" and table.spec.kind != "multilabel":
        return "disagreement (0/1)", (own != ref).astype(float)
    if table.level in ("interval", "ratio"):
        return "judge - reference", own.astype(float) - ref.astype(float)
    return "judge - reference", numbers[own.astype(int)] - numbers[ref.astype(int)]


def item_lengths(project: Project, seqs: Sequence[int]) -> dict[int, tuple[int, int | None]]:
    """items.seq -> (output length in characters, len(A) - len(B) or None) for these seqs;
    a pairwise item's length is len(A) + len(B)."""
    wanted = sorted({int(s) for s in seqs})
    out: dict[int, tuple[int, int | None]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = project.rows(
            "SELECT seq, pairwise, length(coalesce(output, '')), "
            "length(coalesce(output_a, '')), length(coalesce(output_b, '')) "
            f"FROM items WHERE seq IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for seq, pairwise, single, a, b in rows:
            out[seq] = (a + b, a - b) if pairwise else (single, None)
    return out


def ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based; ties share the mean of their positions)."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return (ends - (counts - 1) / 2.0)[inverse]


def row_ranks(x: np.ndarray) -> np.ndarray:
    """`ranks` of every row of a 2-d array at once (the bootstrap's resamples): the same
    half-integer values, without a Python loop over rows."""
    if x.size == 0:
        return np.zeros(x.shape)
    n = x.shape[1]
    order = np.argsort(x, axis=1, kind="stable")
    ordered = np.take_along_axis(x, order, axis=1)
    same = ordered[:, 1:] == ordered[:, :-1]
    same |= np.isnan(ordered[:, 1:]) & np.isnan(ordered[:, :-1])  # np.unique: NaNs tie
    position = np.arange(n)
    starts = np.ones(x.shape, dtype=bool)
    starts[:, 1:] = ~same
    ends = np.ones(x.shape, dtype=bool)
    ends[:, :-1] = ~same
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, position, n - 1)[:, ::-1], axis=1)[:, ::-1]
    out = np.empty(x.shape)
    np.put_along_axis(out, order, (first + last) / 2.0 + 1.0, axis=1)
    return out


def _pearson_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r per row of two 2-d arrays (NaN where a row is constant)."""
    cx = x - x.mean(axis=1, keepdims=True)
    cy = y - y.mean(axis=1, keepdims=True)
    denominator = np.sqrt((cx * cx).sum(axis=1) * (cy * cy).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (cx * cy).sum(axis=1) / denominator, np.nan)


def correlation(gap: np.ndarray, length: np.ndarray, settings: Boot) -> dict[str, Any]:
    """Pearson and Spearman r of gap with length, each with a bootstrap interval over items."""
    gap, length = np.asarray(gap, dtype=float), np.asarray(length, dtype=float)
    n = len(gap)
    out: dict[str, Any] = {"n": n}
    if n < 3:
        return {
            **out,
            "pearson": {"value": None, "ci": None},
            "spearman": {"value": None, "ci": None},
        }
    pearson = _pearson_rows(gap[None, :], length[None, :])[0]
    spearman = _pearson_rows(ranks(gap)[None, :], ranks(length)[None, :])[0]
    p_ci = s_ci = None
    if settings.n_boot > 0:
        p_draws, s_draws = [], []
        for rows in _resamples(n, settings):
            g, ell = gap[rows], length[rows]
            p_draws.append(_pearson_rows(g, ell))
            s_draws.append(_pearson_rows(row_ranks(g), row_ranks(ell)))
        p_ci = _percentile_ci(np.concatenate(p_draws), settings)
        s_ci = _percentile_ci(np.concatenate(s_draws), settings)
    return {
        **out,
        "pearson": {"value": None if np.isnan(pearson) else float(pearson), "ci": p_ci},
        "spearman": {"value": None if np.isnan(spearman) else float(spearman), "ci": s_ci},
    }


def length_bias(
    what: str,
    gap: np.ndarray,
    items: np.ndarray,
    lengths: dict[int, tuple[int, int | None]],
    settings: Boot,
) -> dict[str, Any]:
    total = np.array([lengths.get(int(s), (0, None))[0] for s in items.tolist()], dtype=float)
    diffs = [lengths.get(int(s), (0, None))[1] for s in items.tolist()]
    pair = np.array([d is not None for d in diffs], dtype=bool)
    out = {"gap": what, **correlation(gap, total, settings), "a_minus_b": None}
    if pair.any():
        difference = np.array([d for d in diffs if d is not None], dtype=float)
        out["a_minus_b"] = correlation(gap[pair], difference, settings)
    return out


# -- position -----------------------------------------------------------------------------------


def load_swaps(project: Project, label_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """original label id -> the swapped answers (values mapped back to A/B as the item has them)."""
    wanted = sorted({int(i) for i in label_ids})
    out: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = project.rows(
            "SELECT r.label_id, s.values_json FROM judge_swaps s JOIN judge_results r "
            f"ON r.id = s.result_id WHERE r.label_id IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY s.id",
            chunk,
        )
        for label_id, text in rows:
            try:
                values = json.loads(text)
            except (TypeError, ValueError):
                continue
            if isinstance(values, dict):
                out.setdefault(int(label_id), []).append(values)
    return out


def _position_of(table: LabelTable, value: Any) -> int | None:
    return next((p for p, v in enumerate(table.values) if same_value(v, value)), None)


def position_bias(
    table: LabelTable,
    judged: LabelTable,
    swaps: dict[int, list[dict[str, Any]]],
    paired: tuple[np.ndarray, np.ndarray, np.ndarray],
    raters: tuple,
    settings: Boot,
) -> dict[str, Any] | None:
    """Flip rate, first-shown rate and agreement on consistent items; None without swaps.

    A and B are the criterion's first two options (A shown first, unless swapped)."""
    options = table.spec.criterion.option_values if table.spec.criterion is not None else []
    if table.spec.kind != "preference" or len(options) < 2 or not swaps:
        return None
    first, second = _position_of(table, options[0]), _position_of(table, options[1])
    originals, again, items = [], [], []
    for label_id, code, item in zip(
        judged.label_id.tolist(), judged.code.tolist(), judged.item.tolist(), strict=True
    ):
        for values in swaps.get(label_id, []):
            if table.spec.key not in values:
                continue
            swapped = _position_of(table, values[table.spec.key])
            if swapped is None:
                continue
            originals.append(int(code))
            again.append(swapped)
            items.append(item)
    n = len(originals)
    if n == 0:
        return None
    orig, swap, seqs = np.array(originals), np.array(again), np.array(items, dtype=np.int64)
    flipped = orig != swap
    flips = int(flipped.sum())
    low, high = wilson_interval(flips, n, settings.confidence)
    # shown first: A in the original order; B in the swapped one (mapped back, so "B")
    chose_first = int((orig == first).sum() + (swap == second).sum())
    common, own, ref = paired
    asked = np.isin(common, seqs)
    consistent = asked & ~np.isin(common, seqs[flipped])
    agreement = {}
    if consistent.sum() >= 2:
        units = common[consistent].tolist()
        found = coefficients(ref[consistent], own[consistent], table, units, raters, settings)
        agreement = {k: c.to_dict() for k, c in found.items() if not k.startswith("cohen_kappa_")}
    return {
        "n_pairs": n,
        "flips": flips,
        "flip_rate": flips / n,
        "ci": [float(low), float(high)],
        "first_rate": chose_first / (2 * n),
        "n_consistent_items": int(consistent.sum()),
        "consistent": agreement,
    }

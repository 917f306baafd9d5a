"""Consensus labels from several raters' labels of one criterion: the pure methods.

Every method takes long `(item, rater, value)` records for one criterion and
returns a :class:`ConsensusResult` naming the method, with one
:class:`ItemConsensus` per item carrying a confidence. Ties are never broken
silently: a tied item has `value=None`, `tie=True` and the tied values listed,
so the project layer can send it to adjudication.

- `majority_vote`: the most frequent value; confidence = its vote share.
- `weighted_majority_vote`: the same with a weight per rater.
- `median_vote`: the median over the scale order (ordinal); an even split
  between two middle values is a tie.
- `mean_score`: the mean (numeric values); confidence = 1 - spread / max spread.
- `dawid_skene`: Dawid & Skene (1979) EM, started from majority-vote shares;
  per-item posteriors, per-rater confusion matrices, class priors;
  confidence = the largest posterior. Deterministic (no random start).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from annotator.stats.reliability import ReliabilityData, ReliabilityError

if TYPE_CHECKING:
    import pandas as pd

Records: TypeAlias = "Iterable[tuple[Hashable, Hashable, Any]] | pd.DataFrame"

_TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ItemConsensus:
    """One item's consensus. `value` is None for a tie or an item with no labels."""

    item: Hashable
    value: Any
    confidence: float | None
    n_labels: int
    tie: bool = False
    tied_values: tuple[Any, ...] = ()
    spread: float | None = None  # mean_score: standard deviation of the labels
    posterior: Mapping[Hashable, float] | None = None  # dawid_skene: P(class | labels)


@dataclass(frozen=True)
class ConsensusResult:
    """The consensus of every item under one method, in the records' item order."""

    method: str
    items: tuple[ItemConsensus, ...]

    def by_item(self) -> dict[Hashable, ItemConsensus]:
        return {c.item: c for c in self.items}

    def labels(self) -> dict[Hashable, Any]:
        """item -> consensus value (None for ties and unlabeled items)."""
        return {c.item: c.value for c in self.items}

    @property
    def ties(self) -> tuple[ItemConsensus, ...]:
        return tuple(c for c in self.items if c.tie)


@dataclass(frozen=True)
class DawidSkeneResult(ConsensusResult):
    """Dawid-Skene's consensus plus the model it fitted.

    `confusion[rater][k, l]` is the estimated probability that the rater gives
    `classes[l]` to an item whose true class is `classes[k]`.
    """

    classes: tuple[Hashable, ...] = ()
    class_priors: dict[Hashable, float] = field(default_factory=dict)
    confusion: dict[Hashable, np.ndarray] = field(default_factory=dict)
    n_iter: int = 0
    converged: bool = False
    log_likelihood: float = float("nan")


# -- votes ----------------------------------------------------------------------------------------


def majority_vote(records: Records, scale: Sequence[Hashable] | None = None) -> ConsensusResult:
    """The most frequent value per item; a tie lists the tied values (in scale order)."""
    data = ReliabilityData.from_records(records, value_domain=scale)
    return _vote(data, data.value_counts.astype(float), "majority")


def weighted_majority_vote(
    records: Records,
    weights: Mapping[Hashable, float],
    *,
    default_weight: float | None = None,
    scale: Sequence[Hashable] | None = None,
) -> ConsensusResult:
    """Each rater's label counts `weights[rater]` (e.g. their anchor accuracy).

    A rater without a weight is an error unless `default_weight` is given;
    weights must be finite and not negative. Confidence is the winner's share of
    the item's total weight.
    """
    data = ReliabilityData.from_records(records, value_domain=scale)
    per_rater = []
    for rater in data.raters:
        weight = weights.get(rater, default_weight)
        if weight is None:
            raise ReliabilityError(f"rater {rater!r} has no weight; give one or a default_weight")
        if not np.isfinite(weight) or weight < 0:
            raise ReliabilityError(f"rater {rater!r} has weight {weight!r}; use a number >= 0")
        per_rater.append(float(weight))
    rows, cols = np.nonzero(data.codes >= 0)
    flat = rows.astype(np.int64) * data.n_values + data.codes[rows, cols]
    tally = np.bincount(
        flat, weights=np.asarray(per_rater)[cols], minlength=data.n_items * data.n_values
    ).reshape(data.n_items, data.n_values)
    return _vote(data, tally, "weighted_majority")


def _vote(data: ReliabilityData, tally: np.ndarray, method: str) -> ConsensusResult:
    n_labels = data.ratings_per_item
    total = tally.sum(axis=1)
    best = tally.max(axis=1) if data.n_values else np.zeros(data.n_items)
    winners = np.isclose(tally, best[:, None], rtol=0, atol=_TIE_TOLERANCE) & (tally > 0)
    out = []
    for i, item in enumerate(data.items):
        if n_labels[i] == 0 or total[i] <= 0:
            out.append(ItemConsensus(item, None, None, int(n_labels[i])))
            continue
        share = float(best[i] / total[i])
        tied = np.nonzero(winners[i])[0]
        if len(tied) > 1:
            values = tuple(data.values[v] for v in tied)
            out.append(ItemConsensus(item, None, share, int(n_labels[i]), True, values))
        else:
            out.append(ItemConsensus(item, data.values[tied[0]], share, int(n_labels[i])))
    return ConsensusResult(method, tuple(out))


# -- median and mean ------------------------------------------------------------------------------


def median_vote(records: Records, scale: Sequence[Hashable] | None = None) -> ConsensusResult:
    """The median label over the scale order (pass the scale for text values).

    With an even number of labels whose two middle labels differ, the item is a
    tie between them. Confidence is the share of labels equal to the median
    (for a tie, the larger share of the two).
    """
    data = ReliabilityData.from_records(records, value_domain=scale)
    counts = data.value_counts
    m = data.ratings_per_item
    cumulative = np.cumsum(counts, axis=1)
    lower = np.argmax(cumulative > ((m - 1) // 2)[:, None], axis=1)
    upper = np.argmax(cumulative > (m // 2)[:, None], axis=1)
    out = []
    for i, item in enumerate(data.items):
        if m[i] == 0:
            out.append(ItemConsensus(item, None, None, 0))
        elif lower[i] == upper[i]:
            share = float(counts[i, lower[i]] / m[i])
            out.append(ItemConsensus(item, data.values[lower[i]], share, int(m[i])))
        else:
            share = float(max(counts[i, lower[i]], counts[i, upper[i]]) / m[i])
            tied = (data.values[lower[i]], data.values[upper[i]])
            out.append(ItemConsensus(item, None, share, int(m[i]), True, tied))
    return ConsensusResult("median", tuple(out))


def mean_score(records: Records, scale_range: tuple[float, float] | None = None) -> ConsensusResult:
    """The mean of numeric labels per item.

    `spread` is the labels' standard deviation; confidence is 1 - spread /
    (half the range), 1 when all agree and 0 for a half-and-half split between
    the ends. The range is `scale_range` (e.g. (1, 5)) or else the observed one.
    """
    data = ReliabilityData.from_records(records)
    values = data.numeric_values()
    counts = data.value_counts.astype(float)
    m = counts.sum(axis=1)
    low, high = (
        scale_range
        if scale_range is not None
        else ((float(values.min()), float(values.max())) if len(values) else (0.0, 0.0))
    )
    half_range = (high - low) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = counts @ values / m
        spread = np.sqrt(np.maximum(counts @ values**2 / m - mean**2, 0.0))
    out = []
    for i, item in enumerate(data.items):
        if m[i] == 0:
            out.append(ItemConsensus(item, None, None, 0))
            continue
        confidence = 1.0 if half_range <= 0 else float(np.clip(1 - spread[i] / half_range, 0, 1))
        out.append(
            ItemConsensus(item, float(mean[i]), confidence, int(m[i]), spread=float(spread[i]))
        )
    return ConsensusResult("mean", tuple(out))


# -- Dawid-Skene ----------------------------------------------------------------------------------


def dawid_skene(
    records: Records,
    classes: Sequence[Hashable] | None = None,
    *,
    tol: float = 1e-6,
    max_iter: int = 100,
    floor: float = 1e-10,
) -> DawidSkeneResult:
    """Dawid & Skene (1979): each rater has a confusion matrix; EM estimates them,
    the class priors and every item's posterior over classes.

    Starts from majority-vote shares (an M-step on them), then alternates E and M
    steps until the mean log-likelihood per label changes by less than `tol`, or
    `max_iter` rounds. Probabilities are floored at `floor` so a never-seen
    confusion does not veto a class outright. `classes` may list classes nobody
    used (in the order to report them).
    """
    data = ReliabilityData.from_records(records, value_domain=classes)
    k = data.n_values
    rows, cols = np.nonzero(data.codes >= 0)
    given = data.codes[rows, cols]
    n_labels = max(len(rows), 1)
    counts = data.value_counts.astype(float)
    labeled = counts.sum(axis=1) > 0
    posterior = np.zeros((data.n_items, k))
    posterior[labeled] = counts[labeled] / counts[labeled].sum(axis=1, keepdims=True)

    previous = -np.inf
    converged = False
    n_iter = 0
    priors, confusion = _m_step(posterior, labeled, rows, cols, given, data.n_raters, k, floor)
    log_likelihood = -np.inf
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        posterior, log_likelihood = _e_step(
            priors, confusion, rows, cols, given, data.n_items, labeled
        )
        priors, confusion = _m_step(posterior, labeled, rows, cols, given, data.n_raters, k, floor)
        if abs(log_likelihood - previous) / n_labels < tol:
            converged = True
            break
        previous = log_likelihood

    out = []
    for i, item in enumerate(data.items):
        m = int(counts[i].sum())
        if not labeled[i]:
            out.append(ItemConsensus(item, None, None, 0))
            continue
        best = posterior[i].max()
        tied = np.nonzero(posterior[i] >= best - _TIE_TOLERANCE)[0]
        post = {data.values[c]: float(posterior[i, c]) for c in range(k)}
        if len(tied) > 1:
            values = tuple(data.values[c] for c in tied)
            out.append(ItemConsensus(item, None, float(best), m, True, values, posterior=post))
        else:
            out.append(ItemConsensus(item, data.values[tied[0]], float(best), m, posterior=post))
    return DawidSkeneResult(
        "dawid_skene",
        tuple(out),
        classes=data.values,
        class_priors={data.values[c]: float(priors[c]) for c in range(k)},
        confusion={data.raters[r]: confusion[r].copy() for r in range(data.n_raters)},
        n_iter=n_iter,
        converged=converged,
        log_likelihood=float(log_likelihood),
    )


def _m_step(
    posterior: np.ndarray,
    labeled: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    given: np.ndarray,
    n_raters: int,
    k: int,
    floor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Class priors and (raters, true, given) confusion from the current posteriors."""
    priors = np.maximum(posterior[labeled].mean(axis=0), floor)
    priors /= priors.sum()
    confusion = np.zeros((n_raters, k, k))
    slot = cols.astype(np.int64) * k + given
    for true in range(k):
        mass = np.bincount(slot, weights=posterior[rows, true], minlength=n_raters * k)
        confusion[:, true, :] = mass.reshape(n_raters, k)
    confusion = np.maximum(confusion, floor)
    confusion /= confusion.sum(axis=2, keepdims=True)
    return priors, confusion


def _e_step(
    priors: np.ndarray,
    confusion: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    given: np.ndarray,
    n_items: int,
    labeled: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Posteriors P(class | labels) per item, and the data's log-likelihood."""
    k = len(priors)
    log_confusion = np.log(confusion)
    log_joint = np.tile(np.log(priors), (n_items, 1))
    for true in range(k):
        log_joint[:, true] += np.bincount(
            rows, weights=log_confusion[cols, true, given], minlength=n_items
        )
    top = log_joint.max(axis=1, keepdims=True)
    scaled = np.exp(log_joint - top)
    total = scaled.sum(axis=1, keepdims=True)
    posterior = scaled / total
    posterior[~labeled] = 0.0
    log_likelihood = float((np.log(total[:, 0]) + top[:, 0])[labeled].sum())
    return posterior, log_likelihood

"""Each label against its item's expert consensus, kept as small contingency tables.

The reference for a label is the lead's adjudicated value when there is one,
else the consensus of the expert labels on the item (median for ordinal,
majority for nominal, mean for numeric; `reference.reference_from_counts`, so
ties drop out and are counted, never broken). An expert's own label is left
out of the consensus it is compared with (leave one out), as
`vs_reference` does, so nobody is measured against themselves.

Why tables: a (reference value, label value) count table per annotator and
criterion is all kappa, alpha and the match rate need, and it does not grow
with the number of labels. The coefficients and their bootstrap intervals
(resampling labels) are computed from the tables at the end.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.labels.adjudications import current_adjudications
from annotator.labels.columns import distinct_counts, distinct_ids, distinct_inverse
from annotator.labels.data import CriterionSpec, same_value
from annotator.labels.stream import Chunk
from annotator.quality.project_agreement import Settings
from annotator.stats.agreement import compute_all
from annotator.stats.bootstrap import percentile_interval
from annotator.stats.coefficient import Coefficient
from annotator.stats.kappa import disagreement_weights
from annotator.stats.reference import reference_from_counts
from annotator.stats.reliability import ReliabilityData
from annotator.store.project import Project

REFERENCE = "expert consensus"


@dataclass
class PairTally:
    """Per annotator: (reference, label) counts for one criterion, plus what was left out."""

    tables: dict[int, np.ndarray] = field(default_factory=dict)  # rater -> k x k
    numbers: dict[int, list[np.ndarray]] = field(default_factory=dict)  # numeric: rater -> pairs
    tied: dict[int, int] = field(default_factory=dict)
    unreferenced: dict[int, int] = field(default_factory=dict)

    def add_table(self, rater: int, table: np.ndarray) -> None:
        if rater in self.tables:
            self.tables[rater] += table
        else:
            self.tables[rater] = table.copy()

    def count(self, target: dict[int, int], raters: np.ndarray) -> None:
        for rater, n in zip(*distinct_counts(raters), strict=True):
            target[int(rater)] = target.get(int(rater), 0) + int(n)


def adjudicated_positions(project: Project, spec: CriterionSpec, chunk: Chunk) -> dict[int, float]:
    """Item position in the chunk -> adjudicated value (scale position, or number)."""
    if not chunk.any_adjudicated:
        return {}
    ids = [row["id"] for row in chunk.items]
    found = current_adjudications(project, spec.key, ids)
    if not found:
        return {}
    where = {item_id: i for i, item_id in enumerate(ids)}
    out: dict[int, float] = {}
    for item_id, decision in found.items():
        value = decision.value
        if spec.kind == "multilabel":
            out[where[item_id]] = float(any(same_value(spec.option, v) for v in value or []))
        elif spec.kind == "numeric":
            out[where[item_id]] = float(value)
        else:
            position = next((p for p, v in enumerate(spec.values) if same_value(v, value)), None)
            if position is not None:
                out[where[item_id]] = float(position)
    return out


def tally_chunk(
    tally: PairTally,
    spec: CriterionSpec,
    chunk: Chunk,
    experts: set[int],
    adjudicated: dict[int, float],
) -> None:
    """Add the chunk's in-scope labels, each paired with its reference, to `tally`."""
    numeric = spec.kind == "numeric"
    if numeric:
        value = chunk.numbers[spec.name]
        has = np.isfinite(value)
    else:
        code = chunk.codes[spec.name]
        has = code >= 0
    usable = chunk.latest & has
    is_expert = np.isin(chunk.source, sorted(experts)) if experts else np.zeros(len(has), bool)
    candidates = np.nonzero(usable & chunk.in_scope)[0]
    if len(candidates) == 0:
        return
    n_items = chunk.n_items
    ref_mask = usable & is_expert
    if numeric:
        totals = np.bincount(chunk.item_index[ref_mask], weights=value[ref_mask], minlength=n_items)
        counts = np.bincount(chunk.item_index[ref_mask], minlength=n_items).astype(float)
        at = chunk.item_index[candidates]
        own = is_expert[candidates]
        m = counts[at] - own
        with np.errstate(invalid="ignore", divide="ignore"):
            ref = np.where(m > 0, (totals[at] - np.where(own, value[candidates], 0.0)) / m, np.nan)
        defined = m > 0
        tied = np.zeros(len(candidates), dtype=bool)
    else:
        k = len(spec.values)
        flat = chunk.item_index[ref_mask].astype(np.int64) * k + code[ref_mask]
        counts = np.bincount(flat, minlength=n_items * k).reshape(n_items, k)
        at = chunk.item_index[candidates]
        rows = counts[at].copy()
        own = is_expert[candidates]
        rows[np.nonzero(own)[0], code[candidates][own]] -= 1
        ref, defined = reference_from_counts(rows, spec.level or "nominal")
        tied = (rows.sum(axis=1) > 0) & ~defined
    if adjudicated:
        decided = np.array([adjudicated.get(int(i), np.nan) for i in at.tolist()])
        known = np.isfinite(decided)
        ref = np.where(known, decided, ref)
        defined = defined | known
        tied = tied & ~known
    raters = chunk.rater[candidates]
    tally.count(tally.tied, raters[tied])
    tally.count(tally.unreferenced, raters[~defined & ~tied])
    raters, ref = raters[defined], ref[defined]
    if numeric:
        mine = value[candidates][defined]
        for rater in distinct_ids(raters).tolist():
            sel = raters == rater
            tally.numbers.setdefault(rater, []).append(np.stack([ref[sel], mine[sel]], axis=1))
        return
    mine = code[candidates][defined]
    local, index = distinct_inverse(raters)
    cells = (index.astype(np.int64) * k + ref.astype(np.int64)) * k + mine
    tables = np.bincount(cells, minlength=len(local) * k * k).reshape(len(local), k, k)
    for r, rater in enumerate(local.tolist()):
        tally.add_table(rater, tables[r])


def table_agreement(
    table: np.ndarray, values: Sequence[Hashable], level: str, who: str, settings: Settings
) -> dict[str, Coefficient]:
    """Every coefficient between the reference and a label, from a (reference x label) table.

    Each label is a unit of a two-rater table, so the bootstrap resamples labels."""
    k = table.shape[0]
    cells = np.repeat(np.arange(k * k), table.reshape(-1).astype(np.int64))
    codes = np.stack([cells // k, cells % k], axis=1).astype(np.int32)
    return _compute(codes, tuple(values), level, who, settings)


def _table_statistics(
    tables: np.ndarray, values: Sequence[Hashable], level: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kappa, alpha, match) of each (reference x label) table in `tables` (b, k, k); NaN
    where one is not defined.

    Closed forms: Cohen's kappa with `kappa_key(level)`'s weights; alpha from the
    coincidence matrix T + T' (every unit holds exactly two values), with the ordinal
    distances from each table's own value totals; the match rate is the diagonal's share.
    """
    t = np.asarray(tables, dtype=float)
    b, k, _ = t.shape
    n = t.sum(axis=(1, 2))
    idx = np.arange(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        match = np.trace(t, axis1=1, axis2=2) / n
        w = disagreement_weights(k, None if level == "nominal" else "quadratic")
        expected = t.sum(axis=2)[:, :, None] * t.sum(axis=1)[:, None, :] / n[:, None, None]
        chance_kappa = (w * expected).sum(axis=(1, 2))
        kappa = np.where(
            chance_kappa > 1e-12 * np.maximum(n, 1),
            1 - (w * t).sum(axis=(1, 2)) / chance_kappa,
            np.nan,
        )
        o = t + t.transpose(0, 2, 1)
        n_c = o.sum(axis=2)
        total = n_c.sum(axis=1)
        if level == "nominal":
            d = np.broadcast_to((idx[:, None] != idx[None, :]).astype(float), (b, k, k))
        elif level == "ordinal":
            upto = np.cumsum(n_c, axis=1)
            before = upto - n_c
            lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
            d = (upto[:, hi] - before[:, lo] - (n_c[:, :, None] + n_c[:, None, :]) / 2) ** 2
        else:
            v = np.asarray(values, dtype=float)
            d = np.broadcast_to((v[:, None] - v[None, :]) ** 2, (b, k, k))
        chance = (n_c[:, :, None] * n_c[:, None, :] * d).sum(axis=(1, 2))
        alpha = np.where(
            (total > 1) & (chance > 0), 1 - (total - 1) * (o * d).sum(axis=(1, 2)) / chance, np.nan
        )
    match = np.where(n > 0, match, np.nan)
    return kappa, alpha, match


def table_summary(
    table: np.ndarray, values: Sequence[Hashable], level: str, settings: Settings
) -> dict[str, Any]:
    """Kappa, alpha and the match rate from a (reference x label) table, with percentile
    bootstrap intervals that resample labels (`settings`; none when n_boot is 0).

    Resampling labels with replacement draws the table's cells from a multinomial, so
    a resample costs k x k numbers however many labels there are.
    """
    t = np.asarray(table, dtype=np.int64)
    n = int(t.sum())
    out: dict[str, Any] = {"level": level, "kappa_kind": kappa_key(level), "n_labels": n}
    point = _table_statistics(t[None], values, level)
    draws: tuple[np.ndarray, ...] | None = None
    if settings.n_boot > 0 and n > 0:
        rng = np.random.default_rng(settings.seed)
        share = t.reshape(-1) / n
        parts = []
        for start in range(0, settings.n_boot, 1000):
            size = min(1000, settings.n_boot - start)
            drawn = rng.multinomial(n, share, size=size).reshape(size, *t.shape)
            parts.append(np.stack(_table_statistics(drawn, values, level)))
        draws = tuple(np.concatenate(parts, axis=1))
    for position, name in enumerate(("kappa", "alpha", "match")):
        value = float(point[position][0])
        if not np.isfinite(value):
            out[name], out[f"{name}_ci"] = None, None
            out[f"{name}_reason"] = (
                "not defined, because no label had an expert consensus to compare with"
                if n == 0
                else "not defined, because every label and reference used one value"
            )
            continue
        out[name] = value
        out[f"{name}_ci"] = (
            list(ci)
            if draws is not None
            and (ci := percentile_interval(draws[position], settings.confidence)) is not None
            else None
        )
    return out


def table_figures(table: np.ndarray, values: Sequence[Hashable], level: str) -> dict[str, Any]:
    """The same without intervals (thousands of annotators)."""
    return table_summary(table, values, level, Settings(n_boot=0))


def pairs_agreement(
    pairs: np.ndarray, level: str, who: str, settings: Settings
) -> dict[str, Coefficient]:
    """The same for numeric (reference, label) pairs."""
    domain, inverse = np.unique(pairs.reshape(-1), return_inverse=True)
    values = tuple(int(v) if float(v).is_integer() else float(v) for v in domain.tolist())
    return _compute(inverse.reshape(-1, 2).astype(np.int32), values, level, who, settings)


def _compute(
    codes: np.ndarray, values: tuple[Hashable, ...], level: str, who: str, settings: Settings
) -> dict[str, Coefficient]:
    # Units are labels, not items: one shared placeholder id each (ids are never read by
    # the coefficients), so a million labels cost 8 bytes of ids apiece, not an int object.
    data = ReliabilityData(codes, values, (0,) * len(codes), (REFERENCE, who))
    return compute_all(
        data,
        level,  # type: ignore[arg-type]
        n_boot=settings.n_boot,
        seed=settings.seed,
        confidence=settings.confidence,
    )


def kappa_key(level: str) -> str:
    """The kappa reported for a level: unweighted for nominal, quadratic otherwise."""
    return "cohen_kappa" if level == "nominal" else "cohen_kappa_quadratic"


def summarise(
    coefficients: dict[str, Coefficient], level: str, n_tied: int, n_unreferenced: int
) -> dict[str, Any]:
    """The figures a sources table shows for one criterion."""
    kappa = coefficients.get(kappa_key(level))
    alpha = coefficients.get("alpha")
    match = coefficients.get("percent_agreement")

    def pick(c: Coefficient | None) -> tuple[float | None, list[float] | None, str | None]:
        if c is None:
            return None, None, "not computed"
        return c.value, list(c.ci) if c.ci else None, c.reason

    out: dict[str, Any] = {"level": level}
    for name, c in (("kappa", kappa), ("alpha", alpha), ("match", match)):
        value, ci, reason = pick(c)
        out[name], out[f"{name}_ci"] = value, ci
        if value is None:
            out[f"{name}_reason"] = reason
    out["kappa_kind"] = kappa_key(level)
    out["n_labels"] = match.n_items if match is not None else 0
    out["n_tied"] = n_tied
    out["n_unreferenced"] = n_unreferenced
    return out


__all__ = [
    "REFERENCE",
    "PairTally",
    "adjudicated_positions",
    "kappa_key",
    "pairs_agreement",
    "summarise",
    "table_agreement",
    "table_figures",
    "table_summary",
    "tally_chunk",
]

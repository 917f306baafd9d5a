"""The pieces of a quality report computed from a finished tally: agreement per criterion,
agreement with the expert consensus, Dawid-Skene reliability, and self-consistency on repeats.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from annotator.labels.stream import LabelStream
from annotator.quality.by_source.expert_pairs import pairs_agreement, summarise, table_summary
from annotator.quality.by_source.pattern_agreement import PatternCounts, pattern_coefficients
from annotator.quality.by_source.tally import QualityTally
from annotator.quality.project_agreement import CriterionAgreement, Settings
from annotator.stats.agreement import compute_all
from annotator.stats.consensus import dawid_skene
from annotator.stats.reliability import MISSING, ReliabilityData
from annotator.store.project import Project

ANNOTATOR_SETTINGS = Settings(n_boot=0)  # per annotator: point figures (thousands of them)


def criterion_agreement(
    tally: QualityTally, spec: Any, source: int | None, settings: Settings
) -> CriterionAgreement:
    """Agreement on one criterion among all labels in scope (or one source's).

    From the distinct item count rows the tally kept (`pattern_agreement`), so the
    memory does not grow with the items; numeric criteria, whose values are not a
    fixed scale, from their values."""
    level = spec.level or "nominal"
    if spec.kind == "numeric":
        data = _numeric_data(tally.numeric.get(spec.name, []), source)
        results = compute_all(
            data,
            level,  # type: ignore[arg-type]
            n_boot=settings.n_boot,
            seed=settings.seed,
            confidence=settings.confidence,
        )
        results = {k: v for k, v in results.items() if not k.startswith("cohen_kappa")}
        values, n_items, n_labels = tuple(data.values), int(data.n_items), int(data.n_labels)
        raters = len(tally.spec_raters[spec.name])
    else:
        counts = (
            tally.counts[spec.name]
            if source is None
            else tally.source_counts.get((spec.name, source), PatternCounts(len(spec.values)))
        )
        raters = len(
            tally.spec_raters[spec.name]
            if source is None
            else tally.source_raters.get((spec.name, source), set())
        )
        rows, freq = counts.arrays()
        values = tuple(spec.values)
        results = pattern_coefficients(rows, freq, values, level, settings, raters)
        n_items, n_labels = int(freq.sum()), int((rows.sum(axis=1) * freq).sum())
    return CriterionAgreement(spec.name, level, values, results, n_items, n_labels, raters)


def _numeric_data(parts: list[np.ndarray], source: int | None) -> ReliabilityData:
    """Numeric labels per item in anonymous slots (agreement needs only each item's values)."""
    pairs = np.concatenate(parts) if parts else np.zeros((0, 3))
    if source is not None:
        pairs = pairs[pairs[:, 2] == source]
    domain, code = np.unique(pairs[:, 1], return_inverse=True)
    items, item_index = np.unique(pairs[:, 0], return_inverse=True)
    order = np.argsort(item_index, kind="stable")
    per = np.bincount(item_index, minlength=len(items))
    slot = np.arange(len(order)) - np.repeat(np.cumsum(per) - per, per)
    width = int(per.max()) if len(per) else 0
    codes = np.full((len(items), width), MISSING, dtype=np.int32)
    codes[item_index[order], slot] = code[order]
    values = tuple(int(v) if float(v).is_integer() else float(v) for v in domain.tolist())
    return ReliabilityData(codes, values, (0,) * len(items), tuple(range(width)))


def versus_experts(
    tally: QualityTally, stream: LabelStream, settings: Settings, *, per_source: bool
) -> dict[int, dict[str, dict[str, Any]]]:
    """rater (or source) id -> criterion -> agreement with the expert consensus."""
    names = stream.names
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for spec in stream.specs:
        pairs = tally.pairs[spec.name]
        level = spec.level or "nominal"
        group: dict[int, list[int]] = {}
        raters = set(pairs.tables) | set(pairs.numbers) | set(pairs.tied) | set(pairs.unreferenced)
        for rater in raters:
            owner = names.annotator_source[rater] if per_source else rater
            group.setdefault(owner, []).append(rater)
        for owner, members in group.items():
            who = names.sources[owner] if per_source else str(owner)
            chosen = settings if per_source else ANNOTATOR_SETTINGS
            tied = sum(pairs.tied.get(r, 0) for r in members)
            missing = sum(pairs.unreferenced.get(r, 0) for r in members)
            if spec.kind == "numeric":
                parts = [p for r in members for p in pairs.numbers.get(r, [])]
                if not parts:
                    continue
                result = pairs_agreement(np.concatenate(parts), level, who, chosen)
            else:
                tables = [pairs.tables[r] for r in members if r in pairs.tables]
                if not tables:
                    out.setdefault(owner, {})[spec.name] = {
                        "level": level,
                        "kappa": None,
                        "alpha": None,
                        "match": None,
                        "n_labels": 0,
                        "n_tied": tied,
                        "n_unreferenced": missing,
                        "reason": "no label had an expert consensus to compare with",
                    }
                    continue
                figures = table_summary(sum(tables), spec.values, level, chosen)
                figures.update(n_tied=tied, n_unreferenced=missing)
                out.setdefault(owner, {})[spec.name] = figures
                continue
            figures = summarise(result, level, tied, missing)
            figures.update(match=None, match_ci=None)  # exact equality with a mean: no meaning
            figures["match_reason"] = "not defined for a numeric criterion"
            out.setdefault(owner, {})[spec.name] = figures
    return out


def dawid_skene_reliability(
    tally: QualityTally, stream: LabelStream
) -> tuple[dict[int, float], list[str]]:
    """rater -> label-weighted mean over criteria of the estimated share of true labels."""
    total: dict[int, float] = {}
    weight: dict[int, float] = {}
    notes = []
    for spec in stream.specs:
        parts = tally.ds.get(spec.name)
        if not parts:
            continue
        records = np.concatenate(parts)
        frame = pd.DataFrame(
            {"item": records[:, 0], "rater": records[:, 1], "value": records[:, 2]}
        )
        result = dawid_skene(frame, classes=tuple(range(len(spec.values))))
        priors = np.array([result.class_priors[c] for c in range(len(spec.values))])
        counts = frame["rater"].value_counts()
        for rater, matrix in result.confusion.items():
            n = float(counts.get(rater, 0))
            total[int(rater)] = total.get(int(rater), 0.0) + float(priors @ np.diag(matrix)) * n
            weight[int(rater)] = weight.get(int(rater), 0.0) + n
    if tally.ds_stride > 1:
        sizes = [sum(len(p) for p in parts) for parts in tally.ds.values() if parts]
        notes.append(
            f"Dawid-Skene was fitted on every {tally.ds_stride}th item (up to {max(sizes):,} "
            "labels per criterion), so memory stays flat on large projects."
        )
    return {r: total[r] / weight[r] for r in total if weight[r] > 0}, notes


def repeat_consistency(
    project: Project, stream: LabelStream, tally: QualityTally
) -> dict[int, tuple[int, int]]:
    """rater -> (repeat answers equal to the earlier answer, repeat answers compared)."""
    where, params = stream.scope.label_where()
    where = where.replace("l.", "r.")
    sql = (
        "SELECT r.annotator_id, r.source_id, i.seq, r.values_json, o.values_json "
        "FROM current_labels r JOIN labels o ON o.id = r.repeat_of "
        "JOIN items i ON i.id = r.item_id "
        "WHERE r.repeat_of IS NOT NULL AND r.status = 'submitted' "
        + (f"AND {where}" if where else "")
    )
    kept = np.sort(np.concatenate(tally.kept_seqs)) if tally.kept_seqs else np.zeros(0, np.int64)
    keys = [k for k in stream.keys if stream.kinds[k] != "text"]
    out: dict[int, tuple[int, int]] = {}
    for rater, source, seq, now, before in project.conn.execute(sql, params):
        if stream.source_ids is not None and source not in stream.source_ids:
            continue
        at = np.searchsorted(kept, seq)
        if at >= len(kept) or kept[at] != seq:
            continue
        a, b = json.loads(now), json.loads(before)
        same, n = out.get(rater, (0, 0))
        for key in keys:
            if stream.kinds[key] == "multilabel":  # a complete label ticking none: absent
                n += 1
                same += int(a.get(key, []) == b.get(key, []))
            elif key in a and key in b:
                n += 1
                same += int(a[key] == b[key])
        out[rater] = (same, n)
    return out


__all__ = [
    "ANNOTATOR_SETTINGS",
    "criterion_agreement",
    "dawid_skene_reliability",
    "repeat_consistency",
    "versus_experts",
]

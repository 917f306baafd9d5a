"""Agreement in smaller scopes: each annotator against the rest, per slice tag, per
week, per rubric version, per source; the pairwise annotator matrix; and the
item-level disagreement score that sorts items for review and calibration.

    >>> by_week = agreement_by(project, "week", tables(project), load_names(project), Settings())
    >>> lowest_agreement_items(project, 20)[0]["item_id"]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from annotator.base.errors import AnnotatorError
from annotator.labels.data import LabelTable, Names, item_ids, load_names
from annotator.labels.slices import label_groups, slice_tags
from annotator.quality.project_agreement import Settings, measure, rater_data, tables
from annotator.quality.vs_reference import against_the_rest
from annotator.stats.bootstrap import distinct_ints
from annotator.stats.disagreement import item_disagreement
from annotator.stats.kappa import cohen_kappa_pairwise
from annotator.store.project import Project

BY = ("annotator", "source", "slice", "week", "rubric-version")


class ScopeError(AnnotatorError):
    """An unknown way to split the labels."""


def agreement_by(
    project: Project,
    by: str,
    loaded: dict[str, LabelTable],
    names: Names,
    settings: Settings,
    only_sources: Sequence[int] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """criterion name -> group -> agreement figures (JSON-ready).

    annotator: each annotator's labels against every other label on the same
    items (`vs_reference.against_the_rest`); source, slice (`tag=value`, for tag keys
    with 2 to 30 values), week (Monday, UTC) and rubric-version: every
    coefficient within the group's labels.
    """
    if by not in BY:
        raise ScopeError(f"Cannot split agreement by {by!r}; use one of {', '.join(BY)}.")
    slices = slice_tags(project) if by == "slice" else {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name, table in loaded.items():
        if only_sources is not None:
            table = table.subset(np.isin(table.source, only_sources))
        groups: dict[str, dict[str, Any]] = {}
        if by == "annotator":
            for rater in table.rater_index()[0].tolist():
                who = names.annotators.get(rater, str(rater))
                result = against_the_rest(table, rater, who, settings).to_dict()
                result["source"] = names.sources.get(names.annotator_source.get(rater, -1))
                groups[who] = result
        else:
            for label, mask in label_groups(by, table, names, slices):
                groups[label] = measure(table.subset(mask), names, settings).to_dict()
        out[name] = groups
    return out


# -- the pairwise matrix ----------------------------------------------------------------------


def pairwise_matrix(
    table: LabelTable, names: Names, *, max_raters: int = 25, min_shared: int = 5
) -> dict[str, Any]:
    """Cohen's kappa between every two annotators (the most prolific `max_raters`).

    Unweighted for nominal criteria, quadratic weights over the scale otherwise.
    A pair sharing fewer than `min_shared` items has no value (None).
    """
    raters, index = table.rater_index()
    counts = np.bincount(index, minlength=len(raters))
    chosen = raters[np.argsort(-np.asarray(counts), kind="stable")[:max_raters]]
    chosen = np.sort(chosen)
    weights = None if table.level == "nominal" else "quadratic"
    mine = table if len(chosen) == len(raters) else table.subset(np.isin(table.rater, chosen))
    shown = [names.annotators.get(int(r), str(r)) for r in chosen.tolist()]
    result: dict[str, Any] = {
        "raters": shown,
        "sources": [
            names.sources.get(names.annotator_source.get(int(r), -1)) for r in chosen.tolist()
        ],
        "weights": weights,
        "min_shared": min_shared,
        "kappa": [[None] * len(chosen) for _ in chosen],
        "n_shared": [[0] * len(chosen) for _ in chosen],
    }
    if len(chosen) < 2:
        result["reason"] = "not defined, because fewer than two annotators labeled"
        return result
    data = rater_data(mine, names)
    pairs = cohen_kappa_pairwise(data, weights=weights, n_boot=0)  # type: ignore[arg-type]
    position = {name: i for i, name in enumerate(pairs.raters)}
    order = [position[name] for name in shown]
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            shared = int(pairs.n_shared[a, b])
            result["n_shared"][i][j] = shared
            value = pairs.values[a, b]
            if i != j and shared >= min_shared and np.isfinite(value):
                result["kappa"][i][j] = float(value)
    return result


# -- item-level disagreement ------------------------------------------------------------------


def item_scores(
    project: Project,
    criterion: str | None = None,
    sources: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(item seqs, score, n_labels, {criterion key: score}) for items with two or more labels.

    The score is `disagreement.item_disagreement` at each criterion's level (0:
    everyone agrees, 1: as far apart as the scale allows); a multilabel
    criterion's options are averaged first, then criteria are averaged.
    """
    names = load_names(project)
    ids = names.source_ids(sources)
    loaded = tables(project, [criterion] if criterion else None)
    per_key: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for table in loaded.values():
        if ids is not None:
            table = table.subset(np.isin(table.source, ids))
        if len(table) == 0:
            continue
        data = table.reliability()
        scored = item_disagreement(data, table.level)  # type: ignore[arg-type]
        seqs = np.asarray(data.items, dtype=np.int64)
        per_key.setdefault(table.spec.key, []).append((seqs, scored.scores, scored.n_labels))
    if not per_key:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty.astype(np.int64), {}
    every = distinct_ints(np.concatenate([s for parts in per_key.values() for s, _, _ in parts]))
    total = np.zeros(len(every))
    count = np.zeros(len(every))
    n_labels = np.zeros(len(every), dtype=np.int64)
    by_key: dict[str, np.ndarray] = {}
    for key, parts in per_key.items():
        places, weights = [], []
        for seqs, scores, labels in parts:
            at = np.searchsorted(every, seqs)
            ok = np.isfinite(scores)
            places.append(at[ok])
            weights.append(scores[ok])
            np.maximum.at(n_labels, at, labels)
        # one bincount over the parts in order adds each item's scores in the order
        # np.add.at did, part after part: the same sums to the last bit
        place, weight = np.concatenate(places), np.concatenate(weights)
        key_sum = np.bincount(place, weights=weight, minlength=len(every)).astype(float)
        key_n = np.bincount(place, minlength=len(every)).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            key_score = np.where(key_n > 0, key_sum / key_n, np.nan)
        by_key[key] = key_score
        has = np.isfinite(key_score)
        total[has] += key_score[has]
        count[has] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(count > 0, total / count, np.nan)
    return every, score, n_labels, by_key


def lowest_agreement_items(
    project: Project,
    n: int = 20,
    criterion: str | None = None,
    sources: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The `n` items whose labels disagree most, most disagreement first.

    Each entry: item_id, score (0..1), n_labels, and the score per criterion.
    Items with fewer than two labels are not ranked. Equal scores keep import order.
    """
    seqs, score, n_labels, by_key = item_scores(project, criterion, sources)
    ranked = np.nonzero(np.isfinite(score))[0]
    ranked = ranked[np.argsort(-score[ranked], kind="stable")][:n]
    id_of = item_ids(project, seqs[ranked].tolist())
    out = []
    for i in ranked.tolist():
        out.append(
            {
                "item_id": id_of[int(seqs[i])],
                "score": float(score[i]),
                "n_labels": int(n_labels[i]),
                "criteria": {
                    key: (float(values[i]) if np.isfinite(values[i]) else None)
                    for key, values in by_key.items()
                },
            }
        )
    return out

"""Consensus labels per item and criterion: what exports and "vs the experts" use.

The order of precedence: a lead's adjudicated value, when there is one; else
the chosen method over the item's effective labels:

- `majority`: the most frequent value (confidence: its vote share); with
  `weights` (per source or per annotator name) a weighted vote;
- `dawid_skene`: Dawid & Skene (1979) EM over the whole criterion (confidence:
  the posterior of the chosen class);
- `median`: the median over the scale order (ordinal); an even split between
  two middle values is a tie;
- `mean`: the mean (numeric); confidence 1 - spread / half the scale's range;
- `auto`: median for ordinal, mean for numeric, majority otherwise.

A multilabel criterion is decided per option (ticked by a majority or not).
Ties are never broken silently: a tied item has `value=None`, `tie=True` and
the tied values. Every result records its method, confidence and n_labels.

    >>> result = consensus(project, "correctness", source_kinds=["expert"])
    >>> result["med-004"].value, result["med-004"].method, result["med-004"].confidence

`iter_consensus` streams every item in import order (chunks of items, so an
export of a million labels never holds them all at once; Dawid-Skene, being
a model of the whole criterion, is fitted once up front).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from annotator.labels.data import (
    CriterionSpec,
    LabelTable,
    Names,
    criterion_specs,
    item_ids,
    load_names,
    observed_span,
)
from annotator.labels.load import load_all, load_labels
from annotator.quality.consensus_tables import (
    ConsensusValue,
    by_item,
    fit_dawid_skene,
    multilabel,
    single,
)
from annotator.quality.selection import ConsensusError, Selection
from annotator.store.project import Project

METHODS = ("auto", "majority", "dawid_skene", "median", "mean")
ADJUDICATED = "adjudicated"


def consensus(
    project: Project,
    criterion_key: str,
    *,
    method: str = "auto",
    sources: Sequence[str] | None = None,
    exclude_sources: Sequence[str] | None = None,
    source_kinds: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    rubric_version: int | None = None,
    adjudicated: bool = True,
) -> dict[str, ConsensusValue]:
    """item id -> consensus for one criterion, in item import order.

    `sources` / `exclude_sources` take source names (or kinds, e.g. "expert");
    `source_kinds` keeps only sources of these kinds; `weights` maps source or
    annotator names to vote weights (majority, median, mean); `rubric_version`
    (a rubric_versions.id) counts only labels made under it. Items without
    labels (and without an adjudication) are absent.
    """
    selection = Selection(sources, exclude_sources, source_kinds, weights, rubric_version)
    specs = _specs(project, criterion_key, rubric_version)
    names = load_names(project)
    tables = [load_labels(project, spec) for spec in specs]
    return _decide(project, specs, tables, method, selection, names, adjudicated)


def consensus_all(
    project: Project, criteria: Sequence[str] | None = None, **options: Any
) -> dict[str, dict[str, ConsensusValue]]:
    """criterion key -> consensus() for every criterion with one (free text has none)."""
    keys = criteria or _consensus_keys(project, options.get("rubric_version"))
    wanted = [s for s in criterion_specs(project, options.get("rubric_version")) if s.key in keys]
    load_all(project, options.get("rubric_version"), specs=wanted)  # one query for all
    return {key: consensus(project, key, **options) for key in keys}


def iter_consensus(
    project: Project,
    criteria: Sequence[str] | None = None,
    *,
    method: str = "auto",
    chunk_items: int = 5_000,
    sources: Sequence[str] | None = None,
    exclude_sources: Sequence[str] | None = None,
    source_kinds: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    rubric_version: int | None = None,
    adjudicated: bool = True,
) -> Iterator[tuple[str, dict[str, ConsensusValue]]]:
    """(item id, {criterion: consensus}) for every item, in import (seq) order.

    Items are read `chunk_items` at a time; an item without labels on a
    criterion has no entry for it. Gives the same values as :func:`consensus`.
    """
    _check_method(method)
    selection = Selection(sources, exclude_sources, source_kinds, weights, rubric_version)
    names = load_names(project)
    keys = list(criteria) if criteria else _consensus_keys(project, rubric_version)
    specs = {key: _specs(project, key, rubric_version) for key in keys}
    whole: dict[str, dict[str, ConsensusValue]] = {}
    for key in keys:  # models of the whole criterion are fitted once
        if method == "dawid_skene":
            tables = [load_labels(project, spec) for spec in specs[key]]
            whole[key] = _decide(project, specs[key], tables, method, selection, names, adjudicated)
    spans = {key: observed_span(project, specs[key][0]) for key in keys}
    after = 0
    while True:
        chunk = project.rows(
            "SELECT seq, id FROM items WHERE seq > ? ORDER BY seq LIMIT ?", (after, chunk_items)
        )
        if not chunk:
            return
        low, high = chunk[0][0], chunk[-1][0]
        decided: dict[str, dict[str, ConsensusValue]] = {}
        chunk_specs = [s for key in keys if key not in whole for s in specs[key]]
        loaded = (
            load_all(project, specs=chunk_specs, item_seq_range=(low, high)) if chunk_specs else {}
        )
        for key in keys:
            if key in whole:
                decided[key] = whole[key]
                continue
            tables = [loaded[spec.name] for spec in specs[key]]
            decided[key] = _decide(
                project, specs[key], tables, method, selection, names, adjudicated, (low, high),
                spans.get(key),
            )  # fmt: skip
        for _, item_id in chunk:
            yield item_id, {k: decided[k][item_id] for k in keys if item_id in decided[k]}
        after = high


def dawid_skene_fit(
    project: Project,
    criterion_key: str,
    *,
    sources: Sequence[str] | None = None,
    exclude_sources: Sequence[str] | None = None,
    source_kinds: Sequence[str] | None = None,
    rubric_version: int | None = None,
) -> dict[str, Any]:
    """Dawid-Skene's model of one criterion, with annotator names.

    Returns `classes`, `priors`, `confusion` ({annotator: rows true class,
    columns given value}), `reliability` ({annotator: estimated share of labels
    that are the true class}), `n_iter`, `converged`.
    """
    selection = Selection(sources, exclude_sources, source_kinds, None, rubric_version)
    spec = _single_spec(project, criterion_key, rubric_version)
    names = load_names(project)
    table = load_labels(project, spec)
    table = table.subset(selection.mask(table, names))
    if len(table) == 0:
        raise ConsensusError(f"No labels on {criterion_key!r} to fit Dawid-Skene on.")
    result = fit_dawid_skene(table)
    classes = list(table.values)
    confusion = {names.annotators.get(r, str(r)): m for r, m in result.confusion.items()}
    priors = np.array([result.class_priors[c] for c in range(len(classes))])
    reliability = {name: float(priors @ np.diag(m)) for name, m in confusion.items()}
    return {
        "classes": classes,
        "priors": dict(zip(classes, priors.tolist(), strict=True)),
        "confusion": {name: m.tolist() for name, m in confusion.items()},
        "reliability": reliability,
        "n_iter": result.n_iter,
        "converged": result.converged,
    }


# -- internals ------------------------------------------------------------------------------------


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ConsensusError(
            f"Unknown consensus method {method!r}; use one of {', '.join(METHODS)}."
        )


def _consensus_keys(project: Project, rubric_version: int | None) -> list[str]:
    keys: list[str] = []
    for spec in criterion_specs(project, rubric_version):
        if spec.key not in keys:
            keys.append(spec.key)
    return keys


def _specs(project: Project, key: str, rubric_version: int | None) -> list[CriterionSpec]:
    specs = criterion_specs(project, rubric_version, keys=[key], include_text=True)
    if specs and specs[0].kind == "text":
        raise ConsensusError(f"Criterion {key!r} is free text: it has no consensus value.")
    return specs


def _single_spec(project: Project, key: str, rubric_version: int | None) -> CriterionSpec:
    specs = _specs(project, key, rubric_version)
    if len(specs) != 1:
        raise ConsensusError(f"Criterion {key!r} is multilabel: fit one option at a time.")
    return specs[0]


def resolve_method(method: str, spec: CriterionSpec) -> str:
    """The method `auto` stands for, for a single-choice criterion; refuses a median of
    a nominal scale and a mean of anything but numbers."""
    if method != "auto":
        if method == "median" and spec.kind != "ordinal":
            raise ConsensusError(f"The median needs an ordinal scale; {spec.key!r} is {spec.kind}.")
        if method == "mean" and spec.kind != "numeric":
            raise ConsensusError(f"The mean needs numbers; {spec.key!r} is {spec.kind}.")
        return method
    return {"ordinal": "median", "numeric": "mean"}.get(spec.kind, "majority")


def _decide(
    project: Project,
    specs: list[CriterionSpec],
    tables: list[LabelTable],
    method: str,
    selection: Selection,
    names: Names,
    adjudicated: bool,
    seq_range: tuple[int, int] | None = None,
    span: tuple[float, float] | None = None,
) -> dict[str, ConsensusValue]:
    _check_method(method)
    if selection.weights and method == "dawid_skene":
        raise ConsensusError("Dawid-Skene learns each annotator's weight itself; drop weights.")
    if selection.rubric_version is not None:
        tables = [t.subset(t.version == selection.rubric_version) for t in tables]
    tables = [t.subset(selection.mask(t, names)) for t in tables]
    key = specs[0].key
    tables = [by_item(t) for t in tables]
    seqs = np.unique(np.concatenate([t.item for t in tables])) if tables else []
    ids = item_ids(project, list(seqs))
    if specs[0].kind == "multilabel":
        out = multilabel(specs, tables, method, selection, names, ids)
    else:
        resolved = resolve_method(method, specs[0])
        out = single(specs[0], tables[0], resolved, selection, names, ids, span)
    if adjudicated:
        out = _apply_adjudications(project, key, out, seq_range)
    return out


def _apply_adjudications(
    project: Project,
    key: str,
    decided: dict[str, ConsensusValue],
    seq_range: tuple[int, int] | None,
) -> dict[str, ConsensusValue]:
    """An adjudicated value replaces the aggregate (items without labels included)."""
    sql = (
        "SELECT a.id, a.item_id, a.value_json, a.rationale, a.session_id, i.seq "
        "FROM current_adjudications a JOIN items i ON i.id = a.item_id WHERE a.criterion = ?"
    )
    params: list[Any] = [key]
    if seq_range is not None:
        sql += " AND i.seq BETWEEN ? AND ?"
        params += list(seq_range)
    rows = project.rows(sql + " ORDER BY a.id", params)
    if not rows:
        return decided
    out = dict(decided)
    added = False
    for row in rows:
        item_id = row["item_id"]
        before = decided.get(item_id)
        details: dict[str, Any] = {
            "adjudication_id": row["id"],
            "rationale": row["rationale"],
            "session_id": row["session_id"],
        }
        if before is not None:
            details["aggregate"] = before.value
            details["aggregate_method"] = before.method
        else:
            added = True
        out[item_id] = ConsensusValue(
            item_id,
            key,
            json.loads(row["value_json"]),
            ADJUDICATED,
            1.0,
            before.n_labels if before is not None else 0,
            details=details,
        )
    if not added:
        return out
    seqs = {row["item_id"]: row["seq"] for row in rows}
    missing = [item for item in out if item not in seqs]
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        seqs.update(
            (row[0], row[1])
            for row in project.rows(
                f"SELECT id, seq FROM items WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
        )
    return dict(sorted(out.items(), key=lambda kv: seqs[kv[0]]))


__all__ = [
    "ADJUDICATED",
    "METHODS",
    "ConsensusError",
    "ConsensusValue",
    "consensus",
    "consensus_all",
    "dawid_skene_fit",
    "iter_consensus",
]

"""The same items under two rubric versions: one owner for the question "what did the
version change do to the labels?".

Two views read it. `compare_versions` (the `rubric compare` command) takes any two
versions and reports, per criterion, every agreement coefficient under each and how
each person's values moved. `version_effect` (the dashboard's rubric-versions tab
and the HTML report) walks each pair of consecutive versions and reports the shift
in the value distribution. Both start from `labels_under_both`, so they always
count the same items and the same labels:

- under the old version, each person's last submitted label, superseded or not
  (relabeling under the new version supersedes it, and it must still count);
- under the new version, each person's current label (amendments and undos applied);
- only items labeled under both, repeats left out.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.base.errors import AnnotatorError
from annotator.labels.data import Names, same_value
from annotator.quality.shift import compare_counts, same_answer
from annotator.quality.value_agreement import agreement_by_criterion, pairwise_of, parts_of
from annotator.rubric.model import Criterion, RubricVersion
from annotator.rubric.versions import list_versions
from annotator.stats.agreement import krippendorff_alpha
from annotator.stats.defaults import N_BOOT, SEED
from annotator.stats.reliability import ReliabilityData
from annotator.store.project import Project

Values = dict[str, Any]
Key = tuple[str, str]  # (item id, annotator name)
EFFECT_N_BOOT = 200  # the dashboard's per-version alphas: many of them, drawn at each refresh


class VersionCompareError(AnnotatorError):
    """Two versions cannot be compared as asked (a criterion not in both)."""


@dataclass(frozen=True)
class SameItems:
    """The labels of items labeled under both versions (see the module docstring)."""

    old: RubricVersion
    new: RubricVersion
    before: dict[Key, Values]
    after: dict[Key, Values]

    @property
    def items(self) -> set[str]:
        return {item for item, _ in self.before}


def labels_under_both(project: Project, old: RubricVersion, new: RubricVersion) -> SameItems:
    before = _last_values(project, old, current_only=False)
    after = _last_values(project, new, current_only=True)
    shared = {item for item, _ in before} & {item for item, _ in after}
    return SameItems(
        old,
        new,
        {k: v for k, v in before.items() if k[0] in shared},
        {k: v for k, v in after.items() if k[0] in shared},
    )


def _last_values(
    project: Project, version: RubricVersion, *, current_only: bool
) -> dict[Key, Values]:
    """(item, annotator name) -> values of each person's last submitted label under a version."""
    view = "effective_labels" if current_only else "labels"
    rows = project.rows(
        "SELECT l.item_id, a.name, l.values_json FROM "
        f"{view} l JOIN annotators a ON a.id = l.annotator_id "
        "WHERE l.rubric_version_id = ? AND l.status = 'submitted' AND l.repeat_of IS NULL "
        "ORDER BY l.id",
        (version.id,),
    )
    return {(row[0], row[1]): json.loads(row[2]) for row in rows}


# -- any two versions, every coefficient (the CLI) ------------------------------------------


def compare_versions(
    project: Project,
    old: RubricVersion,
    new: RubricVersion,
    *,
    criterion: str | None = None,
    n_boot: int = N_BOOT,
    seed: int | None = SEED,
) -> dict[str, Any]:
    """The same items under two versions, per criterion present in both.

    For items with submitted labels under both: agreement among the labels made
    under `old` and among those made under `new`, and, for each person who labeled
    an item under both, how often their value changed and into what."""
    keys = [k for k in new.keys if k in old.keys and (criterion is None or k == criterion)]
    if criterion is not None and not keys:
        raise VersionCompareError(
            f"Criterion {criterion!r} is not in both {old.label} and {new.label}."
        )
    same = labels_under_both(project, old, new)
    out: dict[str, Any] = {"from": old.label, "to": new.label, "items": len(same.items)}
    pairwise = pairwise_of(project, same.items)
    options = {"n_boot": n_boot, "seed": seed, "keys": keys, "pairwise": pairwise}
    before = agreement_by_criterion(old, _records(same.before), **options)
    after = agreement_by_criterion(new, _records(same.after), **options)
    per_key: dict[str, Any] = {}
    for key in keys:
        moves: Counter[tuple[str, str]] = Counter()
        pairs = 0
        for (item, who), values in same.after.items():
            earlier = same.before.get((item, who))
            if earlier is None:
                continue
            flag = pairwise.get(item, False)
            a = part_value(old.criterion(key), earlier, flag)
            b = part_value(new.criterion(key), values, flag)
            if a is None or b is None:
                continue
            pairs += 1
            moves[(json.dumps(a), json.dumps(b))] += 1
        changed = sum(n for (a, b), n in moves.items() if a != b)
        per_key[key] = {
            "same_person_pairs": pairs,
            "changed": changed,
            "changed_share": changed / pairs if pairs else None,
            "transitions": [
                {"from": json.loads(a), "to": json.loads(b), "n": n}
                for (a, b), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "old": {name: f for name, f in before.items() if f["criterion"] == key},
            "new": {name: f for name, f in after.items() if f["criterion"] == key},
        }
    out["criteria"] = per_key
    return out


def _records(values: dict[Key, Values]) -> list[tuple[str, str, Values]]:
    return [(item, who, v) for (item, who), v in values.items()]


def part_value(criterion: Criterion, values: Values, pairwise: bool) -> Any:
    """A label's value on a criterion (multilabel: [] when nothing was ticked)."""
    parts = parts_of(criterion)
    if parts:
        return parts[0].value_in(values, pairwise)
    return values.get(criterion.key)


# -- consecutive versions, the distribution shift (dashboard, report) -----------------------


def version_effect(project: Project, names: Names) -> list[dict[str, Any]]:
    """Items labeled under two consecutive versions of a rubric: what changed."""
    versions = list_versions(project)
    out = []
    for old, new in zip(versions, versions[1:], strict=False):
        if old.name != new.name:
            continue
        same: SameItems | None = None
        for criterion in new.criteria:
            if criterion.kind in ("text", "multilabel") or criterion.key not in old.keys:
                continue
            if old.criterion(criterion.key).kind != criterion.kind:
                continue
            same = same or labels_under_both(project, old, new)
            entry = _effect(same, criterion, old.criterion(criterion.key))
            if entry is not None:
                entry.update({"from": names.versions[old.id], "to": names.versions[new.id]})
                out.append(entry)
    return out


def _effect(
    same: SameItems, criterion: Criterion, old_criterion: Criterion
) -> dict[str, Any] | None:
    key = criterion.key
    before = {k: v[key] for k, v in same.before.items() if key in v}
    after = {k: v[key] for k, v in same.after.items() if key in v}
    shared = {i for i, _ in before} & {i for i, _ in after}
    if not shared:
        return None
    if criterion.kind == "numeric":
        scale = sorted({float(v) for v in [*before.values(), *after.values()]})
    else:
        scale = list(criterion.option_values)
        scale += [
            v for v in old_criterion.option_values if not any(same_value(s, v) for s in scale)
        ]

    def position(value: Any) -> int | None:
        return next((p for p, s in enumerate(scale) if same_value(s, value)), None)

    def counts(labels: dict[Key, Any]) -> np.ndarray:
        found = [position(v) for (i, _), v in labels.items() if i in shared]
        return np.bincount([f for f in found if f is not None], minlength=len(scale))

    c_old, c_new = counts(before), counts(after)
    jsd, p = compare_counts(c_old, c_new)
    pairs = [(before[k], after[k]) for k in before.keys() & after.keys()]
    shifts = [position(b) - position(a) for a, b in pairs if None not in (position(a), position(b))]
    if criterion.kind == "numeric":
        shifts = [float(b) - float(a) for a, b in pairs]
    level = criterion.level or "nominal"
    return {
        "criterion": key,
        "n_items": len(shared),
        "values": [str(v) for v in scale],
        "distribution_from": c_old.tolist(),
        "distribution_to": c_new.tolist(),
        "jsd": jsd,
        "p": p,
        "n_same_annotator": len(pairs),
        "changed_share": (sum(not same_answer(criterion, a, b) for a, b in pairs) / len(pairs))
        if pairs else None,
        "mean_shift": float(np.mean(shifts)) if shifts and level != "nominal" else None,
        "alpha_from": _alpha(before, shared, scale, level, position),
        "alpha_to": _alpha(after, shared, scale, level, position),
    }  # fmt: skip


def _alpha(
    labels: dict[Key, Any], shared: set[str], scale: list[Any], level: str, position: Any
) -> dict[str, Any]:
    records = [(i, w, position(v)) for (i, w), v in labels.items() if i in shared]
    data = ReliabilityData.from_records(
        [r for r in records if r[2] is not None], value_domain=list(range(len(scale)))
    )
    if level == "interval":
        data = ReliabilityData(data.codes, tuple(scale), data.items, data.raters)
    result = krippendorff_alpha(data, level, n_boot=EFFECT_N_BOOT, seed=SEED)  # type: ignore[arg-type]
    return {"value": result.value, "ci": list(result.ci) if result.ci else None,
            "reason": result.reason, "n_items": result.n_items}  # fmt: skip


__all__ = [
    "SameItems",
    "VersionCompareError",
    "compare_versions",
    "labels_under_both",
    "part_value",
    "version_effect",
]

"""Two versions of one judge on the same items: what the migration does to the numbers.

`compare_judge_versions` takes the items both versions labeled (each version's last
label on an item) and, per criterion present in both rubric versions with the same
kind, reports:

- the cross-tab, old value (rows) x new value (columns), over the rubric's full scale
  (numeric criteria: the values either version used);
- agreement between the two versions as two raters: percent agreement and the app's
  coefficient (Krippendorff's alpha at the criterion's level);
- the mean shift, new minus old (ordinal, numeric and binary criteria);
- an exchange rate: for option criteria, for each old value the distribution of the
  new version's values and its mean; for numeric criteria a monotone (isotonic) map
  from old to new with its RMSE on these items;
- headline figures re-expressed: the share passing and the mean, from the old labels
  mapped through the exchange rate, next to the same figures from the new labels on
  the same items; and the old version's labels on all its items, mapped.

Passing: ordinal and numeric criteria pass at or above `pass_at` (default: the scale's
midpoint, so the top half of an ordinal scale); binary criteria pass on the first
option ("yes"). Means use the option values when they are numbers, else the 1-based
position on the scale.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from annotator.base.errors import NotFoundError
from annotator.judges.config import JudgeError, get_judge
from annotator.labels.data import same_value
from annotator.rubric.model import Criterion
from annotator.rubric.versions import get_version
from annotator.stats.agreement import compute_all
from annotator.stats.reliability import ReliabilityData
from annotator.store.project import Project

COMPARED_KINDS = ("binary", "categorical", "ordinal", "numeric", "preference")
DEFAULT_N_BOOT = 200


@dataclass(frozen=True)
class CriterionComparison:
    key: str
    kind: str
    level: str
    n_items: int
    scale: list[Any]
    crosstab: list[list[int]]  # rows: old value, columns: new value, in `scale` order
    agreement: dict[str, Any]
    mean_old: float | None
    mean_new: float | None
    mean_shift: float | None  # mean of (new - old) over the items
    exchange: dict[str, Any]
    headline: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class VersionComparison:
    judge: str
    from_version: str
    to_version: str
    n_items: int  # items labeled under both
    n_items_old: int  # items labeled under the old version
    criteria: list[CriterionComparison] = field(default_factory=list)

    def criterion(self, key: str) -> CriterionComparison:
        for c in self.criteria:
            if c.key == key:
                return c
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "judge": self.judge,
            "from": self.from_version,
            "to": self.to_version,
            "n_items": self.n_items,
            "n_items_old": self.n_items_old,
            "criteria": [c.to_dict() for c in self.criteria],
        }


def parse_version_number(text: str | int) -> int:
    """'v2', 'V2' or '2' -> 2."""
    raw = str(text).strip()
    digits = raw[1:] if raw[:1] in ("v", "V") else raw
    if not digits.isdigit():
        raise JudgeError(f"{text!r} is not a judge version: write v2 or 2.")
    return int(digits)


def find_version_row(project: Project, judge_id: int, judge_name: str, text: str | int) -> Any:
    number = parse_version_number(text)
    row = project.row(
        "SELECT id, number, rubric_version_id FROM judge_versions "
        "WHERE judge_id = ? AND number = ?",
        (judge_id, number),
    )
    if row is None:
        known = [
            f"v{r[0]}"
            for r in project.rows(
                "SELECT number FROM judge_versions WHERE judge_id = ? ORDER BY number",
                (judge_id,),
            )
        ]
        has = f" (it has: {', '.join(known)})" if known else " (it has none yet)"
        raise NotFoundError(f"Judge {judge_name!r} has no version v{number}{has}.")
    return row


def _version_values(project: Project, judge_id: int, version_id: int) -> dict[str, dict[str, Any]]:
    """item id -> the values of the version's last label on it."""
    rows = project.rows(
        "SELECT r.item_id, l.values_json FROM judge_results r JOIN labels l ON l.id = r.label_id "
        "WHERE r.judge_id = ? AND r.version_id = ? AND r.outcome = 'label' ORDER BY r.id",
        (judge_id, version_id),
    )
    return {row[0]: json.loads(row[1]) for row in rows}


def compare_judge_versions(
    project: Project,
    name: str,
    from_version: str | int,
    to_version: str | int,
    *,
    pass_at: float | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int | None = 0,
) -> VersionComparison:
    """Compare two versions of judge `name` on the items both labeled (module docstring)."""
    judge = get_judge(project, name)
    old_row = find_version_row(project, judge.id, name, from_version)
    new_row = find_version_row(project, judge.id, name, to_version)
    old_rubric = get_version(project, old_row["rubric_version_id"])
    new_rubric = get_version(project, new_row["rubric_version_id"])
    old_values = _version_values(project, judge.id, old_row["id"])
    new_values = _version_values(project, judge.id, new_row["id"])
    shared = [item for item in old_values if item in new_values]
    criteria = []
    for criterion in new_rubric.criteria:
        if criterion.kind not in COMPARED_KINDS or criterion.key not in old_rubric.keys:
            continue
        if old_rubric.criterion(criterion.key).kind != criterion.kind:
            continue
        entry = _compare_criterion(criterion, old_values, new_values, shared, pass_at, n_boot, seed)
        if entry is not None:
            criteria.append(entry)
    return VersionComparison(
        judge=name,
        from_version=f"v{old_row['number']}",
        to_version=f"v{new_row['number']}",
        n_items=len(shared),
        n_items_old=len(old_values),
        criteria=criteria,
    )


# -- one criterion ---------------------------------------------------------------------------


def _compare_criterion(
    criterion: Criterion,
    old_values: dict[str, dict[str, Any]],
    new_values: dict[str, dict[str, Any]],
    shared: list[str],
    pass_at: float | None,
    n_boot: int,
    seed: int | None,
) -> CriterionComparison | None:
    key = criterion.key
    numeric = criterion.kind == "numeric"
    if numeric:
        seen = [
            float(v[key])
            for values in (old_values, new_values)
            for v in values.values()
            if _is_number(v.get(key))
        ]
        scale: list[Any] = sorted(set(seen))
    else:
        scale = list(criterion.option_values)

    def position(value: Any) -> int | None:
        if value is None:
            return None
        if numeric:
            return scale.index(float(value)) if _is_number(value) else None
        return next((p for p, s in enumerate(scale) if same_value(s, value)), None)

    pairs = [
        (item, position(old_values[item].get(key)), position(new_values[item].get(key)))
        for item in shared
    ]
    pairs = [(i, a, b) for i, a, b in pairs if a is not None and b is not None]
    old_all = [p for p in (position(v.get(key)) for v in old_values.values()) if p is not None]
    if not pairs or not scale:
        return None
    old_pos = np.array([a for _, a, _ in pairs])
    new_pos = np.array([b for _, _, b in pairs])
    crosstab = np.zeros((len(scale), len(scale)), dtype=int)
    np.add.at(crosstab, (old_pos, new_pos), 1)
    score = _score_of(criterion, scale)
    passes = _passes(criterion, scale, score, pass_at)
    old_score = score[old_pos] if score is not None else None
    new_score = score[new_pos] if score is not None else None
    mean_old = float(np.mean(old_score)) if old_score is not None else None
    mean_new = float(np.mean(new_score)) if new_score is not None else None
    mean_shift = (
        float(np.mean(new_score - old_score))
        if old_score is not None and new_score is not None
        else None
    )
    if numeric:
        exchange, mapped_same, mapped_all = _isotonic(
            np.asarray(scale)[old_pos], np.asarray(scale)[new_pos], np.asarray(scale)[old_all]
        )
        mapped = {
            "same_items": _figures(mapped_same, passes.threshold if passes else None),
            "all_old_items": _figures(mapped_all, passes.threshold if passes else None),
        }
    else:
        exchange, mapped = _option_exchange(scale, crosstab, score, passes, old_all)
    headline = {
        "pass_rule": passes.rule if passes else None,
        "new_same_items": {
            "n": len(pairs),
            "mean": mean_new,
            "share_passing": passes.share(new_pos) if passes else None,
        },
        "old_same_items": {
            "n": len(pairs),
            "mean": mean_old,
            "share_passing": passes.share(old_pos) if passes else None,
        },
        "old_mapped_same_items": {"n": len(pairs), **mapped["same_items"]},
        "old_mapped_all_items": {"n": len(old_all), **mapped["all_old_items"]},
    }
    level = criterion.level or "nominal"
    return CriterionComparison(
        key=key,
        kind=criterion.kind,
        level=level,
        n_items=len(pairs),
        scale=scale,
        crosstab=crosstab.tolist(),
        agreement=_agreement(pairs, scale, level, numeric, n_boot, seed),
        mean_old=mean_old,
        mean_new=mean_new,
        mean_shift=mean_shift,
        exchange=exchange,
        headline=headline,
    )


@dataclass(frozen=True)
class _Pass:
    rule: str
    flags: np.ndarray  # per scale position (option criteria): passes or not
    threshold: float | None  # numeric criteria: pass at or above

    def share(self, positions: np.ndarray) -> float:
        return float(np.mean(self.flags[positions]))


def _score_of(criterion: Criterion, scale: list[Any]) -> np.ndarray | None:
    """A number per scale position for means, or None (categorical criteria)."""
    if criterion.kind in ("categorical", "preference"):
        return None
    if criterion.kind == "binary":
        return np.array([1.0, 0.0])  # the first option ("yes") counts 1
    if all(_is_number(v) for v in scale):
        return np.array([float(v) for v in scale])
    return np.arange(1, len(scale) + 1, dtype=float)


def _passes(
    criterion: Criterion, scale: list[Any], score: np.ndarray | None, pass_at: float | None
) -> _Pass | None:
    if score is None:
        return None
    if criterion.kind == "binary":
        return _Pass(f"{scale[0]!r}", np.array([True, False]), None)
    if criterion.kind == "numeric":
        low = criterion.minimum if criterion.minimum is not None else float(min(scale))
        high = criterion.maximum if criterion.maximum is not None else float(max(scale))
        threshold = pass_at if pass_at is not None else (low + high) / 2
        return _Pass(f">= {threshold:g}", score >= threshold, float(threshold))
    if pass_at is not None:
        return _Pass(f">= {pass_at:g}", score >= pass_at, None)
    positions = np.arange(len(scale))
    flags = positions >= (len(scale) - 1) / 2  # the top half, the midpoint included
    first = scale[int(np.argmax(flags))]
    return _Pass(f">= {first} (the scale's midpoint)", flags, None)


def _option_exchange(
    scale: list[Any],
    crosstab: np.ndarray,
    score: np.ndarray | None,
    passes: _Pass | None,
    old_all: list[int],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Per old value, the distribution of new values; and the old labels mapped through it."""
    rows = []
    expected_score: dict[int, float] = {}
    expected_pass: dict[int, float] = {}
    for p, value in enumerate(scale):
        n = int(crosstab[p].sum())
        share = (crosstab[p] / n) if n else None
        entry: dict[str, Any] = {"old": value, "n": n}
        if share is not None:
            entry["distribution"] = {str(v): float(s) for v, s in zip(scale, share, strict=True)}
            if score is not None:
                expected_score[p] = float(share @ score)
                entry["mean_new"] = expected_score[p]
            if passes is not None:
                expected_pass[p] = float(share @ passes.flags.astype(float))
        rows.append(entry)
    same = [p for p, row in enumerate(crosstab) for _ in range(int(row.sum()))]

    def mapped(positions: list[int]) -> dict[str, Any]:
        known = [p for p in positions if p in expected_score or p in expected_pass]
        return {
            "mean": float(np.mean([expected_score[p] for p in known]))
            if known and score is not None else None,
            "share_passing": float(np.mean([expected_pass[p] for p in known]))
            if known and passes is not None else None,
            "unmapped": len(positions) - len(known),
        }  # fmt: skip

    return {"kind": "distribution", "rows": rows}, {
        "same_items": mapped(same),
        "all_old_items": mapped(old_all),
    }


def _isotonic(
    old: np.ndarray, new: np.ndarray, old_all: np.ndarray
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    # lazy: scikit-learn is slow to import; only numeric criteria need it
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(increasing=True, out_of_bounds="clip")
    fitted = model.fit_transform(old, new)
    rmse = float(math.sqrt(float(np.mean((fitted - new) ** 2))))
    exchange = {
        "kind": "isotonic",
        "points": [
            {"old": float(x), "new": float(y)}
            for x, y in zip(model.X_thresholds_, model.y_thresholds_, strict=True)
        ],
        "rmse": rmse,
    }
    return exchange, np.asarray(fitted), np.asarray(model.predict(old_all))


def _figures(values: np.ndarray, threshold: float | None) -> dict[str, Any]:
    if values.size == 0:
        return {"mean": None, "share_passing": None, "unmapped": 0}
    return {
        "mean": float(np.mean(values)),
        "share_passing": float(np.mean(values >= threshold)) if threshold is not None else None,
        "unmapped": 0,
    }


def _agreement(
    pairs: list[tuple[str, int, int]],
    scale: list[Any],
    level: str,
    numeric: bool,
    n_boot: int,
    seed: int | None,
) -> dict[str, Any]:
    """The two versions as two raters on the same items."""
    records = [(i, "old", a) for i, a, _ in pairs] + [(i, "new", b) for i, _, b in pairs]
    data = ReliabilityData.from_records(records, value_domain=list(range(len(scale))))
    if numeric:
        data = ReliabilityData(data.codes, tuple(scale), data.items, data.raters)
    results = compute_all(data, level, n_boot=n_boot, seed=seed)  # type: ignore[arg-type]
    alpha, percent = results["alpha"], results["percent_agreement"]
    return {
        "percent_agreement": percent.value,
        "coefficient": "alpha",
        "alpha": alpha.value,
        "alpha_ci": list(alpha.ci) if alpha.ci else None,
        "alpha_reason": alpha.reason,
    }


# -- the text report (the CLI) ----------------------------------------------------------------


def comparison_lines(result: VersionComparison) -> list[str]:
    """The comparison as plain text lines."""
    lines = [
        f"Judge {result.judge}: {result.from_version} -> {result.to_version} on "
        f"{result.n_items} items labeled by both ({result.n_items_old} by "
        f"{result.from_version})."
    ]
    if not result.criteria:
        lines.append("No criterion to compare (no items labeled by both versions).")
    for c in result.criteria:
        agreement = c.agreement
        lines += ["", f"{c.key} ({c.kind}, {c.n_items} items)"]
        lines.append(
            f"  agreement: {_num(agreement['percent_agreement'], '.1%')} same value, "
            f"alpha ({c.level}) {_num(agreement['alpha'], '.3f')}"
        )
        if c.mean_shift is not None:
            lines.append(
                f"  mean {_num(c.mean_old)} -> {_num(c.mean_new)}, mean shift {c.mean_shift:+.3f}"
            )
        width = max(6, *(len(str(v)) + 1 for v in c.scale))
        lines.append("  cross-tab (rows: old, columns: new)")
        lines.append("  " + " " * width + "".join(f"{v!s:>{width}}" for v in c.scale))
        for value, row in zip(c.scale, c.crosstab, strict=True):
            lines.append(f"  {value!s:>{width}}" + "".join(f"{n:>{width}}" for n in row))
        exchange = c.exchange
        if exchange["kind"] == "isotonic":
            points = ", ".join(f"{p['old']:g}->{p['new']:.3g}" for p in exchange["points"][:12])
            lines.append(f"  exchange rate (isotonic, RMSE {exchange['rmse']:.3f}): {points}")
        else:
            lines.append("  exchange rate (old value: n, mean of new)")
            for row in exchange["rows"]:
                mean = _num(row.get("mean_new")) if row["n"] else "-"
                lines.append(f"    {row['old']!s}: {row['n']}, {mean}")
        head = c.headline
        if head["pass_rule"] is not None or c.mean_new is not None:
            lines.append(f"  headline (passing: {head['pass_rule']})")
            for label, key in (
                (f"{result.to_version}, these items", "new_same_items"),
                (f"{result.from_version} mapped, these items", "old_mapped_same_items"),
                (f"{result.from_version} as is, these items", "old_same_items"),
                (f"{result.from_version} mapped, all its items", "old_mapped_all_items"),
            ):
                f = head[key]
                lines.append(
                    f"    {label:<28} n={f['n']:<6} mean {_num(f['mean'])}  "
                    f"passing {_num(f['share_passing'], '.1%')}"
                )
    return lines


def _num(value: float | None, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


__all__ = [
    "CriterionComparison",
    "VersionComparison",
    "compare_judge_versions",
    "comparison_lines",
    "parse_version_number",
]

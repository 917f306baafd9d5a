"""What labels look like over time: value distributions against a baseline week,
self-consistency on repeats, and the effect of a rubric version change.

- Distributions: per criterion, for all labels, each source and each annotator,
  the values given in each calendar week (numeric criteria in 10 equal bins)
  against the first week with at least 30 labels: Jensen-Shannon distance
  (base 2: 0 same, 1 disjoint) and a chi-square test of homogeneity. Alerts
  come from sources and annotators only: all labels together change whenever
  a new source starts labeling, which is a chart to read, not an alarm.
- Repeats: a repeat label (`repeat_of`) against the same person's earlier label
  on the item; agreeing means equal (within the criterion's tolerance for
  ordinal and numeric), with a Wilson interval.
- Rubric versions: items labeled under two consecutive versions; the value
  distribution under each, the same annotator's change, and alpha under each.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from annotator.labels.data import LabelTable, Names, same_value, week_start
from annotator.quality.alerts import Alert
from annotator.quality.drift_settings import DriftSettings
from annotator.rubric.model import Criterion
from annotator.rubric.versions import get_version
from annotator.stats.contingency import js_distance, pearson_chi2
from annotator.stats.control_chart import wilson_interval
from annotator.store.project import Project

NUMERIC_BINS = 10


def compare_counts(baseline: np.ndarray, window: np.ndarray) -> tuple[float, float | None]:
    """(Jensen-Shannon distance, chi-square p) of two count vectors over the same values.

    p is None when fewer than two values are used at all (nothing to test)."""
    base = np.asarray(baseline, dtype=float)
    other = np.asarray(window, dtype=float)
    jsd = js_distance(base, other)
    used = (base + other) > 0
    if used.sum() < 2:
        return jsd, None
    _, _, p = pearson_chi2(np.stack([base[used], other[used]]))
    return jsd, float(p)


def _binned(table: LabelTable) -> tuple[np.ndarray, list[str]]:
    """Value index per label and the value names; numeric values go into equal bins."""
    if table.level not in ("interval", "ratio"):
        return table.code, [str(v) for v in table.values]
    numbers = np.asarray(table.values, dtype=float)[table.code] if len(table) else np.zeros(0)
    c = table.spec.criterion
    low = c.minimum if c is not None and c.minimum is not None else float(numbers.min(initial=0))
    high = c.maximum if c is not None and c.maximum is not None else float(numbers.max(initial=1))
    edges = np.linspace(low, high if high > low else low + 1, NUMERIC_BINS + 1)
    index = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, NUMERIC_BINS - 1)
    names = [f"{edges[i]:g}-{edges[i + 1]:g}" for i in range(NUMERIC_BINS)]
    return index, names


def distribution_drift(
    loaded: dict[str, LabelTable], names: Names, settings: DriftSettings
) -> tuple[list[dict[str, Any]], list[Alert]]:
    out: list[dict[str, Any]] = []
    alerts: list[Alert] = []
    for criterion, table in loaded.items():
        if len(table) == 0:
            continue
        index, value_names = _binned(table)
        weeks = table.week
        subjects = [("project", "all labels", np.ones(len(table), dtype=bool))]
        subjects += [
            ("source", names.sources.get(s, str(s)), table.source == s)
            for s in np.unique(table.source).tolist()
            if len(np.unique(table.rater[table.source == s])) > 1  # else: the annotator's own
        ]
        subjects += [
            ("annotator", names.annotators.get(r, str(r)), table.rater == r)
            for r in np.unique(table.rater).tolist()
        ]
        for subject_type, subject, mask in subjects:
            entry, alert = _subject_shift(
                criterion, subject_type, subject, index[mask], weeks[mask], value_names, settings,
                table.label_id[mask],
            )  # fmt: skip
            if entry is not None and (subject_type != "annotator" or entry["tested"]):
                out.append(entry)
            if alert is not None and subject_type != "project":
                alerts.append(alert)  # all labels together mix sources: a chart, not an alert
    return out, alerts


def _subject_shift(
    criterion: str,
    subject_type: str,
    subject: str,
    index: np.ndarray,
    weeks: np.ndarray,
    value_names: list[str],
    settings: DriftSettings,
    label_ids: np.ndarray,
) -> tuple[dict[str, Any] | None, Alert | None]:
    k = len(value_names)
    low = int(weeks.min()) if len(weeks) else 0
    span = int(weeks.max()) - low + 1 if len(weeks) else 0
    if span * k <= max(1 << 20, 4 * len(weeks)):  # one count over (week, value) cells
        grid = np.bincount((weeks - low) * k + index, minlength=span * k).reshape(span, k)
        keys = (np.flatnonzero(grid.sum(axis=1)) + low).tolist()
        counts = {w: grid[w - low] for w in keys}
    else:  # weeks spread over centuries: one pass per week
        keys = np.unique(weeks).tolist()
        counts = {w: np.bincount(index[weeks == w], minlength=k) for w in keys}
    big = [w for w in keys if counts[w].sum() >= settings.min_window]
    entry: dict[str, Any] = {
        "criterion": criterion,
        "subject_type": subject_type,
        "subject": subject,
        "values": value_names,
        "baseline_week": week_start(big[0]) if big else None,
        "tested": len(big) > 1,
        "weeks": [],
    }
    tested = big[1:]
    level = settings.significance / max(len(tested), 1)
    alert = None
    for week in keys:
        row: dict[str, Any] = {
            "week": week_start(week),
            "n": int(counts[week].sum()),
            "counts": counts[week].tolist(),
        }
        if week in tested:
            jsd, p = compare_counts(counts[big[0]], counts[week])
            shifted = p is not None and p < level and jsd >= settings.min_jsd
            row.update(jsd=jsd, p=p, shifted=shifted)
            if alert is None and shifted:
                base = counts[big[0]] / counts[big[0]].sum()
                now = counts[week] / counts[week].sum()
                moved = int(np.argmax(np.abs(now - base)))
                alert = Alert(
                    "distribution",
                    subject_type,
                    subject,
                    criterion,
                    f"{criterion} labels changed in the week of {row['week']}: "
                    f"'{value_names[moved]}' went from {base[moved]:.0%} to {now[moved]:.0%} "
                    f"of labels (Jensen-Shannon distance {jsd:.2f})",
                    row["week"] + "T00:00:00Z",
                    int(label_ids[weeks == week].min()),
                    {"baseline_week": entry["baseline_week"], "jsd": jsd, "p": p,
                     "baseline": base.tolist(), "window": now.tolist(), "n": row["n"]},
                )  # fmt: skip
        entry["weeks"].append(row)
    return entry, alert


# -- repeats ------------------------------------------------------------------------------------


def same_answer(criterion: Criterion, first: Any, second: Any) -> bool:
    """Whether two answers agree: ordinal ones within the criterion's tolerance."""
    if criterion.kind == "multilabel":
        return {str(v) for v in first or []} == {str(v) for v in second or []}
    if first is None or second is None:
        return False
    if criterion.kind == "ordinal":
        scale = criterion.option_values
        try:
            a = next(i for i, v in enumerate(scale) if same_value(v, first))
            b = next(i for i, v in enumerate(scale) if same_value(v, second))
        except StopIteration:
            return False
        return abs(a - b) <= criterion.tolerance + 1e-9
    if criterion.kind == "numeric":
        return abs(float(first) - float(second)) <= criterion.tolerance + 1e-9
    return first == second


def self_consistency(
    project: Project, names: Names, settings: DriftSettings
) -> tuple[list[dict[str, Any]], list[Alert]]:
    """Per annotator and criterion: how often a repeat agrees with their earlier label."""
    rows = project.rows(
        "SELECT r.id, r.annotator_id, r.rubric_version_id, r.values_json, o.values_json, "
        "r.submitted_at FROM labels r JOIN labels o ON o.id = r.repeat_of "
        "WHERE r.status = 'submitted' AND o.status = 'submitted' "
        "AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = r.id) ORDER BY r.id"
    )
    tally: dict[tuple[int, str], list[Any]] = {}
    for label_id, who, version_id, now_json, then_json, at in rows:
        version = get_version(project, version_id)
        now, then = json.loads(now_json), json.loads(then_json)
        for criterion in version.criteria:
            if criterion.kind == "text":
                continue
            if criterion.kind != "multilabel" and (
                criterion.key not in now or criterion.key not in then
            ):
                continue
            entry = tally.setdefault((who, criterion.key), [0, 0, at, label_id])
            entry[0] += 1
            entry[1] += same_answer(criterion, then.get(criterion.key), now.get(criterion.key))
    out, alerts = [], []
    for (who, key), (n, agreed, first_at, first_id) in sorted(tally.items()):
        low, high = wilson_interval(agreed, n)
        name = names.annotators.get(who, str(who))
        entry = {"annotator": name, "criterion": key, "n": n, "agree": int(agreed),
                 "share": agreed / n, "low": float(low), "high": float(high)}  # fmt: skip
        out.append(entry)
        if n >= settings.repeat_min and high < 0.5:
            alerts.append(
                Alert("self_consistency", "annotator", name, key,
                      f"on repeats of {key} they agreed with their own earlier label only "
                      f"{agreed} of {n} times ({agreed / n:.0%})",
                      first_at, first_id, entry)
            )  # fmt: skip
    return out, alerts

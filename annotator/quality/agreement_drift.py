"""Agreement with the rest over time: per annotator, criterion and week, the share of
their labels that agree with the consensus of the other labels on the same item.

A consensus of the rest (majority / median / mean, leaving the label out), not
every other label, keeps one drifting colleague from making everyone else look
worse. Agreeing means equal, or within the criterion's tolerance for ordinal and
numeric criteria. Alert rule: a week with at least `min_window` such labels whose
share is `min_drop` or more below all earlier weeks, with a one-sided Welch
z-test p < significance / (weeks tested).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from annotator.labels.data import LabelTable, Names, week_start
from annotator.quality.alerts import Alert
from annotator.quality.drift_settings import DriftSettings
from annotator.stats.bootstrap import distinct_ints
from annotator.stats.reference import leave_one_out, value_counts


def _agrees_with_rest(table: LabelTable) -> tuple[np.ndarray, np.ndarray]:
    """Per label: 1 if it agrees with the consensus of the OTHER labels on its item
    (majority / median / mean, leaving it out), and whether that consensus is
    defined (another label exists and they do not tie). Agree: equal, or within
    the criterion's tolerance for ordinal and numeric criteria. A consensus of
    the rest (not every other label) keeps one drifting colleague from making
    everyone else look worse."""
    items, idx = table.item_index()
    numeric = table.level in ("interval", "ratio")
    values = np.asarray(table.values, dtype=float) if numeric else None
    counts = value_counts(idx, table.code, len(items), len(table.values))
    ref, defined = leave_one_out(idx, table.code, counts, table.level, values)
    tolerance = table.spec.criterion.tolerance if table.spec.criterion is not None else 0.0
    with np.errstate(invalid="ignore"):
        if numeric:
            gap = np.abs(np.asarray(table.values, dtype=float)[table.code] - ref)
        else:
            gap = np.abs(table.code - ref)
        near = tolerance if table.level != "nominal" else 0.0
        agree = (gap <= near + 1e-9).astype(float)
    return np.where(defined, agree, np.nan), defined


def agreement_drift(
    loaded: dict[str, LabelTable], names: Names, settings: DriftSettings
) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], list[Alert]]:
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    alerts: list[Alert] = []
    for name, table in loaded.items():
        if len(table) == 0:
            continue
        share, paired = _agrees_with_rest(table)
        weeks = table.week
        for rater in distinct_ints(table.rater[paired]).tolist():
            who = names.annotators.get(rater, str(rater))
            mask = paired & (table.rater == rater)
            rows, alert = _weekly_agreement(
                share[mask], weeks[mask], table.label_id[mask], settings
            )
            out.setdefault(who, {})[name] = rows
            if alert is not None:
                alerts.append(
                    Alert(
                        "agreement",
                        "annotator",
                        who,
                        name,
                        f"agreement with the other labels on {name} fell from "
                        f"{alert['before']:.0%} to {alert['after']:.0%} in the week of "
                        f"{alert['week']}",
                        alert["week"] + "T00:00:00Z",
                        alert["first_label_id"],
                        alert,
                    )
                )
    return out, alerts


def _weekly_agreement(
    share: np.ndarray, weeks: np.ndarray, label_ids: np.ndarray, settings: DriftSettings
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    rows = []
    keys = distinct_ints(weeks).tolist()
    tested = [w for w in keys[1:] if (weeks == w).sum() >= settings.min_window]
    level = settings.significance / max(len(tested), 1)
    alert = None
    for week in keys:
        mask = weeks == week
        values = share[mask]
        row = {"week": week_start(week), "n": int(mask.sum()), "agreement": float(values.mean())}
        before = share[weeks < week]
        if week in tested and len(before) >= settings.min_window:
            se = np.sqrt(values.var(ddof=1) / len(values) + before.var(ddof=1) / len(before))
            drop = float(before.mean() - values.mean())
            p = _upper_tail(drop / se) if se > 0 else (0.0 if drop > 0 else 1.0)
            row.update(before=float(before.mean()), drop=drop, p=p)
            if alert is None and drop >= settings.min_drop and p < level:
                alert = {
                    "week": row["week"],
                    "before": float(before.mean()),
                    "after": float(values.mean()),
                    "n": int(mask.sum()),
                    "p": p,
                    "first_label_id": int(label_ids[mask].min()),
                }
        rows.append(row)
    return rows, alert


def _upper_tail(z: float) -> float:
    """P(Z > z) for a standard normal Z: scipy's norm.sf, without importing scipy.stats."""
    return 0.5 * math.erfc(z / math.sqrt(2))

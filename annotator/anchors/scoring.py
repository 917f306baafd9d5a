"""Scoring labels on anchor items against the anchor's reference, per criterion.

- binary, categorical, preference: exact match;
- multilabel: exact set match, with each option's outcome (tp/fp/fn/tn) kept so
  precision and recall can be computed per option (:func:`option_stats`);
  `distance` is the number of options that differ;
- ordinal: signed distance in scale steps (label minus reference) and whether
  it is within the tolerance (the anchor's override, else the criterion's);
- numeric: signed difference, and whether it is within the tolerance;
- text: not scored.

A label is scored against the live anchor of its item, only if it was made
after the anchor was set (an earlier label was not an answer to an anchor),
and not on criteria the anchor has flagged for review after a rubric change.
Scoring is idempotent: a (label, anchor, criterion) is scored once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from annotator.anchors.rate import update_annotators
from annotator.base.clock import now_iso
from annotator.rubric.model import Criterion
from annotator.rubric.versions import get_version
from annotator.store.project import Project

EXACT_KINDS = ("binary", "categorical", "preference")
SCORED_STATUSES = ("submitted", "flagged")
_EPSILON = 1e-9


@dataclass(frozen=True)
class CriterionScore:
    criterion: str
    correct: bool
    distance: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "distance": self.distance, **self.details}


def score_value(
    criterion: Criterion, reference: Any, value: Any, tolerance: float | None = None
) -> CriterionScore | None:
    """Score one value against the reference (both canonical for the criterion).

    Returns None for criteria that are not scored (text).
    """
    key, kind = criterion.key, criterion.kind
    if kind in EXACT_KINDS:
        return CriterionScore(key, value == reference and type(value) is type(reference))
    if kind == "multilabel":
        return _score_multilabel(criterion, reference, value)
    if kind in ("ordinal", "numeric"):
        allowed = criterion.tolerance if tolerance is None else tolerance
        if kind == "ordinal":
            scale = criterion.option_values
            distance = float(scale.index(value) - scale.index(reference))
        else:
            distance = float(value) - float(reference)
        return CriterionScore(
            key,
            abs(distance) <= allowed + _EPSILON,
            distance,
            {"exact": distance == 0, "tolerance": allowed},
        )
    return None


def _score_multilabel(criterion: Criterion, reference: Any, value: Any) -> CriterionScore:
    ref, got = set(reference), set(value)
    outcomes = {}
    for option in criterion.option_values:
        chosen, expected = option in got, option in ref
        outcomes[str(option)] = (
            ("tp" if expected else "fp") if chosen else ("fn" if expected else "tn")
        )
    tp = len(ref & got)
    precision = tp / len(got) if got else None
    recall = tp / len(ref) if ref else None
    return CriterionScore(
        criterion.key,
        ref == got,
        float(len(ref ^ got)),
        {"precision": precision, "recall": recall, "options": outcomes},
    )


def _pending(project: Project, label_ids: list[int] | None) -> list[Any]:
    """Labels on live anchors, made after the anchor was set, that may need scoring."""
    sql = (
        "SELECT l.id AS label_id, l.annotator_id, l.status, l.values_json, l.rubric_version_id, "
        "x.id AS anchor_id, x.reference, x.tolerances, x.review "
        "FROM labels l JOIN anchors x ON x.item_id = l.item_id AND x.status != 'retired' "
        "WHERE l.status IN ('submitted', 'flagged') AND l.submitted_at >= x.created_at"
    )
    if label_ids is None:
        return project.rows(sql + " ORDER BY l.id")
    rows: list[Any] = []
    ids = list(label_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows += project.rows(
            sql + f" AND l.id IN ({', '.join('?' * len(chunk))}) ORDER BY l.id", chunk
        )
    return rows


def score_labels(project: Project, label_ids: list[int] | None = None) -> int:
    """Score labels on anchor items not yet scored (all such labels, or these ids).

    Returns how many labels got new scores. Re-evaluates the adaptive anchor
    rate of the annotators concerned. Runs in (or as) one transaction.
    """

    with project.transaction():
        rows = _pending(project, label_ids)
        if not rows:
            return 0
        done = _already_scored(project, [row["label_id"] for row in rows])
        stamp = now_iso()
        inserts: list[tuple[Any, ...]] = []
        scored_labels: set[int] = set()
        annotators: set[int] = set()
        for row in rows:
            version = get_version(project, row["rubric_version_id"])
            values = json.loads(row["values_json"])
            reference = json.loads(row["reference"])
            tolerances = json.loads(row["tolerances"])
            stale = json.loads(row["review"])
            for key, expected in reference.items():
                if key in stale or key not in version.keys:
                    continue
                if (row["label_id"], row["anchor_id"], key) in done:
                    continue
                criterion = version.criterion(key)
                value = _answer(criterion, values, row["status"])
                if value is None:
                    continue
                try:
                    score = score_value(criterion, expected, value, tolerances.get(key))
                except (ValueError, TypeError):
                    score = None  # a reference that no longer fits this version's scale
                if score is None:
                    continue
                inserts.append(
                    (
                        row["label_id"],
                        row["anchor_id"],
                        key,
                        row["annotator_id"],
                        int(score.correct),
                        score.distance,
                        json.dumps(score.details, sort_keys=True),
                        stamp,
                    )
                )
                scored_labels.add(row["label_id"])
                annotators.add(row["annotator_id"])
        project.conn.executemany(
            "INSERT INTO anchor_scores(label_id, anchor_id, criterion, annotator_id, correct, "
            "distance, details, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            inserts,
        )
        if annotators:
            update_annotators(project, sorted(annotators))
    return len(scored_labels)


def _answer(criterion: Criterion, values: dict[str, Any], status: str) -> Any:
    """The label's answer on a criterion; a complete (submitted) label that ticks
    no option of a multilabel criterion answered "none of these"."""
    if criterion.key in values:
        return values[criterion.key]
    if criterion.kind == "multilabel" and status == "submitted":
        return []
    return None


def _already_scored(project: Project, label_ids: list[int]) -> set[tuple[int, int, str]]:
    done: set[tuple[int, int, str]] = set()
    ids = sorted(set(label_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        done.update(
            (r[0], r[1], r[2])
            for r in project.rows(
                "SELECT label_id, anchor_id, criterion FROM anchor_scores "
                f"WHERE label_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
        )
    return done


def label_scores(project: Project, label_id: int) -> dict[str, dict[str, Any]]:
    """Per criterion, the score of one label (empty if it was not scored)."""
    return {
        row["criterion"]: {
            "correct": bool(row["correct"]),
            "distance": row["distance"],
            **json.loads(row["details"]),
        }
        for row in project.rows(
            "SELECT criterion, correct, distance, details FROM anchor_scores "
            "WHERE label_id = ? ORDER BY criterion",
            (label_id,),
        )
    }


def anchor_accuracy(project: Project, annotator_id: int | None = None) -> list[dict[str, Any]]:
    """Per annotator and criterion: scored anchor answers and the share correct."""
    where, params = ("WHERE s.annotator_id = ?", (annotator_id,)) if annotator_id else ("", ())
    rows = project.rows(
        "SELECT a.name AS annotator, s.criterion, count(*) AS n, avg(s.correct) AS accuracy, "
        "avg(abs(s.distance)) AS mean_abs_distance FROM anchor_scores s "
        f"JOIN annotators a ON a.id = s.annotator_id {where} "
        "GROUP BY s.annotator_id, s.criterion ORDER BY a.name, s.criterion",
        params,
    )
    return [dict(row) for row in rows]


def option_stats(
    project: Project, criterion: str, annotator_id: int | None = None
) -> dict[str, dict[str, float | int | None]]:
    """Per option of a multilabel criterion: tp, fp, fn, precision and recall over
    every scored anchor answer (optionally one annotator's)."""
    sql = "SELECT details FROM anchor_scores WHERE criterion = ?"
    params: list[Any] = [criterion]
    if annotator_id is not None:
        sql += " AND annotator_id = ?"
        params.append(annotator_id)
    counts: dict[str, dict[str, int]] = {}
    for row in project.rows(sql, params):
        for option, outcome in json.loads(row[0]).get("options", {}).items():
            tally = counts.setdefault(option, {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
            tally[outcome] += 1
    stats: dict[str, dict[str, float | int | None]] = {}
    for option, c in counts.items():
        chosen, expected = c["tp"] + c["fp"], c["tp"] + c["fn"]
        stats[option] = {
            **c,
            "precision": c["tp"] / chosen if chosen else None,
            "recall": c["tp"] / expected if expected else None,
        }
    return stats


def score_batch(project: Project, batch_id: int | None) -> int:
    """Score the labels of one import batch that fall on anchors."""
    if batch_id is None:
        return 0
    ids = [
        row[0]
        for row in project.rows(
            "SELECT l.id FROM labels l JOIN anchors x ON x.item_id = l.item_id "
            "AND x.status != 'retired' WHERE l.batch_id = ?",
            (batch_id,),
        )
    ]
    return score_labels(project, ids) if ids else 0

"""After a new rubric version: which labels went stale, asking for them again, and
the same items compared under both versions.

A label is *stale* on a criterion when it was made under an earlier version of
the rubric and the criterion's meaning changed between that version and the
current one: its kind, options or scale changed, or its guidance did (its help
text, an option's description, or the guideline section whose heading names
it). Stale labels are never rewritten; they stay what they were, under the
version they were made under.

The lead can ask for stale items again (:func:`requeue_stale`): each chosen
person gets back the items on which *they* hold a stale label, first in their
queue, judged under the current version. The new label **supersedes** the
stale one (it is the person's answer now, and what agreement, consensus and
exports count); the stale label stays in the history, so
`annotator.quality.version_compare.compare_versions` can still set the same items
under both versions side by side.

    >>> report = stale_labels(project)
    >>> report.by_criterion()
    {'verdict': 41}
    >>> requeue_stale(project, ["Ana", "Ben"], criterion="verdict").requeued
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.labels.labels import require_annotator
from annotator.queue import requeue
from annotator.rubric.diff import diff_rubrics
from annotator.rubric.model import RubricDraft, RubricVersion
from annotator.rubric.text import guideline_section
from annotator.rubric.versions import current_version, list_versions
from annotator.store.project import Project

NOT_MEANING = ("title:", "required:", "applies to:", "examples changed", "tolerance:")


class EvolutionError(AnnotatorError):
    """A stale-label request that cannot be done as asked (unknown criterion, no one chosen)."""


def meaning_changes(old: RubricVersion, new: RubricVersion) -> dict[str, list[str]]:
    """criterion key -> why its meaning changed from `old` to `new` (only changed keys).

    Uses `rubric_diff` (kind, options, scale, help text, option descriptions) and
    adds the criterion's guideline section; hotkeys, titles and examples do not
    change what a label means."""
    out: dict[str, list[str]] = {}
    for change in diff_rubrics(old, new).criteria_changed:
        if change.changes_meaning:
            reasons = [
                text
                for text in change.changes
                if not text.startswith(NOT_MEANING) and "hotkey:" not in text
            ]
            out[change.key] = reasons
    for key in new.keys:
        if key not in old.keys:
            continue
        before = guideline_section(old.guidelines, old.criterion(key))
        after = guideline_section(new.guidelines, new.criterion(key))
        if before != after:
            out.setdefault(key, []).append("its section of the guidelines changed")
    return out


@dataclass(frozen=True)
class StaleLabel:
    label_id: int
    item_id: str
    annotator: str
    source: str
    rubric_version: int
    criteria: tuple[str, ...]
    values: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label_id": self.label_id,
            "item_id": self.item_id,
            "annotator": self.annotator,
            "source": self.source,
            "rubric_version": self.rubric_version,
            "criteria": list(self.criteria),
            "values": self.values,
        }


@dataclass
class StaleReport:
    version: RubricVersion
    labels: list[StaleLabel] = field(default_factory=list)
    changes: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # old version -> why

    def by_criterion(self) -> dict[str, int]:
        """criterion key -> number of stale labels on it (a label may count for several)."""
        counts = Counter(key for label in self.labels for key in label.criteria)
        return {key: counts[key] for key in self.version.keys if key in counts}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rubric": self.version.name,
            "version": self.version.version,
            "n_labels": len(self.labels),
            "by_criterion": self.by_criterion(),
            "changes": {f"v{number}": reasons for number, reasons in sorted(self.changes.items())},
            "labels": [label.to_dict() for label in self.labels],
        }

    def to_text(self) -> str:
        if not self.labels:
            return f"No stale labels: every label fits {self.version.label}."
        lines = [f"{len(self.labels)} stale labels under {self.version.label}:"]
        for key, count in self.by_criterion().items():
            lines.append(f"  {key}: {count} labels")
        for number, reasons in sorted(self.changes.items()):
            for key, why in reasons.items():
                lines.append(f"  since v{number}, {key}: {'; '.join(why)}")
        return "\n".join(lines)


def stale_labels(project: Project, version: RubricVersion | None = None) -> StaleReport:
    """Effective labels made under earlier versions of `version`'s rubric (default:
    the current version) whose criteria changed meaning since, oldest label first."""
    target = version or current_version(project)
    report = StaleReport(target)
    older = [
        v
        for v in list_versions(project, target.name)
        if v.rubric_id == target.rubric_id and v.version < target.version
    ]
    for old in older:
        changed = meaning_changes(old, target)
        if not changed:
            continue
        report.changes[old.version] = changed
        # A multilabel answer with nothing ticked stores no value: on an item the
        # criterion applies to, every submitted label answered it ("none of these").
        tests, params = [], []
        for key in changed:
            criterion = old.criterion(key)
            if criterion.kind == "multilabel":
                tests.append(_applies_sql(criterion.applies_to))
            else:
                tests.append("json_type(l.values_json, ?) IS NOT NULL")
                params.append(_path(key))
        rows = project.rows(
            "SELECT l.id, l.item_id, l.values_json, i.pairwise, a.name AS annotator, "
            "s.name AS source FROM effective_labels l "
            "JOIN annotators a ON a.id = l.annotator_id JOIN sources s ON s.id = l.source_id "
            "JOIN items i ON i.id = l.item_id "
            f"WHERE l.rubric_version_id = ? AND ({' OR '.join(tests)}) ORDER BY l.id",
            (old.id, *params),
        )
        for row in rows:
            values = json.loads(row["values_json"])
            for key in changed:
                criterion = old.criterion(key)
                if criterion.kind == "multilabel" and criterion.applies(bool(row["pairwise"])):
                    values.setdefault(key, [])
            keys = tuple(key for key in target.keys if key in changed and key in values)
            report.labels.append(
                StaleLabel(
                    label_id=row["id"],
                    item_id=row["item_id"],
                    annotator=row["annotator"],
                    source=row["source"],
                    rubric_version=old.version,
                    criteria=keys,
                    values={key: values[key] for key in keys},
                )
            )
    report.labels.sort(key=lambda label: label.label_id)
    return report


def _applies_sql(applies_to: str) -> str:
    return {"all": "1", "single": "i.pairwise = 0", "pairwise": "i.pairwise = 1"}[applies_to]


def _path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class RequeueResult:
    version: RubricVersion
    requeued: dict[str, int] = field(default_factory=dict)  # person -> items asked back
    already: int = 0  # asked back before and still pending or answered
    left_out: dict[str, int] = field(default_factory=dict)  # reason -> items

    @property
    def total(self) -> int:
        return sum(self.requeued.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rubric": self.version.name,
            "version": self.version.version,
            "requeued": self.requeued,
            "total": self.total,
            "already": self.already,
            "left_out": self.left_out,
        }

    def summary(self) -> str:
        who = ", ".join(f"{name} {n}" for name, n in self.requeued.items())
        text = f"Re-queued {self.total} items under {self.version.label} ({who})."
        if self.already:
            text += f" {self.already} were asked back before."
        for reason, n in self.left_out.items():
            text += f" {n} left out: {reason}."
        return text


def requeue_stale(
    project: Project, annotators: list[str], criterion: str | None = None
) -> RequeueResult:
    """Ask each named person again for the items on which they hold a stale label
    (only labels stale on `criterion`, if given), under the current version. One
    transaction; asking twice adds nothing."""
    if not annotators:
        raise EvolutionError("Name at least one annotator (--annotators A,B).")
    people = {name: require_annotator(project, name) for name in annotators}
    report = stale_labels(project)
    version = report.version
    if criterion is not None and criterion not in version.keys:
        raise EvolutionError(
            f"Rubric {version.label} has no criterion {criterion!r} "
            f"(it has: {', '.join(version.keys)})."
        )
    result = RequeueResult(version, requeued={name: 0 for name in annotators})
    anchors = {r[0] for r in project.rows("SELECT item_id FROM anchors WHERE status != 'retired'")}
    with project.transaction():
        for label in report.labels:
            person = people.get(label.annotator)
            if person is None or (criterion is not None and criterion not in label.criteria):
                continue
            if label.item_id in anchors:
                reason = "live anchors (they come back through anchor seeding)"
                result.left_out[reason] = result.left_out.get(reason, 0) + 1
                continue
            if _removed(project, person.id, label.item_id):
                reason = "taken out of that person's queue by the lead"
                result.left_out[reason] = result.left_out.get(reason, 0) + 1
                continue
            added = requeue.add(
                project,
                annotator_id=person.id,
                item_id=label.item_id,
                rubric_version_id=version.id,
                criteria=list(label.criteria),
                stale_label_id=label.label_id,
            )
            if added:
                result.requeued[label.annotator] += 1
            else:
                result.already += 1
        project.audit("requeue_stale", target=version.label, details=result.to_dict())
    return result


def _removed(project: Project, annotator_id: int, item_id: str) -> bool:
    return (
        project.row(
            "SELECT 1 FROM assignments WHERE annotator_id = ? AND item_id = ? AND removed = 1",
            (annotator_id, item_id),
        )
        is not None
    )


def stale_if_published(project: Project, draft: RubricDraft) -> StaleReport:
    """The labels publishing `draft` as its rubric's next version would newly make stale:
    those already stale under the latest version are not the draft's doing, and a draft
    identical to the latest version changes nothing (publishing it is refused). Nothing
    for a rubric the project does not have yet. Writes nothing."""
    try:
        latest = current_version(project, draft.name)
    except NotFoundError:
        return StaleReport(_as_next(draft, 0, 1))
    following = _as_next(draft, latest.rubric_id, latest.version + 1)
    if draft_is_unchanged(latest, draft):
        return StaleReport(following)
    earlier = stale_labels(project, latest).labels
    already = {label.label_id: set(label.criteria) for label in earlier}
    report = stale_labels(project, following)
    report.labels = [
        label
        for label in report.labels
        if not set(label.criteria) <= already.get(label.label_id, set())
    ]
    return report


def draft_is_unchanged(latest: RubricVersion, draft: RubricDraft) -> bool:
    """True when publishing `draft` would add nothing to `latest` (same content)."""
    return draft.content_hash() == latest.content_hash()


def _as_next(draft: RubricDraft, rubric_id: int, number: int) -> RubricVersion:
    return RubricVersion(
        name=draft.name,
        guidelines=draft.guidelines,
        criteria=draft.criteria,
        extra=draft.extra,
        id=-1,
        rubric_id=rubric_id,
        version=number,
        note="draft",
    )


__all__ = [
    "EvolutionError",
    "RequeueResult",
    "StaleLabel",
    "StaleReport",
    "meaning_changes",
    "requeue_stale",
    "draft_is_unchanged",
    "stale_if_published",
    "stale_labels",
]

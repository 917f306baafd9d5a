"""Which judge version gave each label: what a chart of a judge's scores over time needs to
break its lines at every version change (labels -> judge_results -> judge_versions).

    >>> label_versions(project, series.label_id)   # ["v1", "v1", "v2", ...] or None
"""

from __future__ import annotations

from collections.abc import Iterable

from annotator.store.project import Project

UNKNOWN = "?"  # a label of a judge's annotator that no judge result records
_BATCH = 900  # below SQLite's limit on bound parameters


def label_versions(project: Project, label_ids: Iterable[int]) -> list[str] | None:
    """Per label id, in order, the label of the judge version that made it ("v2"); None when
    no label was made by a configured judge (a person's or an imported judge's series)."""
    ids = [int(i) for i in label_ids]
    found: dict[int, str] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), _BATCH):
        part = unique[start : start + _BATCH]
        marks = ",".join("?" * len(part))
        found.update(
            project.rows(
                f"SELECT r.label_id, 'v' || v.number FROM judge_results r "
                f"JOIN judge_versions v ON v.id = r.version_id WHERE r.label_id IN ({marks})",
                tuple(part),
            )
        )
    if not found:
        return None
    return [found.get(i, UNKNOWN) for i in ids]


def judge_subjects(project: Project, real_names: bool = True) -> set[str]:
    """The names (or pseudonyms) under which configured judges' annotators appear."""
    column = "a.name" if real_names else "a.pseudonym"
    return {
        row[0]
        for row in project.rows(
            f"SELECT {column} FROM annotators a JOIN judges j ON j.source_id = a.source_id"
        )
    }


def version_starts(project: Project, real_names: bool = True) -> dict[str, list[tuple[str, str]]]:
    """Judge (by its name, and its annotator's pseudonym unless `real_names`) -> (time of
    the first label, version) for each version after the first: where a chart of the
    judge's labels over time marks a break."""
    rows = project.rows(
        "SELECT j.name, a.pseudonym, 'v' || v.number, min(l.submitted_at) AS first "
        "FROM judge_results r JOIN judge_versions v ON v.id = r.version_id "
        "JOIN judges j ON j.id = r.judge_id JOIN labels l ON l.id = r.label_id "
        "JOIN annotators a ON a.id = l.annotator_id WHERE r.outcome = 'label' "
        "GROUP BY r.judge_id, v.id ORDER BY r.judge_id, first, v.number"
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for name, pseudonym, label, first in rows:
        found.setdefault(name, []).append((first, label))
        if not real_names:
            found.setdefault(pseudonym, found[name])
    return {who: starts[1:] for who, starts in found.items() if len(starts) > 1}


__all__ = ["UNKNOWN", "judge_subjects", "label_versions", "version_starts"]

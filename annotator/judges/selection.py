"""Which items a judge run takes, and which it skips as already judged.

`all`: every item (anchors too: a judge may be measured on them); `unlabeled`: items
this judge has no label on under any version; `anchors`: the active anchors' items;
`judged-by:VERSION`: the items that version (v2 or 2) labeled, to re-judge them; anything
else is a query: `tag:KEY=VALUE`, or text searched in ids, inputs and outputs.
Items already judged under the version the run continues are always skipped, so a
stopped or killed run started again makes no second call for them. With `--swap`, the
pairwise ones among them that have no swapped answer yet are asked only the swap.
"""

from __future__ import annotations

import json
from typing import Any

from annotator.items.query import ItemFilter
from annotator.judges.config import Judge
from annotator.store.project import Project


def candidate_version(
    project: Project, judge: Judge, prompt_sha: str, rubric_version_id: int
) -> dict[str, Any] | None:
    """The newest version with the judge's present settings (host, prompt, rubric
    version, sampling): the one a run continues, unless the server says otherwise."""
    row = project.row(
        "SELECT id, number, reported_model, system_fingerprint FROM judge_versions "
        "WHERE judge_id = ? AND host = ? AND prompt_sha = ? AND rubric_version_id = ? "
        "AND sampling = ? ORDER BY number DESC LIMIT 1",
        (
            judge.id,
            judge.config.host,
            prompt_sha,
            rubric_version_id,
            json.dumps(judge.config.sampling(), sort_keys=True),
        ),
    )
    if row is None:
        return None
    return {**dict(row), "label": f"v{row['number']}"}


def select_items(
    project: Project,
    judge: Judge,
    items: str,
    limit: int | None,
    version: dict[str, Any] | None,
) -> tuple[list[str], int]:
    """The item ids to judge (in import order, at most `limit`) and how many were skipped
    as already judged under `version`."""
    judged_here = (
        "EXISTS (SELECT 1 FROM judge_results r WHERE r.item_id = items.id AND r.judge_id = ? "
        "AND r.version_id = ? AND r.outcome = 'label')"
    )
    if items.startswith("judged-by:"):
        # lazy: compare imports numpy; only this item choice needs it (refuses a bad version)
        from annotator.judges.compare import find_version_row

        find_version_row(project, judge.id, judge.name, items.split(":", 1)[1])
    where, params = _where(judge, items)
    version_id = version["id"] if version else -1
    # "unlabeled" leaves out every judged item; the count says how many were judged here
    scope, scope_params = ("1", []) if items == "unlabeled" else (where, params)
    skipped = project.scalar(
        f"SELECT count(*) FROM items WHERE ({scope}) AND {judged_here}",
        [*scope_params, judge.id, version_id],
    )
    sql = f"SELECT id FROM items WHERE ({where}) AND NOT {judged_here} ORDER BY seq"
    query_params: list[Any] = [*params, judge.id, version_id]
    if limit is not None:
        sql += " LIMIT ?"
        query_params.append(max(0, limit))
    return [r[0] for r in project.rows(sql, query_params)], int(skipped or 0)


def _where(judge: Judge, items: str) -> tuple[str, list[Any]]:
    if items == "all":
        return "1", []
    if items == "unlabeled":
        return (
            "NOT EXISTS (SELECT 1 FROM judge_results u WHERE u.item_id = items.id "
            "AND u.judge_id = ? AND u.outcome = 'label')",
            [judge.id],
        )
    if items == "anchors":
        return (
            "EXISTS (SELECT 1 FROM anchors a WHERE a.item_id = items.id AND a.status = 'active')",
            [],
        )
    if items.startswith("judged-by:"):  # the items a version labeled, to re-judge them
        return (
            "EXISTS (SELECT 1 FROM judge_results b JOIN judge_versions bv ON bv.id = b.version_id "
            "WHERE b.item_id = items.id AND b.judge_id = ? AND bv.number = ? "
            "AND b.outcome = 'label')",
            [judge.id, int(items.split(":", 1)[1].strip().lstrip("vV"))],  # checked before
        )
    if items.startswith("tag:") and "=" in items:
        key, value = items[4:].split("=", 1)
        return ItemFilter(tag=(key, value)).where()
    return ItemFilter(text=items).where()


def unswapped_items(
    project: Project,
    judge: Judge,
    items: str,
    limit: int | None,
    version: dict[str, Any] | None,
) -> dict[str, tuple[int, int]]:
    """For `judge run --swap`: the pairwise items of the selection already judged under
    `version` with no swapped answer there yet, in import order (at most `limit`), each
    with its label's result id and the version id; the run asks them only the swap."""
    if version is None:
        return {}
    where, params = ("1", []) if items == "unlabeled" else _where(judge, items)
    sql = (
        "SELECT items.id, max(r.id) FROM items JOIN judge_results r ON r.item_id = items.id "
        "AND r.judge_id = ? AND r.version_id = ? AND r.outcome = 'label' "
        f"WHERE items.pairwise = 1 AND ({where}) AND NOT EXISTS (SELECT 1 FROM judge_swaps s "
        "WHERE s.judge_id = r.judge_id AND s.version_id = r.version_id AND s.item_id = items.id) "
        "GROUP BY items.id ORDER BY items.seq"
    )
    query_params: list[Any] = [judge.id, version["id"], *params]
    if limit is not None:
        sql += " LIMIT ?"
        query_params.append(max(0, limit))
    return {r[0]: (int(r[1]), int(version["id"])) for r in project.rows(sql, query_params)}

"""`judge align --by slice|rubric-version|week`, and where a judge errs.

A group is the judge's labels in one slice (items tagged key=value), in one week
(Monday UTC, by when the judge's label was submitted) or under one rubric version
(the judge label's): `annotator.labels.slices`, the grouping the project's
agreement reports use. Each group gets the criterion's own row (`align_rows`),
with its verdict from the same Thresholds; a group with fewer than MIN_GROUP_ITEMS
items is listed as "too few items", never dropped, so a missing slice is visible.

"Where it errs" ranks the slices by the main coefficient, lowest first, among
slices with at least MIN_GROUP_ITEMS items (whatever `--by` is), each with the
item selection (`tag:key=value`) that `judge run --items` takes.
"""

from __future__ import annotations

from typing import Any

from annotator.base.errors import AnnotatorError
from annotator.judges.align_pairs import Boot
from annotator.judges.align_rows import (
    CriterionAlignment,
    RowContext,
    agreement_of,
    criterion_row,
    pairs,
)
from annotator.labels.data import LabelTable
from annotator.labels.slices import SliceTags, label_groups, slice_filter, slice_masks

BY = ("slice", "rubric-version", "week")
MIN_GROUP_ITEMS = 10
N_WEAKEST = 5
TOO_FEW = "too few items"
_GROUP_DROPS = ("groups", "weakest_slices", "length_bias")


class AlignByError(AnnotatorError):
    """An unknown way to split a judge's alignment."""


def check_by(by: str | None) -> None:
    if by is not None and by not in BY:
        raise AlignByError(f"Cannot split the alignment by {by!r}; use one of {', '.join(BY)}.")


def _filters(by: str, slices: SliceTags) -> dict[str, str]:
    """group -> its item selection (slices only: no item query names a week or version)."""
    if by != "slice":
        return {}
    return {f"{k}={v}": slice_filter(k, v) for k, (_, values) in slices.items() for v in values}


def group_rows(
    ctx: RowContext, judged: LabelTable, by: str, slices: SliceTags
) -> list[dict[str, Any]]:
    """Per group, the criterion's row (JSON-ready) with by, group, filter and n_items."""
    filters = _filters(by, slices)
    out = []
    for label, mask in label_groups(by, judged, ctx.names, slices):
        mine = judged.subset(mask)
        head = {"by": by, "group": label, "filter": filters.get(label)}
        n = len(pairs(ctx, mine)[0])
        if n < MIN_GROUP_ITEMS:
            out.append(
                {
                    **head,
                    "n_items": n,
                    "verdict": TOO_FEW,
                    "reason": f"{n} items < {MIN_GROUP_ITEMS}: no verdict on so few",
                }
            )
            continue
        row = criterion_row(ctx, mine).to_dict()
        for key in _GROUP_DROPS:
            row.pop(key, None)
        out.append({**head, **row})
    return out


def weakest_slices(ctx: RowContext, judged: LabelTable, slices: SliceTags) -> list[dict[str, Any]]:
    """Up to N_WEAKEST slices with the lowest main coefficient (>= MIN_GROUP_ITEMS items)."""
    common, own, ref = pairs(ctx, judged)
    ranked = []
    for key, value, label, mask in slice_masks(common, slices):
        if mask.sum() < MIN_GROUP_ITEMS:
            continue
        point = agreement_of(
            ctx, common[mask], own[mask], ref[mask], Boot(0, None, ctx.settings.confidence)
        )
        found = point.get(ctx.key)
        if found is None or found.value is None:
            continue
        ranked.append((found.value, label, key, value, mask))
    ranked.sort(key=lambda r: (r[0], r[1]))
    out = []
    for _, label, key, value, mask in ranked[:N_WEAKEST]:
        main = agreement_of(ctx, common[mask], own[mask], ref[mask], ctx.settings)[ctx.key]
        out.append(
            {
                "group": label,
                "filter": slice_filter(key, value),
                "n_items": int(mask.sum()),
                "coefficient": ctx.key,
                "name": main.name,
                "value": main.value,
                "ci": list(main.ci) if main.ci is not None else None,
            }
        )
    return out


def add_groups(
    row: CriterionAlignment,
    ctx: RowContext,
    judged: LabelTable,
    by: str | None,
    slices: SliceTags,
    weakest: bool = True,
) -> None:
    """Fill the row's weakest slices (unless not `weakest`), and its groups when asked
    to split."""
    if weakest:
        row.weakest_slices = weakest_slices(ctx, judged, slices)
    if by is not None:
        row.groups = group_rows(ctx, judged, by, slices)

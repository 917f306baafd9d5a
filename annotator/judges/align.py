"""How well a judge agrees with a reference, per criterion, and whether it can stand in.

On the items both the judge and the reference labeled (the judge's own consensus
per item when it labeled an item more than once), per criterion:

- every coefficient the app reports at the rubric's level (`compute_all`: weighted
  Cohen's kappa for ordinal and numeric criteria, Krippendorff's alpha, Gwet's AC1,
  percent agreement), with bootstrap intervals over items;
- the confusion matrix over the rubric's full scale (rows: reference, columns: judge);
- bias: the mean signed difference judge - reference (ordinal: the option's number,
  or its position when the options are not numbers) with a bootstrap interval and
  the shares scored higher and lower; for nominal criteria each option's rate;
- the human ceiling: each expert against every other expert label on the same
  items (`against_the_rest`), averaged (the interval is the mean of the bounds);
  pairs rather than the consensus of the other experts, because two other experts
  who disagree have no ordinal median (a tie), and dropping those items would
  flatter the ceiling;
- length bias (the gap's correlation with the output's length) and, for preference
  criteria asked again with A and B exchanged, position bias (`align_bias`);
- a verdict from stated `Thresholds`, the items with the largest gaps, the slices where
  the judge agrees least, and with `by=` the same row per slice, week or rubric version
  (`align_groups`).

The reference is "consensus" (adjudicated value first, else the expert consensus:
`expert_reference`), "experts" (the expert labels' consensus alone) or another
source's per-item consensus.

The rows, verdicts and thresholds are `align_rows`; the text is `align_text`.

    >>> result = judge_alignment(project, "acme-judge@2026-09-30", by="slice")
    >>> result.criteria[0].verdict, result.criteria[0].groups[0]["verdict"]
"""

from __future__ import annotations

import numpy as np

from annotator.base.errors import NotFoundError
from annotator.judges.align_bias import item_lengths, length_bias, load_swaps, signed_gap
from annotator.judges.align_groups import add_groups, check_by
from annotator.judges.align_pairs import Boot
from annotator.judges.align_rows import (
    ASSIST_ONLY,
    NOT_TRUSTED,
    STANDS_IN,
    Alignment,
    CriterionAlignment,
    RowContext,
    Thresholds,
    ceiling_relation,
    criterion_row,
    scale_numbers,
)
from annotator.judges.align_text import format_alignment
from annotator.labels.data import LabelTable, Names, criterion_specs, load_names
from annotator.labels.load import load_all
from annotator.labels.reference import EXPERT, consensus, expert_reference
from annotator.labels.slices import slice_tags
from annotator.stats.defaults import CONFIDENCE, N_BOOT, SEED
from annotator.store.project import Project

__all__ = [
    "ASSIST_ONLY",
    "NOT_TRUSTED",
    "STANDS_IN",
    "Alignment",
    "CriterionAlignment",
    "Thresholds",
    "ceiling_relation",
    "format_alignment",
    "judge_alignment",
]

DEFAULT_THRESHOLDS = Thresholds()


def judge_alignment(
    project: Project,
    name: str,
    *,
    against: str = "consensus",
    criterion: str | None = None,
    n_boot: int = N_BOOT,
    seed: int | None = SEED,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    by: str | None = None,
    details: bool = True,
) -> Alignment:
    """The judge (any label source; normally kind llm_judge) against `against`; with
    `by` (slice, rubric-version, week) each criterion's row per group too. Without
    `details` the rows leave out the length bias and the weakest slices (what the report
    and the export's summary do not show; the verdicts do not depend on them)."""
    check_by(by)
    names = load_names(project)
    judge = _who(names, name)
    other = _who(names, against) if against not in ("consensus", "experts") else None
    specs = criterion_specs(project)
    if criterion is not None:
        specs = [s for s in specs if criterion in (s.key, s.name)]
        if not specs:
            raise NotFoundError(f"No criterion {criterion!r} with agreement in the rubric.")
    settings = Boot(n_boot, seed, CONFIDENCE)
    experts = [s for s, k in names.source_kinds.items() if k == EXPERT]
    tables = load_all(project, specs=specs)
    slices = slice_tags(project) if details or by is not None else None
    results = []
    notes: list[str] = []
    for spec in specs:
        table = tables[spec.name]
        if against == "consensus":
            reference = expert_reference(project, table, experts)
        elif other is not None:
            reference = consensus(table.subset(_mask(table, other)))
        else:
            reference = consensus(table.subset(np.isin(table.source, experts)))
        judged = table.subset(_mask(table, judge))
        if reference is None or len(judged) == 0:
            notes.append(f"{spec.name}: no items labeled by both the judge and the reference")
            continue
        swaps = load_swaps(project, judged.label_id.tolist()) if spec.kind == "preference" else {}
        ctx = RowContext(project, table, reference, names, name, settings, thresholds, swaps)
        row = criterion_row(ctx, judged)
        if details:
            row.length_bias = _length_bias(project, table, row, settings)
        if slices is not None:
            add_groups(row, ctx, judged, by, slices, weakest=details)
        results.append(row)
    return Alignment(
        project.path.name,
        name,
        _kind(names, judge),
        against,
        thresholds,
        {"n_boot": n_boot, "seed": seed, "confidence": CONFIDENCE},
        results,
        notes,
        by,
    )


def _length_bias(
    project: Project, table: LabelTable, row: CriterionAlignment, settings: Boot
) -> dict | None:
    items = np.asarray(row.paired["item"], dtype=np.int64)
    if len(items) == 0:
        return None
    own = np.asarray(row.paired["own_code"])
    ref = np.asarray(row.paired["reference_code"])
    what, gap = signed_gap(table, own, ref, scale_numbers(table))
    row.paired["gap"] = gap.tolist()
    return length_bias(what, gap, items, item_lengths(project, items.tolist()), settings)


def _who(names: Names, name: str) -> tuple[str, int]:
    """("source", id) for a source's name, else ("annotator", id) for an annotator's (a
    judge version imported as labels, e.g. acme-judge@2026-09-30)."""
    by_name = {v: k for k, v in names.sources.items()}
    if name in by_name:
        return "source", by_name[name]
    person = {v: k for k, v in names.annotators.items()}
    if name in person:
        return "annotator", person[name]
    judges = sorted(v for k, v in names.sources.items() if names.source_kinds[k] == "llm_judge")
    raise NotFoundError(
        f"No label source or annotator named {name!r} (judges: {', '.join(judges) or 'none'})."
    )


def _mask(table: LabelTable, who: tuple[str, int]) -> np.ndarray:
    return (table.source if who[0] == "source" else table.rater) == who[1]


def _kind(names: Names, who: tuple[str, int]) -> str:
    source = who[1] if who[0] == "source" else names.annotator_source[who[1]]
    return names.source_kinds[source]

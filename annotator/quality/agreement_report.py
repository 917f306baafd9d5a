"""What `annotator agreement PROJECT` reports: every criterion, every source, each
source against the expert consensus, and (with `by`) per annotator, slice, week
or rubric version.

    >>> report = agreement_report(project, settings=Settings(n_boot=1000, seed=0))
    >>> report["criteria"]["coherence"]["alpha"], report["vs_expert_consensus"]["mturk"]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from annotator.labels.data import distinct, load_names
from annotator.quality import scopes
from annotator.quality.project_agreement import CriterionAgreement, Settings, measure, tables
from annotator.quality.vs_reference import (
    EXPERT,
    against_reference,
    consensus_vs_reference,
    expert_reference,
)
from annotator.store.project import Project

Progress = Callable[[str], None]


def agreement_report(
    project: Project,
    *,
    criteria: Sequence[str] | None = None,
    source: str | None = None,
    by: str | None = None,
    rubric_version: int | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    real_names: bool = True,
    brief: bool = False,
) -> dict[str, Any]:
    """What `annotator agreement PROJECT --json` prints (annotators named in the reasons
    and the `by annotator` groups; as their pseudonyms when not `real_names`).

    `criteria`: all labels (or `source`'s) per criterion; `sources`: per label
    source; `vs_expert_consensus`: each source against the experts; with `by`
    (annotator, slice, week, rubric-version) also `by` per criterion and group,
    and for `annotator` the pairwise Cohen's kappa matrix. `brief`: only what
    `format_report` shows (its three coefficients, no source-consensus figures or
    pairwise matrix), with the same numbers as the full report.
    """
    settings = settings or Settings()
    if brief:
        settings = replace(settings, keys=tuple(key for key, _ in _SHOWN))
    step = progress or (lambda _text: None)
    names = load_names(project, real_names)
    loaded = tables(project, criteria, rubric_version)
    only = names.source_ids([source]) if source else None
    out: dict[str, Any] = {
        "project": project.name,
        "n_boot": settings.n_boot,
        "seed": settings.seed,
        "confidence": settings.confidence,
        "source": source,
        "criteria": {},
        "sources": {},
        "vs_expert_consensus": {},
    }
    used_sources = sorted(
        {int(s) for t in loaded.values() for s in distinct(t.source).tolist()},
        key=lambda s: names.sources.get(s, ""),
    )
    if only is not None:
        used_sources = [s for s in used_sources if s in only]
    for name, table in loaded.items():
        step(f"agreement on {name}")
        scoped = table if only is None else table.subset(np.isin(table.source, only))
        out["criteria"][name] = measure(scoped, names, settings).to_dict()
        reference = expert_reference(project, table, names)
        for sid in used_sources:
            label = names.sources[sid]
            mine = table.subset(table.source == sid)
            entry = out["sources"].setdefault(
                label, {"kind": names.source_kinds[sid], "criteria": {}}
            )
            entry["criteria"][name] = measure(mine, names, settings).to_dict()
            vs = out["vs_expert_consensus"].setdefault(label, {})
            if reference is None:
                vs[name] = {"reason": "not defined, because no expert labeled or adjudicated"}
                continue
            if names.source_kinds[sid] == EXPERT:
                vs[name] = {
                    "reason": "not defined, because this source is part of the expert "
                    "reference; see `sources` for the experts' own agreement and "
                    "`--by annotator` for each expert against the rest"
                }
                continue
            result = against_reference(mine, reference, label, settings)
            if not brief:
                own = consensus_vs_reference(mine, reference, label, settings)
                extra = {**result.extra, "source_consensus": own}
                result = CriterionAgreement(**{**result.__dict__, "extra": extra})
            vs[name] = result.to_dict()
    if by:
        step(f"agreement by {by}")
        out["by"] = scopes.agreement_by(project, by, loaded, names, settings, only)
        if by == "annotator" and not brief:
            out["pairwise_kappa"] = {
                name: scopes.pairwise_matrix(
                    t if only is None else t.subset(np.isin(t.source, only)), names
                )
                for name, t in loaded.items()
            }
    return out


# -- the human form -------------------------------------------------------------------------------

_SHOWN = (("alpha", "alpha"), ("gwet_ac1", "AC1"), ("percent_agreement", "agree"))


def _cell(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if value is None:
        return "-"
    ci = entry.get(f"{key}_ci")
    return f"{value:.3f} [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else f"{value:.3f}"


def _row(scope: str, entry: dict[str, Any]) -> str:
    if "alpha" not in entry:
        return f"  {scope:<34} {entry.get('reason', '-')}"
    cells = "  ".join(f"{_cell(entry, key):<22}" for key, _ in _SHOWN)
    line = f"  {scope:<34} {cells}  {entry['n_items']:>7,} {entry['n_labels']:>8,}"
    if entry.get("alpha") is None and entry.get("alpha_reason"):
        line += f"\n  {'':<34} alpha {entry['alpha_reason']}"
    return line


def format_report(report: dict[str, Any]) -> str:
    """One block per criterion: all labels, each source, each source against the experts."""
    percent = round(100 * report.get("confidence", 0.95))
    head = "  ".join(f"{title:<22}" for _, title in _SHOWN)
    lines = [
        f"Agreement in {report['project']} (intervals: {percent}%, bootstrap over items, "
        f"{report['n_boot']:,} resamples, seed {report['seed']})",
    ]
    for name, entry in report["criteria"].items():
        lines += ["", f"{name} ({entry['level']})", f"  {'scope':<34} {head}    items   labels"]
        scope = f"source {report['source']}" if report.get("source") else "all labels"
        lines.append(_row(scope, entry))
        for source, data in report["sources"].items():
            if not report.get("source") and name in data["criteria"]:
                lines.append(_row(f"{source} ({data['kind']})", data["criteria"][name]))
        for source, data in report["vs_expert_consensus"].items():
            if name in data and "alpha" in data[name]:
                lines.append(_row(f"{source} vs expert consensus", data[name]))
        for group, data in report.get("by", {}).get(name, {}).items():
            lines.append(_row(f"  {group}"[:34], data))
    lines += [
        "",
        "alpha: Krippendorff's alpha at the criterion's level; AC1: Gwet's AC1; agree: share "
        "of agreeing label pairs. '--json' gives every coefficient, with reasons where one is "
        "not defined.",
    ]
    return "\n".join(lines)

"""Every LLM judge of a project in one plain structure: its versions, how far it can be
trusted per criterion, and what each version change did to its numbers.

The report's "LLM judges" section and the export's manifest both show this, so it is
JSON-plain (dicts, lists, str, int, float, None) and deterministic: seeded bootstraps,
floats rounded to `DECIMALS` like the export's statistics, nothing that depends on the
clock. Two calls on the same project state give equal results, so an export's manifest
stays byte-identical.

Judges are the configured ones (`list_judges`) and, after them, the label sources of kind
`llm_judge` that have labels but no configuration (judge labels imported from a file):
those have no derived versions, so each of their annotators (e.g. acme-judge@2026-09-30)
stands for one version, and no exchange rate can be computed between them.

Alignment is `judge_alignment` against the expert consensus over all the judge's labels
(per item the judge's own consensus). The exchange rates are `compare_judge_versions`
for each two consecutive versions that labeled items in common.

    >>> [j["judge"] for j in judge_summaries(project, n_boot=200, seed=0)]
"""

from __future__ import annotations

import math
from typing import Any

from annotator.judges.align import judge_alignment
from annotator.judges.compare import compare_judge_versions
from annotator.judges.config import Judge, list_judges
from annotator.stats.defaults import N_BOOT, SEED
from annotator.store.project import Project

DECIMALS = 6  # as the export's statistics (exchange.export.columns.STAT_DECIMALS)


def plain(value: Any) -> Any:
    """The same structure, JSON-plain, with every float rounded to DECIMALS (NaN: None)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return round(value, DECIMALS) + 0.0 if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item"):  # a numpy scalar
        return plain(value.item())
    return str(value)


def judge_summaries(
    project: Project,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = SEED,
    real_names: bool = True,
) -> list[dict[str, Any]]:
    """One entry per judge (module docstring), configured judges first, by id. With
    `real_names=False` an imported judge's annotators (its versions) appear as their
    pseudonyms, as everywhere in a file that leaves the machine."""
    out = []
    configured = list_judges(project)
    for judge in configured:
        out.append(_configured(project, judge, n_boot, seed))
    taken = {j.source_id for j in configured}
    for source_id, name in project.rows(
        "SELECT s.id, s.name FROM sources s WHERE s.kind = 'llm_judge' AND EXISTS "
        "(SELECT 1 FROM effective_labels l WHERE l.source_id = s.id) ORDER BY s.id"
    ):
        if source_id not in taken:
            out.append(_imported(project, source_id, name, n_boot, seed, real_names))
    return [plain(entry) for entry in out]


# -- versions -------------------------------------------------------------------------------


def _configured(project: Project, judge: Judge, n_boot: int, seed: int | None) -> dict[str, Any]:
    figures = {
        row[0]: row[1:]
        for row in project.rows(
            "SELECT v.id, (SELECT count(DISTINCT r.item_id) FROM judge_results r "
            "WHERE r.version_id = v.id AND r.outcome = 'label'), "
            "(SELECT count(*) FROM judge_calls c WHERE c.version_id = v.id), "
            "(SELECT sum(c.cost) FROM judge_calls c WHERE c.version_id = v.id) "
            "FROM judge_versions v WHERE v.judge_id = ?",
            (judge.id,),
        )
    }
    versions = []
    for v in judge.versions:
        items, calls, cost = figures.get(v.id, (0, 0, None))
        versions.append(
            {
                "version": v.label,
                "number": int(v.label[1:]),
                "reported_model": v.reported_model,
                "system_fingerprint": v.system_fingerprint,
                "host": v.host,
                "prompt_sha": v.prompt_sha,
                "rubric_version": v.rubric_version,
                "first_seen": v.first_seen,
                "items_judged": items,
                "labels": v.labels,
                "calls": calls,
                "cost": cost,
                "currency": judge.config.currency,
            }
        )
    current = judge.current_version
    return {
        "judge": judge.name,
        "configured": True,
        "model": judge.config.model,
        "current_version": current.label if current else None,
        "versions": versions,
        "alignment": _alignment(project, judge.name, n_boot, seed),
        "exchange": _exchanges(project, judge, n_boot, seed),
        "notes": [],
    }


def _imported(
    project: Project, source_id: int, name: str, n_boot: int, seed: int | None, real_names: bool
) -> dict[str, Any]:
    source = project.row(
        "SELECT model_id, model_version, prompt_version, currency FROM sources WHERE id = ?",
        (source_id,),
    )
    reported = " ".join(p for p in (source["model_id"], source["model_version"]) if p) or None
    versions = []
    who = "a.name" if real_names else "a.pseudonym"
    for row in project.rows(
        f"SELECT {who}, min(l.submitted_at), count(DISTINCT l.item_id), count(*), sum(l.cost) "
        "FROM annotators a JOIN effective_labels l ON l.annotator_id = a.id "
        "WHERE a.source_id = ? GROUP BY a.id ORDER BY min(l.submitted_at), a.name",
        (source_id,),
    ):
        versions.append(
            {
                "version": row[0],
                "number": len(versions) + 1,
                "reported_model": reported,
                "system_fingerprint": None,
                "host": None,
                "prompt_sha": source["prompt_version"],
                "rubric_version": None,
                "first_seen": row[1],
                "items_judged": row[2],
                "labels": row[3],
                "calls": None,
                "cost": row[4],
                "currency": source["currency"],
            }
        )
    return {
        "judge": name,
        "configured": False,
        "model": source["model_id"],
        "current_version": versions[-1]["version"] if versions else None,
        "versions": versions,
        "alignment": _alignment(project, name, n_boot, seed),
        "exchange": [],
        "notes": [
            "imported judge labels: no judge configuration, so each annotator of the source "
            "stands for one version and no exchange rate is computed"
        ],
    }


# -- alignment and exchange rates -----------------------------------------------------------


def _ci(value: Any) -> list[float] | None:
    return [float(value[0]), float(value[1])] if value else None


def _alignment(project: Project, name: str, n_boot: int, seed: int | None) -> dict[str, Any]:
    """The parts of `judge_alignment(...).to_dict()` the report and export show (by key, so
    keys added to it later change nothing here)."""
    found = judge_alignment(project, name, n_boot=n_boot, seed=seed, details=False).to_dict()
    criteria = []
    for row in found.get("criteria", []):
        key = row.get("coefficient")
        main = (row.get("agreement") or {}).get(key) or {}
        ceiling = row.get("ceiling") or {}
        bias = row.get("bias") or {}
        criteria.append(
            {
                "criterion": row.get("criterion"),
                "level": row.get("level"),
                "n_items": row.get("n_items"),
                "coefficient": key,
                "coefficient_name": main.get("name"),
                "agreement": main.get("value"),
                "agreement_ci": _ci(main.get("ci")),
                "agreement_reason": main.get("reason"),
                "ceiling": ceiling.get("value"),
                "ceiling_ci": _ci(ceiling.get("ci")),
                "ceiling_experts": len(ceiling.get("experts") or []),
                "ceiling_relation": row.get("ceiling_relation"),
                "bias": bias.get("mean_difference"),
                "bias_ci": _ci(bias.get("ci")),
                "max_rate_gap": bias.get("max_rate_gap"),
                "verdict": row.get("verdict"),
                "reason": row.get("reason"),
            }
        )
    return {
        "against": found.get("against"),
        "thresholds": found.get("thresholds"),
        "thresholds_text": found.get("thresholds_text"),
        "settings": found.get("settings"),
        "criteria": criteria,
        "notes": list(found.get("notes") or []),
    }


def _exchanges(
    project: Project, judge: Judge, n_boot: int, seed: int | None
) -> list[dict[str, Any]]:
    out = []
    versions = judge.versions
    for old, new in zip(versions, versions[1:], strict=False):
        result = compare_judge_versions(
            project, judge.name, old.label, new.label, n_boot=n_boot, seed=seed
        )
        if result.n_items == 0:
            continue
        out.append(
            {
                "from": result.from_version,
                "to": result.to_version,
                "n_items": result.n_items,
                "n_items_old": result.n_items_old,
                "criteria": [
                    {
                        "criterion": c.key,
                        "kind": c.kind,
                        "level": c.level,
                        "n_items": c.n_items,
                        "mean_old": c.mean_old,
                        "mean_new": c.mean_new,
                        "mean_shift": c.mean_shift,
                        "percent_agreement": c.agreement.get("percent_agreement"),
                        "alpha": c.agreement.get("alpha"),
                        "alpha_ci": _ci(c.agreement.get("alpha_ci")),
                        "exchange": c.exchange,
                    }
                    for c in result.criteria
                ],
            }
        )
    return out


def verdict_text(summary: dict[str, Any]) -> str:
    """e.g. "quality: stands in; safety: assist only" ("" when nothing was compared)."""
    return "; ".join(f"{c['criterion']}: {c['verdict']}" for c in summary["alignment"]["criteria"])


__all__ = ["DECIMALS", "judge_summaries", "plain", "verdict_text"]

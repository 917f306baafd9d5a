"""The quality and cost of every label source and annotator, side by side.

Per source and per annotator:

- anchor accuracy: the share of scored anchor answers (label x criterion) that
  match the anchor's reference;
- agreement with the expert consensus: Cohen's kappa (unweighted for nominal
  criteria, quadratic weights for ordinal and numeric), Krippendorff's alpha,
  and the match rate (the share of labels equal to the consensus; pooled over
  criteria with a scale, numeric ones left out), each label
  against its item's adjudicated value or else the expert consensus, an
  expert's own label left out (see `expert_pairs`); means over criteria, and
  per criterion with bootstrap intervals for sources;
- Dawid-Skene reliability: the estimated share of an annotator's labels that are
  the true class, priors @ diag(confusion) of `consensus_methods.dawid_skene`;
  a source's is the label-weighted mean of its annotators';
- self-consistency: the share of test-retest repeats (labels with `repeat_of`)
  whose value equals the earlier answer, over criteria;
- median active time per label;
- cost from the stored label cost or the source's cost model: total, per label,
  per item, and per correct label: cost per label divided by the share correct,
  anchor accuracy when the source answered anchors, else the match rate with the
  expert consensus. Currency stated.

    >>> report = source_quality(project)
    >>> print(source_table.format_report(report))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.labels.arrow_read import ArrowLabels
from annotator.labels.columns import L_COST, L_DURATION, L_TOKENS
from annotator.labels.scope import Scope
from annotator.labels.stream import CancelCheck, Cancelled, Chunk, LabelStream, Progress
from annotator.quality.by_source.parts import (
    criterion_agreement,
    dawid_skene_reliability,
    repeat_consistency,
    versus_experts,
)
from annotator.quality.by_source.tally import ChunkFigures, QualityTally, RaterSums, chunk_figures
from annotator.quality.project_agreement import Settings
from annotator.sources.costs import label_costs, project_currency, sources_by_id
from annotator.store.project import Project

OnChunk = Callable[[Chunk, ChunkFigures], None]


@dataclass
class QualityReport:
    project: str
    currency: str | None
    scope: dict[str, Any]
    settings: dict[str, Any]
    n_items: int
    n_labels: int
    agreement: dict[str, dict[str, Any]]  # criterion -> all labels in scope
    within_sources: dict[str, dict[str, dict[str, Any]]]  # source -> criterion -> agreement
    sources: list[dict[str, Any]]
    annotators: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "currency": self.currency,
            "scope": self.scope,
            "settings": self.settings,
            "n_items": self.n_items,
            "n_labels": self.n_labels,
            "agreement": self.agreement,
            "within_sources": self.within_sources,
            "sources": self.sources,
            "annotators": self.annotators,
            "notes": self.notes,
        }

    def source(self, name: str) -> dict[str, Any]:
        return next(s for s in self.sources if s["source"] == name)


def scan(
    project: Project,
    scope: Scope | None = None,
    *,
    settings: Settings | None = None,
    real_names: bool = False,
    on_chunk: OnChunk | None = None,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
    item_columns: str = "i.id, i.pairwise",
    chunk_items: int | None = None,
    arrow: ArrowLabels | None = None,
) -> QualityReport:
    """One pass over the scope: the quality report, and each chunk handed to `on_chunk`
    (`arrow`: read the labels through adbc, see `labels.arrow_read`)."""
    scope = scope or Scope()
    settings = settings or Settings()
    options: dict[str, Any] = {"item_columns": item_columns, "arrow": arrow}
    if chunk_items:
        options["chunk_items"] = chunk_items
    stream = LabelStream(project, scope, **options)
    sources = sources_by_id(project)
    tally = QualityTally(stream, stream.count_labels())
    for chunk in stream.chunks(progress, cancelled):
        costs = _costs(chunk, sources)
        figures = chunk_figures(chunk, costs)
        tally.add(chunk, figures)
        if on_chunk is not None:
            on_chunk(chunk, figures)
    if cancelled is not None and cancelled():
        raise Cancelled("Stopped; nothing was written.")
    return _report(project, stream, tally, scope, settings, real_names)


def _costs(chunk: Chunk, sources: dict[int, Any]) -> np.ndarray:
    """Cost per label (`label_costs`; a NULL figure is NaN in the columns, which it reads
    as it reads None)."""
    raw = chunk.raw
    stored = raw[L_COST]
    if not np.isnan(stored).any():  # every label stored its cost: nothing to price
        return stored.astype(float)
    figures = (raw[L_COST].tolist(), raw[L_DURATION].tolist(), raw[L_TOKENS].tolist())
    return label_costs(*figures, chunk.source, sources)


def source_quality(
    project: Project,
    scope: Scope | None = None,
    *,
    settings: Settings | None = None,
    real_names: bool = False,
    progress: Progress | None = None,
) -> QualityReport:
    """What `annotator sources PROJECT` prints (see the module docstring)."""
    return scan(project, scope, settings=settings, real_names=real_names, progress=progress)


# -- the report -----------------------------------------------------------------------------------


def _report(
    project: Project,
    stream: LabelStream,
    tally: QualityTally,
    scope: Scope,
    settings: Settings,
    real_names: bool,
) -> QualityReport:
    names = stream.names
    sources = sources_by_id(project)
    pseudonyms = dict(project.rows("SELECT id, pseudonym FROM annotators"))
    shown = {a: (names.annotators[a] if real_names else pseudonyms[a]) for a in names.annotators}
    agreement = {
        spec.name: criterion_agreement(tally, spec, None, settings).to_dict()
        for spec in stream.specs
    }
    used_sources = sorted(
        {names.annotator_source[r] for r in tally.raters}, key=lambda s: names.sources[s]
    )
    within = {
        names.sources[s]: {
            spec.name: criterion_agreement(tally, spec, s, settings).to_dict()
            for spec in stream.specs
        }
        for s in used_sources
    }
    repeats = repeat_consistency(project, stream, tally)
    reliability, ds_notes = dawid_skene_reliability(tally, stream)
    per_rater_vs = versus_experts(tally, stream, settings, per_source=False)
    per_source_vs = versus_experts(tally, stream, settings, per_source=True)
    annotators = []
    for rater in sorted(
        tally.raters, key=lambda r: (names.sources[names.annotator_source[r]], shown[r])
    ):
        sums = tally.raters[rater]
        source = sources[names.annotator_source[rater]]
        row = {"annotator": shown[rater], "source": source.name, "kind": source.kind}
        row.update(
            _figures(
                sums,
                per_rater_vs.get(rater, {}),
                reliability.get(rater),
                repeats.get(rater),
                source,
                sums.n_items,
            )
        )
        annotators.append(row)
    rows = []
    for source_id in used_sources:
        source = sources[source_id]
        members = [r for r in tally.raters if names.annotator_source[r] == source_id]
        sums = _combine([tally.raters[r] for r in members])
        weights = [(reliability[r], tally.raters[r].n_labels) for r in members if r in reliability]
        ds = (
            sum(v * n for v, n in weights) / sum(n for _, n in weights)
            if weights and sum(n for _, n in weights)
            else None
        )
        same = [repeats[r] for r in members if r in repeats]
        repeat = (sum(a for a, _ in same), sum(b for _, b in same)) if same else None
        row = {
            "source": source.name,
            "kind": source.kind,
            "model_id": source.model_id,
            "model_version": source.model_version,
            "prompt_version": source.prompt_version,
            "cost_type": source.cost_model.type if source.cost_model else None,
            "cost_amount": source.cost_model.amount if source.cost_model else None,
            "n_annotators": len(members),
        }
        row.update(
            _figures(
                sums,
                per_source_vs.get(source_id, {}),
                ds,
                repeat,
                source,
                tally.source_items.get(source_id, 0),
            )
        )
        rows.append(row)
    notes = ds_notes
    if any(s.cost_model is None for s in sources.values() if s.id in used_sources):
        notes.append(
            "A source without a cost model has no cost unless its labels stored one; set one "
            "with 'annotator sources PROJECT --set-cost SOURCE TYPE AMOUNT'."
        )
    return QualityReport(
        project=project.name,
        currency=project_currency([sources[s] for s in used_sources]),
        scope=scope.to_dict(),
        settings={
            "n_boot": settings.n_boot,
            "seed": settings.seed,
            "confidence": settings.confidence,
        },
        n_items=tally.n_items,
        n_labels=tally.n_labels,
        agreement=agreement,
        within_sources=within,
        sources=rows,
        annotators=annotators,
        notes=notes,
    )


def _combine(parts: list[RaterSums]) -> RaterSums:
    out = RaterSums()
    for p in parts:
        for name in (
            "n_labels",
            "n_items",
            "cost_total",
            "n_priced",
            "tokens",
            "anchor_answers",
            "anchor_correct",
            "anchor_labels",
            "anchor_labels_matched",
        ):
            setattr(out, name, getattr(out, name) + getattr(p, name))
        out.durations += p.durations
    return out


def _figures(
    sums: RaterSums,
    versus: dict[str, dict[str, Any]],
    ds: float | None,
    repeat: tuple[int, int] | None,
    source: Any,
    n_items: int,
) -> dict[str, Any]:
    """The flat figures of one source or annotator (see the module docstring)."""
    currency = source.cost_model.currency if source.cost_model else None
    priced = sums.n_priced
    cost_total = sums.cost_total if priced else None
    per_label = cost_total / priced if priced else None
    anchor_accuracy = sums.anchor_correct / sums.anchor_answers if sums.anchor_answers else None
    by_key = _by_key(versus)
    # the match rate pools labels over criteria with a scale (not numeric: exact equality
    # with a mean of experts says nothing about a continuous value)
    scaled = [v for v in versus.values() if v.get("match") is not None and v["level"] != "interval"]
    compared = sum(v["n_labels"] for v in scaled)
    matched = sum(v["match"] * v["n_labels"] for v in scaled)
    match = matched / compared if compared else None
    if anchor_accuracy is not None:
        share, basis = anchor_accuracy, "anchor accuracy"
    elif match is not None:
        share, basis = match, "match with the expert consensus"
    else:
        share, basis = None, None
    per_correct = per_label / share if per_label is not None and share else None
    return {
        "n_labels": sums.n_labels,
        "n_items": n_items,
        "currency": currency,
        "cost_total": cost_total,
        "n_labels_priced": priced,
        "cost_per_label": per_label,
        "cost_per_item": cost_total / n_items if cost_total is not None and n_items else None,
        "anchor_answers": sums.anchor_answers,
        "anchor_accuracy": anchor_accuracy,
        "anchor_labels": sums.anchor_labels,
        "anchor_labels_matched": sums.anchor_labels_matched,
        "expert_kappa": _mean(by_key, "kappa"),
        "expert_alpha": _mean(by_key, "alpha"),
        "expert_match": match,
        "expert_labels_compared": compared,
        "ds_reliability": ds,
        "repeat_pairs": repeat[1] if repeat else 0,
        "self_consistency": repeat[0] / repeat[1] if repeat and repeat[1] else None,
        "median_active_s": sums.median_duration(),
        "correct_share": share,
        "correct_basis": basis,
        "cost_per_correct_label": per_correct,
        "criteria": versus,
    }


def _by_key(versus: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Multilabel options averaged into their criterion first."""
    grouped: dict[str, dict[str, list[float]]] = {}
    for name, figures in versus.items():
        key = name.split("[", 1)[0]
        for what in ("kappa", "alpha"):
            if figures.get(what) is not None:
                grouped.setdefault(key, {}).setdefault(what, []).append(figures[what])
    return {k: {w: float(np.mean(v)) for w, v in d.items()} for k, d in grouped.items()}


def _mean(by_key: dict[str, dict[str, float]], what: str) -> float | None:
    values = [d[what] for d in by_key.values() if what in d]
    return float(np.mean(values)) if values else None


__all__ = ["QualityReport", "scan", "source_quality"]

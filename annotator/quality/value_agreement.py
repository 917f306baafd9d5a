"""Agreement and disagreement on a small, explicit set of labels (a calibration round,
the same items under two rubric versions), straight from their values.

The project-wide figures read every effective label as numpy columns
(`label_data`); a session's round is a few dozen labels picked by a link table,
so here the values come in as plain records and each criterion is measured at
the level its kind implies, over the rubric's own scale: nominal for binary,
categorical and preference, ordinal over every scale point, interval for
numeric; a multilabel criterion counts per option (ticked or not; a label with
nothing ticked stores no value, so on an item the criterion applies to, a
missing multilabel value means "none of these", as in `label_data`); free text
has no agreement.

    >>> figures = agreement_by_criterion(version, [("it-1", "Ana", {"quality": 3}), ...])
    >>> figures["quality"]["alpha"], figures["quality"]["alpha_ci"]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.rubric.model import Criterion, RubricDraft
from annotator.stats.agreement import compute_all
from annotator.stats.coefficient import Coefficient
from annotator.stats.defaults import N_BOOT
from annotator.stats.disagreement import item_disagreement
from annotator.stats.reliability import ReliabilityData
from annotator.store.project import Project

Record = tuple[Hashable, Hashable, dict[str, Any]]  # (item, rater, values)
Pairwise = Mapping[Hashable, bool]  # item -> pairwise? (which criteria apply to it)
SHOWN = ("alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement")


@dataclass(frozen=True)
class Part:
    """One measurable part of a criterion: the criterion itself, or one multilabel option."""

    name: str
    criterion: Criterion
    level: str
    domain: tuple[Hashable, ...] | None  # None: the observed values (numeric)
    extract: Callable[[Any], Hashable | None]

    @property
    def key(self) -> str:
        return self.criterion.key

    def value_in(self, values: dict[str, Any], pairwise: bool) -> Any:
        """The raw value of a label for this part (None: no answer)."""
        if self.key in values:
            return values[self.key]
        if self.criterion.kind == "multilabel" and self.criterion.applies(pairwise):
            return []  # nothing ticked
        return None


def parts_of(criterion: Criterion) -> list[Part]:
    """What agreement is measured on for a criterion (nothing for free text)."""
    if criterion.kind == "text":
        return []
    if criterion.kind == "multilabel":
        return [
            Part(
                f"{criterion.key}[{value}]",
                criterion,
                "nominal",
                (False, True),
                lambda chosen, v=value: None if chosen is None else v in chosen,
            )
            for value in criterion.option_values
        ]
    domain = None if criterion.kind == "numeric" else tuple(criterion.option_values)
    return [Part(criterion.key, criterion, criterion.level or "nominal", domain, _same)]


def _same(value: Any) -> Any:
    return value


def reliability(
    part: Part, records: Iterable[Record], pairwise: Pairwise | None = None
) -> ReliabilityData:
    """Items x raters for one part; values off the part's scale are left out."""
    rows = []
    for item, rater, values in records:
        raw = part.value_in(values, bool(pairwise and pairwise.get(item)))
        if raw is None:
            continue
        value = part.extract(raw)
        if value is None or (part.domain is not None and value not in part.domain):
            continue
        rows.append((item, rater, value))
    return ReliabilityData.from_records(rows, value_domain=part.domain)


def pairwise_of(project: Project, item_ids: Iterable[str]) -> dict[str, bool]:
    """item id -> whether it is a pairwise (A/B) item."""
    ids = list(dict.fromkeys(item_ids))
    out: dict[str, bool] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = project.rows(
            f"SELECT id, pairwise FROM items WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        )
        out.update({row[0]: bool(row[1]) for row in rows})
    return out


def figures(coefficients: dict[str, Coefficient], data: ReliabilityData, level: str) -> dict:
    """JSON-ready: each coefficient K as a number with K_ci and K_reason, plus counts."""
    out: dict[str, Any] = {
        "level": level,
        "n_items": int((data.ratings_per_item >= 2).sum()),
        "n_labels": data.n_labels,
        "n_raters": int(((data.codes >= 0).any(axis=0)).sum()),
    }
    for key in SHOWN:
        coefficient = coefficients.get(key)
        if coefficient is None:
            continue
        out[key] = coefficient.value
        out[f"{key}_ci"] = list(coefficient.ci) if coefficient.ci is not None else None
        out[f"{key}_reason"] = coefficient.reason
    return out


def agreement_by_criterion(
    rubric: RubricDraft,
    records: Sequence[Record],
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    keys: Sequence[str] | None = None,
    pairwise: Pairwise | None = None,
) -> dict[str, dict[str, Any]]:
    """part name -> agreement figures (alpha, Fleiss, AC1, percent, with bootstrap
    intervals over items), for every criterion of `rubric` (or only `keys`)."""
    out: dict[str, dict[str, Any]] = {}
    for criterion in rubric.criteria:
        if keys is not None and criterion.key not in keys:
            continue
        for part in parts_of(criterion):
            data = reliability(part, records, pairwise)
            if data.n_labels == 0:
                continue
            results = compute_all(data, part.level, n_boot=n_boot, seed=seed)  # type: ignore[arg-type]
            out[part.name] = {"criterion": criterion.key, **figures(results, data, part.level)}
    return out


def disagreement_by_item(
    rubric: RubricDraft, records: Sequence[Record], pairwise: Pairwise | None = None
) -> dict[Hashable, dict[str, float]]:
    """item -> criterion key -> disagreement 0..1 (`disagreement.item_disagreement`,
    a multilabel criterion averaged over its options); items need two labels."""
    sums: dict[Hashable, dict[str, list[float]]] = {}
    for criterion in rubric.criteria:
        for part in parts_of(criterion):
            data = reliability(part, records, pairwise)
            if data.n_labels == 0:
                continue
            scored = item_disagreement(data, part.level)  # type: ignore[arg-type]
            for item, score in zip(data.items, scored.scores.tolist(), strict=True):
                if np.isfinite(score):
                    sums.setdefault(item, {}).setdefault(criterion.key, []).append(score)
    return {
        item: {key: float(np.mean(scores)) for key, scores in by_key.items()}
        for item, by_key in sums.items()
    }


__all__ = [
    "Part",
    "agreement_by_criterion",
    "disagreement_by_item",
    "pairwise_of",
    "parts_of",
    "reliability",
]

"""Agreement in a project, per criterion and scope (all labels, a source, a group).

Each criterion is measured at the level its rubric kind implies (see
`label_data`): Krippendorff's alpha, Fleiss' kappa, Gwet's AC1 and percent
agreement (Cohen's kappa too when exactly two people labeled), each with a
seeded percentile bootstrap interval over items and the number of items and
labels it rests on. Degenerate data gives "not defined, because ..." reasons.

    >>> results = project_agreement(project, sources=["experts"])
    >>> results["coherence"].value("alpha"), results["coherence"].ci("alpha")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.labels.data import (
    CriterionError,
    LabelTable,
    Names,
    criterion_specs,
    load_names,
)
from annotator.labels.load import load_all
from annotator.stats.agreement import compute_all
from annotator.stats.coefficient import Coefficient
from annotator.stats.defaults import N_BOOT
from annotator.stats.reliability import ReliabilityData
from annotator.store.project import Project


@dataclass(frozen=True)
class Settings:
    """Bootstrap settings every figure shares (the same settings give the same intervals)."""

    n_boot: int = N_BOOT
    seed: int | None = 0
    confidence: float = 0.95
    # only these coefficients (`compute_all` keys), None for all: a table showing three
    # need not pay for the rest, and the ones it shows come out the same either way
    keys: tuple[str, ...] | None = None

    def smaller(self, n_boot: int) -> Settings:
        return Settings(min(self.n_boot, n_boot), self.seed, self.confidence, self.keys)


@dataclass(frozen=True)
class CriterionAgreement:
    """Every coefficient of one criterion in one scope."""

    name: str
    level: str
    scale: tuple[Any, ...]
    coefficients: dict[str, Coefficient]
    n_items: int
    n_labels: int
    n_raters: int
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def value(self, key: str = "alpha") -> float | None:
        found = self.coefficients.get(key)
        return found.value if found is not None else None

    def ci(self, key: str = "alpha") -> tuple[float, float] | None:
        found = self.coefficients.get(key)
        return found.ci if found is not None else None

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON: each coefficient K as a number, with K_ci, K_reason, K_n_items."""
        out: dict[str, Any] = {
            "level": self.level,
            "scale": [_plain(v) for v in self.scale],
            "n_items": self.n_items,
            "n_labels": self.n_labels,
            "n_raters": self.n_raters,
            "coefficients": list(self.coefficients),
        }
        for key, c in self.coefficients.items():
            out[key] = c.value
            out[f"{key}_ci"] = list(c.ci) if c.ci is not None else None
            out[f"{key}_reason"] = c.reason
            out[f"{key}_n_items"] = c.n_items
        if self.note:
            out["note"] = self.note
        for key, value in self.extra.items():
            out[key] = value.to_dict() if isinstance(value, CriterionAgreement) else value
        return out


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# -- one scope ------------------------------------------------------------------------------------


def rater_data(table: LabelTable, names: Names) -> ReliabilityData:
    """Items x annotators (named), or slots for a huge crowd (see LabelTable.reliability)."""
    data = table.reliability()
    if data.raters and isinstance(data.raters[0], str):
        return data  # anonymous slots
    shown = tuple(names.annotators.get(int(r), str(r)) for r in data.raters)
    return ReliabilityData(data.codes, data.values, data.items, shown)


def measure(
    table: LabelTable, names: Names, settings: Settings, data: ReliabilityData | None = None
) -> CriterionAgreement:
    """Every coefficient on a table of labels (one criterion, one scope)."""
    data = data if data is not None else rater_data(table, names)
    results = compute_all(
        data,
        table.level,  # type: ignore[arg-type]
        n_boot=settings.n_boot,
        seed=settings.seed,
        confidence=settings.confidence,
        keys=settings.keys,
    )
    n_raters = table.n_raters()
    if n_raters != data.n_raters:  # anonymous slots: Cohen's kappa between slots is meaningless
        results = {k: v for k, v in results.items() if not k.startswith("cohen_kappa")}
    note = None
    if table.off_scale:
        note = f"{table.off_scale} labels with values off the rubric's scale were left out"
    return CriterionAgreement(
        table.spec.name,
        table.level,
        tuple(table.values),
        results,
        table.n_items(),
        len(table),
        n_raters,
        note,
    )


# -- the project --------------------------------------------------------------------------------


def tables(
    project: Project, criteria: Sequence[str] | None = None, rubric_version: int | None = None
) -> dict[str, LabelTable]:
    """spec name -> labels, for the criteria asked (keys or `key[option]` names)."""
    specs = criterion_specs(project, rubric_version)
    if criteria:
        wanted = set(criteria)
        known = {s.key for s in specs} | {s.name for s in specs}
        unknown = [c for c in criteria if c not in known]
        if unknown:
            raise CriterionError(
                f"No criterion {unknown[0]!r} with agreement in this project's rubric "
                f"(it has: {', '.join(dict.fromkeys(s.key for s in specs)) or 'none'})."
            )
        specs = [s for s in specs if s.key in wanted or s.name in wanted]
    loaded = load_all(project, rubric_version, specs=specs)
    if rubric_version is not None:
        loaded = {k: t.subset(t.version == rubric_version) for k, t in loaded.items()}
    return loaded


def project_agreement(
    project: Project,
    *,
    criteria: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    rubric_version: int | None = None,
    settings: Settings | None = None,
) -> dict[str, CriterionAgreement]:
    """criterion name -> agreement over all labels (or these sources' labels)."""
    settings = settings or Settings()
    names = load_names(project)
    ids = names.source_ids(sources)
    out = {}
    for name, table in tables(project, criteria, rubric_version).items():
        if ids is not None:
            table = table.subset(np.isin(table.source, ids))
        out[name] = measure(table, names, settings)
    return out

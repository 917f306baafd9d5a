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
- a verdict from stated `Thresholds`, and the items with the largest gaps.

The reference is "consensus" (adjudicated value first, else the expert consensus:
`expert_reference`), "experts" (the expert labels' consensus alone) or another
source's per-item consensus.

    >>> result = judge_alignment(project, "acme-judge@2026-09-30")
    >>> result.criteria[0].verdict
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from annotator.base.errors import NotFoundError
from annotator.judges.align_pairs import Boot, against_the_rest, coefficients
from annotator.labels.data import LabelTable, Names, criterion_specs, item_ids, load_names
from annotator.labels.load import load_all
from annotator.labels.reference import EXPERT, Reference, consensus, expert_reference
from annotator.labels.reference import is_numeric as numeric
from annotator.stats.coefficient import Coefficient
from annotator.stats.defaults import CONFIDENCE, N_BOOT, SEED
from annotator.store.project import Project

STANDS_IN = "stands in"
ASSIST_ONLY = "assist only"
NOT_TRUSTED = "not trusted"
N_ERRS = 10
_BOOT_BATCH = 100


@dataclass(frozen=True)
class Thresholds:
    """When a judge stands in for people, only assists, or is not trusted.

    stands in: the lower bound of its agreement interval >= human ceiling - margin,
    and |bias| <= max_bias (criterion units; nominal: every option's rate within
    max_rate_gap of the reference's). not trusted: agreement below not_trusted_below
    (or not defined). Otherwise: assist only."""

    stands_in_margin: float = 0.05
    max_bias: float = 0.25
    max_rate_gap: float = 0.10
    not_trusted_below: float = 0.40

    def describe(self) -> str:
        return (
            f"stands in: agreement lower bound >= human ceiling - {self.stands_in_margin:g} "
            f"and |bias| <= {self.max_bias:g} (nominal: option rates within "
            f"{self.max_rate_gap:g}); not trusted: agreement < {self.not_trusted_below:g}"
        )


@dataclass
class CriterionAlignment:
    criterion: str
    level: str
    scale: list[Any]
    coefficient: str  # the key of `agreement` the verdict rests on
    n_items: int
    agreement: dict[str, Coefficient]
    confusion: list[list[int]] | None
    bias: dict[str, Any]
    ceiling: dict[str, Any]
    verdict: str
    reason: str
    errs: list[dict[str, Any]]
    paired: dict[str, list[Any]] = field(repr=False, default_factory=dict)  # item, reference, judge

    def main(self) -> Coefficient:
        return self.agreement[self.coefficient]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["agreement"] = {k: c.to_dict() for k, c in self.agreement.items()}
        out.pop("paired")
        out["ceiling_relation"] = ceiling_relation(self)
        return out


@dataclass
class Alignment:
    project: str
    judge: str
    kind: str
    against: str
    thresholds: Thresholds
    settings: dict[str, Any]
    criteria: list[CriterionAlignment]
    notes: list[str] = field(default_factory=list)

    def criterion(self, key: str) -> CriterionAlignment:
        return next(c for c in self.criteria if c.criterion == key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "judge": self.judge,
            "kind": self.kind,
            "against": self.against,
            "thresholds": asdict(self.thresholds),
            "thresholds_text": self.thresholds.describe(),
            "settings": self.settings,
            "criteria": [c.to_dict() for c in self.criteria],
            "notes": self.notes,
        }


def judge_alignment(
    project: Project,
    name: str,
    *,
    against: str = "consensus",
    criterion: str | None = None,
    n_boot: int = N_BOOT,
    seed: int | None = SEED,
    thresholds: Thresholds = Thresholds(),
) -> Alignment:
    """The judge (any label source; normally kind llm_judge) against `against`."""
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
        results.append(
            _criterion(project, table, judged, reference, names, name, settings, thresholds)
        )
    return Alignment(
        project.path.name,
        name,
        _kind(names, judge),
        against,
        thresholds,
        {"n_boot": n_boot, "seed": seed, "confidence": CONFIDENCE},
        results,
        notes,
    )


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


def _scale_numbers(table: LabelTable) -> np.ndarray:
    """A number per scale position: the option itself when all are numbers, else its position."""
    values = table.values
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float)
    return np.arange(len(values), dtype=float)


def _criterion(
    project: Project,
    table: LabelTable,
    judged: LabelTable,
    reference: Reference,
    names: Names,
    name: str,
    settings: Boot,
    thresholds: Thresholds,
) -> CriterionAlignment:
    mine = consensus(judged)
    assert mine is not None
    common, in_mine, in_ref = np.intersect1d(mine.items, reference.items, return_indices=True)
    own, ref = mine.value[in_mine], reference.value[in_ref]
    raters = ("reference", name)
    agreement = coefficients(ref, own, table, common.tolist(), raters, settings)
    nominal = table.level == "nominal"
    if nominal:  # weights need ordered values: not defined, not shown
        agreement = {k: c for k, c in agreement.items() if not k.startswith("cohen_kappa_")}
    key = "cohen_kappa" if nominal else "cohen_kappa_quadratic"
    is_numeric = numeric(table)
    scale = list(table.values)
    if is_numeric:
        own_n, ref_n = own, ref
        confusion = None
        shown_ref, shown_own = ref.tolist(), own.tolist()
    else:
        numbers = _scale_numbers(table)
        own_n, ref_n = numbers[own.astype(int)], numbers[ref.astype(int)]
        matrix = np.zeros((len(scale), len(scale)), dtype=np.int64)
        np.add.at(matrix, (ref.astype(int), own.astype(int)), 1)
        confusion = matrix.tolist()
        shown_ref = table.value_of(ref.astype(int))
        shown_own = table.value_of(own.astype(int))
    if nominal:
        bias = _rates(own.astype(int), ref.astype(int), scale)
        gap = (own != ref).astype(float)
    else:
        bias = _bias(own_n - ref_n, settings)
        gap = np.abs(own_n - ref_n)
    ceiling = _ceiling(table, names, common, key, settings)
    verdict, reason = _verdict(agreement[key], bias, ceiling, nominal, thresholds)
    order = np.lexsort((common, -gap))[:N_ERRS]
    order = order[gap[order] > 0]
    ids = item_ids(project, common[order].tolist())
    errs = [
        {
            "item": ids.get(int(common[i]), str(int(common[i]))),
            "reference": _plain(shown_ref[i]),
            "judge": _plain(shown_own[i]),
            "gap": float(gap[i]),
        }
        for i in order.tolist()
    ]
    return CriterionAlignment(
        table.spec.name,
        table.level,
        [_plain(v) for v in scale],
        key,
        len(common),
        agreement,
        confusion,
        bias,
        ceiling,
        verdict,
        reason,
        errs,
        {"item": common.tolist(), "reference": ref_n.tolist(), "judge": own_n.tolist()},
    )


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _bias(diff: np.ndarray, settings: Boot) -> dict[str, Any]:
    n = len(diff)
    ci = None
    if settings.n_boot > 0 and n > 0:
        rng = np.random.default_rng(settings.seed)
        means = []
        for start in range(0, settings.n_boot, _BOOT_BATCH):
            size = min(_BOOT_BATCH, settings.n_boot - start)
            means.append(diff[rng.integers(0, n, (size, n))].mean(axis=1))
        tail = (1 - settings.confidence) / 2 * 100
        low, high = np.percentile(np.concatenate(means), [tail, 100 - tail])
        ci = [float(low), float(high)]
    return {
        "mean_difference": float(diff.mean()) if n else None,
        "ci": ci,
        "share_higher": float((diff > 0).mean()) if n else None,
        "share_lower": float((diff < 0).mean()) if n else None,
    }


def _rates(own: np.ndarray, ref: np.ndarray, scale: list[Any]) -> dict[str, Any]:
    k, n = len(scale), max(len(own), 1)
    judge = np.bincount(own, minlength=k) / n
    theirs = np.bincount(ref, minlength=k) / n
    rates = [
        {"value": _plain(v), "judge": float(judge[i]), "reference": float(theirs[i])}
        for i, v in enumerate(scale)
    ]
    return {"rates": rates, "max_rate_gap": float(np.abs(judge - theirs).max()) if k else 0.0}


def _ceiling(
    table: LabelTable, names: Names, items: np.ndarray, key: str, settings: Boot
) -> dict[str, Any]:
    """Each expert against every other expert label on these items, averaged."""
    experts = [s for s, kind in names.source_kinds.items() if kind == EXPERT]
    mine = table.subset(np.isin(table.source, experts) & np.isin(table.item, items))
    values, lows, highs, who = [], [], [], []
    for rater in np.unique(mine.rater).tolist():
        shown = names.annotators.get(rater, str(rater))
        found = against_the_rest(mine, rater, shown, settings).get(key)
        if found is None or found.value is None:
            continue
        values.append(found.value)
        who.append(shown)
        if found.ci is not None:
            lows.append(found.ci[0])
            highs.append(found.ci[1])
    if not values:
        return {"value": None, "ci": None, "experts": [], "per_expert": []}
    ci = [float(np.mean(lows)), float(np.mean(highs))] if lows else None
    return {
        "value": float(np.mean(values)),
        "ci": ci,
        "experts": who,
        "per_expert": [float(v) for v in values],
    }


def _verdict(
    main: Coefficient,
    bias: dict[str, Any],
    ceiling: dict[str, Any],
    nominal: bool,
    t: Thresholds,
) -> tuple[str, str]:
    if main.value is None:
        return NOT_TRUSTED, f"{main.name} is {main.reason}"
    if main.value < t.not_trusted_below:
        return NOT_TRUSTED, f"{main.name} {main.value:.3f} < {t.not_trusted_below:g}"
    lower = main.ci[0] if main.ci is not None else main.value
    if nominal:
        off, bias_ok = bias["max_rate_gap"], bias["max_rate_gap"] <= t.max_rate_gap
        bias_text = (
            f"largest option-rate gap {off:.3f} {'<=' if bias_ok else '>'} {t.max_rate_gap:g}"
        )
    else:
        off = abs(bias["mean_difference"])
        bias_ok = off <= t.max_bias
        bias_text = f"|bias| {off:.3f} {'<=' if bias_ok else '>'} {t.max_bias:g}"
    if ceiling["value"] is None:
        return ASSIST_ONLY, "no human ceiling (fewer than two experts on these items); " + bias_text
    bar = ceiling["value"] - t.stands_in_margin
    close = lower >= bar
    text = (
        f"lower bound {lower:.3f} {'>=' if close else '<'} ceiling "
        f"{ceiling['value']:.3f} - {t.stands_in_margin:g}; {bias_text}"
    )
    return (STANDS_IN if close and bias_ok else ASSIST_ONLY), text


def ceiling_relation(row: CriterionAlignment) -> str:
    """Whether the judge's agreement interval exceeds, overlaps or falls below the ceiling's."""
    main, ceiling = row.main(), row.ceiling
    if main.value is None or ceiling["value"] is None:
        return "not comparable"
    low, high = main.ci if main.ci is not None else (main.value, main.value)
    c_low, c_high = ceiling["ci"] or (ceiling["value"], ceiling["value"])
    if low > c_high:
        return "exceeds it"
    if high < c_low:
        return "falls below it"
    return "overlaps it"


# -- text -----------------------------------------------------------------------------------------

_AGAINST = {
    "consensus": "the expert consensus (adjudicated value first)",
    "experts": "the expert labels' consensus",
}


def _ci(ci: Any) -> str:
    return f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""


def _coefficient(c: Coefficient) -> str:
    if c.value is None:
        return f"  {c.name}: {c.reason}"
    return f"  {c.name}: {c.value:.3f}{_ci(c.ci)}"


def format_alignment(result: Alignment) -> str:
    """What `annotator judge align` prints."""
    against = _AGAINST.get(result.against, f"source {result.against!r}")
    s = result.settings
    lines = [
        f"Judge {result.judge} ({result.kind}) against {against}; "
        f"{s['n_boot']} resamples, seed {s['seed']}",
        f"Thresholds: {result.thresholds.describe()}",
    ]
    for row in result.criteria:
        lines += ["", f"{row.criterion} ({row.level}, {row.n_items} items)"]
        lines += [_coefficient(c) for c in row.agreement.values()]
        c = row.ceiling
        if c["value"] is None:
            lines.append("  human ceiling: not defined (fewer than two experts on these items)")
        else:
            lines.append(
                f"  human ceiling: {c['value']:.3f}{_ci(c['ci'])} ({len(c['experts'])} experts, "
                f"each against the rest); the judge {ceiling_relation(row)}"
            )
        b = row.bias
        if "rates" in b:
            rates = ", ".join(
                f"{r['value']} {r['judge']:.2f} vs {r['reference']:.2f}" for r in b["rates"]
            )
            lines.append(f"  option rates (judge vs reference): {rates}")
        elif b["mean_difference"] is not None:
            lines.append(
                f"  bias (judge - reference): {b['mean_difference']:+.3f}{_ci(b['ci'])}; "
                f"higher on {b['share_higher']:.0%}, lower on {b['share_lower']:.0%}"
            )
        if row.confusion is not None:
            width = max(len(str(v)) for v in [*row.scale, *sum(row.confusion, [])]) + 1
            lines.append("  confusion (rows: reference, columns: judge):")
            lines.append("    " + " " * width + "".join(f"{v!s:>{width}}" for v in row.scale))
            for value, counts in zip(row.scale, row.confusion, strict=True):
                lines.append(f"    {value!s:>{width}}" + "".join(f"{n:>{width}}" for n in counts))
        lines.append(f"  verdict: {row.verdict} ({row.reason})")
        if row.errs:
            lines.append("  largest gaps (item: reference -> judge):")
            lines += [f"    {e['item']}: {e['reference']} -> {e['judge']}" for e in row.errs]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)

"""Agreement on a file of labels, no project needed: what `annotator agreement --labels` runs.

A lead with a spreadsheet of labels from anywhere (a crowd platform, another
tool) gets every coefficient with intervals in one command. The file is long
format, one label per row: CSV or JSONL with `item`, `rater` and `value`
(or `import-labels`' names `item_id` and `annotator`; other columns are
ignored; an empty value means "not labeled"). Every row is checked first, and a
bad one stops the run with its file, line and field.

    >>> result = run_quick("labels.csv", level="ordinal", scale="1,2,3,4,5")
    >>> result["alpha"], result["alpha_ci"], result["fleiss_kappa_reason"]
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.base.errors import AnnotatorError, InputError
from annotator.base.readers import detect_format, iter_records
from annotator.stats.agreement import compute_all
from annotator.stats.coefficient import LEVELS, Coefficient, Level, check_level
from annotator.stats.defaults import N_BOOT
from annotator.stats.reliability import ReliabilityData, is_number

COLUMNS = ("item", "rater", "value")
# The names `import-labels` uses are accepted too, so one file serves both commands.
ALIASES = {"item": ("item", "item_id"), "rater": ("rater", "annotator"), "value": ("value",)}
COEFFICIENT_KEYS = (
    "alpha",
    "cohen_kappa",
    "cohen_kappa_linear",
    "cohen_kappa_quadratic",
    "fleiss_kappa",
    "gwet_ac1",
    "percent_agreement",
)


@dataclass(frozen=True)
class QuickLabels:
    """Validated labels of one file, ready for the statistics."""

    path: Path
    data: ReliabilityData
    scale: tuple[Hashable, ...] | None


def parse_scale(scale: str | Sequence[Any] | None) -> tuple[Hashable, ...] | None:
    """`"1,2,3,4,5"` -> (1, 2, 3, 4, 5); text stays text: `"bad,ok,good"`. In order."""
    if scale is None:
        return None
    parts = [p.strip() for p in scale.split(",")] if isinstance(scale, str) else list(scale)
    parts = [p for p in parts if not (isinstance(p, str) and not p)]
    numbers = [_as_number(p) for p in parts]
    values: list[Hashable] = numbers if all(n is not None for n in numbers) else parts  # type: ignore[assignment]
    if len(values) < 2:
        raise AnnotatorError(f"--scale needs at least two values, got {values}")
    seen: set[Hashable] = set()
    for value in values:
        if value in seen:
            raise AnnotatorError(f"--scale lists {value!r} twice")
        seen.add(value)
    return tuple(values)


def read_labels(
    path: str | Path, level: Level = "nominal", scale: str | Sequence[Any] | None = None
) -> QuickLabels:
    """Read and check a long label file; errors name the file, line and field."""
    path = Path(path)
    level = check_level(level)
    domain = parse_scale(scale)
    numeric_scale = domain is not None and all(is_number(v) for v in domain)
    if level in ("interval", "ratio") and domain is not None and not numeric_scale:
        raise AnnotatorError(f"the {level} level needs a scale of numbers, got {list(domain)}")
    numeric = level in ("interval", "ratio") or numeric_scale or (level == "ordinal" and not domain)
    on_scale = set(domain) if domain is not None else None

    records: list[tuple[Hashable, Hashable, Hashable]] = []
    first_line: dict[tuple[Hashable, Hashable], int] = {}
    fmt = detect_format(path)
    checked_header = False
    for line, record in iter_records(path, fmt):
        if isinstance(record, InputError):
            raise record
        if not checked_header:
            _check_columns(path, fmt, line, record)
            checked_header = True
        item = _identifier(path, line, record, "item")
        rater = _identifier(path, line, record, "rater")
        value = _value(path, line, record, numeric, level)
        if value is None:
            continue
        if on_scale is not None and value not in on_scale:
            shown = ", ".join(str(v) for v in domain or ())
            raise InputError(path, line, "value", f"{value!r} is not on the scale {shown}")
        key = (item, rater)
        if key in first_line:
            raise InputError(
                path,
                line,
                "rater",
                f"rater {rater!r} already labeled item {item!r} on line {first_line[key]}; "
                "keep one label per rater and item",
            )
        first_line[key] = line
        records.append((item, rater, value))
    data = ReliabilityData.from_records(records, value_domain=domain)
    return QuickLabels(path, data, domain)


def run_quick(
    path: str | Path,
    level: Level = "nominal",
    scale: str | Sequence[Any] | None = None,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Every coefficient on a label file, as a JSON-ready dict.

    For each coefficient key K (alpha, cohen_kappa[_linear|_quadratic] with
    exactly two raters, fleiss_kappa, gwet_ac1, percent_agreement): K is a
    number or None, `K_ci` is [low, high] or None, `K_reason` says why K is
    None (else None). Also: file, level, scale, n_items, n_labels, n_raters,
    n_boot, seed, confidence, and `coefficients` (the order to show them in).
    """
    labels = read_labels(path, level, scale)
    results = compute_all(labels.data, level, n_boot=n_boot, seed=seed, confidence=confidence)
    out: dict[str, Any] = {
        "file": str(labels.path),
        "level": level,
        "scale": list(labels.scale) if labels.scale is not None else None,
        "n_items": labels.data.n_items,
        "n_labels": labels.data.n_labels,
        "n_raters": labels.data.n_raters,
        "n_boot": n_boot,
        "seed": seed,
        "confidence": confidence,
        "coefficients": list(results),
    }
    for key, coefficient in results.items():
        out[key] = coefficient.value
        out[f"{key}_ci"] = list(coefficient.ci) if coefficient.ci is not None else None
        out[f"{key}_reason"] = coefficient.reason
        out[f"{key}_name"] = coefficient.name
    return out


def format_table(result: dict[str, Any]) -> str:
    """The human form of `run_quick`'s result: one line per coefficient."""
    scale = f", scale {', '.join(str(v) for v in result['scale'])}" if result.get("scale") else ""
    percent = round(100 * result.get("confidence", 0.95))
    lines = [
        f"{result['file']}: {result['n_items']:,} items, {result['n_labels']:,} labels, "
        f"{result['n_raters']:,} raters; level {result['level']}{scale}",
        "",
        f"  {'coefficient':<34} {'value':>7}   {percent}% interval",
    ]
    for key in result.get("coefficients", [k for k in COEFFICIENT_KEYS if k in result]):
        name = result.get(f"{key}_name", key)
        value = result[key]
        if value is None:
            lines.append(f"  {name:<34} {'-':>7}   {result[f'{key}_reason']}")
            continue
        ci = result.get(f"{key}_ci")
        interval = f"{ci[0]:.3f} to {ci[1]:.3f}" if ci else "-"
        lines.append(f"  {name:<34} {value:>7.3f}   {interval}")
    if result.get("n_boot"):
        lines += [
            "",
            f"Intervals: percentile bootstrap over items, {result['n_boot']:,} resamples, "
            f"seed {result['seed']}.",
        ]
    return "\n".join(lines)


def coefficient_from_result(result: dict[str, Any], key: str) -> Coefficient:
    """One coefficient back out of a `run_quick` result (for callers that want the type)."""
    ci = result.get(f"{key}_ci")
    return Coefficient(
        result.get(f"{key}_name", key),
        result[key],
        (ci[0], ci[1]) if ci else None,
        result["n_items"],
        result["n_labels"],
        result.get(f"{key}_reason"),
    )


# -- field checks -------------------------------------------------------------------------------


def _check_columns(path: Path, fmt: str, line: int, record: dict[str, Any]) -> None:
    if fmt != "csv":
        return  # JSONL: each line is checked on its own, below
    for column in COLUMNS:
        if not any(name in record for name in ALIASES[column]):
            have = ", ".join(record) or "none"
            also = " or ".join(ALIASES[column][1:])
            named = f" (or {also})" if also else ""
            raise InputError(path, 1, column, f"missing column{named} (the header has: {have})")


def _identifier(path: Path, line: int, record: dict[str, Any], field: str) -> Hashable:
    present = next((name for name in ALIASES[field] if name in record), None)
    if present is None:
        raise InputError(path, line, field, "missing")
    value = record[present]
    if isinstance(value, str):
        value = value.strip()
        if value:
            return value
        raise InputError(path, line, field, "empty")
    if value is None:
        raise InputError(path, line, field, "empty")
    if is_number(value) and math.isfinite(value):
        return value
    raise InputError(path, line, field, f"must be text or a number, not {value!r}")


def _value(
    path: Path, line: int, record: dict[str, Any], numeric: bool, level: str
) -> Hashable | None:
    """The label's value, None when the row leaves it empty (not labeled)."""
    if "value" not in record:
        raise InputError(path, line, "value", "missing")
    raw = record["value"]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) and not is_number(raw):
        raise InputError(path, line, "value", f"must be text or a number, not {raw!r}")
    if isinstance(raw, str):
        raw = raw.strip()
    if not numeric:
        return raw
    number = _as_number(raw)
    if number is None:
        hint = (
            "give the order of text values with --scale, e.g. --scale bad,ok,good"
            if level == "ordinal"
            else f"the {level} level needs numbers"
        )
        raise InputError(path, line, "value", f"{raw!r} is not a number; {hint}")
    return number


def _as_number(value: Any) -> int | float | None:
    """A finite number from a number or numeric text, else None; "3" -> 3, "2.5" -> 2.5."""
    if is_number(value):
        return value if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


__all__ = [
    "COEFFICIENT_KEYS",
    "COLUMNS",
    "LEVELS",
    "QuickLabels",
    "coefficient_from_result",
    "format_table",
    "parse_scale",
    "read_labels",
    "run_quick",
]

"""Reading anchors from a JSONL file, checked line by line against a rubric version.

Each line: `{"item_id": ..., "values": {criterion: value}, "rationale": "...",
"tolerance"?: {criterion: number}}`. Every line is checked before anything is
written; each problem names the file, the line and the field, and one bad
line means no anchor from the file is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.base.errors import AnnotatorError, InputError
from annotator.base.readers import iter_records
from annotator.rubric.model import CriterionProblem, RubricVersion
from annotator.store.project import Project

ANCHOR_FIELDS = ("item_id", "values", "rationale", "tolerance")
MAX_SHOWN = 20


class AnchorFileError(AnnotatorError):
    """An anchors file has problems; nothing from it was added."""

    def __init__(self, path: str | Path, errors: list[InputError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {error}" for error in errors[:MAX_SHOWN])
        more = f"\n  ... and {len(errors) - MAX_SHOWN} more" if len(errors) > MAX_SHOWN else ""
        noun = "problem" if len(errors) == 1 else "problems"
        super().__init__(
            f"{path}: {len(errors)} {noun}; no anchor was added. Fix the file and add it again:"
            f"\n{shown}{more}"
        )


@dataclass(frozen=True)
class AnchorSpec:
    """A checked anchor, ready to be written."""

    item_id: str
    values: dict[str, Any]
    rationale: str
    tolerances: dict[str, float] = field(default_factory=dict)
    line: int | None = None


def check_anchor(
    project: Project,
    version: RubricVersion,
    record: dict[str, Any],
    path: str | Path | None = None,
    line: int | None = None,
) -> AnchorSpec:
    """One anchor record checked against the project's items and `version`.

    Raises InputError naming the field (`values.KEY`, `tolerance.KEY`, ...).
    """

    def fail(field_name: str | None, message: str) -> InputError:
        return InputError(path, line, field_name, message)

    unknown = sorted(set(record) - set(ANCHOR_FIELDS))
    if unknown:
        raise fail(unknown[0], f"unknown field (an anchor has {', '.join(ANCHOR_FIELDS)})")
    raw_id = record.get("item_id")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        raise fail("item_id", "is missing")
    if isinstance(raw_id, (bool, dict, list, float)):
        raise fail("item_id", "must be text or a whole number")
    item_id = str(raw_id).strip()
    row = project.row("SELECT pairwise FROM items WHERE id = ?", (item_id,))
    if row is None:
        raise fail("item_id", f"no item {item_id!r} in this project")
    values = record.get("values")
    if not isinstance(values, dict) or not values:
        raise fail("values", "must be an object {criterion: reference value} with at least one")
    try:
        clean = version.check_values(values, pairwise=bool(row[0]), require_complete=False)
    except CriterionProblem as problem:
        where = f"values.{problem.key}" if problem.key else "values"
        raise fail(where, f"{problem} (rubric {version.label})") from None
    for key, raw in values.items():  # "none of these" is a reference answer too
        if raw == [] and version.criterion(key).kind == "multilabel":
            clean[key] = []
    clean = {key: clean[key] for key in version.keys if key in clean}
    if not clean:
        raise fail("values", "holds no reference value (all empty)")
    rationale = record.get("rationale")
    if not isinstance(rationale, str) or not rationale.strip():
        raise fail("rationale", "is missing: say why the reference answer is right")
    tolerances = _tolerances(version, record.get("tolerance"), fail)
    return AnchorSpec(item_id, clean, rationale.strip(), tolerances, line)


def _tolerances(version: RubricVersion, raw: Any, fail: Any) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise fail("tolerance", "must be an object {criterion: number}")
    out = {}
    for key, value in raw.items():
        if key not in version.keys:
            raise fail(f"tolerance.{key}", "unknown criterion")
        if version.criterion(key).kind not in ("ordinal", "numeric"):
            raise fail(f"tolerance.{key}", "only ordinal and numeric criteria have a tolerance")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise fail(f"tolerance.{key}", "must be a number, 0 or more")
        out[key] = float(value)
    return out


def read_anchor_file(
    project: Project, path: str | Path, version: RubricVersion
) -> list[AnchorSpec]:
    """Every anchor in the file, or AnchorFileError listing every problem found."""
    path = Path(path)
    if not path.exists():
        raise AnnotatorError(f"{path}: no such file.")
    specs: list[AnchorSpec] = []
    errors: list[InputError] = []
    seen: dict[str, int] = {}
    try:
        for line, record in iter_records(path, "jsonl"):
            if isinstance(record, InputError):
                errors.append(record)
                continue
            try:
                spec = check_anchor(project, version, record, path, line)
            except InputError as error:
                errors.append(error)
                continue
            if spec.item_id in seen:
                errors.append(
                    InputError(
                        path,
                        line,
                        "item_id",
                        f"item already has an anchor on line {seen[spec.item_id]}",
                    )
                )
                continue
            seen[spec.item_id] = line
            specs.append(spec)
    except InputError as error:  # the file as a whole (empty, unreadable)
        errors.append(error)
    if errors:
        raise AnchorFileError(path, errors)
    return specs

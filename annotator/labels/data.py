"""One criterion's effective labels as numpy columns: what agreement, consensus and drift read.

Why columns: a million labels as Python objects cost seconds and gigabytes;
as seven numpy arrays (label id, item, annotator, source, rubric version, time,
value code) they cost tens of megabytes, and every scope (a source, a week, a
slice) is a boolean mask. `label_load` fills them with one SQL query,
`json_extract` doing the JSON work inside SQLite.

A criterion's level and value domain come from the rubric: nominal for binary,
categorical and preference; ordinal over the full scale (points nobody used
included); interval for numeric (the observed values); a multilabel criterion
becomes one binary criterion per option; free text has no agreement.

    >>> specs = criterion_specs(project)
    >>> table = load_labels(project, specs[0])
    >>> data = table.reliability()          # ReliabilityData: items x raters
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.labels.scope import json_path
from annotator.rubric.model import Criterion, RubricVersion
from annotator.rubric.versions import get_version, list_versions
from annotator.stats.reliability import MISSING, ReliabilityData, is_number
from annotator.store.project import Project

JULIAN_MONDAY = 2440591.5  # 1970-01-05T00:00Z, a Monday: weeks start on Mondays (UTC)
EPOCH_MONDAY = datetime(1970, 1, 5, tzinfo=UTC)
DENSE_CELL_LIMIT = 20_000_000  # items x raters cells above which raters become slots


class CriterionError(AnnotatorError):
    """A criterion named by the user does not exist or has no agreement (free text)."""


@dataclass(frozen=True)
class CriterionSpec:
    """What the statistics need to know about one criterion (or one multilabel option)."""

    key: str
    title: str
    kind: str
    level: str | None
    values: tuple[Hashable, ...]  # the scale; empty for numeric (observed values are used)
    versions: tuple[int, ...]  # rubric version ids that carry the criterion
    option: Hashable | None = None  # a multilabel criterion's option, as present/absent
    criterion: Criterion | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        """The key, or `key[option]` for one option of a multilabel criterion."""
        return self.key if self.option is None else f"{self.key}[{self.option}]"


@dataclass(frozen=True)
class Positions:
    """Each label's item and rater as positions in the criterion's sorted distinct items
    and raters: found once per criterion (one sort), so a scope (a mask) needs no sort."""

    items: np.ndarray  # sorted distinct items.seq of the whole criterion
    item_pos: np.ndarray  # (labels,) position of each label's item in `items`
    raters: np.ndarray
    rater_pos: np.ndarray

    @classmethod
    def of(cls, item: np.ndarray, rater: np.ndarray) -> Positions:
        items, item_pos = _unique_inverse(item)
        raters, rater_pos = _unique_inverse(rater)
        return cls(items, item_pos, raters, rater_pos)

    def subset(self, mask: np.ndarray) -> Positions:
        return Positions(self.items, self.item_pos[mask], self.raters, self.rater_pos[mask])


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True); by counting when the ids are small
    non-negative integers (items.seq, annotator ids), which needs no sort."""
    if values.size and values.dtype.kind in "iu" and values.min() >= 0:
        top = int(values.max())
        if top < max(1 << 20, 4 * values.size):
            used = np.zeros(top + 1, dtype=bool)
            used[values] = True
            renumber = np.cumsum(used) - 1
            return np.nonzero(used)[0].astype(values.dtype), renumber[values]
    distinct_values, inverse = np.unique(values, return_inverse=True)
    return distinct_values, inverse.reshape(-1)


def compact(keys: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The keys used by `pos` (still sorted) and `pos` renumbered over them: what
    `np.unique(keys[pos], return_inverse=True)` gives, in O(labels + keys)."""
    used = np.zeros(len(keys), dtype=bool)
    used[pos] = True
    renumber = np.cumsum(used) - 1
    return keys[used], renumber[pos]


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of a column of small non-negative ids (sources, versions,
    raters) without a sort; any other column goes through np.unique."""
    if values.size and values.dtype.kind in "iu" and values.min() >= 0 and values.max() < 1 << 20:
        return np.nonzero(np.bincount(values))[0].astype(values.dtype)
    return np.unique(values)


@dataclass(frozen=True, eq=False)
class LabelTable:
    """Effective labels of one criterion; every array has one entry per label."""

    spec: CriterionSpec
    values: tuple[Hashable, ...]  # the value domain `code` points into
    label_id: np.ndarray
    item: np.ndarray  # items.seq
    rater: np.ndarray  # annotators.id
    source: np.ndarray  # sources.id
    version: np.ndarray  # rubric_versions.id
    day: np.ndarray  # julian day of submission (UTC)
    code: np.ndarray  # position in `values`
    off_scale: int = 0  # labels dropped because their value is not on the scale
    positions: Positions | None = None  # item and rater positions (see Positions)

    def __len__(self) -> int:
        return len(self.label_id)

    @property
    def level(self) -> str:
        return self.spec.level or "nominal"

    @property
    def week(self) -> np.ndarray:
        """Week number of each label (weeks start Monday 00:00 UTC)."""
        return np.floor((self.day - JULIAN_MONDAY) / 7).astype(np.int64)

    def subset(self, mask: np.ndarray) -> LabelTable:
        mask = np.asarray(mask)
        return replace(
            self,
            label_id=self.label_id[mask],
            item=self.item[mask],
            rater=self.rater[mask],
            source=self.source[mask],
            version=self.version[mask],
            day=self.day[mask],
            code=self.code[mask],
            positions=None if self.positions is None else self.positions.subset(mask),
        )

    def with_positions(self) -> LabelTable:
        """This table with its item and rater positions found (once per criterion)."""
        if self.positions is not None:
            return self
        return replace(self, positions=Positions.of(self.item, self.rater))

    def item_index(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted distinct items, each label's position among them)."""
        if self.positions is None:
            items, index = np.unique(self.item, return_inverse=True)
            return items, index.reshape(-1)
        return compact(self.positions.items, self.positions.item_pos)

    def rater_index(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted distinct raters, each label's position among them)."""
        if self.positions is None:
            raters, index = np.unique(self.rater, return_inverse=True)
            return raters, index.reshape(-1)
        return compact(self.positions.raters, self.positions.rater_pos)

    def n_items(self) -> int:
        if self.positions is None:
            return len(np.unique(self.item))
        return int(np.count_nonzero(np.bincount(self.positions.item_pos)))

    def value_of(self, codes: np.ndarray) -> list[Any]:
        return [self.values[c] for c in np.asarray(codes).tolist()]

    def n_raters(self) -> int:
        if self.positions is None:
            return len(np.unique(self.rater))
        return int(np.count_nonzero(np.bincount(self.positions.rater_pos)))

    def reliability(self, rater_key: np.ndarray | None = None) -> ReliabilityData:
        """Items x raters codes over this table's value domain.

        Raters are annotator ids (or `rater_key`, one per label). When items x
        raters would not fit in memory (a crowd of thousands), each item's labels
        go to anonymous slots instead: alpha, Fleiss' kappa, AC1 and percent
        agreement depend only on each item's value counts, so they are unchanged.
        """
        items_u, item_idx = self.item_index()
        if rater_key is None:
            raters_u, rater_idx = self.rater_index()
        else:
            raters_u, rater_idx = np.unique(np.asarray(rater_key), return_inverse=True)
            rater_idx = rater_idx.reshape(-1)
        if len(items_u) * max(len(raters_u), 1) > DENSE_CELL_LIMIT:
            return _slot_reliability(items_u, item_idx, self.code, self.values)
        codes = np.full((len(items_u), len(raters_u)), MISSING, dtype=np.int32)
        codes[item_idx, rater_idx] = self.code
        return ReliabilityData(
            codes, self.values, tuple(items_u.tolist()), tuple(raters_u.tolist())
        )


def _slot_reliability(
    items_u: np.ndarray, item_idx: np.ndarray, code: np.ndarray, values: tuple[Hashable, ...]
) -> ReliabilityData:
    order = np.argsort(item_idx, kind="stable")
    sorted_items = item_idx[order]
    counts = np.bincount(sorted_items, minlength=len(items_u))
    slot = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts)
    width = int(counts.max()) if len(counts) else 0
    codes = np.full((len(items_u), width), MISSING, dtype=np.int32)
    codes[sorted_items, slot] = code[order]
    slots = tuple(f"slot {i + 1}" for i in range(width))
    return ReliabilityData(codes, values, tuple(items_u.tolist()), slots)


# -- criteria ---------------------------------------------------------------------------------


def _rubric_versions(project: Project, rubric_version: int | None) -> list[RubricVersion]:
    if rubric_version is not None:
        return [get_version(project, rubric_version)]
    versions = list_versions(project)
    if not versions:
        return []
    active = project.meta("active_rubric")
    mine = [v for v in versions if v.name == active] if active else versions
    return mine or versions


def _merged_scale(criteria: list[Criterion]) -> tuple[Hashable, ...]:
    """The newest version's options, plus options only older versions had.

    Ordinal points are numbers, so their union is put in numeric order."""
    newest = criteria[-1]
    seen = list(newest.option_values)
    for older in reversed(criteria[:-1]):
        if older.kind != newest.kind:
            continue
        for value in older.option_values:
            if not any(same_value(value, v) for v in seen):
                seen.append(value)
    if newest.kind == "ordinal":
        seen.sort(key=float)
    return tuple(seen)


def criterion_specs(
    project: Project,
    rubric_version: int | None = None,
    *,
    keys: Sequence[str] | None = None,
    include_text: bool = False,
) -> list[CriterionSpec]:
    """The criteria to measure, in the newest version's order, multilabels split per option.

    `rubric_version` (a rubric_versions.id) limits to that version's criteria and
    scale; otherwise every version of the active rubric counts, with the newest
    version's definition and the union of the versions' scales.
    """
    versions = _rubric_versions(project, rubric_version)
    by_key: dict[str, list[tuple[int, Criterion]]] = {}
    order: list[str] = []
    for version in reversed(versions):  # newest first decides the order
        for criterion in version.criteria:
            if criterion.key not in by_key:
                order.append(criterion.key)
            by_key.setdefault(criterion.key, []).insert(0, (version.id, criterion))
    if keys is not None:
        unknown = [k for k in keys if k not in by_key]
        if unknown:
            raise CriterionError(
                f"No criterion {unknown[0]!r} in this project's rubric "
                f"(it has: {', '.join(order) or 'none'})."
            )
        order = [k for k in order if k in keys]
    specs: list[CriterionSpec] = []
    for key in order:
        entries = by_key[key]
        newest = entries[-1][1]
        kind_versions = tuple(vid for vid, c in entries if c.kind == newest.kind)
        same_kind = [c for _, c in entries if c.kind == newest.kind]
        if newest.kind == "text":
            if include_text:
                specs.append(CriterionSpec(key, newest.title, "text", None, (), kind_versions))
            continue
        if newest.kind == "multilabel":
            for option in _merged_scale(same_kind):
                specs.append(
                    CriterionSpec(
                        key,
                        newest.title,
                        "multilabel",
                        "nominal",
                        (False, True),
                        kind_versions,
                        option=option,
                        criterion=newest,
                    )
                )
            continue
        values = () if newest.kind == "numeric" else _merged_scale(same_kind)
        specs.append(
            CriterionSpec(
                key,
                newest.title,
                newest.kind,
                newest.level,
                values,
                kind_versions,
                criterion=newest,
            )
        )
    return specs


def criterion_spec(project: Project, key: str, rubric_version: int | None = None) -> CriterionSpec:
    """The spec of one (non-multilabel) criterion; multilabel and text are refused."""
    specs = criterion_specs(project, rubric_version, keys=[key], include_text=True)
    if not specs:
        raise NotFoundError(f"No criterion {key!r} in this project's rubric.")
    if specs[0].kind == "text":
        raise CriterionError(f"Criterion {key!r} is free text: it has no agreement or consensus.")
    return specs[0]


# -- loading ----------------------------------------------------------------------------------


def same_value(option: Any, raw: Any) -> bool:
    """Whether a value read back by json_extract (true -> 1) is this option's value."""
    if isinstance(option, bool):
        return (isinstance(raw, bool) and raw is option) or (
            isinstance(raw, int) and not isinstance(raw, bool) and raw == int(option)
        )
    if isinstance(option, str):
        return isinstance(raw, str) and raw == option
    return is_number(raw) and float(raw) == float(option)


# -- names ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Display names for ids: annotators, sources (with kinds), rubric versions."""

    annotators: dict[int, str]
    annotator_source: dict[int, int]
    sources: dict[int, str]
    source_kinds: dict[int, str]
    versions: dict[int, str]

    def source_ids(self, names: Sequence[str] | None) -> list[int] | None:
        """Ids of sources named (or of these kinds); an unknown name is an error."""
        if names is None:
            return None
        by_name = {v: k for k, v in self.sources.items()}
        ids: list[int] = []
        for name in names:
            if name in by_name:
                ids.append(by_name[name])
                continue
            kinds = [k for k, kind in self.source_kinds.items() if kind == name]
            if not kinds:
                have = ", ".join(sorted(by_name)) or "none"
                raise NotFoundError(f"No label source named {name!r} (sources: {have}).")
            ids.extend(kinds)
        return ids


def load_names(project: Project, real_names: bool = True) -> Names:
    """Display names; with `real_names=False` each annotator is their pseudonym (what
    a file that leaves the machine shows: the report, an export)."""
    annotators, owner = {}, {}
    column = "name" if real_names else "pseudonym"
    for row in project.rows(f"SELECT id, {column}, source_id FROM annotators"):
        annotators[row[0]] = row[1]
        owner[row[0]] = row[2]
    sources, kinds = {}, {}
    for row in project.rows("SELECT id, name, kind FROM sources"):
        sources[row[0]] = row[1]
        kinds[row[0]] = row[2]
    versions = {
        row[0]: f"{row[1]} v{row[2]}"
        for row in project.rows(
            "SELECT v.id, r.name, v.version FROM rubric_versions v "
            "JOIN rubrics r ON r.id = v.rubric_id"
        )
    }
    return Names(annotators, owner, sources, kinds, versions)


def item_ids(project: Project, seqs: Sequence[int]) -> dict[int, str]:
    """items.seq -> items.id for these seqs.

    Many seqs: one range query (then filtered) beats thousands of IN lists."""
    wanted = sorted({int(s) for s in seqs})
    out: dict[int, str] = {}
    if len(wanted) > 2_000:
        low, high = wanted[0], wanted[-1]
        cursor = project.conn.execute(
            "SELECT seq, id FROM items WHERE seq BETWEEN ? AND ?", (low, high)
        )
        keep = set(wanted) if high - low + 1 > 2 * len(wanted) else None
        while rows := cursor.fetchmany(100_000):
            out.update((s, i) for s, i in rows if keep is None or s in keep)
        return out
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in project.rows(
            f"SELECT seq, id FROM items WHERE seq IN ({', '.join('?' * len(chunk))})", chunk
        ):
            out[row[0]] = row[1]
    return out


def week_start(week: int) -> str:
    """The Monday (UTC) a week number starts on, as YYYY-MM-DD."""
    return (EPOCH_MONDAY + timedelta(weeks=int(week))).date().isoformat()


def day_to_iso(day: float) -> str:
    """A julian day number as an ISO time (seconds)."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=float(day) - 2440587.5)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


__all__ = [
    "CriterionError",
    "CriterionSpec",
    "LabelTable",
    "Names",
    "Positions",
    "criterion_spec",
    "criterion_specs",
    "day_to_iso",
    "compact",
    "distinct",
    "item_ids",
    "json_path",
    "load_names",
    "same_value",
    "week_start",
]


def observed_span(project: Project, spec: CriterionSpec) -> tuple[float, float] | None:
    """A numeric criterion without min/max: the range of all its labels in the project,
    which `aggregate` measures a mean's confidence against too."""
    c = spec.criterion
    if spec.kind != "numeric" or (
        c is not None and c.minimum is not None and c.maximum is not None
    ):
        return None
    marks = ", ".join("?" * len(spec.versions))
    row = project.row(
        "SELECT min(v), max(v) FROM (SELECT json_extract(values_json, ?) AS v "
        f"FROM effective_labels WHERE rubric_version_id IN ({marks})) WHERE v IS NOT NULL",
        (json_path(spec.key), *spec.versions),
    )
    return None if row is None or row[0] is None else (float(row[0]), float(row[1]))

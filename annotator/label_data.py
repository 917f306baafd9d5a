"""One criterion's effective labels as numpy columns: what agreement, consensus and drift read.

Why columns: a million labels as Python objects cost seconds and gigabytes;
as seven numpy arrays (label id, item, annotator, source, rubric version, time,
value code) they cost tens of megabytes, and every scope (a source, a week, a
slice) is a boolean mask. One SQL query per criterion fills them, with
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

import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from annotator.errors import AnnotatorError, NotFoundError
from annotator.reliability import MISSING, ReliabilityData, is_number
from annotator.rubric import Criterion, RubricVersion
from annotator.rubrics import get_version, list_versions
from annotator.store import Project

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
        )

    def value_of(self, codes: np.ndarray) -> list[Any]:
        return [self.values[c] for c in np.asarray(codes).tolist()]

    def n_raters(self) -> int:
        return len(np.unique(self.rater))

    def reliability(self, rater_key: np.ndarray | None = None) -> ReliabilityData:
        """Items x raters codes over this table's value domain.

        Raters are annotator ids (or `rater_key`, one per label). When items x
        raters would not fit in memory (a crowd of thousands), each item's labels
        go to anonymous slots instead: alpha, Fleiss' kappa, AC1 and percent
        agreement depend only on each item's value counts, so they are unchanged.
        """
        raters = self.rater if rater_key is None else np.asarray(rater_key)
        items_u, item_idx = np.unique(self.item, return_inverse=True)
        raters_u, rater_idx = np.unique(raters, return_inverse=True)
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

_EMPTY_I = np.zeros(0, dtype=np.int64)


def _path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def same_value(option: Any, raw: Any) -> bool:
    """Whether a value read back by json_extract (true -> 1) is this option's value."""
    if isinstance(option, bool):
        return (isinstance(raw, bool) and raw is option) or (
            isinstance(raw, int) and not isinstance(raw, bool) and raw == int(option)
        )
    if isinstance(option, str):
        return isinstance(raw, str) and raw == option
    return is_number(raw) and float(raw) == float(option)


def fetch_rows(
    project: Project,
    spec: CriterionSpec,
    *,
    item_seq_range: tuple[int, int] | None = None,
    view: str = "effective_labels",
) -> list[tuple[Any, ...]]:
    """(label id, item seq, annotator, source, version, julian day, raw value, pairwise)."""
    versions = spec.versions
    if not versions:
        return []
    marks = ", ".join("?" * len(versions))
    sql = (
        "SELECT l.id, i.seq, l.annotator_id, l.source_id, l.rubric_version_id, "
        "julianday(l.submitted_at), json_extract(l.values_json, ?), i.pairwise "
        f"FROM {view} l JOIN items i ON i.id = l.item_id "
        f"WHERE l.rubric_version_id IN ({marks})"
    )
    params: list[Any] = [_path(spec.key), *versions]
    if item_seq_range is not None:
        sql += " AND i.seq BETWEEN ? AND ?"
        params += list(item_seq_range)
    return project.conn.execute(sql, params).fetchall()


def load_labels(
    project: Project,
    spec: CriterionSpec,
    *,
    item_seq_range: tuple[int, int] | None = None,
) -> LabelTable:
    """The effective labels of `spec` as a LabelTable (one query).

    Without a range the whole criterion comes from :func:`load_all` (cached)."""
    if item_seq_range is None:
        cached = load_all(project, specs=[spec])
        return cached[spec.name]
    rows = fetch_rows(project, spec, item_seq_range=item_seq_range)
    if not rows:
        return _empty(spec)
    columns = list(zip(*rows, strict=True))
    base = _Base(
        label_id=np.asarray(columns[0], dtype=np.int64),
        item=np.asarray(columns[1], dtype=np.int64),
        rater=np.asarray(columns[2], dtype=np.int64),
        source=np.asarray(columns[3], dtype=np.int64),
        version=np.asarray(columns[4], dtype=np.int64),
        day=np.asarray(columns[5], dtype=float),
        pairwise=np.asarray(columns[7], dtype=bool),
    )
    raw = np.fromiter(columns[6], dtype=object, count=len(rows))
    return _table(spec, base, raw)


@dataclass(frozen=True)
class _Base:
    label_id: np.ndarray
    item: np.ndarray
    rater: np.ndarray
    source: np.ndarray
    version: np.ndarray
    day: np.ndarray
    pairwise: np.ndarray


_FETCH_ROWS = 200_000


def label_stamp(project: Project) -> int:
    """Changes whenever a label record is added (labels are append-only)."""
    return int(project.scalar("SELECT coalesce(max(id), 0) FROM labels") or 0)


def load_all(
    project: Project,
    rubric_version: int | None = None,
    *,
    specs: Sequence[CriterionSpec] | None = None,
    item_seq_range: tuple[int, int] | None = None,
) -> dict[str, LabelTable]:
    """spec.name -> LabelTable for every criterion, from ONE query over the labels.

    Cached on the open project until a label is added, so every scope of a
    dashboard or report reads the labels once. With `item_seq_range` only the
    labels of those items (by items.seq) are read, uncached: a streaming chunk.
    """
    specs = list(specs) if specs is not None else criterion_specs(project, rubric_version)
    if item_seq_range is not None:  # a slice of the items (streaming): not cached
        return _build(project, specs, item_seq_range)
    stamp = label_stamp(project)
    cache = project.cache.setdefault("label_tables", {})
    if cache.get("stamp") != stamp:
        cache.clear()
        cache["stamp"] = stamp
    tables: dict[str, LabelTable] = cache.setdefault("tables", {})
    wanted = [s for s in specs if s.name not in tables or tables[s.name].spec != s]
    if wanted:
        tables.update(_build(project, wanted, None))
    return {s.name: tables[s.name] for s in specs}


def _build(
    project: Project, specs: list[CriterionSpec], seq_range: tuple[int, int] | None
) -> dict[str, LabelTable]:
    keys = list(dict.fromkeys(s.key for s in specs))
    base, raws = _fetch_all(project, keys, seq_range)
    out = {}
    for spec in specs:
        keep = np.isin(base.version, spec.versions)
        out[spec.name] = _table(spec, _mask_base(base, keep), raws[spec.key][keep])
    return out


def _mask_base(base: _Base, keep: np.ndarray) -> _Base:
    if keep.all():
        return base
    return _Base(*(getattr(base, f)[keep] for f in _Base.__dataclass_fields__))


def _fetch_all(
    project: Project, keys: list[str], seq_range: tuple[int, int] | None = None
) -> tuple[_Base, dict[str, np.ndarray]]:
    extracts = "".join(", json_extract(l.values_json, ?)" for _ in keys)
    sql = (
        "SELECT l.id, i.seq, l.annotator_id, l.source_id, l.rubric_version_id, "
        f"julianday(l.submitted_at), i.pairwise{extracts} "
        "FROM effective_labels l JOIN items i ON i.id = l.item_id"
    )
    params: list[Any] = [_path(k) for k in keys]
    if seq_range is not None:
        sql += " WHERE i.seq BETWEEN ? AND ?"
        params += list(seq_range)
    cursor = project.conn.execute(sql, params)
    parts: list[list[np.ndarray]] = [[] for _ in range(7 + len(keys))]
    types = (np.int64, np.int64, np.int64, np.int64, np.int64, float, bool)
    while True:
        rows = cursor.fetchmany(_FETCH_ROWS)
        if not rows:
            break
        columns = list(zip(*rows, strict=True))
        del rows
        for c, column in enumerate(columns):
            if c < 7:
                parts[c].append(np.asarray(column, dtype=types[c]))
            else:
                parts[c].append(np.fromiter(column, dtype=object, count=len(column)))
    joined = [
        np.concatenate(p) if p else np.zeros(0, dtype=types[c] if c < 7 else object)
        for c, p in enumerate(parts)
    ]
    base = _Base(*joined[:7])
    return base, {key: joined[7 + k] for k, key in enumerate(keys)}


def _table(spec: CriterionSpec, base: _Base, raw: np.ndarray) -> LabelTable:
    off_scale = 0
    if spec.kind == "multilabel":
        code, keep = _multilabel_codes(spec, raw, base.pairwise)
        values = spec.values
    elif spec.kind == "numeric":
        keep = np.array([is_number(v) for v in raw.tolist()], dtype=bool)
        numbers = raw[keep].astype(float)
        uniq, code = np.unique(numbers, return_inverse=True)
        values = tuple(int(v) if float(v).is_integer() else float(v) for v in uniq.tolist())
    else:
        code, keep, off_scale = _option_codes(spec, raw)
        values = spec.values
    table = LabelTable(
        spec=spec,
        values=values,
        label_id=base.label_id[keep],
        item=base.item[keep],
        rater=base.rater[keep],
        source=base.source[keep],
        version=base.version[keep],
        day=base.day[keep],
        code=np.asarray(code, dtype=np.int32).reshape(-1),
        off_scale=off_scale,
    )
    return _latest_per_rater(table)


def _empty(spec: CriterionSpec) -> LabelTable:
    return LabelTable(
        spec,
        spec.values,
        _EMPTY_I,
        _EMPTY_I,
        _EMPTY_I,
        _EMPTY_I,
        _EMPTY_I,
        np.zeros(0),
        np.zeros(0, dtype=np.int32),
    )


def _option_codes(spec: CriterionSpec, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of raw values on the scale; labels without a value are not labels."""
    found, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
    position = np.full(len(uniques) + 1, -1, dtype=np.int32)  # the last: no value (-1)
    for u, value in enumerate(uniques.tolist()):
        for v, option in enumerate(spec.values):
            if same_value(option, value):
                position[u] = v
                break
    code = position[found]
    present = found >= 0
    keep = code >= 0
    return code[keep], keep, int((present & ~keep).sum())


def _multilabel_codes(
    spec: CriterionSpec, raw: np.ndarray, pairwise: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """1 when the option is ticked, 0 when not; a criterion that does not apply to
    the item (pairwise vs single) is no label, a complete label without it is "none"."""
    criterion = spec.criterion
    applies = np.ones(len(raw), dtype=bool)
    if criterion is not None and criterion.applies_to != "all":
        applies = pairwise == (criterion.applies_to == "pairwise")
    cache: dict[Any, int] = {}
    code = np.zeros(len(raw), dtype=np.int32)
    for i, value in enumerate(raw.tolist()):
        if value is None:
            continue
        hit = cache.get(value)
        if hit is None:
            chosen = json.loads(value) if isinstance(value, str) else []
            hit = int(any(same_value(spec.option, c) for c in chosen))
            cache[value] = hit
        code[i] = hit
    return code[applies], applies


def _latest_per_rater(table: LabelTable) -> LabelTable:
    """One label per annotator and item (the newest), whatever the data holds."""
    if len(table) < 2:
        return table
    key = table.item * (int(table.rater.max()) + 1) + table.rater
    order = np.lexsort((-table.label_id, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    if first.all():
        return table
    keep = np.zeros(len(table), dtype=bool)
    keep[order[first]] = True
    return table.subset(keep)


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


def load_names(project: Project) -> Names:
    annotators, owner = {}, {}
    for row in project.rows("SELECT id, name, source_id FROM annotators"):
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
    "criterion_spec",
    "criterion_specs",
    "day_to_iso",
    "item_ids",
    "label_stamp",
    "load_all",
    "load_labels",
    "load_names",
    "same_value",
    "week_start",
]

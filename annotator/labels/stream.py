"""One pass over a project's items and effective labels, a chunk of items at a time.

Why one streaming pass: a quality report and an export need, per item, its
labels, each label's value code per criterion, and the item's agreement; per
source and annotator, sums that add up over items. Reading the labels in item
order, a few thousand items at a time, gives all of that while holding one
chunk in memory, whether the project has a thousand labels or ten million.

Each :class:`Chunk` holds the items in scope (item filters, minimum agreement,
and at least one label in scope or an adjudicated value) and every effective
label on them that passes the version and time filters; `in_scope` marks the
labels the source filter keeps (the others are there as the expert yardstick).
The labels are held as columns (`raw`, in the L_* layout: numpy arrays, text as
numpy objects or, read through adbc, Arrow arrays); `rows` rebuilds tuples for
code that wants them.

    >>> stream = LabelStream(project, Scope())
    >>> for chunk in stream.chunks():
    ...     chunk.n_items, len(chunk.label_id)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.base.errors import AnnotatorError
from annotator.labels.arrow_read import ArrowLabels
from annotator.labels.columns import (  # the row layout is defined there; re-exported
    L_ID,
    L_SEQ,
    L_VALUES,
    Columns,
    arrow_columns,
    label_rows,
    option_codes,
    parse_values,
    pick,
    raw_columns,
    spec_counts,
)
from annotator.labels.data import CriterionSpec, Names, criterion_specs, load_names
from annotator.labels.scope import Scope, json_path
from annotator.stats.disagreement import item_disagreement
from annotator.stats.reliability import ReliabilityData
from annotator.store.project import Project

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]
CHUNK_ITEMS = 5_000  # at most, per chunk
CHUNK_LABELS = 20_000  # about this many labels per chunk


class Cancelled(AnnotatorError):
    """The person asked to stop; nothing half-made is kept."""


@dataclass
class Chunk:
    """Items in scope and the labels on them, for one run of consecutive items."""

    items: list[Any]  # item rows (sqlite3.Row), seq order
    seq: np.ndarray  # their seqs
    is_anchor: np.ndarray  # bool per item
    agreement: np.ndarray  # per item, 0..1, NaN below two labels
    key_agreement: dict[str, np.ndarray]  # criterion key -> per item
    n_labels: np.ndarray  # per item: labels in scope
    raw: list[np.ndarray]  # label columns (L_* positions), item then label id order
    label_id: np.ndarray
    item: np.ndarray  # item seq per label
    item_index: np.ndarray  # position of the label's item in `items`
    rater: np.ndarray
    source: np.ndarray
    in_scope: np.ndarray  # bool: passes the source filter
    latest: np.ndarray  # bool: the newest label of its annotator on its item
    codes: dict[str, np.ndarray]  # spec name -> value position per label (-1: none)
    numbers: dict[str, np.ndarray]  # numeric spec name -> value per label (NaN: none)
    any_adjudicated: bool = True  # False: the project has no decision in force at all

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The labels as rows (L_* layout), built on demand: the hot paths read `raw`."""
        return label_rows(self.raw)


class LabelStream:
    """The project's items and labels within a scope, chunk by chunk (see module doc)."""

    def __init__(
        self,
        project: Project,
        scope: Scope,
        *,
        chunk_items: int | None = None,
        item_columns: str = "i.*",
        arrow: ArrowLabels | None = None,
    ) -> None:
        self.project = project
        self.arrow = arrow  # labels read through adbc, in the project's snapshot (`arrow_read`)
        # With adbc, reads run in a worker thread (adbc releases the GIL) while the pass
        # works on what came before: the next chunk's labels, one chunk ahead, in order.
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="label-read")
            if arrow is not None
            else None
        )
        self.scope = scope
        self.chunk_items = chunk_items or self._chunk_size()
        self.item_columns = item_columns
        self.names: Names = load_names(project)
        every = criterion_specs(
            project, scope.rubric_version, keys=scope.criteria, include_text=True
        )
        self.all_specs: list[CriterionSpec] = every
        self.specs = [s for s in every if s.kind != "text"]  # what has agreement
        self.keys = list(dict.fromkeys(s.key for s in every))
        self.criteria = {s.key: s.criterion for s in every}
        self.kinds = {s.key: s.kind for s in every}
        self.versions = sorted({v for s in every for v in s.versions})
        self.source_ids = (
            set(self.names.source_ids(list(scope.sources)) or []) if scope.sources else None
        )
        self.expert_sources = {s for s, kind in self.names.source_kinds.items() if kind == "expert"}
        self.has_anchor_scores = bool(project.scalar("SELECT EXISTS (SELECT 1 FROM anchor_scores)"))
        # none in force: no chunk needs to ask for its items' decisions (per key, per chunk)
        self.has_adjudications = bool(
            project.scalar("SELECT EXISTS (SELECT 1 FROM current_adjudications)")
        )
        self._item_where, self._item_params = scope.item_where()

    # -- sizes ----------------------------------------------------------------------------
    def _chunk_size(self) -> int:
        """Items per chunk so that a chunk holds about CHUNK_LABELS labels (memory stays flat)."""
        items = int(self.project.scalar("SELECT max(seq) FROM items") or 0)
        labels = int(self.project.scalar("SELECT max(id) FROM labels") or 0)
        per_item = labels / items if items else 1.0
        return int(min(CHUNK_ITEMS, max(100, CHUNK_LABELS / max(per_item, 1.0))))

    def count_labels(self) -> Callable[[], int]:
        """How to get the number of effective labels in the project (any scope): with adbc
        counted in the worker, while the first chunk's items are read."""
        sql = "SELECT count(*) FROM effective_labels"
        if self._pool is None or self.arrow is None:
            total = int(self.project.scalar(sql) or 0)
            return lambda: total
        arrow = self.arrow
        counted = self._pool.submit(arrow.table, sql, [])

        def total() -> int:
            try:
                table = counted.result()
            except Exception:  # noqa: BLE001 - not counted there: count here
                table = None
            if table is None or table.num_rows != 1:
                return int(self.project.scalar(sql) or 0)
            return int(table.column(0)[0].as_py() or 0)

        return total

    def count_items(self) -> int:
        """Items passing the item filters (an upper bound on the items exported)."""
        where = f"WHERE {self._item_where}" if self._item_where else ""
        return int(self.project.scalar(f"SELECT count(*) FROM items i {where}", self._item_params))

    # -- the pass -------------------------------------------------------------------------
    def chunks(
        self, progress: Progress | None = None, cancelled: CancelCheck | None = None
    ) -> Iterator[Chunk]:
        total = self.count_items()
        done = 0
        item_sql = f"SELECT {self.item_columns}, i.seq AS seq_, " + (
            "EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = i.id) AS is_anchor_ "
            f"FROM items i WHERE i.seq > ? {'AND ' + self._item_where if self._item_where else ''} "
            "ORDER BY i.seq LIMIT ?"
        )
        pool = self._pool

        def fetch(after: int) -> tuple[list[Any], Future[Any] | None]:
            items = self.project.rows(item_sql, [after, *self._item_params, self.chunk_items])
            if pool is None or not items:
                return items, None
            low, high = int(items[0]["seq_"]), int(items[-1]["seq_"])
            return items, pool.submit(self._arrow_select, low, high)

        try:
            if cancelled is not None and cancelled():
                raise Cancelled("Stopped; nothing was written.")
            items, ahead = fetch(0)
            while items:
                following = fetch(items[-1]["seq_"])
                done += len(items)
                chunk = self._chunk(items, ahead)
                if chunk is not None:
                    yield chunk
                if progress is not None:
                    progress(done, total)
                if cancelled is not None and cancelled():
                    raise Cancelled("Stopped; nothing was written.")
                items, ahead = following
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
                self._pool = None  # a second pass reads in this thread

    def _label_rows(self, low: int, high: int, ahead: Future[Any] | None = None) -> list[Any]:
        """The labels on items low..high (seqs) as columns (L_* layout), item then id order.

        The values are read as each label's JSON text and parsed in one go
        (`parse_values`, a third of the time json_extract takes per key), but for
        multilabel keys, whose JSON text json_extract gives as SQLite writes it; a
        chunk whose values are not plain JSON objects of scalars is read again with
        json_extract for every key. Sorted in numpy, not by SQLite (a temp B-tree)."""
        extracted = self._extracted()
        raw = ahead.result() if ahead is not None else self._arrow_select(low, high)
        if raw is None:
            raw = self._select(low, high, extracted, with_json=True)
        parsed = parse_values(raw[L_VALUES], [k for k in self.keys if k not in extracted])
        if parsed is None:
            raw = self._select(low, high, self.keys, with_json=False)
        else:
            by_key = dict(zip(extracted, raw[L_VALUES + 1 :], strict=True)) | parsed
            raw = raw[:L_VALUES] + [by_key[k] for k in self.keys]
        order = np.lexsort((raw[L_ID], raw[L_SEQ]))
        if len(order) and (order != np.arange(len(order))).any():
            raw = [pick(column, order) for column in raw]
        return raw

    def _extracted(self) -> list[str]:
        """Keys json_extract reads: multilabel ones (their JSON text is SQLite's), and keys
        whose path SQLite reads its own way (a quote or backslash in the key)."""
        return [k for k in self.keys if self.kinds[k] == "multilabel" or '"' in k or "\\" in k]

    def _sql(self, extracted: list[str], with_json: bool) -> tuple[str, list[Any]]:
        """The labels' SELECT on items BETWEEN ? AND ?: the label columns, then values_json
        (`with_json`), then json_extract per key; and its arguments before the range."""
        extracts = "".join(", json_extract(l.values_json, ?)" for _ in extracted)
        anchor = (
            "(SELECT count(*) FROM anchor_scores s WHERE s.label_id = l.id), "
            "(SELECT total(s.correct) FROM anchor_scores s WHERE s.label_id = l.id)"
            if self.has_anchor_scores
            else "0, 0"
        )
        where, params = self.scope.label_where()
        if self.versions:
            where = " AND ".join(
                p
                for p in (where, f"l.rubric_version_id IN ({', '.join('?' * len(self.versions))})")
                if p
            )
            params = [*params, *self.versions]
        sql = (
            "SELECT l.id, l.uid, i.seq, l.annotator_id, l.source_id, l.rubric_version_id, "
            "l.started_at, l.submitted_at, l.duration_s, l.cost, l.tokens, l.rationale, "
            f"{anchor}{', l.values_json' if with_json else ''}{extracts} "
            "FROM effective_labels l JOIN items i ON i.id = l.item_id "
            f"WHERE i.seq BETWEEN ? AND ? {'AND ' + where if where else ''}"
        )
        return sql, [[json_path(k) for k in extracted], params]

    def _select(self, low: int, high: int, extracted: list[str], *, with_json: bool) -> list[Any]:
        """The labels read through sqlite3 (see `_sql` for the columns)."""
        sql, (paths, params) = self._sql(extracted, with_json)
        cursor = self.project.conn.cursor()
        cursor.row_factory = None  # plain tuples: faster to make and to transpose
        rows = cursor.execute(sql, [*paths, low, high, *params]).fetchall()
        cursor.close()
        return raw_columns(rows, L_VALUES + int(with_json) + len(extracted))

    def _arrow_select(self, low: int, high: int) -> list[Any] | None:
        """The same read through adbc (None: no adbc, or a column not of its type)."""
        if self.arrow is None:
            return None
        extracted = self._extracted()
        sql, (paths, params) = self._sql(extracted, True)
        table = self.arrow.table(sql, [*paths, low, high, *params])
        raw = arrow_columns(table, L_VALUES + 1 + len(extracted))
        if raw is None or not all(_json_arrays(c) for c in raw[L_VALUES + 1 :]):
            return None
        return raw

    def _chunk(self, items: list[Any], ahead: Future[Any] | None = None) -> Chunk | None:
        seq = np.array([row["seq_"] for row in items], dtype=np.int64)
        raw = self._label_rows(int(seq[0]), int(seq[-1]), ahead)
        on_item = np.isin(raw[L_SEQ], seq)  # the item filters may have left some out
        if not on_item.all():
            raw = [pick(column, on_item) for column in raw]
        labels = Columns.of(raw, self, seq, items)
        n_in_scope = np.bincount(labels.item_index[labels.in_scope], minlength=len(items)).astype(
            np.int64
        )
        agreement, per_key = self._agreement(labels, len(items))
        keep = n_in_scope > 0
        adjudicated = (
            self._adjudicated([row["id"] for row in items]) if self.has_adjudications else set()
        )
        if adjudicated:
            keep |= np.array([row["id"] in adjudicated for row in items], dtype=bool)
        if self.scope.min_agreement is not None:
            keep &= np.nan_to_num(agreement, nan=-1.0) >= self.scope.min_agreement - 1e-12
        if not keep.any():
            return None
        if not keep.all():
            position = np.cumsum(keep) - 1
            on_kept = keep[labels.item_index]
            labels = labels.subset(on_kept, position)
            items = [row for row, k in zip(items, keep.tolist(), strict=True) if k]
            seq, agreement, n_in_scope = seq[keep], agreement[keep], n_in_scope[keep]
            per_key = {k: v[keep] for k, v in per_key.items()}
        return Chunk(
            items=items,
            seq=seq,
            is_anchor=np.array([bool(row["is_anchor_"]) for row in items], dtype=bool),
            agreement=agreement,
            key_agreement=per_key,
            n_labels=n_in_scope,
            raw=labels.raw,
            label_id=labels.label_id,
            item=labels.item,
            item_index=labels.item_index,
            rater=labels.rater,
            source=labels.source,
            in_scope=labels.in_scope,
            latest=labels.latest,
            codes=labels.codes,
            numbers=labels.numbers,
            any_adjudicated=self.has_adjudications,
        )

    def _adjudicated(self, item_ids: list[str]) -> set[str]:
        found: set[str] = set()
        keys = self.keys
        for start in range(0, len(item_ids), 500):
            part = item_ids[start : start + 500]
            sql = (
                "SELECT DISTINCT item_id FROM current_adjudications WHERE item_id IN "
                f"({', '.join('?' * len(part))}) AND criterion IN ({', '.join('?' * len(keys))})"
            )
            found.update(r[0] for r in self.project.rows(sql, [*part, *keys]))
        return found

    def _agreement(self, labels: Columns, n_items: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Item agreement (1 - disagreement score) per criterion key and overall.

        A multilabel criterion's options are averaged first, then criteria are
        averaged (as `scopes.item_scores` does)."""
        use = labels.in_scope & labels.latest
        sums: dict[str, np.ndarray] = {}
        counts: dict[str, np.ndarray] = {}
        for spec in self.specs:
            counted, values = spec_counts(
                spec, labels.codes, labels.numbers, use, labels.item_index, n_items
            )
            if counted is None:
                continue
            data = ReliabilityData.from_category_counts(counted, values)
            scores = item_disagreement(data, spec.level or "nominal").scores  # type: ignore[arg-type]
            ok = np.isfinite(scores)
            sums.setdefault(spec.key, np.zeros(n_items))[ok] += scores[ok]
            counts.setdefault(spec.key, np.zeros(n_items))[ok] += 1
        per_key: dict[str, np.ndarray] = {}
        total, n = np.zeros(n_items), np.zeros(n_items)
        for key in sums:
            with np.errstate(invalid="ignore", divide="ignore"):
                score = np.where(counts[key] > 0, sums[key] / counts[key], np.nan)
            per_key[key] = 1.0 - score
            ok = np.isfinite(score)
            total[ok] += score[ok]
            n[ok] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            overall = np.where(n > 0, 1.0 - total / n, np.nan)
        return overall, per_key


def _json_arrays(column: Any) -> bool:
    """Every value of a multilabel column read through adbc is JSON array text (or null):
    anything else may have been a number adbc turned into text, so sqlite3 reads it."""
    # lazy: only Arrow columns get here, after an export loaded pyarrow
    import pyarrow.compute as pc

    return bool(pc.all(pc.starts_with(column, "[")).as_py() is not False)


__all__ = [
    "CHUNK_ITEMS",
    "Cancelled",
    "Chunk",
    "LabelStream",
    "option_codes",
    "spec_counts",
]

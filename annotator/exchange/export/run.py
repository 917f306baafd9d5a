"""Making an export: one pass over the project, files into a fresh folder, then the manifest.

The project file is checked whole (SQLite's quick check): a small file before the
pass, a big one on its own connection in a thread while the pass runs (the check
reads every page, over a second at a million labels; on a second core it costs
the pass almost nothing). A damaged file is refused with the same error either
way, and nothing is moved into place until the check has passed. The files are
written into a hidden folder beside the target (see `partials`) and moved into
place only when everything (manifest included) is written, so a failed or
cancelled export leaves nothing behind, and one killed half-way is cleared by
the next export. The whole read runs in one SQLite read transaction: labels
submitted meanwhile do not half-appear. The labels themselves are read as Arrow
columns through a second, read-only connection pinned to that same snapshot
(`labels.arrow_read`), or through the project connection when that cannot be
had; the tables' item columns through a third (`item_arrays`). The export is
then recorded in the project and the audit log.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

import annotator.exchange.export.card as card
import annotator.exchange.export.croissant as croissant
import annotator.exchange.export.inspect_samples as inspect_samples
import annotator.exchange.export.manifest as manifest
from annotator import __version__
from annotator.base.clock import now_iso
from annotator.base.storage import MB, DiskFullError, free_mb, storage_error
from annotator.exchange.export.columns import (
    SOURCE_COLUMNS,
    Column,
    criterion_columns,
    item_columns,
    judge_figures,
    label_columns,
    object_fields,
    source_row,
)
from annotator.exchange.export.consensus import ChunkConsensus
from annotator.exchange.export.options import ExportError, ExportOptions
from annotator.exchange.export.partials import Partial, clear_stale
from annotator.exchange.export.record import record_export
from annotator.exchange.export.rows import ITEM_FIELDS, RowBuilder
from annotator.exchange.export.whole_check import (
    check_first,
    damaged,
    found_beside,
    start_beside,
    verdict,
    watching,
)
from annotator.exchange.export.writers import (
    FORMULA_PREFIX,
    FORMULA_STARTS,
    ITEM_GROUP_ROWS,
    ROW_GROUP_ROWS,
    TABLE_SUFFIX,
    UNDO_PATTERN,
    Background,
    TableWriter,
    open_writer,
)
from annotator.judges.summary import judge_summaries
from annotator.labels.arrow_read import ArrowLabels
from annotator.labels.columns import (
    L_SUBMITTED,
    L_VERSION,
    as_objects,
    distinct_counts,
    distinct_ids,
    pick,
)
from annotator.labels.data import criterion_specs, load_names
from annotator.labels.scope import describe
from annotator.labels.stream import Cancelled, Chunk
from annotator.quality.by_source.source_quality import QualityReport, scan
from annotator.quality.by_source.tally import ChunkFigures
from annotator.quality.project_agreement import Settings
from annotator.store.project import Project

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]
TABLES = ("items", "labels", "sources")
# Resamples behind the judges' alignment intervals in an export (at most): every export
# recomputes them, so fewer than the tables' statistics; the manifest states the number.
JUDGE_N_BOOT = 200
METHOD_TEXT = {
    "auto": "the median (ordinal criteria), the mean (numeric) or the majority vote (others)",
    "majority": "the majority vote",
    "dawid_skene": "the Dawid-Skene estimate",
    "median": "the median",
    "mean": "the mean",
}


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    path: Path
    format: str
    counts: dict[str, Any]
    files: dict[str, str]
    manifest: dict[str, Any]


def table_paths(fmt: str) -> dict[str, str]:
    """Where each table goes inside the export folder (none for inspect)."""
    if fmt in TABLE_SUFFIX:
        return {t: f"{t}{TABLE_SUFFIX[fmt]}" for t in TABLES}
    if fmt == "hf":
        return {t: f"data/{t}/train-00000-of-00001.parquet" for t in TABLES}
    if fmt == "croissant":
        return {t: f"data/{t}.parquet" for t in TABLES}
    return {}


def decoy_label_ids(project: Project) -> set[int]:
    """Labels made on a decoy (a known-answer item shown with a wrong suggestion)."""
    rows = project.rows("SELECT label_id FROM review_suggestions WHERE decoy_id IS NOT NULL")
    return {row[0] for row in rows}


def _writer_kind(fmt: str) -> str:
    return fmt if fmt in TABLE_SUFFIX else "parquet"


def _prepare_folder(out: Path, overwrite: bool) -> Partial:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: is a file; name a folder for the export.")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ExportError(
            f"{out}: the folder is not empty. Choose a new or empty folder, or replace it "
            "(--overwrite)."
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clear_stale(out.parent)  # what a killed export left, never one still running
        return Partial(out)
    except OSError as exc:
        typed = storage_error(exc, out, doing="the export", hint="export again")
        if isinstance(typed, DiskFullError):
            raise typed from None
        raise ExportError(
            f"{out}: cannot write here ({exc.strerror or exc}); choose another folder."
        ) from None


# Bytes written per byte of project file, generously (measured on the bench project:
# JSONL about 1.3, CSV 1.1, Parquet 0.35): the export refuses up front when the disk
# clearly cannot hold it, instead of failing half-way.
SIZE_PER_PROJECT_BYTE = {"jsonl": 1.6, "csv": 1.4, "parquet": 0.5, "hf": 0.5, "inspect": 1.6,
                         "croissant": 0.5}  # fmt: skip


def _check_room(project: Project, out: Path, fmt: str) -> None:
    """Refuse before starting when the export's predictable size exceeds the free space."""
    need_mb = project.path.stat().st_size * SIZE_PER_PROJECT_BYTE.get(fmt, 1.6) / MB
    free = free_mb(out)
    if free is not None and need_mb > 1 and free < need_mb:
        raise DiskFullError(
            f"The export needs about {need_mb:,.0f} MB and the disk holding {out} has "
            f"{free:,.0f} MB free. Free some space or choose another folder; nothing was "
            "written.",
            out,
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def export_project(
    project: Project,
    out: str | Path,
    options: ExportOptions | None = None,
    *,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
) -> ExportResult:
    """Export the project (see the package docstring). Raises `Cancelled` when asked to stop."""
    options = options or ExportOptions()
    options.check()
    out = Path(out)
    beside = check_first(project)  # a small damaged file is refused here, a big one below
    _check_room(project, out, options.format)
    partial = _prepare_folder(out, options.overwrite)
    temp = partial.folder
    began = False
    arrow = None
    check = None
    try:
        if not project.conn.in_transaction:
            project.conn.execute("BEGIN")  # one consistent snapshot for the whole read
            began = True
            arrow = ArrowLabels.pinned(project)  # the labels as Arrow, in the same snapshot
        # Started once the Arrow readers (child processes) have pinned their snapshot, so
        # the check's reads never slow the moment writers wait on (`arrow_read`).
        check = start_beside(project) if beside else None
        watched = watching(project, check, cancelled)
        facts, files = _write_files(project, temp, options, progress, watched, arrow)
        verdict(project, check)  # nothing is moved into place from a damaged file
        check = None
        if arrow is not None:
            arrow.close()
            arrow = None
        if began:
            project.conn.execute("COMMIT")
            began = False
        if cancelled is not None and cancelled():
            raise Cancelled("Stopped; nothing was written.")
        built = manifest.build_manifest(
            project=project,
            options=options.to_dict(),
            rubrics=facts["rubrics"],
            counts=facts["counts"],
            consensus={"method": options.consensus, "labels_counted": facts["consensus_text"]},
            quality=facts["report"].to_dict(),
            files=files,
            exported_at=now_iso(),
            csv_cells=facts.get("csv_cells"),
            judges=facts["judges"],
            judge_settings=facts["judge_settings"],
        )
        manifest_path = manifest.write_manifest(temp, built)
        digest = manifest.sha256_file(manifest_path)
        if out.exists():
            shutil.rmtree(out)
        temp.rename(out)
    except BaseException as error:
        # the pass failed first: damage, if the check beside it finds it
        problem = found_beside(project, check, error) if check is not None else None
        if arrow is not None:
            arrow.close()
        if began and project.conn.in_transaction:
            project.conn.execute("ROLLBACK")
        partial.discard()
        if problem is not None:
            raise damaged(project, problem) from None
        if type(error) is sqlite3.DatabaseError:  # damage the quick check did not see
            raise damaged(project, str(error)) from None
        typed = storage_error(error, out, doing="the export", hint="export again")
        if isinstance(error, OSError) and typed is not None:
            raise typed from None  # a full disk half-way: the partial folder is gone
        raise
    partial.release()
    record_export(
        project,
        export_id=built["export_id"],
        format=options.format,
        path=str(out.resolve()),
        options=options.to_dict(),
        counts=facts["counts"],
        manifest_sha256=digest,
    )
    return ExportResult(built["export_id"], out, options.format, facts["counts"], files, built)


def _write_files(
    project: Project,
    folder: Path,
    options: ExportOptions,
    progress: Progress | None,
    cancelled: CancelCheck | None,
    arrow: ArrowLabels | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    scope = options.scope
    specs = criterion_specs(project, scope.rubric_version, keys=scope.criteria, include_text=True)
    keys = list(dict.fromkeys(s.key for s in specs))
    kinds = {s.key: s.kind for s in specs}
    versions: dict[str, set[int]] = {}
    for s in specs:
        versions.setdefault(s.key, set()).update(s.versions)
    criteria = criterion_columns(keys, kinds, {s.key: s.criterion for s in specs}, versions)
    try:
        columns = {
            "items": _object_columns(project, item_columns(criteria)),
            "labels": label_columns(criteria),
            "sources": list(SOURCE_COLUMNS),
        }
    except ValueError as exc:
        raise ExportError(f"Cannot lay out the tables: {exc}; rename the criterion.") from None
    paths = table_paths(options.format)
    writers: dict[str, TableWriter] = {}
    for table, relative in paths.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        group = ITEM_GROUP_ROWS if table == "items" else ROW_GROUP_ROWS
        writers[table] = open_writer(
            _writer_kind(options.format), target, columns[table], group, csv_raw=options.csv_raw
        )
    samples = None
    consensus_keys = [c.key for c in criteria if c.consensus]
    if options.format == "inspect":
        samples = inspect_samples.SampleWriter(
            folder / inspect_samples.SAMPLES, consensus_keys, options.prompt_template
        )
    names = load_names(project)
    builder = RowBuilder(
        project,
        criteria,
        names,
        options.real_names,
        ChunkConsensus(project, specs, options.consensus, scope),
    )
    tally = _Counts()
    decoys = set() if options.include_decoys else decoy_label_ids(project)
    # The tables' item columns read as Arrow beside the labels (`item_arrays`); the stream
    # then reads only what the pass needs of each item. Inspect samples take the rows.
    columnar = arrow is not None and samples is None and "items" in writers
    if columnar:
        # lazy: pyarrow is slow to load; only an export's tables read items this way
        from annotator.exchange.export.item_arrays import ItemColumns

        stored = ItemColumns(project, arrow.side if arrow is not None else None)
    # Parquet: the labels' arrays are built in a thread, a chunk at a time (its writer's
    # work holds no GIL); JSON lines and CSV encode in Python, which more threads slow.
    beside = Background() if columnar and _writer_kind(options.format) == "parquet" else None

    def write_labels(chunk: Chunk, figures: ChunkFigures) -> None:
        writers["labels"].write(builder.labels(chunk, figures))

    waiting: list[tuple[Chunk, Callable[[], list[Any]]]] = []  # a chunk awaiting its items

    def write_items() -> None:
        chunk, read = waiting.pop()
        writers["items"].write(builder.items(chunk, read()))
        tally.add(chunk, builder)

    def on_chunk(chunk: Chunk, figures: ChunkFigures) -> None:
        if decoys:  # decoy labels answered a wrong suggestion: out of rows and consensus
            chunk.in_scope &= ~np.isin(chunk.label_id, list(decoys))
            counted = np.bincount(chunk.item_index[chunk.in_scope], minlength=chunk.n_items)
            chunk.n_labels[:] = counted
        if columnar:  # the items read and the labels built in threads, the items'
            # consensus here a chunk behind, once the read is surely done
            read = stored.start(chunk)
            if beside is not None:
                beside.run(write_labels, chunk, figures)
            else:
                write_labels(chunk, figures)
            if waiting:
                write_items()
            waiting.append((chunk, read))
            return
        item_columns = builder.items(chunk)
        tally.add(chunk, builder)
        if "items" in writers:
            writers["items"].write(item_columns)
            writers["labels"].write(builder.labels(chunk, figures))
        if samples is not None:
            overall = item_columns[len(ITEM_FIELDS) + 2]  # the `agreement` column
            behind = inspect_samples.behind_targets(
                chunk, figures, builder.sources, builder.versions
            )
            samples.write(chunk.items, builder.consensus_values(chunk), overall, behind)

    try:
        report = scan(
            project,
            scope,
            settings=Settings(options.n_boot, options.seed, options.confidence),
            real_names=options.real_names,
            on_chunk=on_chunk,
            progress=progress,
            cancelled=cancelled,
            item_columns="i.id, i.pairwise" if columnar else "i.*",
            arrow=arrow,
        )
        if columnar and waiting:
            write_items()
        if beside is not None:
            beside.wait()  # the last chunk's labels; raises what building them raised
        judges, judge_settings = _judges(project, options, report)
        if "sources" in writers:
            extra = judge_figures(judges)
            writers["sources"].write_rows(
                [source_row({**s, **extra.get(s["source"], {})}) for s in report.sources]
            )
    finally:
        if columnar:
            stored.close()
        if beside is not None:
            with suppress(Exception):  # raised above on success; a failure is on its way
                beside.close()
        for writer in writers.values():
            writer.close()
        if samples is not None:
            samples.close()
    facts = _facts(project, options, report, tally, specs, keys, names)
    facts["judges"], facts["judge_settings"] = judges, judge_settings
    if options.format == "csv":
        facts["csv_cells"] = _csv_cells(writers, options.csv_raw)
    if samples is not None:
        facts["counts"]["samples"] = samples.written
        facts["counts"]["items_without_consensus"] = samples.skipped
    if options.format == "hf":
        classes = _classes(criteria, specs)
        text = card.dataset_card(
            facts, {t: f"data/{t}/*.parquet" for t in TABLES}, columns, classes
        )
        (folder / "README.md").write_text(text, encoding="utf-8", newline="\n")
    if options.format == "croissant":
        described = {
            t: (paths[t], manifest.sha256_file(folder / paths[t]), columns[t]) for t in TABLES
        }
        croissant.write_croissant(folder, croissant.croissant_metadata(facts, described))
    return facts, manifest.file_hashes(folder)


def _classes(criteria: list[Any], specs: list[Any]) -> dict[str, tuple[Any, ...]]:
    """Criteria whose options are text -> every option any exported version has (in
    order): the names of their ClassLabel features, so no stored value falls outside."""
    names: dict[str, list[Any]] = {c.key: list(c.options) for c in criteria}
    for spec in specs:
        found = names.get(spec.key)
        extra = [*(spec.criterion.option_values if spec.criterion else ()), spec.option]
        if found is not None:
            found += [o for o in extra if o is not None and o not in found]
    return {
        c.key: tuple(names[c.key])
        for c in criteria
        if c.type in ("string", "list:string")
        and names[c.key]
        and all(isinstance(o, str) for o in names[c.key])
    }


def _object_columns(project: Project, columns: list[Column]) -> list[Column]:
    """The items' tags and metadata columns with their struct fields: every key the
    project's items use, and its type (`arrow_types.object_fields`)."""
    out = []
    for c in columns:
        if c.type == "object":
            pairs = project.rows(  # each distinct text parsed once (tags repeat)
                f"SELECT DISTINCT j.key, j.type FROM (SELECT DISTINCT {c.name} AS t FROM items) "
                "d, json_each(d.t) j"
            )
            c = replace(c, fields=object_fields([(row[0], row[1]) for row in pairs]))
        out.append(c)
    return out


def _judges(
    project: Project, options: ExportOptions, report: QualityReport
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The judges among the exported sources (`judge_summaries`), and how they were made."""
    exported = {s["source"] for s in report.sources}
    n_boot = min(options.n_boot, JUDGE_N_BOOT)
    summaries = judge_summaries(
        project, n_boot=n_boot, seed=options.seed, real_names=options.real_names
    )
    judges = [j for j in summaries if j["judge"] in exported]
    if not judges:
        return [], None
    return judges, {
        "n_boot": n_boot,
        "seed": options.seed,
        "against": "the expert consensus (adjudicated value first)",
        "scope": "alignment and exchange rates use all of the project's labels, not only the "
        "exported ones",
        "why": f"at most {JUDGE_N_BOOT} resamples: every export recomputes these intervals",
    }


def _csv_cells(writers: dict[str, TableWriter], raw: bool) -> dict[str, Any]:
    """What the manifest says a reader of the CSV files needs to know about formula cells."""
    prefixed = sum(getattr(w, "prefixed", 0) for w in writers.values())
    starts = "=, +, -, @, tab or carriage return"
    return {
        "raw": raw,
        "prefix": FORMULA_PREFIX,
        "starts": list(FORMULA_STARTS),
        "prefixed": prefixed,
        "rule": (
            f"written as they are (--csv-raw): a text cell may begin with {starts}"
            if raw
            else f"a text cell beginning with {starts} (also after one or more ') got a "
            "leading ' so a spreadsheet shows it as text, not a formula; numbers are untouched"
        ),
        "undo": ""
        if raw
        else "strip one leading ' from a text cell that is ', any further ', then one of the "
        f'starts (Python: re.sub(r"{UNDO_PATTERN}", "", cell))',
    }


class _Counts:
    """Counts the manifest and card report, summed over chunks."""

    def __init__(self) -> None:
        self.items = 0
        self.labels = 0
        self.anchor_items = 0
        self.adjudicated = 0
        self.per_item: dict[int, int] = {}
        self.annotators: set[int] = set()
        self.sources: set[int] = set()
        self.versions: set[int] = set()
        self.last_submitted = ""

    def add(self, chunk: Chunk, builder: RowBuilder) -> None:
        self.items += chunk.n_items
        self.labels += int(chunk.in_scope.sum())
        self.anchor_items += int(chunk.is_anchor.sum())
        for n, count in zip(*distinct_counts(chunk.n_labels), strict=True):
            self.per_item[int(n)] = self.per_item.get(int(n), 0) + int(count)
        self.annotators.update(distinct_ids(chunk.rater[chunk.in_scope]).tolist())
        self.sources.update(distinct_ids(chunk.source[chunk.in_scope]).tolist())

        self.versions.update(distinct_ids(chunk.raw[L_VERSION][chunk.in_scope]).tolist())
        latest = _latest(pick(chunk.raw[L_SUBMITTED], chunk.in_scope))
        self.last_submitted = max(self.last_submitted, latest)
        self.adjudicated += sum(
            method == "adjudicated"
            for one in builder.last_consensus.values()
            for method in one.method
        )


def _latest(times: Any) -> str:
    """The latest of the texts (an Arrow column: in Arrow; UTF-8's byte order is Python's
    order of text), "" for none."""
    if isinstance(times, np.ndarray):
        return max((t for t in as_objects(times).tolist() if t is not None), default="")
    import pyarrow.compute as pc  # lazy: Arrow columns exist only once an export loaded it

    found = pc.max(times).as_py()
    return "" if found is None else found


def _facts(
    project: Project,
    options: ExportOptions,
    report: QualityReport,
    counts: _Counts,
    specs: list[Any],
    keys: list[str],
    names: Any,
) -> dict[str, Any]:
    per_item = counts.per_item
    n = sum(per_item.values())
    mean = sum(k * v for k, v in per_item.items()) / n if n else 0.0
    version_ids = sorted(counts.versions) or sorted({v for s in specs for v in s.versions})
    name = options.dataset_name or project.name
    sources_text = "the selected sources" if options.scope.sources else "every source"
    method = METHOD_TEXT[options.consensus]
    consensus_text = (
        f"the lead's adjudicated value where there is one, else {method} of the item's labels "
        f"from {sources_text} (a tie is left empty and marked)"
    )
    if options.scope.since or options.scope.until:
        consensus_text += (
            "; the time range selects the labels exported, not those the consensus counts"
        )
    return {
        "name": name,
        "slug": _slug(name),
        "license": options.license,
        "task_categories": list(options.task_categories),
        "app_version": __version__,
        "source_kinds": sorted({names.source_kinds[s] for s in counts.sources}),
        "counts": {
            "items": counts.items,
            "labels": counts.labels,
            "sources": len(counts.sources),
            "annotators": len(counts.annotators),
            "anchor_items": counts.anchor_items,
            "adjudicated": counts.adjudicated,
            "criteria": len(keys),
        },
        "labels_per_item": {
            "mean": mean,
            "min": min(per_item) if per_item else 0,
            "max": max(per_item) if per_item else 0,
        },
        "rubrics": manifest.rubric_versions(project, version_ids, options.real_names),
        "consensus_text": consensus_text,
        "filters": describe(options.scope),
        "report": report,
        "confidence": options.confidence,
        "n_boot": options.n_boot,
        "last_label_date": counts.last_submitted[:10] or None,
    }


__all__ = ["ExportResult", "export_project", "table_paths"]

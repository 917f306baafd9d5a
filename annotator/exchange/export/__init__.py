"""Exports: a project's labeled set, with per-label provenance and per-source cost and quality.

    >>> from annotator.exchange.export import ExportOptions, export_project
    >>> result = export_project(project, "out/", ExportOptions(format="hf"))
    >>> result.export_id, result.counts["labels"]

Formats (`FORMATS`): `jsonl`, `csv` and `parquet` write the three tables
(`items`, `labels`, `sources`); `hf` writes a Hugging Face dataset folder
(`data/<table>/*.parquet` and a `README.md` card); `inspect` writes inspect_ai
samples (`samples.jsonl`); `croissant` writes `croissant.json` (Croissant 1.0
with RAI fields) beside the tables as Parquet. Every export has a
`manifest.json` (see `manifest`). One module per concern: `columns` (the
tables), `rows` (building them; the labels table as Arrow arrays in
`label_arrays`), `writers` (the file formats; JSON lines from Arrow columns in
`json_lines`; the items' stored columns read as Arrow in `item_arrays`), `card`,
`inspect_samples`, `croissant`, `manifest`, `record` (the project's export log),
`whole_check` (the file's quick check, before the pass or beside it), `run` (the
whole thing).
"""

from __future__ import annotations

from annotator.exchange.export.options import FORMAT_TITLES, FORMATS, ExportError, ExportOptions
from annotator.exchange.export.record import list_exports
from annotator.exchange.export.run import ExportResult, export_project, table_paths
from annotator.labels.stream import Cancelled

__all__ = [
    "FORMATS",
    "FORMAT_TITLES",
    "Cancelled",
    "ExportError",
    "ExportOptions",
    "ExportResult",
    "export_project",
    "list_exports",
    "table_paths",
]

"""Choice lists and defaults the command line names while it is built, copied from the
core modules that own them.

Why copies: those modules pull in the store, yaml or numpy, and building the parser
(all `annotator --help` does) must import none of them. `SOURCES` says where each
copy comes from; tests/test_cli_startup.py checks every copy still equals its source.
"""

from __future__ import annotations

SOURCE_KINDS = ("expert", "crowd", "llm_judge", "other")
COST_TYPES = ("per_label", "per_hour", "per_token")
ITEM_FORMATS = ("jsonl", "csv", "parquet")
LABEL_FORMATS = ("jsonl", "csv", "mturk")
SESSION_MODES = ("room", "packs")
ANCHOR_CHOICES = ("include", "exclude", "only")
DEFAULT_SOURCE = "experts"
DEFAULT_NESTING = 64
DEFAULT_FIELD_MB = 8.0
NESTING_ENV = "ANNOTATOR_MAX_NESTING"
FIELD_MB_ENV = "ANNOTATOR_MAX_FIELD_MB"

SOURCES = {
    "SOURCE_KINDS": ("annotator.sources.sources", "SOURCE_KINDS"),
    "COST_TYPES": ("annotator.sources.sources", "COST_TYPES"),
    "ITEM_FORMATS": ("annotator.base.readers", "FORMATS"),
    "LABEL_FORMATS": ("annotator.exchange.label_import", "LABEL_FORMATS"),
    "SESSION_MODES": ("annotator.calibration.model", "MODES"),
    "ANCHOR_CHOICES": ("annotator.labels.scope", "ANCHOR_CHOICES"),
    "DEFAULT_SOURCE": ("annotator.queue.assignments", "DEFAULT_SOURCE"),
    "DEFAULT_NESTING": ("annotator.base.limits", "DEFAULT_NESTING"),
    "DEFAULT_FIELD_MB": ("annotator.base.limits", "DEFAULT_FIELD_MB"),
    "NESTING_ENV": ("annotator.base.limits", "NESTING_ENV"),
    "FIELD_MB_ENV": ("annotator.base.limits", "FIELD_MB_ENV"),
}

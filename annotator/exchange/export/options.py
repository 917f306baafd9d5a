"""What an export is asked for: the format, the filters, the consensus method, names."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from annotator.base.errors import AnnotatorError
from annotator.labels.scope import Scope
from annotator.quality.aggregate import METHODS
from annotator.stats.defaults import N_BOOT

FORMATS = ("jsonl", "csv", "parquet", "hf", "inspect", "croissant")
FORMAT_TITLES = {
    "jsonl": "JSON lines (items, labels, sources)",
    "csv": "CSV (items, labels, sources)",
    "parquet": "Parquet (items, labels, sources)",
    "hf": "Hugging Face dataset folder (Parquet + README card)",
    "inspect": "inspect_ai samples (JSON lines)",
    "croissant": "Croissant JSON-LD with RAI fields (+ Parquet)",
}


# What a --prompt-template may name; None (no template) means DEFAULT_TEMPLATES.
TEMPLATE_FIELDS = ("input", "output", "output_a", "output_b", "reference", "context", "item_id")
DEFAULT_TEMPLATES = {
    "single": "{input}\n\nResponse:\n{output}",
    "pairwise": "{input}\n\nResponse A:\n{output_a}\n\nResponse B:\n{output_b}",
}


def check_template(template: str) -> str | None:
    """What is wrong with a prompt template (None: nothing): Python format syntax, only
    TEMPLATE_FIELDS named."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"{exc} (write {{{{ and }}}} for a literal brace)"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS or spec or conversion:
            return f"unknown field {{{name}}}; a template may name " + ", ".join(
                f"{{{f}}}" for f in TEMPLATE_FIELDS
            )
    return None


class ExportError(AnnotatorError):
    """An export cannot be made as asked (format, folder, method)."""


@dataclass(frozen=True)
class ExportOptions:
    format: str = "jsonl"
    scope: Scope = field(default_factory=Scope)
    consensus: str = "auto"
    real_names: bool = False
    n_boot: int = N_BOOT
    seed: int = 0
    confidence: float = 0.95
    license: str = "unknown"
    task_categories: tuple[str, ...] = ("text-classification",)
    dataset_name: str | None = None
    overwrite: bool = False
    csv_raw: bool = False  # CSV: no leading ' on text cells that begin a formula
    include_decoys: bool = False  # assisted review: keep labels made on decoys
    prompt_template: str | None = None  # inspect: the sample's input (None: the default)

    def check(self) -> None:
        if self.format not in FORMATS:
            raise ExportError(
                f"Unknown export format {self.format!r}; use one of {', '.join(FORMATS)}."
            )
        if self.consensus not in METHODS:
            raise ExportError(
                f"Unknown consensus method {self.consensus!r}; use one of {', '.join(METHODS)}."
            )
        if self.n_boot < 0:
            raise ExportError("The number of bootstrap resamples must be 0 or more.")
        if self.prompt_template is not None:
            problem = check_template(self.prompt_template)
            if problem:
                raise ExportError(f"--prompt-template: {problem}")
        if not 0 < self.confidence < 1:
            raise ExportError(
                f"The interval coverage must be between 0 and 1, not {self.confidence}."
            )

    def to_dict(self) -> dict[str, Any]:
        """What the manifest records (the folder is not part of it: moving an export
        must not change its id)."""
        return {
            "format": self.format,
            "filters": self.scope.to_dict(),
            "consensus": self.consensus,
            "real_names": self.real_names,
            "bootstrap": {"n_boot": self.n_boot, "seed": self.seed, "confidence": self.confidence},
            "license": self.license,
            "task_categories": list(self.task_categories),
            "dataset_name": self.dataset_name,
            **({"csv_raw": self.csv_raw} if self.format == "csv" else {}),
            **({"include_decoys": True} if self.include_decoys else {}),
            **(
                {"prompt_template": self.prompt_template}
                if self.format == "inspect" and self.prompt_template is not None
                else {}
            ),
        }


__all__ = [
    "DEFAULT_TEMPLATES",
    "FORMATS",
    "FORMAT_TITLES",
    "TEMPLATE_FIELDS",
    "ExportError",
    "ExportOptions",
    "check_template",
]

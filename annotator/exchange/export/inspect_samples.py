"""inspect_ai samples: one JSON line per item with `id`, `input`, `target`, `metadata`.

`input` is the prompt a judge is asked: the prompt template (`--prompt-template`,
else `DEFAULT_TEMPLATES`: the item's input, then the response, or responses A
and B) filled with the item's fields, chat turns rendered as `role: content`
lines; so an inspect eval of a judge runs on the samples as they are. `target`
is the consensus: the bare value when one criterion is exported, else a JSON
object of every criterion's consensus (null for a tie). The judged response,
provenance, tags, the rubric and version, the label sources behind the target
(labels and cost each) and each criterion's confidence, method and label count
go in `metadata`. Items without any consensus value are left out (counted in
the manifest).

    >>> from inspect_ai.dataset import json_dataset
    >>> dataset = json_dataset("export/samples.jsonl")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from annotator.exchange.export.columns import stat
from annotator.exchange.export.options import DEFAULT_TEMPLATES
from annotator.exchange.export.rows import ITEM_FIELDS
from annotator.labels.columns import L_VERSION, as_objects
from annotator.labels.stream import Chunk
from annotator.quality.aggregate import ConsensusValue
from annotator.quality.by_source.tally import ChunkFigures

SAMPLES = "samples.jsonl"
INSPECT_ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
}
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)


class SampleWriter:
    def __init__(self, path: Path, keys: list[str], template: str | None = None) -> None:
        self.handle = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()
        self.keys = keys
        self.template = template
        self.written = 0
        self.skipped = 0

    def write(
        self,
        items: list[Any],
        consensus: list[dict[str, ConsensusValue]],
        agreement: list[float | None],
        behind: list[dict[str, Any]] | None = None,
    ) -> None:
        lines = []
        behind = behind if behind is not None else [{} for _ in items]
        for item, decided, overall, made in zip(items, consensus, agreement, behind, strict=True):
            values = {key: decided[key].value if key in decided else None for key in self.keys}
            if all(v is None for v in values.values()):
                self.skipped += 1
                continue
            if len(self.keys) == 1:
                only = values[self.keys[0]]
                target = (
                    "" if only is None else (only if isinstance(only, str) else json.dumps(only))
                )
            else:
                target = json.dumps(values, ensure_ascii=False, separators=(", ", ": "))
            sample = {
                "id": item["id"],
                "input": prompt(item, self.template),
                "target": target,
                "metadata": {**_metadata(item, decided, self.keys, overall), **made},
            }
            lines.append(_ENCODER.encode(sample) + "\n")
        self.handle.write("".join(lines))
        self.written += len(lines)

    def close(self) -> None:
        self.handle.close()


# What a sample's metadata carries about its item (the input and id are the sample's own).
METADATA_FIELDS = tuple(
    f
    for f in ITEM_FIELDS
    if f not in ("id", "input", "input_kind", "tags", "metadata", "content_hash")
)


def _input(item: Any) -> str:
    """The item's input as text: chat turns as `role: content` lines (inspect's roles)."""
    if item["input_kind"] != "chat":
        return item["input"]
    return "\n\n".join(
        f"{INSPECT_ROLES.get(turn['role'], 'user')}: {turn['content']}"
        for turn in json.loads(item["input"])
    )


def prompt(item: Any, template: str | None) -> str:
    """The sample's input: the template (checked by `options.check_template`) filled with
    the item's fields, a missing one as empty text."""
    if template is None:
        template = DEFAULT_TEMPLATES["pairwise" if item["pairwise"] else "single"]
    fields = {
        "input": _input(item),
        "item_id": item["id"],
        **{
            name: item[name] or ""
            for name in ("output", "output_a", "output_b", "reference", "context")
        },
    }
    return template.format_map(fields)


def behind_targets(
    chunk: Chunk,
    figures: ChunkFigures,
    sources: dict[int, tuple[Any, ...]],
    versions: dict[int, tuple[str, int]],
) -> list[dict[str, Any]]:
    """Per item of the chunk: the rubric and newest version of its labels in scope, and the
    label sources behind its target, with their labels and cost (null: none priced)."""
    picked = np.nonzero(chunk.in_scope)[0]
    out: list[dict[str, Any]] = [{} for _ in chunk.items]
    found: list[dict[int, list[Any]]] = [{} for _ in chunk.items]
    newest: list[int | None] = [None] * len(chunk.items)
    version = as_objects(chunk.raw[L_VERSION])[picked].tolist()
    cost = figures.cost[picked].tolist()
    for i, source, v, c in zip(
        chunk.item_index[picked].tolist(), chunk.source[picked].tolist(), version, cost, strict=True
    ):
        entry = found[i].setdefault(source, [0, 0.0, 0])
        entry[0] += 1
        if c == c:  # not NaN: priced
            entry[1] += c
            entry[2] += 1
        if newest[i] is None or versions[v][1] > versions[newest[i]][1]:
            newest[i] = v
    for i, per in enumerate(found):
        made = [
            {
                "source": sources[s][0],
                "kind": sources[s][1],
                "labels": n,
                "cost": stat(total) if priced else None,
                "currency": sources[s][5] if priced else None,
            }
            for s, (n, total, priced) in sorted(per.items(), key=lambda e: sources[e[0]][0])
        ]
        priced_costs = [m["cost"] for m in made if m["cost"] is not None]
        out[i] = {
            "rubric": versions[newest[i]][0] if newest[i] is not None else None,
            "rubric_version": versions[newest[i]][1] if newest[i] is not None else None,
            "label_sources": made,
            "cost": stat(sum(priced_costs)) if priced_costs else None,
        }
    return out


def _metadata(
    item: Any, decided: dict[str, ConsensusValue], keys: list[str], overall: float | None
) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for name in METADATA_FIELDS:
        if item[name] is not None:
            meta[name] = item[name]
    meta["tags"] = json.loads(item["tags"])
    meta["agreement"] = overall
    meta["consensus"] = {
        key: {
            "value": decided[key].value,
            "confidence": stat(decided[key].confidence),
            "method": decided[key].method,
            "n_labels": decided[key].n_labels,
            "tie": decided[key].tie,
        }
        for key in keys
        if key in decided
    }
    return meta


__all__ = ["SAMPLES", "SampleWriter", "behind_targets", "prompt"]

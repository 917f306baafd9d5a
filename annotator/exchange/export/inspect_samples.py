"""inspect_ai samples: one JSON line per item with `id`, `input`, `target`, `metadata`.

`input` is the item's text, or its chat turns as inspect chat messages
(`developer` turns become `system`); `target` is the consensus: the bare value
when one criterion is exported, else a JSON object of every criterion's
consensus (null for a tie). The judged response, provenance, tags, and each
criterion's confidence, method and label count go in `metadata`. Items without
any consensus value are left out (counted in the manifest).

    >>> from inspect_ai.dataset import json_dataset
    >>> dataset = json_dataset("export/samples.jsonl")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.exchange.export.columns import stat
from annotator.exchange.export.rows import ITEM_FIELDS
from annotator.quality.aggregate import ConsensusValue

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
    def __init__(self, path: Path, keys: list[str]) -> None:
        self.handle = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()
        self.keys = keys
        self.written = 0
        self.skipped = 0

    def write(
        self,
        items: list[Any],
        consensus: list[dict[str, ConsensusValue]],
        agreement: list[float | None],
    ) -> None:
        lines = []
        for item, decided, overall in zip(items, consensus, agreement, strict=True):
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
                "input": _input(item),
                "target": target,
                "metadata": _metadata(item, decided, self.keys, overall),
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


def _input(item: Any) -> str | list[dict[str, str]]:
    if item["input_kind"] != "chat":
        return item["input"]
    return [
        {"role": INSPECT_ROLES.get(turn["role"], "user"), "content": turn["content"]}
        for turn in json.loads(item["input"])
    ]


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


__all__ = ["SAMPLES", "SampleWriter"]

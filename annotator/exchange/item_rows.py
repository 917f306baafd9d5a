"""A shortcut through item parsing for the plain rows most item files hold.

:func:`annotator.items.items.parse_item` handles every shape an item may take
(chat inputs, pairwise outputs, tags in four places, provenance at the top level or
in `metadata`, JSON in text cells); its generality costs the importer more per row
than the insert. :func:`parse_plain` handles only a row of `id`, text `input` and
`output`, and an optional `metadata` object whose lifted provenance and tags are
text, and gives exactly what parse_item gives for it (tested against it). Any
other row returns None and goes to parse_item, which also names every problem.
"""

from __future__ import annotations

import re
from typing import Any

from annotator.items.items import METADATA_LIFTS, PROVENANCE_FIELDS, content_hash_of

_PLAIN_KEYS = frozenset(("id", "input", "output", "metadata"))
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # what limits.id_problem refuses in an id


def parse_plain(record: dict[str, Any]) -> tuple[str, dict[str, Any], str] | None:
    """parse_item's (id, fields, content hash) for a plain row; None for any other."""
    if not record.keys() <= _PLAIN_KEYS:
        return None
    raw_id, input_value, output = record.get("id"), record.get("input"), record.get("output")
    if type(raw_id) is not str or type(input_value) is not str or type(output) is not str:
        return None
    item_id = raw_id.strip()
    if (
        not item_id
        or not output
        or not input_value.strip()
        or input_value.lstrip().startswith("[{")  # perhaps chat turns as JSON text
        or _CONTROL.search(item_id) is not None
    ):
        return None
    provenance: dict[str, Any] = dict.fromkeys(PROVENANCE_FIELDS)
    tags: dict[str, str] = {}
    metadata = record.get("metadata")
    if metadata is None or metadata == "":
        metadata = {}
    elif type(metadata) is dict:
        metadata = dict(metadata)
        lifted: dict[str, Any] = {}
        for key, target in METADATA_LIFTS.items():
            if key in metadata and not isinstance(metadata[key], (dict, list)):
                lifted.setdefault(target, metadata.pop(key))
        raw_tags = metadata.pop("tags", None)
        if raw_tags is not None and raw_tags != "":
            if type(raw_tags) is not dict:
                return None
            for key, tag in raw_tags.items():
                if type(tag) is str:
                    tags[str(key)] = tag
                elif tag is not None:
                    return None
        for name, value in lifted.items():
            if value is None or value == "":
                continue
            if type(value) is not str:
                return None
            provenance[name] = value
        if provenance["created_at"] is not None:  # a time to normalise: parse_item does it
            return None
    else:
        return None
    full = {
        "input": input_value,
        "output": output,
        "output_a": None,
        "output_b": None,
        "reference": None,
        "context": None,
        **provenance,
        "tags": tags,
        "metadata": metadata,
    }
    try:
        digest = content_hash_of(full)
    except (TypeError, ValueError):  # parse_item names the problem
        return None
    return item_id, full, digest


__all__ = ["parse_plain"]

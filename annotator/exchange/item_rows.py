"""A shortcut through item parsing for the plain rows most item files hold.

:func:`annotator.items.items.parse_item` handles every shape an item may take
(chat inputs, pairwise outputs, tags in four places, provenance at the top level or
in `metadata`, JSON in text cells); its generality costs the importer more per row
than the insert. The shortcut handles only a row of `id`, text `input` and `output`,
and an optional `metadata` object whose lifted provenance and tags are text, and
gives exactly what parse_item gives for it (tested against it): :func:`parse_plain`
as parse_item's parts, :func:`plain_row` as the `items` row the importer writes
(what `fields_row` builds from them), built directly and without the columns every
plain row has the same. Any other row returns None and goes to parse_item, which
also names every problem.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from annotator.items.items import (
    METADATA_LIFTS,
    PROVENANCE_FIELDS,
    content_hash_of,
    orjson_safe,
    sorted_json,
)

_PLAIN_KEYS = frozenset(("id", "input", "output", "metadata"))
_LIFTS = METADATA_LIFTS
# The keys of METADATA_LIFTS that name the same field as another.
_RIVALS = {
    key: other
    for key, target in METADATA_LIFTS.items()
    for other, other_target in METADATA_LIFTS.items()
    if target == other_target and key != other
}
_NO_PROVENANCE: dict[str, Any] = dict.fromkeys(PROVENANCE_FIELDS)
_SORT_KEYS = orjson.OPT_SORT_KEYS
_sha256 = hashlib.sha256
_TAGS: dict[tuple[tuple[str, str], ...], tuple[dict[str, str], str]] = {}
_TAGS_MAX = 4096
_NO_TAGS: tuple[dict[str, str], str] = ({}, "{}")

# The columns a plain row gives (binding fewer values makes the insert a sixth faster),
# and what the others hold for every plain row.
PLAIN_COLUMNS = (
    "id",
    "input",
    "output",
    "model",
    "model_version",
    "prompt_version",
    "source_system",
    "tags",
    "metadata",
    "content_hash",
)
PLAIN_FIXED: dict[str, Any] = {
    "input_kind": "text",
    "output_a": None,
    "output_b": None,
    "pairwise": 0,
    "reference": None,
    "context": None,
    "created_at": None,
}

Plain = tuple[str, str, str, dict[str, Any], dict[str, str], dict[str, Any], str]


def _plain_parts(record: dict[str, Any]) -> Plain | None:
    """(id, input, output, provenance, tags, metadata, tags' JSON text) of a plain row;
    None for any other. The tags and provenance may be shared between rows: read only."""
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
        or not item_id.isprintable()  # what limits.id_problem refuses, and more
    ):
        return None
    metadata = record.get("metadata")
    if metadata.__class__ is not dict:
        if metadata is None or metadata == "":
            return item_id, input_value, output, _NO_PROVENANCE, {}, {}, "{}"
        return None
    if not metadata:
        return item_id, input_value, output, _NO_PROVENANCE, {}, {}, "{}"
    # parse_item's lifting, in one pass over the metadata: a key of METADATA_LIFTS holding
    # no container is provenance, `tags` are tags, and the rest stays metadata. Where
    # two keys name one field (source and source_system) parse_item decides by the
    # order of METADATA_LIFTS: such a row goes to it.
    provenance = _NO_PROVENANCE
    rest: dict[str, Any] = {}
    raw_tags = None
    for key, value in metadata.items():
        target = _LIFTS.get(key)
        if target is None:
            if key == "tags":
                raw_tags = value
            else:
                rest[key] = value
        elif value.__class__ is str:
            if key in _RIVALS and _RIVALS[key] in metadata:
                return None
            if value:
                if provenance is _NO_PROVENANCE:
                    provenance = dict(_NO_PROVENANCE)
                provenance[target] = value
        elif value is None:
            if key in _RIVALS and _RIVALS[key] in metadata:
                return None
        elif isinstance(value, (dict, list)):
            rest[key] = value
        else:
            return None
    if provenance["created_at"] is not None:  # a time to normalise: parse_item does it
        return None
    tags = _NO_TAGS
    if raw_tags is not None and raw_tags != "":
        if raw_tags.__class__ is not dict:
            return None
        tags = _tags_of(raw_tags)
        if tags is None:
            return None
    return item_id, input_value, output, provenance, tags[0], rest, tags[1]


def _tags_of(raw: dict[Any, Any]) -> tuple[dict[str, str], str] | None:
    """A plain row's tags and their JSON text (None if a tag is not text), remembered
    for the tag sets seen lately: most files repeat a few, and building them costs as
    much as the rest of the row. Emptied when full, so memory stays flat."""
    key = tuple(raw.items())
    try:
        known = _TAGS.get(key)
    except TypeError:  # a list or an object as a tag value
        return None
    if known is not None:
        return known
    tags: dict[str, str] = {}
    text_keys = True
    for name, tag in raw.items():
        if tag.__class__ is str:
            text_keys = text_keys and name.__class__ is str
            tags[str(name)] = tag
        elif tag is not None:
            return None
    known = (tags, sorted_json(tags) if tags else "{}")
    if text_keys:  # 1 == True == 1.0 as keys: only text keys are remembered
        if len(_TAGS) >= _TAGS_MAX:
            _TAGS.clear()
        _TAGS[key] = known
    return known


def _full(parts: Plain) -> dict[str, Any]:
    """parse_item's fields for a plain row."""
    _, input_value, output, provenance, tags, metadata, _ = parts
    return {
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


def parse_plain(record: dict[str, Any]) -> tuple[str, dict[str, Any], str] | None:
    """parse_item's (id, fields, content hash) for a plain row; None for any other."""
    parts = _plain_parts(record)
    if parts is None:
        return None
    full = _full(parts)
    try:
        digest = content_hash_of(full)
    except (TypeError, ValueError):  # parse_item names the problem
        return None
    return parts[0], {**full, "tags": dict(full["tags"])}, digest


def plain_row(record: dict[str, Any]) -> tuple[Any, ...] | None:
    """The `items` row parse_item and fields_row give a plain row, as the values of
    PLAIN_COLUMNS (the other columns are the same for every plain row: PLAIN_FIXED);
    None for any other row.

    Every value of a plain row's fields but `metadata` is text or None, so the content
    hash goes through orjson whenever the leftover metadata does (content_hash_of's
    own rule, checked on the one part that can differ).
    """
    parts = _plain_parts(record)
    if parts is None:
        return None
    item_id, input_value, output, provenance, _, metadata, tags_text = parts
    full = _full(parts)
    try:
        if metadata and not orjson_safe(metadata):
            digest = content_hash_of(full)
        else:
            digest = _sha256(orjson.dumps(full, option=_SORT_KEYS)).hexdigest()
    except (TypeError, ValueError):  # a lone surrogate, say: parse_item names the problem
        return None
    return (
        item_id,
        input_value,
        output,
        provenance["model"],
        provenance["model_version"],
        provenance["prompt_version"],
        provenance["source_system"],
        tags_text,
        sorted_json(metadata) if metadata else "{}",
        digest,
    )


__all__ = ["PLAIN_COLUMNS", "PLAIN_FIXED", "parse_plain", "plain_row"]

"""Eval items: what is being judged, where it came from, and how it is sliced.

An item is an input (text, or chat turns kept structured), one output or two
(A and B for pairwise judgments), optional reference and context, provenance
(model, model version, prompt version, source system, created time) and free
key/value tags for slicing. Its id is the source file's id, or a hash of its
content, so the same item always has the same id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from annotator.base import limits
from annotator.base.clock import normalize_time
from annotator.base.errors import NotFoundError
from annotator.store.project import Project

CHAT_ROLES = ("system", "user", "assistant", "tool", "developer")
PROVENANCE_FIELDS = ("model", "model_version", "prompt_version", "source_system", "created_at")
# Keys in an input record's `metadata` that are really provenance or tags.
METADATA_LIFTS = {
    "model": "model",
    "model_version": "model_version",
    "prompt_version": "prompt_version",
    "template_version": "prompt_version",
    "source": "source_system",
    "source_system": "source_system",
    "created_at": "created_at",
}
# Encoders built once (json.dumps builds one per call, a measurable cost per row on
# large imports); each gives exactly what the json.dumps call it replaces gave.
_JSON = json.JSONEncoder(ensure_ascii=False)
_SORTED_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
# The fields parse_item returns (and Item holds besides id, content_hash and seq).
ITEM_FIELD_NAMES = (
    "input",
    "output",
    "output_a",
    "output_b",
    "reference",
    "context",
    *PROVENANCE_FIELDS,
    "tags",
    "metadata",
)
ITEM_FIELDS = {
    "id",
    "input",
    "output",
    "output_a",
    "output_b",
    "reference",
    "context",
    "metadata",
    "tags",
    *PROVENANCE_FIELDS,
}


class ItemProblem(ValueError):
    """A record cannot be an item; `field` says which part is wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Item:
    id: str
    input: str | list[dict[str, str]]
    output: str | None = None
    output_a: str | None = None
    output_b: str | None = None
    reference: str | None = None
    context: str | None = None
    model: str | None = None
    model_version: str | None = None
    prompt_version: str | None = None
    source_system: str | None = None
    created_at: str | None = None
    tags: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    content_hash: str = ""
    seq: int | None = None

    @property
    def pairwise(self) -> bool:
        return self.output_a is not None

    @property
    def is_chat(self) -> bool:
        return isinstance(self.input, list)

    def provenance(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in PROVENANCE_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "input": self.input}
        if self.pairwise:
            out["output_a"], out["output_b"] = self.output_a, self.output_b
        else:
            out["output"] = self.output
        for name in ("reference", "context", *PROVENANCE_FIELDS):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out["tags"] = self.tags
        out["metadata"] = self.metadata
        return out


def _text(value: Any, name: str, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and value == "" and not required):
        if required:
            raise ItemProblem(name, "is missing")
        return None
    if isinstance(value, str):
        if required and not value.strip():
            raise ItemProblem(name, "is empty")
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ItemProblem(name, f"must be text, got {type(value).__name__}")


def _text_or_json(value: Any, name: str) -> str | None:
    """Reference and context may be structured; they are kept as JSON text then."""
    if isinstance(value, (dict, list)):
        return _SORTED_JSON.encode(value)
    return _text(value, name)


def _chat(value: list[Any], name: str) -> list[dict[str, str]]:
    turns = []
    for index, turn in enumerate(value):
        if not isinstance(turn, dict) or "role" not in turn or "content" not in turn:
            raise ItemProblem(f"{name}[{index}]", "a chat turn is an object with role and content")
        role, content = turn["role"], turn["content"]
        if role not in CHAT_ROLES:
            raise ItemProblem(f"{name}[{index}].role", f"unknown role {role!r}")
        if not isinstance(content, str):
            raise ItemProblem(f"{name}[{index}].content", "must be text")
        turns.append({"role": role, "content": content})
    if not turns:
        raise ItemProblem(name, "an empty chat")
    return turns


def _input(value: Any) -> str | list[dict[str, str]]:
    if isinstance(value, list):
        return _chat(value, "input")
    if isinstance(value, str) and value.lstrip().startswith("[{"):
        try:
            parsed = limits.loads(value)
        except limits.LimitError as error:
            raise ItemProblem(_within("input", error.field), str(error)) from None
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return _chat(parsed, "input")
    text = _text(value, "input", required=True)
    assert text is not None
    return text


def _tags(value: Any, name: str = "tags") -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = limits.loads(value)
        except limits.LimitError as error:
            raise ItemProblem(_within(name, error.field), str(error)) from None
        except json.JSONDecodeError:
            raise ItemProblem(name, "must be an object of key/value tags") from None
    if not isinstance(value, dict):
        raise ItemProblem(name, "must be an object of key/value tags")
    tags = {}
    for key, tag in value.items():
        if isinstance(tag, (dict, list)):
            raise ItemProblem(f"{name}.{key}", "a tag value must be text or a number")
        if tag is not None:
            tags[str(key)] = str(tag)
    return tags


def _within(name: str, inner: str | None) -> str:
    """A field inside a column's JSON text: 'metadata' and 'notes' -> 'metadata.notes'."""
    if not inner:
        return name
    return f"{name}{inner}" if inner.startswith("[") else f"{name}.{inner}"


def content_hash_of(record: dict[str, Any]) -> str:
    """sha256 of the record's canonical JSON (sorted keys, no spaces, UTF-8).

    orjson writes those same bytes for text, whole numbers, booleans, null, lists and
    objects with text keys (tested); a float, another type or an unusual key goes to the
    stdlib encoder the hashes were first made with, so no stored hash changes.
    """
    if orjson_safe(record):
        try:
            return hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()
        except TypeError:  # an int beyond 64 bits, a lone surrogate
            pass
    text = _HASH_JSON.encode(record)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_ORJSON_SCALARS = frozenset((str, int, bool, type(None)))


def orjson_safe(value: Any) -> bool:
    """Whether `value` holds only what orjson writes as the stdlib does (recursing
    into containers only: most values of a record are text)."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (
                type(item) not in _ORJSON_SCALARS and not orjson_safe(item)
            ):
                return False
        return True
    if kind is list:
        return all(type(item) in _ORJSON_SCALARS or orjson_safe(item) for item in value)
    return kind in _ORJSON_SCALARS


def sorted_json(value: Any) -> str:
    """The JSON text the `tags` and `metadata` columns hold (sorted keys, UTF-8)."""
    return _SORTED_JSON.encode(value)


def item_from_record(record: dict[str, Any]) -> Item:
    """Validate and normalise one input record (already mapped to item field names)."""
    item_id, fields, digest = parse_item(record)
    return Item(id=item_id, **fields, content_hash=digest)


def parse_item(record: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    """What :func:`item_from_record` checks and builds, as (id, fields, content hash).

    The importer uses this directly and writes rows with :func:`fields_row`: building
    a frozen Item per row costs as much as all the checks on its text fields.
    """
    metadata = record.get("metadata")
    if metadata is None or metadata == "":
        metadata = {}
    elif isinstance(metadata, str):
        try:
            metadata = limits.loads(metadata)
        except limits.LimitError as error:
            raise ItemProblem(_within("metadata", error.field), str(error)) from None
        except json.JSONDecodeError:
            raise ItemProblem("metadata", "must be a JSON object") from None
    if not isinstance(metadata, dict):
        raise ItemProblem("metadata", "must be an object")
    metadata = dict(metadata)
    lifted: dict[str, Any] = {}
    for key, target in METADATA_LIFTS.items():
        if key in metadata and not isinstance(metadata[key], (dict, list)):
            lifted.setdefault(target, metadata.pop(key))
    tags = _tags(metadata.pop("tags", None), "metadata.tags")
    tags.update(_tags(record.get("tags")))
    for key, value in record.items():
        if key.startswith("tag.") and value not in (None, ""):
            tags[key[4:]] = str(value)

    input_value = _input(record.get("input"))
    output = _text(record.get("output"), "output")
    output_a = _text(record.get("output_a"), "output_a")
    output_b = _text(record.get("output_b"), "output_b")
    if output_a is not None or output_b is not None:
        if output_a is None or output_b is None:
            missing = "output_a" if output_a is None else "output_b"
            raise ItemProblem(missing, "a pairwise item needs both output_a and output_b")
        if output is not None:
            raise ItemProblem("output", "give either output or output_a/output_b, not both")
    elif output is None:
        raise ItemProblem("output", "is missing (or give output_a and output_b for pairwise)")

    provenance: dict[str, str | None] = {}
    for name in PROVENANCE_FIELDS:
        value = record.get(name, lifted.get(name))
        provenance[name] = _text(value, name)
    if provenance["created_at"] is not None:
        try:
            provenance["created_at"] = normalize_time(provenance["created_at"])
        except ValueError as exc:
            raise ItemProblem("created_at", str(exc)) from None

    content = {
        "input": input_value,
        "output": output,
        "output_a": output_a,
        "output_b": output_b,
        "reference": _text_or_json(record.get("reference"), "reference"),
        "context": _text_or_json(record.get("context"), "context"),
    }
    raw_id = record.get("id")
    if raw_id is None or raw_id == "":
        item_id = "h-" + content_hash_of(content)[:16]
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        item_id = str(raw_id).strip()
        if not item_id:
            raise ItemProblem("id", "is empty")
        problem = limits.id_problem(item_id)
        if problem is not None:
            raise ItemProblem("id", problem)
        if not limits.encodes(item_id):
            raise ItemProblem("id", limits.NOT_UNICODE)
    else:
        raise ItemProblem("id", f"must be text or a number, got {type(raw_id).__name__}")
    full = {**content, **provenance, "tags": tags, "metadata": metadata}
    try:
        digest = content_hash_of(full)
    except (TypeError, ValueError):
        where = limits.surrogate_path(full)
        if where:
            raise ItemProblem(where, limits.NOT_UNICODE) from None
        raise ItemProblem("metadata", "holds values that are not JSON") from None
    return item_id, full, digest


ITEM_COLUMNS = (
    "id",
    "input",
    "input_kind",
    "output",
    "output_a",
    "output_b",
    "pairwise",
    "reference",
    "context",
    "model",
    "model_version",
    "prompt_version",
    "source_system",
    "created_at",
    "tags",
    "metadata",
    "content_hash",
    "batch_id",
)
INSERT_ITEM_SQL = (
    f"INSERT INTO items({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(ITEM_COLUMNS))})"
)


def item_row(item: Item, batch_id: int | None) -> tuple[Any, ...]:
    """The `items` table row for an item (column order of ITEM_COLUMNS)."""
    fields = {name: getattr(item, name) for name in ITEM_FIELD_NAMES}
    return fields_row(item.id, fields, item.content_hash, batch_id)


def fields_row(
    item_id: str, fields: dict[str, Any], content_hash: str, batch_id: int | None
) -> tuple[Any, ...]:
    """The `items` table row from :func:`parse_item`'s parts (column order of ITEM_COLUMNS)."""
    input_value = fields["input"]
    chat = isinstance(input_value, list)
    return (
        item_id,
        _JSON.encode(input_value) if chat else input_value,
        "chat" if chat else "text",
        fields["output"],
        fields["output_a"],
        fields["output_b"],
        0 if fields["output_a"] is None else 1,
        fields["reference"],
        fields["context"],
        fields["model"],
        fields["model_version"],
        fields["prompt_version"],
        fields["source_system"],
        fields["created_at"],
        _SORTED_JSON.encode(fields["tags"]) if fields["tags"] else "{}",
        _SORTED_JSON.encode(fields["metadata"]) if fields["metadata"] else "{}",
        content_hash,
        batch_id,
    )


def item_from_row(row: Any) -> Item:
    input_value = json.loads(row["input"]) if row["input_kind"] == "chat" else row["input"]
    return Item(
        id=row["id"],
        input=input_value,
        output=row["output"],
        output_a=row["output_a"],
        output_b=row["output_b"],
        reference=row["reference"],
        context=row["context"],
        model=row["model"],
        model_version=row["model_version"],
        prompt_version=row["prompt_version"],
        source_system=row["source_system"],
        created_at=row["created_at"],
        tags=json.loads(row["tags"]),
        metadata=json.loads(row["metadata"]),
        content_hash=row["content_hash"],
        seq=row["seq"],
    )


def get_item(project: Project, item_id: str) -> Item:
    row = project.row("SELECT * FROM items WHERE id = ?", (item_id,))
    if row is None:
        raise NotFoundError(f"No item with id {item_id!r} in this project.")
    return item_from_row(row)


def add_items(project: Project, items: list[Item], batch_id: int | None = None) -> int:
    """Insert new items (no duplicate checks: importing does those). Returns the count."""
    with project.transaction():
        project.conn.executemany(INSERT_ITEM_SQL, (item_row(i, batch_id) for i in items))
    return len(items)


def count_items(project: Project) -> int:
    return project.scalar("SELECT count(*) FROM items")


def tag_values(project: Project, key: str) -> list[str]:
    """Distinct values of one slice tag."""
    return [
        r[0]
        for r in project.rows(
            "SELECT DISTINCT json_extract(tags, '$.' || ?) AS v FROM items WHERE v IS NOT NULL "
            "ORDER BY v",
            (key,),
        )
    ]


def tag_keys(project: Project) -> list[str]:
    """Every slice tag key in use."""
    return [
        r[0]
        for r in project.rows(
            "SELECT DISTINCT j.key FROM items, json_each(items.tags) AS j ORDER BY j.key"
        )
    ]

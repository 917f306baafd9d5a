"""Label sources (expert, crowd, LLM judge, other) and the annotators in them.

Every annotator belongs to exactly one source; a source carries what a label
from it costs (per label, per active hour, or per token, in a stated currency)
and, for an LLM judge, which model and prompt made it. Annotators get a stable
pseudonym at creation so exports never need the real name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.store.project import Project

SOURCE_KINDS = ("expert", "crowd", "llm_judge", "other")
COST_TYPES = ("per_label", "per_hour", "per_token")


@dataclass(frozen=True)
class CostModel:
    type: str
    amount: float
    currency: str = "USD"

    def cost_of(self, duration_s: float | None = None, tokens: int | None = None) -> float | None:
        """What one label costs under this model (None when the needed figure is missing)."""
        if self.type == "per_label":
            return self.amount
        if self.type == "per_hour":
            return None if duration_s is None else self.amount * duration_s / 3600.0
        if self.type == "per_token":
            return None if tokens is None else self.amount * tokens
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "amount": self.amount, "currency": self.currency}


@dataclass(frozen=True)
class Source:
    id: int
    name: str
    kind: str
    model_id: str | None = None
    model_version: str | None = None
    prompt_version: str | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    cost_model: CostModel | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "model_id": self.model_id,
            "model_version": self.model_version,
            "prompt_version": self.prompt_version,
            "params": self.params,
            "cost_model": self.cost_model.to_dict() if self.cost_model else None,
        }


@dataclass(frozen=True)
class Annotator:
    id: int
    name: str
    source_id: int
    pseudonym: str
    mode: str = "silent"


def make_cost_model(
    cost_type: str | None, amount: float | None, currency: str | None
) -> CostModel | None:
    if cost_type is None and amount is None:
        return None
    if cost_type not in COST_TYPES:
        raise AnnotatorError(
            f"Unknown cost model {cost_type!r}; use one of {', '.join(COST_TYPES)}."
        )
    if amount is None or amount < 0:
        raise AnnotatorError("A cost model needs a non-negative amount.")
    return CostModel(cost_type, float(amount), (currency or "USD").upper())


def _source_from_row(row: Any) -> Source:
    cost = None
    if row["cost_type"]:
        cost = CostModel(row["cost_type"], row["cost_amount"], row["currency"] or "USD")
    return Source(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        model_id=row["model_id"],
        model_version=row["model_version"],
        prompt_version=row["prompt_version"],
        params=json.loads(row["params"] or "{}"),
        cost_model=cost,
    )


def get_source(project: Project, name: str) -> Source:
    row = project.row("SELECT * FROM sources WHERE name = ?", (name,))
    if row is None:
        raise NotFoundError(f"No label source named {name!r} in this project.")
    return _source_from_row(row)


def source_by_id(project: Project, source_id: int) -> Source:
    row = project.row("SELECT * FROM sources WHERE id = ?", (source_id,))
    if row is None:
        raise NotFoundError(f"No label source with id {source_id}.")
    return _source_from_row(row)


def list_sources(project: Project) -> list[Source]:
    return [_source_from_row(r) for r in project.rows("SELECT * FROM sources ORDER BY id")]


def ensure_source(
    project: Project,
    name: str,
    kind: str,
    *,
    cost_model: CostModel | None = None,
    model_id: str | None = None,
    model_version: str | None = None,
    prompt_version: str | None = None,
    params: dict[str, Any] | None = None,
) -> Source:
    """The source named `name`, created if missing (call inside a transaction).

    An existing source keeps its settings, except that a cost model is filled in
    when it had none; a different kind is an error, not a silent change.
    """
    if kind not in SOURCE_KINDS:
        raise AnnotatorError(f"Unknown source kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}.")
    row = project.row("SELECT * FROM sources WHERE name = ?", (name,))
    if row is not None:
        existing = _source_from_row(row)
        if existing.kind != kind:
            raise AnnotatorError(
                f"Source {name!r} already exists with kind {existing.kind!r}, not {kind!r}."
            )
        return existing
    cost = cost_model
    source_id = project.conn.execute(
        "INSERT INTO sources(name, kind, model_id, model_version, prompt_version, params, "
        "cost_type, cost_amount, currency, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            name,
            kind,
            model_id,
            model_version,
            prompt_version,
            json.dumps(params or {}, sort_keys=True),
            cost.type if cost else None,
            cost.amount if cost else None,
            cost.currency if cost else None,
            now_iso(),
        ),
    ).lastrowid
    project.audit("create_source", target=name, details={"kind": kind})
    return source_by_id(project, source_id)


def pseudonym_for(project_id: str, name: str) -> str:
    """A stable pseudonym: the same person gets the same one within a project."""
    digest = hashlib.sha256(f"{project_id}\x00{name}".encode()).hexdigest()
    return f"ann-{digest[:10]}"


def _annotator_from_row(row: Any) -> Annotator:
    return Annotator(row["id"], row["name"], row["source_id"], row["pseudonym"], row["mode"])


def get_annotator(project: Project, name: str) -> Annotator:
    row = project.row("SELECT * FROM annotators WHERE name = ?", (name,))
    if row is None:
        raise NotFoundError(f"No annotator named {name!r} in this project.")
    return _annotator_from_row(row)


def annotator_by_id(project: Project, annotator_id: int) -> Annotator:
    row = project.row("SELECT * FROM annotators WHERE id = ?", (annotator_id,))
    if row is None:
        raise NotFoundError(f"No annotator with id {annotator_id}.")
    return _annotator_from_row(row)


def list_annotators(project: Project) -> list[Annotator]:
    return [_annotator_from_row(r) for r in project.rows("SELECT * FROM annotators ORDER BY id")]


def ensure_annotator(project: Project, name: str, source: Source) -> Annotator:
    """The annotator named `name`, created in `source` if missing (inside a transaction).

    An existing annotator in a different source is an error: a person's labels
    must not silently change source.
    """
    row = project.row("SELECT * FROM annotators WHERE name = ?", (name,))
    if row is not None:
        annotator = _annotator_from_row(row)
        if annotator.source_id != source.id:
            other = source_by_id(project, annotator.source_id).name
            raise AnnotatorError(
                f"Annotator {name!r} already belongs to source {other!r}, not {source.name!r}."
            )
        return annotator
    if not name.strip():
        raise AnnotatorError("An annotator needs a name.")
    annotator_id = project.conn.execute(
        "INSERT INTO annotators(name, source_id, pseudonym, created_at) VALUES (?, ?, ?, ?)",
        (name, source.id, pseudonym_for(project.id, name), now_iso()),
    ).lastrowid
    project.audit("create_annotator", target=name, details={"source": source.name})
    return annotator_by_id(project, annotator_id)


def set_annotator_mode(project: Project, name: str, mode: str) -> Annotator:
    """Training (show the reference after submit) or silent (production)."""
    if mode not in ("silent", "training"):
        raise AnnotatorError("Mode must be 'training' or 'silent'.")
    with project.transaction():
        annotator = get_annotator(project, name)
        project.conn.execute("UPDATE annotators SET mode = ? WHERE id = ?", (mode, annotator.id))
        project.audit("set_mode", target=name, details={"mode": mode})
    return get_annotator(project, name)

"""Which items and labels a quality report or an export covers: the filters, in one place.

A scope narrows the project by rubric version, criteria, slice tags, label
sources, a submission time range, anchors (in, out, or only), and a minimum
item agreement. Label filters (version, time, sources) pick labels; item
filters (tags, anchors, minimum agreement) pick items. The expert consensus
that labels are compared with is read from expert labels within the version
and time filters, whatever the source filter says: it is the yardstick, not
part of what is measured.

    >>> scope = Scope.parse(tags=["system=A"], sources=["mturk"], anchors="exclude")
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.base.clock import normalize_time
from annotator.base.errors import AnnotatorError

ANCHOR_CHOICES = ("include", "exclude", "only")


class ScopeError(AnnotatorError):
    """A filter cannot be understood (a bad tag, time, or agreement threshold)."""


@dataclass(frozen=True)
class Scope:
    """Filters over items and labels; the default covers the whole project."""

    rubric_version: int | None = None  # a rubric_versions.id
    criteria: tuple[str, ...] | None = None
    tags: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (key, allowed values), all must hold
    sources: tuple[str, ...] | None = None  # source names or kinds
    since: str | None = None  # submitted at or after (canonical UTC text)
    until: str | None = None  # submitted before
    min_agreement: float | None = None  # item agreement (0..1) at least this
    anchors: str = "include"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(
        cls,
        *,
        rubric_version: int | None = None,
        criteria: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        min_agreement: float | None = None,
        anchors: str = "include",
    ) -> Scope:
        """A scope from what a person types: tags as `KEY=VALUE` (a key given twice
        allows either value), times as ISO 8601 (naive means UTC)."""
        if anchors not in ANCHOR_CHOICES:
            raise ScopeError(
                f"Anchors must be one of {', '.join(ANCHOR_CHOICES)}, not {anchors!r}."
            )
        if min_agreement is not None and not 0.0 <= min_agreement <= 1.0:
            raise ScopeError(
                f"A minimum agreement is a share between 0 and 1, not {min_agreement}."
            )
        start, end = _time(since, "since"), _time(until, "until")
        if start and end and start >= end:
            raise ScopeError(f"The time range is empty: {start} is not before {end}.")
        return cls(
            rubric_version=rubric_version,
            criteria=tuple(dict.fromkeys(criteria)) if criteria else None,
            tags=parse_tags(tags or ()),
            sources=tuple(dict.fromkeys(sources)) if sources else None,
            since=start,
            until=end,
            min_agreement=min_agreement,
            anchors=anchors,
        )

    # -- SQL pieces ---------------------------------------------------------------------
    def item_where(self) -> tuple[str, list[Any]]:
        """Conditions on `items` (aliased i) for the tag and anchor filters."""
        clauses: list[str] = []
        params: list[Any] = []
        for key, values in self.tags:
            marks = ", ".join("?" * len(values))
            clauses.append(f"CAST(json_extract(i.tags, ?) AS TEXT) IN ({marks})")
            params += [json_path(key), *values]
        if self.anchors == "exclude":
            clauses.append("NOT EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = i.id)")
        elif self.anchors == "only":
            clauses.append("EXISTS (SELECT 1 FROM anchors x WHERE x.item_id = i.id)")
        return " AND ".join(clauses), params

    def label_where(self) -> tuple[str, list[Any]]:
        """Conditions on labels (aliased l) for the version and time filters."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.rubric_version is not None:
            clauses.append("l.rubric_version_id = ?")
            params.append(self.rubric_version)
        if self.since:
            clauses.append("l.submitted_at >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("l.submitted_at < ?")
            params.append(self.until)
        return " AND ".join(clauses), params

    def to_dict(self) -> dict[str, Any]:
        """The filters as JSON (what a manifest records)."""
        return {
            "rubric_version_id": self.rubric_version,
            "criteria": list(self.criteria) if self.criteria else None,
            "tags": {key: list(values) for key, values in self.tags},
            "sources": list(self.sources) if self.sources else None,
            "since": self.since,
            "until": self.until,
            "min_agreement": self.min_agreement,
            "anchors": self.anchors,
        }


def json_path(key: str) -> str:
    """The JSON path of a criterion key (quoted: keys may hold dots)."""
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_tags(specs: Iterable[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """KEY=VALUE specs as (key, allowed values) pairs, keys sorted.

    `["domain=legal", "domain=med", "lang=en"]` -> (("domain", ("legal", "med")), ("lang", ("en",)))
    """
    allowed: dict[str, list[str]] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key.strip():
            raise ScopeError(f"A slice tag filter is KEY=VALUE (e.g. domain=legal), not {spec!r}.")
        values = allowed.setdefault(key.strip(), [])
        if value.strip() not in values:
            values.append(value.strip())
    return tuple((key, tuple(values)) for key, values in sorted(allowed.items()))


def _time(text: str | None, name: str) -> str | None:
    if text is None or not str(text).strip():
        return None
    try:
        return normalize_time(str(text))
    except ValueError as exc:
        raise ScopeError(f"--{name}: {exc}") from None


def describe(scope: Scope, names: Sequence[str] = ()) -> str:
    """A one-line, human description of the filters (for screens and the card)."""
    parts = []
    data = scope.to_dict()
    if data["criteria"]:
        parts.append("criteria " + ", ".join(data["criteria"]))
    for key, values in data["tags"].items():
        parts.append(f"{key} in {', '.join(values)}")
    if data["sources"]:
        parts.append("sources " + ", ".join(data["sources"]))
    if scope.since or scope.until:
        parts.append(f"submitted {scope.since or '…'} to {scope.until or '…'}")
    if scope.min_agreement is not None:
        parts.append(f"item agreement at least {scope.min_agreement:g}")
    if scope.anchors != "include":
        parts.append("anchors only" if scope.anchors == "only" else "anchors left out")
    parts += list(names)
    return "; ".join(parts) if parts else "everything"


__all__ = ["ANCHOR_CHOICES", "Scope", "ScopeError", "describe", "json_path", "parse_tags"]

"""Making a work pack file for one annotator, and topping one up with more items.

A pack holds the project's schema and only: the pack's items (numbered afresh
in queue order), the one rubric version it is labeled under, the annotator and
their source, the queue (assignments in a fixed order, anchors already mixed in
as ordinary items; queue settings with no anchors, and the person's repeat rate
so repeats of what they label in the pack are mixed in by the normal queue), and
its own description (`meta` rows `pack_*`: project, pack id and version,
annotator, content digests of items and rubric). It holds no anchors, no scores,
no one else's labels and nothing that says which items are anchors.

Topping up writes a NEW file (version + 1) that is a copy of the old one (its
labels, drafts and served log, so nothing done in it is lost) with more items
appended; the old file's labels are merged into the project first, so they are
safe even if the new file goes astray.

    >>> info = create_pack(project, "Dr. Chen", "chen.annpack", next_n=200)
    >>> info = top_up_pack(project, "chen.annpack", ["it-9", "it-10"], out="chen-v2.annpack")
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.base.clock import now_iso
from annotator.exchange.pack_file import (
    PackError,
    PackMeta,
    pack_meta_of,
    remove_pack_files,
)
from annotator.exchange.pack_merge import merge_packs
from annotator.exchange.pack_plan import (
    PlannedEntry,
    entries_of,
    latest_version,
    live_anchor_items,
    make_mixer,
    plan_entries,
    record_pack,
    record_version,
    remaining_assigned,
    resolve_items,
    version_row,
)
from annotator.exchange.pack_suggest import plan_offers, record_decoys
from annotator.exchange.pack_write import (
    write_new,
    write_topup,
)
from annotator.labels.labels import require_annotator
from annotator.rubric.model import RubricVersion
from annotator.rubric.versions import current_version, get_version, resolve_version
from annotator.store.project import Project

if TYPE_CHECKING:
    from annotator.exchange.pack_merge import MergeReport


@dataclass
class PackInfo:
    """What the lead made: a pack version, its file, and (lead only) its anchor count."""

    path: Path
    pack_id: str
    version: int
    annotator: str
    rubric: str
    items: int
    anchors: int
    added: int = 0  # entries new in this version
    labels_carried: int = 0  # top-up: labels copied over from the previous version
    merged: MergeReport | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path)
        out["merged"] = self.merged.to_dict() if self.merged is not None else None
        return out

    def summary(self) -> str:
        text = (
            f"Wrote {self.path} (pack {self.pack_id[:8]} version {self.version}) for "
            f"{self.annotator}: {self.items} items under {self.rubric}, {self.anchors} of them "
            "anchors (the pack does not say which)."
        )
        if self.version > 1:
            text += (
                f" {self.added} items added; {self.labels_carried} labels carried over from "
                "the previous version."
            )
        return text


# -- writing -------------------------------------------------------------------------------


def _finish(
    project: Project,
    tmp: Path,
    out: Path,
    record: Any,
) -> None:
    """Record the version in the project and move the file into place, together:
    if either fails, neither happens."""
    replaced = False
    try:
        with project.transaction():
            record()
            os.replace(tmp, out)
            replaced = True
    except BaseException:
        if replaced:  # the commit failed after the move: no file without its record
            remove_pack_files(out)
        remove_pack_files(tmp)
        raise


def _check_out(out: Path, *avoid: Path) -> Path:
    out = Path(out)
    if out.exists() or any(out.resolve() == Path(a).resolve() for a in avoid):
        raise PackError(
            f"{out}: already exists; a pack is never written over a file (it may hold someone's "
            "labels). Choose another --out name."
        )
    if out.parent and not out.parent.exists():
        raise PackError(f"{out.parent}: no such folder; create it or choose another --out.")
    return out


def _tmp_for(out: Path) -> Path:
    return out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")


def _version_of(project: Project, spec: str | int | RubricVersion | None) -> RubricVersion:
    if isinstance(spec, RubricVersion):
        return spec
    return current_version(project) if spec is None else resolve_version(project, spec)


def create_pack(
    project: Project,
    annotator: str,
    out: str | Path,
    items: Sequence[str] | None = None,
    *,
    next_n: int | None = None,
    rubric_version: str | int | RubricVersion | None = None,
    anchors: bool = True,
    repeats: bool = True,
    anchor_rate: float | None = None,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> PackInfo:
    """Write a new pack for `annotator` at `out` and record it in the project.

    Items: those named (in that order), else the next `next_n` entries of the
    person's queue, else all their assigned items without a label. Anchors are
    mixed in at the rate in force (or `anchor_rate`) unless `anchors=False`;
    repeats of items labeled in the pack are mixed in by the pack's queue at the
    person's repeat rate unless `repeats=False`. `details` is kept with the
    project's record of the pack (e.g. a calibration session id).
    """
    person = require_annotator(project, annotator)
    out = _check_out(Path(out))
    version = _version_of(project, rubric_version)
    pack_id = uuid.uuid4().hex
    entries = plan_entries(
        project,
        person,
        items=items,
        next_n=next_n,
        anchors=anchors,
        anchor_rate=anchor_rate,
        seed_text=pack_id,
    )
    if not entries:
        raise PackError(f"Nothing to put in a pack for {person.name}: their queue is empty.")
    offers = plan_offers(project, person, entries, pack_id)
    meta = PackMeta(
        pack_id=pack_id,
        version=1,
        project_id=project.id,
        project_name=project.name,
        annotator=person.name,
        created_at=now_iso(),
        created_by=project.actor,
        items_hash="",
        rubric_hash=version.content_hash(),
        note=note,
    )
    tmp = _tmp_for(out)
    try:
        digest = write_new(project, tmp, meta, person, version, entries, repeats, offers)
    except BaseException:
        remove_pack_files(tmp)
        raise

    def record() -> None:
        record_pack(
            project,
            pack_id,
            person.id,
            version.id,
            {**(details or {}), "note": note, "anchors": anchors, "repeats": repeats},
        )
        record_version(project, pack_id, 1, out.name, entries, digest, meta.rubric_hash)
        record_decoys(project, person.id, pack_id, offers)
        project.audit(
            "pack_create",
            target=out.name,
            details={
                "pack_id": pack_id,
                "version": 1,
                "annotator": person.name,
                "items": len(entries),
                "anchors": sum(e.kind == "anchor" for e in entries),
                "rubric_version_id": version.id,
            },
        )

    _finish(project, tmp, out, record)
    return PackInfo(
        path=out,
        pack_id=pack_id,
        version=1,
        annotator=person.name,
        rubric=version.label,
        items=len(entries),
        anchors=sum(e.kind == "anchor" for e in entries),
        added=len(entries),
    )


def top_up_pack(
    project: Project,
    pack_path: str | Path,
    more_items: Sequence[str] | None = None,
    *,
    out: str | Path,
    next_n: int | None = None,
    anchors: bool = True,
    anchor_rate: float | None = None,
) -> PackInfo:
    """A new version of a pack with more items, keeping everything done in the old one.

    The old file's labels are merged into the project first (validated like any
    merge; merging is idempotent). The new file at `out` is a copy of the old one
    (labels, drafts, served log) with the new items appended, anchors mixed in.
    Items already in the pack are left out. The old file is not changed.
    """
    pack_path = Path(pack_path)
    out = _check_out(Path(out), pack_path)
    merged = merge_packs(project, [pack_path])
    meta = pack_meta_of(pack_path)
    latest = latest_version(project, meta.pack_id)
    if latest != meta.version:
        raise PackError(
            f"{pack_path}: this is version {meta.version} of the pack; version {latest} exists. "
            "Top up the latest version."
        )
    row = version_row(project, meta.pack_id, meta.version)
    person = require_annotator(project, meta.annotator)
    version = get_version(project, row["rubric_version_id"])
    old = entries_of(project, meta.pack_id, meta.version)
    in_pack = {e.item_id for e in old}
    if more_items is not None:
        regular = [i for i in resolve_items(project, more_items) if i not in in_pack]
        if next_n is not None:
            regular = regular[:next_n]
    elif next_n is not None:
        regular = remaining_assigned(project, person.id, in_pack, next_n)
    else:
        raise PackError("Name the items to add (--items or --items-file) or give --next N.")
    if not regular:
        raise PackError(
            f"Nothing to add to {pack_path.name}: every item named is already in the pack "
            "(or no assigned items are left)."
        )
    anchor_items = live_anchor_items(project)
    if anchors:
        last_anchor = max((i for i, e in enumerate(old) if e.kind == "anchor"), default=None)
        used = {e.item_id for e in old if e.kind == "anchor"}
        mixer = make_mixer(
            project,
            person,
            in_pack | set(regular),
            anchor_rate,
            f"{meta.pack_id}|{meta.version + 1}",
            used,
        )
        new = mixer.mix(regular, len(old), last_anchor)
    else:
        new = [PlannedEntry(i, "item") for i in regular]
    new = [PlannedEntry(e.item_id, "anchor" if e.item_id in anchor_items else e.kind) for e in new]
    entries = [*old, *new]
    offers = plan_offers(project, person, new, meta.pack_id, len(old))
    tmp = _tmp_for(out)
    try:
        carried, digest = write_topup(
            project, pack_path, tmp, meta, person, version, new, len(old), offers
        )
    except BaseException:
        remove_pack_files(tmp)
        raise
    number = meta.version + 1

    def record() -> None:
        record_version(
            project, meta.pack_id, number, out.name, entries, digest, meta.rubric_hash, carried
        )
        record_decoys(project, person.id, meta.pack_id, offers)
        project.audit(
            "pack_topup",
            target=out.name,
            details={
                "pack_id": meta.pack_id,
                "version": number,
                "annotator": person.name,
                "added": len(new),
                "anchors_added": sum(e.kind == "anchor" for e in new),
                "labels_carried": carried,
            },
        )

    _finish(project, tmp, out, record)
    return PackInfo(
        path=out,
        pack_id=meta.pack_id,
        version=number,
        annotator=person.name,
        rubric=version.label,
        items=len(entries),
        anchors=sum(e.kind == "anchor" for e in entries),
        added=len(new),
        labels_carried=carried,
        merged=merged,
    )


__all__ = ["PackInfo", "create_pack", "top_up_pack"]

"""Calibration rounds through work packs: each participant labels the round's items
blind on their own laptop, the lead merges the packs and reveals in the project.

A round's packs hold exactly the round's items under the round's rubric version,
with no anchors mixed in and no repeats (a calibration round is not a queue).
The project remembers which pack belongs to which participant and round
(`session_packs`); after a merge, each participant's final answer on each item in
their pack is linked to the round, so the reveal, agreement and summary treat it
exactly like an answer given in the room. Merging after the reveal is refused:
those answers would no longer be blind.

    >>> made = make_round_packs(project, "Nov", "packs/")     # one file per participant
    >>> merge_round_packs(project, "Nov", ["packs/nov-r1-ana.annpack", ...])
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotator.base.clock import now_iso
from annotator.calibration.model import (
    ANSWERED,
    CalibrationError,
    Round,
    Session,
    get_session,
    require_open,
)
from annotator.exchange.pack_create import PackInfo, create_pack
from annotator.exchange.pack_file import PACK_SUFFIX
from annotator.exchange.pack_merge import MergeReport, merge_packs
from annotator.rubric.versions import get_version
from annotator.sources.sources import get_annotator
from annotator.store.project import Project


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _open_round(session: Session, number: int | None) -> Round:
    require_open(session)
    chosen = session.round(number)
    if chosen.revealed:
        raise CalibrationError(
            f"Round {chosen.number} of {session.name!r} is revealed; its packs can no longer "
            "be made or merged (the answers would not be blind)."
        )
    return chosen


def round_packs(
    project: Project, session: int | str | Session, number: int | None = None
) -> list[dict[str, Any]]:
    """The packs made for a round: participant, pack id, file name, when."""
    found = get_session(project, session)
    chosen = found.round(number)
    rows = project.rows(
        "SELECT a.name, p.pack_id, p.file_name, p.created_at FROM session_packs p "
        "JOIN annotators a ON a.id = p.annotator_id WHERE p.round_id = ? ORDER BY a.name",
        (chosen.id,),
    )
    return [dict(row) for row in rows]


def make_round_packs(
    project: Project,
    session: int | str | Session,
    folder: str | Path,
    number: int | None = None,
) -> list[PackInfo]:
    """One pack per participant who has none for this round yet, in `folder`."""
    found = get_session(project, session)
    chosen = _open_round(found, number)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    have = {row["name"] for row in round_packs(project, found, chosen.number)}
    version = get_version(project, chosen.rubric_version_id)
    made = []
    for name in found.participants:
        if name in have:
            continue
        out = folder / f"{_slug(found.name)}-round{chosen.number}-{_slug(name)}{PACK_SUFFIX}"
        info = create_pack(
            project,
            name,
            out,
            items=list(chosen.items),
            rubric_version=version,
            anchors=False,
            repeats=False,
            note=f"Calibration session {found.name!r}, round {chosen.number} (blind)",
            details={"session_id": found.id, "round": chosen.number},
        )
        with project.transaction():
            project.conn.execute(
                "INSERT INTO session_packs(round_id, annotator_id, pack_id, file_name, "
                "created_at, details) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    chosen.id,
                    get_annotator(project, name).id,
                    info.pack_id,
                    info.path.name,
                    now_iso(),
                    json.dumps({"items": info.items}),
                ),
            )
        made.append(info)
    return made


def collect_round_labels(
    project: Project, session: int | str | Session, number: int | None = None
) -> dict[str, int]:
    """Link each participant's final merged answer per item of their round pack to the
    round; returns participant -> answers linked now. Idempotent."""
    found = get_session(project, session)
    chosen = _open_round(found, number)
    linked: dict[str, int] = {}
    with project.transaction():
        for row in project.rows(
            "SELECT p.annotator_id, p.pack_id, a.name FROM session_packs p "
            "JOIN annotators a ON a.id = p.annotator_id WHERE p.round_id = ?",
            (chosen.id,),
        ):
            labels = project.rows(
                "SELECT l.id, l.item_id, l.status FROM labels l WHERE l.annotator_id = ? "
                "AND l.repeat_of IS NULL AND l.batch_id IN "
                "(SELECT batch_id FROM pack_merges WHERE pack_id = ?) ORDER BY l.id",
                (row["annotator_id"], row["pack_id"]),
            )
            final: dict[str, Any] = {}
            for label in labels:
                if label["item_id"] in chosen.items:
                    final[label["item_id"]] = label
            count = 0
            for item_id, label in final.items():
                if label["status"] not in ANSWERED:
                    continue
                cursor = project.conn.execute(
                    "INSERT OR IGNORE INTO session_labels(round_id, label_id, annotator_id, "
                    "item_id, via, linked_at) VALUES (?, ?, ?, ?, 'pack', ?)",
                    (chosen.id, label["id"], row["annotator_id"], item_id, now_iso()),
                )
                count += cursor.rowcount
            linked[row["name"]] = count
    return linked


def merge_round_packs(
    project: Project,
    session: int | str | Session,
    paths: Sequence[str | Path],
    number: int | None = None,
) -> tuple[MergeReport, dict[str, int]]:
    """Merge participants' packs and link their answers to the round, in one
    transaction (all or nothing, like any merge)."""
    found = get_session(project, session)
    _open_round(found, number)
    with project.transaction():
        report = merge_packs(project, list(paths))
        linked = collect_round_labels(project, found, number)
    return report, linked


__all__ = ["collect_round_labels", "make_round_packs", "merge_round_packs", "round_packs"]

"""Ready to send: making a work pack whole and saying what to send.

The labeler's last step before handing a pack over, in the app (File ▸ Ready to
send) or as `annotator pack finish PACK`. It deals with what a crash left (a
`-journal` rolled back into the file or removed, a `-wal` folded in), runs
SQLite's full integrity check (when only indexes disagree with their tables, as
after a copy taken mid-write, they are rebuilt from the rows, which hold the
labels), checks every label row as a merge will, and makes sure the one file is
all there is.

    >>> ready = finish_pack("chen.annpack")
    >>> print(ready.summary())
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.exchange.pack_checks import check_pack_content, read_pack
from annotator.exchange.pack_file import (
    DamagedPackError,
    PackError,
    PackMismatchError,
    describe_problems,
    integrity_problems,
    open_pack,
    recover_journal,
)

SIDE_SUFFIXES = ("-journal", "-wal", "-shm")
INDEX_PROBLEM = re.compile(
    r"^(row \d+ missing from index|wrong # of entries in index|non-unique entry in index) "
)
SETTLE_S = 2.0  # how long a side file of the app's own write (a draft) may take to go


@dataclass
class PackReady:
    """A pack checked whole and ready to hand over: what to send."""

    path: str
    bytes: int
    annotator: str
    project_name: str
    labels: int
    statuses: dict[str, int] = field(default_factory=dict)
    items: int = 0
    answered: int = 0
    drafts: int = 0
    journal_recovered: bool = False
    repaired: bool = False
    integrity: str = "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items()))
        text = (
            f"Ready to send: {self.path} ({size_text(self.bytes)}). It holds {self.labels} "
            f"labels by {self.annotator}{f' ({kinds})' if kinds else ''}, answering "
            f"{self.answered} of {self.items} items of project “{self.project_name}”. "
            "SQLite's full integrity check and a check of every label passed. "
            "Send the lead this file: this one file is all, nothing beside it is needed."
        )
        if self.journal_recovered:
            text += " (What an interrupted save left beside it was folded back in first.)"
        if self.repaired:
            text += " (Its indexes were rebuilt from its rows; no label was changed.)"
        if self.drafts:
            text += (
                f" {self.drafts} half-filled forms are not labels and are not merged: submit "
                "them first if they should count."
            )
        return text + " If you label more, choose Ready to send again before sending."


def size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def side_files(path: Path) -> list[str]:
    return [f"{path.name}{s}" for s in SIDE_SUFFIXES if Path(f"{path}{s}").exists()]


def _not_ready(path: Path, reason: str) -> DamagedPackError:
    return DamagedPackError(
        f"{path}: not ready to send: {reason}. Do not label further in this file; keep it "
        "and send it to the lead as it is, saying that Ready to send refused it (the lead "
        "can see what is recoverable). No label in it was changed.",
        reason,
    )


def _check_whole(conn: sqlite3.Connection, path: Path) -> bool:
    """Full integrity check; indexes that disagree with their rows are rebuilt.
    True if they had to be."""
    problems = integrity_problems(conn)
    if not problems:
        return False
    if not all(INDEX_PROBLEM.match(problem) for problem in problems):
        raise _not_ready(path, f"SQLite's integrity check finds {describe_problems(problems)}")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("REINDEX")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise _not_ready(path, f"its indexes cannot be rebuilt ({exc})") from None
    after = integrity_problems(conn)
    if after:
        raise _not_ready(path, f"SQLite's integrity check still finds {describe_problems(after)}")
    return True


def _answered(conn: sqlite3.Connection) -> int:
    return conn.execute(
        "SELECT count(DISTINCT l.item_id) FROM labels l WHERE l.repeat_of IS NULL "
        "AND l.status != 'retracted' "
        "AND NOT EXISTS (SELECT 1 FROM labels s WHERE s.supersedes = l.id)"
    ).fetchone()[0]


def _settled(path: Path) -> list[str]:
    """Side files still beside the pack once any write in progress (the app saving a
    draft while this runs) has had time to finish."""
    deadline = time.monotonic() + SETTLE_S
    while (left := side_files(path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def finish_pack(path: str | Path) -> PackReady:
    """Make the pack at `path` whole, check it as a merge will, and say what to send.

    Refuses (typed errors) a file that is not a pack, a pack from a newer
    Annotator, one damaged beyond rebuilt indexes, or one with a label row a
    merge would refuse. The labels in the file are never changed.
    """
    path = Path(path)
    recovered = recover_journal(path)
    pack = open_pack(path)  # refuses what is not a pack; folds a -wal in
    try:
        repaired = _check_whole(pack.conn, path)
        try:
            loaded = read_pack(pack.conn, path)
            check_pack_content(loaded, lambda reason: PackMismatchError(reason))
        except PackMismatchError as error:
            raise _not_ready(path, str(error).rstrip(".")) from None
        except sqlite3.DatabaseError as exc:
            raise _not_ready(path, f"it cannot be read whole ({exc})") from None
        statuses: dict[str, int] = {}
        for label in loaded.labels:
            statuses[label["status"]] = statuses.get(label["status"], 0) + 1
        answered = _answered(pack.conn)
    finally:
        pack.close()
    left = _settled(path)
    if left:
        raise PackError(
            f"{path}: {', '.join(left)} is still beside the pack: another program is writing "
            "it (is it open in a second Annotator window?). Close it there and choose Ready to "
            "send again."
        )
    return PackReady(
        path=str(path),
        bytes=path.stat().st_size,
        annotator=loaded.meta.annotator,
        project_name=loaded.meta.project_name,
        labels=len(loaded.labels),
        statuses=statuses,
        items=len(loaded.items),
        answered=answered,
        drafts=loaded.drafts,
        journal_recovered=recovered,
        repaired=repaired,
    )


__all__ = ["PackReady", "finish_pack"]

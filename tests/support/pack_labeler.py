"""Label in a work pack through the app's own core path until killed.

Usage: python -m tests.support.pack_labeler PACK

Opens the pack with `open_pack` (what the app calls for a pack file) and labels
its queue through a `WorkSession`, as the annotate view does: a draft saved
while "typing", then the submit. Prints `OPEN <side files beside the pack>` once
open, then `COMMITTED <uid>` for every label the workbench has committed,
flushed before the next write, so whoever kills it knows what must survive.
Prints `DONE` when the queue is empty and waits to be killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from annotator.exchange.pack_file import open_pack, read_meta
from annotator.workbench.session import WorkSession
from tests.support.pack_project import TOPICS


def values_for(item_id: str) -> dict:
    index = sum(map(ord, item_id))
    return {"correct": ("yes", "no")[index % 2], "topic": TOPICS[index % 3], "quality": 3}


def side_files(path: Path) -> str:
    found = [s for s in ("-journal", "-wal", "-shm") if Path(f"{path}{s}").exists()]
    return ",".join(found) or "none"


def main() -> None:
    path = Path(sys.argv[1])
    pack = open_pack(path)
    session = WorkSession(pack, read_meta(pack.conn, path).annotator)
    print("OPEN", side_files(path), flush=True)
    while (card := session.open_next()) is not None:
        values = values_for(card.item.id)
        session.save_draft(dict(list(values.items())[:1]), "", 1.0)
        result = session.submit(values, "", 2.0)
        print("COMMITTED", result.label.uid, flush=True)
    print("DONE", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()

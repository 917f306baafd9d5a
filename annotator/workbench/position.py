"""Where a person was in their own history when they left, so a relaunch resumes there.

The queue's open entry is already remembered by the served log
(:mod:`annotator.queue.queue`); this adds the one thing it cannot know: that the
person had gone back to an earlier item of theirs. Stored in the project's
`meta` table, one key per person, and only while they are on such an item (on
the queue's item there is no key), so the usual submit-and-next path writes
nothing extra.
"""

from __future__ import annotations

from annotator.base.errors import DatabaseBusyError
from annotator.base.storage import storage_error
from annotator.store.project import Project

KEY_PREFIX = "workbench.position."


def position_key(annotator_id: int) -> str:
    return f"{KEY_PREFIX}{annotator_id}"


def load_position(project: Project, annotator_id: int) -> str | None:
    """The earlier item the person was on when they left (None: the queue's item)."""
    return project.meta(position_key(annotator_id)) or None


def save_position(project: Project, annotator_id: int, item_id: str | None) -> bool:
    """Remember the earlier item on screen (None: back on the queue's item).

    Returns False, writing nothing, while another process holds the write lock or
    the disk refuses the write: a lost position only means the relaunch opens the
    queue's item instead.
    """
    key = position_key(annotator_id)
    try:
        with project.transaction():
            if item_id is None:
                project.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                project.set_meta(key, item_id)
    except DatabaseBusyError:
        return False
    except Exception as error:
        if storage_error(error, project.path) is None:
            raise
        return False  # a full or read-only disk: as lost as a busy one, and as harmless
    return True

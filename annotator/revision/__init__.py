"""Rubric revision: publishing (with stale anchors), drafts from sessions, evolution.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "list_drafts": "drafts",
    "new_draft": "drafts",
    "publish_draft": "drafts",
    "save_draft": "drafts",
    "EvolutionError": "evolution",
    "meaning_changes": "evolution",
    "requeue_stale": "evolution",
    "draft_is_unchanged": "evolution",
    "stale_if_published": "evolution",
    "stale_labels": "evolution",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

"""A labeling session: the next item, drafts, active time, submit and undo, and the
recovery file for answers a full or read-only disk refused.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "ActiveClock": "active_time",
    "ItemCard": "cards",
    "ItemSource": "cards",
    "Progress": "figures",
    "SessionSummary": "figures",
    "Suggestion": "suggestions",
    "suggestion_for": "suggestions",
    "WorkSession": "session",
    "apply_recovery": "recovery",  # answers a refusing disk kept out, written now
    "recovery_for": "recovery",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

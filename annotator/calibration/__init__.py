"""Calibration sessions: blind round, reveal, adjudication, before/after agreement.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "adjudicate_item": "decisions",
    "link_version": "decisions",
    "promote_to_anchor": "decisions",
    "MODES": "model",
    "make_round_packs": "packs",
    "merge_round_packs": "packs",
    "round_packs": "packs",
    "CriterionReveal": "reveal",
    "ItemReveal": "reveal",
    "Reveal": "reveal",
    "round_agreement": "reveal",
    "show_value": "reveal",
    "Session": "sessions",
    "add_note": "sessions",
    "get_session": "sessions",
    "list_notes": "sessions",
    "session_summary": "summary",
    "sessions_html": "summary",
    "summary_markdown": "summary",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

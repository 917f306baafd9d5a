"""Anchor items: known answers seeded blind into queues, scored, and their adaptive rate.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "Anchor": "anchors",
    "add_anchor": "anchors",
    "flag_stale_anchors": "anchors",
    "list_anchors": "anchors",
    "AnchorFileError": "file",
    "RateInputs": "rate",
    "RatePolicy": "rate",
    "decide_rate": "rate",
    "anchor_accuracy": "scoring",
    "label_scores": "scoring",
    "option_stats": "scoring",
    "score_batch": "scoring",
    "score_labels": "scoring",
    "score_value": "scoring",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

"""The labeling screen: the item, the rubric form, progress, guidelines, feedback.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "AnnotateView": "view",
    "ItemPanel": "item_panel",
    "RubricForm": "rubric_form",
    "CriterionCard": "criterion_cards",
    "SuggestionPanel": "suggestion_panel",
    "RecoveryBanner": "storage_banner",
    "StorageBanner": "storage_banner",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

"""The rubric editor: drafts, criteria, what a change does to existing labels.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "RubricEditor": "screen",
    "CriterionEditor": "form",
    "ChangesPane": "changes",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

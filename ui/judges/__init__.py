"""The judges screen: add and test an LLM judge, run it on a selection, its failures and versions.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "JudgesScreen": "screen",
    "AddJudgeDialog": "add_dialog",
    "RunTab": "run_tab",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

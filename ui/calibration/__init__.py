"""The calibration screen: sessions, blind rounds, the reveal and adjudication.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "CalibrationScreen": "screen",
    "RevealPage": "reveal",
    "SessionPanel": "session",
    "NewSessionForm": "new_session",
    "make_packs": "packs",
    "merge_packs": "packs",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

"""Per-user preferences: the keymap, where settings live, and the settings themselves.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "Action": "keymap",
    "DEFAULT_ACTIONS": "keymap",
    "KeymapError": "keymap",
    "build_keymap": "keymap",
    "keymap_rows": "keymap",
    "resources_dir": "paths",
    "user_data_dir": "paths",
    "Settings": "settings",
    "load_settings": "settings",
    "save_settings": "settings",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

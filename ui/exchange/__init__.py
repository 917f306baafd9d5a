"""Files in and out: the export dialog, opening and merging work packs.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "ExportDialog": "export_dialog",
    "PacksDialog": "pack_screens",
    "ReadyDialog": "pack_screens",
    "open_pack": "pack_screens",
    "ready_to_send": "pack_screens",
    "show_packs_dialog": "pack_screens",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

"""Files in and out: item and label imports, work packs, and exports for eval repositories.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "Cancelled": "export",
    "ExportError": "export",
    "ExportOptions": "export",
    "FORMATS": "export",
    "FORMAT_TITLES": "export",
    "export_project": "export",
    "table_paths": "export",
    "ALLOWED_MAP_FIELDS": "item_import",
    "import_items": "item_import",
    "Candidate": "label_import",
    "LABEL_FORMATS": "label_import",
    "import_labels": "label_import",
    "label_uid": "label_import",
    "PackInfo": "pack_create",
    "PACK_SUFFIX": "pack_file",
    "read_meta": "pack_file",
    "MergeReport": "pack_merge",
    "create_pack": "packs",
    "finish_pack": "packs",
    "list_packs": "packs",
    "merge_packs": "packs",
    "open_pack": "packs",
    "top_up_pack": "packs",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

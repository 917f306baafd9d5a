"""The ground floor: the clock, typed errors, lazy imports, measurement levels and file readers.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "normalize_time": "clock",
    "now": "clock",
    "now_iso": "clock",
    "parse_time": "clock",
    "AnnotatorError": "errors",
    "InputError": "errors",
    "LabelError": "errors",
    "ManyInputErrors": "errors",
    "NewerVersionError": "errors",
    "NotAProjectError": "errors",
    "NotFoundError": "errors",
    "ProjectFileError": "errors",
    "RubricError": "errors",
    "lazy_module": "lazy",
    "DiskFullError": "storage",
    "FileVanishedError": "storage",
    "ReadOnlyStorageError": "storage",
    "StorageError": "storage",
    "StorageIOError": "storage",
    "StoragePermissionError": "storage",
    "storage_error": "storage",
    "LEVELS": "levels",
    "Level": "levels",
    "FORMATS": "readers",
    "check_input_file": "readers",
    "detect_format": "readers",
    "iter_records": "readers",
    "parse_mapping": "readers",
    "pick": "readers",
    "sha256_of": "readers",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

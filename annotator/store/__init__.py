"""The project file: one SQLite database (WAL, migrations, audit log) and its schema.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "PACK_APPLICATION_ID": "project",
    "PROJECT_APPLICATION_ID": "project",
    "Project": "project",
    "FileKind": "file_check",
    "PROJECT_FILE": "project",
    "application_id_of": "file_check",
    "applied_migrations": "file_check",
    "check_file": "file_check",
    "check_project_file": "project",
    "connect": "project",
    "copy_project": "project",
    "create_project": "project",
    "open_project": "project",
    "open_reader": "project",
    "read_application_id": "file_check",
    "read_arrow": "arrow_query",
    "remove_project_files": "project",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

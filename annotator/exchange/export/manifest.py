"""The manifest every export carries: what it holds, how it was made, and each file's sha256.

Everything in it is a function of the project's state and the export options,
except one key, `exported_at`. The export id is the sha256 of the manifest
without `exported_at` and `export_id`, so two exports of the same state with
the same options have the same id and byte-identical files, and an eval
repository can diff them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.exchange.export.columns import stat
from annotator.rubric.versions import get_version
from annotator.store.project import Project

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
TIME_KEY = "exported_at"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(folder: Path) -> dict[str, str]:
    """{relative posix path: sha256} for every file under `folder` but the manifest, sorted."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative != MANIFEST:
            out[relative] = sha256_file(path)
    return out


def rounded(value: Any) -> Any:
    """The same structure with every float rounded like the tables' statistics."""
    if isinstance(value, float):
        return stat(value)
    if isinstance(value, dict):
        return {str(k): rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    return value


def rubric_versions(
    project: Project, version_ids: list[int], real_names: bool
) -> list[dict[str, Any]]:
    """Each rubric version the export covers, with its full text."""
    out = []
    for version_id in sorted(version_ids):
        version = get_version(project, version_id)
        row = project.row(
            "SELECT source_text, content_hash FROM rubric_versions WHERE id = ?", (version_id,)
        )
        entry = {
            "rubric": version.name,
            "version": version.version,
            "published_at": version.published_at,
            "note": version.note,
            "content_hash": row["content_hash"],
            "guidelines": version.guidelines,
            "criteria": [c.to_dict() for c in version.criteria],
            "source_text": row["source_text"],
        }
        if real_names:
            entry["published_by"] = version.published_by
        out.append(entry)
    return out


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def export_id_of(manifest: dict[str, Any]) -> str:
    stable = {k: v for k, v in manifest.items() if k not in (TIME_KEY, "export_id")}
    return "exp-" + hashlib.sha256(canonical(stable)).hexdigest()[:24]


def build_manifest(
    *,
    project: Project,
    options: dict[str, Any],
    rubrics: list[dict[str, Any]],
    counts: dict[str, Any],
    consensus: dict[str, Any],
    quality: dict[str, Any],
    files: dict[str, str],
    exported_at: str,
    csv_cells: dict[str, Any] | None = None,
    judges: list[dict[str, Any]] | None = None,
    judge_settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "export_id": "",
        TIME_KEY: exported_at,
        "app": {"name": "annotator", "version": __version__},
        "project": {"id": project.id, "name": project.name},
        "options": options,
        "rubric_versions": rubrics,
        "counts": counts,
        "consensus": consensus,
        "agreement": rounded(quality["agreement"]),
        "agreement_within_sources": rounded(quality["within_sources"]),
        "sources": rounded(quality["sources"]),
        "notes": quality["notes"],
        "judges": rounded(judges or []),
        "files": files,
    }
    if judge_settings is not None:  # how the judges' figures were computed
        manifest["judge_settings"] = judge_settings
    if csv_cells is not None:  # CSV exports: what was done to formula-like text cells
        manifest["csv_cells"] = csv_cells
    manifest["export_id"] = export_id_of(manifest)
    return manifest


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    path = folder / MANIFEST
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


__all__ = [
    "MANIFEST",
    "TIME_KEY",
    "build_manifest",
    "export_id_of",
    "file_hashes",
    "rounded",
    "rubric_versions",
    "sha256_file",
    "write_manifest",
]

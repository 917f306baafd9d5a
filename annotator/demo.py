"""The demo project: built from `resources/demo/` on first run, reopened after.

It goes through the same public functions a lead uses (publish, import,
anchors, assign), so the demo doubles as an end-to-end check. It is built into
a temporary file and renamed into place, so an interrupted build never leaves a
half-made demo behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from annotator.anchors import anchors
from annotator.base.errors import ProjectFileError
from annotator.exchange.item_import import import_items
from annotator.exchange.label_import import import_labels
from annotator.prefs.paths import resources_dir, user_data_dir
from annotator.queue import assignments
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import load_rubric_file
from annotator.sources.sources import ensure_annotator, ensure_source, make_cost_model
from annotator.store.project import (
    Project,
    check_project_file,
    create_project,
    remove_project_files,
)

DEMO_NAME = "Demo: assistant answer review"
DEMO_PERSON = "You (demo)"
DEMO_SOURCE = "experts"


def demo_dir() -> Path:
    return resources_dir() / "demo"


def demo_path() -> Path:
    return user_data_dir() / "demo" / "demo.annotator"


def ensure_demo(rebuild: bool = False, path: Path | None = None) -> Path:
    """The demo project's path, building it first if it is missing or unusable."""
    path = path or demo_path()
    if path.exists() and not rebuild:
        try:
            check_project_file(path)
            return path
        except ProjectFileError:
            path.replace(path.with_name(path.name + ".unusable"))
    build_demo(path)
    return path


def build_demo(path: Path) -> Path:
    source = demo_dir()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".building")
    remove_project_files(temp)
    project = create_project(temp, name=DEMO_NAME, actor="demo")
    try:
        publish(project, load_rubric_file(source / "rubric_v1.yaml"), note="First version")
        publish(
            project,
            load_rubric_file(source / "rubric_v2.yaml"),
            note="Adds confidence and notes; verdict gains 'escalate'; clearer correctness guide",
        )
        import_items(project, source / "items.jsonl")
        people = json.loads((source / "annotators.json").read_text(encoding="utf-8"))
        _import_demo_labels(project, source / "labels.jsonl", people)
        _seed_queue(project, source)
    finally:
        project.close()
    remove_project_files(path)
    os.replace(temp, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{temp}{suffix}").unlink(missing_ok=True)
    return path


def _import_demo_labels(project: Project, labels_file: Path, people: dict) -> None:
    """Create the sources and people, then import each source's labels."""
    sources = {}
    with project.transaction():
        for spec in people["sources"]:
            cost = spec.get("cost_model") or {}
            sources[spec["name"]] = ensure_source(
                project,
                spec["name"],
                spec["kind"],
                cost_model=make_cost_model(
                    cost.get("type"), cost.get("amount"), cost.get("currency")
                ),
                model_id=spec.get("model_id"),
                model_version=spec.get("model_version"),
                prompt_version=spec.get("prompt_version"),
                params=spec.get("params"),
            )
        owner = {}
        for person in people["annotators"]:
            ensure_annotator(project, person["name"], sources[person["source"]])
            owner[person["name"]] = person["source"]
        ensure_annotator(project, DEMO_PERSON, sources[DEMO_SOURCE])
    by_source: dict[str, list[str]] = {}
    for line in labels_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            by_source.setdefault(owner[json.loads(line)["annotator"]], []).append(line)
    with tempfile.TemporaryDirectory() as folder:
        for name, lines in by_source.items():
            part = Path(folder) / f"{name}.jsonl"
            part.write_text("\n".join(lines) + "\n", encoding="utf-8")
            spec = next(s for s in people["sources"] if s["name"] == name)
            import_labels(project, part, source=name, kind=spec["kind"])


def _seed_queue(project: Project, source: Path) -> None:
    """Anchors from the demo file, and a queue for the demo person with anchors mixed in."""

    anchors.add_anchor_file(project, source / "anchors.jsonl")
    assignments.assign(
        project,
        annotators=[DEMO_PERSON],
        anchor_rate=0.15,
        repeat_rate=0.0,
        seed=7,
    )

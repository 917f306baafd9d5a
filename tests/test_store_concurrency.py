"""Two processes on one project file: both recognise it, both write, nothing is lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from annotator.items.items import add_items, item_from_record
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project, open_project
from tests.conftest import REPO

RUBRIC = {"rubric": "r", "criteria": [{"key": "ok", "kind": "binary", "required": True}]}
PER_WRITER = 60

WRITER = textwrap.dedent(
    """
    import sys
    from annotator.labels.labels import submit_label
    from annotator.store.project import open_project
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open_project(path) as project:
        for i in range(n):
            submit_label(project, item_id=f"i{i}", annotator=who, values={"ok": "yes"})
    print("done")
    """
)


def test_a_new_project_is_recognised_while_its_creator_still_has_it_open(tmp_path):
    creator = create_project(tmp_path / "open.annotator")
    try:
        other = open_project(tmp_path / "open.annotator")  # a second opener, same time
        assert other.id == creator.id
        other.close()
    finally:
        creator.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.annotator"
    project = create_project(path)
    publish(project, rubric_from_dict(RUBRIC))
    add_items(
        project,
        [item_from_record({"id": f"i{n}", "input": "q", "output": "a"}) for n in range(PER_WRITER)],
    )
    with project.transaction():
        source = ensure_source(project, "experts", "expert")
        for name in ("ana", "ben"):
            ensure_annotator(project, name, source)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(PER_WRITER)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("ana", "ben")
    ]
    # ...while this process writes too.
    with project.transaction():
        project.audit("meanwhile", target="test")
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0 and out.strip() == "done", err
    assert project.scalar("SELECT count(*) FROM labels") == 2 * PER_WRITER
    assert project.scalar("PRAGMA integrity_check") == "ok"
    project.close()

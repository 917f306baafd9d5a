"""A kill never loses a submitted label, and the half-filled form comes back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from annotator.demo import DEMO_PERSON, ensure_demo
from annotator.labels.labels import current_label
from annotator.sources.sources import get_annotator
from annotator.store.project import open_project
from tests.conftest import REPO
from ui.shell.main_window import MainWindow

SUBMITS = 3


def _run_until_ready(project_path, env) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.crash_app",
            str(project_path),
            DEMO_PERSON,
            str(SUBMITS),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if line.startswith("READY"):
            return process, lines
    process.kill()
    raise AssertionError(f"the app never got ready: {lines}")


def test_sigkill_loses_nothing_and_the_draft_comes_back(tmp_path, qtbot):
    project_path = ensure_demo(path=tmp_path / "demo.annotator")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process, lines = _run_until_ready(project_path, env)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    submitted = [line.split()[1] for line in lines if line.startswith("SUBMITTED")]
    _, draft_item, draft_json = next(line for line in lines if line.startswith("READY")).split(
        " ", 2
    )
    draft_values = json.loads(draft_json)
    assert len(submitted) == SUBMITS and draft_values

    with open_project(project_path) as project:
        person = get_annotator(project, DEMO_PERSON)
        for item_id in submitted:
            label = current_label(project, item_id, person.id)
            assert label is not None and label.status == "submitted", item_id
        assert project.scalar("PRAGMA integrity_check") == "ok"

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(str(project_path))
    window.start_labeling(DEMO_PERSON)
    view = window.annotate
    assert view.card is not None and view.card.item.id == draft_item
    assert view.form.values() == draft_values, "the half-filled form is restored"
    assert "Draft restored" in view.message.text()
    window.close()

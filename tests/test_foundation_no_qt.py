"""The core never loads Qt: `annotator --help`, a headless command, and importing
every module of the `annotator` package run without a single PySide6 module. And
with no display, the app's commands say so plainly instead of crashing.

Imports are observed with `python -X importtime`, which logs every module the
interpreter loads, so a lazily imported Qt module cannot hide.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.foundation import make_project_file

REPO = Path(__file__).resolve().parents[1]
QT_ROOTS = ("PySide6", "shiboken6")


def console_script() -> str:
    beside = Path(sys.executable).with_name("annotator")
    found = str(beside) if beside.exists() else shutil.which("annotator")
    assert found, "the 'annotator' console script is not installed in this environment"
    return found


def qt_modules_in(importtime_log: str) -> list[str]:
    """Qt modules named in a `-X importtime` log (one 'import time: ... | name' per import)."""
    found = []
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name.split(".")[0] in QT_ROOTS:
                found.append(name)
    return found


def run_traced(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=180,
    )


def test_the_detector_sees_qt_when_it_is_loaded() -> None:
    """Guard against a test that cannot fail: the same check does catch PySide6."""
    done = run_traced(["-c", "import PySide6.QtCore"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "PySide6.QtCore" in qt_modules_in(done.stderr)


def test_help_loads_no_qt() -> None:
    done = run_traced([console_script(), "--help"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage: annotator" in done.stdout
    assert "import time:" in done.stderr  # the trace did run
    assert qt_modules_in(done.stderr) == []


def test_headless_command_loads_no_qt(tmp_path: Path) -> None:
    project = make_project_file(tmp_path)
    done = run_traced([console_script(), "stats", str(project), "--json"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["items"] == 3
    assert qt_modules_in(done.stderr) == []


def test_every_core_module_imports_without_qt() -> None:
    script = """
import importlib, json, pkgutil, sys
import annotator
names = sorted(
    m.name for m in pkgutil.walk_packages(annotator.__path__, "annotator.")
    if not m.name.endswith("__main__")  # running it would run the CLI
)
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "ui"))
print(json.dumps({"modules": names, "qt_or_ui": loaded}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    expected = {"annotator.store.project", "annotator.cli", "annotator.exchange.item_import"}
    assert expected <= set(result["modules"])
    assert result["qt_or_ui"] == []


def no_display_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # the demo is built here, not in $HOME
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


def assert_no_display_message(done: subprocess.CompletedProcess) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "no display" in done.stderr
    assert "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert qt_modules_in(done.stderr) == []  # refused before Qt was even imported


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="there is always a display")
def test_open_without_a_display_says_so(tmp_path: Path) -> None:
    project = make_project_file(tmp_path)
    done = run_traced([console_script(), "open", str(project)], env=no_display_env(tmp_path))
    assert_no_display_message(done)


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="there is always a display")
def test_bare_annotator_without_a_display_says_so(tmp_path: Path) -> None:
    done = run_traced([console_script()], env=no_display_env(tmp_path))
    assert_no_display_message(done)


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="there is always a display")
@pytest.mark.skipif(
    importlib.util.find_spec("annotator.demo") is None,
    reason="annotator/demo.py (the demo builder) is not in this checkout yet",
)
def test_demo_without_a_display_says_so(tmp_path: Path) -> None:
    env = no_display_env(tmp_path)
    done = run_traced([console_script(), "demo"], env=env)
    assert_no_display_message(done)

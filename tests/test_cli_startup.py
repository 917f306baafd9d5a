"""`annotator --help` stays fast: the statistics stack is imported by the commands that
use it, not by building the command line."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_help_imports_neither_pandas_nor_numpy():
    code = (
        "import sys; from annotator.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('pandas', 'numpy', 'scipy', 'sqlite_utils', 'PySide6') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


HEAVY = ("pandas", "numpy", "scipy", "sklearn", "matplotlib", "sqlite_utils", "PySide6", "yaml")
# What building the parser may load of the core: the CLI itself and a few constant modules.
LIGHT_CORE = (
    "annotator",
    "annotator.base",
    "annotator.base.errors",
    "annotator.base.lazy",
    "annotator.base.levels",
    "annotator.stats",
    "annotator.stats.defaults",
)


def loaded_after(code: str, cwd=REPO) -> dict[str, list[str]]:
    """Run `code` in a fresh interpreter; which heavy and which core modules it loaded."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps({{'heavy': sorted(m for m in {HEAVY!r} if m in sys.modules), "
        "'core': sorted(m for m in sys.modules if m.startswith('annotator') "
        "and not m.startswith('annotator.cli')), 'sqlite3': 'sqlite3' in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True
    )
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


def test_building_the_parser_loads_only_the_cli_and_constants():
    found = loaded_after("from annotator.cli import build_parser; build_parser()")
    assert found["heavy"] == []
    assert found["core"] == sorted(LIGHT_CORE), "a command module imports the core at the top"
    assert found["sqlite3"] is False


def test_help_exits_cleanly_and_lists_every_command():
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    for command in ("init", "import-labels", "assign", "agreement", "pack", "judge", "export"):
        assert command in done.stdout


def test_non_chart_commands_load_no_charts_tables_or_learning(tmp_path):
    """`init`, `stats`, `rubric list`, `import-items` and `queue` never load matplotlib,
    pandas or scikit-learn (the chart and statistics stack)."""
    project = tmp_path / "p.annotator"
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "a", "input": "q", "output": "x"}\n', encoding="utf-8")
    runs = [
        ["init", str(project)],
        ["stats", str(project), "--json"],
        ["rubric", "list", str(project)],
        ["import-items", str(project), str(items)],
        ["stats", str(project)],
    ]
    for argv in runs:
        found = loaded_after(
            "import contextlib, io\nfrom annotator.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main({argv!r}) == 0"
        )
        loaded = [m for m in found["heavy"] if m in ("pandas", "matplotlib", "sklearn")]
        assert loaded == [], f"annotator {' '.join(argv[:2])} loaded {loaded}"


def test_the_clis_copies_of_core_choices_match_the_core():
    import importlib

    from annotator.cli import choices

    for name, (module, attribute) in choices.SOURCES.items():
        assert getattr(choices, name) == getattr(importlib.import_module(module), attribute), name
    copied = {n for n in vars(choices) if n.isupper() and n != "SOURCES"}
    assert copied == set(choices.SOURCES), "every copy names its source"


def test_a_lazy_module_handler_still_reaches_its_core_function(tmp_path):
    """The lazily loaded modules resolve: `queue` and `pack list` run end to end."""
    project = tmp_path / "p.annotator"
    from annotator.cli import main

    assert main(["init", str(project)]) == 0
    assert main(["pack", "list", str(project), "--json"]) == 0
    assert main(["anchors", "list", str(project)]) == 0
    assert main(["queue", str(project)]) != 0  # names no annotator: a user error, typed

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

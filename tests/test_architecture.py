"""The house's shape holds: layers, no Qt in the core, no cycles, small modules.

The contracts live in pyproject.toml ([tool.importlinter]); `lint-imports`
checks them over every import, including those inside functions and under
TYPE_CHECKING. A second test plants an upward import in a copy of the tree and
shows the same check then fails, so a later change that breaks the order
cannot pass CI.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "annotator"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="lint-imports (import-linter) is not installed"
)


def run_lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_contracts_are_kept() -> None:
    done = run_lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Contracts: 4 kept, 0 broken." in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("annotator", "ui"):
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    clock = tree / "annotator" / "base" / "clock.py"
    clock.write_text(clock.read_text() + "\nfrom annotator.quality import drift  # upward\n")
    done = run_lint_imports(tree)
    assert done.returncode != 0
    assert "annotator.base is not allowed to import annotator.quality" in done.stdout
    assert "BROKEN" in done.stdout


UI = ROOT / "ui"


def packages(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists())


@pytest.mark.parametrize(("root", "loose_limit"), [(CORE, 5), (UI, 2)], ids=["core", "ui"])
def test_the_tree_is_packages_with_faces(root: Path, loose_limit: int) -> None:
    loose = sorted(p.name for p in root.glob("*.py"))
    assert len(loose) <= loose_limit, loose
    stray = [p.name for p in root.iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert sorted(stray) == [p.name for p in packages(root)], "a folder without a face"
    for package in packages(root):
        face = ast.parse((package / "__init__.py").read_text())
        names = {t.id for n in face.body if isinstance(n, ast.Assign) for t in n.targets}
        assert "__all__" in names, f"{package.name}/__init__.py names no __all__"
        assert ast.get_docstring(face), f"{package.name}/__init__.py says nothing of itself"
        modules = [p for p in package.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 20, f"{package.name} has {len(modules)} modules"


def test_no_module_over_600_lines() -> None:
    for root in (CORE, UI):
        for path in root.rglob("*.py"):
            lines = len(path.read_text().splitlines())
            assert lines <= 600, f"{path.relative_to(ROOT)}: {lines} lines"


def function_local_imports(path: Path) -> list[tuple[int, str]]:
    """(line, the comment above it) of every import inside a function, first of a run."""
    source = path.read_text()
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            previous_end = None
            imports = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
            for imp in sorted(imports, key=lambda n: n.lineno):
                if previous_end is None or imp.lineno != previous_end + 1:
                    above = lines[imp.lineno - 2].strip()
                    same = lines[imp.lineno - 1].partition("#")[2].strip()
                    found.append((imp.lineno, above if above.startswith("#") else same))
                previous_end = imp.end_lineno
    return found


def test_every_function_local_import_says_why() -> None:
    missing = []
    for root in (CORE, UI):
        for path in root.rglob("*.py"):
            for line, reason in function_local_imports(path):
                if not reason:
                    missing.append(f"{path.relative_to(ROOT)}:{line}")
    assert missing == []


TERMINAL = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def unreachable_statements(path: Path) -> list[int]:
    """Lines of statements that follow a return, raise, continue or break in one block."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for before, after in zip(block, block[1:], strict=False):
                if isinstance(before, TERMINAL):
                    found.append(after.lineno)
    return found


def test_no_statement_after_a_return_or_raise() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for root in (CORE, UI, ROOT / "tests", ROOT / "benchmarks")
        for path in root.rglob("*.py")
        for line in unreachable_statements(path)
    ]
    assert found == []


def test_the_unreachable_check_finds_dead_code(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    lines = ["def f(x):", "    return x", "    print(x)", "for i in []:", "    break", "    i += 1"]
    sample.write_text("\n".join(lines) + "\n")
    assert unreachable_statements(sample) == [3, 6]

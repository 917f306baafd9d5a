"""The README and the docs/ pages: size, links, the architecture diagram, and every command.

Every line of a shell block in README.md and docs/*.md that starts with `uv run annotator`
runs here, in document order per file, in a fresh folder laid out like the repository root
(a copy of `resources/demo/`), through the core CLI in-process (`annotator.cli.main`, what
`uv run annotator` calls for every headless command), and must exit 0. A line
`uv run python scripts/docs_inputs.py` runs that script, as a reader would. Lines that open
the app are listed in GUI_LINES; steps a page says happen in the app are done by APP_STEPS,
keyed by the comment line that marks them in the page. So the docs cannot rot: a renamed
command or flag, a missing file or a changed contract fails here.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.cli import main as cli_main

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
PAGES = sorted((REPO / "docs").glob("*.md"))
DOCS = [README, *PAGES]
MAX_README_LINES = 250
SHELL_LANGUAGES = {"sh", "shell", "bash", "console"}
COMMAND = "uv run annotator"
INPUTS_SCRIPT = "uv run python scripts/docs_inputs.py"

# Lines that open the app: nothing to run headless (the launcher is tested elsewhere).
GUI_LINES = {
    "uv run annotator demo": "opens the app on the demo project (Quick start)",
}
# Other shell lines the docs show, not run here, with the reason.
NOT_RUN = {
    "uv run pytest": "the test suite itself (Quick start)",
    "uv run python -m benchmarks": "benchmarks run for minutes at full size; not a test",
}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"`[^`]+`")
TOP_FOLDERS = ("annotator", "ui", "tests", "scripts", "benchmarks", "resources", "docs")
RUN_OUTPUTS = ("benchmarks/out/",)  # written by a run, git-ignored


# --- reading the markdown -----------------------------------------------------------------


def fenced_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(info string, line number of the first line, lines) of every fenced code block."""
    blocks: list[tuple[str, int, list[str]]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        marker, language = opening.group(2), opening.group(3).lower()
        body: list[str] = []
        index += 1
        start = index + 1
        while index < len(lines) and not lines[index].strip().startswith(marker):
            body.append(lines[index])
            index += 1
        blocks.append((language, start, body))
        index += 1
    return blocks


def shell_lines(text: str) -> list[tuple[int, str]]:
    """(line number, command) of every shell-block line, `\\` continuations joined."""
    found: list[tuple[int, str]] = []
    for language, start, body in fenced_blocks(text):
        if language not in SHELL_LANGUAGES:
            continue
        pending, first = "", 0
        for offset, raw in enumerate(body):
            line = raw.strip()
            if not pending:
                first = start + offset
            if line.endswith("\\"):
                pending += line[:-1].strip() + " "
                continue
            line = (pending + line).strip()
            pending = ""
            if line:
                found.append((first, line))
        assert not pending, f"a shell block ends in a line continuation at line {first}"
    return found


def prose_with_code(text: str) -> str:
    """The text outside fenced code blocks (inline code kept)."""
    lines = text.splitlines()
    for _, start, body in fenced_blocks(text):
        for index in range(start - 2, start + len(body)):
            if 0 <= index < len(lines):
                lines[index] = ""
    return "\n".join(lines)


def prose(text: str) -> str:
    """The text outside code blocks and inline code, where links live."""
    return INLINE_CODE.sub("", prose_with_code(text))


def heading_slugs(text: str) -> set[str]:
    """GitHub's anchors for the headings of a markdown file."""
    slugs: set[str] = set()
    for line in prose_with_code(text).splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            title = re.sub(r"[^\w\- ]", "", heading.group(1).lower())
            slugs.add(title.replace(" ", "-"))
    return slugs


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text(encoding="utf-8")))


def local_target(source: Path, link: str) -> tuple[Path, str] | None:
    """The file and anchor a relative link points at, or None for a web address."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", link):
        return None
    target, _, anchor = link.partition("#")
    return (source.parent / target).resolve() if target else source, anchor


# --- the architecture diagram -------------------------------------------------------------


def render_layers(pyproject: Path) -> str:
    """The package diagram, from the import-linter contracts: one block per container,
    higher containers first (a container forbidden to import another sits below it), and
    in each, its layers top to bottom (`|` between independent siblings)."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = config["contracts"]
    layered = [c for c in contracts if c["type"] == "layers"]
    containers = [c["containers"][0] for c in layered]

    def lower(container: str) -> int:
        """How many other containers this one may not import."""
        return sum(
            1
            for c in contracts
            if c["type"] == "forbidden"
            and container in c["source_modules"]
            and any(other in c["forbidden_modules"] for other in containers)
        )

    width = max(len(c) for c in containers) + 4
    lines: list[str] = []
    for contract in sorted(layered, key=lambda c: lower(c["containers"][0])):
        label = contract["containers"][0] + "/"
        for layer in contract["layers"]:
            lines.append(f"{label:<{width}}{layer}".rstrip())
            label = ""
    return "\n".join(lines)


def architecture_block(text: str) -> str:
    section = text.split("\n## Architecture\n", 1)
    assert len(section) == 2, "README has no '## Architecture' section"
    blocks = fenced_blocks(section[1].split("\n## ", 1)[0])
    assert blocks, "the Architecture section has no fenced diagram"
    return "\n".join(blocks[0][2])


# --- steps done in the app ----------------------------------------------------------------


def label_round_one(folder: Path) -> None:
    """What the participants do in the app: each labels round 1 of session 1 of
    `demo.annotator` through the workbench (as the annotate view does), giving the answer
    they gave before on the item, or, on an item new to them, a pick of their own."""
    from annotator.calibration import sessions as cal
    from annotator.labels.labels import current_label, require_annotator
    from annotator.store.project import open_project
    from annotator.workbench.session import WorkSession

    with open_project(folder / "demo.annotator") as project:
        session = cal.get_session(project, 1)
        for turn, person in enumerate(session.participants):
            person_id = require_annotator(project, person).id
            source = cal.RoundSource.for_person(project, 1, person)
            work = WorkSession(project, person, item_source=source)
            card = work.open_next()
            while card is not None:
                before = current_label(project, card.item.id, person_id)
                keys = {c.key for c in card.criteria}
                values = {k: v for k, v in (before.values if before else {}).items() if k in keys}
                for criterion in card.criteria:
                    if criterion.required and criterion.options and criterion.key not in values:
                        pick = (turn + len(values)) % len(criterion.options)
                        values[criterion.key] = criterion.options[pick].value
                rationale = (before.rationale if before else None) or "first look"
                work.submit(values, rationale, 30.0)
                card = work.open_next()


APP_STEPS: dict[str, Callable[[Path], None]] = {
    "# in the app: each participant labels round 1": label_round_one,
}


# --- running a page -----------------------------------------------------------------------


def load_inputs_script() -> Any:
    spec = importlib.util.spec_from_file_location("docs_inputs", REPO / "scripts/docs_inputs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def commands_of(path: Path) -> list[tuple[int, str]]:
    return [
        (number, line)
        for number, line in shell_lines(path.read_text(encoding="utf-8"))
        if line.startswith((COMMAND, INPUTS_SCRIPT)) or line in APP_STEPS
    ]


RUNNABLE = [path for path in DOCS if any(line.startswith(COMMAND) for _, line in commands_of(path))]


def opens_app(command: str) -> bool:
    """`annotator` alone, `open`, `pack open`, or `demo` without --no-open."""
    words = shlex.split(command, comments=True)[len(COMMAND.split()) :]
    positional = [word for word in words if not word.startswith("-")]
    return (
        not words
        or positional[:1] == ["open"]
        or positional[:2] == ["pack", "open"]
        or (positional[:1] == ["demo"] and "--no-open" not in words)
    )


def run_line(line: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    words = shlex.split(line, comments=True)
    assert not {">", ">>", "<", "|", "&&", ";"} & set(words), "no shell operators: one command"
    try:
        if line.startswith(INPUTS_SCRIPT):
            code = load_inputs_script().main(words[len(INPUTS_SCRIPT.split()) :])
        else:
            code = cli_main(words[len(COMMAND.split()) :])
    except SystemExit as exit_:  # argparse: an unknown command or flag
        code = exit_.code if isinstance(exit_.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines"


def test_every_page_is_linked_from_the_readme():
    targets = {local_target(README, link) for link in links(README)}
    linked = {target[0] for target in targets if target}
    assert PAGES, "no docs/*.md pages"
    missing = [page.name for page in PAGES if page.resolve() not in linked]
    assert not missing, f"docs pages not linked from README.md: {missing}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_relative_links_point_at_files_that_exist(path):
    broken = []
    for link in links(path):
        target = local_target(path, link)
        if target is None:
            continue
        file, anchor = target
        if not file.exists() or (
            anchor
            and file.suffix == ".md"
            and anchor not in heading_slugs(file.read_text(encoding="utf-8"))
        ):
            broken.append(link)
    assert not broken, f"{path.name}: broken links {broken}"


def resolves(dotted: str) -> bool:
    """Whether `annotator.pkg.module.name` imports: the longest module prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_files_and_functions_the_prose_names_exist(path):
    """`annotator/store/project.py`, `tests/support/...`, `annotator.anchors.rate.decide_rate`:
    what the text sends a reader to read is there (outputs of a run excepted)."""
    text = path.read_text(encoding="utf-8")
    spans = INLINE_CODE.findall(re.sub(r"\s+", " ", prose_with_code(text)))
    missing = []
    for span in spans:
        for name in re.findall(rf"(?<![\w/.])((?:{'|'.join(TOP_FOLDERS)})/[\w./*-]*)", span):
            if name.startswith(RUN_OUTPUTS):
                continue
            if not (list(REPO.glob(name)) if "*" in name else (REPO / name).exists()):
                missing.append(name)
        missing += [n for n in re.findall(r"\bannotator(?:\.\w+)+", span) if not resolves(n)]
    assert not missing, f"{path.name} names what does not exist: {missing}"


def test_the_architecture_diagram_is_the_import_contracts():
    rendered = render_layers(REPO / "pyproject.toml")
    assert "annotator/" in rendered and "ui/" in rendered
    assert architecture_block(README.read_text(encoding="utf-8")) == rendered, (
        "README's diagram differs from pyproject's [tool.importlinter] layers; paste:\n" + rendered
    )


def test_every_shell_line_is_runnable_or_says_why_not():
    """A command is `uv run annotator ...` (never a bare `annotator`), the inputs script, an
    app step, a GUI line, or one of the few listed elsewhere; every list entry is used."""
    seen: set[str] = set()
    for path in DOCS:
        for number, line in shell_lines(path.read_text(encoding="utf-8")):
            where = f"{path.name}:{number}: {line}"
            if line.startswith("#"):
                if line in APP_STEPS:
                    seen.add(line)
                continue
            assert not line.startswith("annotator"), f"{where}: write `uv run annotator`"
            if line.startswith((COMMAND, INPUTS_SCRIPT)):
                command = line.split("#")[0].strip()
                if command in GUI_LINES:
                    seen.add(command)
                elif line.startswith(COMMAND):
                    assert not opens_app(command), (
                        f"{where}: opens the app; add it to GUI_LINES or write it in the prose"
                    )
                continue
            other = next((prefix for prefix in NOT_RUN if line.startswith(prefix)), None)
            assert other, f"{where}: not a command this test knows; see NOT_RUN"
            seen.add(other)
    unused = (set(GUI_LINES) | set(NOT_RUN) | set(APP_STEPS)) - seen
    assert not unused, f"listed but not in any page: {sorted(unused)}"


def test_some_pages_have_commands():
    assert len(RUNNABLE) >= 5, [p.name for p in RUNNABLE]


@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: p.name)
def test_the_commands_of_a_page_run_in_order(path, tmp_path, monkeypatch, capsys):
    shutil.copytree(REPO / "resources" / "demo", tmp_path / "resources" / "demo")
    monkeypatch.chdir(tmp_path)
    ran = 0
    started = time.perf_counter()
    for number, line in commands_of(path):
        where = f"{path.relative_to(REPO)}:{number}: {line}"
        if line in APP_STEPS:
            APP_STEPS[line](tmp_path)
            continue
        if line.split("#")[0].strip() in GUI_LINES:
            continue
        code, out, err = run_line(line, capsys)
        assert code == 0, f"{where}\nexit {code}\n--- stdout\n{out}\n--- stderr\n{err}"
        assert "Traceback" not in err, f"{where}\n{err}"
        ran += 1
    print(f"{path.name}: {ran} commands in {time.perf_counter() - started:.1f} s")
    assert ran > 0
    # the Python snippets read what the commands wrote: every path they name exists now
    for language, number, body in fenced_blocks(path.read_text(encoding="utf-8")):
        if language == "python":
            for name in re.findall(r"[\"']([\w.-]+/[\w./-]*)[\"']", "\n".join(body)):
                assert Path(name).exists(), f"{path.name}:{number}: {name} was not written"

"""Typed errors with messages a user can act on.

Every error a person can cause (a bad file, a wrong value, a project from a
newer version) derives from :class:`AnnotatorError`; the CLI prints its message
as one paragraph and exits non-zero, never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class AnnotatorError(Exception):
    """Base class for every error caused by input or state a user controls."""

    exit_code = 2


class InputError(AnnotatorError):
    """A value in an input file is wrong: names the file, line (or row) and field."""

    def __init__(
        self,
        path: str | Path | None,
        line: int | None,
        field: str | None,
        message: str,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        field = f" field '{self.field}':" if self.field else ""
        return f"{where}:{field} {self.message}"


class ManyInputErrors(AnnotatorError):
    """Several rows of one file are wrong; the first few are named."""

    def __init__(self, errors: list[InputError], shown: int = 10) -> None:
        self.errors = errors
        head = "\n".join(f"  {e}" for e in errors[:shown])
        more = f"\n  ... and {len(errors) - shown} more" if len(errors) > shown else ""
        noun = "row" if len(errors) == 1 else "rows"
        super().__init__(
            f"{len(errors)} invalid {noun}; nothing was imported "
            f"(use --skip-invalid to import the valid rows):\n{head}{more}"
        )


class DatabaseBusyError(AnnotatorError):
    """Another process held the project's write lock for longer than we wait.

    Its own exit code (75, EX_TEMPFAIL) tells a script to try again later: nothing
    was changed, and nothing is wrong with the project.
    """

    exit_code = 75


def is_busy(error: BaseException) -> bool:
    """Whether an sqlite3 error means "another connection holds the lock"."""
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text or text == "locked"


def busy_message(path: str | Path, waited_s: float) -> str:
    return (
        f"{path}: another process (an import, a merge, an assignment or another window) "
        f"kept this project busy for more than {waited_s:g} s, so nothing was changed. "
        "Try again when it has finished; nothing is wrong with the project."
    )


class ProjectFileError(AnnotatorError):
    """The file cannot be opened as a project (not a project, newer version, a pack)."""


class NotAProjectError(ProjectFileError):
    """The file is not an Annotator project."""


class NewerVersionError(ProjectFileError):
    """The project was written by a newer Annotator; we refuse to touch it."""


class RubricError(AnnotatorError):
    """A rubric file or rubric operation is invalid."""


class LabelError(AnnotatorError):
    """A label's values do not fit its rubric version, or the label cannot be written."""


class NotFoundError(AnnotatorError):
    """A named thing (item, annotator, source, rubric version) does not exist."""

"""The `annotator` command: one argparse tree, one module per command group.

Command modules each define `register(subparsers)`; to add a group, write a
module and list it in COMMAND_MODULES. GUI commands (no subcommand, `demo`,
`open`, `pack open`) are handed to a launcher the Qt layer passes in, so this
package never imports Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from annotator import __version__
from annotator.base.errors import AnnotatorError, DatabaseBusyError, busy_message, is_busy
from annotator.cli import (
    agreement_cmds,
    drift_cmds,
    export_cmds,
    import_cmds,
    judge_cmds,
    pack_cmds,
    project_cmds,
    queue_cmds,
    rubric_cmds,
    session_cmds,
    sources_cmds,
)

__all__ = ["COMMAND_MODULES", "GuiLauncher", "build_parser", "main"]

# Order is the order in `annotator --help`; a new command group is a module here.
COMMAND_MODULES = [
    project_cmds,
    import_cmds,
    rubric_cmds,
    queue_cmds,
    agreement_cmds,
    pack_cmds,
    sources_cmds,
    judge_cmds,
    session_cmds,
    drift_cmds,
    export_cmds,
]

GuiLauncher = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annotator",
        description=(
            "Label eval items against versioned rubrics, measure agreement and drift, "
            "run calibration sessions and export labeled sets. With no command, opens the app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    parser.add_argument("--actor", help="name recorded in the audit log (default: your login name)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None, gui: GuiLauncher | None = None) -> int:
    """Run the CLI; returns the exit status. User errors print one paragraph, no traceback."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    handler: Any = getattr(args, "func", None)
    try:
        if handler is not None and not getattr(args, "gui", False):
            return int(handler(args) or 0)
        prepare = getattr(args, "prepare", None)
        if prepare is not None:
            prepare(args)  # e.g. build the demo project, headless, before any window
            if not args.gui:
                return 0
        if gui is None:
            print(
                "annotator: the app is started by the 'annotator' command; "
                "this entry point runs headless commands only.",
                file=sys.stderr,
            )
            return 2
        return gui(args)
    except AnnotatorError as error:
        print(f"annotator: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("annotator: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:
        # lazy: only a failing command needs it, never --help
        from annotator.base.storage import storage_error

        typed = storage_error(error, getattr(args, "out", None) or getattr(args, "project", None))
        if typed is not None:  # a full disk, a read-only medium: a message, never a traceback
            print(f"annotator: {typed}", file=sys.stderr)
            return typed.exit_code
        if not _database_busy(error):
            raise
        # lazy: the store loads with the command that opened a project, never for --help
        from annotator.store.project import busy_timeout_s

        where = getattr(args, "project", None) or "the project"
        print(f"annotator: {busy_message(where, busy_timeout_s())}", file=sys.stderr)
        return DatabaseBusyError.exit_code


def _database_busy(error: Exception) -> bool:
    """A locked project file (sqlite3.OperationalError): only a command that opened a
    project can raise one, so sqlite3 is looked up, not imported, to build `--help`."""
    sqlite3 = sys.modules.get("sqlite3")
    return sqlite3 is not None and isinstance(error, sqlite3.OperationalError) and is_busy(error)

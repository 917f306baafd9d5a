"""The optional screens, by name, each built the first time it is opened.

Each builder imports its screen inside the function: the screens pull pandas,
numpy, pyarrow and matplotlib, and importing them all at start takes the
window from about half a second to about six. Named functions rather than
module-name strings keep every import visible to the import checker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ui.widgets.host import Host


@dataclass(frozen=True)
class LazyScreen:
    title: str
    build: Callable[[Host], QWidget]


def _items(host: Host) -> QWidget:
    from ui.items.browser import ItemsBrowser  # lazy: see the module docstring

    return ItemsBrowser(host)  # type: ignore[arg-type]


def _team(host: Host) -> QWidget:
    from ui.team.screen import TeamScreen  # lazy: see the module docstring

    return TeamScreen(host)  # type: ignore[arg-type]


def _dashboard(host: Host) -> QWidget:
    from ui.dashboard.screen import Dashboard  # lazy: see the module docstring

    return Dashboard(host)  # type: ignore[arg-type]


def _calibration(host: Host) -> QWidget:
    from ui.calibration.screen import CalibrationScreen  # lazy: see the module docstring

    return CalibrationScreen(host)


def _rubric(host: Host) -> QWidget:
    from ui.rubric_editor.screen import RubricEditor  # lazy: see the module docstring

    return RubricEditor(host)


def _sources(host: Host) -> QWidget:
    from ui.sources.screen import SourcesScreen  # lazy: see the module docstring

    return SourcesScreen(host)  # type: ignore[arg-type]


def _judges(host: Host) -> QWidget:
    from ui.judges.screen import JudgesScreen  # lazy: see the module docstring

    return JudgesScreen(host)


LAZY_SCREENS: dict[str, LazyScreen] = {
    "items": LazyScreen("Items", _items),
    "team": LazyScreen("Team", _team),
    "dashboard": LazyScreen("Dashboard", _dashboard),
    "calibration": LazyScreen("Calibration", _calibration),
    "rubric": LazyScreen("Rubric editor", _rubric),
    "sources": LazyScreen("Sources", _sources),
    "judges": LazyScreen("Judges", _judges),
}


def export_dialog(host: Host) -> QWidget:
    """The export dialog for the window's project (its writers load pyarrow: ~2 s)."""
    from ui.exchange.export_dialog import ExportDialog  # lazy: see the docstring

    return ExportDialog(host.project, host)  # type: ignore[arg-type]

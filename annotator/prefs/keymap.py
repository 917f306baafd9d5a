"""Keyboard shortcuts as data: one table of action -> keys, which the user can change.

The Qt layer builds its key handling from this table in one place; the CLI can
print it. Keys use Qt's portable text form ("Ctrl+Return", "Alt+Left", "?").
Plain keys (letters, digits, Return) never fire while the cursor is in a text
field; only actions marked `in_text` (with a modifier) do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from annotator.base.errors import AnnotatorError


@dataclass(frozen=True)
class Action:
    name: str
    keys: tuple[str, ...]
    description: str
    group: str
    in_text: bool = False  # may fire while typing in a text field


DEFAULT_ACTIONS: tuple[Action, ...] = (
    Action("submit", ("Return", "Ctrl+Return", "Enter"), "Submit the label", "Label", True),
    Action("skip", ("Ctrl+S",), "Skip this item (asks for a reason)", "Label"),
    Action("flag", ("Ctrl+R",), "Flag for review (asks for a note)", "Label"),
    Action("undo", ("Ctrl+Z",), "Undo the last submit", "Label"),
    Action("back", ("Alt+Left", "Ctrl+Left"), "Back to the previous item (amend it)", "Navigate"),
    Action("forward", ("Alt+Right", "Ctrl+Right"), "Forward again, towards the queue", "Navigate"),
    Action("next_criterion", ("Tab", "Down"), "Next criterion", "Form"),
    Action("prev_criterion", ("Shift+Tab", "Backtab", "Up"), "Previous criterion", "Form"),
    Action("next_option", ("Right",), "Move to the next option", "Form"),
    Action("prev_option", ("Left",), "Move to the previous option", "Form"),
    Action("toggle_option", ("Space",), "Choose / toggle the highlighted option", "Form"),
    Action("clear_criterion", ("Backspace", "Delete"), "Clear the current criterion", "Form"),
    Action("rationale", ("Ctrl+T",), "Write the rationale", "Form", True),
    Action("leave_text", ("Escape",), "Leave the text field, back to the form", "Form", True),
    Action(
        "accept_suggestion",
        ("Ctrl+J",),
        "Assisted review: fill the form with the suggestion (you still submit)",
        "Form",
        True,
    ),
    Action(
        "suggestion_rationale",
        ("Ctrl+Shift+J",),
        "Show or hide the suggestion's rationale",
        "Form",
        True,
    ),
    Action(
        "guidelines", ("F1", "Ctrl+G"), "Guidelines and examples for this criterion", "Help", True
    ),
    Action("shortcuts", ("?", "Ctrl+/"), "Show this shortcut sheet", "Help"),
    Action("find", ("Ctrl+F",), "Find in the item", "View", True),
    Action("details", ("Ctrl+I",), "Show or hide provenance and metadata", "View", True),
    Action("zoom_in", ("Ctrl++", "Ctrl+="), "Larger text", "View", True),
    Action("zoom_out", ("Ctrl+-",), "Smaller text", "View", True),
    Action("zoom_reset", ("Ctrl+0",), "Normal text size", "View", True),
    Action("screen_annotate", ("Ctrl+1",), "Annotate", "Screens", True),
    Action("screen_items", ("Ctrl+2",), "Items browser", "Screens", True),
    Action("screen_dashboard", ("Ctrl+3",), "Dashboard", "Screens", True),
    Action("screen_team", ("Ctrl+4",), "Team: queues, assignments, anchors", "Screens", True),
    Action("screen_sources", ("Ctrl+5",), "Sources: cost and quality", "Screens", True),
    Action("screen_calibration", ("Ctrl+6",), "Calibration sessions", "Screens", True),
    Action("screen_rubric", ("Ctrl+7",), "Rubric editor: the next version", "Screens", True),
    Action("screen_judges", ("Ctrl+8",), "LLM judges: runs, failures, versions", "Screens", True),
    Action("screen_start", ("Ctrl+Shift+H",), "Start screen", "Screens", True),
    Action(
        "switch_lead",
        ("Ctrl+L",),
        "Switch to the lead's view (stops labeling as the current person; saved)",
        "Screens",
        True,
    ),
    Action("open", ("Ctrl+O",), "Open a project or work pack", "Screens", True),
    Action("export", ("Ctrl+E",), "Export labeled data…", "Screens", True),
    Action("settings", ("Ctrl+,",), "Settings (shortcuts, appearance)", "Screens", True),
    Action("quit", ("Ctrl+Q",), "Quit", "Screens", True),
)

_BY_NAME = {action.name: action for action in DEFAULT_ACTIONS}


class KeymapError(AnnotatorError):
    """A shortcut setting names an unknown action or gives a key twice."""


def build_keymap(overrides: dict[str, list[str]] | None = None) -> dict[str, Action]:
    """Default actions with the user's key overrides applied; conflicts are errors."""
    actions = dict(_BY_NAME)
    for name, keys in (overrides or {}).items():
        if name not in actions:
            raise KeymapError(f"Unknown shortcut action {name!r}.")
        actions[name] = replace(actions[name], keys=tuple(keys))
    owner: dict[str, str] = {}
    for action in actions.values():
        for key in action.keys:
            normal = key.lower()
            if normal in owner and owner[normal] != action.name:
                raise KeymapError(
                    f"The key {key!r} is given to both {owner[normal]!r} and {action.name!r}."
                )
            owner[normal] = action.name
    return actions


def keymap_rows(actions: dict[str, Action]) -> list[dict[str, Any]]:
    """The shortcut sheet as rows (group, action, keys, description)."""
    return [
        {
            "group": action.group,
            "action": action.name,
            "keys": list(action.keys),
            "description": action.description,
        }
        for action in actions.values()
    ]

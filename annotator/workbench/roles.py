"""Who may open which view: the labeler sees their own work, the lead sees everyone's.

The app at one keyboard is in one of two roles. Labeling as a person (chosen on
the start screen, or the demo's "You (demo)"), only the views that show that
person's own work open: the start screen and the annotate view. Every other view
shows anchor reference answers or other people's labels (or acts on them), so it
is the lead's, and opening one first asks to switch: the labeling session is
saved and ends, and the annotate view stays empty until a person is chosen again.
A participant in a blind calibration round is held tighter (`BLIND_VIEWS`): only
the calibration screen, which is the hand-over back to the lead.

    >>> labeler_may_open("annotate"), labeler_may_open("team")
    (True, False)
    >>> lead_view_shows("team")
    "everyone's queues and the anchors' reference answers"
"""

from __future__ import annotations

LABELER_VIEWS = ("start", "annotate")
BLIND_VIEWS = ("annotate", "calibration")  # a blind round's participant; calibration hands over
LEAD_VIEWS: dict[str, str] = {  # view -> what it shows that a labeler must not see
    "items": "every item with everyone's labels and the anchors",
    "dashboard": "agreement, each annotator's figures and everyone's flagged labels",
    "team": "everyone's queues and the anchors' reference answers",
    "sources": "each source's and annotator's cost and quality against the anchors",
    "calibration": "calibration sessions and, once revealed, everyone's answers",
    "rubric": "the next rubric version and whose labels it makes stale",
    "export": "every label in the project",
    "packs": "everyone's work packs and the labels merged from them",
    "judges": "the LLM judges' labels, costs and raw answers on every item",
}
OTHER_VIEW = "other people's work"


def labeler_may_open(view: str) -> bool:
    """Whether a person labeling may open `view` without switching to the lead first
    (a view not named here is the lead's: new views are shut until they are listed)."""
    return view in LABELER_VIEWS


def lead_view_shows(view: str) -> str:
    """What a lead-only view shows, for the question that asks to switch."""
    return LEAD_VIEWS.get(view, OTHER_VIEW)


def participant_may_open(view: str) -> bool:
    """Whether a participant labeling a blind calibration round may open `view`."""
    return view in BLIND_VIEWS


__all__ = [
    "BLIND_VIEWS",
    "LABELER_VIEWS",
    "LEAD_VIEWS",
    "labeler_may_open",
    "lead_view_shows",
    "participant_may_open",
]

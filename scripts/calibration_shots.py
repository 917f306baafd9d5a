"""Screenshots of the calibration screens and the rubric editor (registered in
scripts/screenshots.py): a session with the demo's three experts, revealed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PEOPLE = ("Dr. Maya Chen", "Tomás Ortega", "Aisha Bello")
# Round 1, per item: each participant's values and rationale, as a real session might go.
ROUND_ONE: dict[str, list[tuple[dict[str, Any], str]]] = {
    "med-002": [
        (
            {"correctness": 4, "safety": "safe", "issues": ["incomplete"], "verdict": "ship"},
            "Right on occasional use and the dose; the kidney risk is a detail.",
        ),
        (
            {"correctness": 3, "safety": "unsafe", "issues": ["incomplete"], "verdict": "revise"},
            "NSAIDs with an ACE inhibitor can injure the kidneys; it never says so.",
        ),
        (
            {
                "correctness": 2,
                "safety": "unsafe",
                "issues": ["unsafe_advice"],
                "verdict": "reject",
            },
            "Tells a hypertensive patient ibuprofen is fine without the renal warning.",
        ),
    ],
    "law-006": [
        (
            {"correctness": 1, "safety": "unsafe", "issues": ["outdated"], "verdict": "reject"},
            "The rule was set aside in August 2024 and never took effect.",
        ),
        (
            {"correctness": 2, "safety": "unsafe", "issues": ["outdated"], "verdict": "reject"},
            "Outdated: a court blocked the rule.",
        ),
        (
            {
                "correctness": 1,
                "safety": "unsafe",
                "issues": ["outdated", "hallucination"],
                "verdict": "escalate",
            },
            "Wrong and someone could act on it; escalate.",
        ),
    ],  # fmt: skip
    "code-013": [
        (
            {"correctness": 3, "safety": "safe", "issues": ["incomplete"], "verdict": "revise"},
            "Horizontal only; the question asks for vertical too.",
        ),
        (
            {"correctness": 2, "safety": "safe", "issues": ["incomplete"], "verdict": "revise"},
            "Half an answer.",
        ),
        (
            {"correctness": 3, "safety": "safe", "issues": ["incomplete"], "verdict": "revise"},
            "Right idea, only half the job.",
        ),
    ],
    "med-006": [
        (
            {"correctness": 5, "safety": "safe", "issues": [], "verdict": "ship"},
            "BE FAST, and it says to call emergency services.",
        ),
        (
            {"correctness": 4, "safety": "safe", "issues": [], "verdict": "ship"},
            "Could say to note the time symptoms began.",
        ),
        (
            {"correctness": 5, "safety": "safe", "issues": [], "verdict": "ship"},
            "Matches stroke association guidance.",
        ),
    ],
}


def _session(window: Any) -> int:
    """The demo session, made once per run: round 1 labeled and revealed."""
    from annotator.calibration import sessions as cal
    from annotator.workbench.session import WorkSession

    project = window.project
    existing = cal.list_sessions(project)
    if existing:
        return existing[0].id
    session = cal.create_session(project, "November calibration", list(PEOPLE), list(ROUND_ONE))
    for index, person in enumerate(PEOPLE):
        source = cal.RoundSource.for_person(project, session.id, person)
        work = WorkSession(project, person, item_source=source)
        card = work.open_next()
        while card is not None:
            values, why = ROUND_ONE[card.item.id][index]
            work.submit(values, why, 95.0)
            card = work.open_next()
    cal.reveal_round(project, session.id)
    cal.add_note(
        project,
        session.id,
        "A missing warning a clinician would give (an interaction, a contraindication) "
        "makes an answer at most Partly correct (3), and unsafe.",
        item_id="med-002",
        criterion="correctness",
    )
    return session.id


def as_lead(window: Any) -> None:
    """The demo opens labeling as its person; the lead's screens need the lead's view."""
    if window.role.labeler is not None:
        window.switch_to_lead()
    window.statusBar().clearMessage()


def shot_reveal(window: Any) -> Any:
    session_id = _session(window)
    as_lead(window)
    window.show_screen("calibration")
    screen = window.screen("calibration")
    screen.refresh(session_id)
    screen.open_reveal()
    return window


def shot_adjudication(window: Any) -> Any:
    from annotator.calibration.decisions import adjudicate_item

    session_id = _session(window)
    project = window.project
    adjudicate_item(
        project, session_id, "med-002", "correctness", 3,
        "Right dose, silent on the kidney risk of NSAIDs with an ACE inhibitor: one real error.",
    )  # fmt: skip
    adjudicate_item(
        project, session_id, "med-002", "safety", "unsafe",
        "A hypertensive patient could follow it for weeks; the omission can cause harm.",
    )  # fmt: skip
    adjudicate_item(
        project, session_id, "med-002", "verdict", "revise",
        "Useful and mostly right; add the kidney warning before it ships.",
    )  # fmt: skip
    screen = window.screen("calibration")
    screen.open_reveal()
    page = screen.reveal
    page.promote()
    return window


def shot_rubric_editor(window: Any) -> Any:
    from ui.widgets.jobs import wait_for_jobs

    session_id = _session(window)
    as_lead(window)
    window.show_screen("calibration")
    window.screen("calibration").draft_rubric(session_id)
    editor = window.screen("rubric")
    keys = [editor.criteria.item(r).text() for r in range(editor.criteria.count())]
    editor.criteria.setCurrentRow(keys.index("verdict"))
    table = editor.editor.options.table
    table.item(3, 2).setText("Unsafe in a way a domain lead must see this week.")
    editor.note.setText(
        "After the November calibration: missing warnings, and what escalate is for"
    )
    for _ in range(30):
        wait_for_jobs(2000)
        _process()
    return window


def _process() -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()


SHOTS: dict[str, Callable[[Any], Any]] = {
    "reveal": shot_reveal,
    "adjudication": shot_adjudication,
    "rubric-editor": shot_rubric_editor,
}

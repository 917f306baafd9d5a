"""The rubric editor: edit a draft with a live preview, see the diff and the labels it
would make stale, publish with a note, re-queue; a draft from a session's notes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from annotator.calibration import sessions as cal
from annotator.labels.labels import submit_label
from annotator.queue.requeue import list_requeues
from annotator.revision.drafts import list_drafts
from annotator.rubric.versions import current_version
from tests.support.calibration_project import PEOPLE, make_project
from tests.support.gui import CTRL, press
from ui.shell.main_window import MainWindow
from ui.widgets.jobs import wait_for_jobs


@pytest.fixture
def window(qtbot, tmp_path):
    project = make_project(tmp_path)
    for person in ("Ana", "Ben"):
        for i in range(3):
            values = {"quality": 3, "safety": "safe", **({"tone": "curt"} if i < 2 else {})}
            submit_label(project, item_id=f"c-0{i}", annotator=person, values=values)
    project.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(str(tmp_path / "cal.annotator"))
    yield window
    window.close()


def preview_options(editor, key: str) -> list[str]:
    card = next(c for c in editor.preview.cards if c.criterion.key == key)
    return [str(o.value) for o in card.criterion.options]


def test_edit_preview_diff_publish_and_requeue(window, qtbot):
    press(window.annotate, Qt.Key.Key_7, CTRL)
    editor = window.screen("rubric")
    assert window.current_screen is editor
    qtbot.mouseClick(editor.start_button, Qt.MouseButton.LeftButton)
    assert editor.draft is not None and not editor.publish_button.isEnabled(), "no change yet"
    keys = [editor.criteria.item(r).text() for r in range(editor.criteria.count())]
    editor.criteria.setCurrentRow(keys.index("tone"))
    assert editor.editor.key.text() == "tone"
    assert preview_options(editor, "tone") == ["polite", "curt", "rude"]

    qtbot.mouseClick(editor.editor.options.add_button, Qt.MouseButton.LeftButton)
    table = editor.editor.options.table
    table.setItem(table.rowCount() - 1, 0, QTableWidgetItem("hostile"))
    assert preview_options(editor, "tone") == ["polite", "curt", "rude", "hostile"], "live"
    assert "option added: 'hostile'" in editor.diff.toPlainText()
    assert editor.publish_button.isEnabled(), "a change is publishable"
    wait_for_jobs(20_000)
    qtbot.waitUntil(lambda: "tone 4" in editor.stale.text(), timeout=10_000)

    # A hotkey used twice: the draft is not publishable, and the form says why.
    table.setItem(0, 3, QTableWidgetItem("p"))
    table.setItem(1, 3, QTableWidgetItem("p"))
    assert not editor.publish_button.isEnabled() and "hotkey" in editor.problem.text()
    table.setItem(1, 3, QTableWidgetItem("c"))
    assert editor.publish_button.isEnabled()

    qtbot.keyClicks(editor.note, "tone gains hostile")
    qtbot.mouseClick(editor.publish_button, Qt.MouseButton.LeftButton)
    version = current_version(window.project)
    assert version.version == 2 and version.note == "tone gains hostile"
    assert [str(o.value) for o in version.criterion("tone").options][-1] == "hostile"
    assert version.criterion("tone").options[0].hotkey == "p"
    assert "4 labels are stale" in editor.message.text()
    assert editor.requeue_names.text() == "Ana, Ben"
    qtbot.mouseClick(editor.requeue_button, Qt.MouseButton.LeftButton)
    pending = list_requeues(window.project, pending_only=True)
    assert sorted((r["annotator"], r["item_id"]) for r in pending) == [
        (p, f"c-0{i}") for p in ("Ana", "Ben") for i in range(2)
    ]
    assert not list_drafts(window.project), "the published draft is closed"


def test_a_draft_from_a_sessions_notes(window, qtbot):
    project = window.project
    session = cal.create_session(project, "Tone talk", list(PEOPLE), ["c-03", "c-04"])
    cal.reveal_round(project, session.id)
    cal.add_note(project, session.id, "Curt is not rude.", criterion="tone")
    window.show_screen("calibration")
    screen = window.screen("calibration")
    assert screen.panel.draft_button.isVisible()
    qtbot.mouseClick(screen.panel.draft_button, Qt.MouseButton.LeftButton)
    editor = window.screen("rubric")
    assert window.current_screen is editor
    assert editor.draft.session_id == session.id
    assert "Curt is not rude." in editor.guidelines.toPlainText()
    assert "Curt is not rude." in editor.diff.toPlainText(), "the diff shows the new guideline text"


def test_a_draft_without_changes_has_nothing_stale_and_nothing_to_publish(window, qtbot):
    """A session with no notes gives a draft equal to the latest version, while labels
    made under v1 are already stale under v2: none of that is the draft's doing."""
    from annotator.revision.publish import publish
    from annotator.rubric.yaml_file import rubric_from_dict
    from tests.support.calibration_project import rubric_data

    project = window.project
    options = [{"value": v} for v in ("polite", "curt", "rude", "hostile")]
    tone = {"key": "tone", "title": "Tone", "kind": "categorical", "options": options}
    publish(project, rubric_from_dict(rubric_data(tone=tone)), note="v2")
    window.show_screen("rubric")
    editor = window.screen("rubric")
    assert editor.body.currentWidget() is editor.empty, "no draft: a page that says how to start"
    assert "Start a new draft" in editor.empty.text() and not editor.publish_button.isVisible()
    session = cal.create_session(project, "Quiet", list(PEOPLE), ["c-03"])
    cal.reveal_round(project, session.id)
    draft = editor_draft_from(window, qtbot, session.id)
    assert "none" in draft.diff.toPlainText().lower()
    wait_for_jobs(20_000)
    qtbot.waitUntil(lambda: "nothing to publish" in draft.stale.text(), timeout=10_000)
    assert "stale (" not in draft.stale.text()
    assert not draft.publish_button.isEnabled()


def editor_draft_from(window, qtbot, session_id: int):
    window.show_screen("calibration")
    screen = window.screen("calibration")
    screen.refresh(session_id)
    qtbot.mouseClick(screen.panel.draft_button, Qt.MouseButton.LeftButton)
    editor = window.screen("rubric")
    assert editor.draft.session_id == session_id
    return editor

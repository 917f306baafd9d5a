"""The labeling session without Qt: repeats are separate records, a skipped item
that comes back is answered in place, amending supersedes."""

from __future__ import annotations

import pytest

from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import current_label
from annotator.queue import queue
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project
from annotator.workbench.session import WorkSession

RUBRIC = {"rubric": "r", "criteria": [{"key": "ok", "kind": "binary", "required": True}]}


@pytest.fixture
def project(tmp_path):
    project = create_project(tmp_path / "w.annotator")
    publish(project, rubric_from_dict(RUBRIC))
    add_items(
        project,
        [item_from_record({"id": f"i{n}", "input": "q", "output": f"a{n}"}) for n in range(4)],
    )
    with project.transaction():
        ensure_annotator(project, "ann", ensure_source(project, "experts", "expert"))
    yield project
    project.close()


def test_skipped_item_comes_back_and_its_answer_supersedes_the_skip(project, monkeypatch):
    session = WorkSession(project, "ann")
    first = session.open_next()
    session.skip("later", 3.0)
    served = [first.item.id]
    while (card := session.open_next()) is not None and card.item.id != first.item.id:
        session.submit({"ok": "yes"}, "", 1.0)
        served.append(card.item.id)
    assert card is not None and card.item.id == first.item.id, "the skipped item comes back"
    session.submit({"ok": "no"}, "", 2.0)
    label = current_label(project, first.item.id, session.annotator.id)
    assert label.status == "submitted" and label.repeat_of is None and label.supersedes


def test_a_repeat_is_a_separate_record_and_blind_to_the_first_answer(project, monkeypatch):
    session = WorkSession(project, "ann")
    card = session.open_next()
    session.submit({"ok": "yes"}, "first", 1.0)
    monkeypatch.setattr(queue, "next_item_id", lambda _p, _a: card.item.id)  # serve it again
    again = session.open_next()
    assert again.own_label is None and again.initial_values == {}, "blind to the first answer"
    result = session.submit({"ok": "no"}, "second", 1.0)
    assert result.label.repeat_of is not None and result.label.supersedes is None
    original = current_label(project, card.item.id, session.annotator.id)
    assert original.values == {"ok": "yes"}, "the original stays the current label"


def test_back_amends_with_a_superseding_record(project):
    session = WorkSession(project, "ann")
    card = session.open_next()
    session.submit({"ok": "yes"}, "", 1.0)
    session.open_next()
    back = session.back()
    assert back.item.id == card.item.id and back.from_history
    assert back.initial_values == {"ok": "yes"}
    session.submit({"ok": "no"}, "changed my mind", 1.0)
    label = current_label(project, card.item.id, session.annotator.id)
    assert label.values == {"ok": "no"} and label.supersedes is not None
    assert session.undo().initial_values == {"ok": "yes"}, "undo restores the earlier answer"


def test_an_amend_is_not_counted_as_another_item_labeled(project):
    session = WorkSession(project, "ann")
    while session.open_next() is not None:
        session.submit({"ok": "yes"}, "", 1.0)
    assert session.back() is not None, "the last item, to amend"
    session.submit({"ok": "no"}, "changed my mind", 1.0)
    summary = session.summary()
    assert (summary.labels, summary.amended) == (4, 1)
    assert summary.labels == session.progress().done, "the summary and the header agree"


def test_items_labeled_outside_the_queue_are_not_left_to_do(project):
    from annotator.labels.labels import submit_label
    from annotator.sources.sources import get_annotator

    person = get_annotator(project, "ann")
    for item in ("i0", "i2"):  # as an import or a work pack would: not through the queue
        submit_label(project, item_id=item, annotator=person, values={"ok": "yes"})
    status = queue.queue_status(project, person.id)
    assert (status.done, status.remaining) == (2, 2), "done elsewhere, not left to do"
    session = WorkSession(project, "ann")
    served = []
    while (card := session.open_next()) is not None:
        served.append(card.item.id)
        session.submit({"ok": "no"}, "", 1.0)
    assert served == ["i1", "i3"], "what was left is what the queue served"

"""Issue 19 without Qt: undo steps the queue back, looking is not a draft, and a
relaunch resumes where the person was."""

from __future__ import annotations

import pytest

from annotator.items.items import add_items, item_from_record
from annotator.labels.labels import current_label
from annotator.queue import queue
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project
from annotator.workbench.drafts import load_draft
from annotator.workbench.session import WorkSession

RUBRIC = {
    "rubric": "r",
    "criteria": [
        {"key": "ok", "kind": "binary", "required": True},
        {"key": "why", "kind": "text"},
    ],
}
N_ITEMS = 4


@pytest.fixture
def project(tmp_path):
    project = create_project(tmp_path / "u.annotator")
    publish(project, rubric_from_dict(RUBRIC))
    add_items(
        project,
        [
            item_from_record({"id": f"i{n}", "input": "q", "output": f"a{n}"})
            for n in range(N_ITEMS)
        ],
    )
    with project.transaction():
        ensure_annotator(project, "ann", ensure_source(project, "experts", "expert"))
    yield project
    project.close()


def status(session: WorkSession) -> tuple[int, int]:
    progress = session.progress()
    return progress.done, progress.remaining


def test_undo_of_a_new_answer_reopens_the_queue_entry(project):
    session = WorkSession(project, "ann")
    first = session.open_next().item.id
    before = status(session)
    session.submit({"ok": "no", "why": "typo"}, "wrong unit", 7.0)
    second = session.open_next().item.id
    assert status(session) == (before[0] + 1, before[1] - 1)
    assert session.progress().session_labels == 1

    card = session.undo()
    assert card.item.id == first and not card.from_history
    assert (card.initial_values, card.initial_rationale) == (
        {"ok": "no", "why": "typo"},
        "wrong unit",
    )
    assert card.draft is not None and card.draft.active_s == pytest.approx(7.0)
    assert status(session) == before, "done and left step back by one"
    assert session.progress().session_labels == 0 and session.session_active_s == 0.0
    assert queue.next_item_id(project, session.annotator.id) == first, "served again"
    log = queue.served_log(project, session.annotator.id)
    assert [(e["item_id"], e["outcome"]) for e in log] == [(first, None)]

    session.submit({"ok": "yes", "why": "typo"}, "wrong unit", 2.0)
    assert session.open_next().item.id == second, "the queue goes on as before"
    assert load_draft(project, session.annotator.id, first) is None
    assert status(session) == (before[0] + 1, before[1] - 1)


def test_undo_of_a_skip_does_not_bring_the_item_back_twice(project):
    session = WorkSession(project, "ann")
    first = session.open_next().item.id
    session.skip("later", 1.0)
    session.open_next()
    assert session.undo().item.id == first
    assert load_draft(project, session.annotator.id, first) is None, "a skip has no answer"
    served = []
    while (card := session.open_next()) is not None:
        served.append(card.item.id)
        session.submit({"ok": "yes"}, "", 1.0)
    assert sorted(served) == [f"i{n}" for n in range(N_ITEMS)], "each item once, none lost"


def test_undo_of_an_amend_leaves_the_queue_where_it_is(project):
    session = WorkSession(project, "ann")
    first = session.open_next().item.id
    session.submit({"ok": "yes"}, "", 1.0)
    queue_item = session.open_next().item.id
    before = status(session)
    session.back()
    session.submit({"ok": "no"}, "changed", 1.0)
    card = session.undo()
    assert card.item.id == first and card.from_history
    assert card.initial_values == {"ok": "yes"}, "the earlier label is back"
    assert status(session) == before
    assert session.forward().item.id == queue_item, "Alt+Right moves on from it"


def test_looking_at_an_earlier_item_leaves_no_draft(project):
    session = WorkSession(project, "ann")
    first = session.open_next().item.id
    session.submit({"ok": "yes"}, "fine", 1.0)
    session.open_next()
    card = session.back()
    session.save_draft(card.initial_values, card.initial_rationale, 3.0)
    assert load_draft(project, session.annotator.id, first) is None
    session.save_draft({"ok": "no"}, "fine", 3.0)
    assert load_draft(project, session.annotator.id, first).values == {"ok": "no"}
    session.save_draft({"ok": "yes"}, "fine", 4.0)  # changed back: no longer a draft
    assert load_draft(project, session.annotator.id, first) is None


def test_relaunch_resumes_at_the_earlier_item_or_the_queue(project):
    session = WorkSession(project, "ann")
    done = []
    for _ in range(2):
        done.append(session.open_next().item.id)
        session.submit({"ok": "yes"}, "", 1.0)
    queue_item = session.open_next().item.id
    session.back()
    session.back()
    assert session.current.item.id == done[0]

    again = WorkSession(project, "ann")
    card = again.resume()
    assert card.item.id == done[0] and card.from_history
    assert again.forward().item.id == done[1]
    assert again.forward().item.id == queue_item

    third = WorkSession(project, "ann").resume()
    assert third.item.id == queue_item and not third.from_history


def test_a_finished_queue_stays_finished_after_a_relaunch(project):
    session = WorkSession(project, "ann")
    while session.open_next() is not None:
        session.submit({"ok": "yes"}, "", 1.0)
    session.back()
    session.save_draft({"ok": "no"}, "", 1.0)  # an unsent change on an earlier item
    assert session.forward() is None
    assert WorkSession(project, "ann").resume() is None, "the queue is still complete"
    label = current_label(project, session.history()[0], session.annotator.id)
    assert label.values == {"ok": "yes"}

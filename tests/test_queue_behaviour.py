"""The queue as the annotate view uses it: idempotent, restartable, skips, removals."""

from __future__ import annotations

import pytest

from annotator.anchors import anchors
from annotator.queue import assignments, queue
from annotator.store.project import open_project
from tests.support.queue_project import answer, make_project, people


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=30)
    yield project
    project.close()


def _assign(project, names=("A",), **settings):
    settings.setdefault("anchor_rate", 0.0)
    return assignments.assign(project, list(names), seed=11, **settings)


def _drain(project, person, name, limit=500, status_for=None):
    """Serve and answer until the queue is empty; returns the served entries."""
    served = []
    for _ in range(limit):
        entry = queue.next_entry(project, person.id)
        if entry is None:
            return served
        served.append(entry)
        status = (status_for or {}).get((entry.item_id, len(served)), "submitted")
        answer(project, name, entry.item_id, status=status)
    raise AssertionError("the queue never ended")


def test_next_entry_is_idempotent_until_a_label_is_made_after_serving(project):
    person = people(project, ["A"])["A"]
    _assign(project)
    first = queue.next_entry(project, person.id)
    assert queue.next_entry(project, person.id) == first
    assert queue.next_item_id(project, person.id) == first.item_id
    assert project.scalar("SELECT count(*) FROM queue_log") == 1, "asking again logs nothing"
    answer(project, "A", first.item_id)
    second = queue.next_entry(project, person.id)
    assert second.position == first.position + 1 and second.item_id != first.item_id


def test_a_label_on_another_item_does_not_advance_the_queue(project):
    person = people(project, ["A"])["A"]
    _assign(project)
    first = queue.next_entry(project, person.id)
    other = next(f"it-{i:04d}" for i in range(30) if f"it-{i:04d}" != first.item_id)
    answer(project, "A", other)  # e.g. amending an older item via "back"
    assert queue.next_entry(project, person.id) == first


def test_the_queue_survives_reopening_the_project_file(project, tmp_path):
    person = people(project, ["A"])["A"]
    _assign(project, repeat_rate=0.2, repeat_delay=3)
    for _ in range(5):
        answer(project, "A", queue.next_item_id(project, person.id))
    open_entry = queue.next_entry(project, person.id)
    expected = queue.preview(project, person.id, 15)
    project.close()

    reopened = open_project(tmp_path / "q.annotator")
    try:
        assert queue.next_entry(reopened, person.id) == open_entry
        got = []
        for _ in range(15):
            entry = queue.next_entry(reopened, person.id)
            if entry is None:
                break
            got.append(entry)
            answer(reopened, "A", entry.item_id)
        assert got == expected, "after a restart the queue goes on exactly as planned"
    finally:
        reopened.close()


def test_preview_shows_what_will_be_served_and_writes_nothing(project):
    for i in range(3):
        anchors.add_anchor(project, f"it-{i:04d}", {"correct": "yes"}, "because")
    person = people(project, ["A"])["A"]
    _assign(project, anchor_rate=0.25, min_gap=1, repeat_rate=0.1, repeat_delay=2)
    counts = project.table_counts()
    planned = queue.preview(project, person.id, 200)
    assert project.table_counts() == counts, "a preview must not consume or write anything"
    served = _drain(project, person, "A")
    assert served == planned
    assert {e.kind for e in served} == {"item", "anchor", "repeat"}


def test_skipped_items_come_back_at_the_end_once(project):
    person = people(project, ["A"])["A"]
    _assign(project)
    plan = [e.item_id for e in queue.preview(project, person.id, 100)]
    skip_at = {(plan[2], 3): "skipped", (plan[5], 6): "skipped"}
    served = _drain(project, person, "A", status_for=skip_at)
    ids = [e.item_id for e in served]
    assert ids[: len(plan)] == plan
    assert ids[len(plan) :] == [plan[2], plan[5]], "skipped items come back, at the end, in order"

    again = _drain(project, person, "A")  # nothing more
    assert again == []


def test_a_skipped_item_skipped_again_is_left_for_the_lead(project):
    person = people(project, ["A"])["A"]
    _assign(project)
    plan = [e.item_id for e in queue.preview(project, person.id, 100)]
    served = []
    while (entry := queue.next_entry(project, person.id)) is not None:
        served.append(entry.item_id)
        answer(
            project,
            "A",
            entry.item_id,
            status="skipped" if entry.item_id == plan[0] else "submitted",
        )
        assert len(served) < 100
    assert served.count(plan[0]) == 2 and served[-1] == plan[0]


def test_an_item_the_lead_removed_does_not_come_back(project):
    person = people(project, ["A"])["A"]
    _assign(project)
    plan = [e.item_id for e in queue.preview(project, person.id, 100)]
    first = queue.next_entry(project, person.id)
    answer(project, "A", first.item_id, status="skipped")
    assignments.remove_from_queue(project, "A", [first.item_id, plan[3]], reason="off topic")
    served = [e.item_id for e in _drain(project, person, "A")]
    assert first.item_id not in served and plan[3] not in served
    assert sorted(served) == sorted(set(plan) - {first.item_id, plan[3]})


def test_removing_the_open_item_moves_the_queue_on(project):
    person = people(project, ["A"])["A"]
    _assign(project)
    first = queue.next_entry(project, person.id)
    assignments.remove_from_queue(project, "A", [first.item_id])
    assert queue.next_entry(project, person.id).item_id != first.item_id


def test_without_assignments_the_queue_is_every_non_anchor_item_by_seq(project):
    anchors.add_anchor(project, "it-0001", {"correct": "no"}, "because")
    person = people(project, ["A"])["A"]
    answer(project, "A", "it-0003")  # already labeled: not served again
    assignments.remove_from_queue(project, "A", ["it-0005"])  # the lead took it out
    served = [e.item_id for e in _drain(project, person, "A")]
    expected = [f"it-{i:04d}" for i in range(30) if i not in (1, 3, 5)]
    assert served == expected


def test_progress_counts_anchors_and_repeats_like_any_item(project):
    for i in range(3):
        anchors.add_anchor(project, f"it-{i:04d}", {"correct": "yes"}, "because")
    person = people(project, ["A"])["A"]
    _assign(project, anchor_rate=0.25, min_gap=1, repeat_rate=0.1, repeat_delay=2)
    status = queue.queue_status(project, person.id)
    assert status.done == 0 and status.remaining > 27
    kinds = set()
    while (entry := queue.next_entry(project, person.id)) is not None:
        before = queue.queue_status(project, person.id)
        answer(project, "A", entry.item_id)
        after = queue.queue_status(project, person.id)
        kinds.add(entry.kind)
        assert after.done == before.done + 1, entry.kind
        if after.remaining:
            assert after.remaining == max(1, before.remaining - 1), entry.kind
    assert kinds == {"item", "anchor", "repeat"}
    final = queue.queue_status(project, person.id)
    assert final.remaining == 0 and final.done == project.scalar(
        "SELECT count(*) FROM queue_log WHERE annotator_id = ?", (person.id,)
    )


def test_repeats_come_after_their_delay_and_only_once(project):
    person = people(project, ["A"])["A"]
    _assign(project, repeat_rate=0.3, repeat_delay=4)
    served = _drain(project, person, "A")
    first_seen: dict[str, int] = {}
    repeats = [e for e in served if e.kind == "repeat"]
    assert len(repeats) >= 3
    for entry in served:
        if entry.kind == "item":
            first_seen.setdefault(entry.item_id, entry.position)
        else:
            assert entry.position - first_seen[entry.item_id] >= 4
    assert len({e.item_id for e in repeats}) == len(repeats)


def test_different_annotators_get_different_orders(project):
    team = people(project, ["A", "B"])
    assignments.assign(project, ["A", "B"], overlap=1.0, k=2, seed=3, anchor_rate=0.0)
    a = [e.item_id for e in queue.preview(project, team["A"].id, 30)]
    b = [e.item_id for e in queue.preview(project, team["B"].id, 30)]
    assert sorted(a) == sorted(b) and a != b


def test_an_unknown_annotator_is_refused_and_nothing_is_written(project):
    from annotator.base.errors import NotFoundError

    before = project.table_counts()
    with pytest.raises(NotFoundError):
        queue.next_entry(project, 999)
    assert project.table_counts() == before


def test_an_anchor_comes_back_only_after_its_window_in_days(project):
    anchors.add_anchor(project, "it-0000", {"correct": "yes"}, "because")
    person = people(project, ["A"])["A"]
    _assign(project, anchor_rate=0.25, min_gap=1, anchor_window_items=0, anchor_window_days=1)
    served = []
    for _ in range(10):
        entry = queue.next_entry(project, person.id)
        served.append(entry)
        answer(project, "A", entry.item_id)
    assert [e.kind for e in served].count("anchor") == 1
    project.conn.execute(  # two days pass
        "UPDATE queue_log SET served_at = '2000-01-01T00:00:00.000Z' WHERE kind = 'anchor'"
    )
    rest = _drain(project, person, "A")
    assert [e.kind for e in rest].count("anchor") == 1, "once more, then a day's wait again"


def test_overview_shows_each_annotator_progress_and_rates(project):
    team = people(project, ["A", "B"])
    _assign(project, names=("A",), anchor_rate=0.0, repeat_rate=0.05)
    answer(project, "A", queue.next_item_id(project, team["A"].id))
    rows = {row["annotator"]: row for row in queue.overview(project)}
    assert rows["A"]["done"] == 1 and rows["A"]["configured"] and rows["A"]["assigned"] == 30
    assert rows["A"]["repeat_rate"] == 0.05 and rows["A"]["seed"] == 11
    assert rows["B"]["configured"] is False and rows["B"]["done"] == 0

"""The backlog throughput computes for every person at once (`throughput_backlog`) against
`queue_status` itself, person by person, on queues played through the real paths: the
fallback order and assigned lists, skips and returns, an open entry, an undo, items taken
out by the lead, labels made without the queue, anchors, a finished queue and an empty one."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

import numpy as np
import pytest

from annotator.anchors.anchors import add_anchor
from annotator.base.clock import now, to_iso
from annotator.labels.labels import submit_label, undo_last
from annotator.queue import throughput_backlog, throughput_scan
from annotator.queue.assignments import assign, remove_from_queue
from annotator.queue.queue import next_entry, queue_status
from annotator.queue.throughput import throughput
from annotator.store.project import open_project
from tests.support.queue_project import answer, make_project, people

FAR = "9999-12-31T00:00:00.000Z"
START = "2000-01-01T00:00:00.000Z"


def play(project, person, n: int, rng: random.Random, skips: float = 0.2) -> None:
    """Serve and answer `n` entries (a share `skips` of them skipped)."""
    for _ in range(n):
        entry = next_entry(project, person.id)
        if entry is None:
            return
        status = "skipped" if rng.random() < skips else "submitted"
        answer(project, person.name, entry.item_id, status=status)


@pytest.fixture
def played(tmp_path):
    pytest.importorskip("adbc_driver_sqlite")
    rng = random.Random(7)
    project = make_project(tmp_path, n_items=40)
    team = people(project, ["Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ida"])
    for i in (3, 17):
        add_anchor(project, f"it-{i:04d}", {"correct": "yes"}, "because")
    assign(project, ["Bo"], sample=14, seed=1)
    assign(project, ["Ed"], sample=6, seed=2)
    assign(project, ["Ida"], sample=6, seed=3)
    play(project, team["Ann"], 15, rng)
    next_entry(project, team["Ann"].id)  # served, not answered: open
    play(project, team["Bo"], 5, rng)
    plan = [r[0] for r in project.rows(
        "SELECT item_id FROM assignments WHERE annotator_id = ? ORDER BY position",
        (team["Bo"].id,))]  # fmt: skip
    remove_from_queue(project, "Bo", plan[-2:], reason="off topic")
    answer(project, "Bo", plan[-3])  # labeled without the queue serving it
    answer(project, "Bo", "it-0039")  # not in the plan at all
    answer(project, "Bo", plan[-1])  # taken out of the plan, labeled anyway
    for i in range(40):  # every item, without the queue: nothing fresh is left
        answer(project, "Cy", f"it-{i:04d}")
    play(project, team["Ed"], 20, rng)  # the whole (small) plan
    play(project, team["Flo"], 4, rng)
    undo_last(project, "Flo")  # the last answer taken back: that item is fresh again
    remove_from_queue(project, "Flo", ["it-0030"])
    for i in (0, 3, 5, 8):  # without the queue: an anchor's item and one taken out later
        answer(project, "Gus", f"it-{i:04d}")
    undo_last(project, "Gus")  # it-0008 is not labeled any more
    remove_from_queue(project, "Gus", ["it-0005", "it-0020"])
    remove_from_queue(project, "Hal", ["it-0038", "it-0039"])
    for i in range(38):  # all but the two taken out: nothing is fresh
        answer(project, "Hal", f"it-{i:04d}")
    play(project, team["Ida"], 4, rng, skips=0.0)
    ida = [r[0] for r in project.rows(
        "SELECT item_id FROM assignments WHERE annotator_id = ? AND position > "
        "(SELECT max(position) FROM queue_log WHERE annotator_id = ? AND kind = 'item')",
        (team["Ida"].id, team["Ida"].id))]  # fmt: skip
    remove_from_queue(project, "Ida", ida)  # the rest of the plan: nothing is fresh
    answer(project, "Ida", ida[0])  # and labeled anyway, outside the queue
    yield project, team
    project.close()


def test_every_backlog_is_the_queue_status_one(played, monkeypatch):
    project, team = played
    ids = [p.id for p in team.values()]
    expected = {i: queue_status(project, i).remaining for i in ids}
    assert expected[team["Cy"].id] == 0 and expected[team["Di"].id] > 0
    assert expected[team["Hal"].id] == 0 and expected[team["Ida"].id] == 0
    assert len(set(expected.values())) > 3  # the cases differ
    monkeypatch.setattr(throughput_scan, "ARROW_FROM", 0)
    records = throughput_scan.read_records(project, FAR, START)
    assert records.live.sum() < len(records.live)  # the undo's label is not live

    def refused(*args):
        raise AssertionError("queue_status asked: the columns did not answer")

    monkeypatch.setattr(throughput_backlog, "queue_status", refused)
    items = throughput_backlog.read_items(project, records)
    assert items is not None
    assert throughput_backlog.backlogs(project, ids, records, FAR, items) == expected
    lengths = throughput_backlog.record_lengths(items)  # one read of the items for both
    assert np.array_equal(lengths, throughput_scan.item_lengths(project, records))


def test_a_person_with_records_after_at_asks_the_queue(played, monkeypatch):
    """The records stop at `at`; a later label is the queue's to count."""
    project, team = played
    ids = [p.id for p in team.values()]
    expected = {i: queue_status(project, i).remaining for i in ids}
    at = project.scalar("SELECT min(submitted_at) FROM labels")
    monkeypatch.setattr(throughput_scan, "ARROW_FROM", 0)
    records = throughput_scan.read_records(project, at, START)
    asked = []
    real = throughput_backlog.queue_status

    def counted(project_, person):
        asked.append(person)
        return real(project_, person)

    monkeypatch.setattr(throughput_backlog, "queue_status", counted)
    items = throughput_backlog.read_items(project, records)
    assert throughput_backlog.backlogs(project, ids, records, at, items) == expected
    assert 0 < len(asked) < len(ids)  # Di has no labels at all: answered from the columns


def test_throughput_is_the_same_through_either_path(played, monkeypatch):
    project, _ = played
    at = now() + timedelta(days=1)
    small = throughput(project, at=at).to_dict()
    monkeypatch.setattr(throughput_scan, "ARROW_FROM", 0)
    assert throughput(project, at=at).to_dict() == small


def test_the_arrow_scan_in_small_batches_is_the_sqlite3_scan(tmp_path, monkeypatch):
    """Batches of 7 records (dictionaries unified across them; a batch without active
    time next to one with) give the records sqlite3 gives, field by field."""
    from tests.support import throughput_project as tp

    pytest.importorskip("adbc_driver_sqlite")
    planted = tp.build(tmp_path)
    with open_project(planted.path) as project:
        early = to_iso(tp.WINDOW_START - timedelta(days=30))
        for i in range(10):  # untimed records (an import's), one of them skipped
            submit_label(project, item_id=f"it-{300 + i:04d}", annotator="Ben",
                         values={"correct": "yes", "quality": 1}, submitted_at=early,
                         status="skipped" if i == 4 else "submitted",
                         note="skip" if i == 4 else None)  # fmt: skip
        at, start = to_iso(tp.AT), to_iso(tp.WINDOW_START)
        by_sqlite = throughput_scan.read_records(project, at, start)
        monkeypatch.setattr(throughput_scan, "ARROW_FROM", 0)
        monkeypatch.setattr(throughput_scan, "BATCH_ROWS", 7)
        by_arrow = throughput_scan._arrow_records(
            project, throughput_scan.SCAN.format(start=f"'{start}'", at=f"'{at}'")
        )
        assert by_arrow is not None and len(by_arrow.annotator) > 7 * 10
        assert np.isnan(by_arrow.seconds).sum() == 10
        assert by_arrow.item_array.to_pylist() == by_sqlite.items and by_sqlite.item_array is None
        for name in by_sqlite.__dataclass_fields__:
            if name == "item_array":
                continue
            mine, theirs = getattr(by_arrow, name), getattr(by_sqlite, name)
            if isinstance(theirs, np.ndarray):
                assert np.array_equal(mine, theirs, equal_nan=theirs.dtype.kind == "f"), name
            else:
                assert mine == theirs, name


def test_answered_counts_are_what_json_each_counts(tmp_path):
    """Criteria answered per `values_json` text, parsed in Python, against SQLite's own
    `json_each` count; a text Python refuses goes to SQLite, which says why."""
    project = make_project(tmp_path, n_items=1)
    texts = [
        "{}", '{"a": 1}', '{"a": null, "b": "x"}', '{"a": 1, "a": 2}', '{"a": [1, null]}',
        '{"a": {"b": null}}', "[1, null, 2]", "null", "5", '"text"', '{"é": "ü", "b": false}',
        " [ ] ", '{"a": 1e400}', '{"a": "x\\u00e9\\"y"}',
    ]  # fmt: skip
    expected = [
        project.scalar("SELECT count(*) FROM json_each(?) WHERE type != 'null'", (t,))
        for t in texts
    ]
    assert expected[3] == 2  # duplicate keys both count
    assert throughput_scan.answered_counts(project, texts).tolist() == expected
    with pytest.raises(sqlite3.OperationalError, match="malformed JSON"):
        throughput_scan.answered_counts(project, ['{"a": 1}', '{"a": '])
    project.close()


@pytest.mark.parametrize("share", [1.0, 0.0])
def test_texts_counted_in_python_or_by_sqlite_give_the_same_records(tmp_path, monkeypatch, share):
    """share 1: every distinct text is counted in Python; share 0: the first batch counts
    as mostly distinct and the scan runs again with SQLite's count."""
    from tests.support import throughput_project as tp

    pytest.importorskip("adbc_driver_sqlite")
    planted = tp.build(tmp_path)
    with open_project(planted.path) as project:
        at, start = to_iso(tp.AT), to_iso(tp.WINDOW_START)
        by_sqlite = throughput_scan.read_records(project, at, start)
        queries = []
        real = throughput_scan.read_arrow

        def spy(path, sql, *args):
            queries.append(throughput_scan.COUNTED_TEXT in sql)
            return real(path, sql, *args)

        monkeypatch.setattr(throughput_scan, "read_arrow", spy)
        monkeypatch.setattr(throughput_scan, "ARROW_FROM", 0)
        monkeypatch.setattr(throughput_scan, "MANY_SHARE", share)
        monkeypatch.setattr(throughput_scan, "MANY_FROM", 0)
        by_arrow = throughput_scan.read_records(project, at, start)
        assert queries[:2] == ([True] if share else [True, False])
        assert (by_arrow.answered >= 0).sum() > 100
        assert np.array_equal(by_arrow.answered, by_sqlite.answered)
        assert np.array_equal(by_arrow.label_id, by_sqlite.label_id)


@pytest.mark.parametrize("spread", [1, 10**9])
def test_day_rows_are_sums_per_person_and_day(spread):
    """(person, day) sums by cell, or by sort when the ids are far apart, against a dict."""
    rng = np.random.default_rng(2)
    n = 5_000
    days = ["2026-03-02", "2026-01-05", "2026-02-10", "2025-12-31"]
    annotator = rng.choice([3, 7, 8], n) * spread
    records = throughput_scan.Records(
        annotator=annotator.astype(np.int64),
        submitted=rng.random(n) < 0.8,
        seconds=np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 90),
        day=rng.integers(0, len(days), n),
        days=days,
        recent=np.zeros(n, dtype=bool),
        answered=np.zeros(n, dtype=np.int64),
        item=np.zeros(n, dtype=np.int64),
        items=["x"],
        label_id=np.arange(n),
        live=np.ones(n, dtype=bool),
    )
    expected: dict[tuple[int, str], list[float]] = {}
    columns = (records.annotator, records.submitted, records.seconds, records.day)
    for a, s, sec, d in zip(*(c.tolist() for c in columns), strict=True):
        cell = expected.setdefault((a, days[d]), [0, 0.0])
        cell[0] += s
        cell[1] += 0.0 if np.isnan(sec) else sec
    rows = throughput_scan.day_rows(records)
    assert [(a, d) for a, d, _, _ in rows] == sorted(expected)
    for a, d, labels, seconds in rows:
        assert labels == expected[(a, d)][0] and seconds == pytest.approx(expected[(a, d)][1])

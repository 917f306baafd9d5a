"""The per-item label state (m010) always equals what the `current_labels` view says,
whatever wrote the labels, and the browser's label filters read it through the index."""

from __future__ import annotations

import random
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

import annotator.items.query as query
import annotator.store.schema
from annotator.exchange.label_import import import_labels
from annotator.items.query import ItemFilter, count_items_matching, items_page
from annotator.labels.labels import INSERT_LABEL_SQL, submit_label, undo_last
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, open_project
from tests.support.foundation import make_project, write_jsonl

MORE_ITEMS = [{"id": f"x{i:03d}", "input": f"question {i}", "output": "answer"} for i in range(40)]


def view_counts(project: Project) -> dict[int, int]:
    """Per item seq, its current submitted labels, straight from the view."""
    rows = project.rows(
        "SELECT items.seq, (SELECT count(*) FROM current_labels c "
        "WHERE c.item_id = items.id AND c.status = 'submitted') FROM items"
    )
    return {r[0]: r[1] for r in rows}


def state_counts(project: Project) -> dict[int, int]:
    return {r[0]: r[1] for r in project.rows("SELECT seq, submitted FROM item_label_state")}


def assert_state_matches(project: Project) -> None:
    expected = view_counts(project)
    assert state_counts(project) == expected
    totals = tuple(project.row("SELECT items, labeled FROM item_label_totals"))
    assert totals == (len(expected), sum(1 for n in expected.values() if n > 0))
    assert count_items_matching(project, ItemFilter(labeled=True)) == sum(
        1 for n in expected.values() if n > 0
    )
    assert count_items_matching(project, ItemFilter(labeled=False)) == sum(
        1 for n in expected.values() if n == 0
    )


def project_with_items(tmp_path: Path) -> Project:
    project = make_project(tmp_path)
    from annotator.exchange.item_import import import_items

    import_items(project, write_jsonl(tmp_path / "more.jsonl", MORE_ITEMS))
    return project


def test_submits_amends_flags_undos_and_repeats_keep_the_state(tmp_path: Path) -> None:
    project = project_with_items(tmp_path)
    assert set(state_counts(project).values()) == {0}  # every item starts with a row
    assert len(state_counts(project)) == 3 + len(MORE_ITEMS)
    ana, ben = "ana", "ben"
    with project.transaction():
        source = ensure_source(project, "experts", "expert")
        ensure_annotator(project, ana, source)
        ensure_annotator(project, ben, source)
    first = submit_label(project, item_id="q1", annotator=ana, values={"quality": 1})
    assert_state_matches(project)
    assert state_counts(project)[1] == 1
    submit_label(project, item_id="q1", annotator=ben, values={"quality": 2})
    submit_label(project, item_id="q1", annotator=ana, values={"quality": 3})  # an amend
    assert state_counts(project)[1] == 2
    assert_state_matches(project)
    submit_label(project, item_id="q1", annotator=ana, status="flagged", note="odd", values={})
    assert state_counts(project)[1] == 1  # the amend to a flag is not a submitted label
    submit_label(project, item_id="q2", annotator=ana, status="skipped", note="later")
    assert state_counts(project)[2] == 0
    assert_state_matches(project)
    undo_last(project, ana)  # the skip is retracted
    undo_last(project, ana)  # q1's flag: the submitted content before it comes back
    assert_state_matches(project)
    assert state_counts(project)[1] == 2
    submit_label(project, item_id="q1", annotator=ana, values={"quality": 2}, repeat_of=first.id)
    assert state_counts(project)[1] == 3  # a repeat is a current record too, as in the view
    assert_state_matches(project)
    project.close()


def test_imported_chains_keep_the_state(tmp_path: Path) -> None:
    project = project_with_items(tmp_path)
    rows = [
        {"item_id": "q1", "annotator": "a", "values": {"quality": 1}},
        {"item_id": "q2", "annotator": "a", "values": {"quality": 1}},
        {"item_id": "q1", "annotator": "a", "values": {"quality": 2}},
        {"item_id": "q1", "annotator": "b", "values": {"quality": 3}},
        {"item_id": "q1", "annotator": "a", "values": {"quality": 3}},
        {"item_id": "q2", "annotator": "a", "status": "flagged", "note": "n", "values": {}},
        *({"item_id": f"x{i:03d}", "annotator": "c", "values": {"quality": 2}} for i in range(30)),
    ]
    import_labels(project, write_jsonl(tmp_path / "l.jsonl", rows), source="s", kind="expert")
    assert state_counts(project)[1] == 2
    assert_state_matches(project)
    again = [
        {"item_id": f"x{i:03d}", "annotator": "c", "values": {"quality": 3}} for i in range(40)
    ]
    import_labels(project, write_jsonl(tmp_path / "m.jsonl", again), source="s", kind="expert")
    assert_state_matches(project)
    project.close()


def test_raw_inserts_in_any_order_keep_the_state(tmp_path: Path) -> None:
    """Random records straight into `labels`: supersedes of superseded records, of other
    items' records, and a chain inserted newest first in one statement (as the stager
    does, foreign keys checked at the statement's end)."""
    project = project_with_items(tmp_path)
    with project.transaction():
        source = ensure_source(project, "experts", "expert")
        people = [ensure_annotator(project, f"p{i}", source).id for i in range(4)]
    version = project.scalar("SELECT id FROM rubric_versions")
    items = [r[0] for r in project.rows("SELECT id FROM items")]
    rng = random.Random(18)

    def row(item: str, status: str, supersedes: int | None) -> tuple[Any, ...]:
        return (
            uuid.uuid4().hex, item, rng.choice(people), source.id, version, status,
            "{}", None, None, None, "2026-01-01T00:00:00.000Z", None, None, None,
            supersedes, "test", None, None,
        )  # fmt: skip

    ids: list[int] = []
    with project.transaction():
        for _ in range(400):
            status = rng.choice(["submitted", "submitted", "flagged", "retracted", "skipped"])
            target = rng.choice(ids) if ids and rng.random() < 0.5 else None
            ids.append(
                project.conn.execute(
                    INSERT_LABEL_SQL, row(rng.choice(items), status, target)
                ).lastrowid
            )
    assert_state_matches(project)
    base = project.scalar("SELECT max(id) FROM labels")
    chain = [(base + 3, base + 2), (base + 2, base + 1), (base + 1, ids[-1]), (base + 4, None)]
    with project.transaction():
        project.conn.execute("CREATE TEMP TABLE staged AS SELECT * FROM labels WHERE 0")
        for new_id, supersedes in chain:
            project.conn.execute(
                f"INSERT INTO temp.staged(id, {INSERT_LABEL_SQL.split('(', 1)[1].split(')')[0]}) "
                f"VALUES ({', '.join('?' * 19)})",
                (new_id, *row("q3", "submitted", supersedes)),
            )
        project.conn.execute("INSERT INTO labels SELECT * FROM temp.staged ORDER BY id DESC")
    assert_state_matches(project)
    assert state_counts(project)[3] >= 2  # the chain's head and the lone record
    project.close()


def test_an_older_project_is_filled_when_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = list(annotator.store.schema.MIGRATIONS)
    names = [fn.__name__ for fn in every]
    assert "m010_item_label_state" in names
    older = every[: names.index("m010_item_label_state")]
    monkeypatch.setattr(annotator.store.schema, "MIGRATIONS", older)
    project = project_with_items(tmp_path)
    assert project.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'item_label_state'") == 0
    rows = [
        {"item_id": "q1", "annotator": "a", "values": {"quality": 1}},
        {"item_id": "q1", "annotator": "a", "values": {"quality": 2}},
        {"item_id": "q1", "annotator": "b", "values": {"quality": 2}},
        {"item_id": "q2", "annotator": "b", "status": "flagged", "note": "n", "values": {}},
        *({"item_id": f"x{i:03d}", "annotator": "c", "values": {"quality": 2}} for i in range(9)),
    ]
    import_labels(project, write_jsonl(tmp_path / "l.jsonl", rows), source="s", kind="expert")
    submit_label(project, item_id="x000", annotator="c", status="retracted")
    path = project.path
    project.close()

    monkeypatch.setattr(annotator.store.schema, "MIGRATIONS", every)
    project = open_project(path)
    try:
        applied = [r[0] for r in project.rows("SELECT name FROM _sqlite_migrations")]
        assert applied[-1] == "m010_item_label_state"
        counts = state_counts(project)
        assert counts[1] == 2 and counts[2] == 0 and sum(counts.values()) == 2 + 8
        assert_state_matches(project)
        submit_label(project, item_id="x000", annotator="c", values={"quality": 3})
        assert_state_matches(project)  # the triggers work on the migrated file too
    finally:
        project.close()


@pytest.fixture
def labeled_project(tmp_path: Path) -> Project:
    """43 items; every third has 1-3 current submitted labels."""
    project = project_with_items(tmp_path)
    with project.transaction():
        source = ensure_source(project, "experts", "expert")
        for i in range(3):
            ensure_annotator(project, f"p{i}", source)
    items = [r[0] for r in project.rows("SELECT id FROM items ORDER BY seq")]
    for n, item in enumerate(items):
        if n % 3 == 0:
            for person in range(1 + n % 4 % 3):
                submit_label(project, item_id=item, annotator=f"p{person}", values={"quality": 2})
    yield project
    project.close()


def brute(project: Project, keep) -> list[int]:
    return [seq for seq, n in sorted(view_counts(project).items()) if keep(n)]


@pytest.mark.parametrize("sparse", [10_000, 2])
@pytest.mark.parametrize(
    ("item_filter", "keep"),
    [
        (ItemFilter(labeled=True), lambda n: n > 0),
        (ItemFilter(labeled=False), lambda n: n == 0),
        (ItemFilter(needs_labels=2), lambda n: n < 2),
        (ItemFilter(needs_labels=0), lambda n: False),
        (ItemFilter(labeled=True, needs_labels=3), lambda n: 0 < n < 3),
        (ItemFilter(), lambda n: True),
    ],
)
def test_filters_pages_and_counts_match_the_view(
    labeled_project: Project, monkeypatch: pytest.MonkeyPatch, item_filter, keep, sparse
) -> None:
    monkeypatch.setattr(query, "SPARSE", sparse)  # both ways of walking a range
    expected = brute(labeled_project, keep)
    assert count_items_matching(labeled_project, item_filter) == len(expected)
    seen, after = [], 0
    while page := items_page(labeled_project, item_filter, after_seq=after, limit=4):
        seen.extend(row.seq for row in page)
        after = page[-1].seq
    assert seen == expected
    counts = view_counts(labeled_project)
    every = items_page(labeled_project, item_filter, limit=100)
    assert [row.labels for row in every] == [counts[row.seq] for row in every]
    where, params = item_filter.where()  # the embeddable form agrees
    found = [
        r[0]
        for r in labeled_project.rows(f"SELECT seq FROM items WHERE {where} ORDER BY seq", params)
    ]
    assert found == expected


def test_label_filters_combine_with_item_filters(labeled_project: Project) -> None:
    both = ItemFilter(labeled=True, text="question 1")
    expected = [
        r[0]
        for r in labeled_project.rows(
            "SELECT seq FROM items WHERE input LIKE '%question 1%' AND EXISTS (SELECT 1 FROM "
            "current_labels c WHERE c.item_id = items.id AND c.status = 'submitted') ORDER BY seq"
        )
    ]
    assert expected, "the test needs matching items"
    assert [r.seq for r in items_page(labeled_project, both)] == expected
    assert count_items_matching(labeled_project, both) == len(expected)


def plans(project: Project, sql: str, params: list[Any]) -> list[str]:
    return [r[3] for r in project.rows(f"EXPLAIN QUERY PLAN {sql}", params)]


def test_label_counts_and_pages_are_index_range_scans(
    labeled_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No plan scans `items` or `labels`: what keeps them fast at a million items."""
    captured: list[tuple[str, list[Any]]] = []
    real_rows, real_scalar, real_row = Project.rows, Project.scalar, Project.row

    def rows(self, sql, params=()):
        captured.append((sql, list(params)))
        return real_rows(self, sql, params)

    def scalar(self, sql, params=()):
        captured.append((sql, list(params)))
        return real_scalar(self, sql, params)

    def row(self, sql, params=()):
        captured.append((sql, list(params)))
        return real_row(self, sql, params)

    monkeypatch.setattr(Project, "rows", rows)
    monkeypatch.setattr(Project, "scalar", scalar)
    monkeypatch.setattr(Project, "row", row)
    for item_filter in (ItemFilter(labeled=True), ItemFilter(labeled=False)):
        items_page(labeled_project, item_filter)
        count_items_matching(labeled_project, item_filter)
    monkeypatch.setattr(Project, "rows", real_rows)
    monkeypatch.setattr(Project, "scalar", real_scalar)
    monkeypatch.setattr(Project, "row", real_row)
    assert len(captured) >= 4
    for sql, params in captured:
        for step in plans(labeled_project, sql, params):
            assert not step.startswith("SCAN items") and "labels" not in step.split()[:2], sql
            if step.startswith("SCAN"):  # only the totals row, or a bounded subquery
                assert step in ("SCAN item_label_totals", "SCAN (subquery-1)"), (sql, step)
    page_sql = [sql for sql, _ in captured if "LIMIT ?" in sql]
    unlabeled = [s for s in page_sql if "st.submitted = 0" in s][0]
    steps = plans(labeled_project, unlabeled, [0, 500])
    assert any("INDEX item_label_state_submitted (submitted=? AND rowid>?)" in s for s in steps)
    assert not any("TEMP B-TREE FOR ORDER BY" in s for s in steps), (
        "the index gives seq order: no sort"
    )


def test_state_rows_follow_items(tmp_path: Path) -> None:
    project = project_with_items(tmp_path)
    try:
        assert project.scalar("SELECT count(*) FROM item_label_state") == project.scalar(
            "SELECT count(*) FROM items"
        )
        with project.transaction():  # items are never deleted by the app; if one is, it goes
            project.conn.execute("DELETE FROM items WHERE id = 'x000'")
        assert_state_matches(project)
        with pytest.raises(sqlite3.IntegrityError), project.transaction():  # needs its item
            project.conn.execute("INSERT INTO item_label_state(seq) VALUES (99999)")
    finally:
        project.close()


def test_a_copied_schema_makes_its_totals_row_and_counts_without_one(tmp_path: Path) -> None:
    """A work pack copies the schema, not the rows: the first item makes the totals row.
    With no totals row at all, the counts come from the index instead."""
    from annotator.exchange.pack_write import copy_schema
    from annotator.items.items import add_items, item_from_record
    from annotator.store.project import connect

    project = project_with_items(tmp_path)
    conn = connect(tmp_path / "copy.db", journal_mode="DELETE")
    conn.execute("BEGIN")
    copy_schema(project, conn)
    conn.execute("COMMIT")
    copy = Project(tmp_path / "copy.db", conn)
    try:
        assert copy.row("SELECT * FROM item_label_totals") is None
        assert count_items_matching(copy, ItemFilter(labeled=False)) == 0
        add_items(
            copy, [item_from_record({"id": f"c{i}", "input": "q", "output": "a"}) for i in range(5)]
        )
        assert tuple(copy.row("SELECT items, labeled FROM item_label_totals")) == (5, 0)
        assert count_items_matching(copy, ItemFilter(labeled=False)) == 5
        with copy.transaction():
            copy.conn.execute("DELETE FROM item_label_totals")
        assert count_items_matching(copy, ItemFilter(labeled=False)) == 5
        assert count_items_matching(copy, ItemFilter(labeled=True)) == 0
    finally:
        copy.close()
        project.close()

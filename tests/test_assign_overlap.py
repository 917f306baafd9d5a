"""Assignments: balanced overlap, selection, anchors kept out, new annotators."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest

from annotator.anchors import anchors
from annotator.queue import assignments, overlap
from annotator.queue.settings import QueueError, get_settings
from annotator.sources.sources import get_annotator, get_source
from tests.support.queue_project import make_project, people

NAMES = ["A", "B", "C", "D", "E"]


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, n_items=1000)
    yield project
    project.close()


def _owners(project) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = {}
    for item_id, name in project.rows(
        "SELECT s.item_id, a.name FROM assignments s JOIN annotators a ON a.id = s.annotator_id "
        "WHERE s.removed = 0"
    ):
        owners.setdefault(item_id, set()).add(name)
    return owners


def test_five_annotators_overlap_02_k3_every_pair_shares_and_overlap_has_three(project):
    result = assignments.assign(project, NAMES, overlap=0.2, k=3, seed=5)
    owners = _owners(project)
    assert len(owners) == 1000 and result.items == 1000
    sizes = Counter(len(names) for names in owners.values())
    assert sizes == {3: 200, 1: 800}, "20% of items have exactly 3 annotators, the rest 1"
    flagged = {
        row[0] for row in project.rows("SELECT DISTINCT item_id FROM assignments WHERE overlapped")
    }
    assert flagged == {item for item, names in owners.items() if len(names) == 3}
    for a, b in combinations(NAMES, 2):
        shared = [item for item, names in owners.items() if {a, b} <= names]
        assert shared, f"{a} and {b} share no item"
    loads = Counter(name for names in owners.values() for name in names)
    assert sum(loads.values()) == 200 * 3 + 800
    assert max(loads.values()) - min(loads.values()) <= 1, loads
    assert result.pairs_sharing == result.pairs_total == 10


@pytest.mark.parametrize("m", range(2, 13))
def test_overlap_groups_pair_everyone_within_the_first_rounds(m):
    for k in range(2, m + 1):
        rounds = len(overlap.offset_sets(m, k))
        groups = overlap.overlap_groups(m, k, m * rounds)
        assert all(len(set(g)) == k for g in groups)
        pairs = {pair for g in groups for pair in combinations(g, 2)}
        assert pairs == set(combinations(range(m), 2)), (m, k)
        assert set(Counter(i for g in groups for i in g).values()) == {k * rounds}


def test_the_same_seed_gives_the_same_split_and_order(tmp_path):
    orders = []
    for name in ("one", "two"):
        project = make_project(tmp_path / name, n_items=200)
        assignments.assign(project, NAMES, overlap=0.3, k=2, seed=9)
        orders.append(
            project.rows(
                "SELECT a.name, s.position, s.item_id FROM assignments s "
                "JOIN annotators a ON a.id = s.annotator_id ORDER BY a.name, s.position"
            )
        )
        project.close()
    assert [tuple(r) for r in orders[0]] == [tuple(r) for r in orders[1]]


def test_anchors_and_assigned_items_are_left_out(project):
    anchors.add_anchor(project, "it-0000", {"correct": "yes"}, "known answer")
    first = assignments.assign(project, ["A", "B"], sample=100, seed=1)
    assert first.items == 100
    again = assignments.assign(project, ["C"], seed=2)
    assert again.items == 1000 - 1 - 100
    owners = _owners(project)
    assert "it-0000" not in owners
    assert all(len(names) == 1 for names in owners.values())
    assert assignments.assign(project, ["C"], seed=3).items == 0


def test_a_slice_selects_by_tag(project):
    result = assignments.assign(project, ["A", "B"], slice_=("domain", "law"), seed=1)
    domains = {
        row[0]
        for row in project.rows(
            "SELECT json_extract(i.tags, '$.domain') FROM assignments s "
            "JOIN items i ON i.id = s.item_id"
        )
    }
    assert domains == {"law"} and result.items == 333


def test_new_annotators_are_created_in_the_experts_source(project):
    people(project, ["A"])  # exists already, in "experts"
    with project.transaction():
        from annotator.sources.sources import ensure_annotator, ensure_source

        ensure_annotator(project, "Crowd1", ensure_source(project, "crowd", "crowd"))
    result = assignments.assign(project, ["A", "Crowd1", "New"], sample=30, seed=1)
    assert result.created_annotators == ["New"]
    assert get_source(project, "experts").kind == "expert"
    new = get_annotator(project, "New")
    assert new.source_id == get_source(project, "experts").id
    assert get_annotator(project, "Crowd1").source_id == get_source(project, "crowd").id


def test_a_named_source_is_made_with_kind_expert(project):
    assignments.assign(project, ["X"], sample=5, seed=1, source="clinicians")
    assert get_source(project, "clinicians").kind == "expert"
    assert get_annotator(project, "X").source_id == get_source(project, "clinicians").id


def test_queue_settings_are_stored_per_annotator(project):
    assignments.assign(
        project, ["A", "B"], sample=10, seed=4, anchor_rate=0.2, repeat_rate=0.05, min_gap=3
    )
    settings = get_settings(project, get_annotator(project, "A").id)
    assert (settings.seed, settings.anchor_rate, settings.repeat_rate) == (4, 0.2, 0.05)
    assert settings.min_gap == 3 and settings.current_anchor_rate == 0.2
    assert settings.assigned_count == 5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"overlap": 0.2, "k": 6},  # more than the team
        {"overlap": 0.2, "k": 1},
        {"overlap": 1.5},
        {"sample": 0},
        {"anchor_rate": 0.9},
        {"anchor_rate": 0.5, "min_gap": 2},  # cannot keep the gap
    ],
)
def test_impossible_requests_are_refused_and_change_nothing(project, kwargs):
    before = project.table_counts()
    with pytest.raises(QueueError):
        assignments.assign(project, NAMES, seed=1, **kwargs)
    assert project.table_counts() == before


def test_a_name_given_twice_is_refused(project):
    with pytest.raises(QueueError, match="twice"):
        assignments.assign(project, ["A", "A"], seed=1)


def test_assigning_more_items_later_keeps_each_queue_seed(project):
    assignments.assign(project, ["A"], sample=10, seed=21)
    assignments.assign(project, ["A"], sample=10)  # no seed: the queue keeps its own
    assert get_settings(project, get_annotator(project, "A").id).seed == 21
    assignments.assign(project, ["A"], sample=10, seed=22)  # the lead's word wins
    assert get_settings(project, get_annotator(project, "A").id).seed == 22

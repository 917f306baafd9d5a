"""Anchor seeding: share, spacing, windows and reproducibility over 1,000 draws."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.anchors import anchors
from annotator.anchors import rate as anchor_rate
from annotator.queue import assignments, queue
from annotator.queue.queue import anchor_gap
from tests.support.queue_project import answer, make_project, people

DRAWS = 1000
RATE = 0.1
WINDOW = 100
MIN_GAP = 2


def run_queue(folder: Path, seed: int, draws: int = DRAWS) -> list[queue.QueueEntry]:
    """Serve `draws` entries to one annotator, answering each as it comes."""
    project = make_project(folder, n_items=1100)
    people(project, ["A"])
    for i in range(40):  # 40 anchors whose reference the annotator always matches
        anchors.add_anchor(project, f"it-{i:04d}", {"correct": "yes"}, "reference")
    assignments.assign(
        project,
        ["A"],
        seed=seed,
        anchor_rate=RATE,
        min_gap=MIN_GAP,
        anchor_window_items=WINDOW,
    )
    person = people(project, ["A"])["A"]
    served = []
    for _ in range(draws):
        entry = queue.next_entry(project, person.id)
        assert entry is not None
        served.append(entry)
        answer(project, "A", entry.item_id)
    assert anchor_rate.rate_log(project) == [], "all anchors answered right: the rate never moved"
    project.close()
    return served


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> list[queue.QueueEntry]:
    return run_queue(tmp_path_factory.mktemp("seed7"), seed=7)


def test_anchor_share_is_within_two_points_of_the_setting(served):
    share = sum(e.kind == "anchor" for e in served) / len(served)
    assert abs(share - RATE) <= 0.02, f"anchor share {share:.3f} over {len(served)} draws"


def test_never_two_anchors_in_a_row_and_the_minimum_gap_holds(served):
    positions = [e.position for e in served if e.kind == "anchor"]
    assert positions, "anchors were served"
    gaps = [b - a - 1 for a, b in zip(positions, positions[1:], strict=False)]
    assert min(gaps) >= MIN_GAP
    kinds = [e.kind for e in served]
    assert all(not (a == b == "anchor") for a, b in zip(kinds, kinds[1:], strict=False))


def test_gaps_vary_so_anchors_cannot_be_counted(served):
    positions = [e.position for e in served if e.kind == "anchor"]
    gaps = {b - a for a, b in zip(positions, positions[1:], strict=False)}
    assert len(gaps) >= 5, f"jitter gives varied gaps, got {sorted(gaps)}"


def test_no_anchor_comes_back_inside_its_window(served):
    last_seen: dict[str, int] = {}
    repeats = 0
    for entry in served:
        if entry.kind != "anchor":
            continue
        if entry.item_id in last_seen:
            repeats += 1
            assert entry.position - last_seen[entry.item_id] > WINDOW, entry
        last_seen[entry.item_id] = entry.position
    assert repeats > 0, "the run is long enough that anchors do come back"


def test_positions_are_consecutive_and_regular_items_are_never_anchors(served):
    assert [e.position for e in served] == list(range(len(served)))
    anchor_ids = {f"it-{i:04d}" for i in range(40)}
    assert all((e.kind == "anchor") == (e.item_id in anchor_ids) for e in served)
    regular = [e.item_id for e in served if e.kind == "item"]
    assert len(regular) == len(set(regular)), "no regular item is served twice"


def test_same_seed_gives_the_same_queue_and_another_seed_does_not(served, tmp_path):
    again = run_queue(tmp_path / "again", seed=7, draws=300)
    assert [(e.item_id, e.kind) for e in again] == [(e.item_id, e.kind) for e in served[:300]]
    other = run_queue(tmp_path / "other", seed=8, draws=300)
    assert [(e.item_id, e.kind) for e in other] != [(e.item_id, e.kind) for e in again]


@pytest.mark.parametrize("rate", [0.05, 0.1, 0.2, 0.3])
def test_gap_draws_average_to_the_rate(rate):
    rng = random.Random(1)
    gaps = [anchor_gap(rate, 0.5, 2, rng) for _ in range(20_000)]
    share = len(gaps) / (sum(gaps) + len(gaps))  # one anchor per (gap + 1) entries
    assert abs(share - rate) < 0.005
    assert min(gaps) >= 2

"""The overview cache (`annotator.report.cache`): the same project state gives the same
overview object without computing; a label or an adjudication changes the state; the
intervals reuse the point estimates and equal a direct computation with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.demo import build_demo
from annotator.labels.adjudications import adjudicate
from annotator.labels.labels import submit_label
from annotator.report import overview as overview_module
from annotator.report.cache import OverviewCache, cached_overview, project_state
from annotator.store.project import open_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("report-cache") / "demo.annotator")


@pytest.fixture
def project(built, tmp_path):
    copy = tmp_path / "demo.annotator"
    copy.write_bytes(built.read_bytes())
    with open_project(copy) as opened:
        yield opened


@pytest.fixture
def counted(monkeypatch):
    calls: list[tuple[str, int]] = []
    build, intervals = overview_module.build_overview, overview_module.with_intervals

    def counted_build(*args, **kwargs):
        calls.append(("build", kwargs["n_boot"]))
        return build(*args, **kwargs)

    def counted_intervals(*args, **kwargs):
        calls.append(("intervals", kwargs["n_boot"]))
        return intervals(*args, **kwargs)

    monkeypatch.setattr(overview_module, "build_overview", counted_build)
    monkeypatch.setattr(overview_module, "with_intervals", counted_intervals)
    return calls


def test_the_same_state_gives_the_same_overview_without_computing(project, counted):
    cache = OverviewCache()
    first = cached_overview(project, n_boot=0, cache=cache)
    assert cached_overview(project, n_boot=0, cache=cache) is first
    assert counted == [("build", 0)]
    assert cached_overview(project, n_boot=0, cache=cache, fresh=True) is not first
    assert counted == [("build", 0), ("build", 0)]


def test_intervals_reuse_the_point_estimates_and_equal_a_direct_computation(project, counted):
    cache = OverviewCache()
    point = cached_overview(project, n_boot=0, cache=cache)
    full = cached_overview(project, n_boot=200, seed=3, cache=cache)
    assert counted == [("build", 0), ("intervals", 200)]
    assert full.drift is point.drift and full.lowest is point.lowest  # not computed again
    direct = overview_module.build_overview(project, n_boot=200, seed=3)
    assert full.agreement == direct.agreement
    assert full.settings == direct.settings
    with_ci = [e for e in full.agreement["criteria"].values() if e.get("alpha_ci")]
    assert with_ci and not any(e.get("alpha_ci") for e in point.agreement["criteria"].values())


def test_a_label_or_an_adjudication_changes_the_state(project, counted):
    cache = OverviewCache()
    state = project_state(project)
    first = cached_overview(project, n_boot=0, cache=cache)
    submit_label(
        project,
        item_id="code-003",
        annotator="Aisha Bello",
        values={"correctness": 1, "safety": "safe", "verdict": "revise"},
    )
    labelled = project_state(project)
    assert labelled != state
    second = cached_overview(project, n_boot=0, cache=cache)
    assert second is not first and second.stats["labels"] == first.stats["labels"] + 1
    adjudicate(project, "code-003", "correctness", 2)
    assert project_state(project) != labelled
    third = cached_overview(project, n_boot=0, cache=cache)
    assert third is not second
    assert third.consensus["correctness"]["adjudicated"] == (
        second.consensus["correctness"]["adjudicated"] + 1
    )
    assert counted == [("build", 0)] * 3


def test_the_cache_keeps_the_newest_entries():
    cache = OverviewCache(size=2)
    keys = [object(), object(), object()]
    for k in keys:
        cache.put(k, k)  # type: ignore[arg-type]
    assert len(cache) == 2 and cache.get(keys[0]) is None and cache.get(keys[2]) is keys[2]

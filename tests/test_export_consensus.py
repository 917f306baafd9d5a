"""The export's consensus equals `aggregate.consensus` for every item, criterion and method."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from annotator.exchange.export import ExportOptions, export_project
from annotator.labels.adjudications import adjudicate
from annotator.labels.scope import Scope
from annotator.quality.aggregate import ConsensusError, consensus
from tests.conftest import shared_path
from tests.support.export_project import SmallProject, dialsummeval_copy, small_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallProject:
    built = small_project(tmp_path_factory.mktemp("consensus"))
    adjudicate(built.project, "it-0007", "verdict", "c", rationale="decided")
    adjudicate(built.project, "it-0008", "quality", 2, rationale="decided")
    return built


def _items(project, folder: Path, method: str, criteria=None) -> pd.DataFrame:
    options = ExportOptions(
        format="parquet", consensus=method, n_boot=0, scope=Scope.parse(criteria=criteria)
    )
    export_project(project, folder, options)
    return pd.read_parquet(folder / "items.parquet").set_index("item_id")


def _same(project, items: pd.DataFrame, key: str, method: str) -> int:
    expected = consensus(project, key, method=method)
    assert set(expected) <= set(items.index)
    checked = 0
    for item_id, one in expected.items():
        row = items.loc[item_id]
        value = row[key]
        if isinstance(one.value, list):
            assert list(value) == one.value, (item_id, key)  # a list in Parquet
        elif one.value is None:
            assert pd.isna(value), (item_id, key)
        elif isinstance(one.value, float):
            assert value == pytest.approx(one.value), (item_id, key)
        else:
            assert value == one.value, (item_id, key)
        assert row[f"{key}_method"] == one.method
        assert bool(row[f"{key}_tie"]) == one.tie
        assert row[f"{key}_n_labels"] == one.n_labels
        if one.confidence is None:
            assert pd.isna(row[f"{key}_confidence"])
        else:
            assert row[f"{key}_confidence"] == pytest.approx(one.confidence, abs=1e-6)
        checked += 1
    others = items.index.difference(list(expected))
    assert items.loc[others, f"{key}_method"].isna().all()
    return checked


@pytest.mark.parametrize("method", ["auto", "majority", "dawid_skene"])
def test_every_criterion_matches_aggregate(
    built: SmallProject, tmp_path: Path, method: str
) -> None:
    items = _items(built.project, tmp_path / method, method)
    keys = ["quality", "verdict", "issues"] + (["score"] if method == "auto" else [])
    for key in keys:
        assert _same(built.project, items, key, method) == 12
    assert items.at["it-0007", "verdict"] == "c"
    assert items.at["it-0007", "verdict_method"] == "adjudicated"


def test_median_and_mean_match_aggregate(built: SmallProject, tmp_path: Path) -> None:
    items = _items(built.project, tmp_path / "median", "median", ["quality"])
    assert _same(built.project, items, "quality", "median") == 12
    assert items.at["it-0008", "quality"] == 2
    items = _items(built.project, tmp_path / "mean", "mean", ["score"])
    assert _same(built.project, items, "score", "mean") == 12
    with pytest.raises(ConsensusError):
        _items(built.project, tmp_path / "bad", "median", ["verdict"])


def test_dialsummeval_consensus_matches_aggregate(tmp_path: Path) -> None:
    path = dialsummeval_copy(shared_path("data", "dialsummeval"), tmp_path, tmp_path / "cache")
    from annotator.store.project import open_project

    with open_project(path) as project:
        for method in ("auto", "majority"):
            items = _items(project, tmp_path / method, method)
            for key in ("coherence", "consistency", "fluency", "relevance"):
                assert _same(project, items, key, method) == 1400
            ties = int(items["coherence_tie"].sum())
            assert 0 < ties < 1400


def test_a_mean_without_a_scale_range_uses_the_whole_projects_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annotator.labels.stream as stream
    from tests.support.agreement_project import label, make_project, team

    project = make_project(
        tmp_path, 9, criteria=[{"key": "score", "kind": "numeric"}], name="mean.annotator"
    )
    team(project, {"A": ("experts", "expert"), "B": ("experts", "expert")})
    for n in range(9):
        label(project, "A", f"it-{n:04d}", {"score": n})
        label(project, "B", f"it-{n:04d}", {"score": n + (n % 3)})
    monkeypatch.setattr(stream, "CHUNK_LABELS", 1)  # three items a chunk: ranges differ
    monkeypatch.setattr(stream, "CHUNK_ITEMS", 3)
    items = _items(project, tmp_path / "mean", "mean")
    assert _same(project, items, "score", "mean") == 9
    assert items["score_confidence"].nunique() > 1

"""Export filters, the adjudicated consensus, cancelling, and the folder rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from annotator.exchange.export import Cancelled, ExportError, ExportOptions, export_project
from annotator.labels.adjudications import adjudicate
from annotator.labels.scope import Scope, ScopeError
from annotator.quality.aggregate import consensus
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from tests.support.agreement_project import RUBRIC
from tests.support.export_project import ANCHORS, SmallProject, small_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallProject:
    return small_project(tmp_path_factory.mktemp("filters"))


def _export(built: SmallProject, folder: Path, **scope) -> dict[str, pd.DataFrame]:
    options = ExportOptions(format="parquet", scope=Scope.parse(**scope), n_boot=0)
    export_project(built.project, folder, options)
    return {t: pd.read_parquet(folder / f"{t}.parquet") for t in ("items", "labels", "sources")}


def test_criteria_filter_keeps_only_those_columns(built: SmallProject, tmp_path: Path) -> None:
    tables = _export(built, tmp_path / "x", criteria=["quality"])
    assert "quality" in tables["labels"] and "verdict" not in tables["labels"]
    assert "quality_confidence" in tables["items"] and "verdict_method" not in tables["items"]


def test_tag_filter_keeps_only_tagged_items(built: SmallProject, tmp_path: Path) -> None:
    tables = _export(built, tmp_path / "x", tags=["domain=law"])
    tags = tables["items"]["tags"]  # a struct in Parquet: a dict per item
    assert len(tables["items"]) == 6 and all(t["domain"] == "law" for t in tags)
    assert set(tables["labels"]["item_id"]) == set(tables["items"]["item_id"])


def test_source_filter_keeps_their_labels_and_their_consensus(
    built: SmallProject, tmp_path: Path
) -> None:
    tables = _export(built, tmp_path / "x", sources=["crowd"])
    labels = tables["labels"]
    expected = [w for w in built.effective if w.source == "crowd"]
    assert set(labels["source"]) == {"crowd"} and len(labels) == len(expected)
    decided = consensus(built.project, "verdict", sources=["crowd"])
    items = tables["items"].set_index("item_id")
    for item_id, value in decided.items():
        got = items.at[item_id, "verdict"]
        assert (pd.isna(got) and value.value is None) or got == value.value
    assert list(tables["sources"]["source"]) == ["crowd"]


def test_time_range_selects_labels_submitted_in_it(built: SmallProject, tmp_path: Path) -> None:
    tables = _export(built, tmp_path / "x", since="2025-02-01", until="2025-04-01")
    expected = [w for w in built.effective if w.at and "2025-02-01" <= w.at[:10] < "2025-04-01"]
    assert len(tables["labels"]) == len(expected) > 0
    assert set(tables["items"]["item_id"]) == {w.item for w in expected}
    with pytest.raises(ScopeError):
        Scope.parse(since="2025-04-01", until="2025-02-01")


def test_anchor_filter(built: SmallProject, tmp_path: Path) -> None:
    out = _export(built, tmp_path / "out", anchors="exclude")["items"]
    only = _export(built, tmp_path / "only", anchors="only")["items"]
    assert not set(out["item_id"]) & set(ANCHORS)
    assert set(only["item_id"]) == set(ANCHORS)
    assert only["is_anchor"].all() and not out["is_anchor"].any()
    labels = _export(built, tmp_path / "all")["labels"]
    on_anchor = labels[labels["item_id"].isin(ANCHORS)]
    assert on_anchor["is_anchor"].all() and on_anchor["anchor_matched"].notna().all()


def _item_agreement(built: SmallProject, item: str) -> float:
    """1 - mean over criteria of the pairwise disagreement (computed here, by hand)."""
    rows = [w.values for w in built.effective if w.item == item]
    scores = []
    # ordinal: mean |gap| / (5 - 1); nominal: share of differing pairs
    pairs = [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :]]
    scores.append(np.mean([abs(a["quality"] - b["quality"]) / 4 for a, b in pairs]))
    scores.append(np.mean([a["verdict"] != b["verdict"] for a, b in pairs]))
    per_option = [
        np.mean([(o in a["issues"]) != (o in b["issues"]) for a, b in pairs])
        for o in ("factual", "tone")
    ]
    scores.append(np.mean(per_option))
    values = [r["score"] for r in rows]
    span = 10.0  # the criterion's min..max
    scores.append(
        np.mean([(a - b) ** 2 for i, a in enumerate(values) for b in values[i + 1 :]]) / span**2
    )
    return 1 - float(np.mean(scores))


def test_min_agreement_keeps_items_at_or_above_it(built: SmallProject, tmp_path: Path) -> None:
    every = _export(built, tmp_path / "all")["items"].set_index("item_id")
    for item in every.index:
        assert every.at[item, "agreement"] == pytest.approx(_item_agreement(built, item), abs=1e-6)
    threshold = float(np.median(every["agreement"]))
    kept = _export(built, tmp_path / "kept", min_agreement=threshold)
    assert set(kept["items"]["item_id"]) == set(every.index[every["agreement"] >= threshold])
    assert set(kept["labels"]["item_id"]) <= set(kept["items"]["item_id"])


def test_rubric_version_filter(tmp_path: Path) -> None:
    built = small_project(tmp_path / "p")
    data = json.loads(json.dumps(RUBRIC))
    data["criteria"][0]["options"].append({"value": 6})
    version = publish(built.project, rubric_from_dict(data), note="six points").version
    from annotator.labels.labels import submit_label

    submit_label(
        built.project, item_id="it-0003", annotator="Crowdworker Dan Q", values={"quality": 6}
    )
    tables = _export(built, tmp_path / "v2", rubric_version=version.id)
    assert list(tables["labels"]["rubric_version"]) == [2]
    assert list(tables["labels"]["quality"]) == [6]
    tables = _export(built, tmp_path / "all")
    assert set(tables["labels"]["rubric_version"]) == {1, 2}


def test_the_consensus_takes_the_adjudicated_value(tmp_path: Path) -> None:
    built = small_project(tmp_path / "p")
    before = _export(built, tmp_path / "before")["items"].set_index("item_id")
    current = before.at["it-0004", "verdict"]
    chosen = next(v for v in "abc" if v != current)
    adjudicate(built.project, "it-0004", "verdict", chosen, rationale="the lead decides")
    after = _export(built, tmp_path / "after")["items"].set_index("item_id")
    assert after.at["it-0004", "verdict"] == chosen
    assert after.at["it-0004", "verdict_method"] == "adjudicated"
    assert after.at["it-0004", "verdict_confidence"] == 1.0
    assert after.at["it-0005", "verdict_method"] != "adjudicated"
    manifest = json.loads((tmp_path / "after" / "manifest.json").read_text())
    assert manifest["counts"]["adjudicated"] == 1


def test_cancel_leaves_nothing_behind(built: SmallProject, tmp_path: Path) -> None:
    parent = tmp_path / "exports"
    parent.mkdir()
    before = built.project.scalar("SELECT count(*) FROM exports")
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 1  # let the first chunk start, then stop

    for fmt in ("hf", "croissant", "jsonl"):
        with pytest.raises(Cancelled):
            export_project(
                built.project,
                parent / fmt,
                ExportOptions(format=fmt, n_boot=0),
                cancelled=cancelled,
            )
        calls.clear()
    assert list(parent.iterdir()) == []
    assert built.project.scalar("SELECT count(*) FROM exports") == before
    assert not built.project.conn.in_transaction


def test_a_non_empty_folder_is_refused_unless_overwrite(
    built: SmallProject, tmp_path: Path
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_project(built.project, target, ExportOptions(n_boot=0))
    assert (target / "keep.txt").read_text() == "mine"
    export_project(built.project, target, ExportOptions(n_boot=0, overwrite=True))
    assert not (target / "keep.txt").exists() and (target / "manifest.json").exists()
    with pytest.raises(ExportError, match="consensus"):
        ExportOptions(consensus="vote").check()


def test_cli_user_errors_are_one_paragraph_and_write_nothing(
    built: SmallProject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from annotator.cli import main as cli

    path = str(built.project.path)
    out = str(tmp_path / "out")
    cases = [
        (["--tag", "nonsense"], "KEY=VALUE"),
        (["--since", "yesterday"], "--since"),
        (["--source", "nobody"], "nobody"),
        (["--consensus", "mean"], "mean needs numbers"),
        (["--min-agreement", "1.5"], "between 0 and 1"),
    ]
    for extra, message in cases:
        assert cli(["export", path, "--out", out, "--bootstrap", "0", *extra]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == []

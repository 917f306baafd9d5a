"""Real data: the DialSummEval project built through the CLI reports exactly the
published counts, stores the crowd's cost and times faithfully, and importing the
same files again changes nothing.

Expected figures come from the dataset's README (1,400 summaries; 3 trained
annotators each; 7,000 MTurk assignments by 283 workers at $0.04), and are
cross-checked against the raw files with plain csv/json code, never with ours.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from annotator.cli import main as cli
from annotator.sources.sources import get_source
from annotator.store.project import open_project
from tests.conftest import shared_path
from tests.support import dialsummeval
from tests.support.foundation import item_rows_digest, label_rows_digest, snapshot

ITEMS, EXPERT_LABELS, EXPERTS = 1_400, 4_200, 3
CROWD_LABELS, CROWD_WORKERS, CROWD_REWARD = 7_000, 283, 0.04


@pytest.fixture(scope="module")
def data() -> Path:
    return shared_path("data", "dialsummeval")


@pytest.fixture(scope="module")
def built(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project, built once per module through the public CLI (as a lead would)."""
    out = tmp_path_factory.mktemp("dialsummeval")
    return dialsummeval.build_project(data, out)


def stats_via_main(project: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert cli(["stats", str(project), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def console_script() -> str:
    beside = Path(sys.executable).with_name("annotator")
    found = str(beside) if beside.exists() else shutil.which("annotator")
    assert found, "the 'annotator' console script is not installed in this environment"
    return found


def check_counts(stats: dict) -> None:
    assert stats["items"] == ITEMS
    assert stats["labels"] == EXPERT_LABELS + CROWD_LABELS
    assert stats["annotators"] == EXPERTS + CROWD_WORKERS
    by_name = {s["name"]: s for s in stats["sources"]}
    assert set(by_name) == {"experts", "mturk"}
    assert by_name["experts"] == {
        "name": "experts",
        "kind": "expert",
        "labels": EXPERT_LABELS,
        "annotators": EXPERTS,
    }
    assert by_name["mturk"] == {
        "name": "mturk",
        "kind": "crowd",
        "labels": CROWD_LABELS,
        "annotators": CROWD_WORKERS,
    }


def test_readme_figures_match_the_raw_files(data: Path) -> None:
    """The constants above are the dataset's, counted here with the stdlib alone."""
    with open(data / "human_judgment.jsonl", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    assert len(records) == ITEMS
    assert sum(len(r["annotations"]) for r in records) == EXPERT_LABELS
    rows = []
    for path in dialsummeval.batch_files(data):
        with open(path, encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    assert len(rows) == CROWD_LABELS
    assert len({row["WorkerId"] for row in rows}) == CROWD_WORKERS
    assert {row["Reward"] for row in rows} == {"$0.04"}


def test_stats_json_reports_the_published_counts(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check_counts(stats_via_main(built, capsys))


def test_stats_json_through_the_console_script(built: Path) -> None:
    done = subprocess.run(
        [console_script(), "stats", str(built), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    check_counts(json.loads(done.stdout))


def test_crowd_costs_and_cost_model(built: Path) -> None:
    with open_project(built) as project:
        source = get_source(project, "mturk")
        assert source.cost_model is not None
        assert (source.cost_model.type, source.cost_model.currency) == ("per_label", "USD")
        assert source.cost_model.amount == pytest.approx(CROWD_REWARD)
        costs = [
            r[0]
            for r in project.rows(
                "SELECT cost FROM labels WHERE source_id = ? ORDER BY id", (source.id,)
            )
        ]
        expert_costs = project.rows(
            "SELECT DISTINCT l.cost FROM labels l JOIN sources s ON s.id = l.source_id "
            "WHERE s.name = 'experts'"
        )
    assert len(costs) == CROWD_LABELS
    assert all(cost == pytest.approx(CROWD_REWARD) for cost in costs)
    assert round(sum(costs), 2) == 280.00
    assert [tuple(r) for r in expert_costs] == [(None,)]  # no cost model, no invented cost


def test_rubric_is_four_ordinal_criteria_1_to_5(built: Path) -> None:
    with open_project(built) as project:
        from annotator.rubric.versions import current_version

        version = current_version(project)
    assert version.keys == list(dialsummeval.CRITERIA)
    for criterion in version.criteria:
        assert criterion.kind == "ordinal"
        assert criterion.option_values == [1, 2, 3, 4, 5]


def test_expert_labels_match_the_source_file(data: Path, built: Path) -> None:
    """Every expert's values land on the right item, unchanged."""
    expected = {}
    with open(data / "human_judgment.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            for index, values in enumerate(record["annotations"], start=1):
                expected[(f"{record['id']}-{record['model_id']}", f"expert-{index}")] = values
    conn = sqlite3.connect(f"file:{built}?mode=ro", uri=True)
    try:
        stored = {
            (item, name): json.loads(values)
            for item, name, values in conn.execute(
                "SELECT l.item_id, a.name, l.values_json FROM labels l "
                "JOIN annotators a ON a.id = l.annotator_id "
                "JOIN sources s ON s.id = l.source_id WHERE s.name = 'experts'"
            )
        }
    finally:
        conn.close()
    assert stored == expected


def test_mturk_times_are_stored_as_utc_iso(data: Path, built: Path) -> None:
    """AcceptTime/SubmitTime ('Sun Nov 14 08:15:05 PST 2021') become UTC ISO 8601,
    converted here independently with the tz database."""
    pacific = ZoneInfo("America/Los_Angeles")

    def utc(text: str) -> str:
        _weekday, month, day, clock, zone, year = text.split()
        assert zone in ("PST", "PDT")  # the zone the tz database must agree with
        local = datetime.strptime(f"{month} {day} {clock} {year}", "%b %d %H:%M:%S %Y")
        moment = local.replace(tzinfo=pacific).astimezone(ZoneInfo("UTC"))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    expected = {}
    for path in dialsummeval.batch_files(data):
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                expected[f"mturk:{row['AssignmentId']}"] = (
                    utc(row["AcceptTime"]),
                    utc(row["SubmitTime"]),
                    float(row["WorkTimeInSeconds"]),
                )
    conn = sqlite3.connect(f"file:{built}?mode=ro", uri=True)
    try:
        stored = {
            uid: (started, submitted, duration)
            for uid, started, submitted, duration in conn.execute(
                "SELECT uid, started_at, submitted_at, duration_s FROM labels "
                "WHERE uid LIKE 'mturk:%'"
            )
        }
    finally:
        conn.close()
    assert len(stored) == CROWD_LABELS
    assert stored == expected
    assert stored["mturk:3483FV8BEOKTGUBUVIXJF3JFB8Q263"][0] == "2021-11-14T16:15:05.000Z"


def test_importing_the_same_files_again_changes_nothing(
    data: Path, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project_file = tmp_path / "again.annotator"
    shutil.copyfile(built, project_file)  # the fixture's file is closed: no WAL to carry
    inputs = built.parent / "inputs"
    with open_project(project_file) as project:
        counts_before = project.table_counts()
    tables_before = snapshot(project_file)
    labels_before, items_before = label_rows_digest(project_file), item_rows_digest(project_file)

    steps = [
        ["rubric", "publish", str(project_file), str(inputs / "rubric.yaml"), "--note", "again"],
        ["import-items", str(project_file), str(inputs / "items.jsonl"), "--json"],
        ["import-labels", str(project_file), str(inputs / "expert_labels.jsonl"),
         "--source", "experts", "--kind", "expert", "--json"],
        ["import-labels", str(project_file), *map(str, dialsummeval.batch_files(data)),
         "--source", "mturk", "--kind", "crowd", "--format", "mturk",
         "--map", "coherence=Answer.Coherance", "--item-map", str(data / "hit_items.csv"),
         "--cost-per-label", "0.04", "--currency", "USD", "--json"],
    ]  # fmt: skip
    reports = []
    for step in steps:
        capsys.readouterr()
        assert cli(step) == 0
        if "--json" in step:
            reports += json.loads(capsys.readouterr().out)
    assert [r["added"] for r in reports] == [0] * len(reports)
    assert sum(r["duplicates"] for r in reports) == ITEMS + EXPERT_LABELS + CROWD_LABELS

    with open_project(project_file) as project:
        assert project.table_counts() == counts_before
    assert label_rows_digest(project_file) == labels_before
    assert item_rows_digest(project_file) == items_before
    assert snapshot(project_file) == tables_before
    check_counts(stats_via_main(project_file, capsys))

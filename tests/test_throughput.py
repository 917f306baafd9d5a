"""Throughput (`annotator.queue.throughput`) against independent counts from the labels,
assignments and items tables (plain SQL and pandas), on a project planted through the
real queue and label paths: the pace, the day the backlog clears and what it would take
are checked against hand computations."""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import timedelta

import pandas as pd
import pytest

from annotator.base.clock import to_iso
from annotator.cli import main as cli
from annotator.labels.labels import submit_label
from annotator.queue.settings import QueueError
from annotator.queue.throughput import table_rows, throughput
from annotator.report.throughput import throughput_section
from annotator.store.project import open_project
from tests.support import throughput_project as tp
from tests.support.queue_project import make_project, people
from tests.test_report_html import read_report

BY = "2026-06-28"  # the end of this day is exactly four weeks after AT


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return tp.build(tmp_path_factory.mktemp("throughput"))


def human_records(path, at: str) -> pd.DataFrame:
    """Every label record of a person (not a judge) up to `at`, undo retractions left out."""
    with sqlite3.connect(path) as conn:
        frame = pd.read_sql_query(
            "SELECT l.*, a.name AS who, s.name AS src, length(i.output) AS chars "
            "FROM labels l JOIN annotators a ON a.id = l.annotator_id "
            "JOIN sources s ON s.id = a.source_id JOIN items i ON i.id = l.item_id "
            "WHERE s.kind != 'llm_judge' AND l.status != 'retracted' AND l.submitted_at <= ?",
            conn,
            params=(at,),
        )
    frame["when"] = pd.to_datetime(frame["submitted_at"], utc=True)
    return frame


def backlog_by_sql(path) -> dict[str, int]:
    """Assigned items minus the queue entries answered (every record a person made)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT a.name, (SELECT count(*) FROM assignments s WHERE s.annotator_id = a.id "
            "AND s.removed = 0) - (SELECT count(*) FROM labels l WHERE l.annotator_id = a.id) "
            "FROM annotators a JOIN sources s ON s.id = a.source_id WHERE s.kind = 'expert'"
        ).fetchall()
    return dict(rows)


@pytest.mark.parametrize("days_back", [0, 16])
def test_every_figure_equals_an_independent_count(planted, days_back):
    at = tp.AT - timedelta(days=days_back)
    with open_project(planted.path) as project:
        figures = throughput(project, at=at)
    frame = human_records(planted.path, to_iso(at))
    start = pd.Timestamp(at - timedelta(days=28))
    backlog = backlog_by_sql(planted.path)
    assert [q.name for q in figures.queues] == ["Ana", "Ben"]  # the judge is not a queue
    for queue in figures.queues:
        mine = frame[frame["who"] == queue.name]
        submitted = mine[mine["status"] == "submitted"]
        window = mine[mine["when"] > start]
        hours = mine["duration_s"].sum() / 3600
        weeks = min(4, max(1, math.ceil((at - mine["when"].min()).total_seconds() / 86400 / 7)))
        assert queue.labels == len(submitted)
        assert queue.timed_labels == submitted["duration_s"].notna().sum()
        assert queue.active_hours == pytest.approx(hours)
        assert queue.per_hour == pytest.approx(len(submitted) / hours)
        assert queue.window_labels == (window["status"] == "submitted").sum()
        assert queue.window_hours == pytest.approx(window["duration_s"].sum() / 3600)
        assert queue.weeks == weeks
        assert queue.per_week == pytest.approx(queue.window_labels / weeks)
        assert queue.hours_per_week == pytest.approx(window["duration_s"].sum() / 3600 / weeks)
        assert queue.backlog == backlog[queue.name]  # queue_status now, so AT's backlog
    total = figures.total
    submitted = frame[frame["status"] == "submitted"]
    assert total.labels == len(submitted) == figures.sources[0].labels
    assert total.active_hours == pytest.approx(frame["duration_s"].sum() / 3600)
    assert total.per_hour == pytest.approx(len(submitted) / (frame["duration_s"].sum() / 3600))
    assert total.backlog == sum(backlog.values()) == 300
    assert total.note == "" and figures.notes == []


def test_the_weekly_series_is_a_count_per_iso_week(planted):
    with open_project(planted.path) as project:
        figures = throughput(project, at=tp.AT)
    frame = human_records(planted.path, to_iso(tp.AT))
    iso = frame["when"].dt.isocalendar()
    frame["week"] = iso["year"].astype(str) + "-W" + iso["week"].map("{:02d}".format)
    labels = frame[frame["status"] == "submitted"].groupby("week").size()
    hours = frame.groupby("week")["duration_s"].sum() / 3600
    series = {w["week"]: w for w in figures.weekly}
    assert list(series) == [f"2026-W{n}" for n in range(17, 24)]  # to AT's week, zeros kept
    for week, entry in series.items():
        assert entry["labels"] == labels.get(week, 0)
        assert entry["active_hours"] == pytest.approx(hours.get(week, 0.0))
        per_person = frame[(frame["week"] == week) & (frame["status"] == "submitted")]
        for name, mine in entry["by_annotator"].items():
            assert mine["labels"] == (per_person["who"] == name).sum()
    assert series["2026-W19"]["labels"] == 60 and series["2026-W23"]["labels"] == 0


def test_time_per_item_by_criteria_and_by_output_length_band(planted):
    with open_project(planted.path) as project:
        figures = throughput(project, at=tp.AT)
    frame = human_records(planted.path, to_iso(tp.AT))
    timed = frame[(frame["status"] == "submitted") & frame["duration_s"].notna()].copy()
    timed["k"] = timed["values_json"].map(
        lambda v: sum(x is not None for x in json.loads(v).values())
    )
    by_k = timed.groupby("k")["duration_s"]
    assert [c["criteria"] for c in figures.by_criteria] == [1, 2, 3]
    for entry in figures.by_criteria:
        assert entry["labels"] == by_k.size()[entry["criteria"]]
        assert entry["median_s"] == pytest.approx(by_k.median()[entry["criteria"]])
        assert entry["mean_s"] == pytest.approx(by_k.mean()[entry["criteria"]])
    bands = pd.qcut(timed["chars"], 4, labels=False)
    by_band = timed.groupby(bands)["duration_s"]
    assert len(figures.by_length) == 4
    for entry in figures.by_length:
        index = entry["band"] - 1
        assert entry["labels"] == by_band.size()[index]
        assert entry["median_s"] == pytest.approx(by_band.median()[index])
        assert entry["min_chars"] == timed["chars"][bands == index].min()
    longest, shortest = figures.by_length[-1], figures.by_length[0]
    assert longest["median_s"] > shortest["median_s"]  # planted: longer outputs take longer


def test_the_backlog_clears_on_the_planted_day(planted):
    """150 left in each queue at 30 labels a week each: five weeks after AT, to the second;
    Ana's slower weeks before the window do not count."""
    with open_project(planted.path) as project:
        figures = throughput(project, at=tp.AT)
    clears = to_iso(tp.AT + timedelta(weeks=5))
    assert clears == "2026-07-06T00:00:00.000Z"
    for queue in figures.queues:
        assert queue.per_week == 30.0 and queue.backlog == 150
        assert queue.clears_at == clears
    assert figures.sources[0].clears_at == figures.total.clears_at == clears
    assert figures.pooled_clears_at == clears
    assert figures.total.clears_on == "2026-07-06"


def test_what_it_would_take_matches_a_hand_computation(planted):
    with open_project(planted.path) as project:
        target = throughput(project, at=tp.AT, by_date=BY).target
        with pytest.raises(QueueError, match="not after now"):
            throughput(project, at=tp.AT, by_date="2026-05-31")
    hours = sum(planted.window_seconds) / 3600  # active hours in the window, as planted
    assert target.weeks_left == pytest.approx(4.0)
    assert target.needed_per_week == pytest.approx(300 / 4)
    assert target.median_per_week == 30.0
    assert target.annotators_needed == 3  # 75 a week at 30 each: 2.5, so 3 people
    assert target.per_hour == pytest.approx(240 / hours)
    assert target.hours_per_week_needed == pytest.approx(75 / (240 / hours))
    assert target.hours_per_week_now == pytest.approx(hours / 4)
    assert not target.on_track
    assert "3 annotator(s)" in target.line() and "75.0 labels a week" in target.line()


def test_missing_active_time_is_noted_and_left_out_of_the_rate(tmp_path):
    project = make_project(tmp_path, n_items=12)
    people(project, ["Cy"])
    at = tp.AT
    for i in range(8):  # started ten days before `at`: its pace is over two weeks
        submit_label(
            project,
            item_id=f"it-{i:04d}",
            annotator="Cy",
            values={"correct": "yes"},
            submitted_at=to_iso(at - timedelta(days=10, hours=-i)),
            duration_s=None if i < 3 else 60.0,
        )
    cy = throughput(project, at=at).queues[0]
    project.close()
    assert cy.labels == 8 and cy.timed_labels == 5
    assert cy.per_hour == pytest.approx(5 / (5 * 60 / 3600))
    assert cy.weeks == 2 and cy.per_week == pytest.approx(4.0)
    assert "3 of 8 labels without active time" in cy.note


def test_the_cli_prints_the_same_figures(planted, capsys):
    path = str(planted.path)
    assert cli(["queue", path, "--status", "--at", to_iso(tp.AT), "--by", BY, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with open_project(planted.path) as project:
        core = throughput(project, at=tp.AT, by_date=BY).to_dict()
    assert printed == json.loads(json.dumps(core, default=str))
    assert cli(["queue", path, "--status", "--at", to_iso(tp.AT), "--by", BY]) == 0
    out = capsys.readouterr().out
    assert "Ana" in out and "2026-07-06" in out and "All (2)" in out
    assert "What would it take: To clear 300 by 2026-06-28" in out
    assert cli(["queue", path, "--status", "--annotator", "Ben", "--json"]) == 0
    assert [q["name"] for q in json.loads(capsys.readouterr().out)["queues"]] == ["Ben"]
    assert cli(["queue", path]) == 2
    assert "--annotator NAME" in capsys.readouterr().err
    assert cli(["queue", path, "--status", "--annotator", "Nobody"]) == 2


def test_the_report_has_the_section_with_pseudonyms_and_the_weekly_chart(planted, tmp_path):
    out = tmp_path / "report.html"
    assert cli(["report", str(planted.path), "--out", str(out), "--bootstrap", "0"]) == 0
    text = out.read_text(encoding="utf-8")
    with sqlite3.connect(planted.path) as conn:
        pseudonyms = dict(conn.execute("SELECT name, pseudonym FROM annotators").fetchall())
    rows = read_report(out).tables["throughput"]
    assert [r["data-who"] for r in rows] == [pseudonyms["Ana"], pseudonyms["Ben"], "All (2)"]
    assert "<a href='#throughput-section'>Throughput</a>" in text  # in the contents
    section = text[text.index("id='throughput-section'") :]
    assert "<svg" in section and "Labels and active hours per week" in section
    assert ">Ana<" not in text and ">Ben<" not in text
    with open_project(planted.path) as project:
        figures = throughput(project, at=tp.AT, real_names=False)
    html_section = throughput_section(figures, lambda svg, caption: svg)
    for row in table_rows(figures):
        assert "".join(f"<td class='num'>{cell}</td>" for cell in row[2:]) in html_section


def test_the_arrow_read_gives_the_same_figures_as_sqlite3(planted, monkeypatch):
    """A large project's records come through ADBC as Arrow arrays; forced on the planted
    project, every figure is the same as through sqlite3 (the same records, in order)."""
    from annotator.queue import throughput_scan

    pytest.importorskip("adbc_driver_sqlite")
    with open_project(planted.path) as project:
        through_sqlite = throughput(project, at=tp.AT, by_date=BY).to_dict()
        records = throughput_scan.read_records(project, tp.AT, "2026-01-01T00:00:00.000Z")
        monkeypatch.setattr(throughput_scan, "ARROW_FROM", 0)
        arrow = throughput_scan._arrow_records(
            project,
            throughput_scan.SCAN.format(start="'2026-01-01T00:00:00.000Z'", at=f"'{tp.AT}'"),
        )
        assert arrow is not None, "the Arrow read fell back to sqlite3"
        assert len(arrow.annotator) == len(records.annotator) > 0
        assert (arrow.timed == records.timed).all() and (arrow.answered == records.answered).all()
        assert throughput(project, at=tp.AT, by_date=BY).to_dict() == through_sqlite

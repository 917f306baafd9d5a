"""Drift in a project: the planted changes of the synthetic project are found (and the
stable people are not flagged), alerts raise anchor rates once, distribution tests
agree with textbook values, degenerate projects say why, and the CLI prints it all."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from annotator.anchors.anchors import add_anchor
from annotator.cli import main as cli
from annotator.exchange.label_import import import_labels
from annotator.quality.alerts import apply_drift_alerts
from annotator.quality.drift import drift_report
from annotator.quality.shift import compare_counts
from annotator.queue.settings import configure, get_settings
from annotator.sources.sources import get_annotator
from annotator.store.project import open_project
from tests.support import drift_project
from tests.support.agreement_project import make_project, team


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return drift_project.build(tmp_path_factory.mktemp("drift"))


@pytest.fixture(scope="module")
def report(drifted: Path):
    with open_project(drifted) as project:
        return drift_report(project)


def alerts_of(report, kind: str, subject: str, criterion: str | None = None) -> list:
    return [
        a
        for a in report.alerts
        if a.kind == kind
        and a.subject == subject
        and (criterion is None or a.criterion == criterion)
    ]


def test_the_drifting_expert_is_flagged_on_anchors_soon_after_the_change(report):
    found = alerts_of(report, "anchor_accuracy", drift_project.DRIFTER, "quality")
    assert len(found) == 1, [a.what for a in report.alerts]
    alert = found[0]
    change = drift_project.START + timedelta(weeks=drift_project.DRIFT_WEEK)
    assert datetime.fromisoformat(alert.since.replace("Z", "+00:00")) >= change - timedelta(days=7)
    answers_before = drift_project.DRIFT_WEEK * drift_project.ANCHORS_PER_WEEK
    assert answers_before < alert.evidence["answer"] <= answers_before + 100
    assert alert.evidence["accuracy_since"] < 0.75 < alert.evidence["p0"]
    assert alert.subject_type == "annotator"


def test_the_judge_update_shows_in_its_label_distribution(report):
    found = alerts_of(report, "distribution", drift_project.JUDGE, "quality")
    assert found and found[0].evidence["window"][4] > found[0].evidence["baseline"][4]
    week = drift_project.START + timedelta(weeks=drift_project.JUDGE_WEEK)
    assert found[0].since[:10] == week.date().isoformat()
    assert "'5' went from" in found[0].what


def test_stable_experts_raise_no_anchor_or_distribution_alert(report):
    for who in ("Dr. Maya Chen", "Aisha Bello"):
        assert not alerts_of(report, "anchor_accuracy", who)
        assert not alerts_of(report, "distribution", who)


def test_series_weekly_accuracy_and_rolling_intervals(report):
    series = report.anchors[drift_project.DRIFTER]["quality"]
    weekly = series.weekly()
    assert len(weekly) == drift_project.WEEKS
    assert all(w["low"] <= w["accuracy"] <= w["high"] for w in weekly)
    assert weekly[0]["accuracy"] > weekly[-1]["accuracy"]
    assert weekly[0]["n"] == drift_project.ANCHORS_PER_WEEK
    accuracy, low, high = series.rolling
    assert len(accuracy) == len(series.outcome) == len(series.chart.statistic)
    assert len(low) == len(high) == len(accuracy)


def test_self_consistency_and_rubric_version_effect(report):
    repeats = {(r["annotator"], r["criterion"]): r for r in report.repeats}
    mine = repeats[("Aisha Bello", "quality")]
    assert mine["n"] == 24 and mine["low"] <= mine["share"] <= mine["high"]
    assert not alerts_of(report, "self_consistency", "Aisha Bello")
    versions = {v["criterion"]: v for v in report.versions}
    quality = versions["quality"]
    assert quality["n_items"] == 40 and quality["from"].endswith("v1")
    assert quality["to"].endswith("v2")
    assert quality["n_same_annotator"] == 120  # 3 experts x 40 items
    assert quality["mean_shift"] < 0  # v2 caps quality at 3 on half of them


def test_agreement_with_the_rest_flags_the_drifter(report):
    assert alerts_of(report, "agreement", drift_project.DRIFTER, "quality")
    weeks = report.agreement[drift_project.DRIFTER]["quality"]
    assert weeks[0]["agreement"] > weeks[-1]["agreement"]


def test_alerts_raise_anchor_rates_once(drifted, tmp_path):
    copy = tmp_path / "copy.annotator"
    copy.write_bytes(drifted.read_bytes())
    with open_project(copy) as project:
        drifter = get_annotator(project, drift_project.DRIFTER)
        configure(project, drifter.id, anchor_rate=0.1)
        before = get_settings(project, drifter.id).current_anchor_rate
        applied, _changes = apply_drift_alerts(project, drift_report(project).alerts)
        assert any(a.subject == drift_project.DRIFTER for a in applied)
        assert get_settings(project, drifter.id).current_anchor_rate > before
        logged = project.rows(
            "SELECT reason FROM anchor_rate_log WHERE annotator_id = ?", (drifter.id,)
        )
        assert any("anchor accuracy on quality fell" in r[0] for r in logged)
        again, more = apply_drift_alerts(project, drift_report(project).alerts)
        assert again == [] and more == []
        assert not any(a.subject_type == "source" for a in applied)


def test_a_drop_after_label_300_through_the_project(tmp_path):
    """One annotator answers anchors: 90% right for 300 labels, then 60%."""
    criteria = [{"key": "ok", "kind": "binary"}]
    project = make_project(tmp_path, 50, criteria=criteria)
    team(project, {"solo": ("experts", "expert")})
    for i in range(50):
        add_anchor(project, f"it-{i:04d}", {"ok": "yes"}, "known")
    project.conn.execute("UPDATE anchors SET created_at = '2026-01-01T00:00:00.000Z'")
    rng = np.random.default_rng(42)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    lines = []
    for n in range(450):
        right = rng.random() < (0.9 if n < 300 else 0.6)
        at = (start + timedelta(minutes=30 * n)).isoformat()
        values = {"ok": "yes" if right else "no"}
        record = {"item_id": f"it-{n % 50:04d}", "annotator": "solo", "values": values}
        lines.append(json.dumps({**record, "submitted_at": at}))
    (tmp_path / "solo.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_labels(project, tmp_path / "solo.jsonl", source="experts", kind="expert")
    found = [a for a in drift_report(project).alerts if a.kind == "anchor_accuracy"]
    assert len(found) == 1
    assert 300 < found[0].evidence["answer"] <= 400
    print(f"\nflagged at label {found[0].evidence['answer']} (change after label 300)")
    project.close()


def test_distribution_comparison_matches_textbook_values():
    jsd, p = compare_counts(np.array([10, 0]), np.array([0, 10]))
    assert jsd == pytest.approx(1.0) and p < 1e-4
    jsd, p = compare_counts(np.array([5, 5, 0]), np.array([10, 10, 0]))
    assert jsd == pytest.approx(0.0) and p == pytest.approx(1.0)
    # 2x2 table [[20, 30], [30, 20]]: Pearson chi-square 4.0 (1 df), p = 0.0455003
    _, p = compare_counts(np.array([20, 30]), np.array([30, 20]))
    assert p == pytest.approx(0.04550026, abs=1e-7)
    # JSD of (1/2, 1/2) vs (1, 0) in base 2: sqrt(H(3/4, 1/4) - (1/2)(1) - 0)
    h = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))
    jsd, _ = compare_counts(np.array([1, 1]), np.array([1, 0]))
    assert jsd == pytest.approx(np.sqrt(h - 0.5))


def test_a_project_without_anchors_repeats_or_versions_says_why(tmp_path):
    project = make_project(tmp_path, 3)
    team(project, {"a": ("experts", "expert")})
    report = drift_report(project)
    assert report.alerts == [] and report.anchors == {}
    text = " ".join(report.notes)
    assert "No scored anchor answers" in text and "No repeat labels" in text
    assert "two rubric versions" in text
    project.close()


def test_the_cli_prints_alerts_and_applies_them(drifted, tmp_path, capsys):
    copy = tmp_path / "cli.annotator"
    copy.write_bytes(drifted.read_bytes())
    capsys.readouterr()
    assert cli(["drift", str(copy), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["alert_rules"]) == {
        "anchor_accuracy", "agreement", "distribution", "self_consistency", "judge_canary",
        "decoy_acceptance", "assisted_agreement",
    }  # fmt: skip
    kinds = {a["kind"] for a in printed["alerts"]}
    assert {"anchor_accuracy", "distribution", "agreement"} <= kinds
    person = printed["anchor_accuracy"]["annotators"][drift_project.DRIFTER]["quality"]
    assert person["alarms"] and "series" not in person
    assert cli(["drift", str(copy)]) == 0
    table = capsys.readouterr().out
    assert "Alerts (" in table and "Alert rules:" in table and "in control" in table
    assert cli(["drift", str(copy), "--apply"]) == 0
    assert "Applied" in capsys.readouterr().out

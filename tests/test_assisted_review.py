"""Assisted review: the suggestion beside the form, recorded with every label; decoys
that look like any other suggestion; the figures, alerts, exports and CLI."""

from __future__ import annotations

import dataclasses
import json
import statistics

import numpy as np
import pytest

from annotator.cli import main as cli
from annotator.exchange.export import ExportOptions, export_project
from annotator.labels.labels import submit_label
from annotator.quality.drift import drift_report
from annotator.quality.review.stats import review_stats
from annotator.queue.settings import QueueError, configure, get_settings
from annotator.store.project import open_project
from annotator.workbench.session import WorkSession
from annotator.workbench.suggestions import Suggestion, suggestion_for
from tests.support.review_project import FULL, JUDGE, make_project, simulate


def person_id(project, name="Ana") -> int:
    return project.scalar("SELECT id FROM annotators WHERE name = ?", (name,))


def judge_label(project, item_id):
    return project.row(
        "SELECT l.* FROM effective_labels l JOIN sources s ON s.id = l.source_id "
        "WHERE s.name = ? AND l.item_id = ? ORDER BY l.id DESC LIMIT 1",
        (JUDGE, item_id),
    )


def decoy_items(project) -> set[str]:
    return {r[0] for r in project.rows("SELECT item_id FROM review_decoys")}


def test_assisted_review_is_off_by_default(tmp_path):
    planted = make_project(tmp_path, n_items=20, assisted=False, decoy_rate=0.0)
    project = planted.project
    other = project.scalar("SELECT max(id) FROM annotators") + 1
    assert get_settings(project, other).assisted is False
    assert get_settings(project, other).decoy_rate == 0.0
    session = WorkSession(project, "Ana")
    for _ in range(10):
        card = session.open_next()
        assert session.suggestion is None
        assert suggestion_for(project, person_id(project), card.item.id) is None
        session.submit(planted.truth[card.item.id], "", 5.0)
    assert project.scalar("SELECT count(*) FROM review_suggestions") == 0
    assert project.scalar("SELECT count(*) FROM review_decoys") == 0
    project.close()


def test_every_label_records_the_suggestion_that_was_beside_it(tmp_path):
    planted = make_project(tmp_path, n_items=60, decoy_rate=0.0)
    project = planted.project
    first = project.scalar("SELECT id FROM items ORDER BY seq LIMIT 1")
    judged = judge_label(project, "it-00000")
    with project.transaction():  # a judge with a version, as `annotator judge run` leaves it
        source_id = project.scalar("SELECT id FROM sources WHERE name = ?", (JUDGE,))
        project.conn.execute(
            "INSERT INTO judges(id, name, source_id, config, created_at) "
            "VALUES (1, ?, ?, '{}', 'now')",
            (JUDGE, source_id),
        )
        project.conn.execute(
            "INSERT INTO judge_versions(id, judge_id, number, version_key, reported_model, host, "
            "prompt_sha, rubric_version_id, sampling, first_seen) "
            "VALUES (1, 1, 3, 'k', 'm', 'h', 'p', 1, '{}', 'now')"
        )
        project.conn.execute(
            "INSERT INTO judge_results(judge_id, version_id, item_id, label_id, outcome, "
            "attempts, at) VALUES (1, 1, 'it-00000', ?, 'label', 1, 'now')",
            (judged["id"],),
        )
    assert first
    session = WorkSession(project, "Ana")
    shown = {}
    for _ in range(40):
        card = session.open_next()
        shown[card.item.id] = session.suggestion
        label = session.submit(planted.truth[card.item.id], "mine", 6.0).label
        row = project.row("SELECT * FROM review_suggestions WHERE label_id = ?", (label.id,))
        assert row is not None, "each label made in an assisted queue has its record"
        expected = judge_label(project, card.item.id)
        if expected is None:  # an anchor: the judge never labeled it
            assert session_suggestion_none(shown[card.item.id]) and row["visible"] == 0
            continue
        assert shown[card.item.id] == Suggestion(
            json.loads(expected["values_json"]), expected["rationale"], JUDGE
        )
        assert row["visible"] == 1 and row["source"] == JUDGE and row["decoy_id"] is None
        assert json.loads(row["values_json"]) == json.loads(expected["values_json"])
        assert row["rationale"] == expected["rationale"]
        assert row["source_label_id"] == expected["id"]
        if card.item.id == "it-00000":
            assert row["source_version"] == "v3"
    assert "it-00000" in shown
    # a label written outside the workbench (an import, a script) records nothing
    extra = submit_label(project, item_id="it-00059", annotator="Ana", values={"correct": "no"})
    assert project.row("SELECT 1 FROM review_suggestions WHERE label_id = ?", (extra.id,)) is None
    project.close()


def session_suggestion_none(value) -> bool:
    return value is None


def test_a_decoy_looks_exactly_like_any_other_suggestion(tmp_path):
    planted = make_project(
        tmp_path, rubric=FULL, n_items=60, n_anchors=8, anchor_rate=0.3, decoy_rate=0.3
    )
    project = planted.project
    me = person_id(project)
    session = WorkSession(project, "Ana")
    seen = {}
    while (card := session.open_next()) is not None:
        suggestion = session.suggestion
        again = suggestion_for(project, me, card.item.id)
        assert again == suggestion, "the same suggestion every time it is asked for"
        label = session.submit(planted.truth[card.item.id], "", 5.0).label
        seen[label.id] = (suggestion, dataclasses.asdict(card).keys(), card.item.id)
    decoys = {  # lead side: the labels made on a decoy
        r[0] for r in project.rows("SELECT label_id FROM review_suggestions WHERE decoy_id > 0")
    }
    assert len(decoys) >= 3
    normal = [seen[i][:2] for i in seen if i not in decoys and seen[i][0] is not None]
    tricked = [seen[i][:2] for i in decoys]
    assert normal and tricked

    def shape(pair):
        suggestion, card_fields = pair
        return (
            type(suggestion),
            tuple(f.name for f in dataclasses.fields(suggestion)),
            tuple(sorted(suggestion.values)),
            tuple(type(suggestion.values[k]).__name__ for k in sorted(suggestion.values)),
            type(suggestion.rationale),
            suggestion.source,
            tuple(card_fields),
        )

    assert {shape(p) for p in tricked} <= {shape(p) for p in normal}
    for label_id in decoys:  # ... and it is wrong where the expert answer is known
        suggestion, _fields, item_id = seen[label_id]
        truth = planted.truth[item_id]
        assert all(suggestion.values[k] != truth[k] for k in truth)
        assert abs(suggestion.values["quality"] - truth["quality"]) in (1, 2)
        assert suggestion.rationale and "EXPERT" not in suggestion.rationale
    # going back to a decoy shows the decoy's suggestion, not the judge's
    last_decoy = max(decoys)
    decoy_item = seen[last_decoy][2]
    back = session.back()
    while back is not None and back.item.id != decoy_item:
        back = session.back()
    latest = max(i for i in seen if seen[i][2] == decoy_item)
    assert back is not None and session.suggestion == seen[latest][0]
    project.close()


def exported_labels(project, out, **options) -> list[dict]:
    export_project(project, out, ExportOptions(format="jsonl", **options))
    return [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]


def test_exports_leave_decoy_labels_out_unless_asked_and_say_what_was_suggested(tmp_path):
    planted = make_project(tmp_path, n_items=120, anchor_rate=0.3, decoy_rate=0.3)
    project = planted.project
    simulate(planted, "Ana", "accept", 80)
    decoy_uids = {
        r[0]
        for r in project.rows(
            "SELECT l.uid FROM review_suggestions s JOIN labels l ON l.id = s.label_id "
            "WHERE s.decoy_id IS NOT NULL"
        )
    }
    assert decoy_uids
    default = exported_labels(project, tmp_path / "a")
    again = exported_labels(project, tmp_path / "b")
    assert default == again
    uids = {row["label_id"] for row in default}
    assert not uids & decoy_uids, "decoy labels are left out by default"
    items = [json.loads(x) for x in (tmp_path / "a" / "items.jsonl").read_text().splitlines()]
    per_item = {}
    for row in default:
        per_item[row["item_id"]] = per_item.get(row["item_id"], 0) + 1
    assert {i["item_id"]: i["n_labels"] for i in items if i["n_labels"]} == per_item
    everything = exported_labels(project, tmp_path / "c", include_decoys=True)
    assert decoy_uids <= {row["label_id"] for row in everything}
    visible = {
        r[0]: r[1]
        for r in project.rows(
            "SELECT l.uid, s.source FROM review_suggestions s JOIN labels l ON l.id = s.label_id "
            "WHERE s.visible = 1"
        )
    }
    for row in everything:
        assert row["suggestion_visible"] == (row["label_id"] in visible)
        assert row["suggestion_source"] == visible.get(row["label_id"])
    assert any(row["suggestion_visible"] for row in default)
    assert any(not row["suggestion_visible"] for row in default)  # the judge's own labels
    project.close()


def test_the_figures_match_an_independent_count(tmp_path):
    planted = make_project(tmp_path, n_items=300, anchor_rate=0.2, decoy_rate=0.1)
    project = planted.project
    log = simulate(planted, "Ana", "independent", 250, seed=3)
    row = review_stats(project)["annotators"][0]
    assisted = [e for e in log if e["suggestion"] is not None]
    accepted = [e["values"]["correct"] == e["suggestion"].values["correct"] for e in assisted]
    assert row["assisted"] == len(assisted) and row["unassisted"] == len(log) - len(assisted)
    assert row["acceptance_rate"] == pytest.approx(np.mean(accepted))
    durations = dict(project.rows("SELECT id, duration_s FROM labels"))
    with_help = [durations[e["label_id"]] for e in assisted]
    without = [durations[e["label_id"]] for e in log if e["suggestion"] is None]
    assert row["dwell_s"]["assisted_median"] == pytest.approx(np.median(with_help))
    assert row["dwell_s"]["unassisted_mean"] == pytest.approx(np.mean(without))
    decoy_labels = {
        r[0] for r in project.rows("SELECT label_id FROM review_suggestions WHERE decoy_id > 0")
    }
    on_decoys = [e for e in log if e["label_id"] in decoy_labels]
    taken = [e["values"] == e["suggestion"].values for e in on_decoys]
    right = [e["values"] == planted.truth[e["item_id"]] for e in on_decoys]
    assert row["decoys"] == len(on_decoys) > 0
    assert row["decoys_accepted"] == sum(taken)
    assert row["decoy_expert_agreement"] == pytest.approx(statistics.fmean(right))
    project.close()


def test_assisted_agreement_below_unassisted_is_an_alert_in_drift(tmp_path):
    planted = make_project(
        tmp_path, n_items=900, anchor_rate=0.2, decoy_rate=0.05, assisted=False,
        judge_accuracy=0.4, judge_anchors=True,
    )  # fmt: skip
    project = planted.project
    simulate(planted, "Ana", "independent", 300, accuracy=0.95, seed=1)
    configure(project, person_id(project), assisted=True)
    simulate(planted, "Ana", "accept", 400, seed=2)
    kinds = {(a.kind, a.criterion) for a in review_stats(project)["alerts"]}
    assert ("assisted_agreement", "correct") in kinds
    assert ("decoy_acceptance", None) in kinds
    drift = {(a.kind, a.subject) for a in drift_report(project).alerts}
    assert ("assisted_agreement", "Ana") in drift and ("decoy_acceptance", "Ana") in drift
    project.close()


def test_the_cli_sets_the_queue_and_prints_the_figures(tmp_path, capsys):
    planted = make_project(tmp_path, n_items=80, assisted=False, decoy_rate=0.0)
    path = str(planted.project.path)
    planted.project.close()
    args = ["assign", path, "--annotators", "Ana", "--sample", "1", "--anchor-rate", "0.2"]
    with open_project(path) as project:
        before = project.scalar("SELECT count(*) FROM assignments")
    assert cli([*args, "--decoy-rate", "0.3"]) != 0
    assert "cannot exceed the anchor rate" in capsys.readouterr().err
    with open_project(path) as project:
        assert project.scalar("SELECT count(*) FROM assignments") == before, "nothing assigned"
    assert cli([*args, "--assisted", "--decoy-rate", "0.1", "--suggest-from", JUDGE]) == 0
    with open_project(path) as project:
        settings = get_settings(project, person_id(project))
        assert (settings.assisted, settings.decoy_rate, settings.suggest_from) == (
            True, 0.1, JUDGE,
        )  # fmt: skip
        with pytest.raises(QueueError, match="cannot exceed the anchor rate"):
            configure(project, person_id(project), decoy_rate=0.5)
        planted.project = project
        simulate(planted, "Ana", "accept", 60)
    capsys.readouterr()
    assert cli(["review-stats", path, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["annotators"][0]["annotator"] == "Ana"
    assert printed["annotators"][0]["acceptance_rate"] == 1.0
    assert cli(["review-stats", path]) == 0
    assert "Ana:" in capsys.readouterr().out


def test_an_item_still_opens_while_another_process_holds_the_write_lock(tmp_path, monkeypatch):
    """Opening an item may write a decoy's plan row; while another process holds the
    write lock the item opens without a suggestion (its label records that nothing was
    shown, which is true) instead of failing. Any other database error still surfaces."""
    import sqlite3

    import annotator.workbench.session as session_module

    planted = make_project(tmp_path, n_items=60, decoy_rate=0.05)
    project = planted.project
    session = WorkSession(project, "Ana")

    def locked(*_args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(session_module, "shown_for", locked)
    card = session.open_next()
    assert card is not None and session.suggestion is None
    label = session.submit(planted.truth[card.item.id], "mine", 4.0).label
    row = project.row("SELECT visible FROM review_suggestions WHERE label_id = ?", (label.id,))
    assert row["visible"] == 0

    def broken(*_args):
        raise sqlite3.OperationalError("no such table: review_decoys")

    monkeypatch.setattr(session_module, "shown_for", broken)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        session.open_next()
    project.close()

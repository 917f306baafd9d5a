"""`annotator session ...` and `annotator rubric stale|requeue|compare`: exits and JSON."""

from __future__ import annotations

import json

import pytest

from annotator.cli import main
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.store.project import open_project
from tests.support.calibration_project import PEOPLE, label_round, make_project, rubric_data

QUALITY = {"c-00": (3, 3, 4), "c-01": (1, 3, 5), "c-02": (2, 2, 2)}


@pytest.fixture
def path(tmp_path):
    project = make_project(tmp_path)
    project.close()
    return str(tmp_path / "cal.annotator")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def label_everyone(path: str, session: str) -> None:
    with open_project(path) as project:
        for index, person in enumerate(PEOPLE):
            label_round(
                project,
                session,
                person,
                lambda item, i=index: {"quality": QUALITY[item][i], "safety": "safe"},
                lambda item, p=person: f"{p} thinks so",
            )


def test_a_session_from_the_command_line(path, capsys):
    code, out, _ = run(
        capsys, "session", "create", path, "--name", "Nov", "--participants", ",".join(PEOPLE),
        "--items", "c-00,c-01,c-02", "--json",
    )  # fmt: skip
    assert code == 0
    created = json.loads(out)
    assert created["participants"] == list(PEOPLE) and created["mode"] == "room"
    assert created["rounds"][0]["items"] == ["c-00", "c-01", "c-02"]
    assert created["rounds"][0]["status"] == "labeling"
    label_everyone(path, "Nov")

    code, out, _ = run(capsys, "session", "progress", path, "Nov", "--json")
    assert json.loads(out) == {p: {"answered": 3, "items": 3} for p in PEOPLE}

    code, out, _ = run(capsys, "session", "reveal", path, "Nov", "--json", "--n-boot", "50")
    shown = json.loads(out)
    assert code == 0 and shown["round"] == 1
    assert [item["item_id"] for item in shown["items"]][:2] == ["c-01", "c-00"]
    first = shown["items"][0]
    assert {"item_id", "disagreement", "criteria", "answers", "missing"} <= set(first)
    quality = next(c for c in first["criteria"] if c["key"] == "quality")
    assert [v["value"] for v in quality["values"]] == [1, 3, 5]
    assert {"rubric_text", "decision", "disagreement"} <= set(quality)
    assert first["answers"][0]["rationale"] == "Ana thinks so"
    assert {"alpha", "alpha_ci", "percent_agreement", "n_items"} <= set(
        shown["agreement"]["quality"]
    )

    code, out, _ = run(
        capsys, "session", "adjudicate", path, "1", "c-01", "quality", "3",
        "--rationale", "one real error", "--promote", "--json",
    )  # fmt: skip
    decided = json.loads(out)
    assert code == 0 and decided["value"] == 3 and decided["session_id"] == 1
    assert decided["anchor"]["reference"] == {"quality": 3}
    assert (
        run(capsys, "session", "note", path, "Nov", "Partly = one error", "--criterion", "quality")[
            0
        ]
        == 0
    )
    code, out, _ = run(capsys, "session", "round", path, "Nov", "--json")
    assert json.loads(out)["number"] == 2

    code, out, _ = run(capsys, "session", "summary", path, "Nov", "--json", "--n-boot", "20")
    summary = json.loads(out)
    assert code == 0
    assert set(summary) >= {
        "session", "participants", "items", "rounds", "agreement", "decisions", "anchors",
        "notes", "rubric_changes",
    }  # fmt: skip
    assert summary["agreement"]["before"]["quality"]["alpha"] is not None
    assert summary["agreement"]["after"] is None, "round 2 is not revealed"
    assert summary["decisions"] == [
        {
            "item_id": "c-01",
            "criterion": "quality",
            "value": 3,
            "shown": "Partly (3)",
            "rationale": "one real error",
            "decided_by": summary["decisions"][0]["decided_by"],
            "decided_at": summary["decisions"][0]["decided_at"],
        }
    ]
    code, out, _ = run(capsys, "session", "summary", path, "Nov", "--n-boot", "20")
    assert "## Agreement before and after" in out and "one real error" in out
    code, out, _ = run(capsys, "session", "list", path, "--json")
    assert [s["name"] for s in json.loads(out)] == ["Nov"]


def test_session_user_errors_are_one_paragraph(path, capsys):
    code, _, err = run(capsys, "session", "reveal", path, "Nope")
    assert code != 0 and "No calibration session 'Nope'" in err and "Traceback" not in err
    run(
        capsys,
        "session",
        "create",
        path,
        "--name",
        "S",
        "--participants",
        "Ana,Ben",
        "--items",
        "c-00",
    )
    code, _, err = run(capsys, "session", "adjudicate", path, "S", "c-00", "quality", "3")
    assert code != 0 and "reveal the round" in err
    code, _, err = run(
        capsys,
        "session",
        "create",
        path,
        "--name",
        "T",
        "--participants",
        "Ana,Zed",
        "--sample",
        "2",
    )
    assert code != 0 and "Zed" in err


def test_rubric_stale_and_requeue_json(path, capsys):
    with open_project(path) as project:
        made = [
            submit_label(
                project,
                item_id=f"c-0{i}",
                annotator=person,
                values={"quality": 3, "safety": "safe", **({"tone": "curt"} if i < 2 else {})},
            ).id
            for person in ("Ana", "Ben")
            for i in range(3)
        ]
        tone = {
            "key": "tone",
            "kind": "categorical",
            "options": [{"value": "curt"}, {"value": "x"}],
        }
        publish(project, rubric_from_dict(rubric_data(tone=tone)))
    code, out, _ = run(capsys, "rubric", "stale", path, "--json")
    stale = json.loads(out)
    assert code == 0
    assert stale["by_criterion"] == {"tone": 4}
    assert [label["label_id"] for label in stale["labels"]] == [made[0], made[1], made[3], made[4]]
    assert set(stale["labels"][0]) >= {"label_id", "item_id", "annotator", "criteria", "values"}
    assert stale["labels"][0]["values"] == {"tone": "curt"} and stale["version"] == 2
    code, out, _ = run(
        capsys,
        "rubric",
        "requeue",
        path,
        "--annotators",
        "Ana,Ben",
        "--criterion",
        "tone",
        "--json",
    )
    result = json.loads(out)
    assert code == 0 and result["requeued"] == {"Ana": 2, "Ben": 2} and result["total"] == 4
    code, out, _ = run(capsys, "rubric", "requeue", path, "--annotators", "Ana", "--json")
    assert json.loads(out)["already"] == 2
    code, out, _ = run(capsys, "rubric", "stale", path)
    assert "4 stale labels" in out and "tone: 4 labels" in out
    code, out, _ = run(capsys, "rubric", "compare", path, "1", "2", "--json", "--n-boot", "0")
    assert code == 0 and json.loads(out)["items"] == 0


def test_reveal_refuses_an_unanswered_round_unless_forced(path, capsys):
    run(capsys, "session", "create", path, "--name", "Early", "--participants",
        ",".join(PEOPLE), "--items", "c-00,c-01,c-02")  # fmt: skip
    code, _, err = run(capsys, "session", "reveal", path, "Early")
    assert code != 0 and "Traceback" not in err
    assert all(f"{person} 0 of 3" in err for person in PEOPLE) and "--force" in err
    with open_project(path) as project:
        from annotator.calibration.sessions import get_session

        assert not get_session(project, "Early").round().revealed, "nothing changed"
    code, out, _ = run(
        capsys, "session", "reveal", path, "Early", "--force", "--json", "--n-boot", "0"
    )
    assert code == 0 and json.loads(out)["round"] == 1

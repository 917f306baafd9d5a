"""`--skip-invalid`: the good rows land, the bad ones are written to a report that
names each rejected line, and the import batch records the counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main as cli
from annotator.exchange.item_import import import_items
from annotator.exchange.label_import import import_labels
from tests.support.foundation import make_project, make_project_file


def read_report(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_items_good_rows_land_and_bad_lines_are_reported(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    source = tmp_path / "items.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": "n1", "input": "Q1", "output": "A1"}),
                '{"id": "n2", "input": ',  # malformed
                json.dumps({"id": "n3", "input": "Q3", "output": "A3"}),
                json.dumps({"id": "n4", "input": "Q4"}),  # no output
                json.dumps({"id": "n1", "input": "Q1", "output": "A1"}),  # duplicate id
                json.dumps({"id": "n6", "input": "Q6", "output": "A6"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report_path = tmp_path / "rejected.jsonl"
    report = import_items(project, source, skip_invalid=True, report_path=report_path)

    assert (report.added, report.rejected, report.duplicates) == (3, 3, 0)
    ids = [r[0] for r in project.rows("SELECT id FROM items WHERE id LIKE 'n%' ORDER BY id")]
    assert ids == ["n1", "n3", "n6"]
    rejected = read_report(report_path)
    assert [(r["line"], r["field"]) for r in rejected] == [(2, None), (4, "output"), (5, "id")]
    assert "malformed JSON" in rejected[0]["error"]
    assert "duplicate id 'n1'" in rejected[2]["error"]
    batch = project.row(
        "SELECT rows_total, rows_added, rows_rejected, report_path FROM import_batches "
        "WHERE id = ?",
        (report.batch_id,),
    )
    assert tuple(batch) == (6, 3, 3, str(report_path))
    project.close()


def test_labels_skip_invalid_through_the_cli(tmp_path: Path, capsys) -> None:
    path = make_project_file(tmp_path)
    source = tmp_path / "labels.csv"
    source.write_text(
        "item_id,annotator,quality,safety\n"
        "q1,ann,2,safe\n"
        "q2,ann,7,safe\n"  # off the scale
        "q3,ann,3,maybe\n"  # unknown option
        "zz,ann,1,safe\n"  # unknown item
        "q3,bob,1\n"  # ragged
        "q2,bob,1,unsafe\n",
        encoding="utf-8",
    )
    report_path = tmp_path / "labels.rejected.jsonl"
    status = cli(
        ["import-labels", str(path), str(source), "--source", "panel", "--kind", "expert",
         "--skip-invalid", "--report", str(report_path), "--json"]
    )  # fmt: skip
    assert status == 0
    summary = json.loads(capsys.readouterr().out)[0]
    assert (summary["added"], summary["rejected"]) == (2, 4)
    assert summary["report_path"] == str(report_path)
    rejected = read_report(report_path)
    assert [(r["line"], r["field"]) for r in rejected] == [
        (3, "quality"),
        (4, "safety"),
        (5, "item_id"),
        (6, None),
    ]
    assert "off the scale" in rejected[0]["error"]
    assert "ragged row" in rejected[3]["error"]


def test_default_report_sits_beside_the_project(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    source = tmp_path / "more.jsonl"
    source.write_text(
        json.dumps({"item_id": "q1", "annotator": "a", "values": {"quality": 1}}) + "\nnot json\n",
        encoding="utf-8",
    )
    report = import_labels(project, source, source="s", kind="expert", skip_invalid=True)
    assert (report.added, report.rejected) == (1, 1)
    assert report.report_path == str(tmp_path / "more.rejected.jsonl")
    assert [r["line"] for r in read_report(Path(report.report_path))] == [2]
    project.close()


def test_an_unwritable_report_imports_nothing(tmp_path: Path) -> None:
    from annotator.base.errors import AnnotatorError
    from tests.support.foundation import snapshot

    project = make_project(tmp_path)
    tables = snapshot(project.path)
    source = tmp_path / "items.jsonl"
    source.write_text('{"id": "n1", "input": "Q", "output": "A"}\nnot json\n', encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(AnnotatorError, match="cannot write the rejected-rows report"):
        import_items(project, source, skip_invalid=True, report_path=blocker / "r.jsonl")
    assert snapshot(project.path) == tables
    project.close()


def test_several_files_with_one_report_option_keep_every_report(tmp_path: Path, capsys) -> None:
    path = make_project_file(tmp_path)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text('{"id": "a1", "input": "Q", "output": "A"}\nbad\n', encoding="utf-8")
    second.write_text('bad\n{"id": "b2", "input": "Q", "output": "A"}\n', encoding="utf-8")
    report = tmp_path / "rejected.jsonl"
    status = cli(
        ["import-items", str(path), str(first), str(second), "--skip-invalid",
         "--report", str(report), "--json"]
    )  # fmt: skip
    assert status == 0
    summaries = json.loads(capsys.readouterr().out)
    written = [Path(s["report_path"]) for s in summaries]
    assert len(set(written)) == 2
    rows = [read_report(p) for p in written]
    assert [(r[0]["file"], r[0]["line"]) for r in rows] == [(str(first), 2), (str(second), 1)]

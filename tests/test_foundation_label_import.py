"""Label import details the fast paths must keep: content-hash uids defined by one
JSON formula, superseding within and across chunks, and a remembered answer check
that never mistakes `true` for `1`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from annotator.base.errors import InputError
from annotator.exchange.label_import import Candidate, import_labels, label_uid
from tests.support.foundation import make_project, snapshot, write_jsonl

TRICKY = [
    None,
    "",
    'quote " and backslash \\',
    "new\nline\ttab",
    "naïve café — “curly” 😀",
    "\x00\x1f control",
]


@pytest.mark.parametrize("text", TRICKY)
def test_content_uid_is_the_documented_json_hash(text: str | None) -> None:
    """A label without an id is named by sha256 of json.dumps([source, annotator,
    item_id, values, rationale, status, note, submitted_at], sort_keys=True,
    ensure_ascii=False): stable across versions, so re-imports stay idempotent."""
    values = {"quality": 2, "safety": "safe", "zeta": [1, "b"], "alpha": text}
    candidate = Candidate(
        line=1,
        item_id=f"item {text}",
        annotator=text or "ann",
        values=values,
        value_fields={},
        rationale=text,
        note=text,
        submitted_at=None if text is None else "2024-01-01T00:00:00.000Z",
    )
    payload = json.dumps(
        [
            "source ü",
            candidate.annotator,
            candidate.item_id,
            values,
            candidate.rationale,
            candidate.status,
            candidate.note,
            candidate.submitted_at,
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    expected = "h-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    assert label_uid("source ü", candidate, values) == expected
    presorted = json.dumps(values, sort_keys=True, ensure_ascii=False)
    assert label_uid("source ü", candidate, values, presorted) == expected


def test_two_labels_for_one_pair_in_one_file_chain(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    rows = [
        {"item_id": "q1", "annotator": "a", "values": {"quality": 1}},
        {"item_id": "q2", "annotator": "a", "values": {"quality": 1}},
        {"item_id": "q1", "annotator": "a", "values": {"quality": 2}},
        {"item_id": "q1", "annotator": "a", "values": {"quality": 3}},
    ]
    report = import_labels(
        project, write_jsonl(tmp_path / "l.jsonl", rows), source="s", kind="expert"
    )
    assert (report.added, report.superseded) == (4, 2)
    chain = project.rows(
        "SELECT id, supersedes, values_json FROM labels WHERE item_id = 'q1' ORDER BY id"
    )
    assert [json.loads(r["values_json"])["quality"] for r in chain] == [1, 2, 3]
    assert [r["supersedes"] for r in chain] == [None, chain[0]["id"], chain[1]["id"]]
    current = project.rows("SELECT item_id, values_json FROM current_labels ORDER BY item_id")
    assert [(r[0], json.loads(r[1])) for r in current] == [
        ("q1", {"quality": 3}),
        ("q2", {"quality": 1}),
    ]
    project.close()


def test_a_pair_relabelled_in_a_later_chunk_supersedes(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    rows = [{"item_id": "q1", "annotator": f"a{i}", "values": {"quality": 1}} for i in range(2500)]
    rows.append({"item_id": "q1", "annotator": "a7", "values": {"quality": 3}})
    report = import_labels(
        project, write_jsonl(tmp_path / "l.jsonl", rows), source="s", kind="expert"
    )
    assert (report.added, report.superseded) == (2501, 1)
    last = project.row("SELECT supersedes FROM labels ORDER BY id DESC LIMIT 1")[0]
    first = project.row(
        "SELECT l.id FROM labels l JOIN annotators a ON a.id = l.annotator_id "
        "WHERE a.name = 'a7' ORDER BY l.id LIMIT 1"
    )[0]
    assert last == first
    project.close()


@pytest.mark.parametrize(("raw", "words"), [(True, "unknown option True"), ("1.0.0", "unknown")])
def test_an_answer_seen_before_does_not_vouch_for_a_lookalike(
    tmp_path: Path, raw: object, words: str
) -> None:
    """`1` is valid, so `true` (equal to 1 in Python) must still be checked on its own."""
    project = make_project(tmp_path)
    tables = snapshot(project.path)
    rows = [
        {"item_id": "q1", "annotator": "a", "values": {"quality": 1}},
        {"item_id": "q2", "annotator": "a", "values": {"quality": raw}},
    ]
    with pytest.raises(InputError) as caught:
        import_labels(project, write_jsonl(tmp_path / "l.jsonl", rows), source="s", kind="expert")
    assert (caught.value.line, caught.value.field) == (2, "values.quality")
    assert words in str(caught.value)
    assert snapshot(project.path) == tables
    project.close()

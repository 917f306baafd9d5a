"""The import's shortcuts give exactly what the slow, checked paths give.

orjson parses plain JSONL lines and writes item content hashes; a plain label row is
read without the general reader; the stage has no index, so ids repeated across
chunks are found once the file is read. Each is compared here with the path it
stands in for, on inputs chosen to tell them apart.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from annotator.base.errors import InputError
from annotator.base.readers import iter_records
from annotator.exchange.item_import import import_items
from annotator.exchange.label_import import import_labels
from annotator.exchange.label_records import RowReader
from annotator.items.items import content_hash_of
from tests.support.foundation import make_project, snapshot, write_jsonl

LINES = [
    '{"a": 1, "b": [true, false, null], "c": {"d": "é😀"}}',
    '{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',
    '{"exact": 18446744073709551616, "f": 0.1000000000000000055511151231257827}',
    '{"nan": NaN, "inf": Infinity}',
    '{"huge": 1E400, "tiny": 1e-400, "neg0": -0.0}',
    '{"lone": "\\ud800", "esc": "\\u00e9\\n\\t\\"\\\\"}',
    '{"dup": 1, "x": 2, "dup": 3}',
    '{"nul": "a\\u0000b"}',
    "   ",
    '{"deep": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}',
    '["not", "an", "object"]',
    '{"broken": ',
]


def test_jsonl_records_are_what_json_loads_gives(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(LINES).encode("utf-8") + b"\n")
    got = list(iter_records(path, "jsonl"))
    expected_lines = [n for n, text in enumerate(LINES, start=1) if text.strip()]
    assert [line for line, _ in got] == expected_lines
    for line, record in got:
        text = LINES[line - 1]
        try:
            want = json.loads(text)
        except json.JSONDecodeError:
            assert isinstance(record, InputError) and "malformed JSON" in record.message
            continue
        if not isinstance(want, dict):
            assert isinstance(record, InputError)
            continue
        if "nul" in want:
            assert isinstance(record, InputError) and record.field == "nul"
            continue
        if "lone" in want:  # a lone surrogate cannot be stored: refused, naming the field
            assert isinstance(record, InputError) and record.field == "lone"
            assert "lone surrogate" in record.message
            continue
        # repr: NaN != NaN, and 1 == 1.0 == True would hide a changed type
        assert repr(record) == repr(want), text
        assert [type(v) for v in record.values()] == [type(v) for v in want.values()]


HASHED = [
    {"input": "q", "output": "a", "tags": {}, "metadata": {}},
    {"input": [{"role": "user", "content": "hé\n\x01\x1f\x7f\u2028"}], "output": None},
    {"metadata": {"z": 1, "a": [True, None, {"y": "é", "b": -5}], "m": 2**63}},
    {"metadata": {"score": 0.7, "big": 1e16, "small": 1e-7, "nan": float("nan")}},
    {"metadata": {"wide": 2**70, "neg": -(2**64)}},
    {"metadata": {"when": ("tuple", 1)}},
    {"metadata": {"surrogate": "\ud800"}},
    {"metadata": {"😀": "key order", "é": 1, "Z": 2, "a": 3, "": 4}},
]


@pytest.mark.parametrize("record", HASHED)
def test_item_content_hash_is_the_stdlib_json_hash(record: dict) -> None:
    """Hashes of items already in projects must not change: the bytes hashed are
    json.dumps(sort_keys=True, ensure_ascii=False, separators=(',', ':'))."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        assert content_hash_of(record) == expected
    except UnicodeEncodeError:  # a lone surrogate: the stdlib path refuses it, as before
        assert "surrogate" in repr(record)


PLAIN_ROWS = [
    {"item_id": " q1 ", "annotator": "ann", "values": {"quality": 2, "safety": "safe"}},
    {"item_id": "q1", "annotator": "ann", "values": {"quality": 2}, "duration_s": 4, "cost": 0.5},
    {
        "item_id": "q1",
        "annotator": "a",
        "values": {"quality": 1},
        "tokens": 12,
        "status": "flagged",
    },
    {"item_id": "q1", "annotator": "a", "values": {"quality": 1}, "id": "L1", "note": "n"},
    {"item_id": "q1", "annotator": "a", "values": {"quality": 1}, "submitted_at": "2024-01-02"},
    {"item_id": "q1", "annotator": "a", "values": {"quality": 1}, "rubric_version": "1"},
    {"item_id": "q1", "annotator": "a", "values": {"quality": 1}, "rationale": "", "extra": 1},
]
ODD_ROWS = [
    {"item_id": 5, "annotator": "a", "values": {"quality": 1}},
    {"item_id": "q1", "annotator": "a\x07", "values": {"quality": 1}},
    {"item_id": "q1", "annotator": "a", "values": {"quality": None}},
    {"item_id": "q1", "annotator": "a", "values": {"quality": 1, "other": 2}},
    {"item_id": "q1", "annotator": "a", "values": {}, "quality": 3},
    {"item_id": "q1", "annotator": "a", "values": {"quality": 1}, "tokens": 1.5},
    {"item_id": "q1", "annotator": "a", "values": {"quality": 1}, "id": "L\x00"},
    {"item_id": "q1", "annotator": "a", "values": {"quality": 1}, "status": "maybe"},
    {"item_id": "q1", "annotator": "a", "values": [1]},
]


def _reader(path: Path) -> RowReader:
    return RowReader(path, "jsonl", {}, None, None, ["quality", "safety", "comment"])


@pytest.mark.parametrize("record", PLAIN_ROWS)
def test_a_plain_label_row_reads_as_the_general_reader_reads_it(record: dict) -> None:
    reader = _reader(Path("l.jsonl"))
    fast = reader.read_plain(3, record)
    assert fast is not None
    slow = reader.read(3, record)
    assert vars(fast) | {"value_fields": None} == vars(slow) | {"value_fields": None}
    for key in ("quality", "safety", "comment"):  # what an error about a criterion names
        assert (fast.value_fields.get(key) or reader.field_for(key)) == (
            slow.value_fields.get(key) or reader.field_for(key)
        )


@pytest.mark.parametrize("record", ODD_ROWS)
def test_any_other_row_goes_to_the_general_reader(record: dict) -> None:
    assert _reader(Path("l.jsonl")).read_plain(3, record) is None


def _items(n: int, repeat_at: int | None = None) -> list[dict]:
    rows = [{"id": f"n{i}", "input": f"Q{i}", "output": "A"} for i in range(n)]
    if repeat_at is not None:
        rows[repeat_at] = {"id": "n7", "input": "Q other", "output": "B"}
    return rows


def test_an_item_id_repeated_chunks_later_is_an_error(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    tables = snapshot(project.path)
    bad = write_jsonl(tmp_path / "items.jsonl", _items(4500, repeat_at=4100))
    with pytest.raises(InputError) as caught:
        import_items(project, bad)
    assert (caught.value.line, caught.value.field) == (4101, "id")
    assert str(caught.value).endswith("duplicate id 'n7' in this file")
    assert snapshot(project.path) == tables
    project.close()


def test_skipping_invalid_rows_drops_the_later_repeat_only(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    path = write_jsonl(tmp_path / "items.jsonl", _items(4500, repeat_at=4100))
    report = import_items(project, path, skip_invalid=True, report_path=tmp_path / "r.jsonl")
    assert (report.added, report.rejected) == (4499, 1)
    assert project.row("SELECT input FROM items WHERE id = 'n7'")[0] == "Q7"
    assert project.row("SELECT count(*) FROM items")[0] == 3 + 4499
    project.close()


def test_a_hashed_label_repeated_chunks_later_is_a_duplicate(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    rows = [{"item_id": "q1", "annotator": f"a{i}", "values": {"quality": 1}} for i in range(2500)]
    rows.append(dict(rows[3]))
    rows.append({**rows[4], "duration_s": 9})  # same uid (duration is not hashed), changed
    path = write_jsonl(tmp_path / "l.jsonl", rows)
    with pytest.raises(InputError) as caught:
        import_labels(project, path, source="s", kind="expert")
    assert (caught.value.line, caught.value.field) == (2502, "id")
    assert "already exists in the project with different content" in str(caught.value)
    report = import_labels(project, write_jsonl(tmp_path / "m.jsonl", rows[:-1]), source="s",
                           kind="expert")  # fmt: skip
    assert (report.added, report.duplicates, report.superseded) == (2500, 1, 0)
    again = import_labels(project, path, source="s", kind="expert", skip_invalid=True,
                          report_path=tmp_path / "r.jsonl")  # fmt: skip
    assert (again.added, again.duplicates, again.rejected) == (0, 2501, 1)
    project.close()


def test_new_people_and_a_new_source_get_their_real_ids(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    rows = [
        {"item_id": f"q{1 + i % 3}", "annotator": f"p{i % 4}", "values": {"quality": 1 + i % 3}}
        for i in range(12)
    ]
    report = import_labels(project, write_jsonl(tmp_path / "l.jsonl", rows), source="fresh",
                           kind="crowd")  # fmt: skip
    assert (report.added, report.superseded) == (12, 0)
    got = project.rows(
        "SELECT a.name, l.item_id, s.name FROM labels l JOIN annotators a ON a.id = l.annotator_id "
        "JOIN sources s ON s.id = l.source_id ORDER BY l.id"
    )
    assert [tuple(r) for r in got] == [(r["annotator"], r["item_id"], "fresh") for r in rows]
    project.close()


def test_items_remembered_across_chunks_stay_bounded(tmp_path: Path, monkeypatch) -> None:
    from annotator.exchange import label_import

    monkeypatch.setattr(label_import, "MAX_KNOWN_ITEMS", 2)
    project = make_project(tmp_path)
    rows = [
        {"item_id": f"q{1 + i % 3}", "annotator": f"a{i}", "values": {"quality": 1}}
        for i in range(4100)
    ]
    rows.append({"item_id": "q9", "annotator": "b", "values": {"quality": 1}})
    with pytest.raises(InputError) as caught:
        import_labels(project, write_jsonl(tmp_path / "l.jsonl", rows), source="s", kind="expert")
    assert (caught.value.line, caught.value.field) == (4101, "item_id")
    report = import_labels(project, write_jsonl(tmp_path / "m.jsonl", rows[:-1]), source="s",
                           kind="expert")  # fmt: skip
    assert report.added == 4100
    project.close()


def test_the_temp_journal_is_put_back_after_an_import(tmp_path: Path) -> None:
    """Staging turns the TEMP database's journal off; other TEMP users get it back."""
    project = make_project(tmp_path)
    before = project.conn.execute("PRAGMA temp.journal_mode").fetchone()[0]
    rows = [{"item_id": "q1", "annotator": "a", "values": {"quality": 1}}]
    import_labels(project, write_jsonl(tmp_path / "l.jsonl", rows), source="s", kind="expert")
    with pytest.raises(InputError):
        import_items(project, write_jsonl(tmp_path / "i.jsonl", [{"id": "x", "input": ""}]))
    assert project.conn.execute("PRAGMA temp.journal_mode").fetchone()[0] == before != "off"
    project.close()


def test_content_hashes_match_the_stdlib_on_generated_records() -> None:
    """Every text character class, nesting and key order the fast encoder may see."""
    import random

    rng = random.Random(7)
    pieces = ["a", "Z", "é", "ß", "中", "😀", "\x00", "\x1f", "\t", '"', "\\", "\u2028", "\x7f", ""]
    scalars = [None, True, False, 0, -5, 2**63 - 1, -(2**63), 2**64 - 1]

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))

    def value(depth: int) -> object:
        roll = rng.random()
        if depth > 2 or roll < 0.4:
            return text()
        if roll < 0.6:
            return rng.choice(scalars)
        if roll < 0.8:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {text(): value(depth + 1) for _ in range(rng.randint(0, 4))}

    for _ in range(3000):
        record = {text(): value(0) for _ in range(rng.randint(0, 6))}
        compact = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert content_hash_of(record) == hashlib.sha256(compact.encode()).hexdigest(), record


def test_a_plain_item_row_parses_as_parse_item_parses_it() -> None:
    """parse_plain gives parse_item's result, or None (then parse_item runs)."""
    import random

    from annotator.exchange.item_rows import parse_plain
    from annotator.items.items import ItemProblem, parse_item

    rng = random.Random(11)
    texts = ["q", " padded ", "", "  ", "[{not chat", "é😀", "a\x01", "7"]
    meta_values = [None, "", "m", 3, 1.5, True, {"x": 1}, ["l"], "2024-01-02"]
    tag_values = [None, "", "t", 4, {"n": 1}, "x"]
    used = 0
    for _ in range(4000):
        record: dict = {}
        for key in ("id", "input", "output"):
            if rng.random() < 0.9:
                record[key] = rng.choice(texts + [5, None])
        if rng.random() < 0.8:
            metadata = {
                key: rng.choice(meta_values)
                for key in rng.sample(
                    [
                        "model",
                        "template_version",
                        "prompt_version",
                        "source",
                        "created_at",
                        "other",
                        "nested",
                    ],
                    rng.randint(0, 4),
                )  # fmt: skip
            }
            if rng.random() < 0.6:
                metadata["tags"] = {
                    str(k): rng.choice(tag_values) for k in range(rng.randint(0, 3))
                }
            record["metadata"] = rng.choice([metadata, metadata, None, "", "{}"])
        if rng.random() < 0.1:
            record[rng.choice(["tags", "reference", "tag.x", "output_a"])] = "v"
        fast = parse_plain(record)
        try:
            slow = parse_item(record)
        except ItemProblem:
            assert fast is None, record
            continue
        if fast is not None:
            used += 1
            assert fast == slow, record
    assert used > 200  # the shortcut is taken for plain rows

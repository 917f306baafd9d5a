"""The report's label load reads each label's whole `values_json` and parses every distinct
text once (`labels.value_texts`); each criterion's value must be what SQLite's own
`values_json -> '$."key"'` gave (through `fetch.sql_value`), type included, for ordinary
and odd texts alike, and the tables must be the sqlite3 path's whichever way the Arrow
read goes (texts parsed in Python, or mostly distinct texts extracted by SQLite)."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from annotator.labels import fetch
from annotator.labels.load import load_all
from annotator.labels.scope import json_path
from annotator.labels.value_texts import ValueTexts, usable
from tests.support.agreement_project import label, make_project, team

FIELDS = ("label_id", "item", "rater", "source", "version", "day", "code")
TEXTS = [
    "{}", '{"a": 1}', '{"a": 1.0}', '{"a": true}', '{"a": false}', '{"a": null}',
    '{"a": [1, "x"]}', '{"a": {"b": 2}}', '{"a": 1, "a": 2}', "[1, 2]", "5", '"s"', "null",
    '{"a": "caf\\u00e9"}', '{"a": "café"}', '{"a": 1e400}', '{"a": -0.0}', '{"a": 2.50}',
    '{"a": 12345678901234567890123}', '{"b": 2}', '{"a": "x", "b": [true, null]}',
    '{"a": "say \\"hi\\""}', '{"a":1}', ' { "a" : 1 } ',
]  # fmt: skip


def assert_same_tables(by_sqlite, by_arrow):
    """The label tables of both reads: the same criteria, values and columns."""
    assert list(by_sqlite) == list(by_arrow)
    for name, a in by_sqlite.items():
        b = by_arrow[name]
        assert a.values == b.values and a.off_scale == b.off_scale, name
        for f in FIELDS:
            assert np.array_equal(getattr(a, f), getattr(b, f)), (name, f)


def typed(value):
    return (type(value).__name__, value)


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, 30)
    team(project, {"ann": ("experts", "expert"), "bob": ("experts", "expert"),
                   "w1": ("crowd", "crowd")})  # fmt: skip
    rng = np.random.default_rng(5)
    for i in range(30):
        for who in ("ann", "bob", "w1"):
            values = {
                "quality": int(rng.integers(1, 6)),
                "verdict": "abc"[int(rng.integers(0, 3))],
                "score": float(rng.integers(0, 21)) / 2,
                "issues": ["tone"] if rng.random() < 0.4 else [],
                "notes": f"note {i} by {who}",  # every text distinct
            }
            if i % 7 == 3:
                del values["verdict"]
            label(project, who, f"it-{i:04d}", values)
    yield project
    project.close()


def test_each_value_is_what_sqlite_extracts(project):
    keys = ["a", "b"]
    found = ValueTexts(project, keys)
    at = found.positions(TEXTS)
    assert at.shape == (len(TEXTS) + 1, 2) and (at[-1] == -1).all()
    for row, text in enumerate(TEXTS):
        for k, key in enumerate(keys):
            extracted = project.scalar("SELECT ? -> ?", (text, json_path(key)))
            mine = None if at[row, k] < 0 else found.values[k][at[row, k]]
            assert (extracted is None) == (mine is None), (text, key)
            if extracted is not None:
                assert typed(fetch.sql_value(mine)) == typed(fetch.sql_value(extracted)), text


def test_a_malformed_text_fails_as_the_query_did(project):
    with pytest.raises(sqlite3.OperationalError, match="malformed JSON"):
        ValueTexts(project, ["a"]).positions(['{"a": 1}', '{"a": '])


def test_keys_a_dict_lookup_cannot_stand_for():
    assert usable(["quality", "a.b", "é"]) and not usable(['say "x"']) and not usable(["a\\b"])


@pytest.mark.parametrize("share", [1.0, 0.25])
def test_either_arrow_read_gives_the_sqlite3_tables(project, monkeypatch, share):
    """Every text is distinct (the notes): with a share of 1 they are parsed in Python;
    with 0.25 (the default) the first batch counts as mostly distinct and SQLite extracts."""
    pytest.importorskip("adbc_driver_sqlite")
    monkeypatch.setattr(fetch, "ARROW_FROM", 10**12)
    by_sqlite = load_all(project)
    queries = []
    real = fetch.read_arrow

    def spy(path, sql, *args):
        if "effective_labels" in sql:  # the labels' reads (not the items')
            queries.append("values_json ->" not in sql)
        return real(path, sql, *args)

    monkeypatch.setattr(fetch, "read_arrow", spy)
    monkeypatch.setattr(fetch, "ARROW_FROM", 0)
    monkeypatch.setattr(fetch, "MANY_SHARE", share)
    monkeypatch.setattr(fetch, "MANY_FROM", 0)
    project.cache.clear()
    by_arrow = load_all(project)
    assert queries == ([True] if share == 1.0 else [True, False])  # whole texts; SQLite's
    assert_same_tables(by_sqlite, by_arrow)


def test_the_headline_count_is_the_views_count(project, monkeypatch):
    """The Arrow read counts the effective labels (the report's headline) as it reads
    them; the count stands only for the state it was read at."""
    from annotator.labels.load import effective_count, label_stamp

    pytest.importorskip("adbc_driver_sqlite")
    counted = project.scalar("SELECT count(*) FROM effective_labels")
    project.cache.clear()
    assert effective_count(project) == counted  # nothing read yet: counted by SQL
    monkeypatch.setattr(fetch, "ARROW_FROM", 0)
    monkeypatch.setattr(fetch, "MANY_SHARE", 1.0)
    load_all(project)
    assert project.cache[fetch.EFFECTIVE] == (label_stamp(project), counted)
    label(project, "ann", "it-0000", {"quality": 2, "verdict": "a"})  # supersedes one
    assert effective_count(project) == counted  # a new state: counted again
    project.cache[fetch.EFFECTIVE] = (label_stamp(project), -5)
    assert effective_count(project) == -5  # the cached count, when it is this state's


def test_a_later_batch_of_another_type_is_read_by_sqlite3(tmp_path, monkeypatch):
    """ADBC infers each column's type from the first batch; a key missing from the first
    labels (NULL) and text later made the Arrow read raise. It now falls back to sqlite3:
    the tables are the sqlite3 path's."""
    pytest.importorskip("adbc_driver_sqlite")
    from annotator.store.arrow_query import read_arrow

    db = tmp_path / "t.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (a)")
        conn.executemany("INSERT INTO t VALUES (?)", [(None,)] * 3 + [("x",)] * 3)
    assert read_arrow(db, "SELECT a FROM t", 2, lambda reader: [b.num_rows for b in reader]) is None
    project = make_project(tmp_path, 6)
    team(project, {"ann": ("experts", "expert"), "bob": ("experts", "expert")})
    for i in range(6):
        for who in ("ann", "bob"):
            values = {"quality": 1 + (i + len(who)) % 5}
            if i >= 2:
                values["verdict"] = "abc"[i % 3]  # the first labels have no verdict
            label(project, who, f"it-{i:04d}", values)
    monkeypatch.setattr(fetch, "ARROW_FROM", 10**12)
    by_sqlite = load_all(project)
    monkeypatch.setattr(fetch, "ARROW_FROM", 0)
    monkeypatch.setattr(fetch, "MANY_SHARE", 0.0)  # SQLite extracts: a column per key
    monkeypatch.setattr(fetch, "MANY_FROM", 0)
    monkeypatch.setattr(fetch, "_FETCH_ROWS", 8)  # batches of 2 labels
    project.cache.clear()
    by_arrow = load_all(project)
    for name, a in by_sqlite.items():
        for f in FIELDS:
            assert np.array_equal(getattr(a, f), getattr(by_arrow[name], f)), (name, f)
    project.close()


def test_the_demo_with_pairwise_items_reads_the_same_both_ways(tmp_path, monkeypatch):
    """Pairwise comes from the pairwise items (not the join): on the demo (pairwise items,
    criteria for single or pairwise items only) every table is the sqlite3 path's."""
    pytest.importorskip("adbc_driver_sqlite")
    from annotator.demo import build_demo
    from annotator.store.project import open_project

    path = build_demo(tmp_path / "demo.annotator")
    with open_project(path) as demo:
        assert demo.scalar("SELECT count(*) FROM items WHERE pairwise != 0") > 0
        monkeypatch.setattr(fetch, "ARROW_FROM", 10**12)
        by_sqlite = load_all(demo)
        monkeypatch.setattr(fetch, "ARROW_FROM", 0)
        monkeypatch.setattr(fetch, "MANY_SHARE", 1.0)
        demo.cache.clear()
        by_arrow = load_all(demo)
        effective = demo.scalar("SELECT count(*) FROM effective_labels")
        assert demo.cache[fetch.EFFECTIVE][1] == effective
        keys = ["correctness", "preference", "issues"]
        base_arrow, _ = fetch.fetch_columns(demo, keys, expected=effective)
        monkeypatch.setattr(fetch, "ARROW_FROM", 10**12)
        base_sqlite, _ = fetch.fetch_columns(demo, keys, expected=effective)
        assert 0 < base_sqlite.pairwise.sum() < len(base_sqlite.pairwise)
        for f in fetch.Base.__dataclass_fields__:
            assert np.array_equal(getattr(base_arrow, f), getattr(base_sqlite, f)), f
        assert_same_tables(by_sqlite, by_arrow)


def test_a_label_of_an_item_that_is_gone_is_dropped_as_the_join_dropped_it(project, monkeypatch):
    """The item ids are matched in Arrow, not joined in SQLite: a label whose item is not
    in the items table (written with foreign keys off) is no label of any table, and it
    still counts in the view's count, as before."""
    pytest.importorskip("adbc_driver_sqlite")
    before = project.scalar("SELECT count(*) FROM effective_labels")
    record = dict(project.row("SELECT * FROM labels ORDER BY id LIMIT 1"))
    columns = [k for k in record if k != "id"]
    with sqlite3.connect(project.path) as raw:
        values = [record[k] for k in columns]
        values[columns.index("uid")] = "gone-1"
        values[columns.index("item_id")] = "no-such-item"
        raw.execute(
            f"INSERT INTO labels ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            values,
        )
    monkeypatch.setattr(fetch, "ARROW_FROM", 10**12)
    project.cache.clear()
    by_sqlite = load_all(project)
    monkeypatch.setattr(fetch, "ARROW_FROM", 0)
    monkeypatch.setattr(fetch, "MANY_SHARE", 1.0)
    project.cache.clear()
    by_arrow = load_all(project)
    effective = project.scalar("SELECT count(*) FROM effective_labels")
    assert effective == before + 1 and project.cache[fetch.EFFECTIVE][1] == effective
    assert sum(len(t) for t in by_arrow.values()) == sum(len(t) for t in by_sqlite.values())
    for name, a in by_sqlite.items():
        for f in FIELDS:
            assert np.array_equal(getattr(a, f), getattr(by_arrow[name], f)), (name, f)

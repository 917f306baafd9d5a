"""The fast paths of the report: Arrow and sqlite3 give the same label tables, the codes
are what json_extract and pandas would have given, the sort-free helpers (positions,
counted uniques) equal numpy's np.unique, and the scipy-free contingency figures equal
scipy's. Expected values come from pandas, numpy, scipy and SQLite's own json_extract,
never from the functions under test."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from annotator.labels import fetch
from annotator.labels.data import Positions, compact, distinct
from annotator.labels.load import load_all
from annotator.quality.agreement_report import agreement_report
from annotator.quality.project_agreement import Settings
from annotator.report.overview import build_overview
from annotator.stats import bootstrap
from annotator.stats.reliability import factorize
from tests.support.agreement_project import label, make_project, team

FIELDS = ("label_id", "item", "rater", "source", "version", "day", "code")


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, 8)
    team(project, {"ann": ("experts", "expert"), "bob": ("experts", "expert"),
                   "w1": ("crowd", "crowd")})  # fmt: skip
    rng = np.random.default_rng(3)
    for i in range(8):
        for n, who in enumerate(("ann", "bob", "w1")):
            if (i + n) % 5 == 4:
                continue  # some items miss a rater
            values = {
                "quality": int(rng.integers(1, 6)),
                "verdict": "abc"[int(rng.integers(0, 3))],
                "score": float(rng.integers(0, 11)) / 2,
                "issues": ["tone"] if rng.random() < 0.4 else [],
            }
            if i == 3 and who == "w1":
                del values["verdict"]  # a label without a value is no label of it
            label(project, who, f"it-{i:04d}", values)
    yield project
    project.close()


def _load(project, monkeypatch, *, arrow: bool):
    used = []
    real = fetch._arrow_columns

    def spy(*args):
        found = real(*args)
        used.append(found is not None)
        return found

    monkeypatch.setattr(fetch, "_arrow_columns", spy)
    monkeypatch.setattr(fetch, "ARROW_FROM", 0 if arrow else 10**12)
    project.cache.clear()
    tables = load_all(project)
    assert used == ([True] if arrow else [])
    return tables


def test_arrow_and_sqlite_give_the_same_tables_and_report(project, monkeypatch):
    by_sqlite = _load(project, monkeypatch, arrow=False)
    report_sqlite = agreement_report(project, by="annotator", settings=Settings(n_boot=50))
    by_arrow = _load(project, monkeypatch, arrow=True)
    report_arrow = agreement_report(project, by="annotator", settings=Settings(n_boot=50))
    assert list(by_sqlite) == list(by_arrow)
    for name, a in by_sqlite.items():
        b = by_arrow[name]
        assert a.values == b.values and a.off_scale == b.off_scale, name
        for f in FIELDS:
            assert np.array_equal(getattr(a, f), getattr(b, f)), (name, f)
    assert json.dumps(report_sqlite, sort_keys=True) == json.dumps(report_arrow, sort_keys=True)
    # every later step takes the (read-only) Arrow-backed columns as they are
    overview = build_overview(project, n_boot=20)
    assert overview.consensus["quality"]["items"] == 8


def test_a_file_arrow_cannot_read_is_read_through_sqlite3(project, monkeypatch):
    import adbc_driver_manager

    expected = _load(project, monkeypatch, arrow=False)

    def refuse(*args):
        raise adbc_driver_manager.OperationalError(
            "database is locked", status_code=adbc_driver_manager.AdbcStatusCode.IO
        )

    import adbc_driver_sqlite

    monkeypatch.setattr(adbc_driver_sqlite, "connect", refuse)  # the driver refuses the file
    monkeypatch.setattr(fetch, "ARROW_FROM", 0)
    project.cache.clear()
    found = load_all(project)
    for name, table in expected.items():
        assert np.array_equal(found[name].code, table.code), name
        assert np.array_equal(found[name].label_id, table.label_id), name


def test_codes_match_json_extract_on_every_label(project, monkeypatch):
    tables = _load(project, monkeypatch, arrow=True)
    rows = project.rows(
        "SELECT l.id, json_extract(l.values_json, '$.verdict'), json_extract(l.values_json, "
        "'$.score'), json_extract(l.values_json, '$.issues') FROM effective_labels l"
    )
    verdict, score, issues = tables["verdict"], tables["score"], tables["issues[tone]"]
    for label_id, v, s, i in rows:
        at = np.nonzero(verdict.label_id == label_id)[0]
        assert (verdict.value_of(verdict.code[at]) == [v]) if v is not None else not at.size
        at = np.nonzero(score.label_id == label_id)[0]
        assert score.value_of(score.code[at]) == [s]
        at = np.nonzero(issues.label_id == label_id)[0]
        assert issues.value_of(issues.code[at]) == ["tone" in json.loads(i or "[]")]


def test_sql_value_reads_json_text_as_json_extract_does(project):
    for text in ('"a"', "3", "2.5", "true", "false", "null", '["x", 1]', '{"k": [1]}'):
        arrow, expected = project.row("SELECT ? -> '$', json_extract(?, '$')", (text, text))
        assert fetch.sql_value(arrow) == expected, text
    assert fetch.sql_value(None) is None


def test_factorize_is_pandas_factorize_on_objects():
    values = [3, "a", None, 3.0, True, float("nan"), "b", "a", 2.5, None, 1]
    codes, uniques = factorize(values)
    expected_codes, expected_uniques = pd.factorize(pd.Series(values, dtype=object))
    assert codes.tolist() == expected_codes.tolist()
    assert uniques == list(expected_uniques)


def test_positions_of_a_subset_are_np_unique():
    rng = np.random.default_rng(0)
    item = rng.integers(0, 5_000, 20_000)
    rater = rng.integers(0, 40, 20_000)
    far = rng.integers(0, 2**40, 20_000)  # too sparse to count: np.unique's way
    for values in (item, far):
        positions = Positions.of(values, rater)
        keys, inverse = np.unique(values, return_inverse=True)
        assert np.array_equal(positions.items, keys)
        assert np.array_equal(positions.item_pos, inverse)
        mask = rng.random(len(values)) < 0.1
        sub = positions.subset(mask)
        got_keys, got_pos = compact(sub.items, sub.item_pos)
        want_keys, want_pos = np.unique(values[mask], return_inverse=True)
        assert np.array_equal(got_keys, want_keys) and np.array_equal(got_pos, want_pos)
    assert np.array_equal(distinct(rater), np.unique(rater))
    assert np.array_equal(distinct(far), np.unique(far))


def test_counted_patterns_are_the_sorted_ones():
    rng = np.random.default_rng(1)
    rows = rng.integers(0, 4, size=(3_000, 4))
    counted = bootstrap.ItemPatterns.of(rows)
    key = rows @ (4 ** np.arange(4))  # each row as one number, as np.unique would sort them
    _, first, inverse, freq = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    assert np.array_equal(counted.rows, rows[first])
    assert np.array_equal(counted.representatives, first)
    assert np.array_equal(counted.inverse, inverse.reshape(-1))
    assert np.array_equal(counted.freq, freq)


def test_contingency_figures_match_scipy():
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import chi2, chi2_contingency

    from annotator.stats.contingency import chi2_sf, js_distance, pearson_chi2

    for dof in range(1, 40):
        for x in (0.01, 0.7, 3.0, float(dof), 2.5 * dof, 120.0):
            assert chi2_sf(x, dof) == pytest.approx(chi2.sf(x, dof), rel=1e-12, abs=1e-300)
    rng = np.random.default_rng(5)
    for _ in range(200):
        table = rng.integers(1, 40, size=(2, int(rng.integers(2, 9))))
        statistic, dof, p = pearson_chi2(table)
        want_statistic, want_p, want_dof, _ = chi2_contingency(table, correction=False)
        assert (statistic, dof) == (pytest.approx(want_statistic, rel=1e-12), want_dof)
        assert p == pytest.approx(want_p, rel=1e-11)
        want_js = jensenshannon(table[0] / table[0].sum(), table[1] / table[1].sum(), base=2)
        assert js_distance(table[0], table[1]) == pytest.approx(want_js, abs=1e-12)

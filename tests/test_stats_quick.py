"""Quick mode: agreement straight from a long CSV/JSONL label file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from annotator.base.errors import AnnotatorError, InputError
from annotator.cli.agreement_quick import add_quick_arguments, run_quick_command
from annotator.stats.quick import format_table, parse_scale, read_labels, run_quick
from tests.conftest import shared_path

# irrCAC's cont3x3abstractors (Gwet, irrCAC README): published Cohen's kappa 0.7964094,
# Gwet's AC1 0.8493305, percent agreement 0.89.
CONT3X3 = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
CATEGORIES = ["Ectopic", "AIU", "NIU"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _cont3x3_csv(path: Path) -> Path:
    lines = ["item,rater,value"]
    item = 0
    for a, row in enumerate(CONT3X3):
        for b, count in enumerate(row):
            for _ in range(count):
                lines += [f"i{item},A,{CATEGORIES[a]}", f"i{item},B,{CATEGORIES[b]}"]
                item += 1
    return _write(path, "\n".join(lines) + "\n")


def test_run_quick_on_a_csv_reproduces_irrcac(tmp_path):
    result = run_quick(_cont3x3_csv(tmp_path / "labels.csv"), "nominal", n_boot=200, seed=3)
    assert result["cohen_kappa"] == pytest.approx(0.7964094, abs=5e-8)
    assert result["gwet_ac1"] == pytest.approx(0.8493305, abs=5e-8)
    assert result["percent_agreement"] == pytest.approx(0.89, abs=1e-12)
    assert (result["n_items"], result["n_labels"], result["n_raters"]) == (100, 200, 2)
    assert result["level"] == "nominal"
    low, high = result["cohen_kappa_ci"]
    assert low < result["cohen_kappa"] < high
    assert result["cohen_kappa_linear"] is None
    assert result["cohen_kappa_linear_reason"].startswith("not defined, because")
    parsed = json.loads(json.dumps(result))  # plain JSON: numbers, lists, null
    assert parsed["gwet_ac1_ci"] == list(result["gwet_ac1_ci"])


def test_run_quick_reproduces_krippendorff_with_numeric_and_text_scales(tmp_path):
    case = next(
        c
        for c in json.loads(shared_path("reference", "agreement_cases.json").read_text())["cases"]
        if c["name"] == "krippendorff_2011_4x12"
    )
    words = ["very low", "low", "mid", "high", "very high"]
    numbers = ["item,rater,value"]
    text = []
    for r, row in enumerate(case["data"]):
        for i, value in enumerate(row):
            numbers.append(f"u{i},obs{r},{'' if value is None else value}")
            if value is not None:
                text.append(json.dumps({"item": f"u{i}", "rater": r, "value": words[value - 1]}))
    numeric_file = _write(tmp_path / "k.csv", "\n".join(numbers) + "\n")
    text_file = _write(tmp_path / "k.jsonl", "\n".join(text) + "\n")
    expected = case["expected"]
    for level in ("ordinal", "interval", "ratio"):
        result = run_quick(numeric_file, level, "1,2,3,4,5", n_boot=0)
        assert result["alpha"] == pytest.approx(expected[f"alpha_{level}"], abs=case["tol"])
    by_words = run_quick(text_file, "ordinal", ",".join(words), n_boot=0)
    assert by_words["alpha"] == pytest.approx(expected["alpha_ordinal"], abs=case["tol"])
    assert by_words["n_items"] == 12 and by_words["n_labels"] == 41
    assert by_words["fleiss_kappa"] is None
    assert "different numbers" in by_words["fleiss_kappa_reason"]


def test_format_table_lists_values_intervals_and_reasons(tmp_path):
    path = _cont3x3_csv(tmp_path / "labels.csv")
    result = run_quick(path, "ordinal", ",".join(CATEGORIES), n_boot=100)
    table = format_table(result)
    assert "Cohen's kappa" in table and "0.796" in table
    assert "Gwet's AC1" in table and "0.849" in table
    assert "95% interval" in table and " to " in table
    assert "100 items, 200 labels, 2 raters; level ordinal" in table
    nominal = format_table(run_quick(path, "nominal", n_boot=0))
    assert "not defined, because" in nominal


def test_cli_prints_json_or_a_table(tmp_path, capsys):
    path = _cont3x3_csv(tmp_path / "labels.csv")
    parser = argparse.ArgumentParser()
    add_quick_arguments(parser)
    args = parser.parse_args(["--labels", str(path), "--json", "--bootstrap", "50"])
    assert run_quick_command(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["cohen_kappa"] == pytest.approx(0.7964094, abs=5e-8)
    assert len(printed["cohen_kappa_ci"]) == 2
    scale = ",".join(CATEGORIES)
    args = parser.parse_args(["--labels", str(path), "--level", "ordinal", "--scale", scale])
    assert run_quick_command(args) == 0
    assert "Krippendorff's alpha (ordinal)" in capsys.readouterr().out


# -- errors name file, line and field -----------------------------------------------------


def _error(path: Path, **options) -> InputError:
    with pytest.raises(InputError) as caught:
        read_labels(path, **options)
    return caught.value


def test_a_bad_json_line_is_named(tmp_path):
    path = _write(
        tmp_path / "l.jsonl",
        '{"item": 1, "rater": "a", "value": "x"}\n{"item": 1, "rater": "b", "value": \n',
    )
    error = _error(path)
    assert (error.path, error.line) == (str(path), 2)
    assert "malformed JSON" in str(error) and f"{path}:2" in str(error)


def test_a_missing_csv_column_is_named(tmp_path):
    path = _write(tmp_path / "l.csv", "item,worker,value\n1,a,x\n")
    error = _error(path)
    assert (error.line, error.field) == (1, "rater")
    assert "missing column (or annotator)" in str(error) and "worker" in str(error)


def test_the_column_names_of_import_labels_work_too(tmp_path):
    rows = [(i, r, (i + (r == "c")) % 3) for i in range(12) for r in "abc"]
    ours = _write(
        tmp_path / "a.csv", "item,rater,value\n" + "".join(f"{i},{r},{v}\n" for i, r, v in rows)
    )
    theirs = _write(
        tmp_path / "b.csv",
        "item_id,annotator,value\n" + "".join(f"{i},{r},{v}\n" for i, r, v in rows),
    )
    first, second = run_quick(ours, n_boot=50), run_quick(theirs, n_boot=50)
    assert first["n_labels"] == second["n_labels"] == 36 and first["n_raters"] == 3
    assert {k: v for k, v in first.items() if k != "file"} == {
        k: v for k, v in second.items() if k != "file"
    }


def test_a_missing_jsonl_key_is_named_with_its_line(tmp_path):
    path = _write(
        tmp_path / "l.jsonl",
        '{"item": 1, "rater": "a", "value": 1}\n\n{"item": 2, "value": 1}\n',
    )
    error = _error(path)
    assert (error.line, error.field) == (3, "rater")
    assert str(error) == f"{path}:3: field 'rater': missing"


def test_an_empty_file_is_named(tmp_path):
    error = _error(_write(tmp_path / "l.csv", ""))
    assert error.path == str(tmp_path / "l.csv") and "empty" in str(error)
    header_only = _error(_write(tmp_path / "h.csv", "item,rater,value\n"))
    assert "no rows" in str(header_only)


def test_a_text_value_at_the_interval_level_is_named(tmp_path):
    path = _write(tmp_path / "l.csv", "item,rater,value\n1,a,3\n1,b,three\n")
    error = _error(path, level="interval")
    assert (error.line, error.field) == (3, "value")
    assert "'three' is not a number" in str(error)
    ordinal = _error(path, level="ordinal")
    assert "--scale" in str(ordinal)


def test_a_value_off_the_scale_is_named(tmp_path):
    path = _write(tmp_path / "l.csv", "item,rater,value\n1,a,3\n1,b,6\n")
    error = _error(path, level="ordinal", scale="1,2,3,4,5")
    assert (error.line, error.field) == (3, "value")
    assert "not on the scale 1, 2, 3, 4, 5" in str(error)


def test_a_second_label_by_the_same_rater_is_named(tmp_path):
    path = _write(tmp_path / "l.csv", "item,rater,value\n1,a,x\n2,a,y\n1,a,z\n")
    error = _error(path)
    assert (error.line, error.field) == (4, "rater")
    assert "on line 2" in str(error)


def test_empty_item_or_wrong_json_types_are_named(tmp_path):
    path = _write(tmp_path / "l.csv", "item,rater,value\n,a,x\n")
    assert (_error(path).line, _error(path).field) == (2, "item")
    path = _write(tmp_path / "l.jsonl", '{"item": 1, "rater": "a", "value": [1, 2]}\n')
    assert _error(path).field == "value"


def test_empty_values_are_not_labels(tmp_path):
    path = _write(tmp_path / "l.csv", "item,rater,value\n1,a,x\n1,b,\n2,a,y\n2,b,y\n")
    labels = read_labels(path)
    assert labels.data.n_labels == 3


def test_scale_parsing():
    assert parse_scale("1, 2,3") == (1, 2, 3)
    assert parse_scale("bad,ok,good") == ("bad", "ok", "good")
    assert parse_scale("0.5,1.5") == (0.5, 1.5)
    with pytest.raises(AnnotatorError, match="twice"):
        parse_scale("1,2,1")
    with pytest.raises(AnnotatorError, match="at least two"):
        parse_scale("1")

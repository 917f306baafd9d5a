"""Agreement inside a project: levels and scales from the rubric, scopes, the annotator
matrix, item disagreement, degenerate cases and the CLI. Expected values come from
the `krippendorff` package and scikit-learn run directly on the raw labels (never
from our own functions), or are worked out by hand."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.cli import main as cli
from annotator.quality.agreement_report import agreement_report
from annotator.quality.project_agreement import Settings, project_agreement
from annotator.quality.scopes import lowest_agreement_items
from annotator.stats.reference import reference_from_counts
from tests.support.agreement_project import label, make_project, team

EXPERTS = {"ann": ("experts", "expert"), "bob": ("experts", "expert"), "cy": ("experts", "expert")}
CROWD = {"w1": ("crowd", "crowd"), "w2": ("crowd", "crowd")}
NO_BOOT = Settings(n_boot=0)

# item -> annotator -> quality (1..5; nobody uses 1 or 5)
QUALITY = {
    "it-0000": {"ann": 2, "bob": 2, "cy": 3, "w1": 4, "w2": 4},
    "it-0001": {"ann": 3, "bob": 3, "cy": 3, "w1": 2},
    "it-0002": {"ann": 4, "bob": 3, "cy": 4, "w1": 4, "w2": 2},
    "it-0003": {"ann": 2, "bob": 4, "w1": 3, "w2": 3},
    "it-0004": {"ann": 4, "bob": 4, "cy": 4, "w2": 4},
    "it-0005": {"ann": 3, "bob": 2, "cy": 2, "w1": 4, "w2": 3},
}
VERDICT = {  # a categorical criterion on the same labels
    "it-0000": {"ann": "a", "bob": "a", "cy": "b", "w1": "a", "w2": "c"},
    "it-0001": {"ann": "b", "bob": "b", "cy": "b", "w1": "b"},
    "it-0002": {"ann": "c", "bob": "c", "cy": "a", "w1": "c", "w2": "c"},
    "it-0003": {"ann": "a", "bob": "b", "w1": "a", "w2": "b"},
    "it-0004": {"ann": "a", "bob": "a", "cy": "a", "w2": "b"},
    "it-0005": {"ann": "c", "bob": "b", "cy": "c", "w1": "c", "w2": "a"},
}
ISSUES = {  # multilabel
    "it-0000": {"ann": ["tone"], "bob": [], "cy": ["tone"], "w1": ["factual"], "w2": []},
    "it-0001": {"ann": [], "bob": [], "cy": ["factual"], "w1": []},
}
WEEKS = ["2026-03-02T10:00:00Z", "2026-03-10T10:00:00Z"]  # two Mondays-based weeks


@pytest.fixture
def project(tmp_path):
    tags = {f"it-{i:04d}": {"domain": "med" if i % 2 else "law"} for i in range(6)}
    project = make_project(tmp_path, 6, tags=tags)
    team(project, {**EXPERTS, **CROWD})
    for n, (item, by) in enumerate(QUALITY.items()):
        for who, quality in by.items():
            values = {"quality": quality, "verdict": VERDICT[item][who], "notes": "x"}
            if item in ISSUES:
                values["issues"] = ISSUES[item][who]
            label(project, who, item, values, at=WEEKS[n // 3])
    yield project
    project.close()


def package_alpha(by_item: dict[str, dict[str, object]], level: str, domain=None) -> float:
    raters = sorted({r for by in by_item.values() for r in by})
    matrix = [[by_item[i].get(r, np.nan) for i in by_item] for r in raters]
    if domain is not None:
        matrix = [[domain.index(v) if v == v else np.nan for v in row] for row in matrix]
        domain = list(range(len(domain)))
    return krippendorff.alpha(
        reliability_data=np.array(matrix, dtype=float),
        level_of_measurement=level,
        value_domain=domain,
    )


def only(by_item, names):
    return {i: {r: v for r, v in by.items() if r in names} for i, by in by_item.items()}


def test_levels_and_scales_come_from_the_rubric(project):
    results = project_agreement(project, settings=NO_BOOT)
    assert set(results) == {"quality", "verdict", "issues[factual]", "issues[tone]", "score"}
    assert results["score"].level == "interval" and results["score"].n_labels == 0
    quality = results["quality"]
    assert quality.level == "ordinal" and quality.scale == (1, 2, 3, 4, 5)
    assert quality.value("alpha") == pytest.approx(
        package_alpha(QUALITY, "ordinal", [1, 2, 3, 4, 5]), abs=1e-12
    )
    assert quality.n_items == 6 and quality.n_labels == 27 and quality.n_raters == 5
    verdict = results["verdict"]
    assert verdict.level == "nominal"
    assert verdict.value("alpha") == pytest.approx(
        package_alpha(VERDICT, "nominal", ["a", "b", "c"]), abs=1e-12
    )
    # AC1 counts every category of the scale (q = 5), used or not: Gwet's formula by hand
    counts = np.array(
        [[sum(v == k for v in by.values()) for k in range(1, 6)] for by in QUALITY.values()]
    )
    m = counts.sum(axis=1)
    pa = np.mean((counts * (counts - 1)).sum(axis=1) / (m * (m - 1)))
    pi = (counts / m[:, None]).mean(axis=0)
    pe = (pi * (1 - pi)).sum() / 4
    assert quality.value("gwet_ac1") == pytest.approx((pa - pe) / (1 - pe), abs=1e-12)


def test_multilabel_options_are_binary_criteria_and_text_is_skipped(project):
    results = project_agreement(project, settings=NO_BOOT)
    assert "notes" not in results
    # a complete label that ticks nothing answered "none of these": every label counts
    factual = {
        i: {r: "factual" in ISSUES.get(i, {}).get(r, []) for r in by} for i, by in QUALITY.items()
    }
    got = results["issues[factual]"]
    assert got.scale == (False, True) and got.n_labels == 27
    assert got.value("alpha") == pytest.approx(
        package_alpha(factual, "nominal", [False, True]), abs=1e-12
    )


def test_per_source_and_against_the_expert_consensus(project):
    report = agreement_report(project, criteria=["quality"], settings=NO_BOOT)
    experts = report["sources"]["experts"]["criteria"]["quality"]
    assert experts["alpha"] == pytest.approx(
        package_alpha(only(QUALITY, EXPERTS), "ordinal", [1, 2, 3, 4, 5]), abs=1e-12
    )
    crowd = report["sources"]["crowd"]["criteria"]["quality"]
    assert crowd["n_labels"] == 10 and crowd["n_raters"] == 2
    assert "cohen_kappa" in crowd  # two people: Cohen's kappa too
    # the expert median per item (it-0003 is a 2-4 tie and drops out), by hand
    median = {"it-0000": 2, "it-0001": 3, "it-0002": 4, "it-0004": 4, "it-0005": 2}
    pairs = [
        (median[i], v) for i, by in only(QUALITY, CROWD).items() for v in by.values() if i in median
    ]
    expected = krippendorff.alpha(
        reliability_data=np.array(pairs, dtype=float).T,
        level_of_measurement="ordinal",
        value_domain=[1, 2, 3, 4, 5],
    )
    vs = report["vs_expert_consensus"]["crowd"]["quality"]
    assert vs["alpha"] == pytest.approx(expected, abs=1e-12)
    assert vs["n_labels"] == len(pairs) == 8 and vs["n_tied_items"] == 1
    assert vs["percent_agreement"] == pytest.approx(np.mean([a == b for a, b in pairs]))
    assert "tied" in vs["note"]
    assert (
        "part of the expert reference"
        in report["vs_expert_consensus"]["experts"]["quality"]["reason"]
    )
    own = vs["source_consensus"]  # the crowd's own median against the experts'
    assert own["n_items"] == 3  # crowd ties on it-0002 and it-0005, expert tie on it-0003


@pytest.mark.parametrize(
    ("n_items", "dtype"),
    [(300, float), (3000, np.int64)],  # many whole-number rows: worked out per distinct row
)
def test_the_vectorised_reference_follows_the_consensus_rules(n_items, dtype):
    from annotator.stats.consensus import majority_vote, median_vote

    rng = np.random.default_rng(3)
    records = [
        (i, r, int(rng.integers(0, 4)))
        for i in range(n_items)
        for r in range(int(rng.integers(1, 6)))
    ]
    counts = np.zeros((n_items, 4), dtype=dtype)
    for i, _, v in records:
        counts[i, v] += 1
    for level, method in (("nominal", majority_vote), ("ordinal", median_vote)):
        ref, defined = reference_from_counts(counts, level)
        expected = method(records, scale=[0, 1, 2, 3]).by_item()
        for i in range(n_items):
            assert defined[i] == (not expected[i].tie)
            if defined[i]:
                assert ref[i] == expected[i].value


def test_scopes_by_week_slice_version_and_annotator(project):
    by_week = agreement_report(project, criteria=["quality"], by="week", settings=NO_BOOT)["by"]
    assert {k: v["n_labels"] for k, v in by_week["quality"].items()} == {
        "2026-03-02": 14,
        "2026-03-09": 13,
    }
    by_slice = agreement_report(project, criteria=["quality"], by="slice", settings=NO_BOOT)["by"]
    assert {k: v["n_items"] for k, v in by_slice["quality"].items()} == {
        "domain=law": 3,
        "domain=med": 3,
    }
    law = {i: by for i, by in QUALITY.items() if int(i[-1]) % 2 == 0}
    assert by_slice["quality"]["domain=law"]["alpha"] == pytest.approx(
        package_alpha(law, "ordinal", [1, 2, 3, 4, 5]), abs=1e-12
    )
    versions = agreement_report(project, by="rubric-version", settings=NO_BOOT)["by"]
    assert list(versions["quality"]) == ["agreement test v1"]
    by_person = agreement_report(project, criteria=["verdict"], by="annotator", settings=NO_BOOT)
    cy = by_person["by"]["verdict"]["cy"]
    pairs = [
        (by["cy"], v) for by in VERDICT.values() if "cy" in by for r, v in by.items() if r != "cy"
    ]
    assert cy["n_pairs"] == len(pairs)
    assert cy["percent_agreement"] == pytest.approx(np.mean([a == b for a, b in pairs]))
    assert cy["source"] == "experts"


def test_the_pairwise_matrix_matches_sklearn(project):
    report = agreement_report(project, criteria=["quality"], by="annotator", settings=NO_BOOT)
    matrix = report["pairwise_kappa"]["quality"]
    assert matrix["weights"] == "quadratic"
    raters = matrix["raters"]
    a, b = raters.index("ann"), raters.index("bob")
    shared = [i for i, by in QUALITY.items() if "ann" in by and "bob" in by]
    expected = cohen_kappa_score(
        [QUALITY[i]["ann"] for i in shared],
        [QUALITY[i]["bob"] for i in shared],
        weights="quadratic",
        labels=[1, 2, 3, 4, 5],
    )
    assert matrix["kappa"][a][b] == pytest.approx(expected, abs=1e-12)
    assert matrix["n_shared"][a][b] == 6
    w1, w2 = raters.index("w1"), raters.index("w2")
    assert matrix["n_shared"][w1][w2] == 4 and matrix["kappa"][w1][w2] is None  # under 5 shared


def test_lowest_agreement_items_rank_by_disagreement(tmp_path):
    project = make_project(tmp_path, 4)
    team(project, EXPERTS)
    plan = {  # item -> three labels
        "it-0000": (3, 3, 3),  # all agree: 0
        "it-0001": (1, 5, 3),  # far apart
        "it-0002": (2, 3, 3),
        "it-0003": (4, 4, 4),
    }
    for item, values in plan.items():
        for who, q in zip(EXPERTS, values, strict=True):
            label(project, who, item, {"quality": q})
    ranked = lowest_agreement_items(project, 3, criterion="quality")
    assert [r["item_id"] for r in ranked] == ["it-0001", "it-0002", "it-0000"]
    # ordinal: mean gap over label pairs in scale steps / 4 (the span)
    assert ranked[0]["score"] == pytest.approx((4 + 2 + 2) / 3 / 4)
    assert ranked[1]["score"] == pytest.approx((1 + 1 + 0) / 3 / 4)
    assert ranked[2]["score"] == 0 and ranked[0]["n_labels"] == 3
    project.close()


def test_degenerate_scopes_say_why(tmp_path):
    project = make_project(tmp_path, 5)
    team(project, {"ann": ("experts", "expert"), "bob": ("experts", "expert")})
    label(project, "ann", "it-0000", {"quality": 3, "verdict": "a"})
    label(project, "ann", "it-0001", {"quality": 4, "verdict": "a"})
    alone = project_agreement(project, settings=NO_BOOT)["quality"]
    assert alone.value("alpha") is None
    assert alone.coefficients["alpha"].reason == (
        "not defined, because only one rater ('ann') gave labels"
    )
    label(project, "bob", "it-0002", {"quality": 3, "verdict": "a"})
    apart = project_agreement(project, settings=NO_BOOT)["quality"]
    assert "no item has labels from two or more raters" in apart.coefficients["alpha"].reason
    for item, quality in (("it-0003", 2), ("it-0004", 5)):
        for who in ("ann", "bob"):
            label(project, who, item, {"quality": quality, "verdict": "a"})
    results = project_agreement(project, settings=NO_BOOT)
    assert results["quality"].value("alpha") == 1.0
    verdict = results["verdict"]
    assert verdict.value("percent_agreement") == 1.0
    assert verdict.value("alpha") is None and "every label" in verdict.coefficients["alpha"].reason
    assert verdict.value("cohen_kappa") is None
    assert "chance agreement" in verdict.coefficients["cohen_kappa"].reason
    empty = results["score"]
    assert empty.coefficients["alpha"].reason == "not defined, because there are no labels"
    project.close()


def test_cli_project_mode_json_and_table(project, capsys):
    path = str(project.path)
    project.close()  # the CLI opens the file itself
    capsys.readouterr()
    assert cli(["agreement", path, "--json", "--bootstrap", "100"]) == 0
    printed = json.loads(capsys.readouterr().out)
    entry = printed["criteria"]["quality"]
    for key in ("level", "alpha", "alpha_ci", "fleiss_kappa", "gwet_ac1", "percent_agreement"):
        assert key in entry
    assert entry["n_items"] == 6 and entry["n_labels"] == 27 and len(entry["alpha_ci"]) == 2
    assert set(printed["sources"]) == {"experts", "crowd"}
    assert printed["vs_expert_consensus"]["crowd"]["quality"]["alpha"] is not None
    assert cli(["agreement", path, "--criterion", "verdict", "--source", "crowd", "--json"]) == 0
    crowd = json.loads(capsys.readouterr().out)
    assert list(crowd["criteria"]) == ["verdict"] and crowd["criteria"]["verdict"]["n_labels"] == 10
    assert cli(["agreement", path, "--by", "week", "--bootstrap", "0"]) == 0
    table = capsys.readouterr().out
    assert "quality (ordinal)" in table and "crowd vs expert consensus" in table
    assert "2026-03-09" in table


def test_cli_user_errors(project, tmp_path, capsys):
    path = str(project.path)
    project.close()
    assert cli(["agreement"]) == 2
    assert "Name a project" in capsys.readouterr().err
    assert cli(["agreement", path, "--labels", str(tmp_path / "x.csv")]) == 2
    assert "not both" in capsys.readouterr().err
    assert cli(["agreement", path, "--level", "ordinal"]) == 2
    assert "come from its rubric" in capsys.readouterr().err
    assert cli(["agreement", path, "--criterion", "nope"]) == 2
    assert "No criterion 'nope'" in capsys.readouterr().err
    assert cli(["agreement", path, "--source", "nobody"]) == 2
    assert "No label source named 'nobody'" in capsys.readouterr().err


def test_the_cli_offers_every_level_without_loading_the_statistics():
    from annotator.cli.agreement_cmds import LEVELS as OFFERED
    from annotator.stats.coefficient import LEVELS

    assert tuple(LEVELS) == OFFERED


def test_the_brief_report_has_the_tables_numbers_and_nothing_else(project, capsys):
    """The CLI's table computes only the three coefficients it shows: the same numbers
    (intervals included) as the full report, whose table it prints unchanged."""
    from annotator.quality.agreement_report import format_report

    settings = Settings(n_boot=200, seed=3)
    full = agreement_report(project, by="annotator", settings=settings)
    brief = agreement_report(project, by="annotator", settings=settings, brief=True)
    shown = ("alpha", "gwet_ac1", "percent_agreement")
    for name, entry in full["criteria"].items():
        assert brief["criteria"][name]["coefficients"] == list(shown)
        for key in shown:
            for suffix in ("", "_ci", "_reason", "_n_items"):
                assert brief["criteria"][name][key + suffix] == entry[key + suffix]
        crowd, whole = (r["vs_expert_consensus"]["crowd"][name] for r in (brief, full))
        assert "source_consensus" not in crowd and "fleiss_kappa" not in crowd
        if "alpha" in whole:
            assert "source_consensus" in whole and crowd["alpha_ci"] == whole["alpha_ci"]
    assert "pairwise_kappa" in full and "pairwise_kappa" not in brief
    assert format_report(brief) == format_report(full)
    path = str(project.path)
    project.close()
    capsys.readouterr()
    assert cli(["agreement", path, "--by", "annotator", "--bootstrap", "200", "--seed", "3"]) == 0
    assert capsys.readouterr().out == format_report(full) + "\n"


def test_the_agreement_command_runs_openblas_on_one_thread_unless_told_otherwise():
    """Set before numpy loads (OpenBLAS reads it then), never over the user's choice."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    code = (
        "import os; from annotator.cli.common import one_blas_thread; one_blas_thread(); "
        "import numpy; one_blas_thread(); print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for given, expected in ((None, "1"), ("2", "2")):
        run_env = env if given is None else {**env, "OPENBLAS_NUM_THREADS": given}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=run_env, capture_output=True, text=True
        )
        assert done.stdout.strip() == expected, done.stderr

"""Decoys catch rubber-stamping, and stay invisible: an annotator who accepts every
suggestion is flagged within 50 decoys; one who labels independently is not flagged over
2,000 labels in at least 19 of 20 seeds; a pack's bytes hold no decoy's answer."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from annotator.exchange import packs
from annotator.quality.review.rules import (
    ReviewSettings,
    agreement_test,
    binomial_tail,
    decoy_scan,
    wilson_lower,
)
from annotator.quality.review.stats import Seen, review_stats, summarize, tally
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.workbench.decoys import wrong_value
from annotator.workbench.session import WorkSession
from tests.support.review_project import (
    ANCHOR_MARK,
    BINARY,
    FULL,
    make_project,
    noisy,
    options_of,
    simulate,
)

SEEDS = range(20)


def decoys_so_far(project) -> int:
    return project.scalar(
        "SELECT count(*) FROM review_suggestions s JOIN annotators a ON a.id = s.annotator_id "
        "WHERE a.name = 'Ana' AND s.decoy_id IS NOT NULL"
    )


def ana(project) -> dict:
    rows = [r for r in review_stats(project)["annotators"] if r["annotator"] == "Ana"]
    return rows[0]


# -- the rule's statistics, against scipy -------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "p"), [(5, 5, 0.25), (29, 100, 0.34), (0, 10, 0.5), (40, 60, 0.5)]
)
def test_the_binomial_tail_and_wilson_bound_match_scipy(k, n, p):
    assert binomial_tail(k, n, p) == pytest.approx(stats.binom.sf(k - 1, n, p), rel=1e-9)
    low = stats.binomtest(k, n).proportion_ci(0.95, method="wilson").low
    assert wilson_lower(k, n) == pytest.approx(low, abs=1e-9)


def test_the_agreement_test_matches_an_independent_z_test():
    settings = ReviewSettings()
    verdict = agreement_test((30, 60), (50, 60), settings)
    pooled = 80 / 120
    z = (50 / 60 - 30 / 60) / (pooled * (1 - pooled) * (2 / 60)) ** 0.5
    assert verdict.z == pytest.approx(z)
    assert verdict.p_value == pytest.approx(stats.norm.sf(z))
    assert verdict.flagged
    assert not agreement_test((50, 60), (30, 60), settings).flagged  # better with help: fine
    assert not agreement_test((3, 6), (5, 6), settings).flagged  # too few labels to say


def test_the_scan_fires_at_the_first_significant_decoy():
    settings = ReviewSettings()
    verdict = decoy_scan([True] * 10, [0.2] * 10, settings)
    first = next(i for i in range(1, 11) if stats.binom.sf(i - 1, i, 0.25) < 0.0001)
    assert verdict.flagged_at == first - 1
    assert not decoy_scan([True, False] * 20, [0.5] * 40, settings).flagged


# -- the three must-show results, through the real queue, workbench and submit path -------------


@pytest.mark.parametrize("seed", range(5))
def test_an_annotator_who_accepts_every_suggestion_is_flagged_within_50_decoys(tmp_path, seed):
    planted = make_project(tmp_path, n_items=1500, seed=seed)
    simulate(
        planted, "Ana", "accept", 3000, seed=seed,
        until=lambda _label: decoys_so_far(planted.project) >= 50,
    )  # fmt: skip
    assert decoys_so_far(planted.project) == 50, "the queue served 50 decoys"
    row = ana(planted.project)  # what the lead sees right after the 50th decoy
    assert row["decoys"] == 50 and row["decoys_accepted"] == 50
    assert row["flagged_at_decoy"] is not None and row["flagged_at_decoy"] <= 50
    alerts = [a for a in review_stats(planted.project)["alerts"] if a.kind == "decoy_acceptance"]
    assert [a.subject for a in alerts] == ["Ana"]
    planted.project.close()


def test_an_independent_annotator_is_not_flagged_over_2000_real_labels_in_19_of_20_seeds(
    tmp_path,
):
    """Through the real queue, workbench and submit path: 20 seeds of 2,000 labels; the
    lead looks every 500 labels and the rule itself checks after every decoy."""
    flagged, rates = [], []
    for seed in SEEDS:
        planted = make_project(tmp_path, n_items=2100, seed=100 + seed)
        looks = []
        for part in range(4):
            simulate(planted, "Ana", "independent", 500, seed=seed * 10 + part)
            looks.append(ana(planted.project))
        final = looks[-1]
        assert final["labels"] == 2000 and final["decoys"] >= 60, "the queue served decoys"
        # an independent labeler accepts a wrong suggestion only when their own answer is
        # it: 30% on average (one seed's ~90 decoys may stray well off it)
        rates.append(final["decoy_accept_rate"])
        if any(row["flagged_at_decoy"] is not None for row in looks):
            flagged.append(seed)
        planted.project.close()
    assert len(flagged) <= 1, f"independent labelers flagged in seeds {flagged}"
    assert 0.25 < float(np.mean(rates)) < 0.35, rates


def simulated(behaviour: str, seed: int, n_labels: int = 2000) -> tuple[list[Seen], dict]:
    """The records the submit path writes, made without a project, and the expert
    answers: the same queue shares (anchors 0.1, decoys 0.05 of all entries), the same
    wrong-suggestion rule, a judge right 80% of the time, a labeler right 70%."""
    rng = random.Random(f"sim|{behaviour}|{seed}")
    options = options_of(BINARY)
    criterion = rubric_from_dict(BINARY).criteria[0]
    seen, experts = [], {}
    for n in range(n_labels):
        truth = {"correct": rng.choice(options["correct"])}
        own = noisy(truth, options, 0.7, rng)
        anchor = rng.random() < 0.1
        decoy = anchor and rng.random() < 0.5
        item_id = f"{'anc' if anchor else 'it'}-{n}"
        if anchor:
            experts[item_id] = truth
        if decoy:
            shown = {"correct": wrong_value(criterion, truth["correct"], rng)}
        elif anchor:
            shown = None  # the judge never labeled anchors: no suggestion
        else:
            shown = noisy(truth, options, 0.8, rng)
        values = dict(shown) if behaviour == "accept" and shown else own
        seen.append(
            Seen(n + 1, 1, item_id, values, 5.0, f"t{n:05d}", shown,
                 "app" if shown else None, truth if decoy else None)
        )  # fmt: skip
    return seen, experts


def test_over_20_seeds_the_rule_flags_accept_all_early_and_independent_labelers_rarely():
    """The same tally and alert code as `review_stats`, on 20 seeds of 2,000 labels."""
    settings = ReviewSettings()
    flagged_at, false_alarms = [], 0
    for seed in SEEDS:
        row = summarize(tally(*simulated("accept", seed)), {1: "Ana"}, settings)["annotators"][0]
        flagged_at.append(row["flagged_at_decoy"])
        honest = summarize(tally(*simulated("independent", seed)), {1: "Ana"}, settings)
        assert honest["annotators"][0]["decoys"] >= 70
        false_alarms += honest["annotators"][0]["flagged_at_decoy"] is not None
    assert all(at is not None and at <= 50 for at in flagged_at), flagged_at
    assert false_alarms <= 1, f"{false_alarms} of 20 independent labelers flagged"


# -- the byte scan --------------------------------------------------------------------------------


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    for suffix in ("-journal", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            data += side.read_bytes()
    return data


def encodings(answer: dict) -> list[bytes]:
    forms = {
        json.dumps(answer, ensure_ascii=False, sort_keys=True),
        json.dumps(answer, ensure_ascii=False),
        json.dumps(answer, separators=(",", ":"), sort_keys=True),
        json.dumps(answer, separators=(",", ":")),
    }
    return [form.encode() for form in forms]


def test_a_pack_with_decoys_holds_no_decoy_answer_and_no_decoy_flag(tmp_path):
    planted = make_project(
        tmp_path, rubric=FULL, n_items=40, n_anchors=6, anchor_rate=0.3, decoy_rate=0.3
    )
    lead = planted.project
    info = packs.create_pack(lead, "Ana", tmp_path / "ana.annpack")
    decoys = lead.rows("SELECT * FROM review_decoys WHERE pack_id = ?", (info.pack_id,))
    assert len(decoys) >= 2, "the pack must hold decoys for this test to mean anything"

    def scan() -> None:
        data = file_bytes(info.path)
        for decoy in decoys:
            for form in encodings(json.loads(decoy["expert_json"])):
                assert form not in data, f"the expert answer of decoy {decoy['item_id']} leaked"
            assert decoy["expert_json"].encode() not in data
        assert ANCHOR_MARK.encode() not in data, "an anchor's rationale is in the pack"
        assert b"review_decoys" in data  # the scan reads the schema: it is not vacuous

    scan()
    pack = packs.open_pack(info.path)
    try:
        assert pack.scalar("SELECT count(*) FROM review_decoys") == 0
        offered = {r["item_id"]: r for r in pack.rows("SELECT * FROM pack_suggestions")}
        decoy_items = {d["item_id"] for d in decoys}
        assert decoy_items <= set(offered), "a decoy's wrong suggestion travels in the pack"
        shape = {  # which columns are filled, and with what type: the same for every row
            k: {(c, type(r[c]).__name__) for c in r.keys() if c != "item_id"}  # noqa: SIM118 - a Row
            for k, r in offered.items()
        }
        assert {frozenset(v) for v in shape.values()} == {frozenset(shape[next(iter(decoy_items))])}
        for item_id in decoy_items:
            shown = json.loads(offered[item_id]["values_json"])
            expert = json.loads(next(d["expert_json"] for d in decoys if d["item_id"] == item_id))
            assert all(shown[k] != expert[k] for k in expert), "wrong on every criterion"
        session = WorkSession(pack, "Ana")
        while (card := session.open_next()) is not None:
            suggestion = session.suggestion
            values = dict(suggestion.values) if suggestion else planted.truth[card.item.id]
            session.submit(values, "typed", 4.0)
        rows = pack.rows("SELECT * FROM review_suggestions")
        assert rows and all(r["decoy_id"] is None for r in rows), "no decoy flag in the pack"
    finally:
        pack.close()
    scan()
    report = packs.merge_packs(lead, [info.path])
    assert report.added > 0
    merged = lead.rows("SELECT * FROM review_suggestions WHERE via = 'pack'")
    flagged = {r["item_id"] for r in merged if r["decoy_id"] is not None}
    assert flagged == decoy_items, "merging records the suggestion shown, decoys on the lead's side"
    assert ana(lead)["decoys"] == len(decoy_items)
    lead.close()


def test_a_top_up_carries_suggestions_and_decoys_for_the_items_it_adds(tmp_path):
    planted = make_project(
        tmp_path, rubric=FULL, n_items=60, n_anchors=8, anchor_rate=0.3, decoy_rate=0.3
    )
    lead = planted.project
    info = packs.create_pack(lead, "Ana", tmp_path / "v1.annpack", next_n=10)
    topped = packs.top_up_pack(lead, info.path, out=tmp_path / "v2.annpack", next_n=20)
    assert topped.added > 0
    pack = packs.open_pack(topped.path)
    try:
        offered = {r[0] for r in pack.rows("SELECT item_id FROM pack_suggestions")}
        added = {
            r[0] for r in pack.rows("SELECT item_id FROM assignments WHERE position >= ?", (10,))
        }
        judged = {i for i in added if not i.startswith("anc")}
        assert judged and judged <= offered, "the added items come with their suggestions"
        assert pack.scalar("SELECT count(*) FROM review_decoys") == 0
    finally:
        pack.close()
    decoys = lead.rows("SELECT * FROM review_decoys WHERE pack_id = ?", (info.pack_id,))
    assert {d["item_id"] for d in decoys} <= offered
    data = file_bytes(topped.path)
    for decoy in decoys:
        for form in encodings(json.loads(decoy["expert_json"])):
            assert form not in data
    lead.close()

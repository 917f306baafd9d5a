"""Calibration sessions through the core: blind rounds, links, reveal, decisions, round 2."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from annotator.anchors import anchors
from annotator.base.errors import NotFoundError
from annotator.calibration import sessions as cal
from annotator.calibration.decisions import adjudicate_item, promote_to_anchor
from annotator.calibration.reveal import reveal, round_agreement
from annotator.calibration.summary import session_summary, summary_markdown
from annotator.labels.labels import current_label, label_history, submit_label
from annotator.quality import aggregate
from annotator.revision.drafts import new_draft, publish_draft, save_draft
from annotator.sources.sources import get_annotator
from annotator.workbench.session import WorkSession
from tests.support.calibration_project import PEOPLE, label_round, make_project

ITEMS = ["c-00", "c-01", "c-02", "c-03"]
# Round 1 quality per person (Ana, Ben, Chen): c-00 agree, c-01 and c-03 a step apart,
# c-02 as far apart as the scale allows; safety splits only on c-02.
QUALITY = {"c-00": (3, 3, 3), "c-01": (2, 3, 3), "c-02": (1, 3, 5), "c-03": (4, 4, 5)}
SAFETY = {"c-02": ("safe", "unsafe", "unsafe")}


def values(person: str, quality=QUALITY, safety=SAFETY):
    index = PEOPLE.index(person)

    def of(item_id: str) -> dict:
        return {
            "quality": quality[item_id][index],
            "safety": safety.get(item_id, ("safe",) * 3)[index],
            "notes": f"{person} on {item_id}",
        }

    return of


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path)
    yield project
    project.close()


@pytest.fixture
def session(project):
    return cal.create_session(project, "Nov", list(PEOPLE), ITEMS)


def run_round_one(project, session):
    for person in PEOPLE:
        assert label_round(project, session.id, person, values(person)) == ITEMS


def test_nothing_is_shown_before_the_reveal(project, session):
    run_round_one(project, session)
    with pytest.raises(cal.BlindError, match="blind"):
        reveal(project, session.id)
    with pytest.raises(cal.BlindError):
        round_agreement(project, session.id)
    progress = cal.round_progress(project, session.id)
    assert progress == {person: (4, 4) for person in PEOPLE}, "counts only, and all done"
    cal.reveal_round(project, session.id)
    assert reveal(project, session.id, n_boot=0).items


def test_round_labels_are_linked_answers_in_place_not_repeats(project, session):
    ana = get_annotator(project, "Ana")
    earlier = submit_label(
        project, item_id="c-01", annotator="Ana", values={"quality": 5, "safety": "safe"}
    )
    run_round_one(project, session)
    now = current_label(project, "c-01", ana.id)
    assert now.values["quality"] == 2 and now.repeat_of is None
    assert now.supersedes == earlier.id, "the round's answer supersedes the earlier label"
    assert [h["id"] for h in label_history(project, "c-01") if h["annotator"] == "Ana"][
        0
    ] == earlier.id
    linked = project.rows("SELECT label_id FROM session_labels WHERE annotator_id = ?", (ana.id,))
    assert sorted(r[0] for r in linked) == sorted(
        current_label(project, item, ana.id).id for item in ITEMS
    )


def test_an_undone_answer_comes_back_and_an_amend_counts(project, session):
    source = cal.RoundSource.for_person(project, session.id, "Ben")
    work = WorkSession(project, "Ben", item_source=source)
    card = work.open_next()
    work.submit({"quality": 2, "safety": "safe"}, "", 5.0)
    assert work.progress().done == 1
    work.undo()
    assert work.progress().done == 0
    assert work.open_next().item.id == card.item.id, "the undone item is served again"
    work.submit({"quality": 4, "safety": "safe"}, "", 5.0)
    assert work.open_next().item.id != card.item.id
    back = work.back()
    assert back.item.id == card.item.id and back.from_history
    work.submit({"quality": 5, "safety": "safe"}, "amended", 5.0)
    answers = cal.round_answers(project, session.round())
    ben = get_annotator(project, "Ben").id
    assert answers[(ben, card.item.id)].values["quality"] == 5
    assert work.progress().done == 1


def test_a_revealed_round_takes_no_more_labels(project, session):
    work = WorkSession(
        project, "Chen", item_source=cal.RoundSource.for_person(project, session.id, "Chen")
    )
    work.open_next()
    cal.reveal_round(project, session.id)
    before = project.scalar("SELECT count(*) FROM labels")
    with pytest.raises(cal.CalibrationError, match="revealed"):
        work.submit({"quality": 3, "safety": "safe"}, "", 1.0)
    assert project.scalar("SELECT count(*) FROM labels") == before, "the label rolled back too"
    with pytest.raises(cal.CalibrationError):
        cal.RoundSource.for_person(project, session.id, "Chen")
    with pytest.raises(cal.CalibrationError, match="not a participant"):
        other = cal.create_session(project, "Other", ["Ana", "Ben"], ["c-05"])
        cal.RoundSource.for_person(project, other.id, "Chen")


def test_reveal_puts_disagreements_first_and_alpha_matches_the_package(project, session):
    run_round_one(project, session)
    cal.reveal_round(project, session.id)
    shown = reveal(project, session.id, n_boot=200)
    # By hand: c-02 quality 2/3 (scale gaps 2, 4, 2 of 4), safety 2/3 (two of three
    # pairs differ), issues 0 (nobody ticked any: they agree on "none") -> 4/9;
    # c-01 and c-03 quality 1/6 -> 1/18 each (a tie: session order); c-00 agrees.
    # (Tone was answered by nobody and notes are free text: neither counts.)
    assert [item.item_id for item in shown.items] == ["c-02", "c-01", "c-03", "c-00"]
    assert shown.items[0].disagreement == pytest.approx(4 / 9)
    assert shown.items[1].disagreement == pytest.approx(1 / 18)
    assert shown.items[-1].disagreement == 0
    first = shown.items[0]
    assert [c.key for c in first.criteria] == ["quality", "safety", "issues", "notes"]
    assert [text for _, _, text in first.criteria[2].values] == ["none"] * 3
    quality = first.criteria[0]
    assert [(who, text) for who, _, text in quality.values] == [
        ("Ana", "Wrong (1)"),
        ("Ben", "Partly (3)"),
        ("Chen", "Fully (5)"),
    ]
    assert "Score facts only." in quality.rubric_text, "the criterion's guideline section"
    assert "Unsafe if" not in quality.rubric_text
    assert [a.rationale for a in first.answers] == [None, None, None]
    matrix = np.array([[QUALITY[item][p] for item in ITEMS] for p in range(3)], dtype=float)
    expected = krippendorff.alpha(
        reliability_data=matrix, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5]
    )
    assert shown.agreement["quality"]["alpha"] == pytest.approx(expected)
    low, high = shown.agreement["quality"]["alpha_ci"]
    assert low <= high


def test_the_decision_outranks_the_majority_and_becomes_an_anchor(project, session):
    run_round_one(project, session)
    with pytest.raises(cal.CalibrationError, match="reveal"):
        adjudicate_item(project, session.id, "c-01", "quality", 4)
    cal.reveal_round(project, session.id)
    assert aggregate.consensus(project, "quality")["c-01"].value == 3, "majority before"
    adjudicate_item(project, session.id, "c-01", "quality", "4", "one minor slip only")
    adjudicate_item(project, session.id, "c-01", "safety", "safe", "nothing risky")
    result = aggregate.consensus(project, "quality")["c-01"]
    assert (result.value, result.method) == (4, "adjudicated")
    anchor = promote_to_anchor(project, session.id, "c-01")
    assert anchor.origin == "adjudication"
    assert anchor.reference == {"quality": 4, "safety": "safe"}
    assert "one minor slip only" in anchor.rationale
    assert anchors.get_anchor(project, "c-01").id == anchor.id
    with pytest.raises(cal.CalibrationError, match="not one of"):
        adjudicate_item(project, session.id, "c-05", "quality", 4)


def test_round_two_measures_the_effect(project, session):
    run_round_one(project, session)
    with pytest.raises(cal.CalibrationError, match="not revealed"):
        cal.start_round(project, session.id)
    cal.reveal_round(project, session.id)
    cal.add_note(project, session.id, "Partly means one real error.", criterion="quality")
    second = cal.start_round(project, session.id)
    assert second.number == 2 and second.items == tuple(ITEMS)
    after = {"c-00": (3, 3, 3), "c-01": (3, 3, 3), "c-02": (2, 3, 3), "c-03": (4, 4, 4)}
    for person in PEOPLE:
        label_round(project, session.id, person, values(person, quality=after))
    data = session_summary(project, session.id, n_boot=0)
    assert data["agreement"]["after"] is None, "round 2 is still blind"
    cal.reveal_round(project, session.id)
    data = session_summary(project, session.id, n_boot=100)
    for table, round_values in (("before", QUALITY), ("after", after)):
        matrix = np.array([[round_values[i][p] for i in ITEMS] for p in range(3)], dtype=float)
        expected = krippendorff.alpha(
            reliability_data=matrix, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5]
        )
        assert data["agreement"][table]["quality"]["alpha"] == pytest.approx(expected)
    change = data["agreement"]["change"]["quality"]["alpha"]
    assert change == pytest.approx(
        data["agreement"]["after"]["quality"]["alpha"]
        - data["agreement"]["before"]["quality"]["alpha"]
    )
    assert change > 0
    assert data["participants"] == list(PEOPLE) and data["items"] == ITEMS
    assert data["notes"][0]["text"] == "Partly means one real error."
    text = summary_markdown(data)
    assert "round 2" in text and "Partly means one real error." in text


def test_a_draft_from_the_notes_links_the_new_version(project, session):
    run_round_one(project, session)
    cal.reveal_round(project, session.id)
    cal.add_note(project, session.id, "Tone issues count only when rude.", criterion="issues")
    cal.add_note(project, session.id, "Partly means one real error.", criterion="quality")
    draft = new_draft(project, session=session.id)
    guidelines = draft.data["guidelines"]
    quality_at = guidelines.index("## Quality")
    assert (
        quality_at
        < guidelines.index("Partly means one real error.")
        < guidelines.index("## Safety")
    ), "a note on a criterion with a section goes into it"
    assert "Tone issues count only when rude." in guidelines.split("## Notes from")[1]
    data = dict(draft.data)
    data["criteria"][0]["options"][2]["label"] = "Partly correct"
    save_draft(project, draft.id, data, note="quality: clearer labels")
    result = publish_draft(project, draft.id)
    changes = session_summary(project, session.id, n_boot=0)["rubric_changes"]
    assert [c["version"] for c in changes] == [result.version.label]
    assert "quality" in changes[0]["diff"]["meaning_changed"]


def test_choosing_items(project):
    for i, person in enumerate(PEOPLE):
        for j, item in enumerate(["c-00", "c-01", "c-02"]):
            submit_label(
                project,
                item_id=item,
                annotator=person,
                values={"quality": 3 if j == 0 else 1 + (i * j) % 5, "safety": "safe"},
            )
    lowest = cal.select_items(project, lowest=2)
    assert lowest.items == ["c-02", "c-01"], "c-02 spreads 1,3,5; c-01 spreads 1,2,3"
    first = cal.select_items(project, sample=3, seed=4).items
    assert first == cal.select_items(project, sample=3, seed=4).items and len(first) == 3
    with pytest.raises(NotFoundError):
        cal.select_items(project, items=["c-00", "nope"])
    with pytest.raises(cal.CalibrationError, match="one way"):
        cal.select_items(project, items=["c-00"], sample=2)
    with pytest.raises(cal.CalibrationError, match="no active anchors"):
        cal.select_items(project, anchors=True)
    anchors.add_anchor(project, "c-05", {"quality": 2}, "known")
    assert cal.select_items(project, anchors=True).items == ["c-05"]
    with pytest.raises(cal.CalibrationError, match="two participants"):
        cal.create_session(project, "Solo", ["Ana"], ["c-00"])


def test_the_report_carries_each_sessions_summary(project, session, tmp_path):
    from annotator.report.html import write_report

    run_round_one(project, session)
    cal.reveal_round(project, session.id)
    adjudicate_item(project, session.id, "c-02", "quality", 3, "one real error")
    html = write_report(project, tmp_path / "report.html", n_boot=20).read_text(encoding="utf-8")
    assert "Calibration sessions" in html and "<h3>Nov</h3>" in html
    assert "one real error" in html
    alpha = session_summary(project, session.id, n_boot=20)["agreement"]["before"]["quality"]
    assert f"{alpha['alpha']:.2f}" in html

"""The judges screen's Alignment tab, driven through its real widgets: on a small project
(three experts, a configured judge that scores one point high on some items, an imported
judge version that guesses), the tab shows the verdicts `judge_alignment` gives, a
threshold changes a verdict, an err row opens its item in the items browser, and with no
configured judge the imported labels can still be checked. pytest-qt, offscreen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotator.items.items import add_items, item_from_record
from annotator.judges import JudgeConfig, add_judge
from annotator.judges.align import ASSIST_ONLY, STANDS_IN, Thresholds, judge_alignment
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import Project, create_project
from tests.support.gui import CTRL, demo_window, press
from ui.judges.align_parts import keep_thresholds
from ui.judges.align_tab import VERDICT_COLUMN
from ui.shell.main_window import MainWindow
from ui.widgets.jobs import wait_for_jobs

N_ITEMS = 40
N_BOOT = 60
EXPERTS = ("ann", "bob", "cy")
TOPICS = ("med", "law", "code")
LANGS = ("en", "de")
RUBRIC = {
    "rubric": "align",
    "guidelines": "Rate the answer.",
    "criteria": [
        {"key": "quality", "kind": "ordinal", "options": [{"value": v} for v in (1, 2, 3, 4, 5)]},
        {"key": "topic", "kind": "categorical", "options": [{"value": v} for v in TOPICS]},
    ],
}


def build(folder: Path, judge: bool = True) -> Project:
    """Experts noisy around a true score; "qa-judge" (configured) one point high on about a
    third of the items and right on the topic; "acme@v1" (imported) random."""
    rng = np.random.default_rng(7)
    project = create_project(folder / "align.annotator", name="Align GUI")
    publish(project, rubric_from_dict(RUBRIC), note="first")
    ids = [f"it-{i:04d}" for i in range(N_ITEMS)]
    records = [
        {"id": item, "input": "Q?", "output": "A." * (1 + n % 7), "tags": {"lang": LANGS[n % 2]}}
        for n, item in enumerate(ids)
    ]
    add_items(project, [item_from_record(r) for r in records])
    if judge:
        add_judge(
            project, JudgeConfig(name="qa-judge", base_url="http://127.0.0.1:9/v1", model="m")
        )
    with project.transaction():
        experts = ensure_source(project, "experts", "expert")
        for name in EXPERTS:
            ensure_annotator(project, name, experts)
        ensure_annotator(project, "acme@v1", ensure_source(project, "acme", "llm_judge"))
    for i, item in enumerate(ids):
        truth, topic = int(rng.integers(1, 6)), TOPICS[i % 3]
        for name in EXPERTS:
            score = int(np.clip(truth + rng.choice([-1, 0, 0, 0, 1]), 1, 5))
            submit_label(
                project, item_id=item, annotator=name, values={"quality": score, "topic": topic}
            )
        guess = {"quality": int(rng.integers(1, 6)), "topic": TOPICS[int(rng.integers(0, 3))]}
        submit_label(project, item_id=item, annotator="acme@v1", values=guess, origin="judge")
        if judge:
            high = {"quality": min(truth + int(rng.random() < 0.3), 5), "topic": topic}
            submit_label(project, item_id=item, annotator="qa-judge", values=high, origin="judge")
    return project


@pytest.fixture(autouse=True)
def _default_thresholds():
    keep_thresholds(Thresholds())  # the tab keeps thresholds for the session
    yield
    keep_thresholds(Thresholds())


def open_window(qtbot, path: Path) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_file(str(path))
    return window


@pytest.fixture
def built(tmp_path):
    project = build(tmp_path)
    path = project.path
    project.close()
    return path


@pytest.fixture
def window(qtbot, built):
    window = open_window(qtbot, built)
    yield window
    wait_for_jobs()
    window.close()


def alignment_tab(window, qtbot):
    """The judges screen (Ctrl+8) on its Alignment tab, once the tab has its answer."""
    press(window, Qt.Key.Key_8, CTRL)
    qtbot.waitUntil(lambda: "judges" in window.screens)
    screen = window.screen("judges")
    tab = screen.align_tab
    tab.n_boot = N_BOOT
    screen.tabs.setCurrentWidget(tab)
    settled(tab, qtbot)
    window.activateWindow()  # keys go where the focus is: the window must have it
    qtbot.waitUntil(window.isActiveWindow)
    return screen, tab


def settled(tab, qtbot) -> None:
    qtbot.waitUntil(
        lambda: tab.job is None and not tab.debounce.isActive() and tab.result is not None,
        timeout=30_000,
    )


def expected(window, name: str, against: str = "consensus", **thresholds) -> dict[str, str]:
    result = judge_alignment(
        window.project, name, against=against, n_boot=N_BOOT, thresholds=Thresholds(**thresholds)
    )
    return {row.criterion: row.verdict for row in result.criteria}


def test_the_tab_shows_the_cores_verdicts_for_the_screens_judge(window, qtbot):
    screen, tab = alignment_tab(window, qtbot)
    assert screen.judge_name() == "qa-judge" == tab.judge.currentData()
    assert tab.result["settings"]["n_boot"] == N_BOOT
    want = expected(window, "qa-judge")
    assert tab.verdicts() == want
    assert want == {"quality": STANDS_IN, "topic": STANDS_IN}
    assert "human ceiling - 0.05" in tab.thresholds_text.text()
    shown = {tab.judge.itemData(i) for i in range(tab.judge.count())}
    assert {"qa-judge", "acme", "acme@v1"} <= shown
    tab.judge.setCurrentIndex(tab.judge.findData("acme@v1"))  # the imported version guesses
    settled(tab, qtbot)
    assert tab.result["judge"] == "acme@v1"
    assert tab.verdicts() == expected(window, "acme@v1")
    assert set(tab.verdicts().values()) == {"not trusted"}


def test_a_tighter_bias_limit_turns_stands_in_into_assist_only(window, qtbot):
    _, tab = alignment_tab(window, qtbot)
    assert tab.verdicts()["quality"] == STANDS_IN
    bias = tab.result["criteria"][0]["bias"]["mean_difference"]
    assert bias > 0.05  # one point high on some items
    tab.spins["max_bias"].setFocus()
    tab.spins["max_bias"].selectAll()
    QTest.keyClicks(tab.spins["max_bias"], "0.05")
    settled(tab, qtbot)
    qtbot.waitUntil(lambda: tab.result["thresholds"]["max_bias"] == pytest.approx(0.05))
    assert tab.verdicts() == expected(window, "qa-judge", max_bias=0.05)
    assert tab.verdicts()["quality"] == ASSIST_ONLY and tab.verdicts()["topic"] == STANDS_IN
    row = tab.table.findItems("quality", Qt.MatchFlag.MatchExactly)[0].row()
    assert "|bias|" in tab.table.item(row, VERDICT_COLUMN).toolTip()  # the reason, as its tooltip
    assert "<= 0.05" in tab.thresholds_text.text()


def test_enter_on_an_err_row_opens_the_item_in_the_browser(window, qtbot):
    _, tab = alignment_tab(window, qtbot)
    row = tab.table.findItems("quality", Qt.MatchFlag.MatchExactly)[0].row()
    tab.table.setFocus()
    tab.table.selectRow(row)
    detail = tab.detail
    core = judge_alignment(window.project, "qa-judge", n_boot=0).criterion("quality")
    assert detail.errs.rowCount() == len(core.errs) > 0
    assert [detail.errs.item(r, 0).text() for r in range(detail.errs.rowCount())] == [
        e["item"] for e in core.errs
    ]
    confusion = [
        [int(detail.matrix.item(r, c).text().replace("·", "0")) for c in range(5)] for r in range(5)
    ]
    assert confusion == core.confusion
    QTest.keyClick(tab.table, Qt.Key.Key_Return)  # Enter on the criterion: into its errs
    assert detail.errs.hasFocus()
    QTest.keyClick(detail.errs, Qt.Key.Key_Down)
    item = detail.errs.item(1, 0).text()
    QTest.keyClick(detail.errs, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen is window.screens.get("items"))
    browser = window.screen("items")
    assert browser.search.text() == item
    qtbot.waitUntil(lambda: [r.id for r in browser.model.rows] == [item])


def test_against_another_source(window, qtbot):
    _, tab = alignment_tab(window, qtbot)
    tab.against.setCurrentIndex(tab.against.findData("acme"))
    assert tab.progress.isVisibleTo(tab) and "Computing" in tab.status.text()  # off the UI thread
    settled(tab, qtbot)
    assert tab.result["against"] == "acme"
    assert tab.verdicts() == expected(window, "qa-judge", against="acme")


def test_no_shared_items_says_what_to_do(qtbot, tmp_path):
    project = create_project(tmp_path / "bare.annotator", name="Bare")
    publish(project, rubric_from_dict(RUBRIC), note="first")
    add_items(project, [item_from_record({"id": "it-0", "input": "Q?", "output": "A."})])
    add_judge(project, JudgeConfig(name="qa-judge", base_url="http://127.0.0.1:9/v1", model="m"))
    with project.transaction():
        ensure_annotator(project, "ann", ensure_source(project, "experts", "expert"))
    submit_label(project, item_id="it-0", annotator="ann", values={"quality": 3, "topic": "med"})
    path = project.path
    project.close()
    window = open_window(qtbot, path)
    _, tab = alignment_tab(window, qtbot)
    assert tab.table.rowCount() == 0 and tab.empty.isVisible()
    assert "No items labeled by both this judge and the experts yet" in tab.empty.text()
    assert "run the judge on expert-labeled items" in tab.empty.text()
    wait_for_jobs()
    window.close()


def test_imported_judge_labels_are_checked_without_a_configured_judge(qtbot, tmp_path):
    project = build(tmp_path, judge=False)
    path = project.path
    project.close()
    window = open_window(qtbot, path)
    press(window, Qt.Key.Key_8, CTRL)
    qtbot.waitUntil(lambda: "judges" in window.screens)
    screen = window.screen("judges")
    assert screen.list.count() == 0 and screen.right.currentIndex() == 0  # "no judge yet"
    tab = screen.align_tab
    tab.n_boot = N_BOOT
    qtbot.waitUntil(lambda: tab.isVisible())  # under the "no judge yet" banner
    tab.ask(force=True)
    settled(tab, qtbot)
    assert tab.judge.currentData() == "acme"
    assert tab.verdicts() == expected(window, "acme")
    wait_for_jobs()
    window.close()


def test_by_slice_lists_the_groups_and_enter_opens_the_slice(window, qtbot):
    _, tab = alignment_tab(window, qtbot)
    assert not tab.by.isHidden()  # this core splits its rows
    tab.by.setCurrentIndex(tab.by.findData("slice"))
    settled(tab, qtbot)
    assert tab.result["by"] == "slice"
    core = judge_alignment(window.project, "qa-judge", n_boot=N_BOOT, by="slice")
    want = {g["group"]: g["verdict"] for g in core.criterion("quality").groups}
    assert set(want) == {"lang=en", "lang=de"}
    tab.table.selectRow(tab.table.findItems("quality", Qt.MatchFlag.MatchExactly)[0].row())
    groups = tab.detail.group_table
    assert groups.isVisible()
    shown = {
        groups.item(r, 0).text().split("  ")[0]: groups.item(r, 3).text()
        for r in range(groups.rowCount())
    }
    assert shown == want
    row = next(
        r for r in range(groups.rowCount()) if groups.item(r, 0).text().startswith("lang=de")
    )
    assert "tag:lang=de" in groups.item(row, 0).toolTip()
    groups.setFocus()
    groups.setCurrentCell(row, 0)
    QTest.keyClick(groups, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen is window.screens.get("items"))
    browser = window.screen("items")
    assert tuple(browser.tag.currentData()) == ("lang", "de")
    de = {f"it-{i:04d}" for i in range(1, N_ITEMS, 2)}
    qtbot.waitUntil(lambda: {r.id for r in browser.model.rows} == de)


def test_the_controls_are_reached_by_tab_in_order(window, qtbot):
    _, tab = alignment_tab(window, qtbot)
    tab.judge.setFocus()
    seen = [QApplication.focusWidget()]
    for _ in range(10):
        press(window, Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    spins = list(tab.spins.values())
    assert seen[:3] == [tab.judge, tab.against, tab.by]
    assert [w.parent() if w not in spins else w for w in seen[3:7]] == spins  # spin or its edit
    assert seen[7:10] == [tab.controls.defaults_button, tab.refresh_button, tab.table]
    assert seen[10] is tab.detail.errs


def test_the_demo_judges_imported_labels(qtbot):
    window = demo_window(qtbot)
    window.switch_to_lead()
    press(window, Qt.Key.Key_8, CTRL)
    qtbot.waitUntil(lambda: window.current_screen is window.screens.get("judges"))
    tab = window.screen("judges").align_tab
    tab.n_boot = N_BOOT
    qtbot.waitUntil(tab.isVisible)
    tab.ask(force=True)
    settled(tab, qtbot)
    assert tab.judge.currentData() == "judge-acme"
    names = [tab.judge.itemData(i) for i in range(tab.judge.count())]
    assert names == ["judge-acme", "acme-judge@2026-09-30"]
    want = expected(window, "judge-acme")
    assert tab.verdicts() == want and len(want) > 8  # more criteria than rows shown: it scrolls
    wait_for_jobs()
    window.close()

"""The items browser pages rows on demand, filters, searches, and shows full history."""

from __future__ import annotations

import pytest

from annotator.items.items import add_items, item_from_record
from annotator.items.query import ItemFilter, count_items_matching, items_page
from annotator.labels.labels import submit_label
from annotator.revision.publish import publish
from annotator.rubric.yaml_file import rubric_from_dict
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import create_project
from ui.shell.main_window import MainWindow

N_ITEMS = 1234
RUBRIC = {"rubric": "r", "criteria": [{"key": "ok", "kind": "binary", "required": True}]}


@pytest.fixture
def project_path(tmp_path):
    project = create_project(tmp_path / "browse.annotator")
    publish(project, rubric_from_dict(RUBRIC))
    items = [
        item_from_record(
            {
                "id": f"it-{i:05d}",
                "input": f"question number {i}" + (" about zebras" if i % 100 == 0 else ""),
                "output": f"answer {i}",
                "tags": {"domain": "law" if i % 2 else "med"},
            }
        )
        for i in range(N_ITEMS)
    ]
    add_items(project, items)
    with project.transaction():
        alice = ensure_annotator(project, "alice", ensure_source(project, "experts", "expert"))
        bob = ensure_annotator(project, "bob", ensure_source(project, "crowd", "crowd"))
    for i in range(0, 40, 2):
        submit_label(project, item_id=f"it-{i:05d}", annotator=alice, values={"ok": "yes"})
    submit_label(
        project, item_id="it-00003", annotator=bob, status="flagged", note="odd", values={}
    )
    submit_label(project, item_id="it-00000", annotator=alice, values={"ok": "no"})  # an amend
    project.close()
    return tmp_path / "browse.annotator"


def test_core_paging_and_filters(project_path):
    from annotator.store.project import open_project

    with open_project(project_path) as project:
        first = items_page(project, ItemFilter(), limit=500)
        second = items_page(project, ItemFilter(), after_seq=first[-1].seq, limit=500)
        assert len(first) == 500 and second[0].seq == first[-1].seq + 1
        assert count_items_matching(project, ItemFilter(labeled=True)) == 20
        assert count_items_matching(project, ItemFilter(labeled=False)) == N_ITEMS - 20
        assert count_items_matching(project, ItemFilter(text="zebras")) == 13
        assert count_items_matching(project, ItemFilter(tag=("domain", "law"))) == N_ITEMS // 2
        assert count_items_matching(project, ItemFilter(flagged=True)) == 1
        assert count_items_matching(project, ItemFilter(source="crowd")) == 1


def test_browser_fetches_on_demand_and_shows_history(project_path, qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(str(project_path))
    window.show_screen("items")
    browser = window.screen("items")
    model = browser.model
    qtbot.waitUntil(lambda: len(model.rows) == 500, timeout=10_000)
    assert model.canFetchMore(), "only the first page is loaded"
    qtbot.waitUntil(lambda: browser.count.text() == f"{N_ITEMS:,} items", timeout=10_000)
    browser.table.scrollToBottom()  # the view asks for the next page itself
    qtbot.waitUntil(lambda: len(model.rows) >= 1000, timeout=10_000)

    qtbot.keyClicks(browser.search, "zebras")
    qtbot.waitUntil(lambda: browser.count.text() == "13 items", timeout=10_000)
    qtbot.waitUntil(lambda: len(model.rows) == 13, timeout=10_000)

    browser.search.clear()
    browser.flagged.click()
    qtbot.waitUntil(lambda: [r.id for r in model.rows] == ["it-00003"], timeout=10_000)
    browser.flagged.click()
    qtbot.waitUntil(lambda: len(model.rows) == 500, timeout=10_000)

    browser.table.selectRow(0)
    qtbot.waitUntil(lambda: browser.history.rowCount() == 2)
    statuses = [browser.history.item(r, 6).text() for r in range(2)]
    assert statuses == ["superseded", "yes"], "both records, the old one marked superseded"
    window.close()


def test_browser_filters_items_that_need_more_labels(project_path, qtbot):
    from annotator.store.project import open_project

    with open_project(project_path) as project:
        bob = ensure_annotator(project, "bob", ensure_source(project, "crowd", "crowd"))
        submit_label(project, item_id="it-00002", annotator=bob, values={"ok": "yes"})
        expected = count_items_matching(project, ItemFilter(needs_labels=2))
    assert expected == N_ITEMS - 1, "it-00002 alone has two current labels"
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(str(project_path))
    window.show_screen("items")
    browser = window.screen("items")
    browser.labeled.setCurrentIndex(3)
    qtbot.waitUntil(lambda: browser.count.text() == f"{expected:,} items", timeout=10_000)
    window.close()

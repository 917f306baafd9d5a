"""`annotator report` is pseudonymous by default, like the exports: no annotator's name in
any byte of the HTML (alerts, anchor accuracy, the annotator matrices, repeats, flagged
labels, calibration participants), each under their pseudonym; `--real-names` names them.
The dashboard's "Save report…" follows the same default unless its box is ticked."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.calibration import sessions as cal
from annotator.cli import main as cli
from annotator.labels.labels import submit_label
from annotator.store.project import open_project
from tests.support import drift_project
from tests.test_report_html import read_report

FLAG_NOTE = "please look at this one"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("report-names")
    path = drift_project.build(folder)
    with open_project(path) as project:
        cal.create_session(
            project, "Names check", list(drift_project.EXPERTS), ["q-0001", "q-0002"]
        )
        submit_label(
            project,
            item_id="q-0003",
            annotator=drift_project.CROWD[0],
            values={"quality": 3},
            status="flagged",
            note=FLAG_NOTE,
        )
        people = dict(project.rows("SELECT name, pseudonym FROM annotators"))
    return path, people


def _write(path: Path, out: Path, *flags: str) -> str:
    assert cli(["report", str(path), "--out", str(out), "--bootstrap", "0", *flags]) == 0
    return out.read_text(encoding="utf-8")


def test_the_report_is_pseudonymous_by_default(built, tmp_path, capsys):
    path, people = built
    out = tmp_path / "report.html"
    text = _write(path, out)
    assert "pseudonyms" in capsys.readouterr().out
    assert len(people) == 6
    for name in people:
        assert name not in text, f"{name} is in the default report"
    report = read_report(out)
    alerts = {(r["data-kind"], r["data-subject"]) for r in report.tables["alerts"]}
    assert ("anchor_accuracy", people[drift_project.DRIFTER]) in alerts
    assert ("distribution", people[drift_project.JUDGE]) in alerts
    assert people[drift_project.CROWD[0]] in text and FLAG_NOTE in text  # the flagged label
    assert "participants: " + ", ".join(people[p] for p in drift_project.EXPERTS) in text
    assert "annotators by pseudonym" in text


def test_real_names_only_when_asked(built, tmp_path):
    path, people = built
    out = tmp_path / "named.html"
    text = _write(path, out, "--real-names")
    report = read_report(out)
    alerts = {(r["data-kind"], r["data-subject"]) for r in report.tables["alerts"]}
    assert ("anchor_accuracy", drift_project.DRIFTER) in alerts
    assert ("distribution", drift_project.JUDGE) in alerts
    assert "participants: " + ", ".join(drift_project.EXPERTS) in text
    assert drift_project.CROWD[0] in text
    assert not any(pseudonym in text for pseudonym in people.values())
    assert "annotators by name" in text


def test_the_dashboard_saves_a_pseudonymous_report_unless_ticked(
    built, qtbot, tmp_path, monkeypatch
):
    import ui.dashboard.screen as dashboard
    from ui.shell.main_window import MainWindow

    path, people = built
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(str(path))
    screen = window.screen("dashboard")  # built, not shown: nothing computed
    target = {"path": tmp_path / "dash.html"}
    monkeypatch.setattr(
        dashboard.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target["path"]), "")
    )
    assert not screen.report_names.isChecked()
    screen.report_button.click()
    qtbot.waitUntil(lambda: "Report written" in screen.status.text(), timeout=120_000)
    text = target["path"].read_text(encoding="utf-8")
    assert not any(name in text for name in people) and "pseudonyms" in screen.status.text()
    screen.report_names.setChecked(True)
    target["path"] = tmp_path / "named.html"
    screen.report_button.click()
    qtbot.waitUntil(lambda: "real names" in screen.status.text(), timeout=120_000)
    assert drift_project.DRIFTER in target["path"].read_text(encoding="utf-8")
    window.close()

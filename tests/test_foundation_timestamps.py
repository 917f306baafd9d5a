"""Times are stored as UTC ISO 8601 (millisecond precision, 'Z'), whatever shape the
file gave them in: MTurk's 'Sun Nov 14 08:15:05 PST 2021', ISO with an offset, or
naive ISO (taken as UTC). Expected values are computed with the tz database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from annotator.base.clock import normalize_time
from annotator.exchange.label_import import import_labels
from tests.support.foundation import make_project

PACIFIC = ZoneInfo("America/Los_Angeles")


def pacific_to_utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
    local = datetime(year, month, day, hour, minute, second, tzinfo=PACIFIC)
    return local.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun Nov 14 08:15:05 PST 2021", pacific_to_utc(2021, 11, 14, 8, 15, 5)),
        ("Sat Jul 03 23:30:00 PDT 2021", pacific_to_utc(2021, 7, 3, 23, 30, 0)),
        ("Wed Dec 31 20:00:00 PST 2025", pacific_to_utc(2025, 12, 31, 20, 0, 0)),  # next year
        ("2021-11-14T08:15:05-08:00", "2021-11-14T16:15:05.000Z"),
        ("2021-11-14T16:15:05Z", "2021-11-14T16:15:05.000Z"),
        ("2021-11-14 16:15:05", "2021-11-14T16:15:05.000Z"),
        ("2021-11-14T16:15:05.123456+00:00", "2021-11-14T16:15:05.123Z"),
    ],
)
def test_normalize_time(text: str, expected: str) -> None:
    assert normalize_time(text) == expected


def test_the_pst_case_from_the_brief() -> None:
    assert normalize_time("Sun Nov 14 08:15:05 PST 2021") == "2021-11-14T16:15:05.000Z"


@pytest.mark.parametrize("text", ["Sun Nov 14 08:15:05 XYZ 2021", "yesterday", "14/11/2021"])
def test_unreadable_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        normalize_time(text)


def test_mturk_batch_times_cost_and_duration_are_stored_in_utc(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    batch = tmp_path / "Batch_1_batch_results.csv"
    batch.write_text(
        '"HITId","AssignmentId","WorkerId","AssignmentStatus","AcceptTime","SubmitTime",'
        '"WorkTimeInSeconds","Reward","Input.item_id","Answer.quality","Answer.safety",'
        '"Approve","Reject"\n'
        '"H1","A1","W1","Submitted","Sun Nov 14 08:15:05 PST 2021",'
        '"Sun Nov 14 08:15:28 PST 2021","23","$0.04","q1","3","safe"\n'
        '"H2","A2","W2","Approved","Sat Jul 03 23:59:50 PDT 2021",'
        '"Sun Jul 04 00:00:10 PDT 2021","20","$0.05","q2","1","unsafe"\n',
        encoding="utf-8",
    )
    report = import_labels(
        project, batch, source="mturk", kind="crowd", item_column="Input.item_id"
    )
    assert (report.format, report.added) == ("mturk", 2)
    rows = project.rows(
        "SELECT a.name, l.item_id, l.started_at, l.submitted_at, l.duration_s, l.cost, "
        "l.values_json FROM labels l JOIN annotators a ON a.id = l.annotator_id ORDER BY l.id"
    )
    assert [tuple(r) for r in rows] == [
        (
            "W1",
            "q1",
            "2021-11-14T16:15:05.000Z",
            "2021-11-14T16:15:28.000Z",
            23.0,
            0.04,
            '{"quality": 3, "safety": "safe"}',
        ),
        (
            "W2",
            "q2",
            pacific_to_utc(2021, 7, 3, 23, 59, 50),
            pacific_to_utc(2021, 7, 4, 0, 0, 10),
            20.0,
            0.05,
            '{"quality": 1, "safety": "unsafe"}',
        ),
    ]
    project.close()


def test_label_times_with_offsets_are_stored_in_utc(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"item_id": "q1", "annotator": "a", "values": {"quality": 2}, '
        '"started_at": "2024-03-10T01:59:00-08:00", "submitted_at": "2024-03-10T03:01:00-07:00"}\n',
        encoding="utf-8",
    )
    import_labels(project, labels, source="s", kind="expert")
    row = project.row("SELECT started_at, submitted_at FROM labels")
    assert tuple(row) == ("2024-03-10T09:59:00.000Z", "2024-03-10T10:01:00.000Z")
    project.close()

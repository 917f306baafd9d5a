"""A pack handed over is whole, or refused (issue 14).

Whatever happened to the labeler's app (killed mid-write, a `-journal` left
beside the pack), the one `.annpack` file a labeler sends either merges with
every label the app had committed, or is refused by `pack merge` with a message
saying what to ask the labeler for; `pack finish` makes the file whole and says
what to send. Also: an anchor rate of 0 means no anchors, and a merge takes the
project's write lock only for its short final transaction.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from random import Random

import pytest

from annotator.cli import main as cli_main
from annotator.exchange import pack_checks, packs
from annotator.sources.sources import ensure_annotator, ensure_source
from annotator.store.project import open_project
from tests.conftest import REPO
from tests.support.pack_project import dump, label_all, make_lead, raw

KILLS = 50
ASK = ("Ready to send", "annotator pack finish")


def values(person: str, item_id: str) -> dict:
    return {"correct": "no", "topic": "law", "quality": 4}


def says_what_to_ask(text: str, person: str = "Ana") -> bool:
    return all(words in text for words in ASK) and f"Ask {person}" in text


def integrity(path: Path) -> list[str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def pack_uids(path: Path) -> list[str]:
    """The uids of a pack's labels, read without touching the file."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT uid FROM labels")]
    finally:
        conn.close()


def side_files(path: Path) -> list[str]:
    return [s for s in ("-journal", "-wal", "-shm") if Path(f"{path}{s}").exists()]


def leave_journal(path: Path, hot: bool) -> None:
    """A process killed inside a write transaction on the pack: its journal stays.

    `hot`: killed while the changed pages were going into the file (a small cache
    makes SQLite spill them before the commit), so the journal must be rolled back;
    else killed before that (the journal's header is still blank).
    """
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from annotator.exchange.pack_file import connect_pack\n"
        "conn = connect_pack(Path(sys.argv[1]))\n"
        "cache = 1 if sys.argv[2] == 'hot' else -2000\n"
        "conn.execute(f'PRAGMA cache_size = {cache}')\n"
        "conn.execute('BEGIN IMMEDIATE')\n"
        "for i in range(int(sys.argv[3])):\n"
        "    row = (f'crash-{i}', 'x' * 900)\n"
        "    conn.execute('INSERT INTO meta(key, value) VALUES (?, ?)', row)\n"
        "os._exit(9)\n"
    )
    rows = "400" if hot else "1"
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), "hot" if hot else "cold", rows],
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 9
    journal = Path(f"{path}-journal")
    assert journal.exists()
    assert (journal.read_bytes()[:1] != b"\x00") == hot


def labeled_pack(lead, folder: Path, person: str = "Ana") -> Path:
    info = packs.create_pack(lead, person, folder / f"{person}.annpack")
    pack = packs.open_pack(info.path)
    label_all(pack, person, values)
    pack.close()
    return info.path


def break_index(path: Path) -> None:
    """Point `labels_item_annotator` at an empty b-tree (by hand, via writable_schema):
    SQLite's quick check still passes, the full integrity check does not."""
    conn = raw(path)
    conn.execute("CREATE TABLE scratch(item_id, annotator_id)")
    conn.execute("CREATE INDEX scratch_index ON scratch(item_id, annotator_id)")
    roots = dict(
        conn.execute(
            "SELECT name, rootpage FROM sqlite_master "
            "WHERE name IN ('labels_item_annotator', 'scratch_index')"
        ).fetchall()
    )
    conn.execute("PRAGMA writable_schema = ON")
    name, other = "labels_item_annotator", "scratch_index"  # swap their b-trees
    conn.execute("UPDATE sqlite_master SET rootpage = ? WHERE name = ?", (roots[other], name))
    conn.execute("UPDATE sqlite_master SET rootpage = ? WHERE name = ?", (roots[name], other))
    conn.execute("PRAGMA writable_schema = OFF")
    conn.close()
    conn = raw(path)
    conn.execute("DROP TABLE scratch")  # frees the b-tree that holds the real entries
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    conn.close()
    assert "wrong # of entries in index labels_item_annotator" in integrity(path)


# --- killed while labeling -------------------------------------------------------------------


def start_labeler(pack: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.pack_labeler", str(pack)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


class Output:
    """A child's stdout, read as it comes (so a copy knows what was committed before it)."""

    def __init__(self, child: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(child.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for_open(self, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while not self.lines and time.monotonic() < deadline and self.thread.is_alive():
            time.sleep(0.005)
        return self.lines[0] if self.lines else ""

    def committed(self) -> list[str]:
        """Uids the child reported committed (whole lines only: a kill may cut the last)."""
        return [
            line.split()[1]
            for line in list(self.lines)
            if line.startswith("COMMITTED ") and line.endswith("\n")
        ]


def merge_copy(copy: Path, lead_path: Path, must_hold: list[str], figures: Counter) -> None:
    """Merge a copy of the pack into a fresh copy of the lead's project: it merges whole
    (every label in `must_hold` arrives, and the file passes the full integrity check),
    or it is refused with what to ask for, changing nothing."""
    target = shutil.copyfile(lead_path, copy.with_suffix(".annotator"))
    with open_project(target) as project:
        before = project.table_counts()
        try:
            packs.merge_packs(project, [copy])
        except packs.PackError as error:
            assert says_what_to_ask(str(error)), str(error)
            assert "Nothing was changed" in str(error)
            assert project.table_counts() == before
            figures["refused"] += 1
        else:
            assert integrity(copy) == ["ok"], "a merge accepted a file that is not whole"
            uids = {row[0] for row in project.rows("SELECT uid FROM labels")}
            figures["labels lost"] += sum(uid not in uids for uid in must_hold)
            figures["merged"] += 1
    for leftover in (copy, target):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{leftover}{suffix}").unlink(missing_ok=True)


def test_a_pack_copied_after_any_kill_merges_whole_or_is_refused(tmp_path):
    """One child labels in the pack through `open_pack` and the workbench; it is killed
    at a random moment, 50 times. Each time the `.annpack` alone is copied twice: while
    the child writes (what a labeler copying with the app open sends), then after the
    kill, before anything reopens it. Every copy merges with every label reported
    committed before the copy began, or is refused with the message."""
    started = time.perf_counter()
    lead = make_lead(tmp_path, n_items=3000)  # about 2,000 items for Ana
    pack = packs.create_pack(lead, "Ana", tmp_path / "Ana.annpack").path
    lead.close()
    lead_path = tmp_path / "lead.annotator"
    assert not side_files(lead_path)
    copies = tmp_path / "copies"
    copies.mkdir()
    rng = Random(14)
    committed: list[str] = []
    live: Counter[str] = Counter()
    killed: Counter[str] = Counter()
    for kill in range(KILLS):
        child = start_labeler(pack)
        output = Output(child)
        opened = output.wait_for_open()
        if not opened.startswith("OPEN"):
            child.kill()
            raise AssertionError(f"kill {kill}: the pack did not open")
        assert opened.split()[1] == "none", f"kill {kill}: opened with {opened.split()[1]} beside"
        time.sleep(rng.uniform(0.0, 0.2))
        held = committed + output.committed()
        copied_live = shutil.copyfile(pack, copies / f"live-{kill}.annpack")  # while it writes
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        output.thread.join(timeout=30)
        assert not any(line.startswith("DONE") for line in output.lines), "make the pack bigger"
        committed += output.committed()
        journal = Path(f"{pack}-journal")
        killed["journal left"] += journal.exists()
        killed["hot journal"] += journal.exists() and journal.read_bytes()[:1] != b"\x00"
        copied_after = shutil.copyfile(pack, copies / f"kill-{kill}.annpack")  # no -journal
        merge_copy(copied_live, lead_path, held, live)
        merge_copy(copied_after, lead_path, committed, killed)
    print(
        f"\n{KILLS} kills, {len(committed)} labels committed, in "
        f"{time.perf_counter() - started:.1f} s; copies while labeling: {dict(live)}; "
        f"copies after the kill: {dict(killed)}"
    )
    assert live["labels lost"] == killed["labels lost"] == 0
    assert live["merged"] + live["refused"] == killed["merged"] + killed["refused"] == KILLS
    assert len(committed) > KILLS // 2, "the kills came while labeling"

    ready = packs.finish_pack(pack)  # what the labeler does before sending
    assert not side_files(pack) and integrity(pack) == ["ok"]
    assert ready.labels >= len(committed)
    with open_project(lead_path) as project:
        report = packs.merge_packs(project, [pack])
        uids = {row[0] for row in project.rows("SELECT uid FROM labels")}
    assert report.added == ready.labels
    assert set(committed) <= uids


# --- a damaged file at the lead ---------------------------------------------------------------


def test_a_pack_with_a_broken_index_is_refused_and_finish_mends_it(tmp_path):
    lead = make_lead(tmp_path)
    path = labeled_pack(lead, tmp_path)
    break_index(path)
    before_counts, before = lead.table_counts(), dump(lead)
    labels_before = lead.rows("SELECT * FROM labels ORDER BY id")
    with pytest.raises(packs.DamagedPackError) as caught:
        packs.merge_packs(lead, [path])
    text = str(caught.value)
    assert "wrong # of entries in index labels_item_annotator" in text
    assert says_what_to_ask(text) and "Nothing was changed" in text
    assert lead.table_counts() == before_counts and dump(lead) == before
    assert [tuple(r) for r in lead.rows("SELECT * FROM labels ORDER BY id")] == [
        tuple(r) for r in labels_before
    ]

    ready = packs.finish_pack(path)  # the labeler, asked: the index is rebuilt from the rows
    assert ready.repaired and integrity(path) == ["ok"]
    report = packs.merge_packs(lead, [path])
    assert report.added == ready.labels > 0


def test_merge_refuses_a_label_row_the_content_check_rejects(tmp_path):
    lead = make_lead(tmp_path)
    path = labeled_pack(lead, tmp_path)
    conn = raw(path)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in names:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE labels SET values_json = '{\"correct\": ' WHERE id = 2")
    conn.close()
    before = dump(lead)
    with pytest.raises(packs.PackError) as caught:
        packs.merge_packs(lead, [path])
    assert says_what_to_ask(str(caught.value)) and dump(lead) == before


# --- pack finish ----------------------------------------------------------------------------


@pytest.mark.parametrize("hot", [True, False], ids=["hot-journal", "blank-journal"])
def test_pack_finish_on_a_pack_with_a_leftover_journal(tmp_path, capsys, hot):
    lead = make_lead(tmp_path)
    path = labeled_pack(lead, tmp_path)
    leave_journal(path, hot)
    status = cli_main(["pack", "finish", str(path)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert not side_files(path), "one file, nothing beside it"
    assert integrity(path) == ["ok"]
    assert str(path) in out and "Ready to send" in out
    assert "this one file is all" in out and "labels" in out
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    assert conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'crash-%'").fetchone()[0] == 0
    pack_labels = conn.execute("SELECT count(*) FROM labels").fetchone()[0]
    conn.close()
    assert f"{pack_labels} labels" in out
    report = packs.merge_packs(lead, [path])
    assert report.added == pack_labels > 0


def test_pack_finish_json_and_refusals(tmp_path, capsys):
    lead = make_lead(tmp_path)
    path = labeled_pack(lead, tmp_path)
    assert cli_main(["pack", "finish", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["path"] == str(path) and data["bytes"] == path.stat().st_size
    assert data["labels"] > 0 and data["integrity"] == "ok"
    assert cli_main(["pack", "finish", str(lead.path)]) == 2
    assert "not a work pack" in capsys.readouterr().err


def test_opening_a_pack_rolls_its_hot_journal_back(tmp_path):
    lead = make_lead(tmp_path)
    path = labeled_pack(lead, tmp_path)
    leave_journal(path, hot=True)
    pack = packs.open_pack(path)
    try:
        assert not side_files(path), "recovered on open, not at close"
        assert pack.scalar("SELECT count(*) FROM meta WHERE key LIKE 'crash-%'") == 0
    finally:
        pack.close()
    assert not side_files(path) and integrity(path) == ["ok"]


# --- anchor rate 0 ----------------------------------------------------------------------------


def test_an_anchor_rate_of_zero_means_no_anchors(tmp_path, capsys):
    lead = make_lead(tmp_path)
    project = str(lead.path)
    lead.close()
    status = cli_main(
        ["pack", "create", project, "--annotator", "Ana", "--anchor-rate", "0",
         "--out", str(tmp_path / "a.annpack"), "--json"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 0 and "Traceback" not in err, err
    assert '"anchors": 0' in out
    with open_project(project) as lead, lead.transaction():  # no queue settings: rate 0
        ensure_annotator(lead, "Dee", ensure_source(lead, "Dee", "expert"))
    status = cli_main(
        ["pack", "create", project, "--annotator", "Dee", "--items", "it-0001,it-0002",
         "--out", str(tmp_path / "d.annpack")]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 0 and "Traceback" not in err, err


# --- the write lock ---------------------------------------------------------------------------


def test_a_merge_takes_the_write_lock_only_at_the_end(tmp_path, monkeypatch):
    lead = make_lead(tmp_path)
    path = labeled_pack(lead, tmp_path)
    lead_path = lead.path
    real = pack_checks.check_label_values
    seen: list[str] = []

    def while_checking(*args, **kwargs):
        if not seen:
            other = sqlite3.connect(str(lead_path), timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # fails if the merge holds the write lock
                other.execute("ROLLBACK")
                seen.append("free")
            finally:
                other.close()
            with open_project(lead_path) as second:  # and another merge commits meanwhile
                seen.append(f"added {packs.merge_packs(second, [path]).added}")
        return real(*args, **kwargs)

    monkeypatch.setattr(pack_checks, "check_label_values", while_checking)
    pack_labels = len(pack_uids(path))
    before = lead.scalar("SELECT count(*) FROM labels")
    report = packs.merge_packs(lead, [path])
    assert seen == ["free", f"added {pack_labels}"]
    assert (report.added, report.already_merged) == (0, pack_labels)
    assert lead.scalar("SELECT count(*) FROM labels") == before + pack_labels


@pytest.mark.parametrize("cut", [4096, 65536])
def test_a_copy_cut_short_still_names_whose_pack_it_is(tmp_path: Path, cut: int) -> None:
    """SQLite will not open a file cut short at all; the refusal still says whom to ask,
    read from the meta row's bytes."""
    lead = make_lead(tmp_path, n_items=300)
    pack = packs.create_pack(lead, "Ana", tmp_path / "Ana.annpack").path
    data = pack.read_bytes()
    copy = tmp_path / "sent.annpack"
    copy.write_bytes(data[:-cut])
    with pytest.raises(packs.PackError) as refused:
        packs.merge_packs(lead, [copy])
    lead.close()
    assert "cut short" in str(refused.value) and says_what_to_ask(str(refused.value))

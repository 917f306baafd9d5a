"""The committed demo files in resources/demo are valid and match their generator.

The checker here is written independently of the generator's own assertions
(stdlib + PyYAML only), and the corruption tests show it catches bad edits.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"
FILES = (
    "items.jsonl",
    "rubric_v1.yaml",
    "rubric_v2.yaml",
    "annotators.json",
    "labels.jsonl",
    "anchors.jsonl",
)
KINDS = {"binary", "categorical", "ordinal", "multilabel", "numeric", "text", "preference"}
ROLES = {"system", "user", "assistant"}
FIRST_DAY, LAST_DAY, V2_FROM = date(2026, 10, 9), date(2026, 11, 20), date(2026, 11, 7)


@dataclass
class Demo:
    items: list[dict[str, Any]]
    rubrics: dict[int, Any]
    people: dict[str, Any]
    labels: list[dict[str, Any]]
    anchors: list[dict[str, Any]]


def load(folder: Path) -> Demo:
    def jsonl(name: str) -> list[dict[str, Any]]:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    return Demo(
        items=jsonl("items.jsonl"),
        rubrics={
            v: yaml.safe_load((folder / f"rubric_v{v}.yaml").read_text(encoding="utf-8"))
            for v in (1, 2)
        },
        people=json.loads((folder / "annotators.json").read_text(encoding="utf-8")),
        labels=jsonl("labels.jsonl"),
        anchors=jsonl("anchors.jsonl"),
    )


def when(text: str) -> datetime:
    assert text.endswith("Z"), f"{text!r} is not UTC"
    return datetime.fromisoformat(text).astimezone(UTC)


def applies(criterion: dict[str, Any], pairwise: bool) -> bool:
    return criterion["applies_to"] in ("all", "pairwise" if pairwise else "single")


def value_ok(criterion: dict[str, Any], value: Any) -> bool:
    kind = criterion["kind"]
    if kind == "text":
        return isinstance(value, str) and bool(value.strip())
    if kind == "numeric":
        low, high, step = criterion["min"], criterion["max"], criterion["step"]
        number = type(value) in (int, float)
        return number and low <= value <= high and (value - low) % step == 0
    allowed = [option["value"] for option in criterion["options"]]
    if kind == "multilabel":
        return (
            isinstance(value, list)
            and len(set(value)) == len(value)
            and all(v in allowed for v in value)
        )
    if kind == "ordinal" and type(value) is not int:
        return False
    return type(value) is not bool and value in allowed


def values_problems(
    where: str, values: dict[str, Any], rubric: dict[str, Any], pairwise: bool
) -> list[str]:
    criteria = {c["key"]: c for c in rubric["criteria"]}
    out = []
    for key, value in values.items():
        if key not in criteria:
            out.append(f"{where}: unknown criterion {key!r}")
        elif not applies(criteria[key], pairwise):
            out.append(f"{where}: {key!r} does not apply here")
        elif not value_ok(criteria[key], value):
            out.append(f"{where}: bad value {value!r} for {key!r}")
    for key, criterion in criteria.items():
        if criterion["required"] and applies(criterion, pairwise) and key not in values:
            out.append(f"{where}: required {key!r} missing")
    return out


def item_problems(demo: Demo) -> list[str]:
    out = []
    ids = [item["id"] for item in demo.items]
    if len(ids) != 60 or len(set(ids)) != 60:
        out.append("items: need 60 unique ids")
    shapes: Counter[str] = Counter()
    for item in demo.items:
        where = f"item {item['id']}"
        pair = "output_a" in item or "output_b" in item
        if pair and not ("output_a" in item and "output_b" in item and "output" not in item):
            out.append(f"{where}: a pair needs output_a and output_b and no output")
        if not pair and not isinstance(item.get("output"), str):
            out.append(f"{where}: output missing")
        if isinstance(item["input"], list):
            roles = {turn["role"] for turn in item["input"]}
            if not roles <= ROLES or item["input"][-1]["role"] != "user":
                out.append(f"{where}: chat turns must be system/user/assistant ending with user")
        shapes["pair" if pair else "chat" if isinstance(item["input"], list) else "text"] += 1
        meta = item["metadata"]
        for key in ("model", "model_version", "prompt_version", "source", "created_at"):
            if not isinstance(meta.get(key), str):
                out.append(f"{where}: metadata.{key} missing")
        when(meta["created_at"])
        tags = meta["tags"]
        if tags.get("domain") not in ("clinical", "legal", "code") or tags.get(
            "difficulty"
        ) not in ("easy", "hard"):
            out.append(f"{where}: bad tags {tags}")
    if shapes != {"text": 44, "chat": 10, "pair": 6}:
        out.append(f"items: wrong mix {dict(shapes)}")
    domains = Counter(i["metadata"]["tags"]["domain"] for i in demo.items)
    if domains != {"clinical": 20, "legal": 20, "code": 20}:
        out.append(f"items: wrong domains {dict(domains)}")
    return out


def rubric_problems(demo: Demo, pairwise_of: dict[str, bool]) -> list[str]:
    out = []
    for version, rubric in demo.rubrics.items():
        where = f"rubric v{version}"
        if set(rubric) != {"rubric", "guidelines", "criteria"}:
            out.append(f"{where}: top-level keys {sorted(rubric)}")
        if rubric["rubric"] != "Assistant answer review" or "## " not in rubric["guidelines"]:
            out.append(f"{where}: wrong name or guidelines without headings")
        for criterion in rubric["criteria"]:
            at = f"{where} {criterion['key']}"
            if criterion["kind"] not in KINDS or not isinstance(criterion["required"], bool):
                out.append(f"{at}: bad kind or required")
            if criterion["kind"] in ("numeric", "text"):
                if "options" in criterion:
                    out.append(f"{at}: {criterion['kind']} criteria have no options")
            else:
                keys = [o["hotkey"] for o in criterion["options"]]
                if not all(isinstance(k, str) and len(k) == 1 for k in keys):
                    out.append(f"{at}: hotkeys must be single-key text, got {keys}")
                if len(set(map(str, keys))) != len(keys):
                    out.append(f"{at}: duplicate hotkeys {keys}")
            if criterion["kind"] == "ordinal":
                points = [o["value"] for o in criterion["options"]]
                if points != sorted(points) or any(type(p) is not int for p in points):
                    out.append(f"{at}: ordinal points must be increasing integers")
            for example in criterion["examples"]:
                item = example["item"]
                if item not in pairwise_of:
                    out.append(f"{at}: example item {item!r} does not exist")
                elif not applies(criterion, pairwise_of[item]):
                    out.append(f"{at}: example {item!r} is the wrong kind of item")
                elif not value_ok(criterion, example["value"]):
                    out.append(f"{at}: example {item!r} has a bad value")
    v1, v2 = ({c["key"]: c for c in demo.rubrics[v]["criteria"]} for v in (1, 2))
    if set(v1) != {"correctness", "safety", "issues", "verdict", "preference"}:
        out.append(f"rubric v1: criteria {sorted(v1)}")
    if set(v2) != set(v1) | {"confidence", "notes"} or {c["kind"] for c in v2.values()} != KINDS:
        out.append("rubric v2: must add confidence and notes and cover all seven kinds")
    if v1["correctness"]["applies_to"] != "single" or v1["preference"]["applies_to"] != "pairwise":
        out.append("rubric: correctness is for single items, preference for pairs")
    verdicts = [{o["value"]: o["label"] for o in r["verdict"]["options"]} for r in (v1, v2)]
    if set(verdicts[1]) != set(verdicts[0]) | {"escalate"}:
        out.append("rubric v2: verdict must add 'escalate'")
    return out


def label_problems(demo: Demo, items: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    sources = {s["name"]: s for s in demo.people["sources"]}
    people = {}
    for person in demo.people["annotators"]:
        if person["source"] not in sources:
            out.append(f"annotator {person['name']}: unknown source {person['source']!r}")
        else:
            people[person["name"]] = sources[person["source"]]["kind"]
    experts: dict[str, set[str]] = {}
    for n, label in enumerate(demo.labels, start=1):
        where = f"label line {n}"
        item = items.get(label["item_id"])
        kind = people.get(label["annotator"])
        version = label["rubric_version"]
        if item is None or kind is None or version not in demo.rubrics:
            out.append(f"{where}: unknown item, annotator or rubric version")
            continue
        out += values_problems(where, label["values"], demo.rubrics[version], "output_a" in item)
        started, submitted = when(label["started_at"]), when(label["submitted_at"])
        if (submitted - started).total_seconds() != label["duration_s"]:
            out.append(f"{where}: duration_s does not match the timestamps")
        if started <= when(item["metadata"]["created_at"]):
            out.append(f"{where}: labeled before the item was created")
        if not FIRST_DAY <= started.date() <= submitted.date() <= LAST_DAY:
            out.append(f"{where}: outside the six weeks")
        if (version == 2) != (started.date() >= V2_FROM):
            out.append(f"{where}: v2 labels belong to the last two weeks only")
        has_tokens = isinstance(label.get("tokens"), int)
        if has_tokens != (kind == "llm_judge") or ("tokens" in label and not has_tokens):
            out.append(f"{where}: tokens are for LLM-judge labels only, as an integer")
        if kind == "expert":
            experts.setdefault(label["item_id"], set()).add(label["annotator"])
    labeled = {label["item_id"] for label in demo.labels}
    if not 35 <= len(labeled) <= 45 or len(items) - len(labeled) < 15:
        out.append(f"labels: {len(labeled)} items labeled; want about 40, 15+ left for work")
    thin = sorted(i for i in labeled if len(experts.get(i, ())) < 2)
    if thin:
        out.append(f"labels: items with fewer than two experts: {thin}")
    for row in demo.anchors:
        where = f"anchor {row['item_id']}"
        if row["item_id"] in labeled or row["item_id"] not in items:
            out.append(f"{where}: anchors must be existing, unlabeled items")
            continue
        item = items[row["item_id"]]
        out += values_problems(where, row["values"], demo.rubrics[2], "output_a" in item)
    if len(demo.anchors) != 5:
        out.append("anchors: want 5")
    return out


def problems_in(demo: Demo) -> list[str]:
    items = {item["id"]: item for item in demo.items}
    pairwise_of = {item_id: "output_a" in item for item_id, item in items.items()}
    return item_problems(demo) + rubric_problems(demo, pairwise_of) + label_problems(demo, items)


@pytest.fixture(scope="module")
def demo() -> Demo:
    return load(DEMO)


def test_committed_demo_files_are_valid(demo: Demo) -> None:
    assert problems_in(demo) == []


def _label_on(demo: Demo, pairwise: bool, version: int = 1) -> dict[str, Any]:
    pairs = {i["id"] for i in demo.items if "output_a" in i}
    return next(
        label
        for label in demo.labels
        if (label["item_id"] in pairs) == pairwise and label["rubric_version"] == version
    )


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    target[key] = value


CORRUPTIONS = {
    "ordinal off the scale": lambda d: _set(_label_on(d, False)["values"], "correctness", 6),
    "ordinal as text": lambda d: _set(_label_on(d, False)["values"], "correctness", "4"),
    "preference on a single item": lambda d: _set(_label_on(d, False)["values"], "preference", "A"),
    "correctness on a pair": lambda d: _set(_label_on(d, True)["values"], "correctness", 3),
    "required safety missing": lambda d: _label_on(d, False)["values"].pop("safety"),
    "required preference missing": lambda d: _label_on(d, True)["values"].pop("preference"),
    "unknown multilabel option": lambda d: _set(_label_on(d, False)["values"], "issues", ["typo"]),
    "v2 criterion under v1": lambda d: _set(_label_on(d, False)["values"], "confidence", 50),
    "numeric off its step": lambda d: _set(_label_on(d, False, 2)["values"], "confidence", 37),
    "numeric above max": lambda d: _set(_label_on(d, False, 2)["values"], "confidence", 105),
    "escalate under v1": lambda d: _set(_label_on(d, False)["values"], "verdict", "escalate"),
    "tokens on an expert": lambda d: _set(
        next(x for x in d.labels if "tokens" not in x), "tokens", 100
    ),
    "anchor on a labeled item": lambda d: _set(d.anchors[0], "item_id", d.labels[0]["item_id"]),
    "example on a missing item": lambda d: _set(
        d.rubrics[1]["criteria"][0]["examples"][0], "item", "med-999"
    ),
    "duplicate hotkey": lambda d: _set(
        d.rubrics[2]["criteria"][3]["options"][1],
        "hotkey",
        d.rubrics[2]["criteria"][3]["options"][0]["hotkey"],
    ),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_checker_catches_a_bad_edit(demo: Demo, name: str) -> None:
    broken = copy.deepcopy(demo)
    CORRUPTIONS[name](broken)
    assert problems_in(broken), f"the checker missed: {name}"


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("rubric_v1.yaml", 'value: "safe"', 'value: "Safe"'),  # renamed option orphans labels
        ("rubric_v2.yaml", "max: 100", "max: 90"),  # narrowed scale
        ("labels.jsonl", '"correctness": 5', '"correctness": 7'),
        ("anchors.jsonl", '"preference": "A"', '"preference": "a"'),
    ],
)
def test_checker_catches_a_bad_file_edit(tmp_path: Path, name: str, old: str, new: str) -> None:
    for file in FILES:
        shutil.copy(DEMO / file, tmp_path / file)
    path = tmp_path / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert problems_in(load(tmp_path))


def test_committed_files_match_the_generator(tmp_path: Path) -> None:
    """Regenerating gives the committed bytes: nobody hand-edited a generated file."""
    subprocess.run(
        [sys.executable, str(DEMO / "make_demo.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name

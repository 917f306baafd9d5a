"""Write the demo project's source files next to this script (or into --out DIR).

    uv run python resources/demo/make_demo.py

Standard library only, and deterministic: every random draw is seeded by name
(see demo_gen/labels.py), so running it twice gives byte-identical files. The
item texts are hand-written in demo_gen/{clinical,legal,software}.py; this
script assembles them, simulates the labels, validates everything and writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from demo_gen import clinical, legal, software, yamlout  # noqa: E402
from demo_gen.labels import (  # noqa: E402
    ANCHOR_IDS,
    CROWD,
    EXPERTS,
    JUDGE,
    V2_FROM,
    created_at,
    iso,
    simulate,
    truth_values,
)
from demo_gen.model import OLD, Spec  # noqa: E402
from demo_gen.rubrics import rubric  # noqa: E402
from demo_gen.validate import rubric_problems, value_problems  # noqa: E402

SOURCES = [
    {
        "name": "experts",
        "kind": "expert",
        "cost_model": {"type": "per_hour", "amount": 120, "currency": "USD"},
    },
    {
        "name": "crowd",
        "kind": "crowd",
        "cost_model": {"type": "per_label", "amount": 0.4, "currency": "USD"},
    },
    {
        "name": "judge-acme",
        "kind": "llm_judge",
        "model_id": "acme-judge",
        "model_version": "2026-09-30",
        "prompt_version": "judge-v2",
        "params": {"temperature": 0},
        "cost_model": {"type": "per_token", "amount": 0.000002, "currency": "USD"},
    },
]


def all_specs() -> list[Spec]:
    return [*clinical.ITEMS, *legal.ITEMS, *software.ITEMS]


def item_record(spec: Spec) -> dict[str, Any]:
    """One line of items.jsonl."""
    record: dict[str, Any] = {"id": spec.id, "input": spec.input}
    if spec.pairwise:
        record["output_a"], record["output_b"] = spec.output_a, spec.output_b
    else:
        record["output"] = spec.output
    if spec.reference is not None:
        record["reference"] = spec.reference
    if spec.context is not None:
        record["context"] = spec.context
    metadata: dict[str, Any] = {
        "model": spec.model,
        "model_version": spec.model_version,
        "prompt_version": "v3",
        "source": "support-bot-eval",
        "created_at": iso(created_at(spec)),
        "tags": {"domain": spec.domain, "difficulty": spec.difficulty, "language": "en"},
    }
    if spec.pairwise:  # A is the shipped version's answer, B the candidate's
        metadata["compare"] = {
            "a": f"{spec.model}@{OLD}",
            "b": f"{spec.model}@{spec.model_version}",
        }
    record["metadata"] = metadata
    return record


def annotators() -> dict[str, Any]:
    people = [{"name": name, "source": "experts"} for name in EXPERTS]
    people += [{"name": name, "source": "crowd"} for name in CROWD]
    people.append({"name": JUDGE, "source": "judge-acme"})
    return {"sources": SOURCES, "annotators": people}


def anchors(specs: dict[str, Spec]) -> list[dict[str, Any]]:
    return [
        {
            "item_id": item_id,
            "values": truth_values(specs[item_id], 2),
            "rationale": specs[item_id].truth.why,
        }
        for item_id in ANCHOR_IDS
    ]


def check(
    specs: list[Spec],
    rubrics: dict[int, dict[str, Any]],
    labels: list[dict[str, Any]],
    anchor_rows: list[dict[str, Any]],
) -> None:
    """Fail loudly if anything written would not fit the documented formats."""
    by_id = {spec.id: spec for spec in specs}
    assert len(by_id) == len(specs) == 60, "60 items with unique ids"
    assert Counter(s.domain for s in specs) == {"clinical": 20, "legal": 20, "code": 20}
    shapes = Counter("pair" if s.pairwise else "chat" if s.is_chat else "text" for s in specs)
    assert shapes == {"text": 44, "chat": 10, "pair": 6}, shapes
    pairwise_of = {spec.id: spec.pairwise for spec in specs}
    for version, content in rubrics.items():
        problems = rubric_problems(content, pairwise_of)
        assert not problems, f"rubric v{version}: {problems}"
        examples = {e["item"] for c in content["criteria"] for e in c["examples"]}
        assert not examples & set(ANCHOR_IDS), "an anchor's answer must not be a rubric example"
    kinds = {c["kind"] for c in rubrics[2]["criteria"]}
    assert len(kinds) == 7, f"v2 covers every kind, got {sorted(kinds)}"

    people = {a["name"]: a["source"] for a in annotators()["annotators"]}
    experts_on: dict[str, set[str]] = {}
    for n, label in enumerate(labels, start=1):
        where = f"label {n} ({label['item_id']}, {label['annotator']})"
        spec = by_id[label["item_id"]]
        version = label["rubric_version"]
        problems = value_problems(label["values"], rubrics[version], spec.pairwise)
        assert not problems, f"{where}: {problems}"
        started = datetime.fromisoformat(label["started_at"])
        submitted = datetime.fromisoformat(label["submitted_at"])
        assert (submitted - started).total_seconds() == label["duration_s"], where
        assert started > created_at(spec), f"{where}: labeled before the item existed"
        assert (version == 2) == (started.date() >= V2_FROM), f"{where}: wrong rubric version"
        assert ("tokens" in label) == (people[label["annotator"]] == "judge-acme"), where
        if people[label["annotator"]] == "experts":
            experts_on.setdefault(label["item_id"], set()).add(label["annotator"])
    labeled = {label["item_id"] for label in labels}
    assert 35 <= len(labeled) <= 45, f"{len(labeled)} items labeled"
    assert all(len(experts_on.get(i, ())) >= 2 for i in labeled), "2+ experts per labeled item"
    assert sum(label["rubric_version"] == 1 for label in labels) > len(labels) / 2

    assert len(anchor_rows) == 5
    for row in anchor_rows:
        assert row["item_id"] not in labeled, f"anchor {row['item_id']} is labeled"
        problems = value_problems(row["values"], rubrics[2], pairwise_of[row["item_id"]])
        assert not problems, f"anchor {row['item_id']}: {problems}"


def jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def write(out: Path) -> list[Path]:
    specs = all_specs()
    rubrics = {1: rubric(1), 2: rubric(2)}
    labels = simulate(specs)
    anchor_rows = anchors({spec.id: spec for spec in specs})
    check(specs, rubrics, labels, anchor_rows)
    files = {
        "items.jsonl": jsonl([item_record(spec) for spec in specs]),
        "rubric_v1.yaml": yamlout.dump(rubrics[1]),
        "rubric_v2.yaml": yamlout.dump(rubrics[2]),
        "annotators.json": json.dumps(annotators(), indent=2, ensure_ascii=False) + "\n",
        "labels.jsonl": jsonl(labels),
        "anchors.jsonl": jsonl(anchor_rows),
    }
    _check_yaml_round_trip(files, rubrics)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def _check_yaml_round_trip(files: dict[str, str], rubrics: dict[int, dict[str, Any]]) -> None:
    """When PyYAML is around (it is in the project env), the files must parse back exactly."""
    try:
        import yaml
    except ImportError:
        return
    for version, content in rubrics.items():
        parsed = yaml.safe_load(files[f"rubric_v{version}.yaml"])
        assert parsed == content, f"rubric_v{version}.yaml does not parse back to its data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write into")
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build a project from the real DialSummEval data in ../shared (tests only; never copied).

1,400 summaries (100 dialogues x 14 systems), rated 1..5 on four criteria by 3
trained annotators (experts) and by 5 MTurk workers each (crowd, $0.04 a label).
"""

from __future__ import annotations

import json
from pathlib import Path

from annotator.cli import main as cli

CRITERIA = ("coherence", "consistency", "fluency", "relevance")
RUBRIC = """\
rubric: DialSummEval summary quality
guidelines: |
  Rate each summary of a chat dialogue on four aspects, 1 (worst) to 5 (best).
criteria:
""" + "".join(
    f"""  - key: {key}
    title: {key.capitalize()}
    kind: ordinal
    required: true
    options:
"""
    + "".join(f"      - {{value: {v}, label: '{v}', hotkey: '{v}'}}\n" for v in range(1, 6))
    for key in CRITERIA
)


def write_inputs(data: Path, out: Path) -> dict[str, Path]:
    """Convert the expert file into our item and label JSONL formats (in a temp folder)."""
    out.mkdir(parents=True, exist_ok=True)
    items, labels = out / "items.jsonl", out / "expert_labels.jsonl"
    with (
        open(data / "human_judgment.jsonl", encoding="utf-8") as source,
        open(items, "w", encoding="utf-8") as item_file,
        open(labels, "w", encoding="utf-8") as label_file,
    ):
        for line in source:
            record = json.loads(line)
            item_id = f"{record['id']}-{record['model_id']}"
            item = {
                "id": item_id,
                "input": record["dialogue"],
                "output": record["summary"],
                "metadata": {
                    "model": record["model_id"],
                    "source": "dialsummeval",
                    "tags": {"system": record["model_id"], "dialogue": record["id"]},
                },
            }
            item_file.write(json.dumps(item) + "\n")
            for index, values in enumerate(record["annotations"], start=1):
                label = {"item_id": item_id, "annotator": f"expert-{index}", "values": values}
                label_file.write(json.dumps(label) + "\n")
    rubric = out / "rubric.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    return {"items": items, "expert_labels": labels, "rubric": rubric}


def batch_files(data: Path) -> list[Path]:
    return sorted(data.glob("Batch_*_batch_results.csv"))


def build_project(data: Path, out: Path) -> Path:
    """Create the project through the public CLI, as a lead would."""
    inputs = write_inputs(data, out / "inputs")
    project = out / "dialsummeval.annotator"
    steps = [
        ["init", str(project), "--name", "DialSummEval"],
        ["rubric", "publish", str(project), str(inputs["rubric"]), "--note", "DialSummEval"],
        ["import-items", str(project), str(inputs["items"])],
        [
            "import-labels",
            str(project),
            str(inputs["expert_labels"]),
            "--source",
            "experts",
            "--kind",
            "expert",
        ],
        [
            "import-labels",
            str(project),
            *map(str, batch_files(data)),
            "--source",
            "mturk",
            "--kind",
            "crowd",
            "--format",
            "mturk",
            "--map",
            "coherence=Answer.Coherance",
            "--item-map",
            str(data / "hit_items.csv"),
            "--cost-per-label",
            "0.04",
            "--currency",
            "USD",
        ],
    ]
    for step in steps:
        status = cli(step)
        if status != 0:
            raise RuntimeError(f"annotator {' '.join(step)} failed with {status}")
    return project

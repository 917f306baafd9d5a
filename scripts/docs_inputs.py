"""Write the files the user guide's examples work on: the demo project and three inputs.

    uv run python scripts/docs_inputs.py            # into the current folder
    uv run python scripts/docs_inputs.py --out DIR  # or somewhere else

- `demo.annotator`: the demo project, built from `resources/demo/` exactly as
  `annotator demo` builds it in the data folder (a fresh copy each run: run again to
  start over);

and, from `resources/demo/labels.jsonl` (deterministic):

- `judge.jsonl`: the LLM judge's labels, in the JSONL label format;
- `crowd_batch_results.csv`: the crowd's October labels on single items (all made under
  rubric v1) as an MTurk batch results file (`WorkerId`, `AssignmentId`, `Reward`,
  `Input.item_id`, `Answer.*`; the correctness column is named `Answer.correct_1to5`, so
  importing it shows `--map`);
- `ratings.csv`: the experts' correctness scores as a long `item,rater,value` table, for
  `annotator agreement --labels` (agreement on a file, no project).

tests/test_docs.py runs this script before the commands of every page that does.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Sequence
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"
JUDGE = "acme-judge@2026-09-30"
EXPERTS = ("Dr. Maya Chen", "Tomás Ortega", "Aisha Bello")
MTURK_COLUMNS = [
    "HITId",
    "AssignmentId",
    "WorkerId",
    "AssignmentStatus",
    "AcceptTime",
    "SubmitTime",
    "WorkTimeInSeconds",
    "Reward",
    "Input.item_id",
    "Answer.correct_1to5",
    "Answer.safety",
    "Answer.verdict",
]


def demo_labels() -> list[dict]:
    lines = (DEMO / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def write_project(out: Path) -> Path:
    """The demo project as `demo.annotator` in `out`, replacing any file there."""
    # lazy: the input files need only the standard library
    from annotator.demo import build_demo

    build_demo(out.resolve() / "demo.annotator")
    return out / "demo.annotator"


def write_inputs(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    labels = demo_labels()
    judge = out / "judge.jsonl"
    judge.write_text(
        "".join(
            json.dumps(r, ensure_ascii=False) + "\n" for r in labels if r["annotator"] == JUDGE
        ),
        encoding="utf-8",
    )
    batch = out / "crowd_batch_results.csv"
    with open(batch, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MTURK_COLUMNS)
        writer.writeheader()
        crowd = [
            r
            for r in labels
            if r["annotator"].startswith("crowd-")
            and r["rubric_version"] == 1
            and "correctness" in r["values"]
        ]
        for number, record in enumerate(crowd):
            values = record["values"]
            writer.writerow(
                {
                    "HITId": f"HIT{record['item_id']}",
                    "AssignmentId": f"ASSIGN{number:04d}",
                    "WorkerId": record["annotator"],
                    "AssignmentStatus": "Approved",
                    "AcceptTime": record["started_at"],
                    "SubmitTime": record["submitted_at"],
                    "WorkTimeInSeconds": record["duration_s"],
                    "Reward": "$0.40",
                    "Input.item_id": record["item_id"],
                    "Answer.correct_1to5": values["correctness"],
                    "Answer.safety": values["safety"],
                    "Answer.verdict": values["verdict"],
                }
            )
    ratings = out / "ratings.csv"
    with open(ratings, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "rater", "value"])
        for record in labels:
            if record["annotator"] in EXPERTS and "correctness" in record["values"]:
                writer.writerow(
                    [record["item_id"], record["annotator"], record["values"]["correctness"]]
                )
    return [judge, batch, ratings]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    out = parser.parse_args(argv).out
    for path in [*write_inputs(out), write_project(out)]:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

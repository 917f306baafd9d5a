"""Reading the raw DialSummEval files with csv/json only (never through the project), and
the `krippendorff` package's alpha on them: the oracle for the agreement, dashboard and
report tests on real data."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import krippendorff
import numpy as np

SCALE = [1, 2, 3, 4, 5]
CROWD_COLUMNS = {
    "coherence": "Answer.Coherance",
    "consistency": "Answer.Consistency",
    "fluency": "Answer.Fluency",
    "relevance": "Answer.Relevance",
}


def read_raw(data: Path) -> dict[str, dict[str, dict[str, list[int]]]]:
    """criterion -> {"experts"|"crowd": {item_id: [labels]}}."""
    out: dict[str, dict[str, dict[str, list[int]]]] = {
        key: {"experts": {}, "crowd": {}} for key in CROWD_COLUMNS
    }
    with open(data / "human_judgment.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            item = f"{record['id']}-{record['model_id']}"
            for key in CROWD_COLUMNS:
                out[key]["experts"][item] = [a[key] for a in record["annotations"]]
    with open(data / "hit_items.csv", encoding="utf-8") as handle:
        item_of = {row["HITId"]: row["item_id"] for row in csv.DictReader(handle)}
    for path in sorted(data.glob("Batch_*_batch_results.csv")):
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                item = item_of[row["HITId"]]
                for key, column in CROWD_COLUMNS.items():
                    out[key]["crowd"].setdefault(item, []).append(int(row[column]))
    return out


def alpha_from_labels(by_item: dict[str, list[int]]) -> float:
    """Ordinal alpha over the 1..5 scale from each item's labels."""
    counts = np.array([[labels.count(v) for v in SCALE] for labels in by_item.values()])
    return krippendorff.alpha(
        value_counts=counts, value_domain=SCALE, level_of_measurement="ordinal"
    )


def pairs_alpha(pairs: list[tuple[float, float]]) -> float:
    return krippendorff.alpha(
        reliability_data=np.array(pairs, dtype=float).T,
        value_domain=SCALE,
        level_of_measurement="ordinal",
    )


def crowd_vs_expert_alpha(raw: dict, key: str) -> float:
    """Each crowd label against the median of its item's three expert labels."""
    median = {item: statistics.median(labels) for item, labels in raw[key]["experts"].items()}
    return pairs_alpha([(median[i], v) for i, labels in raw[key]["crowd"].items() for v in labels])

"""Simulated labels: three experts, three crowd workers and one LLM judge over six weeks.

Each label starts from the item's `Truth` and adds the noise of its source:
experts mostly agree within one point, the crowd is noisier (and one worker,
crowd-e04b, gets sloppier week by week), the judge is lenient and calls too
much "ship", and on pairs leans toward answer A. Every random draw comes from
a generator seeded by the draw's own name, so editing one item leaves the
other items' labels unchanged.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from demo_gen.model import OLD, Spec

SEED = "annotator-demo-2026"
START = date(2026, 10, 10)
END = date(2026, 11, 20)
V2_FROM = date(2026, 11, 7)

EXPERTS = ("Dr. Maya Chen", "Tomás Ortega", "Aisha Bello")
CROWD = ("crowd-7f3a", "crowd-2c91", "crowd-e04b")
JUDGE = "acme-judge@2026-09-30"
DRIFTING = "crowd-e04b"

ANCHOR_IDS = ("med-013", "med-017", "law-014", "code-003", "code-018")
SPARE_IDS = (
    "med-006",
    "med-009",
    "med-010",
    "med-020",
    "law-010",
    "law-011",
    "law-012",
    "law-017",
    "law-020",
    "code-009",
    "code-011",
    "code-012",
    "code-014",
    "code-015",
    "code-017",
)
"""Items left unlabeled (besides the anchors) so a new annotator has work."""

ISSUES = ("hallucination", "outdated", "unsafe_advice", "incomplete", "off_topic")
KEY_ORDER = ("correctness", "safety", "issues", "verdict", "preference", "confidence", "notes")
EXPERT_HOURS = {"Dr. Maya Chen": (15, 20), "Tomás Ortega": (7, 11), "Aisha Bello": (9, 14)}

CROWD_NOTES = {
    "high": ("looks correct", "good answer", "seems fine to me", "answers the question"),
    "mid": ("partly right", "not sure about the details", "some parts unclear"),
    "low": ("wrong info", "doesn't really answer", "seems wrong", "bad advice"),
}
EXPERT_NOTES = (
    "Worth a question at the next calibration session.",
    "Borderline between two scale points for me.",
    "Reference answer looks right.",
    "Would like a second reviewer on this one.",
)
JUDGE_SUMMARY = {
    5: "The response is accurate, complete and well organised.",
    4: "The response is largely accurate with minor omissions.",
    3: "The response is partly accurate but contains an error.",
    2: "The response contains significant factual errors.",
    1: "The response is incorrect.",
}


def rng_for(*parts: str) -> random.Random:
    """A generator seeded by name: deterministic and independent of other draws."""
    return random.Random(":".join((SEED, *parts)))


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def created_at(spec: Spec) -> datetime:
    """When the eval run produced the item: before any label, by model version."""
    rng = rng_for(spec.id, "created")
    first, days = (date(2026, 9, 1), 35) if spec.model_version == OLD else (date(2026, 10, 16), 7)
    day = first + timedelta(days=rng.randrange(days))
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        seconds=rng.randrange(86400)
    )


def truth_verdict(spec: Spec, version: int) -> str:
    """The right verdict under a rubric version (v2 escalates unsafe clinical/legal answers)."""
    truth = spec.truth
    if (
        version >= 2
        and not spec.pairwise
        and truth.safety == "unsafe"
        and spec.domain in ("clinical", "legal")
    ):
        return "escalate"
    return truth.verdict


def truth_values(spec: Spec, version: int) -> dict[str, Any]:
    """What a careful reviewer enters for the item (anchors and rubric examples use this)."""
    values: dict[str, Any] = {}
    if spec.pairwise:
        values["preference"] = spec.truth.preference
    else:
        values["correctness"] = spec.truth.correctness
    values["safety"] = spec.truth.safety
    values["issues"] = list(spec.truth.issues)
    values["verdict"] = truth_verdict(spec, version)
    return _ordered(values)


def simulate(specs: list[Spec]) -> list[dict[str, Any]]:
    """Every label, ordered by submit time."""
    skip = set(ANCHOR_IDS) | set(SPARE_IDS)
    tasks: dict[tuple[str, date], list[Spec]] = {}
    for spec in specs:
        if spec.id in skip:
            continue
        for person, day in _assignments(spec):
            tasks.setdefault((person, day), []).append(spec)
    labels = []
    for (person, day), batch in sorted(tasks.items()):
        labels.extend(_session(person, day, sorted(batch, key=lambda s: s.id)))
    labels.sort(key=lambda label: (label["submitted_at"], label["annotator"]))
    return labels


def _assignments(spec: Spec) -> list[tuple[str, date]]:
    rng = rng_for(spec.id, "assign")
    earliest = max(START, created_at(spec).date() + timedelta(days=1))
    latest = END - timedelta(days=2)
    batch = earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))
    people = list(rng.sample(EXPERTS, 3 if rng.random() < 0.6 else 2))
    if rng.random() < 0.5:
        people += rng.sample(CROWD, rng.choice((2, 3)))
    out = []
    for person in people:
        day = min(END, batch + timedelta(days=rng.randrange(3)))
        if person in EXPERTS and day.weekday() >= 5:  # experts work weekdays
            day += timedelta(days=7 - day.weekday())
        out.append((person, day))
    if rng.random() < 0.6:
        out.append((JUDGE, batch))  # the judge runs nightly on new work
    return out


def _session(person: str, day: date, batch: list[Spec]) -> list[dict[str, Any]]:
    """One sitting: labels back to back from a start time typical for the person."""
    rng = rng_for(person, day.isoformat(), "session")
    version = 2 if day >= V2_FROM else 1
    if person == JUDGE:
        hour, gap = 2, (1, 3)
    elif person in EXPERTS:
        low, high = EXPERT_HOURS[person]
        hour, gap = rng.randint(low, high), (10, 90)
    else:
        hour, gap = rng.randint(0, 21), (3, 20)
    cursor = datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(
        seconds=rng.randrange(1800)
    )
    out = []
    for spec in batch:
        label = _label(person, day, version, spec)
        cursor += timedelta(seconds=rng.randint(*gap))
        label["started_at"] = iso(cursor)
        cursor += timedelta(seconds=label["duration_s"])
        label["submitted_at"] = iso(cursor)
        out.append(label)
    return out


def _label(person: str, day: date, version: int, spec: Spec) -> dict[str, Any]:
    rng = rng_for(spec.id, person, "label")
    if person == JUDGE:
        values, rationale = _judge(spec, version, rng)
    elif person in EXPERTS:
        values, rationale = _expert(spec, person, version, rng)
    else:
        week = (day - START).days // 7
        values, rationale = _crowd(spec, person, version, rng, week)
    label: dict[str, Any] = {
        "item_id": spec.id,
        "annotator": person,
        "rubric_version": version,
        "values": _ordered(values),
        "rationale": rationale,
        "started_at": "",
        "submitted_at": "",
        "duration_s": 0,
    }
    length = spec.text_length()
    if person == JUDGE:
        tokens = 1150 + length // 4 + rng.randint(120, 320)
        label["duration_s"] = 2 + tokens // 450 + rng.randint(0, 3)
        label["tokens"] = tokens
    elif person in EXPERTS:
        base = (45 + length / 12) * (1.4 if spec.difficulty == "hard" else 1.0)
        slow = 1.2 if person == "Dr. Maya Chen" else 1.0
        label["duration_s"] = max(20, round(base * slow * math.exp(rng.gauss(0, 0.3))))
    else:
        label["duration_s"] = max(8, round((12 + length / 30) * math.exp(rng.gauss(0, 0.4))))
    return label


def _ordered(values: dict[str, Any]) -> dict[str, Any]:
    return {key: values[key] for key in KEY_ORDER if key in values}


def _step(value: int, rng: random.Random, p_exact: float, p_one: float, lean: float = 0.5) -> int:
    """Move a 1-5 score: unchanged, one point (up with probability `lean`) or two points."""
    draw = rng.random()
    if draw < p_exact:
        return value
    size = 1 if draw < p_exact + p_one else 2
    direction = 1 if rng.random() < lean else -1
    return min(5, max(1, value + direction * size))


def _flip_pref(truth: str, rng: random.Random, p_keep: float, p_tie: float) -> str:
    draw = rng.random()
    if draw < p_keep:
        return truth
    if draw < p_keep + p_tie and truth != "tie":
        return "tie"
    return rng.choice([p for p in ("A", "B", "tie") if p != truth])


def _rule_verdict(score: int, rng: random.Random) -> str:
    if score >= 4:
        return "ship"
    if score == 3:
        return "revise"
    if score == 2:
        return "revise" if rng.random() < 0.4 else "reject"
    return "reject"


def _expert(
    spec: Spec, person: str, version: int, rng: random.Random
) -> tuple[dict[str, Any], str]:
    truth, values = spec.truth, {}
    lean = {"Dr. Maya Chen": 0.3, "Tomás Ortega": 0.7}.get(person, 0.5)  # strict / lenient
    agrees = True
    if spec.pairwise:
        values["preference"] = _flip_pref(truth.preference or "tie", rng, 0.85, 0.1)
        agrees = values["preference"] == truth.preference
    else:
        assert truth.correctness is not None
        values["correctness"] = _step(truth.correctness, rng, 0.7, 0.3, lean)
        agrees = values["correctness"] == truth.correctness
    unsafe = truth.safety == "unsafe"
    values["safety"] = "unsafe" if rng.random() < (0.93 if unsafe else 0.03) else "safe"
    issues = [i for i in truth.issues if rng.random() < 0.85]
    issues += [i for i in ISSUES if i not in truth.issues and rng.random() < 0.04]
    values["issues"] = issues
    if values["safety"] == truth.safety and agrees:
        verdict = truth_verdict(spec, version)
        if rng.random() < 0.08 and verdict in ("ship", "reject"):
            verdict = "revise"
    elif values["safety"] == "unsafe" and not spec.pairwise:
        escalate = version >= 2 and spec.domain != "code"
        verdict = "escalate" if escalate else "reject"
    elif spec.pairwise:
        verdict = truth.verdict
    else:
        verdict = _rule_verdict(values["correctness"], rng)
    values["verdict"] = verdict
    if version >= 2:
        if rng.random() < 0.85:
            center = (85 if spec.difficulty == "easy" else 72) - (0 if agrees else 10)
            values["confidence"] = _round5(rng.gauss(center, 8), 40, 100)
        if rng.random() < 0.15:
            values["notes"] = rng.choice(EXPERT_NOTES)
    return values, _expert_rationale(spec, person, values, rng)


def _expert_rationale(spec: Spec, person: str, values: dict[str, Any], rng: random.Random) -> str:
    """The item's reason when the expert agrees with it, else a reason for their own call."""
    truth = spec.truth
    if spec.pairwise and values["preference"] != truth.preference:
        if values["preference"] == "tie":
            return "Close call; neither answer is clearly better for the user."
        return (
            f"I preferred {values['preference']}: it reads better for the user, despite its gaps."
        )
    if not spec.pairwise and values["correctness"] != truth.correctness:
        assert truth.correctness is not None
        if values["correctness"] > truth.correctness:
            if truth.correctness <= 2:
                return "Wrong on the main point, though parts of it are usable."
            return rng.choice(
                (
                    "The error is real but minor in practice for this user.",
                    "Acceptable as a first answer; the gap is small.",
                )
            )
        if truth.correctness >= 4:
            return "Correct, but I'd want more before sending this to a user."
        return "Worse than it looks: a user could easily be misled."
    if person == "Tomás Ortega":  # terse: the first clause only
        return truth.why.split(";")[0].split(", so ")[0].rstrip(".") + "."
    if person == "Aisha Bello" and spec.reference and rng.random() < 0.5:
        return truth.why.rstrip(".") + " (checked against the reference)."
    return truth.why


def _crowd(
    spec: Spec, person: str, version: int, rng: random.Random, week: int
) -> tuple[dict[str, Any], str]:
    truth, values = spec.truth, {}
    drift = 0.06 * week if person == DRIFTING else 0.0
    if spec.pairwise:
        values["preference"] = _flip_pref(truth.preference or "tie", rng, 0.65 - drift, 0.15)
        score = 4 if values["preference"] == truth.preference else 3
    else:
        assert truth.correctness is not None
        score = _step(truth.correctness, rng, 0.45 - drift, 0.4, 0.6)
        values["correctness"] = score
    unsafe = truth.safety == "unsafe"
    values["safety"] = "unsafe" if rng.random() < (0.7 if unsafe else 0.06) else "safe"
    issues = [i for i in truth.issues if rng.random() < 0.5]
    issues += [i for i in ISSUES if i not in truth.issues and rng.random() < 0.08 + drift / 2]
    if issues:
        values["issues"] = issues
    if spec.pairwise:
        values["verdict"] = truth.verdict if rng.random() < 0.7 else "revise"
    elif values["safety"] == "unsafe":
        values["verdict"] = "reject"
    else:
        values["verdict"] = _rule_verdict(score, rng) if rng.random() < 0.85 else "revise"
    if version >= 2 and rng.random() < 0.5:
        values["confidence"] = _round5(rng.gauss(80, 12), 30, 100)
    band = "high" if score >= 4 else "mid" if score == 3 else "low"
    return values, rng.choice(CROWD_NOTES[band])


def _judge(spec: Spec, version: int, rng: random.Random) -> tuple[dict[str, Any], str]:
    truth, values = spec.truth, {}
    if spec.pairwise:
        keep = rng.random() < 0.75
        values["preference"] = truth.preference if keep else "A"  # position bias
        chosen = values["preference"]
        score = 5
        summary = (
            "The two responses are comparable in accuracy and clarity."
            if chosen == "tie"
            else f"Response {chosen} is more accurate and better organised."
        )
    else:
        assert truth.correctness is not None
        score = min(5, truth.correctness + (1 if rng.random() < 0.55 else 0))
        values["correctness"] = score
        summary = JUDGE_SUMMARY[score]
    unsafe = truth.safety == "unsafe"
    values["safety"] = "unsafe" if rng.random() < (0.7 if unsafe else 0.02) else "safe"
    values["issues"] = [i for i in truth.issues if rng.random() < 0.6]
    if spec.pairwise:
        values["verdict"] = "ship"
    elif values["safety"] == "unsafe":
        values["verdict"] = "reject"
    elif score >= 3:
        values["verdict"] = "ship" if score >= 4 or rng.random() < 0.6 else "revise"
    else:
        values["verdict"] = "revise" if rng.random() < 0.5 else "reject"
    if version >= 2:
        values["confidence"] = rng.choice((90, 95, 95))
    safety = (
        " Safety concern: the advice could cause harm."
        if values["safety"] == "unsafe"
        else " No safety concerns."
    )
    return values, summary + safety


def _round5(value: float, low: int, high: int) -> int:
    return int(min(high, max(low, 5 * round(value / 5))))

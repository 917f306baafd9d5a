"""What the Alignment tab asks the core: the background job, the choices of judge and
reference, the thresholds kept for the session, and what to say when nothing is shared.

The tab works on `Alignment.to_dict()` (plain data) rather than the dataclasses; how it
words and colours that data is `ui.judges.align_cells`.
"""

from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from annotator.judges.align import Thresholds, judge_alignment
from annotator.labels.data import load_names
from annotator.labels.reference import EXPERT
from annotator.stats.defaults import N_BOOT
from annotator.store.project import Project, open_reader

CONSENSUS, EXPERTS = "consensus", "experts"
BY_CHOICES = (  # (shown, the core's `by`)
    ("No grouping", None),
    ("By slice", "slice"),
    ("By week", "week"),
    ("By rubric version", "rubric-version"),
)

# Thresholds set on the tab, kept while the app runs (the user settings file has no
# place for them; a new session starts from the core's defaults).
_session: dict[str, float] = {}


def session_thresholds() -> Thresholds:
    return Thresholds(**_session) if _session else Thresholds()


def keep_thresholds(thresholds: Thresholds) -> None:
    _session.clear()
    _session.update(asdict(thresholds))


def accepts_by() -> bool:
    """Whether this core's `judge_alignment` groups its rows (`by=`)."""
    return "by" in inspect.signature(judge_alignment).parameters


@dataclass(frozen=True)
class Question:
    """One computation the tab asks for; equal questions on unchanged labels are not
    asked twice."""

    judge: str
    against: str
    thresholds: Thresholds
    by: str | None
    n_boot: int = N_BOOT
    stamp: int = 0


def compute(path: Path, question: Question) -> dict[str, Any]:
    """The job: its own reader connection; the result as plain data."""
    extra: dict[str, Any] = {"by": question.by} if question.by and accepts_by() else {}
    with open_reader(path) as project:
        result = judge_alignment(
            project,
            question.judge,
            against=question.against,
            n_boot=question.n_boot,
            thresholds=question.thresholds,
            **extra,
        )
        return result.to_dict()


# -- choices ------------------------------------------------------------------------------


def judge_choices(project: Project, configured: list[str]) -> list[tuple[str, str]]:
    """(shown, name) for every judge `judge align` accepts: configured judges first, then
    label sources of kind llm_judge, then judge-version annotators (imported labels)."""
    names = load_names(project)
    judges = {i: n for i, n in names.sources.items() if names.source_kinds[i] == "llm_judge"}
    out = [(name, name) for name in configured]
    seen = set(configured)
    for name in sorted(judges.values()):
        if name not in seen:
            out.append((f"{name} (imported labels)", name))
            seen.add(name)
    for person, source in sorted(
        names.annotator_source.items(), key=lambda p: names.annotators[p[0]]
    ):
        name = names.annotators[person]
        if source in judges and name not in seen:
            out.append((f"{name} (version of {judges[source]})", name))
            seen.add(name)
    return out


def reference_choices(project: Project, judge: str | None) -> list[tuple[str, str]]:
    """(shown, against): the expert consensus, the experts alone, then any other source."""
    names = load_names(project)
    own = {judge}
    for person, source in names.annotator_source.items():
        if names.annotators[person] == judge:
            own.add(names.sources[source])
    out = [
        ("Expert consensus (adjudicated first)", CONSENSUS),
        ("Experts' labels only", EXPERTS),
    ]
    for i, name in sorted(names.sources.items(), key=lambda s: s[1]):
        if name not in own:
            out.append((f"Source: {name} ({names.source_kinds[i]})", name))
    return out


def has_experts(project: Project) -> bool:
    return EXPERT in load_names(project).source_kinds.values()


def empty_text(against: str, has_expert: bool) -> str:
    """What to do when the judge and the reference share no item."""
    if against in (CONSENSUS, EXPERTS) and not has_expert:
        return (
            "No expert labels in this project yet: the judge is compared with the experts. "
            "Have experts label some items, or pick another source as the reference."
        )
    who = "the experts" if against in (CONSENSUS, EXPERTS) else against
    return f"No items labeled by both this judge and {who} yet: run the judge on " + (
        "expert-labeled items." if who == "the experts" else f"items {who} labeled."
    )


__all__ = [
    "BY_CHOICES",
    "CONSENSUS",
    "EXPERTS",
    "Question",
    "accepts_by",
    "compute",
    "empty_text",
    "has_experts",
    "judge_choices",
    "keep_thresholds",
    "reference_choices",
    "session_thresholds",
]

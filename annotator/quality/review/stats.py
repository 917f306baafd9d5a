"""Assisted review, measured: per annotator (and per queue: the live queue or work
packs) how often they accept suggestions, how they do on decoys, how they agree with
the experts with and without a suggestion, and how long they dwell on each.

Read from the tables only (`labels`, `review_suggestions`, `review_decoys`, anchors
and adjudications), so it runs on any project. Counted: submitted human labels
(every record, amendments included: each is an act of review); a label with no
`review_suggestions` row, or one with `visible = 0`, was made without a suggestion.
The expert answer of an item is its active anchor's reference, else the lead's
current adjudications; a decoy uses the answer frozen in its plan. The alert rules
are in :mod:`annotator.quality.review.rules`.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from annotator.labels.data import load_names
from annotator.quality.alerts import Alert
from annotator.quality.review.rules import (
    ReviewSettings,
    agreement_test,
    chance_of,
    decoy_scan,
)
from annotator.store.project import Project

QUEUES = ("app", "pack")


@dataclass
class Seen:
    """One submitted label and what was beside it."""

    label_id: int
    annotator_id: int
    item_id: str
    values: dict[str, Any]
    duration_s: float | None
    submitted_at: str
    shown: dict[str, Any] | None  # the suggestion's values (None: no suggestion visible)
    via: str | None
    decoy_expert: dict[str, Any] | None  # set for a decoy: the expert answer it hid


def expert_answers(project: Project) -> dict[str, dict[str, Any]]:
    """Item -> criterion -> expert value (active anchors first, then adjudications)."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in project.rows("SELECT item_id, criterion, value_json FROM current_adjudications"):
        out[row[0]][row[1]] = json.loads(row[2])
    for row in project.rows("SELECT item_id, reference FROM anchors WHERE status = 'active'"):
        out[row[0]] = json.loads(row[1])
    return dict(out)


def load_seen(project: Project) -> list[Seen]:
    rows = project.rows(
        "SELECT l.id, l.annotator_id, l.item_id, l.values_json, l.duration_s, l.submitted_at, "
        "s.visible, s.values_json AS shown_json, s.via, d.expert_json "
        "FROM labels l JOIN sources src ON src.id = l.source_id "
        "LEFT JOIN review_suggestions s ON s.label_id = l.id "
        "LEFT JOIN review_decoys d ON d.id = s.decoy_id "
        "WHERE l.status = 'submitted' AND src.kind != 'llm_judge' ORDER BY l.id"
    )
    out = []
    for r in rows:
        visible = bool(r["visible"])
        out.append(
            Seen(
                r["id"], r["annotator_id"], r["item_id"], json.loads(r["values_json"]),
                r["duration_s"], r["submitted_at"],
                json.loads(r["shown_json"]) if visible and r["shown_json"] else None,
                r["via"] if visible else None,
                json.loads(r["expert_json"]) if r["expert_json"] else None,
            )
        )  # fmt: skip
    return out


@dataclass
class Tally:
    agree: int = 0
    n: int = 0

    def add(self, ok: bool) -> None:
        self.agree += int(ok)
        self.n += 1

    @property
    def rate(self) -> float | None:
        return self.agree / self.n if self.n else None

    def pair(self) -> tuple[int, int]:
        return (self.agree, self.n)


@dataclass
class Person:
    labels: int = 0
    assisted: int = 0
    accepted_pairs: Tally = field(default_factory=Tally)
    accepted_all: int = 0
    decoys: list[tuple[Seen, bool, list[str]]] = field(default_factory=list)
    decoy_expert: Tally = field(default_factory=Tally)
    expert: dict[tuple[str, bool], Tally] = field(default_factory=lambda: defaultdict(Tally))
    dwell: dict[bool, list[float]] = field(default_factory=lambda: {True: [], False: []})
    queues: dict[str, dict[str, int]] = field(default_factory=dict)


def _wrong_keys(shown: dict[str, Any], expert: dict[str, Any]) -> list[str]:
    return sorted(k for k in expert if k in shown and shown[k] != expert[k])


def tally(seen: list[Seen], experts: dict[str, dict[str, Any]]) -> dict[int, Person]:
    people: dict[int, Person] = defaultdict(Person)
    for s in seen:
        p = people[s.annotator_id]
        p.labels += 1
        assisted = s.shown is not None
        if s.duration_s is not None:
            p.dwell[assisted].append(float(s.duration_s))
        expert = s.decoy_expert if s.decoy_expert is not None else experts.get(s.item_id, {})
        for key, value in expert.items():
            if key in s.values:
                p.expert[(key, assisted)].add(s.values[key] == value)
        if not assisted:
            continue
        p.assisted += 1
        queue = p.queues.setdefault(s.via or "app", {"assisted": 0, "decoys": 0, "accepted": 0})
        queue["assisted"] += 1
        shared = [k for k in s.shown if k in s.values]
        for key in shared:
            p.accepted_pairs.add(s.values[key] == s.shown[key])
        p.accepted_all += int(bool(shared) and all(s.values[k] == s.shown[k] for k in shared))
        if s.decoy_expert is not None:
            wrong = _wrong_keys(s.shown, s.decoy_expert)
            taken = bool(wrong) and all(s.values.get(k) == s.shown[k] for k in wrong)
            p.decoys.append((s, taken, wrong))
            queue["decoys"] += 1
            queue["accepted"] += int(taken)
            for key, value in s.decoy_expert.items():
                if key in s.values:
                    p.decoy_expert.add(s.values[key] == value)
    return dict(people)


def _chances(person: Person, team: dict[str, Tally], settings: ReviewSettings) -> list[float]:
    """Per decoy, the most often an independent labeler like this one accepts it."""
    out = []
    for _seen, _taken, wrong in person.decoys:
        bounds = []
        for key in wrong:
            own = person.expert.get((key, False), Tally())
            pooled = team.get(key, Tally())
            if own.n >= settings.min_unassisted:
                bounds.append(chance_of(own.agree, own.n))
            elif pooled.n >= settings.min_unassisted:
                bounds.append(chance_of(pooled.agree, pooled.n))
            else:
                bounds.append(settings.fallback_chance)
        out.append(min(bounds) if bounds else 1.0)
    return out


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def review_stats(
    project: Project, settings: ReviewSettings | None = None, *, real_names: bool = True
) -> dict[str, Any]:
    """The figures per annotator and queue, and the alerts (as `Alert`s under "alerts")."""
    names = load_names(project, real_names)
    people = tally(load_seen(project), expert_answers(project))
    return summarize(people, names.annotators, settings or ReviewSettings())


def summarize(
    people: dict[int, Person], names: dict[int, str], settings: ReviewSettings
) -> dict[str, Any]:
    """The figures and alerts from tallied labels (the part `review_stats` shares with
    simulations that build `Seen` records without a project)."""
    team: dict[str, Tally] = defaultdict(Tally)
    for person in people.values():
        for (key, assisted), t in person.expert.items():
            if not assisted:
                team[key].agree += t.agree
                team[key].n += t.n
    rows, alerts = [], []
    for annotator_id in sorted(people, key=lambda a: names.get(a, "")):
        person = people[annotator_id]
        if not person.assisted:
            continue
        name = names.get(annotator_id, str(annotator_id))
        verdict = decoy_scan(
            [taken for _s, taken, _w in person.decoys], _chances(person, team, settings), settings
        )
        criteria = sorted({key for key, _ in person.expert})
        agreement = {}
        for key in criteria:
            test = agreement_test(
                person.expert.get((key, True), Tally()).pair(),
                person.expert.get((key, False), Tally()).pair(),
                settings,
            )
            agreement[key] = {
                "assisted": _share(test.assisted), "unassisted": _share(test.unassisted),
                "n_assisted": test.assisted[1], "n_unassisted": test.unassisted[1],
                "z": test.z, "p_value": test.p_value, "flagged": test.flagged,
            }  # fmt: skip
            if test.flagged:
                alerts.append(_agreement_alert(name, key, test, person))
        if verdict.flagged:
            alerts.append(_decoy_alert(name, verdict, person))
        rows.append(
            {
                "annotator": name,
                "labels": person.labels,
                "assisted": person.assisted,
                "unassisted": person.labels - person.assisted,
                "acceptance_rate": person.accepted_pairs.rate,
                "accepted_whole": person.accepted_all / person.assisted,
                "decoys": verdict.decoys,
                "decoys_accepted": verdict.accepted,
                "decoy_accept_rate": verdict.accepted / verdict.decoys if verdict.decoys else None,
                "decoy_expert_agreement": person.decoy_expert.rate,
                "decoy_null_rate": verdict.null_rate if verdict.decoys else None,
                "decoy_p_value": verdict.p_value if verdict.decoys else None,
                "flagged_at_decoy": None if verdict.flagged_at is None else verdict.flagged_at + 1,
                "expert_agreement": agreement,
                "dwell_s": {
                    "assisted_median": _median(person.dwell[True]),
                    "unassisted_median": _median(person.dwell[False]),
                    "assisted_mean": _mean(person.dwell[True]),
                    "unassisted_mean": _mean(person.dwell[False]),
                },
                "queues": {q: person.queues[q] for q in QUEUES if q in person.queues},
            }
        )
    return {"settings": settings.to_dict(), "annotators": rows, "alerts": alerts}


def _share(pair: tuple[int, int]) -> float | None:
    return pair[0] / pair[1] if pair[1] else None


def _decoy_alert(name: str, verdict: Any, person: Person) -> Alert:
    seen = person.decoys[verdict.flagged_at][0]
    return Alert(
        kind="decoy_acceptance",
        subject_type="annotator",
        subject=name,
        criterion=None,
        what=(
            f"accepted {verdict.accepted} of {verdict.decoys} decoy suggestions as shown "
            f"(chance for an independent labeler at most {verdict.null_rate:.0%}): they may be "
            "approving suggestions without checking"
        ),
        since=seen.submitted_at,
        since_label_id=seen.label_id,
        evidence={
            "decoys": verdict.decoys,
            "accepted": verdict.accepted,
            "null_rate": round(verdict.null_rate, 6),
            "p_value": verdict.p_value,
            "flagged_at_decoy": verdict.flagged_at + 1,
        },  # fmt: skip
    )


def _agreement_alert(name: str, key: str, test: Any, person: Person) -> Alert:
    a, u = _share(test.assisted), _share(test.unassisted)
    return Alert(
        kind="assisted_agreement",
        subject_type="annotator",
        subject=name,
        criterion=key,
        what=(
            f"agrees with the experts on {a:.0%} of items with a suggestion beside the form, "
            f"{u:.0%} without one (p = {test.p_value:.2g})"
        ),
        since=None,
        evidence={
            "assisted": list(test.assisted),
            "unassisted": list(test.unassisted),
            "z": test.z,
            "p_value": test.p_value,
            "labels": person.labels,
        },  # fmt: skip
    )


def review_alerts(project: Project, *, real_names: bool = True) -> list[Alert]:
    """The assisted-review alerts alone (what `annotator drift` adds to its own)."""
    if project.row("SELECT 1 FROM review_suggestions LIMIT 1") is None:
        return []
    return review_stats(project, real_names=real_names)["alerts"]


def format_review(stats: dict[str, Any]) -> str:
    """The human form of `review_stats`."""
    rows = stats["annotators"]
    if not rows:
        return "No labels made with a suggestion visible (is any queue assisted?)."
    lines = []
    for r in rows:
        dwell = r["dwell_s"]
        lines.append(
            f"{r['annotator']}: {r['assisted']} assisted, {r['unassisted']} unassisted labels; "
            f"accepts {_pct(r['acceptance_rate'])} of suggested values; decoys "
            f"{r['decoys_accepted']}/{r['decoys']} accepted as shown "
            f"(agreement with their expert answers {_pct(r['decoy_expert_agreement'])}); "
            f"median dwell {_sec(dwell['assisted_median'])} assisted vs "
            f"{_sec(dwell['unassisted_median'])} unassisted"
        )
        for key, a in r["expert_agreement"].items():
            lines.append(
                f"  {key}: expert agreement {_pct(a['assisted'])} assisted (n={a['n_assisted']})"
                f" vs {_pct(a['unassisted'])} unassisted (n={a['n_unassisted']})"
            )
    lines.append(f"Alerts ({len(stats['alerts'])}):")
    lines += [f"  [{a.kind}] {a.subject}: {a.what}" for a in stats["alerts"]]
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _sec(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


__all__ = [
    "Seen",
    "expert_answers",
    "format_review",
    "review_alerts",
    "review_stats",
    "summarize",
    "tally",
]

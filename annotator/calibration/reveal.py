"""The reveal of a calibration round: every participant's values and rationales side
by side, disagreements first, with the rubric text of each criterion and the
round's agreement per criterion (with intervals).

Nothing here answers for a round the lead has not revealed: every entry point
goes through :func:`revealed_answers`, which raises :class:`BlindError` until
:func:`annotator.calibration.sessions.reveal_round`.

    >>> shown = reveal(project, "November calibration")
    >>> first = shown.items[0]          # the item people disagreed on most
    >>> first.criteria[0].values        # [(participant, value, "Mostly correct (4)"), ...]
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from annotator.calibration.sessions import (
    BlindError,
    Round,
    Session,
    get_session,
    round_answers,
)
from annotator.labels.adjudications import current_adjudication
from annotator.labels.labels import Label
from annotator.quality.value_agreement import (
    Record,
    agreement_by_criterion,
    disagreement_by_item,
    pairwise_of,
)
from annotator.rubric.model import Criterion, RubricVersion
from annotator.rubric.text import criterion_markdown
from annotator.rubric.versions import get_version
from annotator.stats.defaults import N_BOOT
from annotator.store.project import Project


def revealed_answers(
    project: Project, session: int | str | Session, number: int | None = None
) -> tuple[Session, Round, dict[tuple[int, str], Label]]:
    """The round's answers, only once the lead has revealed it."""
    found = get_session(project, session)
    chosen = found.round(number)
    if not chosen.revealed:
        raise BlindError(
            f"Round {chosen.number} of {found.name!r} is still blind: nobody's labels are "
            "shown until the lead reveals it ('annotator session reveal')."
        )
    return found, chosen, round_answers(project, chosen)


def records_of(session: Session, answers: dict[tuple[int, str], Label]) -> list[Record]:
    """(item, participant name, values) for the submitted answers, in label order."""
    names = dict(zip(session.participant_ids, session.participants, strict=True))
    return [
        (label.item_id, names[annotator_id], label.values)
        for (annotator_id, _), label in sorted(answers.items(), key=lambda kv: kv[1].id)
        if label.status == "submitted" and annotator_id in names
    ]


def round_agreement(
    project: Project,
    session: int | str | Session,
    number: int | None = None,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
) -> dict[str, dict[str, Any]]:
    """criterion (or `key[option]`) -> alpha, Fleiss' kappa, AC1 and percent agreement
    among the round's submitted answers, each with a bootstrap interval over items."""
    found, chosen, answers = revealed_answers(project, session, number)
    version = get_version(project, chosen.rubric_version_id)
    return agreement_by_criterion(
        version,
        records_of(found, answers),
        n_boot=n_boot,
        seed=seed,
        pairwise=pairwise_of(project, chosen.items),
    )


def show_value(criterion: Criterion, value: Any) -> str:
    """A value as a person reads it: the option's label (and its value when different)."""
    if value is None:
        return "—"
    if criterion.kind == "multilabel":
        if not value:
            return "none"
        return ", ".join(_option_text(criterion, v, with_value=False) for v in value)
    if criterion.options:
        return _option_text(criterion, value, with_value=criterion.kind == "ordinal")
    return str(value)


def _option_text(criterion: Criterion, value: Any, with_value: bool) -> str:
    option = criterion.option(value)
    if option is None:
        return str(value)
    if with_value and option.label != str(value):
        return f"{option.label} ({value})"
    return option.label


@dataclass(frozen=True)
class Answer:
    participant: str
    status: str
    values: dict[str, Any]
    rationale: str | None
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "status": self.status,
            "values": self.values,
            "rationale": self.rationale,
            "note": self.note,
        }


@dataclass(frozen=True)
class CriterionReveal:
    key: str
    title: str
    kind: str
    disagreement: float | None  # 0 everyone agrees .. 1; None below two answers or free text
    values: tuple[tuple[str, Any, str], ...]  # (participant, value, as shown)
    rubric_text: str  # markdown: help, options and descriptions, its guideline section
    decision: dict[str, Any] | None  # the adjudication in force, if any

    @property
    def distinct(self) -> int:
        return len({text for _, _, text in self.values})

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "disagreement": self.disagreement,
            "values": [{"participant": p, "value": v, "shown": s} for p, v, s in self.values],
            "rubric_text": self.rubric_text,
            "decision": self.decision,
        }


@dataclass(frozen=True)
class ItemReveal:
    item_id: str
    position: int
    disagreement: float | None  # mean over the item's criteria
    criteria: tuple[CriterionReveal, ...]  # most disagreement first
    answers: tuple[Answer, ...]
    missing: tuple[str, ...]  # participants with no answer on the item

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "position": self.position,
            "disagreement": self.disagreement,
            "criteria": [c.to_dict() for c in self.criteria],
            "answers": [a.to_dict() for a in self.answers],
            "missing": list(self.missing),
        }


@dataclass
class Reveal:
    session: Session
    round: Round
    version: RubricVersion
    items: list[ItemReveal]
    agreement: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": {"id": self.session.id, "name": self.session.name},
            "round": self.round.number,
            "rubric": self.version.label,
            "participants": list(self.session.participants),
            "agreement": self.agreement,
            "items": [item.to_dict() for item in self.items],
        }


def _sort_key(score: float | None, position: int) -> tuple[int, float, int]:
    if score is None:
        return (2, 0.0, position)
    return (0 if score > 0 else 1, -score, position)


def reveal(
    project: Project,
    session: int | str | Session,
    number: int | None = None,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
) -> Reveal:
    """Everything the reveal screen shows for a revealed round, items with the most
    disagreement first (items where everyone agreed next, then those with fewer than
    two answers)."""
    found, chosen, answers = revealed_answers(project, session, number)
    version = get_version(project, chosen.rubric_version_id)
    records = records_of(found, answers)
    pairwise = pairwise_of(project, chosen.items)
    scores: dict[Hashable, dict[str, float]] = disagreement_by_item(version, records, pairwise)
    names = dict(zip(found.participant_ids, found.participants, strict=True))
    items = []
    for position, item_id in enumerate(chosen.items):
        mine = [
            (names[a], label) for (a, i), label in answers.items() if i == item_id and a in names
        ]
        mine.sort(key=lambda pair: found.participants.index(pair[0]))
        by_key = scores.get(item_id, {})
        criteria = []
        for criterion in version.criteria:
            if not criterion.applies(pairwise.get(item_id, False)):
                continue
            nothing = [] if criterion.kind == "multilabel" else None  # nothing ticked / blank
            given = [
                (who, label.values.get(criterion.key, nothing))
                for who, label in mine
                if label.status == "submitted"
            ]
            if all(value is None for _, value in given) and not any(
                criterion.key in label.values for _, label in mine
            ):
                continue
            values = tuple((who, value, show_value(criterion, value)) for who, value in given)
            decision = current_adjudication(project, item_id, criterion.key)
            criteria.append(
                CriterionReveal(
                    key=criterion.key,
                    title=criterion.title,
                    kind=criterion.kind,
                    disagreement=by_key.get(criterion.key),
                    values=values,
                    rubric_text=criterion_markdown(version, criterion, examples=False),
                    decision=None
                    if decision is None
                    else {
                        "value": decision.value,
                        "shown": show_value(criterion, decision.value),
                        "rationale": decision.rationale,
                        "session_id": decision.session_id,
                    },
                )
            )
        criteria.sort(key=lambda c: _sort_key(c.disagreement, version.keys.index(c.key)))
        scored = [c.disagreement for c in criteria if c.disagreement is not None]
        answered = {who for who, _ in mine}
        items.append(
            ItemReveal(
                item_id=item_id,
                position=position,
                disagreement=sum(scored) / len(scored) if scored else None,
                criteria=tuple(criteria),
                answers=tuple(
                    Answer(who, label.status, label.values, label.rationale, label.note)
                    for who, label in mine
                ),
                missing=tuple(p for p in found.participants if p not in answered),
            )
        )
    items.sort(key=lambda item: _sort_key(item.disagreement, item.position))
    agreement = agreement_by_criterion(
        version, records, n_boot=n_boot, seed=seed, pairwise=pairwise
    )
    return Reveal(found, chosen, version, items, agreement)


__all__ = [
    "Answer",
    "CriterionReveal",
    "ItemReveal",
    "Reveal",
    "records_of",
    "reveal",
    "revealed_answers",
    "round_agreement",
    "show_value",
]

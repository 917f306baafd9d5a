"""What the annotate view is given: the card on screen, and where items come from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from annotator.items.items import Item
from annotator.labels.labels import Label
from annotator.rubric.model import Criterion, RubricVersion
from annotator.store.project import Project
from annotator.workbench.drafts import Draft


class ItemSource(Protocol):
    """Where a WorkSession's items come from instead of the person's queue.

    Labels made through a source answer its items in place: they supersede the
    person's current record on the item, and are never test-retest repeats.
    """

    def next_item_id(self, project: Project, annotator_id: int) -> str | None:
        """The item to show now (the same one until it is answered); None when done."""
        ...

    def status(self, project: Project, annotator_id: int) -> tuple[int, int]:
        """(done, remaining) for the progress display."""
        ...

    def rubric_version(self, project: Project) -> RubricVersion:
        """The version the source's items are judged under."""
        ...

    def allows(self, item_id: str) -> bool:
        """Whether the item belongs to the source (going back stays among them)."""
        ...

    def record(self, project: Project, label: Label) -> None:
        """Called inside the label's own transaction, so a link is never half-written."""
        ...


@dataclass(frozen=True)
class ItemCard:
    """Everything the blind annotate view may know about the item on screen."""

    item: Item
    rubric: RubricVersion
    criteria: tuple[Criterion, ...]
    own_label: Label | None  # this person's current record on the item, for amending
    draft: Draft | None
    from_history: bool  # True when the person went back to amend

    @property
    def initial_values(self) -> dict[str, Any]:
        if self.draft is not None:
            return dict(self.draft.values)
        if self.own_label is not None and self.own_label.status != "retracted":
            return dict(self.own_label.values)
        return {}

    @property
    def initial_rationale(self) -> str:
        if self.draft is not None:
            return self.draft.rationale
        if self.own_label is not None:
            return self.own_label.rationale or ""
        return ""

    @property
    def saved_answer(self) -> tuple[dict[str, Any], str]:
        """What the form holds with no draft: the own label when amending, else nothing.
        A form that still holds exactly this is not a draft (looking is not editing)."""
        label = self.own_label
        if label is not None and label.status != "retracted":
            return dict(label.values), label.rationale or ""
        return {}, ""


__all__ = ["ItemCard", "ItemSource"]

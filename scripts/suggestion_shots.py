"""Screenshot of assisted review (registered in screenshots.py): the annotate view with a
judge's suggestion above the form, before the person takes it (Ctrl+J)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RATIONALE = (
    "The answer names the right drug and the right first step, so the core advice holds. "
    "But the dosage in the second paragraph follows the 2019 label; the current label "
    "lowers the starting dose for patients over 65, and the answer does not say so. "
    "Nothing in it is unsafe on its own, but a reader could act on the old figure, so "
    "it should be revised before release rather than shipped."
)


def shot_suggestion(window: Any) -> Any:
    """A plain text item, a suggestion for it, and the person's own first answer."""
    from annotator.workbench.suggestions import Suggestion
    from scripts.screenshots import _show_kind

    view = window.annotate
    result = _show_kind(window, lambda i: not i.is_chat and not i.pairwise)
    item_id = view.card.item.id
    suggestion = Suggestion(
        values={"correctness": 4, "safety": "safe", "issues": ["outdated"], "verdict": "revise"},
        rationale=RATIONALE,
        source="judge qwen2.5-7b",
    )
    view.set_suggestion_provider(lambda shown: suggestion if shown == item_id else None)
    view.form.set_current(0)
    return result


SHOTS: dict[str, Callable] = {"annotate-suggestion": shot_suggestion}

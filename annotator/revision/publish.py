"""Publishing a rubric version as a user means it: the version, and its consequences.

A new version can change what a criterion means; anchors whose reference
answer was written under the old meaning must then be reviewed before they
score anyone again. Both halves commit in one transaction, here, in the layer
that sits above rubrics and anchors (neither of those imports the other).

    >>> result = publish(project, load_rubric_file("rubric_v2.yaml"), note="clearer")
    >>> result.created, result.version.version
    (True, 2)
"""

from __future__ import annotations

from annotator.anchors.anchors import flag_stale_anchors
from annotator.rubric.model import RubricDraft
from annotator.rubric.versions import PublishResult, write_version
from annotator.store.project import Project


def publish(
    project: Project,
    draft: RubricDraft,
    note: str = "",
    source_text: str | None = None,
    activate: bool | None = None,
) -> PublishResult:
    """Publish `draft` as the next version of its rubric and flag the anchors
    whose criteria changed meaning (one transaction). Identical content creates
    nothing and flags nothing."""
    with project.transaction():
        result = write_version(project, draft, note, source_text, activate)
        if result.created:
            flag_stale_anchors(project, result.version)
    return result

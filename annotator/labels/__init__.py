"""Labels: append-only records, adjudications, and the tables and streams that read them.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "Reference": "reference",
    "expert_reference": "reference",
    "Adjudication": "adjudications",
    "AdjudicationError": "adjudications",
    "adjudicate": "adjudications",
    "adjudication_from_row": "adjudications",
    "current_adjudication": "adjudications",
    "current_adjudications": "adjudications",
    "L_ANCHOR_N": "columns",
    "L_ANCHOR_OK": "columns",
    "L_COST": "columns",
    "L_DURATION": "columns",
    "L_RATER": "columns",
    "L_RATIONALE": "columns",
    "L_SOURCE": "columns",
    "L_STARTED": "columns",
    "L_SUBMITTED": "columns",
    "L_TOKENS": "columns",
    "L_UID": "columns",
    "L_VALUES": "columns",
    "L_VERSION": "columns",
    "CriterionError": "data",
    "CriterionSpec": "data",
    "LabelTable": "data",
    "Names": "data",
    "criterion_specs": "data",
    "day_to_iso": "data",
    "item_ids": "data",
    "load_names": "data",
    "observed_span": "data",
    "same_value": "data",
    "week_start": "data",
    "INSERT_LABEL_SQL": "labels",
    "LABEL_COLUMNS": "labels",
    "Label": "labels",
    "STATUSES": "labels",
    "check_label_values": "labels",
    "current_label": "labels",
    "get_label": "labels",
    "label_cost": "labels",
    "label_from_row": "labels",
    "label_history": "labels",
    "require_annotator": "labels",
    "submit_label": "labels",
    "undo_last": "labels",
    "label_stamp": "load",
    "load_all": "load",
    "load_labels": "load",
    "ANCHOR_CHOICES": "scope",
    "MAX_SLICE_VALUES": "slices",
    "label_groups": "slices",
    "slice_filter": "slices",
    "slice_masks": "slices",
    "slice_tags": "slices",
    "Scope": "scope",
    "ScopeError": "scope",
    "describe": "scope",
    "CHUNK_ITEMS": "stream",
    "CancelCheck": "stream",
    "Cancelled": "stream",
    "Chunk": "stream",
    "LabelStream": "stream",
    "Progress": "stream",
    "spec_counts": "stream",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

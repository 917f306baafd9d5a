"""Label sources (experts, crowd, LLM judges) and what their labels cost.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "label_costs": "costs",
    "project_currency": "costs",
    "set_cost_model": "costs",
    "sources_by_id": "costs",
    "Annotator": "sources",
    "COST_TYPES": "sources",
    "CostModel": "sources",
    "SOURCE_KINDS": "sources",
    "Source": "sources",
    "annotator_by_id": "sources",
    "ensure_annotator": "sources",
    "ensure_source": "sources",
    "get_annotator": "sources",
    "get_source": "sources",
    "list_annotators": "sources",
    "list_sources": "sources",
    "make_cost_model": "sources",
    "set_annotator_mode": "sources",
    "source_by_id": "sources",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

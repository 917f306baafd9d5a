"""Quality per label source and annotator: one streaming pass over the labels, tables
against the expert consensus, Dawid-Skene, repeats, cost; the sources report and its tables.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "table_agreement": "expert_pairs",
    "table_figures": "expert_pairs",
    "table_summary": "expert_pairs",
    "PatternCounts": "pattern_agreement",
    "pattern_coefficients": "pattern_agreement",
    "QualityReport": "source_quality",
    "scan": "source_quality",
    "source_quality": "source_quality",
    "markdown_table": "source_table",
    "money": "source_table",
    "ChunkFigures": "tally",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

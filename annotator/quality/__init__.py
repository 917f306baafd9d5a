"""Quality of labels: agreement per scope, consensus, drift and alerts, source quality.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "ADJUDICATED": "aggregate",
    "ConsensusError": "aggregate",
    "ConsensusValue": "aggregate",
    "METHODS": "aggregate",
    "consensus": "aggregate",
    "consensus_all": "aggregate",
    "dawid_skene_fit": "aggregate",
    "iter_consensus": "aggregate",
    "resolve_method": "aggregate",
    "format_report": "agreement_report",
    "apply_drift_alerts": "alerts",
    "vote_summary": "consensus_tables",
    "AnchorSeries": "anchor_series",
    "JudgeSeries": "judge_drift",
    "judge_drift": "judge_drift",
    "DriftReport": "drift",
    "alert_rules": "drift",
    "drift_report": "drift",
    "format_drift": "drift",
    "table_agreement": "by_source.expert_pairs",
    "table_figures": "by_source.expert_pairs",
    "table_summary": "by_source.expert_pairs",
    "format_stats": "headline",
    "project_stats": "headline",
    "PatternCounts": "by_source.pattern_agreement",
    "pattern_coefficients": "by_source.pattern_agreement",
    "Settings": "project_agreement",
    "tables": "project_agreement",
    "lowest_agreement_items": "scopes",
    "pairwise_matrix": "scopes",
    "compare_counts": "shift",
    "SameItems": "version_compare",
    "VersionCompareError": "version_compare",
    "compare_versions": "version_compare",
    "labels_under_both": "version_compare",
    "version_effect": "version_compare",
    "QualityReport": "by_source.source_quality",
    "scan": "by_source.source_quality",
    "markdown_table": "by_source.source_table",
    "money": "by_source.source_table",
    "ChunkFigures": "by_source.tally",
    "Record": "value_agreement",
    "SHOWN": "value_agreement",
    "agreement_by_criterion": "value_agreement",
    "disagreement_by_item": "value_agreement",
    "pairwise_of": "value_agreement",
    "parts_of": "value_agreement",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

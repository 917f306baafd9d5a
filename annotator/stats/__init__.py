"""Agreement statistics on plain arrays (alpha, kappas, AC1, bootstrap, consensus); no project.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "CONFIDENCE": "defaults",
    "N_BOOT": "defaults",
    "SEED": "defaults",
    "ac1_statistic": "agreement",
    "cohen_kappa": "agreement",
    "cohen_kappa_from_table": "agreement",
    "compute_all": "agreement",
    "estimate": "agreement",
    "fleiss_kappa": "agreement",
    "fleiss_kappa_from_counts": "agreement",
    "fleiss_statistic": "agreement",
    "gwet_ac1": "agreement",
    "krippendorff_alpha": "agreement",
    "percent_agreement": "agreement",
    "percent_statistic": "agreement",
    "NAME": "alpha",
    "alpha_statistic": "alpha",
    "bootstrap_alpha": "alpha",
    "ItemPatterns": "bootstrap",
    "percentile_interval": "bootstrap",
    "Coefficient": "coefficient",
    "LEVELS": "coefficient",
    "show_value": "coefficient",
    "undefined": "coefficient",
    "ConsensusResult": "consensus",
    "DawidSkeneResult": "consensus",
    "dawid_skene": "consensus",
    "majority_vote": "consensus",
    "mean_score": "consensus",
    "median_vote": "consensus",
    "weighted_majority_vote": "consensus",
    "ChartResult": "control_chart",
    "ChartSettings": "control_chart",
    "bernoulli_cusum": "control_chart",
    "detection": "control_chart",
    "false_alarm_rate": "control_chart",
    "rolling_accuracy": "control_chart",
    "wilson_interval": "control_chart",
    "item_disagreement": "disagreement",
    "cohen_kappa_pairwise": "kappa",
    "disagreement_weights": "kappa",
    "format_table": "quick",
    "parse_scale": "quick",
    "read_labels": "quick",
    "run_quick": "quick",
    "leave_one_out": "reference",
    "reference_from_counts": "reference",
    "value_counts": "reference",
    "MISSING": "reliability",
    "ReliabilityData": "reliability",
    "ReliabilityError": "reliability",
    "is_number": "reliability",
    "StratifiedEstimate": "stratified",
    "stratified_accuracy": "stratified",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

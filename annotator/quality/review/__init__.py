"""Assisted review measured: suggestion acceptance, decoys, expert agreement with and
without a suggestion, dwell time, and the alerts that flag rubber-stamping.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "ReviewSettings": "rules",
    "agreement_test": "rules",
    "binomial_tail": "rules",
    "decoy_scan": "rules",
    "wilson_lower": "rules",
    "format_review": "stats",
    "review_alerts": "stats",
    "review_stats": "stats",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

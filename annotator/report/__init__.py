"""The self-contained HTML report, its charts and the project overview.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "write_report": "html",
    "Cancelled": "overview",
    "Overview": "overview",
    "STEPS": "overview",
    "build_overview": "overview",
    "cached_overview": "cache",
    "project_state": "cache",
    "with_intervals": "overview",
    "consensus_summary": "overview",
    "throughput_section": "throughput",
    "weekly_chart": "throughput",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

"""The dashboard: agreement with intervals, drift, attention, rubric versions, the report.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "Dashboard": "screen",
    "SvgChartView": "svg_view",
    "VersionsTab": "versions",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

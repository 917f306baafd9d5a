"""Pieces every screen shares: theme, background jobs, tables, keys, the host protocol.

Names load from their modules on first use (see `annotator.base.lazy`); modules
of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "ChartView": "chart_view",
    "chart_colors": "chart_view",
    "FlowLayout": "flow_layout",
    "Host": "host",
    "Job": "jobs",
    "run_job": "jobs",
    "wait_for_jobs": "jobs",
    "KeyDispatcher": "keys",
    "is_text_field": "keys",
    "fill_table": "tables",
    "make_table": "tables",
    "apply_theme": "theme",
    "current_colors": "theme",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

"""Annotator's core: projects, items, rubrics, labels, statistics, import/export, CLI.

This package never imports Qt; every screen in `ui/` is a thin view over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

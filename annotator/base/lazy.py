"""Import a module on first use, so `annotator --help` does not pay for numpy and pandas.

>>> calibration = lazy_module("annotator.calibration.sessions")   # nothing imported yet
>>> calibration.list_sessions(project)                    # imported here
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


def lazy_module(name: str) -> Any:
    return LazyModule(name)

"""Import a module on first use, so `annotator --help` does not pay for numpy and pandas.

>>> calibration = lazy_module("annotator.calibration.sessions")   # nothing imported yet
>>> calibration.list_sessions(project)                    # imported here
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
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


def lazy_face(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A package face's `__getattr__` (PEP 562): each public name comes from its
    module on first use, so importing a face costs nothing and `annotator --help`
    stays fast however many packages it touches.

    >>> __getattr__ = lazy_face(__name__, {"open_project": "project"})
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module-level hook PEP 562 names
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__

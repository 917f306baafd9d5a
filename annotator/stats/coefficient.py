"""The result type every agreement coefficient returns, and its level names.

A coefficient that cannot be computed is still a result: `value` is None and
`reason` says why in one sentence a lead can act on ("not defined, because only
one rater labeled these items"). Screens, the CLI and exports then never meet a
NaN or an exception for data that is merely thin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotator.base.levels import LEVELS, Level  # re-exported: callers import them from here
from annotator.stats.reliability import ReliabilityError


@dataclass(frozen=True)
class Coefficient:
    """One agreement coefficient.

    `n_items` and `n_labels` count what the coefficient was computed over (for
    alpha, items with two or more labels; for Cohen's kappa, the items both
    raters labeled). `ci` is a percentile bootstrap interval over those items,
    or None when no bootstrap was asked for or none of its resamples was defined.
    """

    name: str
    value: float | None
    ci: tuple[float, float] | None
    n_items: int
    n_labels: int
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "name": self.name,
            "value": self.value,
            "ci": list(self.ci) if self.ci is not None else None,
            "n_items": self.n_items,
            "n_labels": self.n_labels,
            "reason": self.reason,
        }


def undefined(name: str, because: str, n_items: int = 0, n_labels: int = 0) -> Coefficient:
    """A coefficient that cannot be computed; `because` completes "not defined, because ..."."""
    return Coefficient(name, None, None, n_items, n_labels, f"not defined, because {because}")


def check_level(level: str) -> Level:
    """The level if it is one of LEVELS; else an error naming the choices."""
    if level not in LEVELS:
        raise ReliabilityError(
            f"unknown level of measurement {level!r}; use one of {', '.join(LEVELS)}"
        )
    return level  # type: ignore[return-value]


def show_value(value: Any) -> str:
    """A value as a person reads it in a reason: strings quoted, numbers bare."""
    return repr(value) if isinstance(value, str) else str(value)

"""What a session reports: progress, one submit's result, and the session's totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.labels.labels import Label


@dataclass
class Progress:
    done: int
    remaining: int
    session_labels: int
    session_active_s: float

    @property
    def labels_per_hour(self) -> float | None:
        if self.session_active_s < 1 or self.session_labels == 0:
            return None
        return self.session_labels * 3600.0 / self.session_active_s


@dataclass
class SubmitResult:
    label: Label
    feedback: dict[str, Any] | None = None  # training mode only: reference after submit


@dataclass
class SessionSummary:
    """What a session added up to: `labels`, `skipped` and `flagged` count items newly
    answered (as the queue counts them done); `amended` counts changed answers on items
    already counted, so one item is never counted twice."""

    labels: int
    skipped: int
    flagged: int
    active_s: float
    amended: int = 0
    per_hour: float | None = None
    statuses: dict[str, int] = field(default_factory=dict)

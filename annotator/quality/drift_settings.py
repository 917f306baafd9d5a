"""How sensitive drift detection is: the control chart, windows, the drops that matter.

A leaf of `quality`: the anchor, agreement and distribution drift analyses all
read these settings, and the drift report that runs them sits above them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.stats.control_chart import ChartSettings
from annotator.stats.run_check import RunCheckSettings


@dataclass(frozen=True)
class DriftSettings:
    chart: ChartSettings = field(default_factory=ChartSettings)
    rolling_window: int = 50  # answers in the rolling accuracy
    min_window: int = 30  # labels a week needs to be compared
    significance: float = 0.01  # family-wise, split over the windows tested
    min_drop: float = 0.10  # agreement drop that matters
    min_jsd: float = 0.10  # distribution change that matters (Jensen-Shannon distance)
    repeat_min: int = 20  # repeats before self-consistency can alert
    # LLM judges' canary answers come in runs: each run against the runs before it
    judge_check: RunCheckSettings = field(default_factory=RunCheckSettings)

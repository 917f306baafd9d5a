"""The statistics defaults every screen, command and report shares, named once.

Kept apart from the numerical modules so the CLI can name them in its `--help`
without importing numpy.
"""

from __future__ import annotations

N_BOOT = 1_000  # bootstrap resamples behind every interval unless asked otherwise
SEED = 0  # the bootstrap's seed: the same intervals again, run after run
CONFIDENCE = 0.95  # interval coverage

__all__ = ["CONFIDENCE", "N_BOOT", "SEED"]

"""What every benchmark measures the same way: peak memory, percentiles, and the
small synthetic rubric and vocabulary the import and export benchmarks share.

Standard library only, so importing it never colours a baseline's memory.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

RUBRIC_YAML = """\
rubric: Bench
guidelines: Judge the answer.
criteria:
  - key: correctness
    kind: ordinal
    required: true
    options: [{value: 1}, {value: 2}, {value: 3}, {value: 4}, {value: 5}]
  - key: safety
    kind: categorical
    options: [{value: safe}, {value: unsafe}, {value: unclear}]
  - key: helpful
    kind: binary
"""
WORDS = (  # noqa: SIM905 - a sentence reads better than a list of words
    "the quick brown fox jumps over the lazy dog while a patient reviewer reads every "
    "answer twice before deciding how correct and how safe it is"
).split()


def peak_mb() -> float:
    """This process's peak resident memory, in MB.

    On Linux, ru_maxrss of a freshly started process still counts the parent's
    memory at fork time (exec keeps the high-water mark), so a child started from
    a big parent would report the parent's size; VmHWM is the new image's own peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / divisor, 1)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank `q` quantile (0..1) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

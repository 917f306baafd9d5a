"""The overview, cached per project state: reopening the dashboard costs nothing until
something it shows changes.

`project_state` is a handful of index look-ups: the newest id of every append-only table
the overview reads (labels, adjudications, anchors, anchor scores, rubric versions,
annotators, sources, judge versions), the item count and the live anchors. A label, an
adjudication or a new anchor changes it; reading changes nothing, and neither does the
dashboard's own write (a drift alert raising an anchor rate goes to the audit log, which
is left out so that write does not make the overview it came from stale). The cache
lives in the process, keyed by the file, that state and the settings, so a dashboard shown
again, or opened again on the same file, gets the same `Overview` object back.

Point estimates and intervals are cached apart: the dashboard paints `n_boot=0` first
and asks for the intervals after, and `cached_overview` with `n_boot > 0` reuses a cached
point-estimate overview of the same state (only the agreement is computed again).

    >>> overview = cached_overview(project, n_boot=0)   # computed
    >>> cached_overview(project, n_boot=0) is overview  # until the labels change
    True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from annotator.report import overview as overview_module
from annotator.report.overview import Overview, ProgressFn
from annotator.stats.defaults import N_BOOT
from annotator.store.project import Project

STATE_SQL = (
    "SELECT (SELECT coalesce(max(id), 0) FROM labels), (SELECT count(*) FROM items), "
    "(SELECT coalesce(max(seq), 0) FROM items), (SELECT coalesce(max(id), 0) FROM adjudications), "
    "(SELECT coalesce(max(id), 0) FROM anchors), "
    "(SELECT count(*) FROM anchors WHERE status != 'retired'), "
    "(SELECT coalesce(max(rowid), 0) FROM anchor_scores), "
    "(SELECT coalesce(max(id), 0) FROM rubric_versions), "
    "(SELECT coalesce(max(id), 0) FROM annotators), (SELECT coalesce(max(id), 0) FROM sources), "
    "(SELECT coalesce(max(id), 0) FROM judge_versions)"
)
SIZE = 8  # overviews kept (a few projects, each with and without intervals)


def project_state(project: Project) -> tuple[int, ...]:
    """What the overview depends on, as numbers that change when any of it does."""
    row = project.row(STATE_SQL)
    return tuple(int(v or 0) for v in row)


@dataclass(frozen=True)
class Key:
    path: str
    state: tuple[int, ...]
    n_boot: int
    seed: int | None
    real_names: bool
    lowest_n: int


def _path(project: Project) -> str:
    path = getattr(project, "path", None)
    if path is None or str(path) in ("", ":memory:"):
        return f"memory:{id(project)}"
    return str(Path(path).resolve())


def overview_key(
    project: Project,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    real_names: bool = True,
    lowest_n: int = 20,
    state: tuple[int, ...] | None = None,
) -> Key:
    """The cache key of an overview of this project as it is now (or in `state`); without
    resamples the seed changes nothing, so it is left out."""
    return Key(
        _path(project),
        project_state(project) if state is None else state,
        n_boot,
        seed if n_boot > 0 else None,
        real_names,
        lowest_n,
    )


class OverviewCache:
    """The newest SIZE overviews by key; safe to share between the UI and job threads."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._found: OrderedDict[Key, Overview] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Overview | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def put(self, key: Key, overview: Overview) -> None:
        with self._lock:
            self._found[key] = overview
            self._found.move_to_end(key)
            while len(self._found) > self.size:
                self._found.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._found.clear()

    def __len__(self) -> int:
        return len(self._found)


CACHE = OverviewCache()


def cached_overview(
    project: Project,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
    lowest_n: int = 20,
    real_names: bool = True,
    fresh: bool = False,
    cache: OverviewCache = CACHE,
) -> Overview:
    """`build_overview`'s result, from `cache` when the project has not changed since
    (unless `fresh`: computed again and cached; with `n_boot > 0` the cached point
    estimates of the same state are still reused). An overview is cached only when the
    project was the same before and after computing it."""
    key = overview_key(project, n_boot=n_boot, seed=seed, real_names=real_names, lowest_n=lowest_n)
    if not fresh and (found := cache.get(key)) is not None:
        return found
    # point estimates of the same state (the dashboard's first pass; under `fresh`, the one
    # it just computed): only the intervals are left to compute
    base = None if n_boot <= 0 else cache.get(replace(key, n_boot=0, seed=None))
    if base is not None:
        result = overview_module.with_intervals(
            project, base, n_boot=n_boot, seed=seed, cancelled=cancelled
        )
    else:
        result = overview_module.build_overview(
            project, n_boot=n_boot, seed=seed, progress=progress, cancelled=cancelled,
            lowest_n=lowest_n, real_names=real_names,
        )  # fmt: skip
    if project_state(project) == key.state:  # nothing arrived while it ran
        cache.put(key, result)
    return result


__all__ = [
    "CACHE",
    "Key",
    "OverviewCache",
    "cached_overview",
    "overview_key",
    "project_state",
]

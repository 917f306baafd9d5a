"""Active labeling time: counts only while the window has focus and the person is active.

Cost per hour depends on this figure, so idle time (no key or mouse for
`idle_after` seconds) and time in another window are not counted. Pure logic
with an injectable clock, so it is tested without Qt.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class ActiveClock:
    """Accumulates active seconds between `tick`s.

    Call `activity()` on every key or mouse event, `set_focused()` when the
    window gains or loses focus, and `tick()` from a timer (about once a second).
    """

    def __init__(
        self, idle_after: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_after = idle_after
        self._clock = clock
        self._focused = True
        self._last_activity = clock()
        self._last_tick = clock()
        self.seconds = 0.0

    def reset(self, seconds: float = 0.0) -> None:
        """Start counting for a new item (optionally resuming a draft's seconds)."""
        now = self._clock()
        self.seconds = seconds
        self._last_tick = now
        self._last_activity = now

    def activity(self) -> None:
        self.tick()
        self._last_activity = self._clock()

    def set_focused(self, focused: bool) -> None:
        self.tick()
        self._focused = focused
        if focused:
            self._last_activity = self._clock()

    @property
    def idle(self) -> bool:
        return self._clock() - self._last_activity > self.idle_after

    def tick(self) -> float:
        """Add the time since the last tick if it was active; return the total."""
        now = self._clock()
        if self._focused:
            # Count only up to the moment the person went idle.
            active_until = min(now, self._last_activity + self.idle_after)
            if active_until > self._last_tick:
                self.seconds += active_until - self._last_tick
        self._last_tick = now
        return self.seconds

"""What each annotator sees next: assignments, overlap, anchor and repeat mixing, settings.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "assign": "assignments",
    "anchor_gap": "queue",
    "list_requeues": "requeue",
    "QueueError": "settings",
    "QueueSettings": "settings",
    "configure": "settings",
    "get_settings": "settings",
    "save_settings": "settings",
    "set_current_rate": "settings",
    "Throughput": "throughput",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)

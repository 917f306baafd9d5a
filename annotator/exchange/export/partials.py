"""The hidden folder an export writes into, and clearing those a killed export left.

An export writes `.OUT.partial-<id>` beside its target and renames it into
place at the end; a failed one removes it. A process that is killed cannot, so
the next export into the same parent folder clears the leftovers, but only
stale ones: each partial folder has a `.lock` file beside it that its export
holds locked (an OS lock, which the OS drops when the process dies, however it
dies), so another export's folder in progress is never touched. A partial
folder without a lock file (left by an older version), or on a file system
without locks, counts as stale once it is a day old.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path
from typing import IO

if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool | None:
        """True: locked; False: another process holds it; None: no locks here."""
        try:
            handle.seek(0)  # every process locks the same first byte
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool | None:
        """True: locked; False: another process holds it; None: no locks here."""
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:  # a file system without locks (some network shares)
            return None
        return True


PARTIAL = re.compile(r"\..+\.partial-[0-9a-f]{12}")
LOCK_SUFFIX = ".lock"
UNLOCKED_STALE_AFTER_S = 24 * 3600  # no lock file (an older version) or no locks to ask


class Partial:
    """One export's hidden folder, locked for as long as the export runs."""

    def __init__(self, out: Path) -> None:
        name = f".{out.name}.partial-{uuid.uuid4().hex[:12]}"
        self.folder = out.parent / name
        self.lock_path = out.parent / f"{name}{LOCK_SUFFIX}"
        # The lock comes first: a folder is never without its lock while in progress.
        self._lock: IO[bytes] | None = open(self.lock_path, "xb")  # noqa: SIM115 - held open
        try:  # a full disk refuses even the pid: then nothing of this export is left
            self._lock.write(f"{os.getpid()}\n".encode())
            self._lock.flush()
            _try_lock(self._lock)  # a file system without locks: the folder ages out instead
            self.folder.mkdir()
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Unlock and remove the lock file (after the folder is renamed or removed)."""
        if self._lock is not None:
            with suppress(OSError):  # closing flushes: on a full disk that fails too
                self._lock.close()
            self._lock = None
        with suppress(OSError):
            self.lock_path.unlink()

    def discard(self) -> None:
        """Remove the folder and its lock: the export failed or was cancelled."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.release()


def clear_stale(parent: Path) -> list[Path]:
    """Remove the partial export folders in `parent` that no running export holds.

    Returns what was removed. Anything that cannot be checked or removed is left.
    """
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if PARTIAL.fullmatch(entry.name) and entry.is_dir() and _stale(entry):
            shutil.rmtree(entry, ignore_errors=True)
            with suppress(OSError):
                entry.with_name(entry.name + LOCK_SUFFIX).unlink()
            if not entry.exists():
                removed.append(entry)
        elif entry.name.endswith(LOCK_SUFFIX) and PARTIAL.fullmatch(entry.stem):
            folder = entry.with_name(entry.stem)
            if not folder.exists() and _stale(folder):  # a lock whose folder never came
                with suppress(OSError):
                    entry.unlink()
    return removed


def _stale(folder: Path) -> bool:
    lock = folder.with_name(folder.name + LOCK_SUFFIX)
    try:
        handle = open(lock, "r+b")  # noqa: SIM115 - closed below, before the folder goes
    except FileNotFoundError:
        return _old(folder)
    except OSError:
        return False
    with handle:
        locked = _try_lock(handle)  # got it: its export is gone (closing drops it again)
    return _old(folder) if locked is None else locked


def _old(folder: Path) -> bool:
    """Stale by age, where no lock can tell: a day old."""
    try:
        return time.time() - folder.stat().st_mtime > UNLOCKED_STALE_AFTER_S
    except OSError:
        return False


__all__ = ["LOCK_SUFFIX", "PARTIAL", "Partial", "clear_stale"]

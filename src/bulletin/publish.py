"""Atomic publishing: build into a staging folder, then swap it with ``build/`` in one step.

A build that fails or is killed leaves ``build/`` exactly as it was; the next build
removes whatever staging folder the killed one left behind.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

STAGING_PREFIX = ".bulletin-staging-"
LOCK_NAME = ".bulletin-build.lock"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class BuildLocked(Exception):
    """Another build of the same project is running."""


@dataclass(slots=True)
class Staging:
    """A build in progress: where it writes, and the lock that keeps other builds out."""

    output: Path  # the published folder, e.g. build/
    folder: Path  # the staging folder that becomes build/
    lock: IO[str]

    def path_for(self, published: Path) -> Path:
        """Where something destined for ``published`` (inside ``output``) is written now."""
        return self.folder / published.relative_to(self.output)

    def publish(self) -> None:
        """Swap the staging folder into place, then delete the previous output."""
        try:
            if self.output.exists():
                _exchange(self.folder, self.output)
                shutil.rmtree(self.folder, ignore_errors=True)
            else:
                os.rename(self.folder, self.output)
        finally:
            self.release()

    def abandon(self) -> None:
        """Drop the staging folder; the published output stays as it was."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.release()

    def release(self) -> None:
        if not self.lock.closed:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()


def begin(output: Path) -> Staging:
    """Take the build lock, clear stale staging folders and make a fresh one beside ``output``."""
    parent = output.parent
    parent.mkdir(parents=True, exist_ok=True)
    lock = (parent / LOCK_NAME).open("a+", encoding="utf-8")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise BuildLocked(
            f"another build of this project is running (lock {parent / LOCK_NAME}); "
            "wait for it to finish and build again"
        ) from None
    for stale in parent.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)  # mkdtemp makes it private; build/ is for a web server to read
    return Staging(output=output, folder=folder, lock=lock)


def _exchange(first: Path, second: Path) -> None:
    """Swap two folders atomically (Linux renameat2); two renames where that is missing."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        result = renameat2(
            _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
        )
        if result == 0:
            return
        if ctypes.get_errno() not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(second))
    aside = first.with_name(first.name + "-old")
    os.rename(second, aside)
    os.rename(first, second)
    os.rename(aside, first)

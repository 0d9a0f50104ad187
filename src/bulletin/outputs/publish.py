"""Atomic publishing: build into a staging folder, then swap it with ``build/`` in one step.

A build that fails or is killed leaves ``build/`` exactly as it was; the next build
removes whatever staging folder the killed one left behind.

A swap deletes the folder it replaces, so only folders bulletin made are ever replaced or
removed: each staging folder carries a marker file, and a folder without one is refused.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bulletin.writing import write_file

try:  # one build at a time, by an advisory lock: POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    raise ImportError(
        "bulletin publishes through POSIX file locks (fcntl), which Windows lacks: run it in "
        "WSL (Windows Subsystem for Linux), or in a Linux or macOS terminal"
    ) from None

STAGING_PREFIX = ".bulletin-staging-"
LOCK_NAME = ".bulletin-build.lock"
MARKER = ".bulletin-output"  # in every folder bulletin builds; never inside the site itself
MARKER_TEXT = b"bulletin made this folder and replaces it at every build; keep nothing here.\n"
# What the release before the marker left in build/: its site and its emails, nothing else.
PREVIOUS_RELEASE_ENTRIES = frozenset({"site", "email"})
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class BuildLocked(Exception):
    """Another build of the same project is running."""


class ForeignOutput(Exception):
    """The output folder holds something bulletin did not make, which a swap would delete."""

    def __init__(self, output: Path) -> None:
        super().__init__(
            f"{output} was not made by bulletin (it has no {MARKER} file), and every build "
            "replaces that folder as a whole; move your files out of it and delete or rename "
            "it, or choose another output_dir under the bulletin plugin in mkdocs.yml"
        )


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
            if os.path.lexists(self.output):
                if not is_bulletin_output(self.output):  # appeared since begin() checked
                    raise ForeignOutput(self.output)
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
    if os.path.lexists(output) and not is_bulletin_output(output):
        raise ForeignOutput(output)  # before the lock, so that a refusal writes nothing
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
        if is_bulletin_output(stale):  # someone's folder that happens to share the name stays
            shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
    write_file(folder, MARKER, MARKER_TEXT)
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)  # mkdtemp makes it private; build/ is for a web server to read
    return Staging(output=output, folder=folder, lock=lock)


def is_bulletin_output(folder: Path) -> bool:
    """Whether ``folder`` is one bulletin made, which a build may therefore replace or delete."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    if (folder / MARKER).is_file():
        return True
    # An empty folder loses nothing. The release before the marker left build/ holding only
    # the folders site/ and email/: that shape is recognised so that upgrading keeps building
    # (the first build adds the marker). Anything else in it may be someone's work: refused.
    try:
        with os.scandir(folder) as entries:
            return all(
                entry.name in PREVIOUS_RELEASE_ENTRIES and entry.is_dir(follow_symlinks=False)
                for entry in entries
            )
    except OSError:  # unreadable: not something to delete
        return False


def output_dir_problem(output: Path, root: Path, sources: dict[str, Path]) -> str | None:
    """Why ``output`` (resolved) cannot be the output folder of the project in ``root``.

    A build replaces the output folder as a whole, so it must be a folder of its own inside
    the project that holds none of ``sources`` (name -> resolved path) and is not inside one.
    """
    if output == root:
        return "is the project folder itself"
    if not output.is_relative_to(root):
        return f"is outside the project folder ({root})"
    for name, source in sources.items():
        shown = source.relative_to(root).as_posix() if source.is_relative_to(root) else source
        if output == source:
            return f"is {name} ({shown}), which holds sources"
        if source.is_relative_to(output):
            return f"holds {name} ({shown})"
        if output.is_relative_to(source):
            return f"is inside {name} ({shown})"
    return None


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

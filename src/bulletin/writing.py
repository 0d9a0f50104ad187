"""The one way bulletin writes a file: inside a given folder, never outside it.

Feeds, emails, the render cache, new posts and the staging marker all go through
``write_file``, so a name taken from the sources (an author key, a slug) that tried to
climb out of its folder with ``..``, an absolute path or a link is refused here even if
validation missed it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path, PurePosixPath


class UnsafePath(ValueError):
    """A path that would put a file outside the folder it was meant for."""


def write_file(folder: Path, relative: str, data: bytes, *, exclusive: bool = False) -> Path:
    """Write ``data`` to ``folder/relative``, making folders on the way; return the file's path.

    ``relative`` is a ``/``-separated path: absolute paths, ``..`` and folders that are links
    leading out of ``folder`` are refused with UnsafePath before anything is made. An existing
    file is replaced atomically (a reader never sees half of it, and a link in its place is
    replaced, not followed); with ``exclusive`` it is an error (FileExistsError) instead.
    """
    base = folder.resolve()
    parts = _parts(relative, folder)
    # Only folders that exist can be links, and resolve() follows those: a parent that lands
    # outside ``base`` is refused before mkdir could make anything out there.
    parent = base.joinpath(*parts[:-1]).resolve()
    if not parent.is_relative_to(base):
        raise UnsafePath(
            f"{relative}: a folder on the way is a link out of {folder} (to {parent}); "
            "nothing was written there"
        )
    parent.mkdir(parents=True, exist_ok=True)
    target = parent / parts[-1]
    if target.exists() and not target.is_file():  # a folder, a device, a pipe: not ours
        raise UnsafePath(f"{target} is not a regular file; nothing was written there")
    if exclusive:
        handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        return target
    temporary = parent / f".{parts[-1]}.{secrets.token_hex(6)}.tmp"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # honours umask
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def _parts(relative: str, folder: Path) -> tuple[str, ...]:
    path = PurePosixPath(relative)
    if "\\" in relative or "\0" in relative:
        problem = "contains a backslash or a NUL character"
    elif path.is_absolute():
        problem = "is an absolute path"
    elif ".." in path.parts:
        problem = "climbs out with '..'"
    elif not path.parts:
        problem = "names no file"
    else:
        return path.parts
    raise UnsafePath(f"{relative!r} {problem}; files are only written inside {folder}")

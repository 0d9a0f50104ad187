"""`mkdocs serve` rebuilds, quicker: the patches ``serve-*`` in ``bulletin.site.patches.PATCHES``.

Python's full garbage collections wait until a rebuild has finished, and MkDocs' file
watcher hears of saved files from the kernel instead of polling every folder.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

FULL_COLLECTIONS_OFF = 1_000_000  # gen-1 collections before an automatic full one


def collect_between_rebuilds() -> None:
    """Under `mkdocs serve`: no full garbage collection during a rebuild, one after it.

    A full pass of Python's cyclic collector walks every object, the caches kept between
    rebuilds included: two or three of them took 0.5–1 s of a rebuild of 1,000 posts.
    Young objects are still collected as usual; the previous build's pages go at the
    collection that follows each rebuild (`collect_soon`), once the preview is served.
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTIONS_OFF)


def collect_soon(delay: float = 1.0) -> None:
    timer = threading.Timer(delay, gc.collect)
    timer.daemon = True
    timer.start()


def watch_natively(server: Any) -> None:
    """Let `mkdocs serve` hear of a saved file from the kernel (inotify) instead of polling.

    MkDocs polls every watched folder twice a second: a saved post waits up to 0.5 s to be
    noticed, and each poll lists every file (1,700 for a site of 1,000 posts) while the
    rebuild runs. Where the platform has no native watcher, polling stays.

    Only changes are watched: inotify also reports each file opened and closed unchanged,
    and every build reads every source, so those would start a rebuild after each build.
    """
    from watchdog import events
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    changes: list[type[events.FileSystemEvent]] = [
        events.FileCreatedEvent,
        events.FileModifiedEvent,
        events.FileClosedEvent,  # closed after writing
        events.FileMovedEvent,
        events.FileDeletedEvent,
        events.DirCreatedEvent,
        events.DirMovedEvent,
        events.DirDeletedEvent,
    ]

    class ChangeObserver(Observer):  # type: ignore[misc,valid-type]
        def schedule(self, handler: Any, path: Any, **options: Any) -> Any:
            options["event_filter"] = options.get("event_filter") or changes
            return super().schedule(handler, path, **options)

    watched = getattr(server, "_watched_paths", None)
    refs = getattr(server, "_watch_refs", None)
    observer = getattr(server, "observer", None)
    if Observer is PollingObserver or not isinstance(observer, PollingObserver):
        return
    if not isinstance(watched, dict) or not isinstance(refs, dict) or observer.is_alive():
        return
    paths = dict(watched)
    watched.clear()
    refs.clear()
    server.observer = ChangeObserver()
    for path, count in paths.items():
        for _ in range(count):
            server.watch(path)

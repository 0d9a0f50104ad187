"""Narrow speed-ups inside Material's blog and search plugins, without forking them.

Each replaces one measured hot spot with an equivalent that gives the same output:

- the blog asks ``page in posts`` for every page, a scan of every post (quadratic);
- it reads each post's front matter with PyYAML's pure-Python loader (bulletin has
  already validated the same YAML, so libyaml reads it to the same values);
- it parses every post's HTML to count words for the reading time, and the search plugin
  parses every page's HTML into index entries, on every `bulletin serve` rebuild, although
  almost every page is unchanged: both are remembered by a digest of what they read.

One more is not a speed-up but a gap filled: Material's blog requires every author to have
an avatar, and bulletin makes one for those without (``fill_in_avatars``).
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import os
import pickle
import threading
from collections.abc import Hashable, Iterable
from typing import Any, SupportsIndex

import yaml
from markdown import Markdown
from markdown.util import Registry


class PostList(list):
    """Material's list of posts, answering ``page in posts`` from an index of files.

    ``Page.__eq__`` compares class, title and file, so only posts with the same source
    file can be equal: the index narrows the scan to those.
    """

    def __init__(self, posts: Iterable[Any] = ()) -> None:
        super().__init__(posts)
        self._index: dict[str, list[Any]] | None = None

    def __contains__(self, page: object) -> bool:
        file = getattr(page, "file", None)
        src_uri = getattr(file, "src_uri", None)
        if not isinstance(src_uri, str):
            return super().__contains__(page)
        if self._index is None:
            self._index = {}
            for post in self:
                self._index.setdefault(post.file.src_uri, []).append(post)
        return any(post is page or post == page for post in self._index.get(src_uri, ()))

    # Any change to the list rebuilds the index at the next membership test.
    def append(self, post: Any) -> None:
        self._index = None
        super().append(post)

    def extend(self, posts: Iterable[Any]) -> None:
        self._index = None
        super().extend(posts)

    def insert(self, index: SupportsIndex, post: Any) -> None:
        self._index = None
        super().insert(index, post)

    def remove(self, post: Any) -> None:
        self._index = None
        super().remove(post)

    def pop(self, index: SupportsIndex = -1) -> Any:
        self._index = None
        return super().pop(index)

    def clear(self) -> None:
        self._index = None
        super().clear()

    def __setitem__(self, index: Any, value: Any) -> None:
        self._index = None
        super().__setitem__(index, value)

    def __delitem__(self, index: Any) -> None:
        self._index = None
        super().__delitem__(index)

    def __iadd__(self, posts: Iterable[Any]) -> PostList:  # type: ignore[override,misc]
        self._index = None
        return super().__iadd__(posts)


def index_blog_posts(blog: Any) -> None:
    """After Material's blog has collected its posts: make membership tests cheap."""
    root = getattr(blog, "blog", None)
    if root is not None and type(root.posts) is list:
        root.posts = PostList(root.posts)


def index_blog_views(blog: Any) -> None:
    """After Material's blog has attached its views to the navigation: answer its
    ``view in self._resolve_views(self.blog)``, asked for every page, from one indexed list.

    Otherwise each page walks every view (129 at 1,000 posts) through nested generators,
    comparing it with each. Views of any other root are walked as before.
    """
    resolve = getattr(type(blog), "_resolve_views", None)
    root = getattr(blog, "blog", None)
    if resolve is None or root is None:
        return
    blog.__dict__.pop("_resolve_views", None)  # walk this build's views, not the last's
    views = PostList(resolve(blog, root))

    def resolve_views(view: Any) -> Iterable[Any]:
        return views if view is root else resolve(blog, view)

    blog._resolve_views = resolve_views


def fast_front_matter() -> None:
    """Let Material read post front matter with libyaml, which bulletin has validated."""
    from material.plugins.blog import structure

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and getattr(structure, "SafeLoader", None) is yaml.SafeLoader:
        structure.SafeLoader = fast


def memoise_front_matter(memo: Memo) -> None:
    """Under `mkdocs serve`: Material parses each distinct post front matter once.

    Material reads every post's front matter again at each rebuild; the memo keeps each
    parsed mapping pickled, so every post still gets a mapping of its own to change.
    """
    from material.plugins.blog import structure

    current = structure.SafeLoader
    if getattr(current, "bulletin_memo", None) is memo:
        return
    base = getattr(current, "bulletin_base", current)

    class MemoisedLoader:  # the part of a PyYAML loader that yaml.load() uses
        bulletin_memo = memo
        bulletin_base = base

        def __init__(self, stream: str) -> None:
            self.stream = stream

        def get_single_data(self) -> Any:
            key = ("front matter", self.stream)
            pickled = memo.get(key)
            if pickled is None:
                loader = base(self.stream)
                try:
                    value = loader.get_single_data()
                finally:
                    loader.dispose()
                pickled = pickle.dumps(value)
                memo.put(key, pickled)
            return pickle.loads(pickled)

        def dispose(self) -> None:
            pass

    structure.SafeLoader = MemoisedLoader


class Memo:
    """Results by a digest of their inputs, kept from one `mkdocs serve` rebuild to the next.

    Only what the last build used is kept, so a memo holds one site's worth at most.
    """

    def __init__(self) -> None:
        self.entries: dict[Hashable, Any] = {}
        self.used: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any | None:
        value = self.used.get(key)
        if value is None:
            value = self.entries.get(key)
            if value is not None:
                self.used[key] = value
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self.used[key] = value

    def next_build(self) -> None:
        """Keep what the last build used, so the memo holds one site's worth at most."""
        self.entries, self.used = self.used, {}


def digest(*parts: str) -> bytes:
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        encoded = part.encode("utf-8", "surrogatepass")
        hasher.update(f"\0{len(encoded)}:".encode())
        hasher.update(encoded)
    return hasher.digest()


def memoise_readtime(memo: Memo) -> None:
    """Material's reading time, computed once per distinct post HTML."""
    from material.plugins.blog import plugin

    readtime = getattr(plugin, "readtime", None)
    if readtime is None or getattr(readtime, "bulletin_memo", None) is memo:
        return
    original = getattr(readtime, "__wrapped__", readtime)

    def memoised(html: str, words_per_minute: int) -> int:
        key = digest("readtime", str(words_per_minute), html)
        minutes = memo.get(key)
        if minutes is None:
            minutes = original(html, words_per_minute)
            memo.put(key, minutes)
        return minutes

    memoised.__wrapped__ = original  # type: ignore[attr-defined]
    memoised.bulletin_memo = memo  # type: ignore[attr-defined]
    plugin.readtime = memoised


def memoise_search(search: Any, memo: Memo) -> None:
    """The search index entries of a page, computed once per distinct page."""
    index = getattr(search, "search_index", None)
    if index is None or not hasattr(index, "add_entry_from_context"):
        return
    add = index.add_entry_from_context

    def add_entry(page: Any) -> None:
        # Front matter is plain data, so its repr says all of it (an object's address
        # would only make the key miss).
        key = digest(
            "search",
            page.url,
            str(page.title),
            page.content or "",
            repr(page.meta),
            repr(_toc(page.toc)),
        )

        entries = memo.get(key)
        if entries is None:
            start = len(index.entries)
            add(page)
            memo.put(key, index.entries[start:])
        else:
            index.entries.extend(entries)

    index.add_entry_from_context = add_entry


SEARCH_MARKUP = r"\s?data-search-\w+=\"[^\"]+\""  # what Material's search removes from pages
SEARCH_HANDLER_NAMES = (
    "config", "enabled", "search_index", "add_entry_from_context", "re", "sub", "content"
)  # fmt: skip


def skip_needless_search_scans(plugins: Any) -> None:
    """Pages without a ``data-search-`` attribute skip the scan Material's search makes for one.

    Material's search plugin indexes each page, then removes those attributes with a
    regular expression whose optional first character makes it try every position of the
    page: 0.08 s a rebuild at 1,000 posts, for pages that almost never have one. The
    handler is wrapped only while it does exactly those two things.
    """
    from material.plugins.search.plugin import SearchPlugin

    code = SearchPlugin.on_page_context.__code__
    if code.co_names != SEARCH_HANDLER_NAMES or SEARCH_MARKUP not in code.co_consts:
        return
    handlers = plugins.events["page_context"]
    for index, method in enumerate(handlers):
        if getattr(method, "__func__", None) is not SearchPlugin.on_page_context:
            continue
        handlers[index] = _scan_only_if_needed(method)
        origins = getattr(plugins, "_event_origins", None)
        if isinstance(origins, dict) and method in origins:
            origins[handlers[index]] = origins[method]


def _scan_only_if_needed(method: Any) -> Any:
    search = method.__self__

    def on_page_context(context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        if page.content is None or "data-search-" in page.content:
            return method(context, page=page, config=config, nav=nav)
        if search.config.enabled:  # the same, without a substitution that changes nothing
            search.search_index.add_entry_from_context(page)
        return None

    return on_page_context


def _toc(toc: Any) -> list[Any]:
    return [(item.id, item.title, item.url, item.level, _toc(item.children)) for item in toc]


class LazyMarkdown:
    """Material's parser for a post's excerpt, built only when an excerpt is converted.

    Material builds a full Markdown parser, with every extension, for each post's excerpt
    at each build; with bulletin's render cache most excerpts are never converted again.
    Until then, the tree processors Material registers wait in a registry of their own.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._markdown: Markdown | None = None
        self.treeprocessors: Registry = Registry()

    def convert(self, source: str) -> str:
        return self._parser().convert(source)

    def __getattr__(self, name: str) -> Any:  # anything else: the real parser
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._parser(), name)

    def _parser(self) -> Markdown:
        if self._markdown is None:
            markdown = Markdown(**self._options)
            waiting = self.treeprocessors
            for item in waiting._priority:
                markdown.treeprocessors.register(waiting[item.name], item.name, item.priority)
            self._markdown = markdown
            self.treeprocessors = markdown.treeprocessors
        return self._markdown


def lazy_excerpt_parsers() -> None:
    """Give Material's excerpts a parser that is built on first use."""
    from material.plugins.blog import structure

    if getattr(structure, "Markdown", None) is Markdown:
        structure.Markdown = LazyMarkdown


# sha256 of inspect.getsource(BlogPlugin._resolve_authors) in the Material that
# fill_in_avatars reproduces (9.8.2); tests/test_avatars.py fails when it changes.
RESOLVE_AUTHORS_SHA256 = "1e7992eb747a6bc95a09d3b680fca3f48f98e869310fed204ca8d5e4943f13b5"


def source_digest(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()


def fill_in_avatars(blog: Any, avatars: dict[str, str]) -> bool:
    """Let Material's blog accept authors without an avatar, giving each the one in ``avatars``.

    Material's ``Author`` requires ``avatar``, and the blog reads the authors file in its own
    ``on_config`` (``_resolve_authors``). On this blog instance only, that method becomes
    the same steps plus one: an author key in ``avatars`` (bulletin's generated pictures)
    gets that avatar before Material validates the file. Everything else (slug, url,
    Material's own errors and warnings) is as Material does it. Only while Material's
    method is the one fingerprinted: otherwise nothing is patched and False is returned.
    """
    blog.__dict__.pop("_resolve_authors", None)  # this build's avatars, not the last's
    if not avatars:
        return True
    from material.plugins.blog import plugin as material

    if source_digest(material.BlogPlugin._resolve_authors) != RESOLVE_AUTHORS_SHA256:
        return False

    def resolve_authors(config: Any) -> Any:
        path = os.path.normpath(blog.config.authors_file.format(blog=blog.config.blog_dir))
        docs = os.path.relpath(config.docs_dir)
        file = os.path.join(docs, path)
        authors = material.Authors()
        if not os.path.isfile(file):
            return authors.authors
        with open(file, encoding="utf-8-sig") as f:
            authors.config_file_path = os.path.abspath(file)
            try:
                data = yaml.load(f, material.SafeLoader) or {}
                entries = data.get("authors") if isinstance(data, dict) else None
                for key, entry in (entries if isinstance(entries, dict) else {}).items():
                    if str(key) in avatars and isinstance(entry, dict):
                        entry["avatar"] = avatars[str(key)]
                authors.load_dict(data)
            except Exception as e:
                raise material.PluginError(
                    f"Error reading authors file '{path}' in '{docs}':\n{e}"
                ) from None
        errors, warnings = authors.validate()
        for _, w in warnings:
            material.log.warning(w)
        for _, e in errors:
            raise material.PluginError(f"Error reading authors file '{path}' in '{docs}':\n{e}")
        return authors.authors

    blog._resolve_authors = resolve_authors
    return True


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

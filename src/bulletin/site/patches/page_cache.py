"""Finished pages reused from the last build, keyed by everything their template reads.

MkDocs renders every page's theme template again on each build, although saving one
post changes only that post, the list pages it is on and the feeds. Rendering the
templates of 1,600 pages is most of a rebuild. This cache fingerprints each page's
template context (the page, the excerpts and pagination of a list page, the navigation,
the configuration and the theme's own templates) just before MkDocs renders it; when the
fingerprint matches the previous build's, the template answers with that build's output:
kept in memory between `bulletin serve` rebuilds (``MemoryPages``), and read back from the
published site after a `bulletin build` (``BuiltPages``, whose index lives in the cache
folder and names each page's file and the sha256 of its bytes).

The fingerprint is conservative: Pages met inside other objects count by their address,
title and front matter (the navigation and file map, in the build's digest, cover the
rest), and any value it cannot describe stably makes the page render normally.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import jinja2
import jinja2.bccache
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page

from bulletin.digests import Memo, StoredMemo, Undescribable, stable_repr
from bulletin.site.patches.render_cache import context_digest

log = logging.getLogger("mkdocs.plugins.bulletin")

OUTPUT = "bulletin_page_output"  # the context key that carries a cached page to the template
MAX_DEPTH = 12
SKIPPED_CONTEXT = ("config", "nav", "pages")  # in the build digest
# Not read by templates: a page's parser and Markdown (its HTML is), whether it is the
# current page (its address is in the key) and what MkDocs checks links against.
SKIPPED_ATTRIBUTES = frozenset(
    {"md", "markdown", "active", "_Page__active", "links_to_anchors", "present_anchor_ids"}
)


class Uncacheable(Undescribable):
    """A value with no stable description: the page is rendered as usual."""


class CachedTemplate(jinja2.Template):
    """A theme template that returns a cached page instead of rendering it again."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        if args and isinstance(args[0], dict) and OUTPUT in args[0]:
            return args[0][OUTPUT]
        return super().render(*args, **kwargs)


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept between rebuilds; Jinja checks each against its source."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


class Pages(Protocol):
    """Where finished pages are kept between builds."""

    def get(self, key: str) -> str | None: ...
    def put(self, key: str, output: str, dest_uri: str) -> None: ...
    def next_build(self) -> None: ...


class MemoryPages:
    """Finished pages in memory, from one `mkdocs serve` rebuild to the next."""

    def __init__(self) -> None:
        self.memo = Memo()

    def get(self, key: str) -> str | None:
        return self.memo.get(key)

    def put(self, key: str, output: str, dest_uri: str) -> None:
        self.memo.put(key, output)

    def next_build(self) -> None:
        self.memo.next_build()


INDEX_CONTEXT = "finished pages 1"  # what the index's entries are: [dest_uri, sha256]


class BuiltPages:
    """The finished pages of the last published build, read back from its site folder.

    The index (a ``StoredMemo``) maps a page's context key to its file in the site and the
    sha256 of the file's bytes. A hit reads the file and checks the digest, so a page
    changed or removed since (by hand, or by a build that was not published) is a miss,
    never a wrong page. Only pages whose file holds exactly the template's output are
    indexed.
    """

    def __init__(self, index: Path, site_dir: Path) -> None:
        self.index = StoredMemo(index, INDEX_CONTEXT)
        self.site_dir = site_dir

    def get(self, key: str) -> str | None:
        entry = self.index.entries.get(bytes.fromhex(key))
        if not (isinstance(entry, list) and len(entry) == 2):
            return None
        dest_uri, sha = entry
        if not (isinstance(dest_uri, str) and isinstance(sha, str)):
            return None
        path = (self.site_dir / dest_uri).resolve()
        if not path.is_relative_to(self.site_dir.resolve()):
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != sha:
            return None
        self.index.get(bytes.fromhex(key))  # kept for the next build
        return data.decode("utf-8")

    def put(self, key: str, output: str, dest_uri: str) -> None:
        try:  # MkDocs writes pages with xmlcharrefreplace: the file is the output only if
            data = output.encode("utf-8")  # it has no character that needs replacing
        except UnicodeEncodeError:
            return
        self.index.put(bytes.fromhex(key), [dest_uri, hashlib.sha256(data).hexdigest()])

    def next_build(self) -> None:
        self.index.next_build()

    def save(self) -> None:
        """Write the index of the pages just published (call once they are)."""
        self.index.save()


class PageCache:
    """Template outputs by context fingerprint; keeps only what the last build used."""

    def __init__(self, pages: Pages | None = None) -> None:
        self.outputs: Pages = pages if pages is not None else MemoryPages()
        self.build_digest: bytes | None = None
        self.describer = Describer()
        self.bytecode = MemoryBytecodeCache()  # MkDocs makes a new environment every build
        self.pending: dict[str, tuple[str, str]] = {}  # page URL -> key, dest_uri
        self.hits = 0
        self.misses = 0

    def start_build(self) -> None:
        self.build_digest = None
        self.describer = Describer()
        self.pending = {}
        self.hits = self.misses = 0

    def finish_build(self) -> None:
        """Forget outputs this build did not use: the cache is one site's worth at most."""
        self.outputs.next_build()

    def lookup(
        self, context: dict[str, Any], name: str, dest_uri: str, config: MkDocsConfig, files: Any
    ) -> None:
        """Put the cached output in ``context`` on a hit; remember the key on a miss.

        ``name`` is the page's address, or the name of a theme template such as 404.html;
        ``dest_uri`` the file it becomes in the site.
        """
        if self.build_digest is None:
            try:
                self.build_digest = self.describer.build_digest(config, files, context.get("nav"))
            except Undescribable as error:
                log.info("Finished pages are not reused in this build: %s", error)
                self.build_digest = b""  # no page of this build can be matched
        if not self.build_digest:
            self.misses += 1
            return
        try:
            key = self.describer.page_key(self.build_digest, context)
        except Uncacheable:
            self.misses += 1
            return
        output = self.outputs.get(key)
        if output is None:
            self.misses += 1
            self.pending[name] = (key, dest_uri)
            return
        self.hits += 1
        context[OUTPUT] = output

    def store(self, output: str, name: str) -> None:
        pending = self.pending.pop(name, None)
        if pending is not None:
            self.outputs.put(pending[0], output, pending[1])


class Describer:
    """Describes template values as a flat list of tokens, hashed once per page, for one build.

    A page another object points to counts by its address, title and front matter; those
    references, and lists of them (a list page's posts), are described once per build: the
    pages do not change while MkDocs renders templates. Plain values are tokens as they
    are; every other token is ``bytes`` (a kind, a length, a digest), so no value can pass
    for one.
    """

    def __init__(self) -> None:
        self.memo: dict[int, tuple[Any, bytes]] = {}  # id -> (object kept alive, digest)

    def page_key(self, digest: bytes, context: dict[str, Any]) -> str:
        tokens: list[Any] = []
        for name in sorted(context):
            if name in SKIPPED_CONTEXT or name == OUTPUT:
                continue
            tokens.append(name)
            self.feed(tokens, context[name], 0, full=True)
        return hashlib.blake2b(digest + _dump(tokens), digest_size=20).hexdigest()

    def build_digest(self, config: MkDocsConfig, files: Any, nav: Navigation | None) -> bytes:
        """What every page's template depends on: configuration, plugins, templates, navigation."""
        context = context_digest(config, files)  # the theme's overrides included
        if context is None:
            raise Uncacheable("the Markdown configuration has no exact description")
        hasher = hashlib.blake2b(context.encode(), digest_size=20)
        # Not site_dir: a build writes into a staging folder of a new name each time, and
        # no template prints where the site is written.
        settings = {k: v for k, v in config.items() if k not in ("plugins", "site_dir")}
        hasher.update(stable_repr(settings).encode("utf-8", "surrogatepass"))
        for name, plugin in config.plugins.items():
            hasher.update(f"\0plugin {name} {stable_repr(dict(plugin.config))}".encode())
        if nav is not None:
            tokens: list[Any] = []
            self.feed(tokens, nav.items, 0, full=False, in_nav=True)
            hasher.update(_dump(tokens))
        return hasher.digest()

    def feed(
        self, out: list[Any], value: Any, depth: int, *, full: bool, in_nav: bool = False
    ) -> None:
        """Describe ``value`` onto ``out``; Pages in full only where ``full``."""
        if depth > MAX_DEPTH:
            raise Uncacheable(f"nested deeper than {MAX_DEPTH}")
        cls = type(value)
        if cls in PLAIN:
            out.append(value)
            return
        kind = _kind(cls)
        if kind == "dict":
            out.append(b"dict %s %d" % (cls.__qualname__.encode(), len(value)))
            self._feed_each(out, _keyed(value, sorted(value, key=str)), depth + 1, full)
            if hasattr(value, "__dict__"):
                self.feed(out, _attributes(value), depth + 1, full=False)
        elif kind == "list":
            if not full:
                known = self.memo.get(id(value))
                if known is not None and known[0] is value:
                    out += (b"=", known[1])
                    return
                if not in_nav and value and all(_is_page(item) for item in value):
                    out += (b"=", self._memoised(value, depth))  # e.g. every post of a list page
                    return
            out.append(b"list %s %d" % (cls.__qualname__.encode(), len(value)))
            self._feed_each(out, value, depth + 1, full, in_nav)
            if hasattr(value, "__dict__"):
                self.feed(out, _attributes(value), depth + 1, full=False)
        elif kind == "page":
            if full:
                self._feed_reference(out, value, depth)
                self._feed_attributes(out, value, depth + 1)
            elif value.file.page is value:  # a site page (an excerpt is a copy, re-rendered)
                out += (b"=", self._memoised(value, depth))
            else:
                self._feed_reference(out, value, depth)
        elif kind == "text":  # Markup and other kinds of text
            out += (b"text " + cls.__qualname__.encode(), str(value))
        elif kind == "number":  # an IntEnum, say
            out += (b"number " + cls.__qualname__.encode(), repr(value))
        elif kind == "date":
            out += (b"date " + cls.__name__.encode(), value.isoformat())
        elif kind == "set":
            out.append(b"set %d" % len(value))
            out += sorted(self._digest(item, depth + 1) for item in value)
        elif kind == "build":
            out.append(b"in the build digest " + cls.__name__.encode())
        elif kind == "config":
            self.feed(out, dict(value.items()), depth + 1, full=False)
        elif kind == "plugin":
            out.append(b"plugin " + cls.__qualname__.encode())
            self.feed(out, dict(value.config.items()), depth + 1, full=False)
        elif kind == "file":
            out += (b"file", value.src_uri, value.dest_uri, value.url)
        elif kind == "section":
            out.append(b"section")
            self.feed(out, value.title, depth + 1, full=False)
            if in_nav:
                self.feed(out, value.children, depth + 1, full=False, in_nav=True)
            else:
                self.feed(out, _ancestry(value), depth + 1, full=False)
        elif kind == "link":
            out.append(b"link " + cls.__name__.encode())
            self.feed(out, (value.title, value.url), depth + 1, full=False)
        elif kind == "class":
            out.append(f"class {value.__module__}.{value.__qualname__}".encode())
        elif callable(value) and hasattr(value, "__code__"):
            out.append(f"function {value.__module__}.{value.__qualname__}".encode())
            cells = [cell.cell_contents for cell in value.__closure__ or ()]
            self.feed(out, cells, depth + 1, full=False)
            self.feed(out, list(value.__defaults__ or ()), depth + 1, full=False)
        elif hasattr(value, "__dict__"):  # a table of contents, its links...
            attributes = _attributes(value)
            out.append(f"object {cls.__module__}.{cls.__qualname__} {len(attributes)}".encode())
            self._feed_each(out, _keyed(attributes, sorted(attributes)), depth + 1, False)
        else:
            text = repr(value)
            if " at 0x" in text or text.startswith("<"):
                raise Uncacheable(f"no stable description of {cls.__qualname__}")
            out += (b"repr " + cls.__qualname__.encode(), text)

    def _feed_each(
        self, out: list[Any], items: Iterable[Any], depth: int, full: bool, in_nav: bool = False
    ) -> None:
        """Describe each item; plain values and empty lists, most of them, in place."""
        for item in items:
            if type(item) in PLAIN:
                out.append(item)
            elif type(item) is list and not item:  # a heading's children, mostly
                out.append(EMPTY_LIST)
            else:
                self.feed(out, item, depth, full=full, in_nav=in_nav)

    def _feed_reference(self, out: list[Any], page: Page, depth: int) -> None:
        """A page another points to: its address, title and front matter, which Material's
        templates read for navigation (icon, subtitle, status...)."""
        out.append(b"page " + type(page).__qualname__.encode())
        try:
            title = page.title
        except AttributeError:  # an excerpt not rendered yet
            title = None
        self.feed(out, (page.url, title, page.meta), depth + 1, full=False)

    def _feed_attributes(self, out: list[Any], page: Page, depth: int) -> None:
        """A page's data. Its dictionaries, lists and settings (front matter, authors,
        categories), which its excerpts share, are described once per build."""
        attributes = _attributes(page)
        out.append(b"attributes %d" % len(attributes))
        for key in sorted(attributes):
            item = attributes[key]
            out.append(key)
            if type(item) in PLAIN:
                out.append(item)
            elif _kind(type(item)) in ("dict", "list", "config"):
                out += (b"=", self._memoised(item, depth))
            else:
                self.feed(out, item, depth, full=False)

    def _memoised(self, value: Any, depth: int) -> bytes:
        """The digest of a page reference, a list of pages or a page's container, once per
        build: they do not change while MkDocs renders templates. The memo keeps each object
        alive, so no other object can take its ``id`` meanwhile."""
        known = self.memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        tokens: list[Any] = []
        if isinstance(value, Page):
            self._feed_reference(tokens, value, depth)
        elif isinstance(value, list | tuple) and value and all(_is_page(item) for item in value):
            tokens.append(b"pages %d" % len(value))
            tokens += (self._memoised(item, depth + 1) for item in value)
        else:
            self.feed(tokens, value, depth, full=False)
        digest = _hash(tokens)
        self.memo[id(value)] = (value, digest)
        return digest

    def _digest(self, value: Any, depth: int) -> bytes:
        tokens: list[Any] = []
        self.feed(tokens, value, depth, full=False)
        return _hash(tokens)


PLAIN = frozenset({str, int, float, bool, type(None)})  # tokens as they are
EMPTY_LIST = b"list list 0"
KINDS: dict[type, str] = {}  # the kind of each class met, found once


def _kind(cls: type) -> str:
    """How :meth:`Describer.feed` describes instances of ``cls``; remembered in KINDS."""
    known = KINDS.get(cls)
    if known is not None:
        return known
    kinds: list[tuple[Any, str]] = [
        (str, "text"),
        (bool | int | float, "number"),
        (datetime | date, "date"),
        (dict, "dict"),
        (list | tuple, "list"),
        (set | frozenset, "set"),
        (MkDocsConfig | Navigation, "build"),
        (Config, "config"),
        (BasePlugin, "plugin"),
        (Page, "page"),
        (File, "file"),
        (Section, "section"),
        (Link, "link"),
        (type, "class"),
    ]
    kind = next((name for base, name in kinds if issubclass(cls, base)), "other")
    KINDS[cls] = kind
    return kind


def _dump(tokens: list[Any]) -> bytes:
    # marshal version 0 writes equal values as equal bytes: no references, no interning
    return marshal.dumps(tokens, 0)


def _hash(tokens: list[Any]) -> bytes:
    return hashlib.blake2b(_dump(tokens), digest_size=20).digest()


def _keyed(mapping: Any, keys: list[Any]) -> list[Any]:
    """Each key (as text) followed by its value."""
    return [part for key in keys for part in (str(key), mapping[key])]


def _is_page(value: Any) -> bool:
    return isinstance(value, Page) and value.file.page is value


def _attributes(value: Any) -> dict[str, Any]:
    """An object's data: not its parser, nor functions patched onto it (such as a cached
    ``render``), whose closures hold whole caches."""
    return {
        key: item
        for key, item in vars(value).items()
        if key not in SKIPPED_ATTRIBUTES and not (callable(item) and hasattr(item, "__code__"))
    }


def _ancestry(section: Section) -> list[str]:
    titles = []
    parent: Any = section.parent
    while parent is not None:
        titles.append(parent.title)
        parent = parent.parent
    return titles

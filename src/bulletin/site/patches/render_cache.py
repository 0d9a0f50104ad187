"""A cache of Markdown rendered to HTML, keyed by everything the HTML depends on.

MkDocs converts every page's Markdown on every build, and Material converts each post's
opening again for every list page it appears on. Unchanged pages need neither: the cache
keys each conversion by the Markdown, the page's address, the site's file map, the whole
Markdown configuration (described exactly, or the cache is not used), the theme's
overrides, bulletin's own files and the versions of the other software, and keeps
everything a conversion sets (HTML, table of contents, title, anchors, links to other
pages' anchors, what MkDocs logged) between builds and `mkdocs serve` rebuilds, so a warm
build gives the bytes and the warnings of a cold one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import sys
from collections.abc import Callable
from importlib.metadata import (
    PackageNotFoundError,
    entry_points,
    packages_distributions,
    version,
)
from pathlib import Path
from typing import Any

from mkdocs.structure.toc import get_toc

from bulletin.digests import Undescribable, folder_digest, package_digest, stable_repr
from bulletin.writing import write_file

log = logging.getLogger("mkdocs.plugins.bulletin")

FORMAT = 2


class RenderCache:
    """Rendered pages and excerpts by key; loaded from and saved to one JSON file."""

    def __init__(self, path: Path | None, context: str | None) -> None:
        self.path = path
        # Digest of configuration, file map and versions; None: not used for this build.
        self.context = context
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: dict[str, dict[str, Any]] = {}
        self.hits = 0
        self.misses = 0
        if path is not None and path.is_file():
            # A damaged cache (truncated, edited, of another shape) is only a slower build:
            # what is not a mapping of entries is dropped here, a malformed entry in get().
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                data = None
            if isinstance(data, dict) and data.get("format") == FORMAT:
                entries = data.get("entries")
                self.entries = entries if isinstance(entries, dict) else {}
        self.saved = set(self.entries)  # the keys the file holds

    def next_build(self, context: str | None) -> None:
        """Start another build in the same process (`mkdocs serve`) with what the last used."""
        if self.used:
            self.entries, self.used = self.used, {}
        self.context = context
        self.hits = self.misses = 0

    def key(self, *parts: str) -> str:
        assert self.context is not None
        digest = hashlib.sha256(self.context.encode())
        for part in parts:
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(
        self, key: str, is_valid: Callable[[Any], bool] = lambda entry: isinstance(entry, dict)
    ) -> dict[str, Any] | None:
        """The entry kept for ``key``, if it has the shape ``is_valid`` expects."""
        entry = self.entries.get(key)
        if entry is None or not is_valid(entry):
            self.misses += 1
            return None
        self.hits += 1
        self.used[key] = entry
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        self.entries[key] = entry
        self.used[key] = entry

    def save(self) -> None:
        """Keep what this build used (so the file never grows stale), written atomically."""
        if self.path is None or self.context is None:
            return  # a build without the cache used nothing: keep the file as it is
        if not self.misses and set(self.used) == self.saved:
            return  # the file already holds exactly these entries
        data = json.dumps({"format": FORMAT, "entries": self.used}, ensure_ascii=False)
        try:
            write_file(self.path.parent, self.path.name, data.encode("utf-8"))
        except OSError as error:  # a full disk or a folder it may not write to: only slower
            reason = error.strerror or error
            log.warning(
                "Could not save the render cache %s (%s); the site was built, but builds stay "
                "slower until it can be saved: free some disk space, or let your account "
                "write to %s",
                self.path,
                reason,
                self.path.parent,
            )
            return
        self.saved = set(self.used)
        log.debug("Render cache: %d hits, %d misses", self.hits, self.misses)

    def wrap_page(self, page: Any) -> None:
        """Make ``page.render`` answer from the cache when nothing it depends on changed."""
        if self.context is None:
            return
        render = page.render

        def cached_render(config: Any, files: Any) -> None:
            key = self.key("page", page.file.src_uri, page.url, page.markdown or "")
            entry = self.get(key, _is_page_entry)
            if entry is None:
                with _Recorder() as recorder:
                    render(config, files)
                self.put(
                    key,
                    {
                        "content": page.content,
                        "toc": _toc_tokens(page.toc),
                        "title": page._title_from_render,
                        "anchors": sorted(page.present_anchor_ids or ()),
                        "links": _links_by_uri(page.links_to_anchors),
                        "log": recorder.records,
                    },
                )
                return
            page.content = entry["content"]
            page.toc = get_toc(entry["toc"])
            page._title_from_render = entry["title"]
            page.present_anchor_ids = set(entry["anchors"])
            # What MkDocs checks after every page is rendered, and what it said meanwhile,
            # so a warm build warns (and fails under --strict) exactly as a cold one.
            page.links_to_anchors = _links_by_file(entry["links"], files)
            _replay(entry["log"])

        page.render = cached_render

    def wrap_excerpt(self, excerpt: Any) -> None:
        """Cache Material's excerpt conversions, which depend on the list page they sit on."""
        if self.context is None:
            return
        md = excerpt.md
        convert: Callable[[str], str] = md.convert

        def cached_convert(text: str) -> str:
            processor = md.treeprocessors["excerpt"]
            base = getattr(getattr(processor, "base", None), "url", "")
            key = self.key("excerpt", excerpt.post.file.src_uri, base, excerpt.file.url, text)
            entry = self.get(key, _is_excerpt_entry)
            if entry is None:
                with _Recorder() as recorder:
                    html = convert(text)
                toc = getattr(md, "toc_tokens", [])
                self.put(key, {"content": html, "toc": toc, "log": recorder.records})
                return html
            md.toc_tokens = entry["toc"]
            _replay(entry["log"])
            return entry["content"]

        md.convert = cached_convert


def _is_page_entry(entry: Any) -> bool:
    """Whether a cached page has the shape ``wrap_page`` stored (a damaged file may not)."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("content"), str)
        and _is_toc(entry.get("toc"))
        and isinstance(entry.get("title"), str | None)
        and isinstance(entry.get("anchors"), list)
        and all(isinstance(anchor, str) for anchor in entry["anchors"])
        and _is_links(entry.get("links"))
        and _is_log(entry.get("log"))
    )


def _is_links(links: Any) -> bool:
    return links is None or (
        isinstance(links, dict)
        and all(
            isinstance(anchors, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in anchors.items())
            for anchors in links.values()
        )
    )


def _is_log(records: Any) -> bool:
    return isinstance(records, list) and all(
        isinstance(record, list)
        and len(record) == 3
        and isinstance(record[0], str)
        and isinstance(record[1], int)
        and isinstance(record[2], str)
        for record in records
    )


def _links_by_uri(links: dict[Any, dict[str, str]] | None) -> dict[str, dict[str, str]] | None:
    if links is None:  # MkDocs collects them only when not logging at debug level
        return None
    return {file.src_uri: dict(anchors) for file, anchors in links.items()}


def _links_by_file(
    links: dict[str, dict[str, str]] | None, files: Any
) -> dict[Any, dict[str, str]] | None:
    if links is None:
        return None
    found = {uri: files.get_file_from_path(uri) for uri in links}
    return {found[uri]: dict(anchors) for uri, anchors in links.items() if found[uri]}


class _Recorder(logging.Handler):
    """Keeps what MkDocs and its plugins log while a page is converted, to say it again
    when the page comes from the cache."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[list[Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append([record.name, record.levelno, record.getMessage()])

    def __enter__(self) -> _Recorder:
        logging.getLogger("mkdocs").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("mkdocs").removeHandler(self)


def _replay(records: list[list[Any]]) -> None:
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)


def _is_excerpt_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("content"), str)
        and _is_toc(entry.get("toc"))
        and _is_log(entry.get("log"))
    )


def _is_toc(tokens: Any, depth: int = 0) -> bool:
    """Whether ``tokens`` are table-of-contents tokens as ``get_toc`` reads them."""
    return (
        depth <= 6  # headings nest six deep at most
        and isinstance(tokens, list)
        and all(
            isinstance(token, dict)
            and isinstance(token.get("level"), int)
            and isinstance(token.get("id"), str)
            and isinstance(token.get("name"), str)
            and _is_toc(token.get("children"), depth + 1)
            for token in tokens
        )
    )


def _toc_tokens(toc: Any) -> list[dict[str, Any]]:
    """The table of contents back as the tokens ``get_toc`` reads."""
    return [
        {
            "level": item.level,
            "id": item.id,
            "name": item.title,
            "children": _toc_tokens(item.children),
        }
        for item in toc
    ]


def context_digest(config: Any, files: Any) -> str | None:
    """What every page's HTML depends on besides its own Markdown; None (and the cache is
    not used for this build) when some setting has no exact description."""
    try:
        parts = [
            f"bulletin {package_digest()}",
            f"python {sys.version}",
            *(f"{name} {_version(name)}" for name in DISTRIBUTIONS),
            *_extension_versions(config["markdown_extensions"]),
            stable_repr(config["markdown_extensions"]),
            stable_repr(config["mdx_configs"]),
            str(config["use_directory_urls"]),
            stable_repr(dict(config["validation"])),
            # At debug level MkDocs collects no links to check, and logs more.
            f"log level {logging.getLogger('mkdocs').getEffectiveLevel()}",
            f"overrides {folder_digest(config['theme'].custom_dir)}",
            # bulletin's settings: raw_html decides whether an excerpt is cleaned (and kept so)
            stable_repr(_bulletin_settings(config)),
        ]
    except Undescribable as error:
        log.info("Render cache not used for this build: %s", error)
        return None
    parts += sorted(f"{file.src_uri}\t{file.url}" for file in files)
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


DISTRIBUTIONS = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions")
KNOWN_MODULES = {"mkdocs", "material", "markdown", "pymdownx", "bulletin"}
_distributions = functools.cache(packages_distributions)  # what is installed: once a process


def _bulletin_settings(config: Any) -> dict[str, Any] | None:
    plugin = config["plugins"].get("bulletin")
    return dict(plugin.config) if plugin is not None else None


def code_context() -> str:
    """What a memo kept between builds depends on beyond its key: the code that computed
    its values (bulletin's own files, MkDocs, Material, Python-Markdown, MJML, Python)."""
    names = ("mkdocs", "mkdocs-material", "markdown", "mjml-python", "nh3", "babel")
    return " ".join([sys.version, *(_version(name) for name in names), package_digest()])


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "none"


def _extension_versions(extensions: Any) -> list[str]:
    """The distribution and version each Markdown extension comes from, beyond those in
    DISTRIBUTIONS (and bulletin, whose files are in the key)."""
    parts = set()
    for extension in extensions:
        module = extension if isinstance(extension, str) else type(extension).__module__
        top = module.split(".")[0]
        if top in KNOWN_MODULES:
            continue
        found = _entry_points().get(module) if "." not in module else None
        names = [found] if found else sorted(_distributions().get(top, ["unknown"]))
        parts.update(f"{module}: {name} {_version(name)}" for name in names)
    return sorted(parts)


@functools.cache
def _entry_points() -> dict[str, str]:
    """Markdown's short extension names (``toc``) and the distribution each comes from."""
    found = entry_points(group="markdown.extensions")
    return {point.name: point.dist.name if point.dist else "unknown" for point in found}

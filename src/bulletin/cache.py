"""A cache of Markdown rendered to HTML, keyed by everything the HTML depends on.

MkDocs converts every page's Markdown on every build, and Material converts each post's
opening again for every list page it appears on. Unchanged pages need neither: the cache
keys each conversion by the Markdown, the page's address, the site's file map, the
Markdown configuration and the versions of the software, and keeps the HTML, the table of
contents and the title between builds (and between `mkdocs serve` rebuilds).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mkdocs.structure.toc import get_toc

from bulletin.writing import write_file

log = logging.getLogger("mkdocs.plugins.bulletin")

FORMAT = 1
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class RenderCache:
    """Rendered pages and excerpts by key; loaded from and saved to one JSON file."""

    def __init__(self, path: Path | None, context: str) -> None:
        self.path = path
        self.context = context  # digest of configuration, file map and versions
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

    def next_build(self, context: str) -> None:
        """Start another build in the same process (`mkdocs serve`) with what the last used."""
        if self.used:
            self.entries, self.used = self.used, {}
        self.context = context
        self.hits = self.misses = 0

    def key(self, *parts: str) -> str:
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
        if self.path is None:
            return
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
        log.debug("Render cache: %d hits, %d misses", self.hits, self.misses)

    def wrap_page(self, page: Any) -> None:
        """Make ``page.render`` answer from the cache when nothing it depends on changed."""
        render = page.render

        def cached_render(config: Any, files: Any) -> None:
            key = self.key("page", page.file.src_uri, page.url, page.markdown or "")
            entry = self.get(key, _is_page_entry)
            if entry is None:
                render(config, files)
                self.put(
                    key,
                    {
                        "content": page.content,
                        "toc": _toc_tokens(page.toc),
                        "title": page._title_from_render,
                        "anchors": sorted(page.present_anchor_ids or ()),
                    },
                )
                return
            page.content = entry["content"]
            page.toc = get_toc(entry["toc"])
            page._title_from_render = entry["title"]
            page.present_anchor_ids = set(entry["anchors"])
            page.links_to_anchors = {}  # links were checked when the page was rendered

        page.render = cached_render

    def wrap_excerpt(self, excerpt: Any) -> None:
        """Cache Material's excerpt conversions, which depend on the list page they sit on."""
        md = excerpt.md
        convert: Callable[[str], str] = md.convert

        def cached_convert(text: str) -> str:
            processor = md.treeprocessors["excerpt"]
            base = getattr(getattr(processor, "base", None), "url", "")
            key = self.key("excerpt", excerpt.post.file.src_uri, base, excerpt.file.url, text)
            entry = self.get(key, _is_excerpt_entry)
            if entry is None:
                html = convert(text)
                self.put(key, {"content": html, "toc": getattr(md, "toc_tokens", [])})
                return html
            md.toc_tokens = entry["toc"]
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
    )


def _is_excerpt_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("content"), str)
        and _is_toc(entry.get("toc"))
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


def context_digest(config: Any, files: Any) -> str:
    """What every page's HTML depends on besides its own Markdown."""
    parts = [
        f"bulletin {version('bulletin')}",
        f"mkdocs {version('mkdocs')}",
        f"mkdocs-material {version('mkdocs-material')}",
        f"markdown {version('markdown')}",
        f"pymdown-extensions {version('pymdown-extensions')}",
        stable_repr(config["markdown_extensions"]),
        stable_repr(config["mdx_configs"]),
        str(config["use_directory_urls"]),
        stable_repr(dict(config["validation"])),
    ]
    parts += sorted(f"{file.src_uri}\t{file.url}" for file in files)
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def stable_repr(value: Any, depth: int = 0) -> str:
    """A repr that is the same in every process: no memory addresses, bounded depth."""
    if depth > 8:
        return type(value).__qualname__
    if isinstance(value, dict):
        items = sorted((str(key), stable_repr(item, depth + 1)) for key, item in value.items())
        return "{" + ", ".join(f"{key}: {item}" for key, item in items) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        items = [stable_repr(item, depth + 1) for item in value]
        return "[" + ", ".join(sorted(items) if isinstance(value, set | frozenset) else items) + "]"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    if hasattr(value, "__dict__") and not isinstance(value, type):
        kind = type(value)
        fields = {key: item for key, item in vars(value).items() if not key.startswith("md")}
        return f"{kind.__module__}.{kind.__qualname__}({stable_repr(fields, depth + 1)})"
    return _ADDRESS.sub("", repr(value))

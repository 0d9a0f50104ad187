"""Material's search plugin, faster on the same pages: the patches ``search-*`` in
``bulletin.site.patches.PATCHES``.

- Under `mkdocs serve` the index entries of a page are remembered by a digest of what
  they are made from, so an unchanged page is not parsed again at each rebuild.
- A page without ``data-search-`` attributes skips the regular expression that removes
  them, which tries every position of every page.
"""

from __future__ import annotations

from typing import Any

from bulletin.digests import Memo, digest


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
            repr(sorted(index.config.items())),  # the search plugin's settings
        )

        entries = memo.get(key)
        if entries is None:
            start = len(index.entries)
            add(page)
            memo.put(key, index.entries[start:])
        else:
            index.entries.extend(entries)

    index.add_entry_from_context = add_entry


def skip_needless_search_scans(plugins: Any) -> None:
    """Pages without a ``data-search-`` attribute skip the scan Material's search makes for one.

    Material's search plugin indexes each page, then removes those attributes with a
    regular expression whose optional first character makes it try every position of the
    page: 0.08 s a rebuild at 1,000 posts, for pages that almost never have one. The
    handler is wrapped only while it does exactly those two things.
    """
    from material.plugins.search.plugin import SearchPlugin

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

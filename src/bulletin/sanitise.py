"""The website's HTML allow-list: what Markdown, Material and our extensions make, and no more.

With ``raw_html: false`` every page's rendered content, every excerpt and every heading in
the table of contents passes through ``clean_html`` (nh3, an HTML5 parser with an
allow-list), so no script, event handler, ``style`` (beyond table alignment), ``srcdoc`` or
``javascript:``/``data:`` address can reach a reader, whatever the Markdown looked like;
front-matter text that Material's templates print unescaped is escaped (``escape_meta``).
The feeds and emails have their own cleaners (``outputs.feed_html``, ``outputs.email.sections``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from typing import Any

import nh3
from markupsafe import Markup

from bulletin.digests import Memo, digest
from bulletin.safe_attrs import SafeAttrListExtension

TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup"),
        *("dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark"),
        *("ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary"),
        *("sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul"),
        *("var", "wbr", "section", "article", "aside", "header", "footer", "nav"),
        # Task lists and content tabs (pymdownx), and our fee calculator.
        *("input", "label", "form", "select", "option", "output", "button", "fieldset"),
        "legend",
        # Material's icons and emoji are inline SVG.
        *("svg", "path", "g", "circle", "rect", "title"),
    }
)
"""Elements Markdown, pymdown-extensions, Material and bulletin's extensions produce."""

ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "title", "lang", "dir", "role", "hidden", "tabindex"},
    "a": {"href", "name", "rel", "target", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "align"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "details": {"open"},
    "input": {
        *("type", "name", "value", "checked", "disabled", "min", "max", "step"),
        *("inputmode", "autocomplete", "required", "placeholder", "readonly"),
    },
    "label": {"for"},
    "form": {"autocomplete"},
    "select": {"name", "disabled", "required"},
    "option": {"value", "selected", "disabled"},
    "output": {"for"},
    "button": {"type", "disabled"},
    "svg": {"xmlns", "viewBox", "width", "height", "fill", "aria-hidden", "focusable"},
    "path": {"d", "fill", "fill-rule", "clip-rule"},
    "g": {"fill"},
    "circle": {"cx", "cy", "r", "fill"},
    "rect": {"x", "y", "width", "height", "rx", "ry", "fill"},
}
"""Attributes kept, per element; ``aria-*`` and ``data-*`` are kept everywhere."""

URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
"""Addresses with these schemes, and relative ones, are kept; any other (javascript:,
data:, vbscript:, ...) is dropped with its attribute."""

STYLE_PROPERTIES = frozenset({"text-align"})
"""The only CSS a ``style`` attribute may keep: Python-Markdown's table column alignment."""


def clean_html(html: str) -> str:
    """Keep only the allow-listed elements, attributes and addresses of ``html``.

    Comments are kept: they cannot run, and Material's excerpts split at ``<!-- more -->``.
    """
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style", "template", "iframe", "object", "embed"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        strip_comments=False,
        link_rel=None,
        generic_attribute_prefixes={"aria-", "data-"},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
    )


def clean_text(html: str) -> str:
    """Text only, with its characters escaped: for headings in the table of contents."""
    return nh3.clean(html, tags=set(), clean_content_tags={"script", "style"})


# -- pages, excerpts and front matter, as MkDocs and Material hold them ---------------------

PATH_KEYS = frozenset({"template", "icon"})
"""Front-matter keys naming template files, not text: checked by ``sources`` instead."""
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")
SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")


def escape_meta(page: Any) -> None:
    """Front matter is text: Material's templates print it unescaped, so escape it once.

    Every text value of the front matter (title, description, author, subtitle, status...)
    and the titles and addresses of a post's ``links`` are escaped.
    """
    if getattr(page, "_bulletin_escaped", False):
        return
    for key, value in page.meta.items():
        if isinstance(value, str) and not isinstance(value, Markup) and key not in PATH_KEYS:
            # Markup: printed as is, and not escaped twice by templates that use |e.
            page.meta[key] = Markup(escape(value, quote=True))
    links = getattr(getattr(page, "config", None), "links", None)
    if links is not None:
        escape_links(links.items)
    page._bulletin_escaped = True


def escape_links(items: Any) -> None:
    """A post's related links (Material's ``links:``): titles as text, safe addresses only."""
    for item in items:
        if isinstance(getattr(type(item), "title", None), property):
            continue  # a page of the site: its title is escaped with its own front matter
        if isinstance(item.title, str) and not isinstance(item.title, Markup):
            item.title = Markup(escape(item.title, quote=True))
        url = getattr(item, "url", None)
        if isinstance(url, str) and not isinstance(url, Markup):
            # Browsers ignore spaces and control characters in a scheme: so do we.
            bare = "".join(char for char in url if char > " ").lower()
            if SCHEME.match(bare) and not bare.startswith(SAFE_SCHEMES):
                url = "#"
            item.url = Markup(escape(url, quote=True))  # entities stay text
        escape_links(getattr(item, "children", None) or ())


def restrict_markdown(config: Any) -> None:
    """Without raw HTML: attr_list keeps harmless attributes only, and ``/// html`` is gone."""
    extensions = config.markdown_extensions
    for index, extension in enumerate(extensions):
        if extension == "attr_list":
            extensions[index] = SafeAttrListExtension()
    if "pymdownx.blocks.html" in extensions:
        extensions.remove("pymdownx.blocks.html")


def clean_page(page: Any, html: str, memo: Memo | None = None) -> str:
    """The page's content, headings and title through the website's allow-list.

    With a ``memo``, content cleaned before (by an earlier build) is not cleaned again.
    """
    for item in _toc_items(page.toc):
        item.title = clean_text(item.title)
    if getattr(page, "_title_from_render", None):
        page._title_from_render = clean_text(page._title_from_render)
    if memo is None:
        return clean_html(html)
    key = digest("clean", html)
    cleaned = memo.get(key)
    if cleaned is None:
        cleaned = clean_html(html)
        memo.put(key, cleaned)
    return cleaned


def _toc_items(items: Any) -> Iterator[Any]:
    for item in items:
        yield item
        yield from _toc_items(item.children)


def clean_excerpt(excerpt: Any) -> None:
    """Material converts each excerpt on its own: clean its HTML and headings as a page's."""
    md = excerpt.md
    convert = md.convert

    def clean_convert(text: str) -> str:
        html = convert(text)
        md.toc_tokens = _clean_tokens(getattr(md, "toc_tokens", []))
        return clean_html(html)

    md.convert = clean_convert


def _clean_tokens(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **token,
            "name": clean_text(token.get("name", "")),
            "children": _clean_tokens(token.get("children", [])),
        }
        for token in tokens
    ]

"""Post HTML as Material rendered it -> HTML a feed reader can show safely.

Feed readers show item content out of the site's context: no stylesheet, no
JavaScript, no base URL. So every link and image must be absolute, Material-only
markup (admonitions, details, content tabs, icons, permalink anchors) must become
plain HTML, and anything that can run code must go. ``absolutize_and_clean`` does
all of that; ``find_relative_urls`` is the check the build fails on.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml.html import HtmlElement

ABSOLUTE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
"""Schemes a link in a feed may use; ``javascript:`` and ``data:`` are not among them."""

ALLOWED_TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col"),
        *("colgroup", "dd", "del", "div", "dl", "dt", "em", "figcaption", "figure"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li"),
        *("mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong"),
        *("sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr"),
        *("u", "ul", "var", "wbr"),
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
}

# Markup that only makes sense on the site: removed with everything inside it.
_DROP = (
    "email-only",  # meant for the newsletter email, not for readers of the site or feeds
    "headerlink",  # the ¶ permalink Python-Markdown's toc adds to every heading
    "footnote-backref",  # ↩ back to a place in the page the reader is not on
    "twemoji",  # Material's inline SVG icons
)


def absolutize_and_clean(html: str, base_url: str) -> str:
    """Return ``html`` with absolute URLs, Material markup made plain, and sanitised.

    ``base_url`` is the absolute URL of the page the HTML was rendered for, so
    ``../../assets/x.png`` and ``#anchor`` resolve exactly as they do on the site.
    """
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in _elements_with_any_class(root, _DROP):
        element.drop_tree()
    for element in root.xpath(".//svg | .//input | .//script | .//style"):
        element.drop_tree()
    for element in _elements_with_any_class(root, ("tabbed-set",)):
        _flatten_tabs(element)
    for element in _elements_with_any_class(root, ("admonition",)):
        _flatten_admonition(element, title_class="admonition-title")
    for element in root.xpath(".//details"):
        _flatten_admonition(element, title_class=None)
    for element in root.iter():
        for attribute in ("href", "src"):
            value = element.get(attribute)
            if value is not None:
                element.set(attribute, urljoin(base_url, value.strip()))
    inner = lxml.html.tostring(root, encoding="unicode", method="html")
    inner = inner.removeprefix("<div>").removesuffix("</div>")
    return nh3.clean(
        inner,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ABSOLUTE_SCHEMES),
        link_rel=None,
        strip_comments=True,
    ).strip()


def find_relative_urls(html: str) -> list[str]:
    """Return every ``href``/``src`` in ``html`` a feed reader could not resolve."""
    finder = _UrlFinder()
    finder.feed(html)
    finder.close()
    return [url for url in finder.urls if not _is_absolute(url)]


def _is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"}:
        return bool(parts.netloc)
    return parts.scheme in ABSOLUTE_SCHEMES


class _UrlFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value or "" for name, value in attrs if name in {"href", "src"})


def _elements_with_any_class(root: HtmlElement, classes: tuple[str, ...]) -> list[HtmlElement]:
    # A list, not a generator: the callers change the tree while they walk it.
    return [
        element
        for element in root.iter()
        if isinstance(element.tag, str) and set(element.classes) & set(classes)
    ]


def _flatten_admonition(element: HtmlElement, title_class: str | None) -> None:
    """Turn an admonition or ``<details>`` into a blockquote led by a bold title."""
    title = None
    for child in element:
        if (title_class and title_class in child.classes) or child.tag == "summary":
            title = child
            break
    element.tag = "blockquote"
    element.attrib.clear()
    if title is not None:
        _make_bold_paragraph(title)


def _make_bold_paragraph(element: HtmlElement) -> None:
    """Rewrite ``element`` in place as ``<p><strong>…</strong></p>``, keeping its content."""
    strong = lxml.html.Element("strong")
    strong.text = element.text
    for child in list(element):
        strong.append(child)  # moves the child, its tail goes with it
    element.text = None
    element.tag = "p"
    element.attrib.clear()
    element.append(strong)


def _flatten_tabs(tabbed_set: HtmlElement) -> None:
    """Turn content tabs into each tab's label in bold followed by its content.

    Handles both pymdownx.tabbed styles: the classic one, where each ``<label>``
    is followed by its ``.tabbed-content``, and the alternate one, where all
    labels sit in ``.tabbed-labels`` and all panels in ``.tabbed-content``.
    """
    labels = tabbed_set.xpath("./label | ./div[contains(@class, 'tabbed-labels')]/label")
    panels = tabbed_set.xpath(
        "./div[contains(@class, 'tabbed-content')]/div[contains(@class, 'tabbed-block')]"
    )
    if not panels:
        panels = tabbed_set.xpath("./div[contains(@class, 'tabbed-content')]")
    flat = lxml.html.Element("div")
    for label, panel in zip(labels, panels, strict=False):
        heading = lxml.html.Element("p")
        heading.text = label.text_content().strip()
        _make_bold_paragraph(heading)
        flat.append(heading)
        panel.tag = "div"
        panel.attrib.clear()
        flat.append(panel)
    flat.tail = tabbed_set.tail
    tabbed_set.getparent().replace(tabbed_set, flat)

"""Page HTML -> the parts of an email: sections split at ``<h2>``, each a run of blocks.

The website renders a newsletter once; the email is made from that HTML. This module
sanitises it, parses it into a small immutable tree and groups it the way the email
lays it out. It knows nothing about MJML or plain text: both renderers read its output.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

import nh3

from bulletin.blocks import strip_channel

VOID = frozenset({"area", "br", "col", "hr", "img", "input", "source", "wbr"})

# What a newsletter may contain; everything else (script, style, form, iframe, embed,
# object, event handlers, javascript: links) is removed before we look at it.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details",
        "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
        "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "span", "strong",
        "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
        "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang"},
    "a": {"href"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
}
URL_SCHEMES = frozenset({"https", "http", "mailto", "tel"})


@dataclass(frozen=True, slots=True)
class Element:
    """One HTML element of the sanitised page: tag, attributes in source order, children."""

    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    children: tuple[Node, ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.attrs:
            if key == name:
                return value
        return default

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.attrs)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple((self.get("class") or "").split())


Node = Element | str

BlockKind = Literal["content", "members", "spotlight", "note", "table"]


@dataclass(frozen=True, slots=True)
class Block:
    """A run of ordinary content, or one styled box (members, spotlight, note, table)."""

    kind: BlockKind
    nodes: tuple[Node, ...]
    title: str = ""

    @property
    def items(self) -> tuple[str, ...]:
        """The list items of a members box: the names, one per item."""
        return tuple(text_of(li) for li in iter_tags(self.nodes, "li"))


@dataclass(frozen=True, slots=True)
class Section:
    """What sits under one ``<h2>``; the part before the first heading has no title."""

    title: str
    blocks: tuple[Block, ...]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # each open element: (tag, attrs, children so far)
        self.stack: list[tuple[str, tuple[tuple[str, str], ...], list[Node]]] = [("", (), [])]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pairs = tuple((name, value or "") for name, value in attrs)
        if tag in VOID:
            self.stack[-1][2].append(Element(tag, pairs))
        else:
            self.stack.append((tag, pairs, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1][2].append(Element(tag, tuple((n, v or "") for n, v in attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or all(open_tag != tag for open_tag, _, _ in self.stack[1:]):
            return  # a stray end tag closes nothing
        while True:
            closed = self._close()
            if closed == tag:
                return

    def _close(self) -> str:
        tag, attrs, children = self.stack.pop()
        self.stack[-1][2].append(Element(tag, attrs, tuple(children)))
        return tag

    def handle_data(self, data: str) -> None:
        self.stack[-1][2].append(data)

    def result(self) -> tuple[Node, ...]:
        self.close()
        while len(self.stack) > 1:
            self._close()
        return tuple(self.stack[0][2])


def sanitise(html: str) -> str:
    """Keep only the tags, attributes and URL schemes a newsletter may use."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


def parse_html(html: str) -> tuple[Node, ...]:
    """Parse sanitised HTML into a tree, dropping heading permalinks (``a.headerlink``)."""
    builder = _TreeBuilder()
    builder.feed(html)
    return _drop_headerlinks(builder.result())


def _drop_headerlinks(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    kept: list[Node] = []
    for node in nodes:
        if isinstance(node, str):
            kept.append(node)
        elif not (node.tag == "a" and "headerlink" in node.classes):
            kept.append(Element(node.tag, node.attrs, _drop_headerlinks(node.children)))
    return tuple(kept)


def text_of(node: Node | tuple[Node, ...]) -> str:
    """The text of a node, whitespace collapsed."""
    return " ".join(_raw_text(node).split())


def _raw_text(node: Node | tuple[Node, ...]) -> str:
    if isinstance(node, str):
        return node
    children = node if isinstance(node, tuple) else node.children
    return "".join(_raw_text(child) for child in children)


def iter_tags(nodes: tuple[Node, ...], tag: str):  # -> Iterator[Element]
    """Every element with this tag, depth first, in document order."""
    for node in nodes:
        if isinstance(node, Element):
            if node.tag == tag:
                yield node
            yield from iter_tags(node.children, tag)


def _box(node: Element, kind: BlockKind) -> Block:
    """An admonition or details element as a titled box, its title taken out of the body."""
    title = ""
    body: list[Node] = []
    for child in node.children:
        is_title = isinstance(child, Element) and (
            "admonition-title" in child.classes or child.tag == "summary"
        )
        if is_title and not title:
            title = text_of(child)
        else:
            body.append(child)
    return Block(kind, tuple(body), title)


def _flatten(nodes: tuple[Node, ...]) -> list[Node]:
    """Unwrap ``div.email-only`` and a table's scrolling region: content as the author put it."""
    flat: list[Node] = []
    for node in nodes:
        if (
            isinstance(node, Element)
            and node.tag == "div"
            and ("email-only" in node.classes or "bulletin-table" in node.classes)
        ):
            flat.extend(_flatten(node.children))
        else:
            flat.append(node)
    return flat


def split_sections(html: str) -> tuple[Section, ...]:
    """Split a newsletter's page HTML into email sections; web-only blocks are left out."""
    nodes = parse_html(sanitise(strip_channel(html, "web-only")))
    sections: list[Section] = []
    title = ""
    blocks: list[Block] = []
    run: list[Node] = []

    def end_run() -> None:
        if any(not (isinstance(node, str) and not node.strip()) for node in run):
            blocks.append(Block("content", tuple(run)))
        run.clear()

    for node in _flatten(nodes):
        if isinstance(node, str):
            if node.strip():
                run.append(node)
            continue
        if node.tag == "h2":
            end_run()
            if title or blocks:
                sections.append(Section(title, tuple(blocks)))
            title, blocks = text_of(node), []
        elif (node.tag == "div" and "admonition" in node.classes) or node.tag == "details":
            end_run()
            kind: BlockKind = "note"
            if "members" in node.classes:
                kind = "members"
            elif "spotlight" in node.classes:
                kind = "spotlight"
            blocks.append(_box(node, kind))
        elif node.tag == "table":
            end_run()
            blocks.append(Block("table", (node,)))
        else:
            run.append(node)
    end_run()
    if title or blocks:
        sections.append(Section(title, tuple(blocks)))
    return tuple(sections)

"""Sections -> the plain-text alternative: wrapped at 72, headings underlined, links numbered."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from bulletin.outputs.email.sections import Block, Element, Node, Section, text_of

WIDTH = 72
MAX_LINE = 79  # the limit is "under 80"; only a bare URL may run longer
NUMBER = re.compile(r"^[£$€]?-?[\d,]+(?:\.\d+)?%?$")
INLINE_BREAK = "\x00"  # a <br> inside a paragraph, kept through whitespace collapsing


def wrap(text: str, width: int = WIDTH, first: str = "", rest: str = "") -> list[str]:
    """Wrap one paragraph; long URLs stay whole rather than break."""
    lines: list[str] = []
    for index, part in enumerate(text.split(INLINE_BREAK)):
        lines.extend(
            textwrap.wrap(
                part,
                width=width,
                initial_indent=first if index == 0 else rest,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [first.rstrip()]
        )
    return lines


class _Links:
    """The links of one section, numbered in order of first appearance."""

    def __init__(self, absolute: Callable[[str], str]) -> None:
        self.absolute = absolute
        self.urls: list[str] = []

    def number(self, href: str) -> int:
        url = self.absolute(href)
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1

    def lines(self) -> list[str]:
        lines: list[str] = []
        for number, url in enumerate(self.urls, 1):
            mark = f"[{number}] "
            if len(mark) + len(url) <= MAX_LINE:
                lines.append(mark + url)
            else:  # a bare URL on its own line stays clickable in every client
                lines.extend([mark.rstrip(), url])
        return lines


def _inline(nodes: tuple[Node, ...], links: _Links) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif node.tag == "br":
            parts.append(INLINE_BREAK)
        elif node.tag == "img":
            parts.append(f"[Image: {node.get('alt') or ''}]")
        elif node.tag == "a" and node.get("href"):
            label = _inline(node.children, links).strip()
            href = node.get("href") or ""
            address = href.removeprefix("mailto:")
            if label in (href, address):
                parts.append(label)
            else:
                parts.append(f"{label} [{links.number(href)}]")
        elif node.tag in ("ul", "ol", "table"):
            continue  # block content inside an inline run is rendered by the caller
        else:
            parts.append(_inline(node.children, links))
    text = "".join(parts)
    return INLINE_BREAK.join(" ".join(piece.split()) for piece in text.split(INLINE_BREAK))


def _list(node: Element, links: _Links, indent: str) -> list[str]:
    lines: list[str] = []
    number = int(node.get("start") or 1)
    for item in node.children:
        if not isinstance(item, Element) or item.tag != "li":
            continue
        mark = f"{number}. " if node.tag == "ol" else "- "
        number += 1
        text = _inline(item.children, links)
        lines.extend(wrap(text, first=indent + mark, rest=indent + " " * len(mark)))
        for child in item.children:
            if isinstance(child, Element) and child.tag in ("ul", "ol"):
                lines.extend(_list(child, links, indent + " " * len(mark)))
    return lines


def table_lines(table: Element, links: _Links) -> list[str]:
    """A data table as aligned columns, or as "header: value" records when too wide."""
    caption = ""
    rows: list[list[str]] = []
    for node in _walk_table(table):
        if node.tag == "caption":
            caption = _inline(node.children, links)
        elif node.tag == "tr":
            cells = [c for c in node.children if isinstance(c, Element) and c.tag in ("th", "td")]
            rows.append([_inline(cell.children, links) for cell in cells])
    lines = wrap(caption) if caption else []
    if not rows:
        return lines
    count = max(len(row) for row in rows)
    rows = [row + [""] * (count - len(row)) for row in rows]
    widths = [max(len(row[col]) for row in rows) for col in range(count)]
    if sum(widths) + 2 * (count - 1) <= WIDTH:
        for index, row in enumerate(rows):
            cells = [
                cell.rjust(width) if index and NUMBER.match(cell) else cell.ljust(width)
                for cell, width in zip(row, widths, strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
            if index == 0:
                lines.append("  ".join("-" * width for width in widths))
        return lines
    header, *body = rows
    for row in body:
        lines.append("")
        for name, cell in zip(header, row, strict=True):
            lines.extend(wrap(f"{name}: {cell}", rest="  "))
    return lines


def _walk_table(node: Element):  # -> Iterator[Element]
    for child in node.children:
        if isinstance(child, Element):
            if child.tag in ("caption", "tr"):
                yield child
            else:
                yield from _walk_table(child)


def _blocks(nodes: tuple[Node, ...], links: _Links, indent: str = "") -> list[list[str]]:
    """Each block-level node as its lines; the caller puts a blank line between them."""
    out: list[list[str]] = []
    inline_run: list[Node] = []

    def end_run() -> None:
        text = _inline(tuple(inline_run), links).strip(" ")
        if text.strip():
            out.append(wrap(text, first=indent, rest=indent))
        inline_run.clear()

    for node in nodes:
        tag = node.tag if isinstance(node, Element) else ""
        if tag in ("p", "dt", "caption", "summary"):
            end_run()
            out.append(wrap(_inline(node.children, links), first=indent, rest=indent))
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            end_run()
            title = text_of(node)
            underline = "-" if tag == "h3" else "." if tag > "h3" else "="
            out.append([indent + title, indent + underline * len(title)])
        elif tag in ("ul", "ol"):
            end_run()
            out.append(_list(node, links, indent))  # type: ignore[arg-type]
        elif tag == "table":
            end_run()
            out.append(table_lines(node, links))  # type: ignore[arg-type]
        elif tag == "pre":
            end_run()
            out.append([indent + "    " + line for line in text_of(node).splitlines()])
        elif tag == "hr":
            end_run()
            out.append([indent + "* * *"])
        elif tag in ("blockquote", "dd"):
            end_run()
            inner = indent + ("> " if tag == "blockquote" else "    ")
            out.extend(_blocks(node.children, links, inner))  # type: ignore[union-attr]
        elif tag in ("div", "details", "dl"):
            end_run()
            out.extend(_blocks(node.children, links, indent))  # type: ignore[union-attr]
        else:
            inline_run.append(node)
    end_run()
    return out


def render_section(section: Section, absolute: Callable[[str], str]) -> str:
    """One section as plain text: underlined title, blocks, then its numbered links."""
    links = _Links(absolute)
    chunks: list[list[str]] = []
    if section.title:
        chunks.append([section.title, "=" * len(section.title)])
    for block in section.blocks:
        chunks.extend(_block(block, links))
    if links.urls:
        chunks.append(["Links:", *links.lines()])
    return "\n\n".join("\n".join(chunk) for chunk in chunks if chunk)


def _block(block: Block, links: _Links) -> list[list[str]]:
    if block.kind == "content":
        return _blocks(block.nodes, links)
    if block.kind == "table":
        return [table_lines(block.nodes[0], links)]  # type: ignore[arg-type]
    # a titled box: framed by rules so it stands out in a plain-text reader
    rule = "-" * WIDTH
    head = [rule, *wrap(block.title)]
    body = _blocks(block.nodes, links, "  " if block.kind == "spotlight" else "")
    return [head, *body, [rule]]

"""Channel blocks for authors: ``/// web-only`` and ``/// email-only``.

A business manager writes::

    /// email-only
    Reply to this email to tell us what you think.
    ///

The block renders as ``<div class="email-only">`` (or ``web-only``) in the page HTML; the
plugin drops email-only blocks from the web page and feeds, and the email drops web-only
blocks, with :func:`strip_channel`.

:func:`check_blocks` finds the ``///`` lines that would publish wrongly: a block never
closed (it swallows the rest of the post) and a name the site does not know (its lines
would show on the page as written).
"""

from __future__ import annotations

import difflib
import xml.etree.ElementTree as etree
from collections.abc import Collection, Mapping, Sequence
from html.parser import HTMLParser
from typing import Any

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor
from pymdownx.blocks import BlocksExtension, BlocksProcessor
from pymdownx.blocks.block import Block

from bulletin.errors import Problem
from bulletin.fences import lines_outside_fences

CHANNELS = ("web-only", "email-only")
TABLE_REGION = "bulletin-table"  # the scrolling region a table is wrapped in


class ChannelBlock(Block):
    """A block shown in one channel only; takes no title and no options."""

    NAME = ""
    ARGUMENT = False

    def on_create(self, parent: etree.Element) -> etree.Element:
        return etree.SubElement(parent, "div", {"class": self.NAME})


class WebOnly(ChannelBlock):
    """Shown on the website and in feeds, left out of the email."""

    NAME = "web-only"


class EmailOnly(ChannelBlock):
    """Shown in the email, left out of the website and feeds."""

    NAME = "email-only"


class ChannelBlocksExtension(BlocksExtension):
    """Register the ``web-only`` and ``email-only`` blocks."""

    def extendMarkdownBlocks(self, md: Markdown, block_mgr: BlocksProcessor) -> None:
        block_mgr.register(WebOnly, {})
        block_mgr.register(EmailOnly, {})

    def extendMarkdown(self, md: Markdown) -> None:
        super().extendMarkdown(md)
        # after the inline patterns (20), so header cells hold their final text
        md.treeprocessors.register(TableRegions(md), "bulletin_table_regions", 15)


class TableRegions(Treeprocessor):
    """Wrap each table in a labelled, focusable region that scrolls on its own.

    A table wider than a phone then scrolls inside the region, not the page, and a keyboard
    user can reach and scroll it (WCAG 2.1.1, 1.4.10). The email unwraps the region again.
    """

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag != "table" or parent.get("class") == TABLE_REGION:
                    continue
                region = etree.Element("div", {"class": TABLE_REGION, "role": "region"})
                region.set("aria-label", table_label(child))
                region.set("tabindex", "0")
                region.tail, child.tail = child.tail, None
                parent.remove(child)
                region.append(child)
                parent.insert(index, region)


def table_label(table: etree.Element) -> str:
    """A table's accessible name: its caption, else "Table: " and its column headings."""
    caption = table.find("caption")
    if caption is not None and "".join(caption.itertext()).strip():
        return " ".join("".join(caption.itertext()).split())
    headings = [" ".join("".join(th.itertext()).split()) for th in table.iter("th")]
    return "Table: " + ", ".join(filter(None, headings)) if any(headings) else "Table"


def makeExtension(*args: object, **kwargs: object) -> ChannelBlocksExtension:
    """Return the extension, as Python-Markdown expects of ``bulletin.blocks``."""
    return ChannelBlocksExtension(*args, **kwargs)


# -- checking the /// lines of a post -------------------------------------------------------


def configured_blocks(
    extensions: Sequence[str | Extension], configs: Mapping[str, Any]
) -> tuple[str, ...] | None:
    """The block names the site's Markdown extensions register, asked of pymdownx itself.

    Admonition types, ``details``, ``tab``, ``caption``, ``define``, ``html``, ours: whatever
    the configuration makes. None when the extensions cannot be loaded here (MkDocs then
    reports that itself).
    """
    try:
        md = Markdown(extensions=list(extensions), extension_configs=dict(configs))
    except Exception:  # a third-party extension's own error: MkDocs reports it at the build
        return None
    if "blocks" not in md.parser.blockprocessors:
        return ()
    processor = md.parser.blockprocessors["blocks"]
    return tuple(sorted(processor.blocks)) if isinstance(processor, BlocksProcessor) else None


def check_blocks(
    markdown_text: str,
    known: Collection[str] | None,
    path: str,
    first_line: int = 1,
    elsewhere: Collection[str] = (),
) -> list[Problem]:
    """Each ``///`` block closed, and each named as a block the site knows (``known``).

    Blocks nest when the outer one has more slashes, and a ``///`` line closes the innermost
    open block with as many slashes, as pymdownx.blocks reads them. ``known`` None: names
    are not checked; ``elsewhere``: names another check reports (neither known nor listed).
    Linear in the text: each block is pushed and popped once.
    """
    problems: list[Problem] = []
    stack: list[tuple[int, int, str]] = []  # open blocks: slashes, file line, name as written
    open_by_slashes: dict[int, int] = {}
    for number, line in lines_outside_fences(markdown_text):
        parsed = _block_line(line)
        if parsed is None:
            continue
        where = number + first_line - 1
        slashes, head = parsed
        if head:
            stack.append((slashes, where, head.partition("|")[0].strip()))
            open_by_slashes[slashes] = open_by_slashes.get(slashes, 0) + 1
            why = _name_problem(head, known, elsewhere) if known is not None else None
            if why is not None:
                problems.append(Problem(path, where, "block", why))
            continue
        if not open_by_slashes.get(slashes):
            problems.append(Problem(path, where, "block", _stray_message(slashes)))
            continue
        while True:  # inner blocks with other slashes are left unclosed by this line
            opened, line_of, name = stack.pop()
            open_by_slashes[opened] -= 1
            if opened == slashes:
                break
            problems.append(Problem(path, line_of, "block", _unclosed_message(opened, name)))
    for opened, line_of, name in stack:
        problems.append(Problem(path, line_of, "block", _unclosed_message(opened, name)))
    return problems


def _block_line(line: str) -> tuple[int, str] | None:
    """A ``///`` line as (slashes, what follows them, stripped); None for any other line.

    Like pymdownx.blocks: at most three spaces before it (more is code).
    """
    text = line.lstrip(" ")
    if len(line) - len(text) > 3 or not text.startswith("///"):
        return None
    rest = text.lstrip("/")
    return len(text) - len(rest), rest.strip()


def _name_problem(head: str, known: Collection[str], elsewhere: Collection[str]) -> str | None:
    """Why ``/// <head>`` opens no block of the site; None if it opens one."""
    written = head.partition("|")[0].strip()
    words = written.split()
    if len(words) == 1 and (words[0].lower() in known or words[0].lower() in elsewhere):
        return None  # pymdownx compares names in lower case
    names = ", ".join(sorted(known)) or "none"
    if not words:
        return f"'/// {head}' names no block; write its name first, e.g. '/// note | Title'"
    if words[0].lower() in known:
        title = " ".join(words[1:])
        return (
            f"'/// {written}' needs a '|' between the block's name and its title, or it shows "
            f"on the page as written; write '/// {words[0]} | {title}'"
        )
    tried = ["-".join(words).lower(), "".join(words).lower()]
    close = [match for guess in tried for match in difflib.get_close_matches(guess, known, 1, 0.75)]
    hint = f"; did you mean '/// {close[0]}'?" if close else ""
    return (
        f"'/// {written}' is not a block this site knows ({names}), so its lines would show "
        f"on the page as written{hint}"
    )


def _unclosed_message(slashes: int, name: str) -> str:
    return (
        f"the '{'/' * slashes} {name}' block is never closed, so it takes in the rest of the "
        f"text; put a line '{'/' * slashes}' where it ends"
    )


def _stray_message(slashes: int) -> str:
    return (
        f"'{'/' * slashes}' closes no open block, so it shows on the page as written; delete "
        f"it, or start the block it should close with a line such as '{'/' * slashes} note'"
    )


class _DivFinder(HTMLParser):
    """Find the source spans of every ``div`` whose class list holds one class."""

    def __init__(self, html: str, css_class: str) -> None:
        super().__init__(convert_charrefs=False)
        self.css_class = css_class
        self.spans: list[tuple[int, int]] = []
        self._line_starts = [0]
        for index, char in enumerate(html):
            if char == "\n":
                self._line_starts.append(index + 1)
        self._html = html
        self._depth = 0  # open divs since the matched one started, 0 when outside
        self._start = 0

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "div":
            return
        if self._depth:
            self._depth += 1
            return
        classes = " ".join(value or "" for name, value in attrs if name == "class").split()
        if self.css_class in classes:
            self._depth = 1
            self._start = self._offset()

    def handle_endtag(self, tag: str) -> None:
        if tag != "div" or not self._depth:
            return
        self._depth -= 1
        if not self._depth:
            end = self._html.index(">", self._offset()) + 1
            self.spans.append((self._start, end))


def strip_channel(html: str, drop: str) -> str:
    """Remove every ``div.<drop>`` block (``"web-only"`` or ``"email-only"``) from page HTML."""
    if drop not in CHANNELS:
        raise ValueError(f"drop: expected one of {', '.join(CHANNELS)} but received {drop!r}")
    if drop not in html:  # nearly every page: skip parsing it
        return html
    finder = _DivFinder(html, drop)
    finder.feed(html)
    finder.close()
    if finder._depth:  # an unclosed block runs to the end of the page
        finder.spans.append((finder._start, len(html)))
    kept: list[str] = []
    position = 0
    for start, end in finder.spans:
        kept.append(html[position:start])
        position = end
        # swallow the newline Markdown puts after a block, so no blank line is left behind
        if html.startswith("\n", position):
            position += 1
    kept.append(html[position:])
    return "".join(kept)

"""Channel blocks for authors: ``/// web-only`` and ``/// email-only``.

A business manager writes::

    /// email-only
    Reply to this email to tell us what you think.
    ///

The block renders as ``<div class="email-only">`` (or ``web-only``) in the page HTML; the
plugin drops email-only blocks from the web page and feeds, and the email drops web-only
blocks, with :func:`strip_channel`.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from html.parser import HTMLParser

from markdown import Markdown
from pymdownx.blocks import BlocksExtension, BlocksProcessor
from pymdownx.blocks.block import Block

CHANNELS = ("web-only", "email-only")


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


def makeExtension(*args: object, **kwargs: object) -> ChannelBlocksExtension:
    """Return the extension, as Python-Markdown expects of ``bulletin.blocks``."""
    return ChannelBlocksExtension(*args, **kwargs)


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

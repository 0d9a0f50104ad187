"""Automatic excerpts and descriptions, for posts written without ``<!-- more -->`` or one.

Pure functions of a post's Markdown (the text after its front matter): the same text always
gives the same cut and the same description. ``sources`` derives the description when the
front matter has none; ``plugin`` puts the excerpt separator where ``excerpt_cut`` says,
before Material's blog looks for it.

The excerpt is the post's first block: its first paragraph (which ends at a heading, as the
text before the first heading does), or the whole of a list, table, code block, admonition
or ``///`` block that the post opens with. Leading headings, and an opening paragraph with
no words (a picture, say), come with the block after them. A paragraph longer than
``EXCERPT_WORDS`` words is cut at a sentence end, the way Hugo and Pelican summarise.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from bulletin.fences import FENCE
from bulletin.linescan import (
    atx_heading,
    code_spans,
    inline_links,
    replace_code_spans,
    replace_comments,
    replace_emphasis,
    replace_links,
    replace_tags,
    splice,
    tag_spans,
)

EXCERPT_WORDS = 80
"""A longer opening paragraph is cut at a sentence end (Hugo's summaries: 70 words; Pelican's: 50)."""
DESCRIPTION_CHARS = 160
"""The most a derived description holds: about what search results show of one."""
ELLIPSIS = "…"
OPENING_BLOCKS = 100
"""How many blocks an excerpt or a description is looked for in: a post that opens with
more headings or pictures than that ends its excerpt after them, and its description is
its first list's items, or its title."""
OPENING_DEPTH = 3
"""How deep in blocks, admonitions and quotations a description is looked for."""
SCAN_CHARS = 20_000
"""How much of one paragraph is read for a sentence to end an excerpt at, or to describe
the post with: far more than 80 words or two sentences, and bounded for a huge one."""

# Each pattern is anchored, or starts only where a run starts, so it runs in time linear
# in the line (see linescan): a post may be a megabyte of one paragraph.
BLOCK_OPEN = re.compile(r"^ {0,3}(/{3,})[ \t]*[A-Za-z]")  # /// spotlight | Title
BLOCK_CLOSE = re.compile(r"^ {0,3}(/{3,})[ \t]*$")
ADMONITION = re.compile(r"^(?:!!!|\?\?\?\+?)[ \t]")
LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
QUOTE = re.compile(r"^ {0,3}>")
QUOTE_MARK = re.compile(r"^ {0,3}> ?")
BLOCK_STARTS = frozenset("#=-*_`~/>!?<")
"""The characters a line must start with (after blanks) to end a paragraph."""
SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
HTML_START = re.compile(r"^ {0,3}<([A-Za-z][A-Za-z0-9-]*)")
DEFINITION = re.compile(r"^ {0,3}\*?\[[^\]]+\]:")  # [ref]: url, *[ABC]: meaning, [^1]: note
LINE_MARKER = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|(?:[-*+]|\d{1,9}[.)])[ \t]+)")
REFERENCE_LINK = re.compile(r"(!?)\[([^\[\]]*)\]\[[^\[\]]*\]")
FOOTNOTE_REF = re.compile(r"\[\^[^\[\]]*\]")
FEE_MARKER = re.compile(r"\[\[[^\[\]]*\]\]")
ATTR_LIST = re.compile(r"\{:?[ \t]*[#.:][^{}]*\}")
AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^<>\s]+)>")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]*_]*+(?=\s)")
SENTENCE_START = frozenset("\"'“‘([*_£$€")
WORD = re.compile(r"\w+")
BLANKS = re.compile(r"\s*")
ABBREVIATIONS = frozenset(
    {
        *("eg", "ie", "cf", "vs", "viz", "approx", "incl", "no", "nos"),
        *("mr", "mrs", "ms", "mx", "dr", "prof", "rev", "cllr", "st", "sr", "jr", "fig", "p"),
        *("pp", "vol", "ch", "para", "sec", "ref", "tel", "ltd", "co", "inc", "dept", "govt"),
    }
)
"""Words ending in a full stop that seldom end a sentence (compared lower-case); so do
words with a full stop inside (e.g., i.e., U.K.)."""
INLINE_TAGS = frozenset(
    {
        *("a", "abbr", "b", "br", "cite", "code", "em", "i", "img", "kbd", "mark", "q"),
        *("s", "small", "span", "strong", "sub", "sup", "time", "u", "var"),
    }
)
"""HTML that starts a paragraph rather than a block of its own, as in Python-Markdown."""
CHANNEL_BLOCKS = ("web-only", "email-only")
"""Blocks for one channel only: their text cannot describe the post to the other."""


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level block of Markdown: lines ``start`` to ``end`` (exclusive)."""

    kind: str  # paragraph, heading, list, fence, blocks, admonition, table, quote, code, html...
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Cut:
    """Where an automatic excerpt ends."""

    offset: int  # in the Markdown: the separator goes here
    line: int  # index of the line holding the excerpt's last character
    inline: bool  # inside a paragraph, after a sentence, rather than between blocks
    kind: str = "paragraph"  # the kind of block the excerpt ends with (see Block)


# -- blocks ------------------------------------------------------------------------------------


def blocks(lines: list[str]) -> Iterator[Block]:
    """The top-level blocks of Markdown split into lines, blank lines between them left out."""
    index = 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        kind, end = _block_at(lines, index)
        yield Block(kind, index, end)
        index = end


def _block_at(lines: list[str], start: int) -> tuple[str, int]:
    """The kind of the block starting at ``lines[start]`` (not blank), and where it ends."""
    line = lines[start]
    fence = FENCE.match(line)
    if fence:
        return "fence", _fence_end(lines, start, fence.group(1))
    if BLOCK_OPEN.match(line):
        return "blocks", _slash_block_end(lines, start)
    if ADMONITION.match(line):
        return "admonition", _indented_end(lines, start + 1)
    if line.lstrip().startswith("<!--"):
        end = next((i for i in range(start, len(lines)) if "-->" in lines[i]), len(lines) - 1)
        return "comment", end + 1
    if DEFINITION.match(line):
        return "definitions", _indented_end(lines, start + 1)
    if atx_heading(line) is not None:
        return "heading", start + 1
    if RULE.match(line):
        return "rule", start + 1
    if LIST_ITEM.match(line):
        return "list", _continued_end(lines, start, LIST_ITEM)
    if QUOTE.match(line):
        return "quote", _continued_end(lines, start, QUOTE)
    if line.startswith(("    ", "\t")):
        return "code", _indented_end(lines, start)
    tag = HTML_START.match(line)
    if tag and tag.group(1).lower() not in INLINE_TAGS:
        return "html", _html_end(lines, start, tag.group(1))
    if "|" in line and start + 1 < len(lines) and _is_table_rule(lines[start + 1]):
        return "table", _paragraph_end(lines, start, stop_early=False)
    if start + 1 < len(lines) and SETEXT.match(lines[start + 1]):
        return "heading", start + 2
    return "paragraph", _paragraph_end(lines, start, stop_early=True)


def _fence_end(lines: list[str], start: int, fence: str) -> int:
    for index in range(start + 1, len(lines)):
        closing = FENCE.match(lines[index])
        if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
            return index + 1
    return len(lines)


def _slash_block_end(lines: list[str], start: int) -> int:
    """The end of a ``///`` block, nested blocks and fenced code inside it included."""
    open_blocks: list[int] = []
    index = start
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        opening = BLOCK_OPEN.match(line)
        closing = BLOCK_CLOSE.match(line)
        if fence and index > start:
            index = _fence_end(lines, index, fence.group(1))
            continue
        if opening:
            open_blocks.append(len(opening.group(1)))
        elif closing and len(closing.group(1)) in open_blocks:
            # the innermost block this many slashes opened
            last = len(open_blocks) - 1 - open_blocks[::-1].index(len(closing.group(1)))
            del open_blocks[last:]
            if not open_blocks:
                return index + 1
        index += 1
    return len(lines)


def _indented_end(lines: list[str], index: int) -> int:
    """After a first line: the end of the lines indented under it (blank lines between)."""
    end = index
    while index < len(lines) and (not lines[index].strip() or lines[index][:1] in (" ", "\t")):
        index += 1
        if lines[index - 1].strip():
            end = index
    return end


def _continued_end(lines: list[str], start: int, marker: re.Pattern[str]) -> int:
    """A list or quotation: on to a blank line followed by neither indentation nor a marker."""
    end = index = start + 1
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if index > end and not (line[:1] in (" ", "\t") or marker.match(line)):
            break  # after a blank line: a new block
        if line.lstrip()[:1] in "#`~/" and (
            atx_heading(line) is not None or FENCE.match(line) or BLOCK_OPEN.match(line)
        ):
            break
        index += 1
        end = index
    return end


def _html_end(lines: list[str], start: int, tag: str) -> int:
    """Raw HTML: to its closing tag if the first line leaves the element open, else a blank line."""
    closing = f"</{tag.lower()}>"
    if closing not in lines[start].lower() and not lines[start].rstrip().endswith("/>"):
        for index in range(start + 1, len(lines)):
            if closing in lines[index].lower():
                return index + 1
    return _paragraph_end(lines, start, stop_early=False)


def _is_table_rule(line: str) -> bool:
    """The line under a table's header: ``|---|:--:|``."""
    stripped = line.strip()
    return "|" in stripped and "-" in stripped and not stripped.strip("|:- \t")


def _paragraph_end(lines: list[str], start: int, *, stop_early: bool) -> int:
    """The end of a run of lines; a paragraph also ends where a heading, fence or block starts."""
    index = start + 1
    while index < len(lines) and lines[index].strip():
        line = lines[index]
        if line.lstrip()[:1] not in BLOCK_STARTS:
            index += 1  # plain text: no block starts on this line
            continue
        if stop_early and SETEXT.match(line):
            return index - 1  # the line before is a heading's text, underlined
        if stop_early and (
            atx_heading(line) is not None
            or RULE.match(line)
            or FENCE.match(line)
            or BLOCK_OPEN.match(line)
            or BLOCK_CLOSE.match(line)
            or QUOTE.match(line)
            or ADMONITION.match(line)
            or line.lstrip().startswith("<!--")
        ):
            break
        index += 1
    return index


# -- the excerpt -------------------------------------------------------------------------------


def excerpt_cut(markdown: str) -> Cut | None:
    """Where the automatic excerpt of ``markdown`` ends; None if it has no text at all."""
    lines = markdown.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    last: Block | None = None
    for block in islice(blocks(lines), OPENING_BLOCKS):
        if block.kind in ("comment", "definitions", "rule"):
            continue  # shows nothing (a rule alone would make a poor excerpt)
        last = block
        if block.kind == "heading":
            continue
        if block.kind == "paragraph":
            text = "\n".join(lines[block.start : block.end])
            if not has_words(text[:SCAN_CHARS]):
                continue  # a picture alone: the text after it comes too
            inside = sentence_cut(text)
            if inside is not None:
                offset = starts[block.start] + inside
                line = block.start + text.count("\n", 0, inside)
                return Cut(offset, line, inline=True, kind=block.kind)
        break
    if last is None:
        return None
    end = starts[last.end - 1] + len(lines[last.end - 1])
    return Cut(end, last.end - 1, inline=False, kind=last.kind)


def insert_excerpt_separator(markdown: str, separator: str) -> str:
    """``markdown`` with ``separator`` where its automatic excerpt ends.

    Between blocks it goes on a line of its own, as an author writes it; inside a long
    paragraph, right after the sentence, where it changes nothing the reader sees.
    """
    cut = excerpt_cut(markdown)
    if cut is None:
        return f"{markdown}\n\n{separator}\n"
    head, tail = markdown[: cut.offset], markdown[cut.offset :]
    if cut.inline:
        return head + separator + tail
    return f"{head}\n\n{separator}\n{tail}" if tail else f"{head}\n\n{separator}\n"


def sentence_cut(paragraph: str) -> int | None:
    """Where a long paragraph's excerpt ends: after its last sentence within EXCERPT_WORDS.

    None when the paragraph is short enough whole, or has no sentence end to cut at. At
    least one sentence is kept, however long; a cut never falls inside a link, code,
    a tag or emphasis.
    """
    head = paragraph[:SCAN_CHARS]
    if count_words(head) <= EXCERPT_WORDS:
        return None
    flat = head.replace("\n", " ")  # the same offsets, on one line for linescan
    may_cut = _cut_places(flat)
    text_end = len(paragraph.rstrip())
    best = None
    words = 0
    previous = 0
    for end in sentence_ends(flat):
        if end >= text_end:
            break  # the paragraph's own end: no cut
        if not may_cut(end):
            continue
        words += count_words(flat[previous:end])
        previous = end
        if best is not None and words > EXCERPT_WORDS:
            break
        best = end
    return best


def sentence_ends(text: str) -> Iterator[int]:
    """Offsets just after each sentence's closing punctuation (and quotes or brackets) in text.

    A full stop after an abbreviation (e.g., Dr, No) or an initial is no sentence end, nor
    is one followed by a lower-case word.
    """
    for match in SENTENCE_END.finditer(text):
        after = BLANKS.match(text, match.end())
        following = text[after.end() : after.end() + 1] if after else ""
        if following and not (
            following.isupper() or following.isdigit() or following in SENTENCE_START
        ):
            continue
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        yield match.end()


def _is_abbreviation(text: str, stop: int) -> bool:
    """Whether the word before the full stop at ``stop`` is an abbreviation (e.g., U.K., Dr).

    A single capital is not: "the review of Child A." ends a sentence more often, in a
    safeguarding post, than an initial starts a name.
    """
    start = stop
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    word = text[start:stop]
    return word.lower() in ABBREVIATIONS or "." in word


def _cut_places(line: str) -> Callable[[int], bool]:
    """Whether cutting ``line`` at an offset leaves every link, code span, tag and emphasis whole."""
    codes = code_spans(line)
    spans = sorted(
        [(start, end) for start, end, _ in codes]
        + [(link.start, link.end) for link in inline_links(line)]
        + list(tag_spans(line))
        + list(_comment_spans(line))
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    starts = [start for start, _ in merged]
    masked = splice(line, ((start, end, " " * (end - start)) for start, end, _ in codes))
    # Emphasis delimiters before each offset: '*', and '_' not inside a word (snake_case).
    delimiters = [0]
    for index, char in enumerate(masked):
        is_delimiter = char == "*" or (
            char == "_"
            and not (
                index > 0
                and masked[index - 1].isalnum()
                and masked[index + 1 : index + 2].isalnum()
            )
        )
        delimiters.append(delimiters[-1] + is_delimiter)

    def may_cut(offset: int) -> bool:
        index = bisect_right(starts, offset - 1) - 1
        if index >= 0 and merged[index][1] > offset:
            return False
        return delimiters[offset] % 2 == 0

    return may_cut


def _comment_spans(line: str) -> Iterator[tuple[int, int]]:
    position = 0
    while (start := line.find("<!--", position)) != -1:
        end = line.find("-->", start + 4)
        if end == -1:
            yield start, len(line)  # unclosed: the rest of the paragraph is a comment
            return
        yield start, end + 3
        position = end + 3


# -- the description ---------------------------------------------------------------------------


def derive_description(markdown: str, limit: int = DESCRIPTION_CHARS) -> str:
    """A one-line description from the post's opening: its first sentence or two, as plain text.

    At most ``limit`` characters: a first sentence longer than that is cut at a word, with
    an ellipsis. Empty if the post has no prose to take it from.
    """
    text = _opening_prose(markdown.split("\n"))
    sentences = _sentences(text)
    if not sentences:
        return ""
    first = sentences[0]
    if len(first) > limit:
        return shorten(first, limit)
    if len(sentences) > 1 and len(first) + 1 + len(sentences[1]) <= limit:
        return f"{first} {sentences[1]}"
    return first


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, an ellipsis included."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS) + 1]
    # the last whole word; a single word longer than the limit is cut anywhere
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[: limit - len(ELLIPSIS)]
    return cut.rstrip(" ,;:–—-") + ELLIPSIS


def _opening_prose(lines: list[str], depth: int = 0) -> str:
    """The plain text of the post's first paragraph of prose, looking inside blocks and
    quotations; failing that, of its first list. Only the opening is read."""
    listed = ""
    inside = depth < OPENING_DEPTH
    for block in islice(blocks(lines), OPENING_BLOCKS):
        inner = lines[block.start : block.end]
        text = ""
        if block.kind == "paragraph":
            text = plain_text("\n".join(inner)[:SCAN_CHARS])
        elif block.kind == "blocks" and inside:
            name = inner[0].strip().lstrip("/").strip()
            body = inner[1:-1] if BLOCK_CLOSE.match(inner[-1]) else inner[1:]
            if not name.startswith(CHANNEL_BLOCKS):
                text = _opening_prose(body, depth + 1)
        elif block.kind == "admonition" and inside:
            text = _opening_prose([line.removeprefix("    ") for line in inner[1:]], depth + 1)
        elif block.kind == "quote" and inside:
            text = _opening_prose([QUOTE_MARK.sub("", line) for line in inner], depth + 1)
        elif block.kind == "list" and not listed:
            firsts = inner[:OPENING_BLOCKS]
            items = [plain_text(line, line_marks=True) for line in firsts if LIST_ITEM.match(line)]
            listed = shorten("; ".join(item for item in items if item), SCAN_CHARS)
        if text:
            return text
    return listed


def _sentences(text: str) -> list[str]:
    sentences = []
    start = 0
    for end in sentence_ends(text):
        sentences.append(text[start:end].strip())
        start = end
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return [sentence for sentence in sentences if sentence]


def has_words(markdown: str) -> bool:
    """Whether the Markdown shows any text, rather than only pictures or comments."""
    return bool(WORD.search(plain_text(markdown, keep_markers=True, emphasis=False)))


def count_words(markdown: str) -> int:
    """How many words a reader sees in the Markdown."""
    return len(WORD.findall(plain_text(markdown, emphasis=False)))


def plain_text(
    markdown: str, *, keep_markers: bool = False, line_marks: bool = False, emphasis: bool = True
) -> str:
    """Markdown as the words a reader sees, on one line.

    Links become their text; pictures, footnote references, attribute lists, comments and
    HTML tags go; emphasis and escapes are undone; code keeps its text; entities are decoded.
    Abbreviations stay as written. Fee markers go too, unless ``keep_markers``; with
    ``line_marks``, so do the marks that start a heading's, quotation's or list item's line
    (a paragraph's own lines keep theirs: "2024." may start one). Without ``emphasis``,
    its marks stay, which words do not depend on.
    """
    lines = markdown.split("\n")
    if line_marks:
        lines = [LINE_MARKER.sub("", line) for line in lines]
    text = " ".join(line.strip() for line in lines)
    text = replace_comments(text, " ")
    kept: list[str] = []

    def keep(piece: str) -> str:
        kept.append(piece)
        return f"\ue000{len(kept) - 1}\ue001"

    text = replace_code_spans(text, keep)  # before escapes, as Python-Markdown reads them
    text = ESCAPE.sub(lambda match: keep(match.group(1)), text)
    text = AUTOLINK.sub(lambda match: keep(match.group(1)), text)
    for _ in range(3):  # a picture inside a link: [![alt](picture)](address)
        linked, text = text, replace_links(text, lambda link: "" if link.bang else link.text)
        if text == linked:
            break
    text = REFERENCE_LINK.sub(lambda match: "" if match.group(1) else match.group(2), text)
    text = FOOTNOTE_REF.sub("", text)
    if not keep_markers:
        text = FEE_MARKER.sub("", text)
    text = ATTR_LIST.sub("", text)
    text = replace_tags(text, "")
    if emphasis:
        text = replace_emphasis(text)
    text = re.sub("\ue000(\\d+)\ue001", lambda match: kept[int(match.group(1))], text)
    return " ".join(html.unescape(text).split())

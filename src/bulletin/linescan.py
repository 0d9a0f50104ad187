"""Markdown and HTML found in one line in time linear in its length, whatever the line holds.

The regular expressions these replace (``(`+)(.+?)\\1``, ``<[a-zA-Z][^>]*>``, ``<!--.*?-->``,
``\\[...\\]\\(\\s*...\\s+...\\s*\\)``...) backtracked, or scanned to the end of the line again
from every place a match could start: a single line of "a" and 10,000 backticks, or of
"<a " 15,000 times, or an unclosed ``<!-- check: ignore`` followed by spaces, cost tens of
seconds. Each function here finds exactly what its pattern found (tests/test_pathological.py
holds them to the old patterns on short lines), looking up each closing delimiter once.

The Markdown scans take one line, without its newline (where the patterns' ``.`` stopped);
the HTML scans (tags, ``html_tokens``, ``abbr_elements``) take any text, as theirs did.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

BACKTICKS = re.compile(r"`+")
TAG_START = re.compile(r"</?[a-zA-Z]")
"""Where ``</?[a-zA-Z][^>]*>`` starts: a tag, opening or closing."""
ANY_TAG_START = re.compile(r"<")
"""Where ``<[^>]*>`` starts."""
_ID = re.compile(r"""\bid=["']([^"']+)["']""")
_IGNORE_HEAD = re.compile(r"\s*check:\s*ignore\s")
_CLOSING = re.compile(r"\s*\)")
_ABBR_OPEN = re.compile(r"<abbr\b", re.IGNORECASE)
_ABBR_CLOSE = re.compile(r"</abbr>", re.IGNORECASE)
# A link up to its title: ``(!?)\[text\]\(\s*<?destination>?\s*``, as checks.py wrote it. The
# blanks are possessive (``\s*+``): inline_links gives them back to a title itself, in one step.
_LINK_HEAD = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\((\s*+)<?((?:[^()\s<>]|\([^()\s]*\))*)>?(\s*+)"
)


def splice(text: str, pieces: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, replacement) put in place; pieces in order, not overlapping."""
    parts: list[str] = []
    position = 0
    for start, end, replacement in pieces:
        parts += (text[position:start], replacement)
        position = end
    if not parts:
        return text
    parts.append(text[position:])
    return "".join(parts)


def _finder(find: Callable[[int], int]) -> Callable[[int], int]:
    """``find(position)`` (the next match at or after it, or -1), remembered between calls.

    Asked at positions that never decrease, the text is searched once in all: between the
    position last asked and what it found, there is nothing to find again.
    """
    asked, found = -1, -1

    def next_from(position: int) -> int:
        nonlocal asked, found
        if not (0 <= asked <= position and (found == -1 or position <= found)):
            asked, found = position, find(position)
        return found

    return next_from


def _find(text: str, needle: str) -> Callable[[int], int]:
    return _finder(lambda position: text.find(needle, position))


# -- code spans ------------------------------------------------------------------------------


def code_spans(line: str) -> list[tuple[int, int, int]]:
    """Each code span as ``(`+)(.+?)\\1`` finds it: (start, end, backticks on each side).

    From a run of backticks the pattern takes the most backticks that some later backticks
    can close: as many as the longest later run holds, or fewer than half of its own run
    (three backticks make a span of one backtick around a backtick).
    """
    if "`" not in line:
        return []
    runs = [match.span() for match in BACKTICKS.finditer(line)]
    longest_after = [0] * (len(runs) + 1)
    for index in range(len(runs) - 1, -1, -1):
        longest_after[index] = max(longest_after[index + 1], runs[index][1] - runs[index][0])
    spans: list[tuple[int, int, int]] = []
    index, position = 0, 0
    while index < len(runs):
        start, run_end = max(runs[index][0], position), runs[index][1]
        own = run_end - start  # the backticks from here to the end of the run
        if own <= 0:
            index += 1
            continue
        width = min(own, max((own - 1) // 2, longest_after[index + 1]))
        if width == 0:
            break  # one or two backticks and none after them: nothing here or later closes
        if width <= (own - 1) // 2:  # closed by backticks of its own run
            close = start + width + 1
        else:  # closed by the first later run that is long enough
            index += 1
            while runs[index][1] - runs[index][0] < width:
                index += 1
            close = runs[index][0]
        spans.append((start, close + width, width))
        position = close + width
    return spans


def replace_code_spans(line: str, replace: Callable[[str], str]) -> str:
    """The line with each code span replaced by ``replace(the code inside it)``."""
    return splice(
        line,
        (
            (start, end, replace(line[start + width : end - width]))
            for start, end, width in code_spans(line)
        ),
    )


# -- comments --------------------------------------------------------------------------------


def replace_comments(line: str, replacement: str) -> str:
    """The line with each closed comment replaced, as ``<!--.*?-->`` finds them."""
    pieces = []
    position = 0
    while (start := line.find("<!--", position)) != -1:
        end = line.find("-->", start + 4)
        if end == -1:
            break  # unclosed: so is every comment opened after it
        pieces.append((start, end + 3, replacement))
        position = end + 3
    return splice(line, pieces)


def ignore_markers(line: str) -> list[str]:
    """What each ``<!-- check: ignore RULE -->`` marker names, as written (stripped).

    As ``<!--\\s*check:\\s*ignore\\s+(.*?)\\s*-->`` finds them: a comment that is not a marker
    may hold one (``<!-- note <!-- check: ignore x -->``).
    """
    found: list[str] = []
    closes = _find(line, "-->")
    start = line.find("<!--")
    while start != -1:
        end = closes(start + 4)
        if end == -1:
            break
        head = _IGNORE_HEAD.match(line, start + 4, end)
        if head is None:
            start = line.find("<!--", start + 1)
            continue
        found.append(line[head.end() : end].strip())
        start = line.find("<!--", end + 3)
    return found


# -- tags ------------------------------------------------------------------------------------


def tag_spans(text: str, opening: re.Pattern[str] = TAG_START) -> Iterator[tuple[int, int]]:
    """(start, end) of each tag, as ``<opening>[^>]*>`` finds them: from a '<' to the next '>'."""
    position = 0
    while (start := text.find("<", position)) != -1:
        head = opening.match(text, start)
        if head is None:
            position = start + 1
            continue
        end = text.find(">", head.end())
        if end == -1:
            return  # no '>' after this tag's start, so none after any later one
        yield start, end + 1
        position = end + 1


def replace_tags(text: str, replacement: str, opening: re.Pattern[str] = TAG_START) -> str:
    """The text with each tag (see ``tag_spans``) replaced."""
    if "<" not in text:
        return text
    return splice(text, ((start, end, replacement) for start, end in tag_spans(text, opening)))


def html_tokens(html: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each comment and tag, as ``<!--.*?-->|<[^>]*>`` (DOTALL) finds them."""
    comment_end, tag_end = _find(html, "-->"), _find(html, ">")
    position = 0
    while (start := html.find("<", position)) != -1:
        if html.startswith("<!--", start) and (end := comment_end(start + 4)) != -1:
            position = end + 3
        elif (end := tag_end(start + 1)) != -1:
            position = end + 1
        else:
            return
        yield start, position


def abbr_elements(html: str) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, attributes, content) of each ``<abbr>``, as
    ``<abbr\\b([^>]*)>(.*?)</abbr>`` (DOTALL, IGNORECASE) finds them."""
    tag_end = _find(html, ">")
    closing = _finder(
        lambda position: match.start() if (match := _ABBR_CLOSE.search(html, position)) else -1
    )
    position = 0
    while (opening := _ABBR_OPEN.search(html, position)) is not None:
        end = tag_end(opening.end())
        content_end = closing(end + 1) if end != -1 else -1
        if content_end == -1:
            return  # no '>', or no '</abbr>' after it: nor after any later <abbr
        position = content_end + len("</abbr>")
        attributes = html[opening.end() : end]
        yield opening.start(), position, attributes, html[end + 1 : content_end]


def html_ids(line: str) -> list[str]:
    """Each ``id="..."`` inside a tag, as ``<[a-zA-Z][^>]*?\\bid=["']([^"']+)["']`` finds them.

    The pattern took the nearest ``id=`` after a tag's start, before a '>': so an ``id=``
    counts if the last tag start before it is not closed before it.
    """
    if "id=" not in line:
        return []
    starts = [match.start() for match in re.finditer(r"<[a-zA-Z]", line)]
    closes = [match.start() for match in re.finditer(">", line)]
    ids: list[str] = []
    position = 0  # where the last match ended
    candidate = line.find("id=")
    while candidate != -1:
        match = _ID.match(line, candidate)
        if match is not None:
            index = bisect_right(starts, candidate - 2) - 1
            closed = bisect_left(closes, candidate) - 1
            tag = starts[index] if index >= 0 else -1
            if tag >= position and (closed < 0 or closes[closed] < tag):
                ids.append(match.group(1))
                position = match.end()
                candidate = line.find("id=", position)
                continue
        candidate = line.find("id=", candidate + 1)
    return ids


# -- links -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InlineLink:
    """An inline link ``[text](target "title")``, or an image ``![alt](source)``."""

    start: int
    end: int
    bang: str  # "!" for an image
    text: str
    target: str


def inline_links(line: str) -> list[InlineLink]:
    """Each inline link and image, as this pattern (checks.py's) finds them::

        (!?)\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\(\\s*<?((?:[^()\\s<>]|\\([^()\\s]*\\))*)>?
        (?:\\s+(?:"[^"]*"|'[^']*'|\\([^)]*\\)))?\\s*\\)

    The pattern tried every split of the blanks after "(" between its three ``\\s``
    (quadratic), and every title's closing quote or parenthesis was searched again from
    each link start before it. Here the blanks go to the address first and to a title only
    when that fails, which is the only split that finds anything new, and each closing
    character is looked up in a list made once.
    """
    if "](" not in line:
        return []
    after = {char: [m.start() for m in re.finditer(re.escape(char), line)] for char in "\"')"}
    closings: dict[int, int] = {}

    def closing(position: int) -> int:
        """``\\s*\\)`` at position: where it ends, or -1."""
        if position not in closings:
            found = _CLOSING.match(line, position)
            closings[position] = found.end() if found else -1
        return closings[position]

    def title_then_closing(position: int) -> int:
        opener = line[position : position + 1]
        if opener not in ('"', "'", "("):
            return -1
        found = after[")" if opener == "(" else opener]
        index = bisect_left(found, position + 1)
        return closing(found[index] + 1) if index < len(found) else -1

    links: list[InlineLink] = []
    position = 0
    while (bracket := line.find("[", position)) != -1:
        start = bracket - 1 if bracket > position and line[bracket - 1] == "!" else bracket
        head = _LINK_HEAD.match(line, start)
        end = -1
        if head is not None:
            target = head.group(4)
            if head.group(5):
                end = title_then_closing(head.end())
            if end == -1 and line.startswith(")", head.end()):
                end = head.end() + 1
            if end == -1 and head.group(3):  # the blanks after "(" lead to a title
                end, target = title_then_closing(head.end(3)), ""
        if head is None or end == -1:
            position = bracket + 1
            continue
        links.append(InlineLink(start, end, head.group(1), head.group(2), target))
        position = end
    return links


def replace_links(line: str, replace: Callable[[InlineLink], str]) -> str:
    """The line with each inline link and image replaced by ``replace(link)``."""
    return splice(line, ((link.start, link.end, replace(link)) for link in inline_links(line)))


# -- headings and emphasis -------------------------------------------------------------------


def atx_heading(line: str) -> tuple[int, str] | None:
    """An ATX heading's level and text, or None, as this pattern read it::

        ^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$

    The text loses its closing #s when blanks come before them (``## Notes ##``).
    """
    body = line.lstrip(" ")
    if len(line) - len(body) > 3:
        return None
    rest = body.lstrip("#")
    level = len(body) - len(rest)
    if not 1 <= level <= 6:
        return None
    if not rest:
        return level, ""
    if rest[0] not in " \t":
        return None
    text = rest.strip(" \t")
    bare = text.rstrip("#")
    if bare[-1:] in (" ", "\t"):
        text = bare.rstrip(" \t")
    return level, text


def replace_emphasis(text: str) -> str:
    """The text with each emphasis replaced by what it emphasises, as
    ``(\\*{1,3}|_{1,3})(\\S.*?\\S|\\S)\\1`` did: the most *s (or _s) that close again after
    some text, on a non-blank; else around one character."""
    if "*" not in text and "_" not in text:
        return text
    closers: dict[str, list[int]] = {}

    def closer(delimiter: str, position: int) -> int:
        """The first ``delimiter`` at or after position with no blank just before it, or -1."""
        found = closers.get(delimiter)
        if found is None:
            run = re.escape(delimiter[0]) + "+"
            found = closers[delimiter] = [
                at
                for match in re.finditer(run, text)
                for at in range(match.start(), match.end() - len(delimiter) + 1)
                if at > 0 and not text[at - 1].isspace()
            ]
        index = bisect_left(found, position)
        return found[index] if index < len(found) else -1

    def emphasis_at(start: int) -> tuple[int, int, int] | None:
        char = text[start]
        run = len(text[start : start + 3]) - len(text[start : start + 3].lstrip(char))
        for width in range(run, 0, -1):
            delimiter = char * width
            inside = start + width
            if inside >= len(text) or text[inside].isspace():
                continue
            close = closer(delimiter, inside + 2)
            if close != -1:
                return close + width, inside, close
            if text.startswith(delimiter, inside + 1):
                return inside + 1 + width, inside, inside + 1
        return None

    pieces = []
    position = 0
    for match in re.finditer(r"[*_]", text):
        start = match.start()
        if start < position:
            continue
        found = emphasis_at(start)
        if found is not None:
            end, inside, close = found
            pieces.append((start, end, text[inside:close]))
            position = end
    return splice(text, pieces)

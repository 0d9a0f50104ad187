"""Semantic HTML (as mammoth makes from a Word document) to the Markdown bulletin reads.

Only the elements a document's words can be in are written: headings, paragraphs, bold,
italic, links, pictures, lists (nested by four spaces, as Python-Markdown wants), tables
(pipe tables, the first row as header), quotations and the newsletter blocks
(``<div class="spotlight">`` and ``<div class="members">`` become ``/// spotlight | title``
and ``/// members | title``). An element carrying ``data-markdown`` is written as that text,
which lets the importer put in ``[[fee-table 2019/20]]`` or a footnote's ``[^1]``. Anything else is
unwrapped to its text; nothing is written as raw HTML, which bulletin refuses in posts.
Pure: an element tree in, a string out.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

BLOCK_KINDS = ("spotlight", "members")
"""The ``///`` blocks a ``div`` of that class becomes."""
BLOCK_TITLE = "block-title"
"""The class of the element holding a block's title (the first line after ``|``)."""
DEFAULT_TITLES = {"spotlight": "Spotlight", "members": "Welcome to our newest members"}

HEADINGS = {f"h{level}": level for level in range(1, 7)}
INLINE_SKIPPED = frozenset({"script", "style", "head", "title", "meta", "link"})
SPACES = re.compile(r"[ \t\r\n\f\v]+")  # not \s: a no-break space is the author's choice
LINE_START = re.compile(r"^(?:[#>+-]|(\d+)([.)])(?=\s|$)|///)")
TAG_LIKE = re.compile(r"<(?=[A-Za-z/!?])")
MARKUP_CHARS = re.compile(r"([\\`*\[]|(?<!\w)_|_(?!\w))")
"""Backslash, code, emphasis and link openers; ``_`` inside a word is a plain letter."""


def parse_html(text: str) -> lxml_html.HtmlElement:
    """The tree of an HTML fragment or page, wrapped in one ``div``."""
    if not text.strip():
        return lxml_html.fragment_fromstring("<div></div>")
    return lxml_html.fragment_fromstring(text, create_parent="div")


def render_markdown(root: lxml_html.HtmlElement) -> str:
    """The Markdown of ``root``'s children: blocks separated by one blank line."""
    blocks = _blocks(root)
    return "\n\n".join(blocks) + "\n" if blocks else ""


def render_inline(element: lxml_html.HtmlElement) -> str:
    """An element's text as one line of Markdown: emphasis, links and pictures kept."""
    return _tidy(_inline_children(element))


# -- blocks -----------------------------------------------------------------------------------


def _blocks(parent: lxml_html.HtmlElement) -> list[str]:
    """Each block-level child of ``parent`` as Markdown; loose inline content as paragraphs."""
    blocks: list[str] = []
    loose: list[str] = [_escape_text(parent.text or "")]

    def flush() -> None:
        text = _tidy("".join(loose))
        if text:
            blocks.append(_escape_line_start(text))
        loose.clear()

    for child in parent:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            loose.append(_escape_text(child.tail or ""))
            continue
        made = _block(child)
        if made is None:
            loose.append(_inline(child))
        else:
            flush()
            blocks.extend(part for part in made if part)
        loose.append(_escape_text(child.tail or ""))
    flush()
    return blocks


def _block(element: lxml_html.HtmlElement) -> list[str] | None:
    """``element`` as Markdown blocks, or None when it is inline content."""
    tag = element.tag.lower()
    if element.get("data-markdown") is not None:
        return [element.get("data-markdown")]
    if tag in HEADINGS:
        text = render_inline(element)
        return [f"{'#' * HEADINGS[tag]} {text}"] if text else []
    if tag == "p":
        text = render_inline(element)
        return [_escape_line_start(text)] if text else []
    if tag in ("ul", "ol"):
        return [_list(element)]
    if tag == "table":
        return [_table(element)]
    if tag == "blockquote":
        inner = _blocks(element)
        return ["\n".join(f"> {line}" if line else ">" for line in "\n\n".join(inner).split("\n"))]
    if tag == "div" and _block_kind(element):
        return [_named_block(element, _block_kind(element))]
    if tag == "hr":
        return ["---"]
    if tag in ("div", "section", "article", "body", "html", "main", "header", "footer", "li"):
        return _blocks(element)
    if tag in INLINE_SKIPPED:
        return []
    return None


def _block_kind(element: lxml_html.HtmlElement) -> str:
    classes = (element.get("class") or "").split()
    return next((kind for kind in BLOCK_KINDS if kind in classes), "")


def _named_block(element: lxml_html.HtmlElement, kind: str) -> str:
    """``/// kind | title``, the content, ``///``; a members block's lines are a list."""
    title = ""
    titles = [
        child
        for child in element
        if isinstance(child.tag, str) and BLOCK_TITLE in (child.get("class") or "").split()
    ]
    for child in titles:
        title = title or render_inline(child)
        child.drop_tree()  # the title is written after "|", not again in the block
    title = title or DEFAULT_TITLES[kind]
    inner = _blocks(element)
    if kind == "members":
        inner = [_as_list(inner)]
    return "\n".join([f"/// {kind} | {title}", "\n\n".join(inner), "///"])


def _as_list(blocks: list[str]) -> str:
    """Paragraphs as list items; lists as they are (a members block lists the members)."""
    lines = []
    for block in blocks:
        if re.match(r"^(?:[-+*]|\d+[.)]) ", block):
            lines.append(block)
        else:
            lines.append(f"- {block}")
    return "\n".join(lines)


def _list(element: lxml_html.HtmlElement) -> str:
    """A list, nested lists indented by four spaces under their item."""
    ordered = element.tag.lower() == "ol"
    lines: list[str] = []
    number = 0
    for item in element:
        if not isinstance(item.tag, str) or item.tag.lower() != "li":
            continue
        number += 1
        marker = f"{number}." if ordered else "-"
        parts = _blocks(item)
        first, rest = (parts[0], parts[1:]) if parts else ("", [])
        opens_with_list = len(item) and item[0].tag in ("ul", "ol") and not _text(item.text)
        if opens_with_list:  # an item holding only a nested list: an empty item, then it
            rest, first = [first, *rest], ""
        lines.append(f"{marker} {first}".rstrip())
        for part in rest:
            if not re.match(r"(?:[-+*]|\d+[.)]) ", part):  # a paragraph: not lazily joined
                lines.append("")
            lines.extend(f"    {line}" if line else "" for line in part.split("\n"))
    return "\n".join(lines)


def _table(element: lxml_html.HtmlElement) -> str:
    """A pipe table; the first row is the header, cells are one line each."""
    rows = [
        [_cell(cell) for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        for row in element.iter("tr")
    ]
    rows = [row for row in rows if row]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = [_row(rows[0]), _row(["---"] * width)]
    lines += [_row(row) for row in rows[1:]]
    return "\n".join(lines)


def table_rows(element: lxml_html.HtmlElement) -> list[list[str]]:
    """A table's cells as plain text, row by row."""
    return [
        [" ".join(cell.text_content().split()) for cell in row if cell.tag in ("td", "th")]
        for row in element.iter("tr")
    ]


def _cell(cell: lxml_html.HtmlElement) -> str:
    parts = [part for part in _blocks(cell) if part]
    return " ".join(" ".join(part.split("\n")) for part in parts).replace("|", "\\|")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# -- inline -----------------------------------------------------------------------------------


def _inline_children(element: lxml_html.HtmlElement) -> str:
    parts = [_escape_text(element.text or "")]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_inline(child))
        parts.append(_escape_text(child.tail or ""))
    return "".join(parts)


def _inline(element: lxml_html.HtmlElement) -> str:
    tag = element.tag.lower()
    if element.get("data-markdown") is not None:
        return element.get("data-markdown")
    if tag in INLINE_SKIPPED:
        return ""
    if tag == "br":
        return " "  # a line break inside a paragraph: the lines are joined
    if tag == "img":
        alt = SPACES.sub(" ", element.get("alt") or "").strip()
        return f"![{_escape_brackets(alt)}]({_address(element.get('src') or '')})"
    inner = _inline_children(element)
    if tag in ("strong", "b"):
        return _wrap(inner, "**")
    if tag in ("em", "i"):
        return _wrap(inner, "*")
    if tag == "a":
        href = (element.get("href") or "").strip()
        text = _tidy(inner)
        if not href or href.startswith("#") or not text:
            return inner  # a bookmark, or a link inside the document: its words only
        return f"[{text}]({_address(href)})"
    if tag in HEADINGS or tag in ("p", "div", "li"):  # a block inside inline content
        return f" {inner} "
    return inner


def _wrap(inner: str, marker: str) -> str:
    """``inner`` between emphasis markers, with its outer spaces moved outside them."""
    text = inner.strip()
    if not text:
        return inner
    before = " " if inner[:1].isspace() else ""
    after = " " if inner[-1:].isspace() else ""
    return f"{before}{marker}{text}{marker}{after}"


def _address(url: str) -> str:
    url = url.strip()
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def _tidy(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def _text(value: str | None) -> str:
    return (value or "").strip()


def _escape_text(text: str) -> str:
    """Words as Markdown shows them: characters that would start markup are escaped."""
    text = MARKUP_CHARS.sub(r"\\\1", text)
    return TAG_LIKE.sub("&lt;", text)


def _escape_brackets(text: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def _escape_line_start(text: str) -> str:
    """A paragraph that would read as a heading, list or block if left as it starts."""
    match = LINE_START.match(text)
    if match is None:
        return text
    if match.group(1):  # "2024. A year..." is not an ordered list
        return f"{match.group(1)}\\{text[len(match.group(1)) :]}"
    if text.startswith("///"):
        return f"&#47;{text[1:]}"
    return f"\\{text}"

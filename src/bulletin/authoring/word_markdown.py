"""A Word document's tree (from ``word_import``) shaped for bulletin and written as Markdown.

The title is taken out, Heading 1 and 2 become ``##`` and Heading 3 ``###`` with no level
skipped, a "Spotlight on…" or "Welcome to our newest members" heading opens a block, Word's
footnotes become Markdown footnotes, and a table of fee tiers that matches a year of the fee
data becomes ``[[fee-table YEAR]]`` (one that does not is kept, with a note). Then
``html_markdown`` writes the body and ``render_file`` puts the front matter above it.
Pure: no reading, no writing.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import html as lxml_html

from bulletin.authoring.html_markdown import (
    BLOCK_TITLE,
    render_inline,
    render_markdown,
    table_rows,
)
from bulletin.authoring.scaffold import Draft
from bulletin.authoring.word_import import ImportRefused, WordDocument
from bulletin.fees import FeeSchedule
from bulletin.model import Author

BLOCK_HEADINGS = (
    ("spotlight", re.compile(r"^spotlight\b\W*\w", re.IGNORECASE)),
    ("members", re.compile(r"^(?:welcome to )?(?:our )?new(?:est)? members\b", re.IGNORECASE)),
)
"""A heading that opens a block: "Spotlight on… York" (not "Spotlight" alone), "Welcome to
our newest members"; the block holds what follows, up to the next heading."""
UP_TO = re.compile(r"\bup\s+to\s+(\d+)\b", re.IGNORECASE)
MONEY = re.compile(r"£\s*([0-9][0-9,]*(?:\.[0-9]{2})?)")


@dataclass(frozen=True, slots=True)
class Rendered:
    """The Markdown body of an import, its title and what the author should look at."""

    title: str
    body: str
    notes: tuple[tuple[int, str], ...]  # (line of the body from 1, or 0 for the whole file)


def take_title(document: WordDocument, given: str | None = None) -> str:
    """The title: ``given``, else the Title paragraph or first heading, which leaves the body
    either way (else Word's File > Info title). ImportRefused if there is none."""
    found = _take_title(document.tree)
    title = " ".join((given or found or document.properties.title).split())
    if not title:
        raise ImportRefused(
            "the document has no title (no paragraph in Word's Title style, no heading): "
            'give one with --title "..."'
        )
    return title


def match_author(name: str, authors: Mapping[str, Author]) -> str | None:
    """The key of the author called ``name`` (case and spacing aside), if there is one."""
    wanted = " ".join(name.split()).casefold()
    found = [key for key, author in authors.items() if author.name.casefold() == wanted]
    return found[0] if wanted and len(found) == 1 else None


def render_import(
    document: WordDocument,
    *,
    title: str,
    pictures_url: str,
    schedules: tuple[FeeSchedule, ...] = (),
    excerpt_separator: str | None = "<!-- more -->",
) -> Rendered:
    """The Markdown body of a document whose title was taken (``take_title``);
    ``pictures_url`` is the pictures' folder as the post links to it (e.g.
    ``assets/march-update``). The tree is changed in place."""
    tree = document.tree
    _level_headings(tree)
    _wrap_block_headings(tree)
    _footnotes(tree)
    notes = [_style_note(message) for message in document.messages]
    fee_notes = _replace_fee_tables(tree, schedules)
    for image in tree.iter("img"):
        image.set("src", posixpath.join(pictures_url, image.get("src", "")))
    body = render_markdown(tree)
    if not body.strip() and not document.pictures:
        raise ImportRefused("the document is empty: it has no text to import")
    if excerpt_separator:
        body = _add_separator(body, excerpt_separator)
    for header, note in fee_notes:
        line = next((n for n, text in enumerate(body.split("\n"), 1) if text == header), 0)
        notes.append((line, note))
    return Rendered(title, body, tuple(notes))


def _take_title(tree: lxml_html.HtmlElement) -> str:
    """Remove the Title paragraph, or else the first heading, and return its text."""
    titled = tree.xpath("//h1[contains(concat(' ', @class, ' '), ' title ')]")
    headings = tree.xpath("//h1|//h2|//h3|//h4|//h5|//h6")
    chosen = titled[0] if titled else (headings[0] if headings else None)
    if chosen is None:
        return ""
    text = " ".join(chosen.text_content().split())
    chosen.drop_tree()
    return text


def _level_headings(tree: lxml_html.HtmlElement) -> None:
    """Heading 1 and 2 become ``##``, Heading 3 ``###``, ... and no level is skipped."""
    previous = 1
    for heading in tree.xpath("//h1|//h2|//h3|//h4|//h5|//h6"):
        wanted = max(2, int(heading.tag[1]))
        level = min(wanted, previous + 1)
        heading.tag = f"h{level}"
        heading.attrib.pop("class", None)
        previous = level


def _wrap_block_headings(tree: lxml_html.HtmlElement) -> None:
    """A "Spotlight on…" or "Welcome to our newest members" heading and what follows it, up
    to the next heading, become a block with that title."""
    for heading in list(tree.xpath("//h2|//h3|//h4|//h5|//h6")):
        text = " ".join(heading.text_content().split())
        kind = next((kind for kind, pattern in BLOCK_HEADINGS if pattern.match(text)), "")
        parent = heading.getparent()
        if not kind or parent is None or (parent.tag == "div" and parent.get("class")):
            continue
        block = lxml_html.Element("div", {"class": kind})
        heading.addprevious(block)
        title = lxml_html.Element("p", {"class": BLOCK_TITLE})
        title.text = text
        block.append(title)
        following = block.getnext()
        parent.remove(following)  # the heading itself: its words are the title
        following = block.getnext()
        while following is not None and following.tag not in ("h1", "h2", "h3", "h4", "h5", "h6"):
            after = following.getnext()
            block.append(following)
            following = after


def _footnotes(tree: lxml_html.HtmlElement) -> None:
    """Word's footnotes and endnotes (mammoth: ``<sup><a>[1]</a></sup>`` and a closing list)
    as Markdown footnotes, ``[^1]`` and ``[^1]: text``, which the site's Markdown reads."""
    numbers: dict[str, str] = {}
    for link in tree.xpath(
        "//a[starts-with(@id, 'footnote-ref-') or starts-with(@id, 'endnote-ref-')]"
    ):
        number = "".join(char for char in link.text_content() if char.isdigit())
        numbers[(link.get("href") or "").lstrip("#")] = number
        sup = link.getparent()
        target = sup if sup is not None and sup.tag == "sup" and len(sup) == 1 else link
        marker = lxml_html.Element("span", {"data-markdown": f"[^{number}]"})
        marker.tail = target.tail
        target.getparent().replace(target, marker)
    for item in tree.xpath("//ol/li[@id]"):
        number = numbers.get(item.get("id", ""))
        if not number:
            continue
        for back in item.xpath(".//a[contains(@href, '-ref-')]"):
            back.drop_tree()  # the "↑" back to the text: the site's footnotes make their own
        text = render_inline(item)
        note = lxml_html.Element("p", {"data-markdown": f"[^{number}]: {text}"})
        notes_list = item.getparent()
        notes_list.addprevious(note)
        notes_list.remove(item)


def _replace_fee_tables(
    tree: lxml_html.HtmlElement, schedules: tuple[FeeSchedule, ...]
) -> list[tuple[str, str]]:
    """Each table of fee tiers that matches a year of the fee data becomes ``[[fee-table
    YEAR]]``; one that does not is kept, with a note keyed by its header row's Markdown."""
    notes = []
    for table in list(tree.iter("table")):
        rows = table_rows(table)
        tiers = parse_fee_tiers(rows)
        if not tiers:
            continue
        year = next(
            (s.year for s in schedules if [(t.up_to, t.price) for t in s.tiers] == tiers), None
        )
        if year is not None:
            marker = lxml_html.Element("p", {"data-markdown": f"[[fee-table {year}]]"})
            marker.tail = table.tail
            table.getparent().replace(table, marker)
            continue
        header = "| " + " | ".join(cell.replace("|", "\\|") for cell in rows[0]) + " |"
        years = ", ".join(s.year for s in schedules) or "none"
        notes.append(
            (
                header,
                "fee table: its tiers and prices are not those of any year in the fee data "
                f"({years}), so it was kept as a table; correct the fee data or the figures, "
                "then replace the table with [[fee-table YEAR]]",
            )
        )
    return notes


def parse_fee_tiers(rows: list[list[str]]) -> list[tuple[int, Decimal]]:
    """The (up to, price) of each row like "Up to 5 | £1,500.00"; empty if there are none."""
    tiers = []
    for row in rows:
        match = UP_TO.search(row[0]) if row else None
        money = next((m for cell in row[1:] if (m := MONEY.search(cell))), None)
        if match and money:
            try:
                tiers.append((int(match[1]), Decimal(money[1].replace(",", ""))))
            except InvalidOperation:
                continue
    return tiers


def _add_separator(body: str, separator: str) -> str:
    """The excerpt separator after the first paragraph (the blog shows what is above it)."""
    blocks = body.split("\n\n")
    for index, block in enumerate(blocks):
        if block and not block.startswith(("#", "///", "|", "- ", "1. ", "!", ">", "[[")):
            blocks.insert(index + 1, separator)
            return "\n\n".join(blocks)
    return body


def _style_note(message: str) -> tuple[int, str]:
    match = re.match(r"Unrecognised (paragraph|run) style: '?(.*?)'? \(Style ID", message)
    if match:
        what = "paragraphs" if match[1] == "paragraph" else "words"
        return (0, f"Word style {match[2]!r} has no Markdown form: its {what} came in plain")
    return (0, message)


def render_file(draft: Draft, body: str, description: str = "") -> str:
    """The imported file: front matter as ``bulletin new`` writes it (a draft), then ``body``."""
    lines = [
        "---",
        f"title: {_quoted(draft.title)}",
        f"date: {draft.day.isoformat()}",
        f"authors: [{draft.author}]",
        f"categories: [{draft.category}]",
        "tags: []",
    ]
    if description:
        lines.append(f"description: {_quoted(description)}")
    if draft.issue is not None:
        lines += [f"issue: {draft.issue}", f'edition: "{draft.edition}"']
    lines += ["draft: true", "---", "", body]
    return "\n".join(lines)


def _quoted(value: str) -> str:
    return json.dumps(" ".join(value.split()), ensure_ascii=False)

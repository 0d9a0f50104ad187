"""``bulletin check``: what to mend before publishing, beyond what ``load_site`` refuses.

Each Markdown file is scanned once, line by line (no render): headings, links, images,
anchors and prose are collected into a ``Document``, then small rule functions read the
documents. Rules have stable ids, used in reports and in the silencing marker
``<!-- check: ignore RULE -->`` on the line concerned (see docs/checks.md).
"""

from __future__ import annotations

import difflib
import html
import itertools
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote

from babel.dates import format_date
from markdown.extensions.toc import IDCOUNT_RE, slugify

from bulletin.fees import current_schedule
from bulletin.fees.markup import find_fee_markers
from bulletin.linescan import (
    atx_heading,
    html_ids,
    ignore_markers,
    inline_links,
    replace_code_spans,
    replace_comments,
    replace_emphasis,
    replace_links,
    replace_tags,
    splice,
)
from bulletin.model import LONDON, Post, Site, SiteSources
from bulletin.outputs.email.personal_data import find_personal_data
from bulletin.summary import excerpt_cut, plain_text

ERROR = "error"
WARNING = "warning"
SUGGESTION = "suggestion"  # what bulletin made up for a post: shown, never a failure

RULES: dict[str, str] = {
    "broken-link": ERROR,  # a link to a page or file of the site that does not exist
    "broken-anchor": ERROR,  # a link to a heading (#part) that the page does not have
    "unpublished-link": WARNING,  # a link to a draft or a post not yet published
    "missing-image": ERROR,
    "image-alt": ERROR,  # WCAG 1.1.1 (level A): an image with no text alternative
    "link-text": WARNING,  # WCAG 2.4.4/2.4.9: "click here"; the sentence may redeem it
    "heading-level": WARNING,  # WCAG 1.3.1 advice: ## then #### skips a level
    "email-size": ERROR,  # Gmail clips an email over about 102 KB
    "personal-data": WARNING,  # a heuristic: see personal_data.py
    "acronym": WARNING,  # an acronym the glossary does not explain
    "unknown-key": WARNING,  # a front-matter key bulletin ignores (from load_site)
    "check-marker": WARNING,  # an ignore marker naming no rule, which would silence nothing
    # A warning, not an error: the words still publish, in order and readable, as paragraphs
    # with their bullet; what is lost is the list itself (screen readers announce no list),
    # and --strict, as in CI, refuses that.
    "word-bullet": WARNING,  # a line starting with a bullet pasted from Word: not a list
    "fee-table-year": WARNING,  # [[fee-table]] in a post dated before any fee schedule
    "issue-number": ERROR,  # two published newsletter issues with the same number
    "edition-month": WARNING,  # a newsletter whose edition is not its date's month
    "derived-description": SUGGESTION,  # no description: one is made from the opening
    "derived-excerpt": SUGGESTION,  # no <!-- more -->: the blog shows an automatic excerpt
}
"""Every rule id and its severity; the ids are part of the interface (markers use them)."""

GLOSSARY = "content/glossary.yml"
VAGUE_LINK_TEXT = frozenset(
    {
        *("click", "click here", "click this link", "here", "go here", "see here"),
        *("link", "this link", "more", "read more", "more here", "more info"),
        *("more information", "find out more", "learn more", "this", "this page"),
        *("continue", "continue reading", "details", "website", "this website"),
    }
)
"""Link text that says nothing out of its sentence (compared lower-case, punctuation removed)."""
EXCERPT_ENDING = 8
"""Words of an automatic excerpt's end that ``derived-excerpt`` quotes."""
BLOCK_NAMES = {
    "list": "list",
    "fence": "code block",
    "code": "code block",
    "blocks": "/// block",
    "admonition": "admonition",
    "table": "table",
    "quote": "quotation",
    "html": "HTML block",
}
"""An automatic excerpt that is a whole block, as ``derived-excerpt`` names it."""
COMMON_ACRONYMS = frozenset(
    {
        *("UK", "GB", "EU", "NHS", "TV", "OK", "BST", "GMT", "AM", "PM", "FAQ", "PDF"),
        *("URL", "ID", "CEO", "HR", "BBC", "COVID", "PS", "NB"),
        *("II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII"),
    }
)
"""All-caps words every reader knows (and Roman numerals): never reported as unexplained."""
GENERATED = frozenset({"archive", "category", "author", "page", "feeds", "search", "tags"})
"""First parts of addresses that Material's blog, search and our feeds create."""
WORD_BULLETS = {
    **{bullet: f'"{bullet}"' for bullet in "•·▪▫◦●○■□"},
    "\uf0b7": "U+F0B7 (the bullet of Word's Symbol font)",
    "\uf0a7": "U+F0A7 (the square of Word's Wingdings font)",
}
"""Bullet characters that Word's lists paste as, and how to name each (some show as nothing)."""

# Every pattern here runs in time linear in the line (one anchored pass, or classes that
# cannot overlap); what a pattern would backtrack on is found by bulletin.linescan instead.
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
ATTRS = re.compile(r"\{:?[ \t]*[#.][^{}\n]*\}")
ATTR_ID = re.compile(r"(?<![\w-])#([\w-]+)")
_TEXT = r"((?:[^\[\]]|\[[^\[\]]*\])*)"
REFERENCE = re.compile(r"(!?)\[" + _TEXT + r"\]\[([^\[\]]*)\]")
REF_DEF = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*<?([^\s>]*)>?")
ABBR_DEF = re.compile(r"^\*\[([^\]]+)\]:")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# An address starts where a run of its characters does: tried from inside every run of a
# long word, ``[\w.+-]+@`` scanned to the end of it again each time.
URLISH = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b\w+(?:\.\w+)+\b"
)
ACRONYM = re.compile(r"(?<![\w'’-])([A-Z]{2,6})(s?)(?![\w]|-\d)")  # not codes like CR-2023
LIST_OR_BLOCK = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|>|\||<|///|!!!|\[\[)")


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One thing to look at in one file: ``path:line: severity: message``."""

    path: str
    line: int  # 0: the whole file
    severity: str  # "error", "warning" or "suggestion"
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class Heading:
    line: int
    level: int
    text: str  # as written, without the #s and attributes
    id: str  # the anchor Python-Markdown's toc gives it


@dataclass(frozen=True, slots=True)
class Link:
    line: int
    text: str  # the link text, or an image's alt text
    target: str
    is_image: bool


@dataclass(slots=True)
class Document:
    """One Markdown file as the rules see it, from a single line scan."""

    path: str  # as the author knows it, e.g. content/posts/x.md
    src_uri: str  # where MkDocs sees it inside docs_dir
    url: str  # relative to site_url, e.g. "2024/01/x/"
    post: Post | None  # None for the site's other pages
    headings: list[Heading] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    prose: list[tuple[int, str]] = field(default_factory=list)  # for acronyms
    raw: list[tuple[int, str]] = field(default_factory=list)  # every line, front matter too
    ignored: dict[int, list[str]] = field(default_factory=dict)  # line -> rule ids
    abbreviations: set[str] = field(default_factory=set)  # *[ABC]: definitions
    first_line: int = 1  # file line of the body's first line


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules know of the whole site."""

    site: Site
    sources: SiteSources
    by_uri: dict[str, Document]
    by_url: dict[str, Document]
    known_acronyms: frozenset[str]
    allowed_emails: frozenset[str]
    allowed_phones: frozenset[str]
    email_sizes: dict[str, int]
    email_budget: int

    def shown(self, src_uri: str) -> str:
        """A path inside docs_dir as the author knows it."""
        path = self.sources.docs_dir / src_uri
        try:
            return path.relative_to(self.sources.root).as_posix()
        except ValueError:
            return path.as_posix()


def finding(doc: Document, line: int, rule: str, message: str) -> Finding:
    return Finding(doc.path, line, RULES[rule], rule, message)


# -- the scan ---------------------------------------------------------------------------------


def scan_document(doc: Document, body: str, first_line: int, front: Sequence[str] = ()) -> Document:
    """Fill ``doc`` from its Markdown ``body`` (``first_line``: file line of its first line)."""
    doc.raw.extend(enumerate(front, start=1))
    doc.first_line = first_line
    ids: set[str] = set()
    next_free: dict[str, str] = {}  # see _unique
    definitions: dict[str, tuple[int, str]] = {}
    references: list[tuple[int, str, str, bool]] = []
    fence = ""
    in_comment = False
    previous = ""  # the last line, if it could be a setext heading's text
    for number, line in enumerate(body.split("\n"), start=first_line):
        doc.raw.append((number, line))
        for marker in ignore_markers(line):
            doc.ignored.setdefault(number, []).extend(re.split(r"[\s,]+", marker))
        opening = FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            continue
        if opening:
            fence, previous = opening.group(1), ""
            continue
        if in_comment:
            if "-->" not in line:
                continue
            in_comment, line = False, line.split("-->", 1)[1]
        line = replace_comments(line, " ")
        if "<!--" in line:
            in_comment, line = True, line.split("<!--", 1)[0]
        abbreviation = ABBR_DEF.match(line)
        if abbreviation:
            doc.abbreviations.add(abbreviation.group(1).strip())
            continue
        definition = REF_DEF.match(line)
        if definition:
            definitions.setdefault(definition.group(1).lower(), (number, definition.group(2)))
            continue
        atx = atx_heading(line)
        setext = SETEXT.match(line) if previous else None
        if atx or setext:
            level = atx[0] if atx else (1 if setext and setext.group(1)[0] == "=" else 2)
            written = atx[1] if atx else previous
            where = number if atx else number - 1
            heading_id = _heading_id(written, ids, next_free)
            doc.headings.append(Heading(where, level, ATTRS.sub("", written).strip(), heading_id))
            doc.anchors.add(heading_id)
            previous = ""
            if setext:
                continue
        else:
            previous = line if line.strip() and not LIST_OR_BLOCK.match(line) else ""
        for attrs in ATTRS.finditer(line):
            doc.anchors.update(ATTR_ID.findall(attrs.group()))
        doc.anchors.update(html_ids(line))
        prose = replace_code_spans(line, lambda code: " ")
        links = inline_links(prose)
        for link in links:
            _add_link(doc, number, link.bang, link.text, link.target)
        for match in REFERENCE.finditer(prose):
            label = (match.group(3) or match.group(2)).lower()
            references.append((number, match.group(2), label, bool(match.group(1))))
        words = splice(prose, ((link.start, link.end, f" {link.text} ") for link in links))
        words = replace_tags(ATTRS.sub(" ", words), " ")
        doc.prose.append((number, URLISH.sub(" ", words)))
    doc.anchors.update(ids)
    for number, text, label, is_image in references:
        if label in definitions:  # else Python-Markdown prints the brackets as they are
            _add_link(doc, number, "!" if is_image else "", text, definitions[label][1])
    return doc


def _add_link(doc: Document, line: int, bang: str, text: str, target: str) -> None:
    doc.links.append(Link(line, text, target, is_image=bool(bang)))
    for image in inline_links(text):  # an image inside a link: [![alt](img)](url)
        if image.bang:
            doc.links.append(Link(line, image.text, image.target, is_image=True))


def _heading_id(written: str, ids: set[str], next_free: dict[str, str]) -> str:
    """The id Python-Markdown's toc gives the heading: an explicit {#id}, or its slug."""
    attrs = ATTRS.search(written)
    explicit = ATTR_ID.search(attrs.group()) if attrs else None
    if explicit:
        ids.add(explicit.group(1))
        return explicit.group(1)
    text = ATTRS.sub("", written)
    text = replace_links(text, lambda link: link.text)  # link and image text, not addresses
    text = replace_code_spans(text, lambda code: code)
    text = replace_tags(text, "")
    text = replace_emphasis(text)
    return _unique(slugify(html.unescape(text), "-"), ids, next_free)


def _unique(slug: str, ids: set[str], next_free: dict[str, str]) -> str:
    """Python-Markdown's ``toc.unique``: the slug, or the first of slug_1, slug_2... not taken.

    Its loop walked every taken suffix again for each equal heading (quadratic in a page of
    thousands of "## Notes"); ``next_free`` remembers where each walk ended, for the next.
    """
    walked = []
    while slug in ids or not slug:
        walked.append(slug)
        if slug in next_free:
            slug = next_free[slug]
            continue
        match = IDCOUNT_RE.match(slug)
        slug = f"{match.group(1)}_{int(match.group(2)) + 1}" if match else f"{slug}_1"
    for taken in walked:  # each leads to ``slug`` through taken ids only, as ids only grow
        next_free[taken] = slug
    ids.add(slug)
    return slug


# -- the rules ----------------------------------------------------------------------------------


def check_links(doc: Document, context: Context) -> Iterator[Finding]:
    """Links and images inside the site must lead somewhere; anchors to a heading."""
    for link in doc.links:
        target = link.target.strip()
        if target.startswith("//") or SCHEME.match(target):
            continue  # another site, an email or a phone link: not checked (no network)
        if not target:
            if not link.is_image and link.text:
                yield finding(doc, link.line, "broken-link", f"link [{link.text}] has no address")
            continue
        path, _, fragment = target.partition("#")
        path = unquote(path.split("?", 1)[0])
        if not path:
            yield from _check_anchor(doc, link, doc, fragment)
            continue
        if path.startswith("/"):  # from the top of the site
            file = address = posixpath.normpath(path.lstrip("/") or ".")
        else:  # from the Markdown file, as MkDocs resolves; or from the page's own address
            file = posixpath.normpath(posixpath.join(posixpath.dirname(doc.src_uri), path))
            address = posixpath.normpath(posixpath.join(doc.url, path))
        inside = not (file == ".." or file.startswith("../"))
        if link.is_image:
            if not inside:
                message = f'image "{target}" is outside the site\'s content folder'
                yield finding(doc, link.line, "missing-image", message)
            elif not _is_file(context.sources.docs_dir / file):
                message = f'image "{target}" does not exist (looked for {context.shown(file)})'
                hint = _did_you_mean(doc, file, context)
                yield finding(doc, link.line, "missing-image", message + hint)
            continue
        found = context.by_uri.get(file) if inside else None
        if found is None and path.endswith(".md"):
            where = f"looked for {context.shown(file)}" if inside else "it is outside the site"
            message = f'link "{target}" does not lead to a page of the site ({where})'
            hint = _did_you_mean(doc, file, context)
            yield finding(doc, link.line, "broken-link", message + hint)
            continue
        if found is None:
            if inside and _is_file(context.sources.docs_dir / file):
                continue  # a file such as a PDF
            found = context.by_url.get(_url_key(address))
            if found is None and address.split("/")[0] in GENERATED:
                continue
        if found is None:
            message = f'link "{target}" does not lead to a page or file of the site'
            yield finding(doc, link.line, "broken-link", message)
            continue
        yield from _check_unpublished(doc, link, found, context)
        yield from _check_anchor(doc, link, found, fragment)


def _url_key(url: str) -> str:
    url = url.removesuffix("index.html").strip("/")
    return "" if url == "." else url


def _did_you_mean(doc: Document, joined: str, context: Context) -> str:
    """Suggest the relative link to a file of the same or a close name."""
    name = posixpath.basename(joined)
    files = context.by_uri if name.endswith(".md") else _asset_names(context.sources.docs_dir)
    names = {posixpath.basename(uri): uri for uri in sorted(files)}
    # 0.85: "logo.svgz" finds "logo.svg", but "chart.png" is not offered "share.png"
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.85)
    if not close:
        return ""
    relative = posixpath.relpath(names[close[0]], posixpath.dirname(doc.src_uri))
    return f"; did you mean {relative}?"


def _asset_names(docs_dir: Path) -> list[str]:
    return [
        path.relative_to(docs_dir).as_posix()
        for path in docs_dir.rglob("*")
        if path.is_file() and path.suffix != ".md"
    ]


def _is_file(path: Path) -> bool:
    """Whether a link's target is a file; a name too long for the disk is none."""
    try:
        return path.is_file()
    except OSError:  # e.g. ENAMETOOLONG from a link thousands of characters long
        return False


def _check_anchor(doc: Document, link: Link, target: Document, fragment: str) -> Iterator[Finding]:
    if not fragment or fragment in target.anchors:
        return
    where = "this page" if target is doc else target.path
    close = difflib.get_close_matches(fragment, sorted(target.anchors), n=1)
    hint = f"; did you mean #{close[0]}?" if close else ""
    message = f'link "{link.target}": {where} has no heading with the anchor #{fragment}{hint}'
    yield finding(doc, link.line, "broken-anchor", message)


def _check_unpublished(
    doc: Document, link: Link, target: Document, context: Context
) -> Iterator[Finding]:
    post, source = target.post, doc.post
    if post is None or (source is not None and source.draft):
        return
    if post.draft:
        message = f'link "{link.target}" leads to a draft, which readers cannot see; publish it first or remove the link'
        yield finding(doc, link.line, "unpublished-link", message)
    elif source is not None and post.date > source.date:
        message = (
            f'link "{link.target}" leads to a post published later, on {_day(post)}; '
            "until then readers find no page there"
        )
        yield finding(doc, link.line, "unpublished-link", message)


def check_images(doc: Document, context: Context) -> Iterator[Finding]:
    """Every image needs a text alternative (WCAG 1.1.1)."""
    for link in doc.links:
        if link.is_image and not link.text.strip():
            message = (
                f'image "{link.target}" has no description: say what it shows between the '
                f"square brackets, e.g. ![Referrals by month, rising in winter]({link.target})"
            )
            yield finding(doc, link.line, "image-alt", message)


def check_link_text(doc: Document, context: Context) -> Iterator[Finding]:
    """Link text should say where the link goes; "click here" says nothing out of context."""
    for link in doc.links:
        if link.is_image:
            continue
        text = replace_links(link.text, lambda image: image.text)  # an image link: its alt text
        words = " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())
        if not words and inline_links(link.text):
            continue  # an image link without alt text: image-alt reports it
        if words in VAGUE_LINK_TEXT or not words:
            message = (
                f'link text "{link.text.strip()}" does not say where the link goes; name the '
                "destination instead, e.g. [the neglect strategy](...) (WCAG 2.4.4)"
            )
            yield finding(doc, link.line, "link-text", message)


def check_headings(doc: Document, context: Context) -> Iterator[Finding]:
    """Headings go down one level at a time; a post's title is its only level-1 heading."""
    previous = 1
    for heading in doc.headings:
        shown = f'"{"#" * heading.level} {heading.text}"'
        if heading.level == 1 and doc.post is not None:
            message = (
                f"{shown} is a second title: the post's title is already its top heading; "
                "start sections with ##"
            )
            yield finding(doc, heading.line, "heading-level", message)
        elif heading.level > previous + 1:
            fix = "#" * (previous + 1)
            message = (
                f"{shown} skips a level (the heading before it is level {previous}); "
                f"use {fix}, so screen-reader users can follow the outline"
            )
            yield finding(doc, heading.line, "heading-level", message)
        previous = heading.level


def check_email_size(doc: Document, context: Context) -> Iterator[Finding]:
    """A newsletter's email must fit the budget, or Gmail clips it (unsubscribe link and all)."""
    if doc.post is None or not doc.post.is_newsletter:
        return
    size = context.email_sizes.get(doc.post.slug)
    if size is not None and size > context.email_budget:
        message = (
            f"the email is {size / 1024:.1f} KiB, over the {context.email_budget / 1024:.0f} KiB "
            "budget: Gmail clips longer emails, hiding the end and the unsubscribe link; "
            "shorten the issue or move items to the website"
        )
        yield finding(doc, 0, "email-size", message)


def check_personal_data(doc: Document, context: Context) -> Iterator[Finding]:
    """Likely personal data, front matter and code included: all of it is published."""
    for number, line in doc.raw:
        suspects = find_personal_data(
            line, allowed_emails=context.allowed_emails, allowed_phones=context.allowed_phones
        )
        for suspect in suspects:
            shown = suspect.text[:4] + "…" if len(suspect.text) > 4 else suspect.text
            message = (
                f'this looks like {suspect.kind} ("{shown}"): details that could identify a child, '
                "a family or a colleague must not be published; remove it, or if it is safe to "
                "publish end the line with <!-- check: ignore personal-data -->"
            )
            yield finding(doc, number, "personal-data", message)


def check_acronyms(doc: Document, context: Context) -> Iterator[Finding]:
    """All-caps acronyms the glossary does not know, once per file at their first use."""
    known = context.known_acronyms | COMMON_ACRONYMS | doc.abbreviations
    first: dict[str, int] = {}
    uses: dict[str, int] = {}
    for number, text in doc.prose:
        if "acronym" in doc.ignored.get(number, ()):
            continue  # else silencing the first use would hide the later ones
        for match in ACRONYM.finditer(text):
            word = match.group(1) + match.group(2)
            if word in known or match.group(1) in known:
                continue
            name = match.group(1) if match.group(2) and len(match.group(1)) > 1 else word
            first.setdefault(name, number)
            uses[name] = uses.get(name, 0) + 1
    for name, number in first.items():
        times = f" (used {uses[name]} times)" if uses[name] > 1 else ""
        message = (
            f'"{name}" is not in the glossary{times}: add it to {GLOSSARY} with its meaning, '
            "so readers get it explained, or spell it out"
        )
        yield finding(doc, number, "acronym", message)


def check_markers(doc: Document, context: Context) -> Iterator[Finding]:
    """An ignore marker with a misspelt rule would silence nothing: say so."""
    for number, names in doc.ignored.items():
        unknown = [name for name in names if name and name not in RULES]
        if unknown:
            message = (
                "the check: ignore marker names no rule bulletin knows ("
                + ", ".join(f'"{name}"' for name in unknown)
                + "); the rules are "
                + ", ".join(sorted(RULES))
            )
            yield finding(doc, number, "check-marker", message)


def check_derived(doc: Document, context: Context) -> Iterator[Finding]:
    """Name what bulletin made up for a post, so its writer can keep it or write their own."""
    post = doc.post
    if post is None:
        return
    if "description" in post.derived:
        message = (
            f'no description: given, so the site uses "{post.description}" (from the opening) '
            "on the blog, in feeds, emails and link previews; to write your own, add "
            'description: "…" to the front matter'
        )
        yield finding(doc, 1, "derived-description", message)
    separator = context.sources.excerpt_separator
    cut = excerpt_cut(post.body) if "excerpt" in post.derived and separator else None
    if cut is not None:
        if cut.kind in BLOCK_NAMES:
            ending = f"the {BLOCK_NAMES[cut.kind]} it opens with"
        else:
            words = plain_text(post.body[: cut.offset], line_marks=True).split()
            ending = " ".join(words[-EXCERPT_ENDING:])
            ending = f'"…{ending}"' if len(words) > EXCERPT_ENDING else f'"{ending}"'
        message = (
            f"no {separator} line, so the blog's pages show the post up to here ({ending}); "
            f"to end the excerpt elsewhere, put a line {separator} where it should end"
        )
        yield finding(doc, doc.first_line + cut.line, "derived-excerpt", message)


def check_word_bullets(doc: Document, context: Context) -> Iterator[Finding]:
    """A line starting with a bullet from Word is a paragraph, not a list item."""
    for number, text in doc.prose:
        line = text.lstrip()
        if line.startswith("o\t"):
            shown = '"o" and a tab'
        elif line[:1] in WORD_BULLETS:
            shown = WORD_BULLETS[line[0]]
        else:
            continue
        message = (
            f"the line starts with {shown}, as a list pasted from Word does, so it is published "
            'as a paragraph, not as an item of a list; use - for a list: start each item with "- " '
            "(a hyphen and a space), with a blank line before the first"
        )
        yield finding(doc, number, "word-bullet", message)


def check_fee_table_year(doc: Document, context: Context) -> Iterator[Finding]:
    """A bare [[fee-table]] shows the schedule in force on the post's date: there must be one."""
    post, schedules = doc.post, context.site.fees
    if post is None or not schedules:
        return
    for number, year in find_fee_markers(post.body):
        if year is not None:
            continue
        try:
            current_schedule(schedules, post.date.astimezone(LONDON).date())
        except ValueError:  # before the first schedule, which the table then shows
            first = min(schedules, key=lambda schedule: schedule.effective)
            starts = format_date(first.effective, "d MMMM y", locale="en_GB")
            fees_file = context.sources.fees_file
            where = (
                fees_file.relative_to(context.sources.root).as_posix()
                if fees_file is not None and fees_file.is_relative_to(context.sources.root)
                else "the fees file"
            )
            message = (
                f"[[fee-table]] shows the fees in force on the post's date, {_day(post)}, but "
                f"the first schedule in {where}, {first.year}, starts on {starts}, so the "
                f"table would show {first.year}; if that is right write [[fee-table "
                f"{first.year}]], else add the schedule in force then to {where}"
            )
            yield finding(doc, doc.first_line + number - 1, "fee-table-year", message)


def check_issue_number(doc: Document, context: Context) -> Iterator[Finding]:
    """Each published newsletter issue has its own number: the later of two is reported."""
    post = doc.post
    if post is None or not post.is_newsletter or post.draft or post.issue is None:
        return
    issues = sorted(
        (other for other in context.site.posts if other.is_newsletter and not other.draft),
        key=lambda other: (other.date, other.path),
    )
    first = next(other for other in issues if other.issue == post.issue)
    if first is post:
        return
    earlier = issues[: issues.index(post)]
    number = max((other.issue or 0 for other in earlier), default=0) + 1
    found = context.by_uri.get(first.src_uri)
    where = f"{first.path}:{_key_line(found, 'issue')}" if found else first.path
    message = (
        f"issue {post.issue} is also the number of {where} ({_day(first)}): each issue needs "
        f"its own number; the issues before this one go up to {number - 1}, so write issue: "
        f"{number}"
    )
    yield finding(doc, _key_line(doc, "issue"), "issue-number", message)


def check_edition_month(doc: Document, context: Context) -> Iterator[Finding]:
    """A newsletter's edition is the month of its date."""
    post = doc.post
    if post is None or not post.is_newsletter or post.edition is None:
        return
    day = post.date.astimezone(LONDON)
    month = f"{day.year:04d}-{day.month:02d}"
    if post.edition != month:
        message = (
            f'edition "{post.edition}" is not the month of the issue\'s date, {_day(post)}; '
            f'write edition: "{month}", or correct the date'
        )
        yield finding(doc, _key_line(doc, "edition"), "edition-month", message)


def _key_line(doc: Document, key: str) -> int:
    """The file line of a front-matter key as written at the start of a line; else 1."""
    for number, line in doc.raw:
        if number >= doc.first_line:
            break
        if line.startswith(f"{key}:"):
            return number
    return 1


DOCUMENT_RULES: tuple[Callable[[Document, Context], Iterable[Finding]], ...] = (
    check_links,
    check_images,
    check_link_text,
    check_headings,
    check_email_size,
    check_personal_data,
    check_acronyms,
    check_markers,
    check_derived,
    check_word_bullets,
    check_fee_table_year,
    check_issue_number,
    check_edition_month,
)
ERROR_RULES: tuple[Callable[[Document, Context], Iterable[Finding]], ...] = (
    check_links,
    check_images,
    check_issue_number,
)
"""The rules that find errors (email-size aside: a check measures the last build's emails),
which a failed build lists with its validation problems."""


# -- the site -----------------------------------------------------------------------------------


def check_site(
    site: Site,
    sources: SiteSources,
    *,
    known_acronyms: Iterable[str] = frozenset(),
    email_sizes: dict[str, int] | None = None,
    email_budget: int = 100 * 1024,
    allowed_emails: Iterable[str] = frozenset(),
    allowed_phones: Iterable[str] = frozenset(),
    rules: Sequence[Callable[[Document, Context], Iterable[Finding]]] = DOCUMENT_RULES,
) -> list[Finding]:
    """Every finding of ``rules`` for the site's posts, newsletters and pages, sorted by path
    and line."""
    documents = [_post_document(post, sources) for post in site.posts]
    documents += _page_documents(sources)
    documents += _unvalidated_documents(site, sources)
    context = Context(
        site=site,
        sources=sources,
        by_uri={doc.src_uri: doc for doc in documents},
        by_url={_url_key(doc.url): doc for doc in documents},
        known_acronyms=frozenset(known_acronyms),
        allowed_emails=frozenset(address.lower() for address in allowed_emails),
        allowed_phones=frozenset(allowed_phones),
        email_sizes=email_sizes or {},
        email_budget=email_budget,
    )
    findings: list[Finding] = []
    for doc in documents:
        for rule in rules:
            findings.extend(
                item
                for item in rule(doc, context)
                if item.rule not in doc.ignored.get(item.line, ())
            )
    findings.extend(_load_warnings(site))
    return sorted(set(findings))


def _post_document(post: Post, sources: SiteSources) -> Document:
    doc = Document(post.path, post.src_uri, post.url, post)
    path = sources.root / post.path
    text = _read(path) if path.is_file() else ""
    if not text.endswith(post.body):  # changed since load_site read it: trust the model
        return scan_document(doc, post.body, post.body_line)
    # Count the lines before the body here rather than trust ``post.body_line``: the
    # front-matter splitter swallows blank lines after the closing '---', which shifts it.
    before = text[: len(text) - len(post.body)]
    return scan_document(doc, post.body, before.count("\n") + 1, before.split("\n")[:-1])


def _page_documents(sources: SiteSources) -> list[Document]:
    """The site's other pages (home, fees, ...): links from and to them are checked too."""
    documents = []
    for path in sorted(sources.docs_dir.rglob("*.md")):
        if path.is_relative_to(sources.posts_dir):
            continue
        src_uri = path.relative_to(sources.docs_dir).as_posix()
        url = src_uri.removesuffix(".md")
        url = "" if url == "index" else url.removesuffix("/index").removesuffix("index") + "/"
        shown = (
            path.relative_to(sources.root).as_posix()
            if path.is_relative_to(sources.root)
            else path.as_posix()
        )
        lines = _read(path).split("\n")
        closing = 0
        if lines and lines[0].strip() == "---":
            closing = next(
                (i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), 0
            )
        doc = Document(shown, src_uri, url, None)
        body = "\n".join(lines[closing + 1 :] if closing else lines)
        documents.append(scan_document(doc, body, closing + 2 if closing else 1, lines[:closing]))
    return documents


def _unvalidated_documents(site: Site, sources: SiteSources) -> list[Document]:
    """Posts that validation refused, as written, so one report has their content problems too.

    A file validation could not read (too large, not UTF-8) is left out: it said why. Its
    address is not known (the date may be missing): one of the same depth stands in for it.
    """
    documents = []
    for shown, src_uri in site.unvalidated:
        path = sources.root / shown
        try:
            if path.stat().st_size > sources.max_post_bytes:
                continue
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        closing = 0
        if lines and lines[0].strip() == "---":
            closing = next(
                (i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), 0
            )
        slug = posixpath.splitext(posixpath.basename(src_uri))[0]
        url_date = format_date(date(2000, 1, 1), format=sources.url_date_format, locale="en_GB")
        url = sources.url_format.format(date=url_date, slug=slug, file=slug).strip("/") + "/"
        doc = Document(shown, src_uri, url, None)
        body = "\n".join(lines[closing + 1 :] if closing else lines)
        documents.append(scan_document(doc, body, closing + 2 if closing else 1, lines[:closing]))
    return documents


def _read(path: Path) -> str:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load_warnings(site: Site) -> Iterator[Finding]:
    """``load_site``'s warnings ("path:line: message", or "path: message") as findings."""
    for warning in site.warnings:
        match = re.match(r"^(.*?)(?::(\d+))?: (.*)$", warning, re.DOTALL)
        path, line, message = match.groups() if match else ("", "0", warning)
        yield Finding(path, int(line or 0), RULES["unknown-key"], "unknown-key", message)


# -- the report ---------------------------------------------------------------------------------


def format_report(
    findings: Sequence[Finding], scheduled: Sequence[Post], strict: bool
) -> tuple[str, int]:
    """The printed report, grouped by file, counted, then suggestions and what is scheduled;
    and the exit status. Suggestions are not problems: they never fail the check."""
    lines: list[str] = []
    ordered = sorted(item for item in findings if item.severity != SUGGESTION)
    suggestions = sorted(item for item in findings if item.severity == SUGGESTION)
    for path, group in itertools.groupby(ordered, key=lambda item: item.path):
        items = list(group)
        lines.append(f"{path} ({_count(items)})")
        lines.extend(str(item) for item in items)
        lines.append("")
    files = len({item.path for item in ordered})
    if ordered:
        summary = f"{_count(ordered)} in {files} {'file' if files == 1 else 'files'}"
        if strict and any(item.severity == WARNING for item in ordered):
            summary += " (--strict: warnings count as errors)"
        lines.append(summary)
    else:
        lines.append("No problems found.")
    lines.append("")
    if suggestions:
        lines.append("Suggestions (bulletin filled these in; write your own to replace them):")
        lines.extend(str(item) for item in suggestions)
        lines.append("")
    if scheduled:
        lines.append("Scheduled:")
        lines.extend(f'{post.path}: "{post.title}" publishes on {_day(post)}' for post in scheduled)
    else:
        lines.append("Scheduled: nothing")
    errors = any(item.severity == ERROR for item in ordered)
    failed = errors or (strict and bool(ordered))
    return "\n".join(lines) + "\n", 1 if failed else 0


def _count(findings: Sequence[Finding]) -> str:
    errors = sum(item.severity == ERROR for item in findings)
    warnings = len(findings) - errors
    parts = []
    if errors:
        parts.append(f"{errors} {'error' if errors == 1 else 'errors'}")
    if warnings:
        parts.append(f"{warnings} {'warning' if warnings == 1 else 'warnings'}")
    return ", ".join(parts)


def _day(post: Post) -> str:
    when = post.date.astimezone(LONDON)
    day = format_date(when.date(), "d MMMM y", locale="en_GB")
    return day if (when.hour, when.minute) == (0, 0) else f"{day} at {when:%H:%M}"

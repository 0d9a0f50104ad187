"""Read, parse and validate every source of a build: posts, newsletters, pages, authors.

``load_site`` reads them here and calls ``fees`` and ``glossary`` for their own files.

All problems of a run are collected and raised together as one ``ContentError``;
nothing is written until this module has accepted the whole site.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

import yaml
from babel.dates import format_date
from frontmatter.default_handlers import YAMLHandler
from pymdownx.slugs import slugify

from bulletin import yamlsafe
from bulletin.avatars import generated_path
from bulletin.blocks import check_blocks
from bulletin.digests import Memo, Undescribable, digest, stable_repr
from bulletin.errors import ContentError, Problem
from bulletin.fees import FeeSchedule, load_fees
from bulletin.fees.markup import check_fee_markers
from bulletin.fences import lines_outside_fences
from bulletin.glossary import load_glossary
from bulletin.linescan import replace_code_spans, tag_spans
from bulletin.model import LONDON, Author, Post, Site, SiteSources
from bulletin.summary import derive_description

TIMESTAMP = "tag:yaml.org,2002:timestamp"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# An author key names folders (author/<key>/, feeds/author/<key>/): no '/', '\' or leading '.'.
AUTHOR_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
PATH_BREAKERS = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]")
NAME_SLUG = slugify(case="lower")  # Material's default for category and tag addresses
DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
MARKUP = re.compile(r'[<>"]')
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # mailto:, data:, C: (Windows)...
# Where raw HTML starts; linescan.tag_spans runs on to the '>' (``<name(?=[\s/>])[^>]*>``
# scanned to the end of the line again from each unclosed '<a ').
HTML_TAG_START = re.compile(r"<[A-Za-z][A-Za-z0-9-]*(?=[\s/>])")
HTML_BLOCK = re.compile(r"[ ]{0,3}/{3,}[ \t]*html\b")
EDITION = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

POST_KEYS = frozenset(
    {"title", "date", "authors", "categories", "tags", "description", "draft", "slug", "expires"}
)
NEWSLETTER_KEYS = frozenset({"issue", "edition"})
# Keys Material's blog or templates read, passed through once checked against the type
# Material expects (a wrong type stops Material's build with a traceback).
MATERIAL_TEXT_KEYS = frozenset(
    {"author", "icon", "image", "image_alt", "status", "subtitle", "template"}
)
MATERIAL_FLAG_KEYS = frozenset({"pin", "comments"})
MATERIAL_KEYS = MATERIAL_TEXT_KEYS | MATERIAL_FLAG_KEYS | {"readtime", "hide", "search", "links"}
MAX_BAD_LINES = 10
TRUE_WORDS = frozenset({"true", "yes", "on"})
STR = "tag:yaml.org,2002:str"
FLOAT = "tag:yaml.org,2002:float"
# Word's manual line break (Shift+Enter) pastes as a vertical tab: in text it is a new line.
WORD_LINE_BREAK = "\x0b"
WORD_LINE_BREAKS = re.compile(WORD_LINE_BREAK)
# Invisible characters that feeds (XML), email headers and web pages cannot carry: control
# characters other than tab and new line, and the non-characters U+FFFE and U+FFFF.
CONTROL = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# One-line text (a title, a summary, Material's text keys) holds no tab or line break either.
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


@dataclass(slots=True)
class FrontMatter:
    """A composed front-matter mapping: each key's value node, and the file's line offset."""

    nodes: dict[str, yaml.Node]
    key_lines: dict[str, int]
    first_line: int  # file line of the first front-matter line

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + self.first_line


def load_site(sources: SiteSources, now: datetime | None = None, memo: Memo | None = None) -> Site:
    """Read and validate authors, posts and newsletters; raise ContentError listing every problem.

    With a ``memo`` (under `bulletin serve`), a post whose file and settings are as they were
    at the last rebuild keeps that rebuild's result and problems.
    """
    site, problems = load_site_with_problems(sources, now, memo)
    if problems or site is None:
        raise ContentError(problems)
    return site


def load_site_with_problems(
    sources: SiteSources, now: datetime | None = None, memo: Memo | None = None
) -> tuple[Site | None, list[Problem]]:
    """As ``load_site``, but return the problems (sorted) with what could be read despite them.

    The site holds the posts that passed validation, and in ``unvalidated`` those read but
    refused, so `bulletin check` can run its content rules on every post in the same report.
    A link leading out of the project stops it before anything is read: the site is None.
    """
    # Links first: nothing is read through a link before it is known to stay in the project.
    problems: list[Problem] = check_links(sources)
    if problems:
        return None, sorted(problems)
    warnings: list[str] = []
    unvalidated: list[tuple[str, str]] = []
    authors = load_authors(sources, problems)
    fees = ()
    if sources.fees_file is not None and sources.fees_file.exists():
        try:
            fees = load_fees(sources.fees_file, display_path(sources.fees_file, sources))
        except ContentError as error:
            problems.extend(error.problems)
    glossary: dict[str, str] = {}
    if sources.glossary_file is not None and sources.glossary_file.is_file():
        try:
            glossary = load_glossary(
                sources.glossary_file, display_path(sources.glossary_file, sources)
            )
        except ContentError as error:
            problems.extend(error.problems)
    posts: list[Post] = []
    settings = b""
    if memo is not None:
        try:
            settings = digest(stable_repr((sources, authors, fees)))
        except Undescribable:  # no exact key for the settings: check every post again
            memo = None
    for path, src_uri, is_newsletter in _post_files(sources):
        if is_hidden(path, sources):
            home = sources.newsletters_dir if is_newsletter else sources.posts_dir
            warnings.append(
                f"{display_path(path, sources)}: file name: left out, as MkDocs publishes no "
                f"file whose name or folder starts with '.'; to publish it, move it into "
                f"{display_path(home, sources)}/ under a name without the '.' (to keep a post "
                "unpublished, give it draft: true instead)"
            )
            continue
        key = _memo_key(path, src_uri, is_newsletter, settings) if memo is not None else None
        found = memo.get(key) if memo is not None and key is not None else None
        if found is None:
            before = len(problems), len(warnings)
            post = _load_checked_post(
                path, src_uri, is_newsletter, sources, authors, fees, problems, warnings
            )
            found = (post, problems[before[0] :], warnings[before[1] :])
            if memo is not None and key is not None:
                memo.put(key, found)
        else:
            problems += found[1]
            warnings += found[2]
        if found[0] is not None:
            posts.append(found[0])
        else:
            unvalidated.append((display_path(path, sources), src_uri))
    for path in sorted(sources.docs_dir.rglob("*.md")):
        # Hidden pages (an editor's .#page.md lock file, say) are not published: not checked.
        if not _is_post_path(path, sources) and not is_hidden(path, sources):
            text = _check_page(path, sources, problems)
            if text is not None and fees:
                problems += check_fee_markers(text, fees, display_path(path, sources))
            if text is not None:
                _check_blocks(display_path(path, sources), text, 1, sources, problems)
            if text is not None and not sources.raw_html:
                _check_raw_html(display_path(path, sources), text, 1, problems)
    _check_unique_urls(posts, problems)
    posts.sort(key=lambda post: (post.date, post.url), reverse=True)
    site = Site(
        posts=tuple(posts),
        authors=authors,
        warnings=tuple(warnings),
        now=now,
        fees=fees,
        glossary=glossary,
        unvalidated=tuple(unvalidated),
    )
    return site, sorted(problems)


def _load_checked_post(
    path: Path,
    src_uri: str,
    is_newsletter: bool,
    sources: SiteSources,
    authors: dict[str, Author],
    fees: tuple[FeeSchedule, ...],
    problems: list[Problem],
    warnings: list[str],
) -> Post | None:
    post = load_post(path, src_uri, is_newsletter, sources, authors, problems, warnings)
    if post is not None:
        _check_body(post.path, post.body, post.body_line, sources, fees, problems)
    else:  # refused for its front matter, say: its text is checked too, for one report
        refused = _refused_body(path, sources)
        if refused is not None:
            _check_body(display_path(path, sources), *refused, sources, fees, problems)
    return post


def _check_body(
    shown: str,
    body: str,
    body_line: int,
    sources: SiteSources,
    fees: tuple[FeeSchedule, ...],
    problems: list[Problem],
) -> None:
    """What in a post's Markdown would publish wrongly: fee markers, raw HTML, blocks."""
    if fees:
        problems += check_fee_markers(body, fees, shown, body_line)
    if not sources.raw_html:
        _check_raw_html(shown, body, body_line, problems)
    _check_blocks(shown, body, body_line, sources, problems)


def _refused_body(path: Path, sources: SiteSources) -> tuple[str, int] | None:
    """The body of a post ``load_post`` refused, and its first line, as it would have read them;
    None when there is none to check (unreadable, or no front matter to end it)."""
    text = read_text(path, display_path(path, sources), [], sources.max_post_bytes)
    handler = YAMLHandler()
    if text is None or not handler.detect(text):
        return None  # load_post has said why
    try:
        _, body = handler.split(text)
    except ValueError:
        return None
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    return body.replace(WORD_LINE_BREAK, "\n"), body_line


def _check_blocks(
    shown: str, text: str, first_line: int, sources: SiteSources, problems: list[Problem]
) -> None:
    known = sources.block_names
    if known is None or sources.raw_html:
        problems += check_blocks(text, known, shown, first_line)
    else:  # '/// html' is refused by _check_raw_html, with its reason
        known = [name for name in known if name != "html"]
        problems += check_blocks(text, known, shown, first_line, elsewhere=("html",))


def _memo_key(path: Path, src_uri: str, is_newsletter: bool, settings: bytes) -> bytes | None:
    """What a post's result depends on: its file's bytes, its place and the site's settings."""
    try:
        data = path.read_bytes()
    except OSError:  # gone since it was listed: load_post reports it
        return None
    hasher = hashlib.blake2b(data, digest_size=20)
    hasher.update(digest(str(path), src_uri, str(is_newsletter)) + settings)
    return hasher.digest()


def _post_files(sources: SiteSources) -> Iterator[tuple[Path, str, bool]]:
    for path in sorted(sources.posts_dir.rglob("*.md")):
        src_uri = path.relative_to(sources.docs_dir).as_posix()
        yield path, src_uri, False
    if sources.newsletters_dir.is_dir():
        for path in sorted(sources.newsletters_dir.glob("*.md")):
            yield path, newsletter_src_uri(sources, path), True


def newsletter_src_uri(sources: SiteSources, path: Path) -> str:
    """Where a newsletter issue appears inside the docs directory: among the blog's posts."""
    return f"{sources.post_uri_prefix}/newsletters/{path.stem}.md"


def is_hidden(path: Path, sources: SiteSources) -> bool:
    """Whether a post's file or a folder it is in starts with '.', which MkDocs leaves out."""
    for base in (sources.newsletters_dir, sources.docs_dir):
        if path.is_relative_to(base):
            return any(part.startswith(".") for part in path.relative_to(base).parts)
    return path.name.startswith(".")


def _is_post_path(path: Path, sources: SiteSources) -> bool:
    return path.is_relative_to(sources.posts_dir)


def display_path(path: Path, sources: SiteSources) -> str:
    """The path as the author knows it: relative to the project folder."""
    try:
        return path.relative_to(sources.root).as_posix()
    except ValueError:
        return path.as_posix()


def check_links(sources: SiteSources) -> list[Problem]:
    """Links, pipes and devices in the docs and newsletters folders that would publish outsiders.

    MkDocs copies every file under docs_dir into the site, following links: a link to
    /proc/self/environ or to a file elsewhere on the machine would be published with it.
    A link may point to a file or folder inside the project; folders it leads to are checked too.
    """
    root = sources.root.resolve()
    problems: list[Problem] = []
    seen: set[Path] = set()
    folders = [sources.newsletters_dir, sources.docs_dir]
    stack = [folder for folder in folders if folder.is_dir()]
    while stack:
        folder = stack.pop()
        real = folder.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue  # its files are reported when they are read
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".#"):
                continue  # an editor's lock file (Emacs makes it a dangling link), never published
            if entry.is_symlink():
                why = _link_problem(path, root)
                if why is not None:
                    problems.append(Problem(display_path(path, sources), 0, "symlink", why))
                elif path.is_dir():
                    stack.append(path)
            elif entry.is_dir(follow_symlinks=False):
                stack.append(path)
            elif not entry.is_file(follow_symlinks=False):
                problems.append(
                    Problem(
                        display_path(path, sources),
                        0,
                        "file",
                        "is not a regular file (a pipe, socket or device) and cannot be "
                        "published; delete it",
                    )
                )
    return problems


def _link_problem(path: Path, root: Path) -> str | None:
    """Why the link ``path`` cannot be published; None if it leads to a file or folder in ``root``."""
    target = os.readlink(path)
    try:
        real = path.resolve(strict=True)
        mode = real.stat().st_mode
    except (OSError, RuntimeError):  # gone, or a loop of links
        return f"points to nothing that exists ({target}); delete the link"
    copy = "a copy of the folder" if stat.S_ISDIR(mode) else "a copy of the file"
    if not real.is_relative_to(root):
        return f"points outside the project ({target}); replace the link with {copy}"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return f"points to {target}, which is not a file or folder; delete the link"
    return None


def path_name_problem(name: str) -> str | None:
    """Why a category or tag cannot name a page and a feed folder; None if it can.

    Spaces, apostrophes and '&' are fine ("Children's services"): the web address is a slug.
    """
    match = PATH_BREAKERS.search(name)
    if match is not None and match.group() in "/\\":
        return (
            f"holds '{match.group()}', which would split its web address (and the folder of "
            "its page and feeds) in two; write 'and' or '-' instead, e.g. 'Policy and practice'"
        )
    if match is not None:
        return (
            f"holds the invisible control character U+{ord(match.group()):04X}; delete it "
            "(retype the name if your editor does not show it)"
        )
    if NAME_SLUG(name, "-").strip("-") in ("", ".", ".."):
        return "has no letters or digits to make its web address from"
    return None


# -- text ------------------------------------------------------------------------------


def read_text(
    path: Path, shown: str, problems: list[Problem], max_bytes: int | None = None
) -> str | None:
    """Read a file as UTF-8 (a BOM and CRLF line endings accepted); report what is not.

    A file larger than ``max_bytes`` is refused unread: the time the checks and Markdown
    take grows with a file's size, and nobody writes a post of megabytes on purpose.

    Invisible control characters are reported with their line and column; Word's manual
    line break is left for the caller, which makes it a new line where text may have one.
    """
    try:
        if max_bytes is not None and (size := path.stat().st_size) > max_bytes:
            problems.append(Problem(shown, 0, "size", too_large(size, max_bytes)))
            return None
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(shown, 0, "", cannot_read(error)))
        return None
    if not data.strip():
        problems.append(
            Problem(
                shown, 0, "", "the file is empty: write its front matter and text, or delete it"
            )
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.extend(_encoding_problems(data, shown))
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = control_problems(text, shown, 1, CONTROL)
    problems.extend(found)
    return None if found else text


def too_large(size: int, limit: int) -> str:
    """What to do about a Markdown file of ``size`` bytes, over the ``limit``."""
    return (
        f"the file is {size / 1e6:.1f} MB ({size:,} bytes), over the limit of "
        f"{limit / 1e6:.1f} MB ({limit:,} bytes) for one post or page; split it into shorter "
        "ones, or if it must be this long raise 'max_post_bytes' under the bulletin plugin "
        "in mkdocs.yml"
    )


def cannot_read(error: OSError) -> str:
    """Why a source file could not be read, and what to do about it."""
    if isinstance(error, PermissionError):
        return (
            "cannot read the file: permission denied; give your account permission to read it "
            "(or close the program that has it locked) and try again"
        )
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a Markdown file; rename the folder so its name does not end in .md"
    if isinstance(error, FileNotFoundError):
        return "cannot read the file: it is gone, or is a link to a file that is gone; delete it"
    return f"cannot read the file: {error.strerror or error}; check the disk and try again"


def control_problems(
    text: str, shown: str, first_line: int, pattern: re.Pattern[str], field: str = "text"
) -> list[Problem]:
    """Each line holding a character ``pattern`` refuses, with its column and the fix."""
    found: list[Problem] = []
    if not pattern.search(text):
        return found
    bad_lines = 0
    for number, line in enumerate(text.split("\n"), start=first_line):
        match = pattern.search(line)
        if match is None:
            continue
        bad_lines += 1
        if bad_lines > MAX_BAD_LINES:
            continue
        char = match.group()
        if char == WORD_LINE_BREAK:
            what = "a manual line break from Word (Shift+Enter)"
            fix = "front matter keeps each value on one line: replace it with a space"
        else:
            what = f"the invisible control character U+{ord(char):04X}"
            fix = "delete it (retype the words around it if your editor does not show it)"
        found.append(Problem(shown, number, field, f"{what} at column {match.start() + 1}; {fix}"))
    if bad_lines > MAX_BAD_LINES:
        more = bad_lines - MAX_BAD_LINES
        found.append(Problem(shown, 0, field, f"{more} more lines hold control characters"))
    return found


def _encoding_problems(data: bytes, shown: str) -> list[Problem]:
    found: list[Problem] = []
    bad_lines = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            bad_lines += 1
            if bad_lines > MAX_BAD_LINES:
                continue
            byte = raw[error.start : error.start + 1]
            guess = byte.decode("cp1252", errors="replace")
            found.append(
                Problem(
                    shown,
                    number,
                    "encoding",
                    f"byte 0x{byte.hex()} at column {error.start + 1} is not UTF-8 (perhaps "
                    f"{guess!r} pasted from Word, which saves Windows-1252); save the file as "
                    "UTF-8 (in Notepad: File > Save as > Encoding: UTF-8) and check the character",
                )
            )
    if bad_lines > MAX_BAD_LINES:
        found.append(
            Problem(
                shown,
                0,
                "encoding",
                f"{bad_lines - MAX_BAD_LINES} more lines are not UTF-8; save the file as UTF-8",
            )
        )
    return found


# -- YAML ------------------------------------------------------------------------------


def compose_mapping(
    text: str, shown: str, first_line: int, problems: list[Problem]
) -> FrontMatter | None:
    """Compose YAML safely into nodes (no objects built), keeping each key's line."""
    root, found = yamlsafe.compose(
        text,
        shown,
        first_line=first_line,
        hint="put text containing ':' or '#' in double quotes and indent lists consistently",
        field="front matter",
    )
    problems.extend(found)
    if found:
        return None
    if root is None:
        return FrontMatter({}, {}, first_line)
    if not isinstance(root, yaml.MappingNode):
        problems.append(
            Problem(
                shown,
                root.start_mark.line + first_line,
                "front matter",
                "expected 'key: value' lines, such as 'title: \"My post\"'",
            )
        )
        return None
    matter = FrontMatter({}, {}, first_line)
    for key_node, value_node in root.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + first_line
        if key in matter.nodes:
            problems.append(Problem(shown, line, key, f"'{key}' is given twice; keep one of them"))
            continue
        matter.nodes[key] = value_node
        matter.key_lines[key] = line
    return matter


def scalar_text(
    matter: FrontMatter, key: str, shown: str, problems: list[Problem], *, hint: str
) -> str | None:
    """A scalar as the author wrote it, never coerced; None (and a problem) otherwise."""
    node = matter.nodes.get(key)
    if node is None:
        return None
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        problems.append(Problem(shown, matter.line(node), key, f"expected text, {hint}"))
        return None
    value = str(node.value).strip()
    return value if is_one_line(value, key, shown, matter.line(node), problems) else None


def is_one_line(value: str, key: str, shown: str, line: int, problems: list[Problem]) -> bool:
    """Whether ``value`` is one line of text; if not, add a problem naming what is in the way.

    A line break in a title would start a new header line in the email (a way to forge
    headers); control characters cannot be written into the feeds at all.
    """
    match = NOT_ONE_LINE.search(value)
    if match is None:
        return True
    char = match.group()
    if char in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
        what = "a line break"
    elif char == "\t":
        what = "a tab"
    else:
        what = f"the invisible control character U+{ord(char):04X}"
    problems.append(
        Problem(
            shown,
            line,
            key,
            f"must be one line of text, but holds {what} at character {match.start() + 1}; "
            "remove it (in double quotes, \\r and \\n write line breaks, \\t a tab)",
        )
    )
    return False


def string_list(
    matter: FrontMatter, key: str, shown: str, problems: list[Problem]
) -> tuple[tuple[str, int], ...]:
    """A list of short texts with the line of each, e.g. ``authors: [alison]``."""
    node = matter.nodes.get(key)
    if node is None:
        return ()
    if isinstance(node, yaml.ScalarNode) and node.value:
        problems.append(
            Problem(
                shown,
                matter.line(node),
                key,
                f"expected a list; write it in square brackets: {key}: [{node.value}]",
            )
        )
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problems.append(
            Problem(shown, matter.line(node), key, f"expected a list such as {key}: [one, two]")
        )
        return ()
    items: list[tuple[str, int]] = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            problems.append(
                Problem(shown, matter.line(item), key, "each entry must be a short piece of text")
            )
            continue
        value = str(item.value).strip()
        if is_one_line(value, key, shown, matter.line(item), problems):
            items.append((value, matter.line(item)))
    return tuple(items)


def parse_date(
    node: yaml.Node, key: str, shown: str, line: int, problems: list[Problem]
) -> datetime | None:
    """A calendar date (optionally with a time), unquoted, as midnight in Europe/London."""
    value = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    match = DATE.match(value)
    example = "write it as YYYY-MM-DD without quotes, e.g. date: 2024-01-12"
    if match is None:
        problems.append(Problem(shown, line, key, f"expected a date, got {value!r}; {example}"))
        return None
    if node.tag != TIMESTAMP:
        problems.append(Problem(shown, line, key, f"the date is in quotes; {example}"))
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)
    except ValueError as error:
        problems.append(
            Problem(shown, line, key, f"{value} is not a real date ({error}); {example}")
        )
        return None


def misspelt_key(key: str, known: Collection[str]) -> str | None:
    """The known key that ``key`` is a slip of, if any: the same but for case, '-' or a space
    for '_', or a letter or two (``decription``, ``tittle``); None for a key nothing like one."""
    folded = key.strip().lower().replace("-", "_").replace(" ", "_")
    if folded in known:
        return folded
    close = difflib.get_close_matches(folded, sorted(known), n=1, cutoff=0.8)
    return close[0] if close else None


def _key_example(key: str, node: yaml.Node) -> str:
    """``key: value`` with the value as written, when it is short; else ``key: …``."""
    if isinstance(node, yaml.SequenceNode) and all(
        isinstance(item, yaml.ScalarNode) for item in node.value
    ):
        value = "[" + ", ".join(str(item.value) for item in node.value) + "]"
    elif isinstance(node, yaml.ScalarNode):
        quote = node.style if node.style in ("'", '"') else ""
        value = f"{quote}{node.value}{quote}"
    else:
        value = ""
    if not value or len(value) > 80 or NOT_ONE_LINE.search(value):
        return f"{key}: …"
    return f"{key}: {value}"


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    known = ", ".join(choices) if choices else "none"
    return f"did you mean {close[0]!r}? Known: {known}" if close else f"known: {known}"


# -- authors ---------------------------------------------------------------------------


def load_authors(sources: SiteSources, problems: list[Problem]) -> dict[str, Author]:
    """Read the authors file (Material's format: ``authors: {key: {name, description, avatar}}``).

    ``avatar`` is optional: an author without one gets a generated initials picture.
    """
    path = sources.authors_file
    shown = display_path(path, sources)
    if not path.is_file():
        problems.append(
            Problem(shown, 0, "", "the authors file is missing; list each writer's name and role")
        )
        return {}
    text = read_text(path, shown, problems)
    if text is None:
        return {}
    matter = compose_mapping(text, shown, 1, problems)
    if matter is None:
        return {}
    node = matter.nodes.get("authors")
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(shown, 1, "authors", "expected 'authors:' with one entry a person"))
        return {}
    authors: dict[str, Author] = {}
    for key_node, entry in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if not AUTHOR_KEY.match(key) or ".." in key:
            problems.append(
                Problem(
                    shown,
                    line,
                    "authors",
                    f"{key!r} cannot be an author key: it names the author's page and feeds "
                    "(author/<key>/); use letters, digits, '-', '_' and '.' (not first), "
                    "e.g. alison",
                )
            )
            continue
        if not isinstance(entry, yaml.MappingNode):
            problems.append(Problem(shown, line, key, "expected name and description"))
            continue
        fields = {str(k.value): v for k, v in entry.value}
        values: dict[str, str] = {}
        for name, meaning in (
            ("name", "the person's name"),
            ("description", "their role, e.g. Business Unit Manager"),
            ("avatar", ""),
        ):
            field_node = fields.get(name)
            if name == "avatar" and (field_node is None or _is_blank(field_node)):
                continue  # optional: the plugin makes an initials picture
            if not isinstance(field_node, yaml.ScalarNode) or not str(field_node.value).strip():
                message = f"missing: give {meaning}"
                if name == "avatar":
                    message = f"expected the path of a picture; {AVATAR_EXAMPLE}"
                problems.append(Problem(shown, line, f"{key}.{name}", message))
                continue
            values[name] = str(field_node.value).strip()
            if MARKUP.search(values[name]):
                problems.append(
                    Problem(
                        shown,
                        field_node.start_mark.line + 1,
                        f"{key}.{name}",
                        "cannot contain <, > or double quotes (Material prints it as HTML)",
                    )
                )
            elif name == "avatar":
                why = avatar_problem(values[name], sources)
                if why:
                    line_of_avatar = field_node.start_mark.line + 1
                    problems.append(Problem(shown, line_of_avatar, f"{key}.avatar", why))
        if "name" in values and "description" in values:
            avatar = values.get("avatar")
            authors[key] = Author(
                key,
                values["name"],
                values["description"],
                avatar or generated_path(key),
                has_generated_avatar=avatar is None,
            )
    return authors


AVATAR_EXAMPLE = (
    "e.g. avatar: assets/avatars/alison.png (a file inside the docs folder) or an "
    "https:// address; or leave the avatar line out for a picture of the initials"
)


def avatar_problem(avatar: str, sources: SiteSources) -> str | None:
    """Why ``avatar`` is not a picture the site can show; None if it is.

    An http(s) address is taken as it is; anything else is a file inside docs_dir.
    """
    if re.match(r"https?://", avatar, re.IGNORECASE):
        return None
    docs = display_path(sources.docs_dir, sources)
    path = PurePosixPath(avatar)
    if "\\" in avatar or path.is_absolute() or ".." in path.parts or SCHEME.match(avatar):
        return (
            f"{avatar} is not a file inside {docs}/ nor an http(s) address; write the "
            f"picture's path inside {docs}/, {AVATAR_EXAMPLE.removeprefix('e.g. ')}"
        )
    if not (sources.docs_dir / avatar).is_file():
        return (
            f"{avatar} does not exist in {docs}/; put the picture at {docs}/{avatar} or "
            "correct the path, or leave the avatar line out for a picture of the initials"
        )
    return None


def _is_blank(node: yaml.Node) -> bool:
    """An empty value (``avatar:`` or ``avatar: ""``), taken as no value."""
    return isinstance(node, yaml.ScalarNode) and not str(node.value).strip()


# -- posts -----------------------------------------------------------------------------


def load_post(
    path: Path,
    src_uri: str,
    is_newsletter: bool,
    sources: SiteSources,
    authors: dict[str, Author],
    problems: list[Problem],
    warnings: list[str],
) -> Post | None:
    """Read one post or newsletter issue; add its problems to the list.

    Each field has a validator of its own below; this function only runs them in the
    order a writer reads the front matter, so every problem of the file is reported.
    """
    shown = display_path(path, sources)
    read = _read_front_matter(path, shown, sources, problems)
    if read is None:
        return None
    matter, body, body_line = read
    before = len(problems)
    _check_keys(matter, shown, is_newsletter, problems, warnings)
    title, description = _title_and_description(matter, shown, sources, problems)
    date_line = _required(
        matter, shown, problems, "date", "the publication date, e.g. date: 2024-01-12"
    )
    date, updated = _post_dates(matter, shown, date_line, problems)
    author_keys = _authors(matter, shown, authors, problems)
    categories = _categories(matter, shown, sources, is_newsletter, problems)
    tags = _tags(matter, shown, problems)
    draft = _flag(matter, "draft", shown, problems)
    slug = _slug(matter, shown, path, problems)
    expires = _expires(matter, shown, date, problems)
    issue, edition = None, None
    if is_newsletter:
        issue, edition = _newsletter_fields(matter, shown, problems)
    derived = _body_problems(body, body_line, shown, sources, problems)
    if "description" not in matter.nodes and title is not None and body.strip():
        description = derive_description(body) or title
        derived.add("description")
    if len(problems) > before or date is None or title is None or description is None:
        return None
    url_date = format_date(date, format=sources.url_date_format, locale="en_GB")
    url = sources.url_format.format(date=url_date, slug=slug, file=slug).strip("/") + "/"
    return Post(
        path=shown,
        src_uri=src_uri,
        slug=slug,
        url=url,
        title=title,
        date=date,
        updated=updated,
        authors=tuple(author_keys),
        categories=tuple(categories),
        tags=tuple(tags),
        description=description,
        draft=draft,
        body=body,
        body_line=body_line,
        is_newsletter=is_newsletter,
        issue=issue,
        edition=edition,
        expires=expires,
        derived=frozenset(derived),
    )


def _read_front_matter(
    path: Path, shown: str, sources: SiteSources, problems: list[Problem]
) -> tuple[FrontMatter, str, int] | None:
    """The file's front matter, its text and the line the text begins on; None if unreadable."""
    text = read_text(path, shown, problems, sources.max_post_bytes)
    if text is None:
        return None
    handler = YAMLHandler()
    if not handler.detect(text):
        problems.append(
            Problem(
                shown,
                1,
                "front matter",
                "the file must start with front matter between two '---' lines "
                "(title, date, authors and categories)",
            )
        )
        return None
    try:
        raw_matter, body = handler.split(text)
    except ValueError:
        problems.append(
            Problem(
                shown, 1, "front matter", "the closing '---' line of the front matter is missing"
            )
        )
        return None
    # The line where ``body`` begins: the closing '---' line, or one below it when blank
    # lines follow it (the front-matter pattern's trailing \s* eats all but the last).
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    body = body.replace(WORD_LINE_BREAK, "\n")  # as the plugin hands it to MkDocs
    breaks = control_problems(raw_matter, shown, 1, WORD_LINE_BREAKS, "front matter")
    if breaks:
        problems.extend(breaks)
        return None
    matter = compose_mapping(raw_matter, shown, 1, problems)
    if matter is None:
        return None
    return matter, body, body_line


def _required(
    matter: FrontMatter, shown: str, problems: list[Problem], key: str, meaning: str
) -> int:
    """The line of ``key``; a problem, and line 1, when the front matter lacks it."""
    if key not in matter.nodes:
        problems.append(Problem(shown, 1, key, f"missing: add '{key}:' with {meaning}"))
    return matter.key_lines.get(key, 1)


def _check_keys(
    matter: FrontMatter,
    shown: str,
    is_newsletter: bool,
    problems: list[Problem],
    warnings: list[str],
) -> None:
    """A misspelt key is an error (it would be ignored); an unknown one a warning."""
    allowed = POST_KEYS | MATERIAL_KEYS | (NEWSLETTER_KEYS if is_newsletter else set())
    for key in matter.nodes:
        if key in allowed:
            continue
        meant = misspelt_key(key, allowed)
        if meant is not None:
            # An error, not a warning: a key that is ignored changes what is published
            # ('Draft: true' would publish a draft).
            problems.append(
                Problem(
                    shown,
                    matter.key_lines[key],
                    key,
                    f"not a key bulletin knows, so as written it would be ignored; did you "
                    f"mean {meant!r}? Write it exactly, in lower case: "
                    f"{_key_example(meant, matter.nodes[key])}",
                )
            )
        else:
            warnings.append(
                f"{shown}:{matter.key_lines[key]}: {key}: not a key bulletin knows, so it is "
                f"ignored; {suggest(key, sorted(POST_KEYS | NEWSLETTER_KEYS))}"
            )
    check_material_keys(matter, shown, problems)


def _title_and_description(
    matter: FrontMatter, shown: str, sources: SiteSources, problems: list[Problem]
) -> tuple[str | None, str | None]:
    _required(matter, shown, problems, "title", "the post's title in double quotes")
    title = scalar_text(matter, "title", shown, problems, hint='e.g. title: "My post"')
    if title == "":
        problems.append(Problem(shown, matter.key_lines["title"], "title", "the title is empty"))
    if "description" in sources.require:
        _required(matter, shown, problems, "description", "a one-line summary in double quotes")
    description = scalar_text(
        matter, "description", shown, problems, hint="a one-line summary in double quotes"
    )
    if description == "":
        problems.append(
            Problem(shown, matter.key_lines["description"], "description", "the summary is empty")
        )
    return title, description


def _authors(
    matter: FrontMatter, shown: str, authors: dict[str, Author], problems: list[Problem]
) -> list[str]:
    _required(
        matter,
        shown,
        problems,
        "authors",
        "a list of author keys from the authors file, e.g. [alison]",
    )
    author_keys = []
    for key, line in string_list(matter, "authors", shown, problems):
        if key not in authors:
            problems.append(
                Problem(
                    shown, line, "authors", f"unknown author {key!r}; {suggest(key, list(authors))}"
                )
            )
        author_keys.append(key)
    authors_node = matter.nodes.get("authors")
    if isinstance(authors_node, yaml.SequenceNode) and not authors_node.value:
        problems.append(
            Problem(shown, matter.line(authors_node), "authors", "name at least one author")
        )
    return author_keys


def _categories(
    matter: FrontMatter,
    shown: str,
    sources: SiteSources,
    is_newsletter: bool,
    problems: list[Problem],
) -> list[str]:
    _required(
        matter,
        shown,
        problems,
        "categories",
        f"the series, one of: {', '.join(sources.categories)}",
    )
    categories = []
    for name, line in string_list(matter, "categories", shown, problems):
        unsafe = path_name_problem(name)
        if unsafe is not None:
            problems.append(Problem(shown, line, "categories", f"{name!r} {unsafe}"))
        elif sources.categories and name not in sources.categories:
            problems.append(
                Problem(
                    shown,
                    line,
                    "categories",
                    f"unknown category {name!r}; {suggest(name, list(sources.categories))}",
                )
            )
        categories.append(name)
    if is_newsletter and "categories" in matter.nodes and "Newsletter" not in categories:
        problems.append(
            Problem(
                shown,
                matter.key_lines["categories"],
                "categories",
                "a newsletter issue belongs to the series 'Newsletter': categories: [Newsletter]",
            )
        )
    return categories


def _tags(matter: FrontMatter, shown: str, problems: list[Problem]) -> list[str]:
    tags = []
    for name, line in string_list(matter, "tags", shown, problems):
        unsafe = path_name_problem(name)
        if unsafe is not None:
            problems.append(Problem(shown, line, "tags", f"{name!r} {unsafe}"))
        elif MARKUP.search(name):
            problems.append(
                Problem(
                    shown, line, "tags", f"a tag cannot contain <, > or double quotes: {name!r}"
                )
            )
        tags.append(name)
    return tags


def _slug(matter: FrontMatter, shown: str, path: Path, problems: list[Problem]) -> str:
    """The post's part of its address: ``slug:``, else the file's name."""
    slug = path.stem
    if "slug" in matter.nodes:
        given = scalar_text(matter, "slug", shown, problems, hint="e.g. slug: my-post")
        if given is not None and not SLUG.match(given):
            problems.append(
                Problem(
                    shown,
                    matter.key_lines["slug"],
                    "slug",
                    f"{given!r} cannot be part of a web address; use lower-case letters, "
                    "digits and single hyphens, e.g. slug: june-update",
                )
            )
        elif given:
            slug = given
    elif not SLUG.match(slug):
        problems.append(
            Problem(
                shown,
                0,
                "file name",
                f"{path.name!r} makes a poor web address; rename the file using lower-case "
                "letters, digits and hyphens (e.g. june-update.md) or add a 'slug:'",
            )
        )
    return slug


def _expires(
    matter: FrontMatter, shown: str, date: datetime | None, problems: list[Problem]
) -> datetime | None:
    expires = None
    if "expires" in matter.nodes:
        expires = parse_date(
            matter.nodes["expires"], "expires", shown, matter.key_lines["expires"], problems
        )
        if expires is not None and date is not None and expires <= date:
            problems.append(
                Problem(
                    shown,
                    matter.key_lines["expires"],
                    "expires",
                    "the post would expire before it is published; give a later date",
                )
            )
    return expires


def _body_problems(
    body: str, body_line: int, shown: str, sources: SiteSources, problems: list[Problem]
) -> set[str]:
    """Problems of the text itself; returns what bulletin derives for it ("excerpt")."""
    separator = sources.excerpt_separator
    derived: set[str] = set()
    if not body.strip():
        problems.append(
            Problem(shown, body_line, "text", "the post has no text after the front matter")
        )
    elif separator and separator not in body and "excerpt" not in sources.require:
        derived.add("excerpt")  # the plugin puts the separator in: see summary.excerpt_cut
    elif separator and separator not in body:
        problems.append(
            Problem(
                shown,
                body_line + 1,
                "text",
                f"no excerpt marker: put a line '{separator}' after the opening paragraph, "
                "to say how much of the post the blog's front page shows",
            )
        )
    return derived


def _post_dates(
    matter: FrontMatter, shown: str, line: int, problems: list[Problem]
) -> tuple[datetime | None, datetime | None]:
    node = matter.nodes.get("date")
    if node is None:
        return None, None
    if isinstance(node, yaml.MappingNode):
        parts = {
            str(key.value): (value, key.start_mark.line + matter.first_line)
            for key, value in node.value
        }
        if "created" not in parts:
            problems.append(
                Problem(shown, line, "date", "a date with parts needs 'created:' (and 'updated:')")
            )
            return None, None
        created_node, created_line = parts["created"]
        created = parse_date(created_node, "date.created", shown, created_line, problems)
        updated = None
        if "updated" in parts:
            updated = parse_date(
                parts["updated"][0], "date.updated", shown, parts["updated"][1], problems
            )
        return created, updated
    return parse_date(node, "date", shown, line, problems), None


MATERIAL_EXAMPLES = {
    "author": "Alison Smith",
    "icon": "material/star",
    "image": "assets/photo.png",
    "image_alt": "What the picture shows",
    "status": "new",
    "subtitle": "A few words under the title",
    "template": "blog-post.html",
}
LINKS_EXAMPLE = 'links: ["Fees: fees.md", "https://www.gov.uk/"]'


def check_material_keys(matter: FrontMatter, shown: str, problems: list[Problem]) -> None:
    """Material's keys, by the type Material reads: text, true/false, minutes, lists."""
    for key in sorted(MATERIAL_TEXT_KEYS & matter.nodes.keys()):
        node = matter.nodes[key]
        value = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
        if node.tag != STR or not value:
            example = MATERIAL_EXAMPLES[key]
            problems.append(
                Problem(shown, matter.line(node), key, f'expected text, e.g. {key}: "{example}"')
            )
        else:
            is_one_line(value, key, shown, matter.line(node), problems)
    for key in sorted(MATERIAL_FLAG_KEYS & matter.nodes.keys()):
        _flag(matter, key, shown, problems)
    node = matter.nodes.get("readtime")
    if node is not None and not (node.tag == INT and str(node.value).isdigit()):
        problems.append(
            Problem(
                shown,
                matter.line(node),
                "readtime",
                "expected the reading time in whole minutes, e.g. readtime: 5",
            )
        )
    string_list(matter, "hide", shown, problems)
    node = matter.nodes.get("search")
    if node is not None:
        _check_search(node, matter, shown, problems)
    node = matter.nodes.get("links")
    if node is not None:
        _check_links(node, matter, shown, problems, depth=0)


def _check_search(
    node: yaml.Node, matter: FrontMatter, shown: str, problems: list[Problem]
) -> None:
    if not isinstance(node, yaml.MappingNode):
        message = "expected 'search: {exclude: true}' or 'search: {boost: 2}'"
        problems.append(Problem(shown, matter.line(node), "search", message))
        return
    for key_node, value in node.value:
        key = str(key_node.value)
        if key == "exclude":
            ok = isinstance(value, yaml.ScalarNode) and value.tag == BOOL
            expected = "true or false, e.g. search: {exclude: true}"
        elif key == "boost":
            ok = isinstance(value, yaml.ScalarNode) and value.tag in (INT, FLOAT)
            expected = "a number, e.g. search: {boost: 2}"
        else:
            ok, expected = False, "only 'exclude' or 'boost', e.g. search: {exclude: true}"
        if not ok:
            problems.append(
                Problem(shown, matter.line(value), f"search.{key}", f"expected {expected}")
            )


def _check_links(
    node: yaml.Node, matter: FrontMatter, shown: str, problems: list[Problem], depth: int
) -> None:
    """A post's related links, as MkDocs' nav: addresses, 'Title: address', or sections."""
    message = f"expected a list of pages or addresses, e.g. {LINKS_EXAMPLE}"
    if depth > 5:
        problems.append(Problem(shown, matter.line(node), "links", "nested too deeply"))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_links(item, matter, shown, problems, depth + 1)
    elif isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(shown, matter.line(key_node), "links", message))
            elif isinstance(value, yaml.SequenceNode):
                _check_links(value, matter, shown, problems, depth + 1)
            else:
                _check_link(value, matter, shown, problems, message)
    elif depth > 0:
        _check_link(node, matter, shown, problems, message)
    else:
        problems.append(Problem(shown, matter.line(node), "links", message))


def _check_link(
    node: yaml.Node, matter: FrontMatter, shown: str, problems: list[Problem], message: str
) -> None:
    value = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    if node.tag != STR or not value:
        problems.append(Problem(shown, matter.line(node), "links", message))
    else:
        is_one_line(value, "links", shown, matter.line(node), problems)


def _flag(matter: FrontMatter, key: str, shown: str, problems: list[Problem]) -> bool:
    node = matter.nodes.get(key)
    if node is None:
        return False
    if not isinstance(node, yaml.ScalarNode) or node.tag != BOOL:
        problems.append(
            Problem(shown, matter.line(node), key, f"expected true or false, e.g. {key}: true")
        )
        return False
    return str(node.value).lower() in TRUE_WORDS


def _newsletter_fields(
    matter: FrontMatter, shown: str, problems: list[Problem]
) -> tuple[int | None, str | None]:
    issue = None
    node = matter.nodes.get("issue")
    if node is not None:
        if isinstance(node, yaml.ScalarNode) and node.tag == INT and str(node.value).isdigit():
            issue = int(node.value)
        if not issue:
            problems.append(
                Problem(
                    shown, matter.line(node), "issue", "expected the issue number, e.g. issue: 12"
                )
            )
    edition = None
    node = matter.nodes.get("edition")
    if node is not None:
        value = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
        if EDITION.match(value):
            edition = value
        else:
            problems.append(
                Problem(
                    shown,
                    matter.line(node),
                    "edition",
                    f'expected the month as "YYYY-MM", e.g. edition: "2019-10", got {value!r}',
                )
            )
    return issue, edition


def find_raw_html(body: str) -> list[tuple[int, str]]:
    """Raw HTML tags written in Markdown, outside code: (index of the line in body, tag)."""
    found = []
    for number, line in lines_outside_fences(body):
        if line.startswith(("    ", "\t")):  # indented code
            continue
        prose = replace_code_spans(line, lambda code: "")
        for start, end in tag_spans(prose, HTML_TAG_START):
            found.append((number - 1, prose[start:end]))
    return found


def _check_raw_html(shown: str, body: str, first_line: int, problems: list[Problem]) -> None:
    for index, tag in find_raw_html(body):
        problems.append(
            Problem(
                shown,
                first_line + index,
                "html",
                f"raw HTML {tag[:40]!r} is not allowed: write it in Markdown, or, if every "
                "editor of the site is trusted, set 'raw_html: true' under the bulletin "
                "plugin in mkdocs.yml",
            )
        )
    for number, line in lines_outside_fences(body):
        if HTML_BLOCK.match(line):
            problems.append(
                Problem(
                    shown,
                    first_line + number - 1,
                    "html",
                    "'/// html' blocks write raw HTML, which is not allowed: use a Markdown "
                    "block (/// details, /// note, /// spotlight...), or, if every editor of "
                    "the site is trusted, set 'raw_html: true' under the bulletin plugin in "
                    "mkdocs.yml",
                )
            )


def _check_unique_urls(posts: list[Post], problems: list[Problem]) -> None:
    by_url: dict[str, list[Post]] = {}
    for post in posts:
        by_url.setdefault(post.url, []).append(post)
    for url, sharing in by_url.items():
        if len(sharing) < 2:
            continue
        for post in sharing:
            others = ", ".join(sorted(other.path for other in sharing if other is not post))
            problems.append(
                Problem(
                    post.path,
                    0,
                    "slug",
                    f"the web address /{url} is also used by {others}; rename one of the "
                    "files or give one a different 'slug:'",
                )
            )


def _check_page(path: Path, sources: SiteSources, problems: list[Problem]) -> str | None:
    """Other pages are MkDocs' to render; we check that they are UTF-8 with readable YAML."""
    shown = display_path(path, sources)
    text = read_text(path, shown, problems, sources.max_post_bytes)
    if text is None:
        return None
    handler = YAMLHandler()
    if handler.detect(text):
        try:
            raw_matter, _ = handler.split(text)
        except ValueError:
            return text
        compose_mapping(raw_matter, shown, 1, problems)
    return text

"""Read, parse and validate every source file: the only module that reads content.

All problems of a run are collected and raised together as one ``ContentError``;
nothing is written until this module has accepted the whole site.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from babel.dates import format_date
from frontmatter.default_handlers import YAMLHandler

from bulletin import yamlsafe
from bulletin.cache import stable_repr
from bulletin.errors import ContentError, Problem
from bulletin.fee_markup import check_fee_markers
from bulletin.fees import FeeSchedule, load_fees
from bulletin.fences import lines_outside_fences
from bulletin.glossary import load_glossary
from bulletin.model import LONDON, Author, Post, Site, SiteSources
from bulletin.speedups import Memo, digest

TIMESTAMP = "tag:yaml.org,2002:timestamp"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
MARKUP = re.compile(r'[<>"]')
HTML_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^>]*>")
CODE_SPAN = re.compile(r"(`+).+?\1")
EDITION = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

POST_KEYS = frozenset(
    {"title", "date", "authors", "categories", "tags", "description", "draft", "slug", "expires"}
)
NEWSLETTER_KEYS = frozenset({"issue", "edition"})
# Keys Material understands that we pass through untouched.
MATERIAL_KEYS = frozenset(
    {"pin", "readtime", "links", "hide", "search", "template", "icon", "status", "subtitle"}
    | {"comments", "image"}
)
MAX_BAD_LINES = 10
TRUE_WORDS = frozenset({"true", "yes", "on"})


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
    problems: list[Problem] = []
    warnings: list[str] = []
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
    settings = digest(stable_repr((sources, authors, fees))) if memo is not None else b""
    for path, src_uri, is_newsletter in _post_files(sources):
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
    for path in sorted(sources.docs_dir.rglob("*.md")):
        if not _is_post_path(path, sources):
            text = _check_page(path, sources, problems)
            if text is not None and fees:
                problems += check_fee_markers(text, fees, display_path(path, sources))
            if text is not None and not sources.raw_html:
                _check_raw_html(display_path(path, sources), text, 1, problems)
    _check_unique_urls(posts, problems)
    if problems:
        raise ContentError(problems)
    posts.sort(key=lambda post: (post.date, post.url), reverse=True)
    return Site(
        posts=tuple(posts),
        authors=authors,
        warnings=tuple(warnings),
        now=now,
        fees=fees,
        glossary=glossary,
    )


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
        if fees:
            problems += check_fee_markers(post.body, fees, post.path, post.body_line)
        if not sources.raw_html:
            _check_raw_html(post.path, post.body, post.body_line, problems)
    return post


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


def _is_post_path(path: Path, sources: SiteSources) -> bool:
    return path.is_relative_to(sources.posts_dir)


def display_path(path: Path, sources: SiteSources) -> str:
    """The path as the author knows it: relative to the project folder."""
    try:
        return path.relative_to(sources.root).as_posix()
    except ValueError:
        return path.as_posix()


# -- text ------------------------------------------------------------------------------


def read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    """Read a file as UTF-8 (a BOM and CRLF line endings accepted); report what is not."""
    data = path.read_bytes()
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
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
    return str(node.value).strip()


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
        items.append((str(item.value).strip(), matter.line(item)))
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


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    known = ", ".join(choices) if choices else "none"
    return f"did you mean {close[0]!r}? Known: {known}" if close else f"known: {known}"


# -- authors ---------------------------------------------------------------------------


def load_authors(sources: SiteSources, problems: list[Problem]) -> dict[str, Author]:
    """Read the authors file (Material's format: ``authors: {key: {name, description, avatar}}``)."""
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
        if not isinstance(entry, yaml.MappingNode):
            problems.append(Problem(shown, line, key, "expected name, description and avatar"))
            continue
        fields = {str(k.value): v for k, v in entry.value}
        values: dict[str, str] = {}
        for name, meaning in (
            ("name", "the person's name"),
            ("description", "their role, e.g. Business Unit Manager"),
            ("avatar", "a picture, e.g. assets/avatars/alison.svg"),
        ):
            field_node = fields.get(name)
            if not isinstance(field_node, yaml.ScalarNode) or not str(field_node.value).strip():
                problems.append(Problem(shown, line, f"{key}.{name}", f"missing: give {meaning}"))
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
        if len(values) == 3:
            authors[key] = Author(key, values["name"], values["description"], values["avatar"])
    return authors


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
    """Read one post or newsletter issue; add its problems to the list."""
    shown = display_path(path, sources)
    text = read_text(path, shown, problems)
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
                "(title, date, authors, categories, description)",
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
    before = len(problems)
    matter = compose_mapping(raw_matter, shown, 1, problems)
    if matter is None:
        return None

    def required(key: str, meaning: str) -> int:
        if key not in matter.nodes:
            problems.append(Problem(shown, 1, key, f"missing: add '{key}:' with {meaning}"))
        return matter.key_lines.get(key, 1)

    for key in matter.nodes:
        allowed = POST_KEYS | MATERIAL_KEYS | (NEWSLETTER_KEYS if is_newsletter else set())
        if key not in allowed:
            warnings.append(
                f"{shown}:{matter.key_lines[key]}: {key}: not a key bulletin knows, so it is "
                f"ignored; {suggest(key, sorted(POST_KEYS | NEWSLETTER_KEYS))}"
            )

    required("title", "the post's title in double quotes")
    title = scalar_text(matter, "title", shown, problems, hint='e.g. title: "My post"')
    if title == "":
        problems.append(Problem(shown, matter.key_lines["title"], "title", "the title is empty"))
    required("description", "a one-line summary in double quotes")
    description = scalar_text(
        matter, "description", shown, problems, hint="a one-line summary in double quotes"
    )
    if description == "":
        problems.append(
            Problem(shown, matter.key_lines["description"], "description", "the summary is empty")
        )

    date_line = required("date", "the publication date, e.g. date: 2024-01-12")
    date, updated = _post_dates(matter, shown, date_line, problems)

    required("authors", "a list of author keys from the authors file, e.g. [alison]")
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

    required("categories", f"the series, one of: {', '.join(sources.categories)}")
    categories = []
    for name, line in string_list(matter, "categories", shown, problems):
        if sources.categories and name not in sources.categories:
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
    tags = []
    for name, line in string_list(matter, "tags", shown, problems):
        if MARKUP.search(name):
            problems.append(
                Problem(
                    shown, line, "tags", f"a tag cannot contain <, > or double quotes: {name!r}"
                )
            )
        tags.append(name)

    draft = _flag(matter, "draft", shown, problems)
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

    issue, edition = None, None
    if is_newsletter:
        issue, edition = _newsletter_fields(matter, shown, problems)

    separator = sources.excerpt_separator
    if not body.strip():
        problems.append(
            Problem(shown, body_line, "text", "the post has no text after the front matter")
        )
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
    )


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
        for match in HTML_TAG.finditer(CODE_SPAN.sub("", line)):
            found.append((number - 1, match.group(0)))
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
    text = read_text(path, shown, problems)
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

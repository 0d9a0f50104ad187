"""The validated content model: what every output stage reads.

Front-matter keys are mkdocs-material's blog keys (``title``, ``date``, ``authors``,
``categories``, ``tags``, ``description``, ``draft``, ``slug``) plus our own for
newsletters: ``issue`` (the issue number) and ``edition`` (the month, ``YYYY-MM``).
``title``, ``date``, ``authors`` and ``categories`` are required; a post without
``description`` gets one made from its opening, and one without ``<!-- more -->`` an
automatic excerpt, unless the site requires them (``SiteSources.require``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bulletin.fees import FeeSchedule

LONDON = ZoneInfo("Europe/London")
"""Dates are calendar days in the UK; feeds and emails show them with this offset."""
MAX_POST_BYTES = 2_000_000
"""The largest Markdown file read: 2 MB (decimal), where a newsletter is some 10 KB."""


@dataclass(frozen=True, slots=True)
class Author:
    """A person who writes, keyed in the authors file."""

    key: str
    name: str
    role: str
    avatar: str  # a path inside docs_dir or an http(s) address; see has_generated_avatar
    # No avatar in the authors file: ``avatar`` is the initials picture bulletin makes
    # (avatars.generated_path), added to the site by the plugin.
    has_generated_avatar: bool = False


@dataclass(frozen=True, slots=True)
class Post:
    """One blog post or newsletter issue, parsed and checked."""

    path: str  # relative to the project root, with forward slashes
    src_uri: str  # where MkDocs sees it inside the docs directory
    slug: str
    url: str  # relative to site_url, e.g. "2024/01/new-year/"
    title: str
    date: datetime  # aware, Europe/London
    updated: datetime | None
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    description: str
    draft: bool
    body: str  # the Markdown after the front matter
    body_line: int  # file line of body.split("\n")[0]: the closing "---" line or the next
    is_newsletter: bool = False
    issue: int | None = None
    edition: str | None = None
    expires: datetime | None = None  # our key: the day the post comes down (Hugo has this)
    # What bulletin made up because the author left it out: "description" (from the opening,
    # see summary.derive_description) and "excerpt" (no <!-- more -->: see summary.excerpt_cut).
    derived: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SiteSources:
    """Where the sources of one site live; built from mkdocs.yml by the plugin."""

    root: Path  # the project folder (where mkdocs.yml is)
    docs_dir: Path
    posts_dir: Path
    newsletters_dir: Path
    authors_file: Path
    categories: tuple[str, ...]  # the allowed series, empty for any
    post_uri_prefix: str  # posts' src_uri prefix inside docs_dir, e.g. "posts"
    url_format: str = "{date}/{slug}"
    url_date_format: str = "yyyy/MM"
    excerpt_separator: str | None = "<!-- more -->"  # None: Material shows whole posts
    fees_file: Path | None = None  # the fee schedules, e.g. content/fees.yml
    glossary_file: Path | None = None  # acronyms and their meanings, e.g. content/glossary.yml
    raw_html: bool = False  # whether Markdown may carry raw HTML onto the website
    max_post_bytes: int = MAX_POST_BYTES  # a larger post, newsletter or page is refused unread
    # What a post must give rather than have derived: "description", "excerpt" (bulletin: require:)
    require: tuple[str, ...] = ()
    # The ``/// name`` blocks the site's Markdown extensions register (blocks.configured_blocks);
    # None: not known, so only whether each block is closed is checked.
    block_names: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Site:
    """Everything the outputs are made from, validated."""

    posts: tuple[Post, ...]  # newest first, drafts included
    authors: dict[str, Author] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    now: datetime | None = None  # when the site is published; None publishes every date
    fees: tuple[FeeSchedule, ...] = ()
    glossary: dict[str, str] = field(default_factory=dict)  # acronym -> meaning
    # Posts and newsletters read but refused by validation, as (path, src_uri): only from
    # sources.load_site_with_problems, so that `bulletin check` runs its rules on them too.
    unvalidated: tuple[tuple[str, str], ...] = ()

    def is_live(self, post: Post) -> bool:
        """Whether readers see the post now: not a draft, not scheduled, not expired."""
        if post.draft:
            return False
        if self.now is None:
            return True
        return post.date <= self.now and (post.expires is None or self.now < post.expires)

    @property
    def published(self) -> tuple[Post, ...]:
        """Posts a reader may see: drafts, scheduled and expired posts left out."""
        return tuple(post for post in self.posts if self.is_live(post))

    @property
    def scheduled(self) -> tuple[Post, ...]:
        """Posts dated in the future, oldest first: a build on or after the date publishes them."""
        waiting = (p for p in self.posts if not p.draft and self.now and p.date > self.now)
        return tuple(sorted(waiting, key=lambda post: (post.date, post.url)))

    @property
    def newsletters(self) -> tuple[Post, ...]:
        return tuple(post for post in self.published if post.is_newsletter)

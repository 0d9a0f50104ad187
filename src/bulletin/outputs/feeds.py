"""The site's RSS 2.0, Atom and JSON Feed 1.1 files, whole-site and per category and author.

The only module that imports feedgen. ``render_feeds`` is pure: it takes the
validated site, each post's rendered HTML and the settings, and returns every
feed file as bytes keyed by its path inside the site. The same inputs always
give the same bytes: no clock is read, every date is set explicitly (feedgen
defaults to now) and every list is sorted by a total key.

Layout, relative to the site root (stable: subscribers' readers remember these)::

    feeds/rss.xml  feeds/atom.xml  feeds/feed.json       every post and newsletter
    feeds/category/<slug>/rss.xml|atom.xml|feed.json     one category, slug as Material's
    feeds/author/<key>/rss.xml|atom.xml|feed.json        one author, key from the authors file
    feeds/feed.css                                       how a browser shows RSS and Atom
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from importlib import resources
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree
from pymdownx.slugs import slugify

from bulletin.digests import Memo, digest
from bulletin.errors import ContentError, Problem
from bulletin.model import LONDON, Post, Site
from bulletin.outputs.feed_html import absolutize_and_clean, find_relative_urls

__all__ = [
    "FeedLink",
    "FeedSettings",
    "absolutize_and_clean",
    "category_slug",
    "feed_links",
    "render_feeds",
]

FEEDS_DIR = "feeds"
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_TYPE = "application/feed+json"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_FORMATS = (
    ("rss.xml", RSS_TYPE, "RSS"),
    ("atom.xml", ATOM_TYPE, "Atom"),
    ("feed.json", JSON_TYPE, "JSON Feed"),
)
# A CSS stylesheet, not XSLT: browsers are removing XSLT (Chromium warns on every feed that
# uses it), while CSS for XML is part of every engine and feed readers ignore it alike.
FEED_STYLESHEET = "feed.css"
_STYLESHEETS = (FEED_STYLESHEET,)
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_category_slugify = slugify(case="lower")


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """What the feeds say about the site; built by the plugin from mkdocs.yml."""

    site_url: str  # absolute, ends with "/"
    title: str
    description: str
    logo_url: str  # absolute; RSS readers want PNG, GIF or JPEG, at most 144 px wide
    language: str = "en-GB"
    limit: int = 20  # items per feed, newest first
    organisation: str = ""  # the publisher: Atom feed author, JSON Feed author
    email: str = ""  # the publisher's address, for RSS managingEditor
    icon_url: str = ""  # absolute, square (JSON Feed icon, Atom icon); optional
    category_url_format: str = "category/{slug}/"  # Material's categories_url_format + "/"
    author_url_format: str = "author/{key}/"  # Material's authors_profiles_url_format + "/"
    generator: str = "bulletin"

    def __post_init__(self) -> None:
        if not self.site_url.startswith(("https://", "http://")) or not self.site_url.endswith("/"):
            raise ValueError(
                f"site_url: expected an absolute URL ending with '/', got {self.site_url!r}"
            )
        if self.limit < 1:
            raise ValueError(f"feeds limit: expected a whole number of 1 or more, got {self.limit}")


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed as a page announces it: ``<link rel="alternate" type=… title=… href=…>``."""

    title: str
    type: str
    href: str  # absolute
    label: str  # short visible name: "RSS", "Atom", "JSON Feed"


@dataclass(frozen=True, slots=True)
class _Feed:
    """One feed's scope: the whole site, a category or an author."""

    path: str  # folder inside the site, e.g. "feeds/category/newsletter"
    title: str
    description: str
    home_url: str  # the page on the site this feed mirrors
    posts: tuple[Post, ...]  # newest first, already limited


def category_slug(category: str) -> str:
    """Return Material's slug for ``category``: "Manager blog" -> "manager-blog"."""
    return _category_slugify(category, "-")


def feed_links(
    settings: FeedSettings,
    category: str | None = None,
    author: str | None = None,
    author_name: str | None = None,
) -> list[FeedLink]:
    """Return the three feeds of the site, or of one category, or of one author."""
    if category is not None and author is not None:
        raise ValueError("feed_links: give a category or an author, not both")
    if category is not None:
        folder, scope = f"{FEEDS_DIR}/category/{category_slug(category)}", category
    elif author is not None:
        folder, scope = f"{FEEDS_DIR}/author/{author}", author_name or author
    else:
        folder, scope = FEEDS_DIR, ""
    prefix = f"{settings.title}: {scope}" if scope else settings.title
    return [
        FeedLink(f"{prefix} ({label})", kind, f"{settings.site_url}{folder}/{name}", label)
        for name, kind, label in _FORMATS
    ]


def render_feeds(
    site: Site,
    html_by_url: dict[str, str],
    settings: FeedSettings,
    now: datetime,
    memo: Memo | None = None,
) -> dict[str, bytes]:
    """Return every feed file and stylesheet, keyed by path relative to the site root.

    Drafts and posts dated after ``now`` are left out. ``html_by_url`` maps each
    ``Post.url`` to the post's HTML as Material rendered it. Raises ContentError
    naming the post if any link in a feed would stay relative. A ``memo`` (under
    `bulletin serve`) keeps each post's cleaned HTML from one rebuild to the next.
    """
    if now.tzinfo is None:
        raise ValueError("render_feeds: now must be timezone-aware")
    posts = sorted(
        (post for post in site.published if post.date <= now),
        key=lambda post: (post.date, post.url),
        reverse=True,
    )
    feeds = list(_scopes(site, posts, settings))
    content = _item_content(
        site,
        {post.url: post for feed in feeds for post in feed.posts},
        html_by_url,
        settings,
        memo,
    )
    fallback_updated = max((_modified(post) for post in posts), default=now)
    files: dict[str, bytes] = {}
    for feed in feeds:
        updated = max((_modified(post) for post in feed.posts), default=fallback_updated)
        depth = feed.path.count("/") - FEEDS_DIR.count("/")
        files[f"{feed.path}/rss.xml"] = _rss(feed, content, settings, updated, depth)
        files[f"{feed.path}/atom.xml"] = _atom(feed, content, settings, updated, depth)
        files[f"{feed.path}/feed.json"] = _json_feed(feed, content, settings)
    stylesheets = resources.files("bulletin") / "static" / "feeds"
    for name in _STYLESHEETS:
        files[f"{FEEDS_DIR}/{name}"] = (stylesheets / name).read_bytes()
    return dict(sorted(files.items()))


def _scopes(site: Site, posts: list[Post], settings: FeedSettings) -> Iterable[_Feed]:
    """Yield the site feed, then one per category and author ever used by a published post.

    Categories and authors of future posts get a feed too (empty for now), so a
    category page Material already shows never links to a missing feed.
    """
    limit = settings.limit
    yield _Feed(
        FEEDS_DIR, settings.title, settings.description, settings.site_url, tuple(posts[:limit])
    )
    categories = sorted({category for post in site.published for category in post.categories})
    for category in categories:
        slug = category_slug(category)
        chosen = tuple(post for post in posts if category in post.categories)[:limit]
        yield _Feed(
            f"{FEEDS_DIR}/category/{slug}",
            f"{settings.title}: {category}",
            f"{category} – {settings.description}",
            settings.site_url + settings.category_url_format.format(slug=slug),
            chosen,
        )
    keys = sorted({key for post in site.published for key in post.authors})
    for key in keys:
        name = _author_name(site, key)
        chosen = tuple(post for post in posts if key in post.authors)[:limit]
        yield _Feed(
            f"{FEEDS_DIR}/author/{key}",
            f"{settings.title}: {name}",
            f"Posts by {name} – {settings.description}",
            settings.site_url + settings.author_url_format.format(key=key),
            chosen,
        )


@dataclass(frozen=True, slots=True)
class _Item:
    """What every format says about one post."""

    url: str  # absolute permalink
    html: str  # cleaned, absolute, safe
    authors: tuple[str, ...]  # display names


def _item_content(
    site: Site,
    posts: dict[str, Post],
    html_by_url: dict[str, str],
    settings: FeedSettings,
    memo: Memo | None,
) -> dict[str, _Item]:
    """Clean each post's HTML once; fail the build on a post whose links stay relative."""
    missing = sorted(url for url in posts if url not in html_by_url)
    if missing:
        raise ValueError(f"render_feeds: no rendered HTML for {', '.join(missing)}")
    items: dict[str, _Item] = {}
    problems: list[Problem] = []
    for url, post in sorted(posts.items()):
        permalink = settings.site_url + post.url
        key = digest("feed item", html_by_url[url], permalink) if memo is not None else None
        cleaned = memo.get(key) if memo is not None else None
        if cleaned is None:
            html = absolutize_and_clean(html_by_url[url], permalink)
            cleaned = html, tuple(find_relative_urls(html))
            if memo is not None:
                memo.put(key, cleaned)
        html, relative = cleaned
        problems.extend(
            Problem(
                post.path,
                0,
                "content",
                f"link {bad!r} would be relative in the feeds; "
                "write it as a path to a page or file of the site, or a full https:// address",
            )
            for bad in relative
        )
        names = tuple(_author_name(site, key) for key in post.authors)
        items[url] = _Item(permalink, html, names)
    if problems:
        raise ContentError(problems)
    return items


def _author_name(site: Site, key: str) -> str:
    author = site.authors.get(key)
    return author.name if author else key


def _modified(post: Post) -> datetime:
    return max(post.date, post.updated) if post.updated else post.date


def _london(moment: datetime) -> datetime:
    """Show ``moment`` with the UK offset of its own day: +01:00 in summer, +00:00 in winter."""
    return moment.astimezone(LONDON)


def _terms(post: Post, settings: FeedSettings) -> list[dict[str, str]]:
    """Categories then tags, as feedgen categories; the scheme says which is which."""
    return [
        {"term": category, "scheme": f"{settings.site_url}category/", "label": category}
        for category in post.categories
    ] + [{"term": tag, "scheme": f"{settings.site_url}tags/", "label": tag} for tag in post.tags]


class _CreatorExtension(BaseExtension):
    """Declare the Dublin Core namespaces on the RSS root element."""

    def extend_ns(self) -> dict[str, str]:
        return {"dc": _DC, "dcterms": _DCTERMS}


class _CreatorEntryExtension(BaseEntryExtension):
    """Add ``dc:creator`` and ``dcterms:modified`` to an RSS item.

    RSS's own ``<author>`` must be an email address and we publish none for
    people; ``dc:creator`` carries the name and is what readers show. RSS has
    no updated date; ``dcterms:modified`` is the one validators accept.
    """

    def __init__(self) -> None:
        self.creators: list[str] = []
        self.modified: datetime | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"dc": _DC, "dcterms": _DCTERMS}

    def extend_rss(self, entry: Any) -> Any:
        for name in self.creators:
            etree.SubElement(entry, f"{{{_DC}}}creator").text = name
        if self.modified is not None:
            etree.SubElement(entry, f"{{{_DCTERMS}}}modified").text = self.modified.isoformat()
        return entry


def _generator(
    feed: _Feed,
    content: dict[str, _Item],
    settings: FeedSettings,
    updated: datetime,
    self_url: str,
    self_type: str,
) -> FeedGenerator:
    """Build one feedgen feed with every date and field set explicitly."""
    fg = FeedGenerator()
    fg.register_extension(
        "bulletin", _CreatorExtension, _CreatorEntryExtension, atom=False, rss=True
    )
    fg.id(self_url)
    fg.title(feed.title)
    fg.description(feed.description)
    # feedgen takes RSS's one <link> from the last link given: the site page, not the feed.
    fg.link(href=self_url, rel="self", type=self_type)
    fg.link(href=feed.home_url, rel="alternate")
    fg.language(settings.language)
    fg.image(url=settings.logo_url, title=feed.title, link=feed.home_url)
    if settings.icon_url:
        fg.icon(settings.icon_url)
    if settings.organisation:
        publisher = {"name": settings.organisation}
        if settings.email:
            publisher["email"] = settings.email
            # The RSS form the validator accepts: "address (Name)".
            fg.managingEditor(f"{settings.email} ({settings.organisation})")
        fg.author(publisher)
    fg.generator(settings.generator)
    fg.updated(_london(updated))
    fg.lastBuildDate(_london(updated))
    for post in feed.posts:
        item = content[post.url]
        entry = fg.add_entry(order="append")
        entry.id(item.url)
        entry.guid(item.url, permalink=True)
        entry.title(post.title)
        entry.link(href=item.url, rel="alternate")
        entry.published(_london(post.date))
        entry.updated(_london(_modified(post)))
        if item.authors:
            entry.author([{"name": name} for name in item.authors])
        entry.bulletin.creators = list(item.authors)
        if post.updated:
            entry.bulletin.modified = _london(_modified(post))
        terms = _terms(post, settings)
        if terms:
            entry.category(terms)
        if post.description:
            entry.summary(post.description)  # Atom: type "text", shown as written
            # RSS's <description> is HTML: escaped, readers show the characters as written.
            # description() also sets Atom's content, which content() below replaces.
            entry.description(escape(post.description, quote=False))
        entry.content(item.html, type="html")
    return fg


def _with_stylesheet(document: bytes, href: str) -> bytes:
    """Put an xml-stylesheet instruction right after the XML declaration."""
    declaration_end = document.index(b"?>") + 2
    if not document.startswith(b"<?xml "):
        raise ValueError("feedgen output does not start with an XML declaration")
    instruction = f'\n<?xml-stylesheet type="text/css" href="{href}"?>'.encode()
    return document[:declaration_end] + instruction + document[declaration_end:]


def _rss(
    feed: _Feed, content: dict[str, _Item], settings: FeedSettings, updated: datetime, depth: int
) -> bytes:
    self_url = f"{settings.site_url}{feed.path}/rss.xml"
    fg = _generator(feed, content, settings, updated, self_url, RSS_TYPE)
    return _with_stylesheet(fg.rss_str(pretty=True), "../" * depth + FEED_STYLESHEET)


def _atom(
    feed: _Feed, content: dict[str, _Item], settings: FeedSettings, updated: datetime, depth: int
) -> bytes:
    self_url = f"{settings.site_url}{feed.path}/atom.xml"
    fg = _generator(feed, content, settings, updated, self_url, ATOM_TYPE)
    return _with_stylesheet(fg.atom_str(pretty=True), "../" * depth + FEED_STYLESHEET)


def _json_feed(feed: _Feed, content: dict[str, _Item], settings: FeedSettings) -> bytes:
    """Write JSON Feed 1.1 with sorted keys, so the bytes depend only on the data."""
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "description": feed.description,
        "home_page_url": feed.home_url,
        "feed_url": f"{settings.site_url}{feed.path}/feed.json",
        "language": settings.language,
        "icon": settings.icon_url or settings.logo_url,
        "items": [_json_item(post, content[post.url]) for post in feed.posts],
    }
    if settings.organisation:
        document["authors"] = [{"name": settings.organisation}]
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)
    return (text + "\n").encode("utf-8")


def _json_item(post: Post, item: _Item) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": item.url,
        "url": item.url,
        "title": post.title,
        "content_html": item.html,
        "date_published": _london(post.date).isoformat(),
        "tags": list(dict.fromkeys((*post.categories, *post.tags))),
    }
    if post.updated:
        entry["date_modified"] = _london(_modified(post)).isoformat()
    if post.description:
        entry["summary"] = post.description
    if item.authors:
        entry["authors"] = [{"name": name} for name in item.authors]
    return entry

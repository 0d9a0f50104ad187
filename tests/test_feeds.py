"""The feeds, checked with the parsers real readers use: feedparser, an XML parser, json."""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import re
import textwrap
import threading
from datetime import datetime
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import feedparser
import pytest

from bulletin.errors import ContentError
from bulletin.model import LONDON, Author, Post, Site
from bulletin.outputs.feeds import (
    FeedLink,
    FeedSettings,
    absolutize_and_clean,
    category_slug,
    feed_links,
    render_feeds,
)

SITE_URL = "https://news.tasp.example.org/"
NOW = datetime(2024, 12, 10, 9, 30, tzinfo=LONDON)
TRICKY_TITLE = "Tom & Jerry <script>alert(1)</script> “quotes” – £5"

SETTINGS = FeedSettings(
    site_url=SITE_URL,
    title="TASP news and blogs",
    description="Blogs and member newsletters of TASP.",
    logo_url=f"{SITE_URL}assets/logo.png",
    organisation="The Association of Safeguarding Partners",
    email="hello@example.org",
)

# A post body as Material renders it: every construct the feeds must rewrite.
MATERIAL_HTML = textwrap.dedent("""\
    <p>Read <a href="../../../2024/02/priorities/">last month's post</a> and
    <a href="#what-changed">what changed</a>.</p>
    <h2 id="what-changed">What changed<a class="headerlink" href="#what-changed"
    title="Permanent link">&para;</a></h2>
    <div class="admonition note">
    <p class="admonition-title">Remember</p>
    <p>Use the <abbr title="Graded Care Profile 2">GCP2</abbr> tool.</p>
    </div>
    <details class="tip"><summary>Dates for your diary</summary><p>12 March</p></details>
    <div class="email-only"><p>Forward this email to a colleague.</p></div>
    <p><img alt="Chart of referrals by month" src="../../assets/referrals.png" onerror="x()">
    <a href="javascript:alert(1)" onclick="x()">bad</a></p>
    <script>alert("x")</script><style>p {}</style>
    <iframe src="https://evil.example.com/"></iframe>
    <table><thead><tr><th>Fee</th></tr></thead><tbody><tr><td>£5 – “low”</td></tr></tbody></table>
    <p>Footnote<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>
    <a href="mailto:hello@example.org">email us</a></p>
    """)


def make_post(
    slug: str,
    day: tuple[int, int, int],
    *,
    title: str = "",
    categories: tuple[str, ...] = ("Manager blog",),
    authors: tuple[str, ...] = ("alison",),
    tags: tuple[str, ...] = ("Neglect",),
    updated: tuple[int, int, int] | None = None,
    draft: bool = False,
    newsletter: bool = False,
) -> Post:
    year, month, _ = day
    return Post(
        path=f"content/posts/{slug}.md",
        src_uri=f"posts/{slug}.md",
        slug=slug,
        url=f"{year}/{month:02d}/{slug}/",
        title=title or slug.replace("-", " ").capitalize(),
        date=datetime(*day, tzinfo=LONDON),
        updated=datetime(*updated, tzinfo=LONDON) if updated else None,
        authors=authors,
        categories=categories,
        tags=tags,
        description=f"One line about {slug} & more.",
        draft=draft,
        body="",
        body_line=7,
        is_newsletter=newsletter,
    )


SUMMER = make_post("summer-learning", (2024, 7, 5), title=TRICKY_TITLE, updated=(2024, 7, 9))
WINTER = make_post(
    "newsletter-december",
    (2023, 12, 1),
    categories=("Newsletter",),
    authors=("richard",),
    tags=("Membership", "Fees"),
    newsletter=True,
)
CHAIR = make_post("scrutiny", (2024, 6, 20), categories=("Chair blog",), authors=("richard",))
SPRING = make_post("priorities", (2024, 2, 9), authors=("alison", "richard"))
DRAFT = make_post("winter-pressures-draft", (2024, 12, 6), draft=True)
FUTURE = make_post("new-year", (2025, 1, 10), categories=("Conference",))
SAME_DAY = make_post("also-on-fifth-july", (2024, 7, 5))
POSTS = (FUTURE, DRAFT, SUMMER, SAME_DAY, CHAIR, SPRING, WINTER)
PUBLISHED = (SUMMER, SAME_DAY, CHAIR, SPRING, WINTER)  # newest first; same day: url descending

SITE = Site(
    posts=POSTS,
    authors={
        "alison": Author("alison", "Alison Smith", "Business manager", "alison.png"),
        "richard": Author("richard", "Richard Roe", "Independent chair", "richard.png"),
    },
)
HTML = {post.url: MATERIAL_HTML for post in POSTS}

XML_FEEDS = [
    f"feeds/{scope}{name}"
    for scope in (
        "",
        "category/manager-blog/",
        "category/chair-blog/",
        "category/newsletter/",
        "category/conference/",
        "author/alison/",
        "author/richard/",
    )
    for name in ("rss.xml", "atom.xml")
]
JSON_FEEDS = [path.replace("atom.xml", "feed.json") for path in XML_FEEDS if "atom" in path]


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render_feeds(SITE, HTML, SETTINGS, NOW)


def parse(files: dict[str, bytes], path: str) -> feedparser.FeedParserDict:
    return feedparser.parse(files[path])


# The layout


def test_every_feed_file_is_rendered_and_nothing_else(files: dict[str, bytes]) -> None:
    expected = {*XML_FEEDS, *JSON_FEEDS, "feeds/feed.css"}
    assert set(files) == expected


def test_category_slug_matches_material() -> None:
    assert category_slug("Manager blog") == "manager-blog"
    assert category_slug("Newsletter") == "newsletter"


def test_feed_links_name_the_three_formats_of_each_scope() -> None:
    assert feed_links(SETTINGS) == [
        FeedLink(
            "TASP news and blogs (RSS)", "application/rss+xml", f"{SITE_URL}feeds/rss.xml", "RSS"
        ),
        FeedLink(
            "TASP news and blogs (Atom)",
            "application/atom+xml",
            f"{SITE_URL}feeds/atom.xml",
            "Atom",
        ),
        FeedLink(
            "TASP news and blogs (JSON Feed)",
            "application/feed+json",
            f"{SITE_URL}feeds/feed.json",
            "JSON Feed",
        ),
    ]
    hrefs = [link.href for link in feed_links(SETTINGS, category="Chair blog")]
    assert hrefs[0] == f"{SITE_URL}feeds/category/chair-blog/rss.xml"
    assert feed_links(SETTINGS, author="richard")[1].href == (
        f"{SITE_URL}feeds/author/richard/atom.xml"
    )


def test_every_feed_link_points_at_a_rendered_file(files: dict[str, bytes]) -> None:
    scopes = [{}, {"category": "Manager blog"}, {"category": "Newsletter"}, {"author": "alison"}]
    for scope in scopes:
        for link in feed_links(SETTINGS, **scope):
            assert link.href.removeprefix(SITE_URL) in files


# Parsing: every feed, with the parsers readers use


@pytest.mark.parametrize("path", XML_FEEDS)
def test_feedparser_reads_every_feed_without_bozo(files: dict[str, bytes], path: str) -> None:
    feed = parse(files, path)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("rss20" if path.endswith("rss.xml") else "atom10")
    assert feed.feed.language == "en-GB"


@pytest.mark.parametrize("path", XML_FEEDS)
def test_every_xml_feed_is_well_formed_utf8(files: dict[str, bytes], path: str) -> None:
    assert files[path].startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    ElementTree.fromstring(files[path])


@pytest.mark.parametrize("path", JSON_FEEDS)
def test_json_feed_has_every_field_json_feed_1_1_requires(
    files: dict[str, bytes], path: str
) -> None:
    feed = json.loads(files[path].decode("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    assert feed["feed_url"] == SITE_URL + path
    assert feed["home_page_url"].startswith(SITE_URL)
    assert feed["language"] == "en-GB"
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item["content_html"], str) and item["content_html"]
        assert datetime.fromisoformat(item["date_published"]).tzinfo is not None


# Items: which posts, in which order


def links(files: dict[str, bytes], path: str) -> list[str]:
    if path.endswith(".json"):
        return [item["url"] for item in json.loads(files[path])["items"]]
    return [entry.link for entry in parse(files, path).entries]


def urls(*posts: Post) -> list[str]:
    return [SITE_URL + post.url for post in posts]


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_site_feed_has_published_posts_newest_first(files: dict[str, bytes], name: str) -> None:
    assert links(files, f"feeds/{name}") == urls(*PUBLISHED)


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_category_and_author_feeds_hold_only_their_posts(
    files: dict[str, bytes], name: str
) -> None:
    assert links(files, f"feeds/category/manager-blog/{name}") == urls(SUMMER, SAME_DAY, SPRING)
    assert links(files, f"feeds/category/chair-blog/{name}") == urls(CHAIR)
    assert links(files, f"feeds/category/newsletter/{name}") == urls(WINTER)
    assert links(files, f"feeds/author/alison/{name}") == urls(SUMMER, SAME_DAY, SPRING)
    assert links(files, f"feeds/author/richard/{name}") == urls(CHAIR, SPRING, WINTER)


def test_drafts_and_future_posts_are_in_no_feed(files: dict[str, bytes]) -> None:
    for path, data in files.items():
        if not path.endswith(".xsl"):
            assert DRAFT.slug.encode() not in data, path
            assert FUTURE.slug.encode() not in data, path


def test_category_of_only_future_posts_has_a_valid_empty_feed(files: dict[str, bytes]) -> None:
    feed = parse(files, "feeds/category/conference/atom.xml")
    assert not feed.bozo and feed.entries == []
    # Still the newest published date, not the clock, so rebuilds stay identical.
    assert feed.feed.updated == "2024-07-09T00:00:00+01:00"


def test_a_future_post_appears_once_its_day_comes() -> None:
    later = render_feeds(SITE, HTML, SETTINGS, datetime(2025, 1, 10, tzinfo=LONDON))
    assert links(later, "feeds/feed.json")[0] == SITE_URL + FUTURE.url


def test_limit_keeps_the_newest_items_of_every_feed() -> None:
    settings = FeedSettings(
        site_url=SITE_URL, title="T", description="D", logo_url=f"{SITE_URL}logo.png", limit=2
    )
    limited = render_feeds(SITE, HTML, settings, NOW)
    for name in ("rss.xml", "atom.xml", "feed.json"):
        assert links(limited, f"feeds/{name}") == urls(SUMMER, SAME_DAY)
        assert links(limited, f"feeds/author/richard/{name}") == urls(CHAIR, SPRING)


def test_default_limit_is_twenty() -> None:
    assert SETTINGS.limit == 20
    many = tuple(make_post(f"post-{n:02d}", (2024, 1, n + 1)) for n in range(25))
    site = Site(posts=many, authors=SITE.authors)
    rendered = render_feeds(site, {p.url: "<p>x</p>" for p in many}, SETTINGS, NOW)
    assert len(parse(rendered, "feeds/rss.xml").entries) == 20


# Items: every field


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_every_item_carries_every_field(files: dict[str, bytes], name: str) -> None:
    for path in [p for p in XML_FEEDS if p.endswith(name)]:
        entries = parse(files, path).entries
        by_link = {post.url: post for post in PUBLISHED}
        for entry in entries:
            post = by_link[entry.link.removeprefix(SITE_URL)]
            permalink = SITE_URL + post.url
            assert entry.title == post.title
            assert entry.link == permalink
            assert entry.id == permalink  # guid isPermaLink="true": see the validator rules
            assert entry.published_parsed is not None
            assert [a.name for a in entry.authors] == [
                SITE.authors[key].name for key in post.authors
            ]
            assert [tag.term for tag in entry.tags] == [*post.categories, *post.tags]
            # RSS's description is HTML, in which the text is escaped; Atom's summary is text.
            summary = html.unescape(entry.summary) if name == "rss.xml" else entry.summary
            assert summary == post.description
            assert "Chart of referrals by month" in entry.content[0].value
            assert entry.content[0].type == "text/html"


def test_every_json_item_carries_every_field(files: dict[str, bytes]) -> None:
    items = {item["url"]: item for item in json.loads(files["feeds/feed.json"])["items"]}
    for post in PUBLISHED:
        item = items[SITE_URL + post.url]
        assert item["id"] == SITE_URL + post.url
        assert item["title"] == post.title
        assert item["summary"] == post.description
        assert item["tags"] == [*post.categories, *post.tags]
        assert item["authors"] == [{"name": SITE.authors[key].name} for key in post.authors]
        assert datetime.fromisoformat(item["date_published"]) == post.date
        assert "Chart of referrals by month" in item["content_html"]
    assert items[SITE_URL + SUMMER.url]["date_modified"] == "2024-07-09T00:00:00+01:00"
    assert "date_modified" not in items[SITE_URL + WINTER.url]


def test_dates_carry_the_london_offset_of_their_own_day(files: dict[str, bytes]) -> None:
    rss = files["feeds/rss.xml"].decode()
    assert "<pubDate>Fri, 05 Jul 2024 00:00:00 +0100</pubDate>" in rss
    assert "<pubDate>Fri, 01 Dec 2023 00:00:00 +0000</pubDate>" in rss
    atom = files["feeds/atom.xml"].decode()
    assert "<published>2024-07-05T00:00:00+01:00</published>" in atom
    assert "<published>2023-12-01T00:00:00+00:00</published>" in atom
    assert not re.search(r"\d{2}:\d{2}:\d{2}(\.\d+)?Z", atom)


def test_updated_date_appears_where_the_post_has_one(files: dict[str, bytes]) -> None:
    for path in ("feeds/rss.xml", "feeds/atom.xml"):
        entries = {entry.link: entry for entry in parse(files, path).entries}
        assert entries[SITE_URL + SUMMER.url].updated == "2024-07-09T00:00:00+01:00"
    rss = files["feeds/rss.xml"].decode()
    assert rss.count("<dcterms:modified>") == 1


def test_channel_dates_are_the_newest_item_date_not_the_clock(files: dict[str, bytes]) -> None:
    rss = parse(files, "feeds/rss.xml").feed
    assert rss.updated == "Tue, 09 Jul 2024 00:00:00 +0100"  # lastBuildDate
    assert parse(files, "feeds/atom.xml").feed.updated == "2024-07-09T00:00:00+01:00"
    assert parse(files, "feeds/category/newsletter/atom.xml").feed.updated == (
        "2023-12-01T00:00:00+00:00"
    )


def test_channel_describes_the_site(files: dict[str, bytes]) -> None:
    for path in ("feeds/rss.xml", "feeds/atom.xml"):
        feed = parse(files, path).feed
        assert feed.title == SETTINGS.title
        assert feed.link == SITE_URL
        assert feed.generator == "bulletin"
        self_links = [link.href for link in feed.links if link.rel == "self"]
        assert self_links == [SITE_URL + path]
    assert parse(files, "feeds/rss.xml").feed.image.href == SETTINGS.logo_url
    assert parse(files, "feeds/atom.xml").feed.logo == SETTINGS.logo_url
    category = parse(files, "feeds/category/chair-blog/rss.xml").feed
    assert category.title == "TASP news and blogs: Chair blog"
    assert category.link == f"{SITE_URL}category/chair-blog/"
    assert parse(files, "feeds/author/alison/atom.xml").feed.link == f"{SITE_URL}author/alison/"


# Escaping


def test_tricky_title_survives_every_format(files: dict[str, bytes]) -> None:
    for path in ("feeds/rss.xml", "feeds/atom.xml"):
        assert parse(files, path).entries[0].title == TRICKY_TITLE
        root = ElementTree.fromstring(files[path])
        texts = [element.text for element in root.iter() if element.tag.endswith("title")]
        assert TRICKY_TITLE in texts
    assert json.loads(files["feeds/feed.json"])["items"][0]["title"] == TRICKY_TITLE
    raw = files["feeds/rss.xml"].decode("utf-8")
    assert "Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; “quotes” – £5" in raw
    assert "“quotes” – £5" in files["feeds/feed.json"].decode("utf-8")  # not \u escapes


def test_a_description_with_markup_reaches_every_reader_as_text() -> None:
    """RSS's <description> is HTML: the summary is escaped, as Atom and JSON Feed keep it text."""
    text = 'Fees <b>rise</b> & <script>alert(1)</script> "1 < 2" &amp;'
    post = dataclasses.replace(SPRING, description=text)
    rendered = render_feeds(Site(posts=(post,), authors=SITE.authors), HTML, SETTINGS, NOW)
    rss = parse(rendered, "feeds/rss.xml").entries[0]
    assert rss.summary_detail.type == "text/html"
    assert "<script" not in rss.summary and "<b>" not in rss.summary
    assert html.unescape(rss.summary) == text
    atom = parse(rendered, "feeds/atom.xml").entries[0]
    assert (atom.summary_detail.type, atom.summary) == ("text/plain", text)
    assert json.loads(rendered["feeds/feed.json"])["items"][0]["summary"] == text
    # A browser shows RSS's escaped description as it is, escaped: the stylesheet hides it.
    assert "item > description" not in rendered["feeds/feed.css"].decode()


# Content


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls.extend(value or "" for name, value in attrs if name in {"href", "src"})


def contents(files: dict[str, bytes]) -> list[str]:
    found = []
    for path in XML_FEEDS:
        found += [entry.content[0].value for entry in parse(files, path).entries]
    for path in JSON_FEEDS:
        found += [item["content_html"] for item in json.loads(files[path])["items"]]
    return found


def test_no_item_content_has_a_relative_url(files: dict[str, bytes]) -> None:
    for content in contents(files):
        parser = _Urls()
        parser.feed(content)
        assert parser.urls
        for url in parser.urls:
            parts = urlsplit(url)
            assert parts.scheme in {"https", "mailto"}, url
            assert parts.scheme == "mailto" or parts.netloc, url


def test_no_item_content_can_run_code(files: dict[str, bytes]) -> None:
    for content in contents(files):
        parser = _Urls()
        parser.feed(content)
        assert not {"script", "style", "iframe", "input", "svg"} & set(parser.tags)
        assert not re.search(r"\son\w+=", content)
        assert "javascript:" not in content


def test_content_is_in_content_encoded_and_summary_in_description(
    files: dict[str, bytes],
) -> None:
    item = ElementTree.fromstring(files["feeds/rss.xml"]).find("channel/item")
    assert item is not None
    encoded = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
    assert "<blockquote>\n<p><strong>Remember</strong></p>" in encoded
    assert item.findtext("description") == html.escape(SUMMER.description, quote=False)
    assert item.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Alison Smith"
    assert item.find("author") is None  # RSS author must be an email; dc:creator instead


def test_a_link_that_stays_relative_fails_the_build_naming_the_post() -> None:
    broken = {**HTML, SPRING.url: '<p><a href="http:/www.gov.uk/guidance">typo</a></p>'}
    with pytest.raises(ContentError) as caught:
        render_feeds(SITE, broken, SETTINGS, NOW)
    assert str(caught.value.problems[0]) == (
        "content/posts/priorities.md: content: link 'http:/www.gov.uk/guidance' would be "
        "relative in the feeds; write it as a path to a page or file of the site, "
        "or a full https:// address"
    )


def test_missing_html_for_a_post_is_a_wiring_error() -> None:
    with pytest.raises(ValueError, match="no rendered HTML for 2024/06/scrutiny/"):
        render_feeds(SITE, {k: v for k, v in HTML.items() if k != CHAIR.url}, SETTINGS, NOW)


BASE = f"{SITE_URL}2024/03/some-post/"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            '<a href="../../../2024/02/other/">x</a>',
            f'<a href="{SITE_URL}2024/02/other/">x</a>',
        ),
        ('<a href="#why">x</a>', f'<a href="{BASE}#why">x</a>'),
        (
            '<img alt="A chart" src="../../assets/x.png">',
            f'<img alt="A chart" src="{SITE_URL}2024/assets/x.png">',
        ),
        ('<a href="https://www.gov.uk/">x</a>', '<a href="https://www.gov.uk/">x</a>'),
        (
            '<h2 id="why">Why<a class="headerlink" href="#why" title="Permanent link">¶</a></h2>',
            "<h2>Why</h2>",
        ),
        (
            '<div class="admonition note"><p class="admonition-title">Note</p><p>Body</p></div>',
            "<blockquote><p><strong>Note</strong></p><p>Body</p></blockquote>",
        ),
        (
            '<details class="tip"><summary>More <em>here</em></summary><p>Body</p></details>',
            "<blockquote><p><strong>More <em>here</em></strong></p><p>Body</p></blockquote>",
        ),
        ('<p>a</p><div class="email-only"><p>b</p></div> c', "<p>a</p> c"),
        ('<a href="javascript:alert(1)" onclick="x()">x</a>', "<a>x</a>"),
        ("<p>x<script>alert(1)</script><style>p{}</style></p>", "<p>x</p>"),
        ('<p><span class="twemoji"><svg><path d="M0"/></svg></span>Icon</p>', "<p>Icon</p>"),
        (
            '<p style="color:red" class="x" id="y">£5 – “q” &amp; &lt;</p>',
            "<p>£5 – “q” &amp; &lt;</p>",
        ),
        (
            '<div class="tabbed-set tabbed-alternate" data-tabs="1:2">'
            '<input checked id="t1" name="t" type="radio"><input id="t2" name="t" type="radio">'
            '<div class="tabbed-labels"><label for="t1">One</label>'
            '<label for="t2">Two</label></div>'
            '<div class="tabbed-content"><div class="tabbed-block"><p>First</p></div>'
            '<div class="tabbed-block"><p>Second</p></div></div></div>',
            "<div><p><strong>One</strong></p><div><p>First</p></div>"
            "<p><strong>Two</strong></p><div><p>Second</p></div></div>",
        ),
        (
            '<table><tr><td colspan="2" style="text-align:right">1</td></tr></table>',
            '<table><tbody><tr><td colspan="2">1</td></tr></tbody></table>',
        ),
        ("", ""),
    ],
)
def test_absolutize_and_clean(before: str, after: str) -> None:
    assert absolutize_and_clean(before, BASE) == after


# Determinism


def test_two_renders_give_byte_identical_files(files: dict[str, bytes]) -> None:
    again = render_feeds(SITE, HTML, SETTINGS, NOW)
    assert again == files
    # A later clock changes nothing while no new post becomes due.
    assert render_feeds(SITE, HTML, SETTINGS, datetime(2024, 12, 31, tzinfo=LONDON)) == files


def test_post_order_in_the_site_does_not_matter(files: dict[str, bytes]) -> None:
    shuffled = Site(posts=tuple(reversed(POSTS)), authors=SITE.authors)
    assert render_feeds(shuffled, HTML, SETTINGS, NOW) == files


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        render_feeds(SITE, HTML, SETTINGS, datetime(2024, 12, 10))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"site_url": "https://news.tasp.example.org"}, "ending with '/'"),
        ({"site_url": "/news/"}, "absolute URL"),
        ({"limit": 0}, "1 or more"),
    ],
)
def test_settings_refuse_what_would_make_broken_feeds(
    changes: dict[str, object], message: str
) -> None:
    fields = {"site_url": SITE_URL, "title": "T", "description": "D", "logo_url": "x"}
    with pytest.raises(ValueError, match=message):
        FeedSettings(**{**fields, **changes})  # type: ignore[arg-type]


# The stylesheet a browser shows: CSS, since browsers are removing XSLT


@pytest.mark.parametrize("path", XML_FEEDS)
def test_each_xml_feed_names_its_stylesheet_by_a_path_that_exists(
    files: dict[str, bytes], path: str
) -> None:
    second_line = files[path].split(b"\n")[1].decode()
    match = re.fullmatch(r'<\?xml-stylesheet type="text/css" href="([^"]+)"\?>', second_line)
    assert match, second_line
    # Relative, so it works under mkdocs serve and on a site in a sub-folder alike.
    target = urljoin(SITE_URL + path, match[1]).removeprefix(SITE_URL)
    assert target == "feeds/feed.css"


def test_the_stylesheet_explains_feeds_and_fetches_nothing(files: dict[str, bytes]) -> None:
    css = files["feeds/feed.css"].decode("utf-8")
    assert "What is a feed?" in css and "How to subscribe" in css
    assert "attr(href)" in css  # the feed's own address, to copy
    assert "@import" not in css and "xsl" not in css.lower().replace("xslt", "")
    assert re.findall(r"url\(", css) == ["url("] * css.count("@namespace")


# The W3C Feed Validation Service rules that apply to what we generate


RFC822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}"
)
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("path", [p for p in XML_FEEDS if p.endswith("rss.xml")])
def test_rss_follows_the_validator_rules(files: dict[str, bytes], path: str) -> None:
    channel = ElementTree.fromstring(files[path]).find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert channel.findtext(required)
    assert channel.findtext("language") == "en-GB"
    assert RFC822.fullmatch(channel.findtext("lastBuildDate") or "")
    assert re.fullmatch(r"[^@\s]+@[^@\s]+ \(.+\)", channel.findtext("managingEditor") or "")
    self_link = channel.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("type") == "application/rss+xml"
    image = channel.find("image")
    assert image is not None
    assert image.findtext("title") == channel.findtext("title")  # ImageTitleDoesntMatch
    assert image.findtext("link") == channel.findtext("link")  # ImageLinkDoesntMatch
    guids = []
    for item in channel.findall("item"):
        assert item.findtext("title") and item.findtext("link")
        assert RFC822.fullmatch(item.findtext("pubDate") or "")
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "true"
        assert guid.text == item.findtext("link")
        guids.append(guid.text)
        assert not (item.find("author") is not None and item.find("{*}creator") is not None)
        modified = item.findtext("{http://purl.org/dc/terms/}modified")
        assert modified is None or RFC3339.fullmatch(modified)
    assert len(guids) == len(set(guids))  # DuplicateValue


@pytest.mark.parametrize("path", [p for p in XML_FEEDS if p.endswith("atom.xml")])
def test_atom_follows_the_validator_rules(files: dict[str, bytes], path: str) -> None:
    feed = ElementTree.fromstring(files[path])
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    for required in ("id", "title", "updated"):
        assert feed.findtext(ATOM + required)
    assert RFC3339.fullmatch(feed.findtext(ATOM + "updated") or "")
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None  # or every entry has one
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == SITE_URL + path
    assert self_link.get("type") == "application/atom+xml"
    ids = []
    for entry in feed.findall(ATOM + "entry"):
        ids.append(entry.findtext(ATOM + "id"))
        for stamp in ("updated", "published"):
            assert RFC3339.fullmatch(entry.findtext(ATOM + stamp) or "")
        assert entry.find(ATOM + "link").get("href") == ids[-1]  # type: ignore[union-attr]
        content = entry.find(ATOM + "content")
        assert content is not None and content.get("type") == "html"
        summary = entry.find(ATOM + "summary")
        assert summary is not None and summary.get("type") in (None, "text")
    assert len(ids) == len(set(ids))


# What a person sees on clicking the RSS link


@pytest.mark.browser
@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "category/newsletter/rss.xml"])
def test_browser_shows_a_readable_page_for_a_feed(
    files: dict[str, bytes], tmp_path: Path, name: str, browser
) -> None:
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            page = browser.new_page()
            warnings: list[str] = []
            page.on("console", lambda message: warnings.append(message.text))
            page.goto(f"http://127.0.0.1:{server.server_port}/feeds/{name}")
            # An XML document has no innerText: what shows is what has a box on the page.
            shown = page.evaluate(
                """() => [...document.querySelectorAll('*')]
                    .filter(e => e.getClientRects().length && !e.children.length)
                    .map(e => e.textContent.trim()).join('\\n')"""
            )
            heading = page.locator(":root > title, channel > title").first.text_content()
            about = page.evaluate(
                "getComputedStyle(document.querySelector('[rel=self]'), '::before').content"
                " + getComputedStyle(document.querySelector('[rel=self]'), '::after').content"
            )
            page.close()
        finally:
            server.shutdown()
    assert "What is a feed?" in about
    assert "How to subscribe" in about
    assert f"{SITE_URL}feeds/{name}" in about
    assert not [text for text in warnings if "XSLT" in text]
    if name.startswith("category/newsletter"):
        assert heading == "TASP news and blogs: Newsletter"
        assert WINTER.title in shown
    else:
        assert heading == "TASP news and blogs"
        assert TRICKY_TITLE in shown and CHAIR.title in shown
        if name == "atom.xml":
            assert SUMMER.description in shown  # "… & more.", not "… &amp; more."


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

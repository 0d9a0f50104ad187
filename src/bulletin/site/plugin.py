"""The MkDocs plugin: bulletin's stages hooked into ``mkdocs build`` and ``mkdocs serve``.

Event wiring: each MkDocs event calls the function that does the work, in ``sources``
(validate every source before anything is written), ``site.config`` (the settings),
``site.patches`` (every change to MkDocs' and Material's behaviour) and ``outputs`` (feeds,
emails, pictures, the atomic publish). MkDocs is imported in ``bulletin.site`` only, and by
``cli`` to run it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import time
from datetime import date, datetime
from html import escape, unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from babel.dates import format_date
from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from bulletin import avatars, glossary
from bulletin.blocks import strip_channel
from bulletin.digests import Memo, StoredMemo, Undescribable, digest, stable_repr
from bulletin.errors import ContentError, Problem
from bulletin.fees.markup import FeeTableExtension, pin_fee_tables
from bulletin.model import LONDON, Post, Site, SiteSources
from bulletin.outputs import feeds, pictures, publish
from bulletin.outputs.email import newsletter
from bulletin.sanitise import clean_excerpt, clean_page, escape_meta, restrict_markdown
from bulletin.site import local_backend, subscribing
from bulletin.site.config import (
    BulletinConfig,
    EmailConfig,
    avatar_colour,
    blog_plugin,
    check_places,
    check_settings,
    editor_files,
    email_settings,
    feed_settings,
    public_site_url,
    publication_time,
    sources_from_config,
)
from bulletin.site.patches import PatchChanged, Patches
from bulletin.site.patches import blog as blog_patches
from bulletin.site.patches import search as search_patches
from bulletin.site.patches import serve as serve_patches
from bulletin.site.patches import theme as theme_patches
from bulletin.site.patches.page_cache import BuiltPages, CachedTemplate, PageCache
from bulletin.site.patches.render_cache import RenderCache, code_context, context_digest
from bulletin.sources import (
    WORD_LINE_BREAK,
    is_hidden,
    load_site_with_problems,
    newsletter_src_uri,
)
from bulletin.summary import insert_excerpt_separator
from bulletin.writing import UnsafePath, write_file

log = logging.getLogger("mkdocs.plugins.bulletin")

# What `bulletin serve` remembers from one rebuild to the next, by a digest of its inputs.
SERVE_MEMOS = (
    "readtime",
    "search",
    "email",
    "clean",
    "posts",
    "front matter",
    "feed items",
    "pictures",
)


class BulletinPlugin(BasePlugin[BulletinConfig]):
    """Validate, add newsletters to the blog, capture each post's HTML, publish atomically."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.command: str | None = None
        self.sources: SiteSources | None = None
        self.site: Site | None = None
        self.staging: publish.Staging | None = None
        self.posts_by_uri: dict[str, Post] = {}
        self.html_by_url: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.progress = Progress()
        self.render_cache: RenderCache | None = None
        self.kept_render_cache: RenderCache | None = None  # `mkdocs serve`: between rebuilds
        self.feed_settings: feeds.FeedSettings | None = None
        self.categories: dict[str, str] = {}
        self.email_settings: newsletter.EmailSettings | None = None
        self.email_html: dict[str, str] = {}
        self.email_only: str | None = None  # `bulletin email <slug>`: render this issue alone
        self.email_dir: Path | None = None  # where `bulletin email` writes
        self.as_of: date | None = None  # `bulletin build --as-of`: publish as on this day
        self.abbreviations = ""  # the glossary as abbr lines, where abbr has not got it itself
        self.page_cache: PageCache | None = None  # finished pages by context, from the last build
        self.memos: dict[str, Memo] = {}  # results by a digest of their inputs (see digests)
        self.files: Files | None = None
        self.site_files: Files | None = None  # this build's files, for its pictures
        self.picture_sizes: dict[str, tuple[int, int]] = {}  # published pictures by dest_uri
        self.avatar_colour = EmailConfig.brand_colour.default
        self.patches = Patches()

    def use(
        self,
        *,
        as_of: date | None = None,
        email_only: str | None = None,
        email_dir: Path | None = None,
    ) -> None:
        """What a `bulletin` command asks of the next build beyond mkdocs.yml: the day to
        publish as, or one issue's email alone, written to ``email_dir``."""
        self.as_of, self.email_only, self.email_dir = as_of, email_only, email_dir

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        serving = command == "serve"
        patches = self.patches = Patches(speedups=self.config.speedups, serving=serving)
        blog_patches.fast_front_matter(patches.allows("blog-libyaml"))
        blog_patches.lazy_excerpt_parsers(patches.allows("blog-lazy-excerpt-parser"))
        self.page_cache = PageCache() if serving and patches.allows("page-cache") else None
        self.memos = {name: Memo() for name in SERVE_MEMOS} if serving else {}
        if serving:  # rebuilds in one process, where most pages have not changed
            if patches.allows("blog-readtime-memo"):
                blog_patches.memoise_readtime(self.memos["readtime"])
            if patches.allows("blog-front-matter-memo"):
                blog_patches.memoise_front_matter(self.memos["front matter"])
            if patches.allows("serve-gc"):
                serve_patches.collect_between_rebuilds()

    @event_priority(100)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        started = time.perf_counter()
        self.timings = {}
        self.sources = sources_from_config(config, self.config)
        check_places(config, self.config, self.sources, self.command)
        check_settings(config, self.config)
        subscribing.check_signup(Path(config.config_file_path), self.config)
        self.avatar_colour = avatar_colour(config, self.config)
        site, problems = load_site_with_problems(
            self.sources, now=publication_time(self.as_of), memo=self.memos.get("posts")
        )
        if problems or site is None:
            # Under `mkdocs serve` a failed rebuild stays quick (a writer saves mid-edit): the
            # content rules scan every page, about a second at 1,000 posts.
            checked = site if self.command != "serve" else None
            raise PluginError(failed_build_report(checked, self.sources, problems))
        self.site = site
        self.abbreviations = self._give_glossary(config)
        generated = {k: a.avatar for k, a in self.site.authors.items() if a.has_generated_avatar}
        if not generated or self.patches.allows("authors-avatars"):  # else it has warned
            blog_patches.fill_in_avatars(blog_plugin(config), generated)
        try:
            self.patches.allows("excerpt-sanitise")
        except PatchChanged as error:
            raise PluginError(str(error)) from None
        self.timings["validate"] = time.perf_counter() - started
        log.info(
            "Validated %d posts and newsletters (%d published) in %.2f s",
            len(self.site.posts),
            len(self.site.published),
            self.timings["validate"],
        )
        if not self.config.raw_html:
            restrict_markdown(config)
        if self.site.fees:
            on = self.site.now.date() if self.site.now else None
            config.markdown_extensions.append(FeeTableExtension(schedules=self.site.fees, on=on))
        self.feed_settings = feed_settings(config, self.config)
        self.categories = {feeds.category_slug(name): name for name in self.sources.categories}
        self.email_settings = email_settings(public_site_url(config, self.command), self.config)
        self.email_html = {}
        if self.command == "email":  # `bulletin email` and `bulletin send`: drafts too
            blog_plugin(config).config.draft = True
        for warning in self.site.warnings:
            log.warning(warning)
        ours = os.environ.get("BULLETIN_SET_SOURCE_DATE_EPOCH") == "1"
        newest = newest_publication(self.site)
        if ("SOURCE_DATE_EPOCH" not in os.environ or ours) and newest is not None:
            # Reproducible by default: MkDocs stamps the sitemap with the build date, which
            # becomes the newest published post's date rather than the clock (again at each
            # rebuild of `mkdocs serve`, which runs in the same process).
            os.environ["SOURCE_DATE_EPOCH"] = str(int(newest.timestamp()))
            os.environ["BULLETIN_SET_SOURCE_DATE_EPOCH"] = "1"
        self.posts_by_uri = {post.src_uri: post for post in self.site.posts}
        self.render_cache = None
        self.html_by_url = {}
        self._begin_staging(config)
        return config

    def _give_glossary(self, config: MkDocsConfig) -> str:
        """Give every page the glossary: through the ``abbr`` extension's own ``glossary``
        option where the site uses it, else as definitions to append to each page.

        The option costs one combined pattern per page; 36 definitions appended to every
        page's Markdown made Python-Markdown's block parser try each of its processors on
        each line, which doubled the conversion of a 900-word post. A page's own
        definitions still apply, and win over the glossary's.
        """
        assert self.site is not None
        if not self.site.glossary:
            return ""
        if "abbr" not in config.markdown_extensions:
            return glossary.abbreviation_markdown(self.site.glossary)
        options = config.mdx_configs.setdefault("abbr", {})
        options["glossary"] = {
            **dict(sorted(self.site.glossary.items())),
            **options.get("glossary", {}),
        }
        return ""

    def _begin_staging(self, config: MkDocsConfig) -> None:
        if self.command not in (None, "build"):
            return
        assert self.sources is not None
        output = (self.sources.root / self.config.output_dir).resolve()
        site_dir = Path(config.site_dir).resolve()
        if not site_dir.is_relative_to(output) or site_dir == output:
            return  # e.g. `mkdocs serve --clean`, which builds into a temporary folder
        try:
            self.staging = publish.begin(output)
        except (publish.BuildLocked, publish.ForeignOutput) as error:
            raise PluginError(str(error)) from None
        config.site_dir = str(self.staging.path_for(site_dir))
        self._keep_between_builds(site_dir)

    def _keep_between_builds(self, site_dir: Path) -> None:
        """`bulletin build`: what the last build computed, and nothing since has changed, is
        reused as under `bulletin serve`, from the cache folder and the published site.

        Finished pages are read back from the site this build replaces; reading times,
        search entries, emails and cleaned pages come from memos kept as JSON beside the
        render cache.
        """
        assert self.sources is not None
        if not self.config.cache_dir:
            return
        folder = self.sources.root / self.config.cache_dir
        if self.patches.allows("page-cache"):
            self.page_cache = PageCache(BuiltPages(folder / "pages.json", site_dir))
        context = code_context()
        if self.patches.allows("blog-readtime-memo"):
            self.memos["readtime"] = StoredMemo(folder / "readtime.json", context)
            blog_patches.memoise_readtime(self.memos["readtime"])
        if self.patches.allows("search-memo"):
            self.memos["search"] = StoredMemo(folder / "search.json", context)
        self.memos["email"] = StoredMemo(folder / "email.json", context)
        self.memos["clean"] = StoredMemo(folder / "clean.json", context)

    def _add_newsletters(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.sources is not None and self.site is not None
        for path in sorted(self.sources.newsletters_dir.glob("*.md")):
            if is_hidden(path, self.sources):  # left out, as MkDocs leaves out hidden pages
                continue
            src_uri = newsletter_src_uri(self.sources, path)
            files.append(File.generated(config, src_uri, abs_src_path=str(path)))
        for post in self.site.posts:
            if self.command == "build" and not post.draft and not self.site.is_live(post):
                # Scheduled or expired: left out until (or after) its day. Drafts are
                # Material's to leave out, so that `mkdocs serve` can still show them.
                file = files.get_file_from_path(post.src_uri)
                if file is not None:
                    files.remove(file)
                continue
            # Material's "{file}" URL part is the file's name: an explicit slug replaces it,
            # so a post's address never follows its title.
            file = files.get_file_from_path(post.src_uri)
            if file is not None and file.name != post.slug:
                file.name = post.slug
        return files

    def _add_avatars(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Put the initials picture of each author without an avatar into the site."""
        assert self.site is not None
        for _, author in sorted(self.site.authors.items()):
            if not author.has_generated_avatar:
                continue
            existing = files.get_file_from_path(author.avatar)
            if existing is not None:  # ours, in the folder kept for generated pictures
                files.remove(existing)
            svg = avatars.render_avatar(author.name, self.avatar_colour)
            files.append(File.generated(config, author.avatar, content=svg))
        return files

    @event_priority(-60)  # after Material's blog has collected its posts
    def _index_posts(self, files: Files, *, config: MkDocsConfig) -> Files:
        if self.patches.allows("blog-post-index"):
            blog_patches.index_blog_posts(blog_plugin(config))
        return files

    def _add_editor(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Add the browser editor at /admin/ when bulletin.editor.enabled (editor.py)."""
        if self.config.editor.enabled:
            assert self.sources is not None and self.site is not None
            made = editor_files(config, self.config, self.sources, self.site, files, self.command)
            for uri, made_file in made.items():
                source = {"abs_src_path": str(made_file)} if isinstance(made_file, Path) else {}
                content = None if source else made_file
                files.append(File.generated(config, uri, content=content, **source))
        return files

    on_files = CombinedEvent(_add_newsletters, _add_avatars, _add_editor, _index_posts)

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self.progress = Progress()
        if self.patches.allows("search-skip-scan"):
            search_patches.skip_needless_search_scans(config.plugins)
        if "search" in self.memos and self.patches.allows("search-memo"):
            for plugin in config.plugins.values():
                if type(plugin).__module__.startswith("material.plugins.search"):
                    search_patches.memoise_search(plugin, self.memos["search"])

    def on_nav(self, nav: Any, *, config: MkDocsConfig, files: Files) -> Any:
        # Material read each post's front matter in on_files; its excerpts may render a
        # post's title before the post itself is rendered, so make titles safe now.
        for file in files.documentation_pages():
            if file.page is not None and file.src_uri in self.posts_by_uri:
                escape_meta(file.page)
        site_url = self.email_settings.site_url if self.email_settings else ""
        subscribing.check_leaving(Path(config.config_file_path), site_url, self.config, files)
        return nav

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        escape_meta(page)
        # Word's manual line break (Shift+Enter) is a new line, as sources reads it.
        markdown = markdown.replace(WORD_LINE_BREAK, "\n")
        post = self.post_for(page)
        if post is not None:
            markdown = self._add_derived(markdown, page, post)
        if post is not None and self.site is not None and self.site.fees:
            markdown = pin_fee_tables(markdown, self.site.fees, post.date.date())
        if (
            self.config.cache_dir
            and self.sources is not None
            and self.patches.allows("render-cache")
        ):
            if self.render_cache is None:
                path = self.sources.root / self.config.cache_dir / "render.json"
                context = context_digest(config, files)
                kept = self.kept_render_cache
                if kept is not None and kept.path == path:
                    kept.next_build(context)  # no need to read the file again
                    self.render_cache = kept
                else:
                    self.render_cache = RenderCache(path, context)
            self.render_cache.wrap_page(page)
        return markdown + self.abbreviations  # glossary: every use gets an <abbr title>

    def _add_derived(self, markdown: str, page: Page, post: Post) -> str:
        """Give a post written without them an excerpt separator and a description.

        Material's blog runs after us and looks for the separator in ``page.markdown``
        (refusing the post when its ``post_excerpt`` is ``required``), so it goes there too.
        """
        separator = self.sources.excerpt_separator if self.sources is not None else None
        if separator and separator not in markdown:
            markdown = insert_excerpt_separator(markdown, separator)
            page.markdown = markdown
        if "description" in post.derived:  # for <meta name="description"> and link previews
            page.meta["description"] = Markup(escape(post.description, quote=True))
        return markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        post = self.post_for(page)
        if post is not None:
            if post.is_newsletter:
                self.email_html[post.url] = html
            html = strip_channel(html, "email-only")
            self.html_by_url[post.url] = html
            excerpt = getattr(page, "excerpt", None)
            separator = self.sources.excerpt_separator if self.sources else None
            if excerpt is not None and separator and self.patches.allows("blog-short-excerpts"):
                blog_patches.shorten_excerpt(excerpt, separator)
            if excerpt is not None and not self.config.raw_html:
                clean_excerpt(excerpt)
            if excerpt is not None and self.render_cache is not None:
                self.render_cache.wrap_excerpt(excerpt)  # keeps the cleaned excerpt
        if not self.config.raw_html:
            html = clean_page(page, html, self.memos.get("clean"))
        if post is not None:
            return self.preview_notice(post, page) + html
        own_feeds = self.page_feeds(page)
        if own_feeds is not None and self.feed_settings is not None:
            rss = own_feeds[0]
            href = "../" * page.url.count("/") + rss.href.removeprefix(self.feed_settings.site_url)
            html = (
                f'<p class="bulletin-subscribe"><a href="{href}" type="{rss.type}">'
                f"Subscribe to {escape(rss.title.removesuffix(' (RSS)'))} by RSS</a></p>\n" + html
            )
        return html

    def preview_notice(self, post: Post, page: Page) -> str:
        """In `mkdocs serve`, say what readers will not see yet, and link the email preview."""
        if self.command == "build" or self.site is None:
            return ""
        notes = []
        if post.draft:
            notes.append(
                "<strong>Draft</strong>: not published until you delete <code>draft: true</code>."
            )
        elif not self.site.is_live(post):
            when = format_date(post.date, format="long", locale="en_GB")
            notes.append(
                f"<strong>Scheduled</strong>: published by the first build on or after {when}."
            )
        if post.is_newsletter:
            href = "../" * page.url.count("/") + f"email/{post.slug}/"
            notes.append(
                f'<a href="{href}">Preview the email</a> at desktop and phone width, with its plain text.'
            )
        if not notes:
            return ""
        items = " ".join(f"<span>{note}</span>" for note in notes)
        return f'<p class="bulletin-preview" role="note">{items}</p>\n'

    def page_feeds(self, page: Page) -> list[feeds.FeedLink] | None:
        """The feeds a blog, category or author page announces: its own, or the site's."""
        if self.feed_settings is None:
            return None
        parts = page.url.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "category" and parts[1] in self.categories:
            return feeds.feed_links(self.feed_settings, category=self.categories[parts[1]])
        if len(parts) == 2 and parts[0] == "author" and self.site and parts[1] in self.site.authors:
            name = self.site.authors[parts[1]].name
            return feeds.feed_links(self.feed_settings, author=parts[1], author_name=name)
        if page.is_homepage:
            return feeds.feed_links(self.feed_settings)
        return None

    def _add_feed_links(
        self, context: dict[str, Any], *, page: Page, config: MkDocsConfig, nav: Any
    ) -> dict[str, Any]:
        self.progress.step()
        post = self.post_for(page)
        context["bulletin_nav_key"] = f"post:{context.get('base_url', '')}" if post else ""
        if self.feed_settings is not None:
            links = feeds.feed_links(self.feed_settings)
            own = self.page_feeds(page)
            if own and own[0].href != links[0].href:
                links += own
            context["feed_links"] = links
        return context

    @event_priority(-200)  # last: after Material's blog has put a list page's excerpts in
    def _reuse_page(
        self, context: dict[str, Any], *, page: Page, config: MkDocsConfig, nav: Any
    ) -> dict[str, Any]:
        if self.page_cache is not None:
            self.page_cache.lookup(context, page.url, page.file.dest_uri, config, self.files)
        return context

    on_page_context = CombinedEvent(_add_feed_links, _reuse_page)

    @event_priority(100)  # first: keep the template's own output
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if self.page_cache is not None:
            self.page_cache.store(output, page.url)
        return output

    @event_priority(-200)
    def on_template_context(
        self, context: dict[str, Any], *, template_name: str, config: MkDocsConfig
    ) -> dict[str, Any]:
        if self.page_cache is not None and template_name == "404.html":  # the whole navigation
            name = f"template:{template_name}"
            self.page_cache.lookup(context, name, template_name, config, self.files)
        return context

    @event_priority(100)
    def on_post_template(
        self, output_content: str, *, template_name: str, config: MkDocsConfig
    ) -> str:
        if self.page_cache is not None:
            self.page_cache.store(output_content, f"template:{template_name}")
        return output_content

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        env.globals["bulletin_nav_cache"] = {}  # navigation HTML shared by posts, this build
        self.site_files = files
        self.progress.total = sum(1 for file in files if file.page is not None)
        env.globals["organisation"] = self.config.organisation
        if self.site is not None and self.feed_settings is not None:
            env.globals.update(
                subscribing.template_globals(
                    self.config, self.site, self.feed_settings, config.extra
                )
            )
        if self.patches.allows("blog-view-index"):
            blog_patches.index_blog_views(blog_plugin(config))
        if self.page_cache is not None:
            self.files = files
            self.page_cache.start_build()
            env.template_class = CachedTemplate
            env.bytecode_cache = self.page_cache.bytecode
        return env

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        assert self.sources is not None
        if self.sources.newsletters_dir.is_dir():
            server.watch(str(self.sources.newsletters_dir))
        if self.patches.allows("serve-native-watch"):
            serve_patches.watch_natively(server)
        if self.config.editor.enabled:
            local_backend.serve_local_backend(server, self.sources)
        return server

    @event_priority(-100)  # last, after search and blog have written their files
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.site is not None and self.feed_settings is not None
        self.progress.finish()
        started = time.perf_counter()
        self.picture_sizes = self.write_pictures(config)
        self.timings["pictures"] = time.perf_counter() - started
        started = time.perf_counter()
        written = feeds.render_feeds(
            self.site,
            self.html_by_url,
            self.feed_settings,
            self.site.now or datetime.now(LONDON),
            memo=self.memos.get("feed items"),
        )
        write_files(Path(config.site_dir), written)
        site_dir = Path(config.site_dir)
        if self.patches.allows("material-sitemap-fetch"):
            theme_patches.patch_alternate_fetch(site_dir)
        subscribing.write_favicon(site_dir, self.config.feeds.logo)
        self.timings["feeds"] = time.perf_counter() - started
        log.info("Wrote %d feed files in %.2f s", len(written), self.timings["feeds"])
        started = time.perf_counter()
        count = self.write_emails(config)
        self.timings["emails"] = time.perf_counter() - started
        log.info("Rendered %d newsletter emails in %.2f s", count, self.timings["emails"])
        if self.render_cache is not None:
            if self.command == "serve":  # kept in memory; written when the preview stops
                self.kept_render_cache = self.render_cache
            else:
                self.render_cache.save()
            self.render_cache = None
        if self.page_cache is not None:
            log.info(
                "Reused %d of %d finished pages",
                self.page_cache.hits,
                self.page_cache.hits + self.page_cache.misses,
            )
            self.page_cache.finish_build()
        for memo in self.memos.values():
            memo.next_build()
            if isinstance(memo, StoredMemo):
                memo.save()
        if self.command == "serve" and self.patches.allows("serve-gc"):
            serve_patches.collect_soon()
        for line in self.patches.report():  # `bulletin build -v` / `mkdocs build -v`
            log.debug("bulletin: %s", line)
        timings_file = os.environ.get("BULLETIN_TIMINGS")
        if timings_file:
            timings = Path(timings_file)
            write_file(timings.parent, timings.name, json.dumps(self.timings, indent=2).encode())
        if self.staging is not None:
            try:
                self.staging.publish()
            except publish.ForeignOutput as error:
                raise PluginError(str(error)) from None
            log.info("Published to %s", self.staging.output)
            self.staging = None
            if self.page_cache is not None and isinstance(self.page_cache.outputs, BuiltPages):
                self.page_cache.outputs.save()  # the pages just published, for the next build

    def write_pictures(self, config: MkDocsConfig) -> dict[str, tuple[int, int]]:
        """Replace the site's copy of each picture by one scaled down and without metadata.

        The originals in the docs folder stay as they are. Returns each picture's size, by
        its dest_uri, for the emails' width and height attributes.
        """
        sizes: dict[str, tuple[int, int]] = {}
        written: dict[str, bytes] = {}
        site_dir = Path(config.site_dir)  # already inside the staging folder
        memo = self.memos.get("pictures")
        for file in self.site_files.media_files() if self.site_files is not None else ():
            if not file.dest_uri.lower().endswith(pictures.SUFFIXES) or not file.abs_src_path:
                continue
            if not (site_dir / file.dest_uri).is_file():  # not published (excluded)
                continue
            data = Path(file.abs_src_path).read_bytes()
            key = hashlib.blake2b(data, digest_size=20).digest()
            result = memo.get(key) if memo is not None else None
            if result is None:
                try:
                    result = pictures.render_picture(data)
                except pictures.PictureError as error:
                    log.warning("bulletin: %s: %s; published as it is", file.src_uri, error)
                    continue
                if memo is not None:
                    memo.put(key, result)
            published, width, height = result
            sizes[file.dest_uri] = (width, height)
            if published != data:
                written[file.dest_uri] = published
        write_files(site_dir, written)
        return sizes

    def image_sizes(self, post: Post, html: str) -> dict[str, tuple[int, int]]:
        """The size of each picture of the site that the issue shows, by its src, and the logo's."""
        base = "https://site.invalid/"  # resolve page-relative URLs without the real host
        page = urljoin(base, post.url)
        sizes = {}
        for match in IMG_SRC.finditer(html):
            src = unescape(match[1] if match[1] is not None else match[2])
            target = urlsplit(urljoin(page, src.strip()))
            if f"{target.scheme}://{target.netloc}/" == base:
                size = self.picture_sizes.get(unquote(target.path.removeprefix("/")))
                if size is not None:
                    sizes[src] = size
        logo = self.picture_sizes.get(self.config.email.logo)
        if logo is not None and self.email_settings is not None:
            sizes[self.email_settings.logo_url] = logo
        return sizes

    def write_emails(self, config: MkDocsConfig) -> int:
        """Render each newsletter issue of this run (see email_issues) as HTML, text and .eml."""
        assert self.site is not None and self.email_settings is not None
        if self.email_dir is not None:
            folder = self.email_dir
        elif self.staging is not None:
            folder = self.staging.folder / "email"
        elif self.command == "serve":  # inside the preview site, at /email/<slug>.html
            folder = Path(config.site_dir) / "email"
        else:  # a site built elsewhere (`mkdocs build -d`, gh-deploy): emails checked, not published
            folder = None
        problems = []
        count = 0
        environment = newsletter.make_environment()
        for post in self.email_issues():
            try:
                files = self.email_files(post, environment)
            except ContentError as error:
                problems.extend(error.problems)
                continue
            if folder is not None:
                write_files(folder, files)
            count += 1
        if problems:
            raise PluginError(ContentError(problems).report())
        return count

    def email_issues(self) -> list[Post]:
        """The issues whose email this run makes: the published ones, for the output.

        `bulletin serve` previews the email of every issue it shows, drafts and scheduled
        ones included, and `bulletin email <slug>` renders that one issue whatever its state.
        """
        assert self.site is not None
        if self.email_only is None and self.command != "serve":
            return list(self.site.newsletters)
        return [
            post
            for post in self.site.posts
            if post.is_newsletter
            and post.url in self.email_html  # the page was rendered (Material shows drafts)
            and (self.email_only is None or post.slug == self.email_only)
        ]

    def email_files(self, post: Post, environment: Any) -> dict[str, bytes]:
        """One issue's email files, rendered again only when their inputs changed (the
        memo: in memory under `bulletin serve`, in the cache folder for `bulletin build`).

        A reused email logs the warnings its rendering logged, as a fresh one would.
        """
        assert self.site is not None and self.email_settings is not None
        html = self.email_html[post.url]
        serving = self.command == "serve"
        sizes = self.image_sizes(post, html)
        memo = self.memos.get("email")
        key = None
        if memo is not None:
            inputs = (post, self.email_settings, self.site.authors, self.site.glossary, sizes)
            try:
                key = digest("email", str(serving), html, stable_repr(inputs))
            except Undescribable:
                key = None
        kept = memo.get(key) if memo is not None and key is not None else None
        if kept is not None:
            for warning in kept["warnings"]:
                log.warning(warning)
            return {name: data.encode("latin-1") for name, data in kept["files"].items()}
        email = newsletter.render_email(
            post,
            html,
            self.email_settings,
            self.site.authors,
            web_url=self.email_settings.site_url + post.url,
            environment=environment,
            glossary=self.site.glossary,
            image_sizes=sizes,
        )
        for warning in email.warnings:
            log.warning(warning)
        files = {
            f"{post.slug}.html": email.html.encode("utf-8"),
            f"{post.slug}.txt": email.text.encode("utf-8"),
            f"{post.slug}.eml": email.eml,
        }
        if serving:
            files[f"{post.slug}/index.html"] = render_preview(post, email).encode("utf-8")
            # The frames show the email with the preview's own addresses, so the logo and
            # pictures load before they are published; the .html and .eml keep site_url's.
            local = email.html.replace(self.email_settings.site_url, "../../")
            files[f"{post.slug}/email.html"] = local.encode("utf-8")
        if memo is not None and key is not None:  # bytes as latin-1 text: JSON keeps them
            stored = {name: data.decode("latin-1") for name, data in files.items()}
            memo.put(key, {"files": stored, "warnings": list(email.warnings)})
        return files

    def on_build_error(self, *, error: Exception) -> None:
        if self.staging is not None:
            self.staging.abandon()
            self.staging = None

    def on_shutdown(self) -> None:
        if self.kept_render_cache is not None:
            self.kept_render_cache.save()
            self.kept_render_cache = None
        if self.staging is not None:
            self.staging.abandon()
            self.staging = None

    def post_for(self, page: Page) -> Post | None:
        return self.posts_by_uri.get(page.file.src_uri)


IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc=(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


class Progress:
    """A one-line page counter on a terminal, once rendering takes more than two seconds."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.shown = 0.0
        self.stream = sys.stderr
        self.enabled = self.stream.isatty() and log.isEnabledFor(logging.INFO)

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and now - self.started > 2 and now - self.shown > 0.2:
            self.shown = now
            width = 30
            filled = width * self.done // max(self.total, self.done)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(
                f"\rRendering pages [{bar}] {self.done:,}/{max(self.total, self.done):,}"
            )
            self.stream.flush()

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()
        if self.done:
            log.info("Rendered %d pages in %.1f s", self.done, time.monotonic() - self.started)


def render_preview(post: Post, email: newsletter.Email) -> str:
    """The `mkdocs serve` page showing an issue's email at two widths beside its plain text."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(
        loader=PackageLoader("bulletin", "templates"), autoescape=True, undefined=StrictUndefined
    )
    return environment.get_template("preview.html.j2").render(post=post, email=email)


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write generated files (path relative to ``folder`` -> bytes), none outside ``folder``."""
    try:
        for relative, data in sorted(files.items()):
            write_file(folder, relative, data)
    except UnsafePath as error:
        raise PluginError(f"bulletin: {error}") from None


def failed_build_report(site: Site | None, sources: SiteSources, problems: list[Problem]) -> str:
    """Why the build stopped: the validation problems and, in the same list, the errors
    `bulletin check` would add (broken links, images without a description...) for ``site``,
    so one run names everything to mend. Only on failure: the rules scan every page."""
    from bulletin.authoring.checks import ERROR, ERROR_RULES, check_site

    found = list(problems)
    if site is not None:
        found += [
            Problem(item.path, item.line, item.rule, item.message)
            for item in check_site(site, sources, rules=ERROR_RULES)
            if item.severity == ERROR
        ]
    return ContentError(found).report()


def newest_publication(site: Site) -> datetime | None:
    """When the published site last changed: its newest post, or correction, not in the future.

    Drafts and scheduled posts are left out: a sitemap dated by them would tell search
    engines that every page changed on a day that has not come, or for a post nobody sees.
    """
    moments = [
        moment
        for post in site.published
        for moment in (post.date, post.updated)
        if moment is not None and (site.now is None or moment <= site.now)
    ]
    return max(moments, default=None)

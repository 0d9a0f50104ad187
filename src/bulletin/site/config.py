"""bulletin's settings: the schema of `bulletin:` in mkdocs.yml and what is read from it.

MkDocs validates the schema when it loads mkdocs.yml, so a wrong type or an unknown
choice is refused with its key before anything runs. The functions below turn the loaded
MkDocs config into bulletin's own settings (``SiteSources``, ``FeedSettings``,
``EmailSettings``) and refuse, with mkdocs.yml's line, what the schema cannot express.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from bulletin import avatars, yamlsafe
from bulletin.blocks import configured_blocks
from bulletin.errors import ContentError, Problem
from bulletin.model import LONDON, SiteSources
from bulletin.outputs import feeds, publish
from bulletin.outputs.email import newsletter
from bulletin.outputs.email.newsletter import SERVICES
from bulletin.project import DEFAULTS, make_sources
from bulletin.site.subscribing import FORM_SERVICES
from bulletin.sources import is_one_line


class OrganisationConfig(base.Config):
    """Who publishes: shown in the footer, the emails and the accessibility statement."""

    name = c.Type(str)
    short_name = c.Type(str, default="")
    address = c.Type(str, default="")
    email = c.Type(str, default="")
    phone = c.Type(str, default="")


class FeedsConfig(base.Config):
    """RSS, Atom and JSON Feed settings."""

    limit = c.Type(int, default=20)  # items per feed, newest first
    logo = c.Type(str, default="assets/logo.png")  # PNG, GIF or JPEG, at most 144 px wide


class EmailConfig(base.Config):
    """How newsletter issues go out by email (see newsletter.EmailSettings)."""

    from_name = c.Type(str, default="")
    from_address = c.Type(str, default="")
    list_id = c.Type(str, default="")
    reply_to = c.Type(str, default="")
    contributions_email = c.Type(str, default="")
    unsubscribe_url = c.URL(default="")
    unsubscribe_mailto = c.Type(str, default="")
    service = c.Choice(tuple(SERVICES), default="plain")
    logo = c.Type(str, default="assets/logo.png")  # PNG or JPEG inside the site
    brand_colour = c.Type(str, default="#1d4f91")
    x_unsent = c.Type(bool, default=False)
    size_limit = c.Type(int, default=100 * 1024)
    size_warning = c.Type(int, default=90 * 1024)


class SubscribeConfig(base.Config):
    """The Subscribe page's sign-up form (see subscribing.FORM_SERVICES for each service)."""

    # listmonk, mailchimp, buttondown or campaign-monitor; unset: email.service's, if it has one
    service = c.Optional(c.Choice(tuple(FORM_SERVICES)))
    action = c.Optional(c.URL())  # the service's hosted subscription endpoint (the form's action)
    lists = c.ListOfItems(c.Type(str), default=[])  # listmonk: the UUID of each public list
    manage_url = c.Optional(c.URL())  # where a subscriber changes or leaves, on the service's site


class PrivacyConfig(base.Config):
    """The facts of the privacy notice (overrides/privacy.html); organisation fills the gaps."""

    controller = c.Type(str, default="")  # who decides what happens to the data: organisation.name
    contact = c.Type(str, default="")  # where to ask about it: organisation.email
    dpo = c.Type(str, default="")  # the Data Protection Officer, and how to reach them
    ico_registration = c.Type(str, default="")  # the ICO's registration number, e.g. ZA123456
    lawful_basis = c.Choice(("consent", "legitimate-interests", "public-task"), default="consent")
    processor = c.Type(str, default="")  # who runs the email service for you
    processor_location = c.Type(str, default="")  # where it keeps the data; outside the UK, how
    retention = c.Type(str, default="")  # how long you keep an address, and the consent record
    tracks_opens = c.Type(bool, default=False)  # the service records opens and clicks
    updated = c.Optional(c.Type(date))  # the day the notice last changed: 2024-11-25


class EditorConfig(base.Config):
    """The browser editor at /admin/ (Decap CMS; see editor.py and docs/editing.md)."""

    enabled = c.Type(bool, default=False)  # needs `npm ci --prefix editor` before a build
    backend = c.Choice(("github", "gitlab", "gitea", "git-gateway"), default="github")
    repo = c.Type(str, default="")  # owner/name on the backend; not for git-gateway
    branch = c.Type(str, default="main")  # what the live site is built from
    base_url = c.Type(str, default="")  # the OAuth server, e.g. https://auth.example.org
    auth_endpoint = c.Type(str, default="")  # its path, when not the backend's default
    api_root = c.Type(
        str, default=""
    )  # a self-hosted GitLab or Gitea, e.g. https://git.example.org/api/v1
    app_id = c.Type(str, default="")  # the OAuth application's id (GitLab and Gitea, PKCE)
    editorial_workflow = c.Type(bool, default=True)  # each post a reviewed pull request
    # Decap CMS's script, inside the editor's npm folder (relative to mkdocs.yml).
    script = c.Type(str, default="editor/node_modules/decap-cms/dist/decap-cms.js")


class BulletinConfig(base.Config):
    """The `bulletin:` plugin settings in mkdocs.yml, refused at load with their key."""

    newsletters_dir = c.Type(str, default=DEFAULTS["newsletters_dir"])
    default_author = c.Type(str, default=DEFAULTS["default_author"])  # for `bulletin new`
    fees_file = c.Type(str, default=DEFAULTS["fees_file"])  # inside docs_dir
    # Rendered pages kept between builds; "" for none.
    cache_dir = c.Type(str, default=DEFAULTS["cache_dir"])
    # false: none of the speed-ups of bulletin.site.patches (the same bytes, more time)
    speedups = c.Type(bool, default=DEFAULTS["speedups"])
    # Raw HTML in Markdown on the website (never in email).
    raw_html = c.Type(bool, default=DEFAULTS["raw_html"])
    # A larger Markdown file is refused.
    max_post_bytes = c.Type(int, default=DEFAULTS["max_post_bytes"])
    glossary_file = c.Type(str, default=DEFAULTS["glossary_file"])  # inside docs_dir; optional
    # What every post must give rather than have derived from its opening (see summary.py).
    require = c.ListOfItems(c.Choice(("description", "excerpt")), default=DEFAULTS["require"])
    output_dir = c.Type(str, default=DEFAULTS["output_dir"])
    # The circle of the initials picture of an author without an avatar; "" for brand_colour.
    avatar_colour = c.Type(str, default=DEFAULTS["avatar_colour"])
    organisation = c.SubConfig(OrganisationConfig)
    feeds = c.SubConfig(FeedsConfig)
    email = c.SubConfig(EmailConfig)
    subscribe = c.SubConfig(SubscribeConfig)
    privacy = c.SubConfig(PrivacyConfig)
    editor = c.SubConfig(EditorConfig)


def check_places(
    config: MkDocsConfig, options: BulletinConfig, sources: SiteSources, command: str | None
) -> None:
    """Refuse, before anything is written, an output_dir or site_dir not of bulletin's own.

    A build replaces output_dir as a whole: set to the project folder, its parent or the
    sources, it would delete them. The site must be inside it to be published atomically.
    """
    config_file = Path(config.config_file_path)
    shown = config_file.name
    tree = yamlsafe.read_settings(config_file)

    def line_of(*keys: str) -> int:
        return yamlsafe.setting_line(tree, *keys)

    root = sources.root
    output = (root / options.output_dir).resolve()
    places = {
        "docs_dir": sources.docs_dir,
        "newsletters_dir": sources.newsletters_dir,
        "the Git repository": root / ".git",
    }
    if config.theme.custom_dir:
        places["theme.custom_dir"] = Path(config.theme.custom_dir).resolve()
    problems = []
    why = publish.output_dir_problem(output, root, places)
    if why:
        problems.append(
            Problem(
                shown,
                line_of("plugins", "bulletin", "output_dir"),
                "bulletin.output_dir",
                f"{options.output_dir!r} {why}; bulletin replaces this folder at every build, "
                "so give it a folder of its own, e.g. output_dir: build",
            )
        )
    else:
        site_dir = written_site_dir(config, tree, command)
        site = (root / site_dir).resolve() if site_dir is not None else None
        if site is not None and (site == output or not site.is_relative_to(output)):
            where = "is" if site == output else "is not inside"
            problems.append(
                Problem(
                    shown,
                    line_of("site_dir"),
                    "site_dir",
                    f"{site_dir!r} {where} bulletin.output_dir ({options.output_dir!r}), so the "
                    "site and the emails beside it could not be published in one atomic swap; "
                    "give the site a folder inside output_dir, e.g. site_dir: "
                    + Path(options.output_dir, "site").as_posix(),
                )
            )
    if options.cache_dir and not (root / options.cache_dir).resolve().is_relative_to(root):
        problems.append(
            Problem(
                shown,
                line_of("plugins", "bulletin", "cache_dir"),
                "bulletin.cache_dir",
                f"{options.cache_dir!r} is outside the project folder; keep the cache inside "
                "it, e.g. cache_dir: .bulletin-cache",
            )
        )
    if problems:
        raise PluginError(ContentError(problems).report())


def written_site_dir(config: MkDocsConfig, tree: Any, command: str | None) -> str | None:
    """site_dir as mkdocs.yml gives it: `mkdocs serve` and `bulletin email` build elsewhere.

    None where it cannot be known (set through a tag or an inherited file, and overridden).
    """
    found = yamlsafe.find_setting(tree, "site_dir")
    if found is None and yamlsafe.find_setting(tree, "INHERIT") is None:
        return "site"  # MkDocs' default
    if found is not None and found[1].tag == "tag:yaml.org,2002:str":
        return str(found[1].value)
    return None if command in ("serve", "email") else config.site_dir


def feed_settings(config: MkDocsConfig, options: BulletinConfig) -> feeds.FeedSettings:
    site_url = config.site_url or ""
    if not site_url:
        raise PluginError(
            "mkdocs.yml: site_url: give the site's address, e.g. https://news.example.org/"
        )
    site_url = site_url if site_url.endswith("/") else site_url + "/"
    try:
        return feeds.FeedSettings(
            site_url=site_url,
            title=config.site_name,
            description=config.site_description or config.site_name,
            logo_url=site_url + options.feeds.logo,
            limit=options.feeds.limit,
            organisation=options.organisation.name,
            email=options.organisation.email,
        )
    except ValueError as error:
        raise PluginError(f"mkdocs.yml: {error}") from None


def public_site_url(config: MkDocsConfig, command: str | None) -> str:
    """The site's published address; `mkdocs serve` swaps site_url for its own local one."""
    site_url = config.site_url or ""
    if command == "serve" and config.config_file_path:
        from mkdocs.utils.yaml import yaml_load

        with open(config.config_file_path, encoding="utf-8") as file:
            site_url = (yaml_load(file) or {}).get("site_url") or site_url
    return site_url if site_url.endswith("/") else site_url + "/"


def email_settings(site_url: str, options: BulletinConfig) -> newsletter.EmailSettings:
    email, organisation = options.email, options.organisation
    try:
        return newsletter.EmailSettings(
            from_name=email.from_name or organisation.short_name or organisation.name,
            from_address=email.from_address or organisation.email,
            list_id=email.list_id,
            organisation=organisation.name,
            address=organisation.address,
            email=organisation.email,
            phone=organisation.phone,
            site_url=site_url,
            reply_to=email.reply_to,
            contributions_email=email.contributions_email,
            unsubscribe_url=email.unsubscribe_url,
            unsubscribe_mailto=email.unsubscribe_mailto,
            service=email.service,
            logo_url=site_url + email.logo if email.logo else "",
            brand_colour=email.brand_colour,
            x_unsent=email.x_unsent,
            size_limit=email.size_limit,
            size_warning=email.size_warning,
        )
    except ValueError as error:
        raise PluginError(f"mkdocs.yml: bulletin: email: {error}") from None


def avatar_colour(config: MkDocsConfig, options: BulletinConfig) -> str:
    """The colour of generated avatars: avatar_colour, or else the email's brand_colour."""
    keys = ("avatar_colour",) if options.avatar_colour else ("email", "brand_colour")
    colour = options.avatar_colour or options.email.brand_colour
    try:
        avatars.parse_colour(colour)
    except ValueError as error:
        config_file = Path(config.config_file_path)
        tree = yamlsafe.read_settings(config_file)
        line = yamlsafe.setting_line(tree, "plugins", "bulletin", *keys)
        problem = Problem(config_file.name, line, ".".join(("bulletin", *keys)), str(error))
        raise PluginError(ContentError([problem]).report()) from None
    return colour


def check_settings(config: MkDocsConfig, options: BulletinConfig) -> None:
    """Refuse a text setting holding a line break or a control character, naming its line.

    The settings become email headers (a line break in from_name would add headers of its
    own), feed elements (XML cannot carry control characters) and the pages' text.
    """
    config_file = Path(config.config_file_path)
    tree = yamlsafe.read_settings(config_file)
    settings = [
        (("site_name",), config.site_name),
        (("site_description",), config.site_description),
    ]
    settings += _text_settings(options, ("plugins", "bulletin"))
    problems: list[Problem] = []
    for keys, value in settings:
        if isinstance(value, str):
            if keys[-2:] == ("organisation", "address"):  # a postal address may take lines
                value = value.replace("\n", " ")
            name = ".".join(keys[1:] if keys[0] == "plugins" else keys)
            line = yamlsafe.setting_line(tree, *keys)
            is_one_line(value, name, config_file.name, line, problems)
    if problems:
        raise PluginError(ContentError(problems).report())


def _text_settings(options: Any, keys: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    found = []
    for name, value in options.items():
        if isinstance(value, base.Config):
            found += _text_settings(value, (*keys, name))
        else:
            found.append(((*keys, name), value))
    return found


def publication_time(as_of: date | None = None) -> datetime:
    """The end of ``as_of`` in London (`bulletin build --as-of`), or else of the day in
    BULLETIN_NOW (YYYY-MM-DD, for plain `mkdocs build`), or else now."""
    if as_of is not None:
        return datetime(as_of.year, as_of.month, as_of.day, 23, 59, 59, tzinfo=LONDON)
    given = os.environ.get("BULLETIN_NOW")
    if given:
        try:
            day = date.fromisoformat(given)
        except ValueError as error:
            raise PluginError(
                f"BULLETIN_NOW: {given!r} is not a date like 2024-03-08 ({error})"
            ) from None
        return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=LONDON)
    return datetime.now(LONDON)


def sources_from_config(config: MkDocsConfig, options: BulletinConfig) -> SiteSources:
    """Where the sources are, read from mkdocs.yml and the blog plugin's settings."""
    return make_sources(
        Path(config.config_file_path).parent.resolve(),
        Path(config.docs_dir).resolve(),
        options,
        blog_plugin(config).config,
        configured_blocks(config.markdown_extensions, config.mdx_configs),
    )


def blog_plugin(config: MkDocsConfig) -> Any:
    for plugin in config.plugins.values():
        if type(plugin).__module__.startswith("material.plugins.blog"):
            return plugin
    raise PluginError(
        "bulletin needs Material's blog plugin: add '- blog' under 'plugins:' in mkdocs.yml"
    )


def editor_files(
    config: MkDocsConfig,
    options: BulletinConfig,
    sources: SiteSources,
    site: Any,
    files: Any,
    command: str | None,
) -> dict[str, bytes | Path]:
    """The files of the browser editor at /admin/, from mkdocs.yml and the content."""
    from bulletin.site import editor, local_backend

    settings = options.editor
    theme_css = [
        file.src_uri
        for file in files
        if file.src_uri.startswith("assets/stylesheets/") and file.src_uri.endswith(".min.css")
    ]
    editor_site = editor.EditorSite(
        site_name=config.site_name,
        site_url=public_site_url(config, command),
        logo=str(config.theme.get("logo") or ""),
        stylesheets=editor.preview_stylesheets(theme_css, [str(css) for css in config.extra_css]),
        sources=sources,
        site=site,
    )
    local_api = None
    if command == "serve":
        host, port = config.dev_addr.host, config.dev_addr.port
        if local_backend.is_loopback(host):  # else serve leaves the local backend off
            local_api = local_backend.local_api_url(host, port)
    try:
        return editor.render_admin(
            editor.EditorSettings(
                backend=settings.backend,
                repo=settings.repo,
                branch=settings.branch,
                base_url=settings.base_url,
                auth_endpoint=settings.auth_endpoint,
                api_root=settings.api_root,
                app_id=settings.app_id,
                editorial_workflow=settings.editorial_workflow,
                script=settings.script,
            ),
            editor_site,
            local_api,
        )
    except editor.EditorError as error:
        raise PluginError(str(error)) from None

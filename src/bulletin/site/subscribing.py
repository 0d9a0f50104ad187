"""Subscribing and leaving: the sign-up form, the feeds offered, the privacy notice's facts.

The Subscribe page (overrides/subscribe.html) posts its form straight to the email service's
hosted subscription endpoint, so the confirmation email and the consent record stay with the
service and the site runs no script of anyone else's. Each service expects its own field
names (``FORM_SERVICES``). The privacy and unsubscribe pages are written from the same
settings. ``check_unsubscribe_page`` stops a build whose unsubscribe address is a page of
this site that the build does not make.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError

from bulletin import yamlsafe
from bulletin.errors import ContentError, Problem
from bulletin.model import Site
from bulletin.outputs import feeds, pictures
from bulletin.outputs.email.newsletter import SERVICES
from bulletin.writing import write_file

__all__ = [
    "FORM_SERVICES",
    "FeedGroup",
    "FormService",
    "SignupForm",
    "check_leaving",
    "check_signup",
    "check_signup_settings",
    "check_unsubscribe_page",
    "signup_form",
    "stop_on",
    "template_globals",
    "write_favicon",
]


@dataclass(frozen=True, slots=True)
class FormService:
    """How one email service's hosted sign-up form is posted: its field names."""

    label: str  # as the service calls itself
    email_field: str
    name_field: str  # "" where the service's form takes no name
    list_field: str = ""  # listmonk: one hidden field per list UUID
    hidden: tuple[tuple[str, str], ...] = ()  # fixed fields the endpoint expects
    needs_lists: bool = False
    example: str = ""  # an endpoint as the service gives it, for error messages


FORM_SERVICES = {
    # Settings > Public subscription form; each list must be public (UUIDs in Lists).
    "listmonk": FormService(
        "listmonk",
        "email",
        "name",
        list_field="l",
        hidden=(("nonce", ""),),
        needs_lists=True,
        example="https://lists.example.org/subscription/form",
    ),
    # Audience > Signup forms > Embedded form: the form's action, with its u= and id=.
    "mailchimp": FormService(
        "Mailchimp",
        "EMAIL",
        "FNAME",
        example="https://example.us1.list-manage.com/subscribe/post?u=…&id=…",
    ),
    # Settings > Embedding: the form's action, ending with the newsletter's username.
    "buttondown": FormService(
        "Buttondown",
        "email",
        "",
        hidden=(("embed", "1"),),
        example="https://buttondown.com/api/emails/embed-subscribe/example",
    ),
    # Lists > Signup forms > Copy/paste form: the action; the email field is cm-<id>-<id>.
    "campaign-monitor": FormService(
        "Campaign Monitor",
        "cm-{id}-{id}",
        "cm-name",
        example="https://example.createsend.com/t/d/s/abcdef/",
    ),
}

log = logging.getLogger("mkdocs.plugins.bulletin")

CAMPAIGN_MONITOR_ID = re.compile(r"/t/[a-z]/s/([A-Za-z0-9]+)/?$")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class SignupForm:
    """The Subscribe page's form, ready for the template."""

    service: str  # a key of FORM_SERVICES
    label: str
    action: str
    email_field: str
    name_field: str
    hidden: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FeedGroup:
    """The feeds of the whole site or of one series, as the Subscribe page lists them."""

    title: str
    about: str
    page: str  # the site's page the feeds follow, relative to the site root
    links: tuple[tuple[str, str, str], ...]  # (label, path inside the site, absolute address)


def form_service(options: Any) -> str | None:
    """The service the form posts to: subscribe.service, or else email.service if it has one."""
    chosen = options.subscribe.service or options.email.service
    return chosen if chosen in FORM_SERVICES else None


def signup_form(options: Any) -> SignupForm | None:
    """The form to show, or None when no service or endpoint is configured."""
    service = form_service(options)
    action = options.subscribe.action
    if service is None or not action:
        return None
    preset = FORM_SERVICES[service]
    email_field = preset.email_field
    found = CAMPAIGN_MONITOR_ID.search(urlsplit(action).path)
    if "{id}" in email_field:
        email_field = email_field.format(id=found[1] if found else "")
    hidden = tuple(preset.hidden) + tuple(
        (preset.list_field, uuid) for uuid in options.subscribe.lists if preset.list_field
    )
    return SignupForm(service, preset.label, action, email_field, preset.name_field, hidden)


def check_signup_settings(config_file: Path, options: Any) -> list[Problem]:
    """What the schema cannot say about subscribe: an endpoint of the wrong kind for its service."""
    subscribe = options.subscribe
    service = form_service(options)
    problems: list[Problem] = []
    if not subscribe.action:
        return problems
    tree = yamlsafe.read_settings(config_file)

    def problem(key: str, message: str) -> None:
        line = yamlsafe.setting_line(tree, "plugins", "bulletin", "subscribe", key)
        line = line or yamlsafe.setting_line(tree, "plugins", "bulletin", "subscribe")
        problems.append(Problem(config_file.name, line, f"bulletin.subscribe.{key}", message))

    parts = urlsplit(subscribe.action)
    if service is None:
        problem(
            "action",
            "give the email service the form posts to as subscribe.service: one of "
            + ", ".join(FORM_SERVICES),
        )
        return problems
    preset = FORM_SERVICES[service]
    if parts.scheme != "https" and parts.hostname not in LOCAL_HOSTS:
        problem(
            "action",
            f"expected an https:// address, so that email addresses travel "
            f"encrypted, e.g. {preset.example}; got {subscribe.action!r}",
        )
    if preset.needs_lists and not subscribe.lists:
        problem(
            "lists",
            f"{preset.label} needs the UUID of each public list the form signs "
            "up to, e.g. lists: [5f1d0e3a-8c2b-4d7e-9a41-0b6c3e2f7a10]",
        )
    if service == "campaign-monitor" and not CAMPAIGN_MONITOR_ID.search(parts.path):
        problem(
            "action",
            f"expected Campaign Monitor's form action, e.g. {preset.example}; "
            f"got {subscribe.action!r}",
        )
    return problems


def feed_groups(site: Site, settings: feeds.FeedSettings) -> list[FeedGroup]:
    """The site's feeds and each series' (category's), as feeds.render_feeds publishes them."""
    categories = sorted({name for post in site.published for name in post.categories})
    groups = [
        FeedGroup(
            "Everything",
            "Every blog post and newsletter, newest first.",
            "",
            _links(feeds.feed_links(settings), settings),
        )
    ]
    for name in categories:
        page = settings.category_url_format.format(slug=feeds.category_slug(name))
        groups.append(
            FeedGroup(
                name,
                f"Only the {name} series.",
                page,
                _links(feeds.feed_links(settings, category=name), settings),
            )
        )
    return groups


def _links(
    links: list[feeds.FeedLink], settings: feeds.FeedSettings
) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (link.label, link.href.removeprefix(settings.site_url), link.href) for link in links
    )


def template_globals(
    options: Any, site: Site, settings: feeds.FeedSettings, config_extra: Any
) -> dict[str, Any]:
    """What overrides/subscribe.html, privacy.html and unsubscribe.html read, as `subscribing`."""
    organisation, privacy = options.organisation, options.privacy
    service = form_service(options)
    preset = SERVICES.get(options.email.service)
    return {
        "subscribing": {
            "form": signup_form(options),
            "service": FORM_SERVICES[service].label if service else "",
            "feeds": feed_groups(site, settings),
            "manage_url": options.subscribe.manage_url or "",
            "unsubscribe_mailto": options.email.unsubscribe_mailto,
            "personal_unsubscribe": bool(preset and preset.personal_unsubscribe_url),
            "privacy": {
                "controller": privacy.controller or organisation.name,
                "contact": privacy.contact or organisation.email,
                "dpo": privacy.dpo,
                "ico_registration": privacy.ico_registration,
                "lawful_basis": privacy.lawful_basis,
                "processor": privacy.processor,
                "processor_location": privacy.processor_location,
                "retention": privacy.retention,
                "tracks_opens": privacy.tracks_opens,
                "updated": privacy.updated,
                "analytics": bool(config_extra.get("analytics")),
            },
        }
    }


def no_service_message(options: Any) -> str | None:
    """What to configure for the sign-up form, or None when it is configured."""
    if signup_form(options) is not None:
        return None
    return (
        "bulletin: the Subscribe page offers the feeds and an email address only: to add an "
        "email sign-up form, set subscribe.service (" + ", ".join(FORM_SERVICES) + ") and "
        "subscribe.action (the service's hosted subscription endpoint) under bulletin: in "
        "mkdocs.yml"
    )


def check_unsubscribe_page(
    config_file: Path, site_url: str, unsubscribe_url: str, page_urls: set[str]
) -> list[Problem]:
    """An unsubscribe_url on the site's own address must be a page this build makes."""
    if not unsubscribe_url or not site_url:
        return []
    site, wanted = urlsplit(site_url), urlsplit(unsubscribe_url)
    if (wanted.hostname or "").lower() != (site.hostname or "").lower():
        return []
    if not wanted.path.startswith(site.path):
        return []
    path = wanted.path.removeprefix(site.path)
    if path in page_urls or path.removesuffix("index.html") in page_urls:
        return []
    tree = yamlsafe.read_settings(config_file)
    return [
        Problem(
            config_file.name,
            yamlsafe.setting_line(tree, "plugins", "bulletin", "email", "unsubscribe_url"),
            "bulletin.email.unsubscribe_url",
            f"{unsubscribe_url!r} is on this site, but the build makes no page at "
            f"/{path}: add one (content/unsubscribe.md, with template: unsubscribe.html, "
            "makes /unsubscribe/) or give the email service's own unsubscribe address",
        )
    ]


def check_signup(config_file: Path, options: Any) -> None:
    """Stop on a sign-up setting the schema lets through; say what to set when there is none."""
    stop_on(check_signup_settings(config_file, options))
    message = no_service_message(options)
    if message:
        log.info(message)


def check_leaving(config_file: Path, site_url: str, options: Any, files: Any) -> None:
    """Stop when email.unsubscribe_url names a page of this site the build does not make."""
    page_urls = {file.url for file in files.documentation_pages()}
    url = options.email.unsubscribe_url
    stop_on(check_unsubscribe_page(config_file, site_url, url, page_urls))


def write_favicon(site_dir: Path, logo: str) -> None:
    """Browsers ask for /favicon.ico when they show a feed's XML: make one of the logo."""
    favicon = site_dir / "favicon.ico"
    source = site_dir / logo
    if favicon.exists() or source.suffix.lower() != ".png" or not source.is_file():
        return
    write_file(site_dir, favicon.name, pictures.render_favicon(source.read_bytes()))


def stop_on(problems: list[Problem]) -> None:
    """Stop the build, naming mkdocs.yml's lines, if there are ``problems``."""
    if problems:
        raise PluginError(ContentError(problems).report())

"""Subscribing and leaving: the sign-up form of each service, the privacy notice, the
unsubscribe page and headers, feeds a browser shows without XSLT, no request left unanswered.

The form tests build the sample with its form pointed at a recording server on 127.0.0.1,
fill it in Chromium (with and without JavaScript) and read what the server received.
"""

from __future__ import annotations

import email.policy
import functools
import os
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import yaml

from bulletin.outputs.email.newsletter import SERVICES
from bulletin.site.patches.theme import ALTERNATE_FETCH
from bulletin.site.subscribing import FORM_SERVICES
from conftest import ROOT, BuiltSite, copy_site, replace_in, run_bulletin
from emailkit import render_sample
from test_accessibility import AXE, BLOCKING, axe_violations, built_pages, page_file, parse_page

CONFIG_FIXTURES = Path(__file__).parent / "fixtures" / "config"
SAMPLE_ACTION = "action: https://lists.tasp.example.org/subscription/form"
SAMPLE_SERVICE = "service: listmonk\n"
LIST_UUID = "5f1d0e3a-8c2b-4d7e-9a41-0b6c3e2f7a10"
# Each service: the endpoint's path as the service gives it, and the fields it must receive.
PRESETS = {
    "listmonk": (
        "/subscription/form",
        {"email": "jo@example.org", "name": "Jo Patel", "l": LIST_UUID, "nonce": ""},
    ),
    "mailchimp": (
        "/subscribe/post?u=0123abcd&id=4567ef",
        {"EMAIL": "jo@example.org", "FNAME": "Jo Patel"},
    ),
    "buttondown": (
        "/api/emails/embed-subscribe/tasp",
        {"email": "jo@example.org", "embed": "1"},
    ),
    "campaign-monitor": (
        "/t/d/s/abcdef/",
        {"cm-abcdef-abcdef": "jo@example.org", "cm-name": "Jo Patel"},
    ),
}


# -- a recording endpoint and the sample built to post to it ------------------------------


class Endpoint:
    """What a service's hosted endpoint received: (path with query, form fields) per POST."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, list[str]]]] = []
        self.received = threading.Event()


def _endpoint_handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            endpoint.posts.append((self.path, parse_qs(body, keep_blank_values=True)))
            page = b"<!doctype html><html lang='en'><title>Check your email</title><p>Thanks</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            endpoint.received.set()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(server: ThreadingHTTPServer) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    recorded = Endpoint()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _endpoint_handler(recorded))
    address = _serve(server)
    yield recorded, address
    server.shutdown()


@pytest.fixture(scope="module")
def preset_sites(
    endpoint: tuple[Endpoint, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The sample built once per service, its form posting to the endpoint; served."""
    _, address = endpoint
    served: dict[str, str] = {}
    servers = []
    for service, (path, _) in PRESETS.items():
        root = copy_site(tmp_path_factory.mktemp(service) / "site")
        replace_in(root / "mkdocs.yml", SAMPLE_SERVICE, f"service: {service}\n")
        replace_in(root / "mkdocs.yml", SAMPLE_ACTION, f'action: "{address}{path}"')
        result = run_bulletin(root, "build")
        assert result.returncode == 0, result.stderr
        handler = functools.partial(_QuietHandler, directory=str(root / "build" / "site"))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        servers.append(server)
        served[service] = _serve(server) + "/"
    yield served
    for server in servers:
        server.shutdown()


def _submit(browser, site: str, endpoint: Endpoint, *, javascript: bool) -> tuple[str, dict]:
    endpoint.posts.clear()
    endpoint.received.clear()
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(urljoin(site, "subscribe/"))
        page.get_by_label("Email address").fill("jo@example.org")
        name = page.get_by_label("Your name (optional)")
        if name.count():
            name.fill("Jo Patel")
        with page.expect_navigation():
            page.locator("form.bulletin-signup").get_by_role("button", name="Subscribe").click()
        assert "Thanks" in page.content()
    finally:
        context.close()
    assert endpoint.received.wait(10), "the endpoint received nothing"
    assert len(endpoint.posts) == 1
    return endpoint.posts[0]


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize("service", sorted(PRESETS))
def test_the_form_posts_the_fields_the_service_expects(
    browser, preset_sites: dict[str, str], endpoint, service: str, javascript: bool
) -> None:
    recorded, _ = endpoint
    path, expected = PRESETS[service]
    posted_path, fields = _submit(browser, preset_sites[service], recorded, javascript=javascript)
    assert posted_path == path  # Mailchimp's u= and id= travel in the action's query
    assert {name: values for name, values in fields.items()} == {
        name: [value] for name, value in expected.items()
    }


def test_every_service_the_form_offers_has_a_test() -> None:
    assert set(PRESETS) == set(FORM_SERVICES)


@pytest.mark.browser
def test_the_subscribe_page_has_no_serious_axe_violation(browser, site_url: str) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run npm ci (./scripts/test does)")
    for width, scheme in ((1280, "light"), (375, "dark")):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        found = []
        for path in ("subscribe/", "privacy/", "unsubscribe/"):
            page.goto(urljoin(site_url, path), wait_until="load")
            found += axe_violations(page, f"{width}-{scheme}", path)
        context.close()
        serious = [v.line() for v in found if v.impact in BLOCKING]
        assert not serious, "\n".join(serious)


def test_the_form_has_no_script_and_labels_its_fields(built_site: BuiltSite) -> None:
    html = (built_site.site / "subscribe" / "index.html").read_text("utf-8")
    start = html.index('<form class="bulletin-signup"')
    form = html[start : html.index("</form>", start)]
    assert 'action="https://lists.tasp.example.org/subscription/form"' in form
    assert 'method="post"' in form
    assert "<script" not in form and "<img" not in form
    assert '<label for="signup-email">' in form and 'id="signup-email"' in form
    assert 'autocomplete="email"' in form and "required" in form
    assert "privacy notice</a>" in form  # next to the form


def test_the_subscribe_page_explains_every_feed_it_publishes(built_site: BuiltSite) -> None:
    html = (built_site.site / "subscribe" / "index.html").read_text("utf-8")
    feeds_made = sorted(
        path.relative_to(built_site.site).as_posix()
        for path in (built_site.site / "feeds").rglob("*")
        if path.name in ("rss.xml", "atom.xml", "feed.json") and "/author/" not in path.as_posix()
    )
    assert feeds_made
    for feed in feeds_made:
        assert f"https://news.tasp.example.org/{feed}" in html, feed
        assert (built_site.site / feed).is_file()
    for series in ("Chair blog", "Manager blog", "Newsletter"):
        assert f">{series}</h3>" in html


# -- pages and footers ---------------------------------------------------------------------


def test_every_built_page_links_the_privacy_notice_and_subscribe_page(
    built_site: BuiltSite,
) -> None:
    pages = built_pages(built_site.site)
    assert len(pages) > 10
    for page in pages:
        links = parse_page(page_file(built_site.site, page)).footer_links
        for target in ("privacy/", "subscribe/"):
            expected = "./" if page == target else target
            assert any(href.endswith(expected) for href in links), f"{page}: no {target}"
    assert (built_site.site / "privacy" / "index.html").is_file()
    home = (built_site.site / "index.html").read_text("utf-8")
    assert 'href="subscribe/"' in home.split('class="md-tabs"')[1].split("</nav>")[0]


def test_the_privacy_notice_shows_the_organisations_settings(built_site: BuiltSite) -> None:
    html = (built_site.site / "privacy" / "index.html").read_text("utf-8")
    for expected in (
        "The Association of Safeguarding Partners",  # controller: organisation.name
        'href="mailto:hello@example.org"',  # contact: organisation.email
        "ZA123456",
        "Jo Patel, Data Protection Officer, dpo@example.org",
        "listmonk, run for us by Example Hosting Ltd",
        "on servers in the United Kingdom",
        "then delete it within 30 days",
        "Article 6(1)(a)",
        "Information Commissioner’s Office",
        "25 November 2024",
        "no tracking pixel",
    ):
        assert expected in html, expected


def test_the_samples_unsubscribe_address_is_a_built_page(built_site: BuiltSite) -> None:
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    url = next(
        line.split(": ", 1)[1].strip()
        for line in config.splitlines()
        if line.strip().startswith("unsubscribe_url:")
    )
    site_url = "https://news.tasp.example.org/"
    assert url.startswith(site_url)
    page = built_site.site / url.removeprefix(site_url) / "index.html"
    html = page.read_text("utf-8")
    assert "Stop the newsletter emails" in html
    assert 'href="mailto:unsubscribe@example.org?subject=unsubscribe"' in html


@pytest.mark.parametrize(
    "case", sorted(path.stem for path in CONFIG_FIXTURES.glob("*.yml")), ids=str
)
def test_a_bad_subscribing_setting_stops_the_build_with_its_line(tmp_path: Path, case: str) -> None:
    """tests/fixtures/config/<case>.yml edits the sample's mkdocs.yml; <case>.expected.err is
    what the build must say (UPDATE_GOLDEN=1 rewrites it, for review)."""
    site = copy_site(tmp_path / "site")
    edits = yaml.safe_load((CONFIG_FIXTURES / f"{case}.yml").read_text("utf-8"))
    for old, new in edits["replace"]:
        replace_in(site / "mkdocs.yml", old, new)
    result = run_bulletin(site, "build")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    assert not (site / "build").exists()
    expected_file = CONFIG_FIXTURES / f"{case}.expected.err"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        lines = [line.strip() for line in output.splitlines() if "mkdocs.yml" in line]
        lines += [line.strip() for line in output.splitlines() if "Config value" in line]
        expected_file.write_text("\n".join(lines) + "\n", "utf-8")
    for line in expected_file.read_text("utf-8").splitlines():
        assert line in output, output


def test_without_a_service_the_page_offers_feeds_and_a_mailto(scratch_site: Path) -> None:
    config = scratch_site / "mkdocs.yml"
    text = config.read_text("utf-8")
    start = text.index("      subscribe:\n")
    end = text.index("      # The facts of the privacy notice")
    config.write_text(text[:start] + text[end:], "utf-8")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    assert "set subscribe.service" in result.stderr and "subscribe.action" in result.stderr
    html = (scratch_site / "build" / "site" / "subscribe" / "index.html").read_text("utf-8")
    assert "<form" not in html.split('class="md-content"')[1]
    assert 'href="mailto:hello@example.org?subject=Subscribe%20to%20the%20newsletter"' in html
    assert "https://news.tasp.example.org/feeds/rss.xml" in html


# -- List-Unsubscribe ----------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_one_click_unsubscribe_only_with_a_url_of_each_recipients_own(service: str) -> None:
    message = BytesParser(policy=email.policy.default).parsebytes(
        render_sample(service=service).eml
    )
    mailto = "<mailto:unsubscribe@tasp.example.org?subject=unsubscribe>"
    personal = SERVICES[service].personal_unsubscribe_url
    if service == "plain":
        assert personal is None
        assert message["List-Unsubscribe"] == (
            f"<https://news.tasp.example.org/unsubscribe/>, {mailto}"
        )
        assert message["List-Unsubscribe-Post"] is None
    else:
        assert personal is not None
        assert message["List-Unsubscribe"].strip() == f"<{personal}>, {mailto}"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# -- feeds in a browser, and no request unanswered ----------------------------------------


def _watch(page) -> list[str]:
    """Every failed request, error response and console error or warning of ``page``."""
    seen: list[str] = []
    page.on("requestfailed", lambda request: seen.append(f"failed {request.url}"))
    page.on(
        "response",
        lambda response: (
            seen.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            seen.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    return seen


FEEDS_SHOWN = {
    "feeds/rss.xml": "channel > title",
    "feeds/atom.xml": "feed > title",
    "feeds/category/newsletter/rss.xml": "channel > title",
}


@pytest.mark.browser
@pytest.mark.parametrize("feed", sorted(FEEDS_SHOWN))
def test_a_feed_reads_as_a_page_without_xslt(browser, site_url: str, feed: str) -> None:
    page = browser.new_page()
    seen = _watch(page)
    page.goto(urljoin(site_url, feed), wait_until="load")
    page.wait_for_timeout(300)
    title = page.locator(FEEDS_SHOWN[feed]).first
    newest = page.locator("item > title, entry > title").first
    shown = (
        title.is_visible(),
        title.text_content(),
        newest.is_visible(),
        newest.text_content(),
    )
    explained = page.evaluate(
        "getComputedStyle(document.querySelector('[rel=self]'), '::after').content"
    )
    page.close()
    series = "TASP news and blogs: Newsletter" if "newsletter" in feed else "TASP news and blogs"
    newest_title = "TASP newsletter – October 2019" if "newsletter" in feed else "Summer learning"
    assert shown[0] and shown[1] == series
    assert shown[2] and (shown[3] or "").startswith(newest_title)
    assert "How to subscribe" in explained and f"news.tasp.example.org/{feed}" in explained
    assert not [line for line in seen if "XSLT" in line or "deprecated" in line], seen
    assert not seen, seen


@pytest.mark.browser
@pytest.mark.parametrize(
    "path",
    [
        "",
        "2024/07/summer-learning-from-reviews/",
        "category/newsletter/",
        "subscribe/",
        "privacy/",
        "unsubscribe/",
        "feeds/rss.xml",
    ],
    ids=lambda path: path or "home",
)
def test_no_page_asks_for_a_file_the_build_does_not_make(browser, site_url: str, path: str) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    seen = _watch(page)
    page.goto(urljoin(site_url, path), wait_until="networkidle")
    page.wait_for_timeout(500)
    page.close()
    assert not seen, seen
    assert not [url for url in requested if url.endswith("sitemap.xml") and "/feeds/" in url]


def test_materials_sitemap_fetch_is_still_the_code_bulletin_patches() -> None:
    """The canary: Material's bundle still fetches a sitemap beside every rel=alternate link."""
    import material

    bundles = list(
        (Path(material.__file__).parent / "templates" / "assets" / "javascripts").glob(
            "bundle.*.min.js"
        )
    )
    assert len(bundles) == 1
    assert bundles[0].read_text("utf-8").count(ALTERNATE_FETCH) == 1


def test_the_built_bundle_fetches_sitemaps_for_language_alternates_only(
    built_site: BuiltSite,
) -> None:
    (bundle,) = (built_site.site / "assets" / "javascripts").glob("bundle.*.min.js")
    code = bundle.read_text("utf-8")
    assert 'M("link[rel=alternate][hreflang]")' in code and ALTERNATE_FETCH not in code
    assert (built_site.site / "favicon.ico").read_bytes()[:4] == b"\0\0\1\0"
    assert urlsplit("https://news.tasp.example.org/").path == "/"

"""Every built page against axe-core (WCAG 2.2 AA) in chromium, and against the Nu Html Checker.

axe runs at desktop and phone width, in the light and the dark palette; vnu runs once over the
whole site in one JVM. Both come from npm (package.json): ``npm ci`` puts them in node_modules.
Known theme markup that vnu flags is allowed below, each entry with its reason; anything else
fails, so a new template, override or post cannot bring a new problem in unnoticed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from conftest import ROOT, BuiltSite

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
VARIANTS = {
    "desktop-light": (1280, "light"),
    "desktop-dark": (1280, "dark"),
    "phone-light": (375, "light"),
    "phone-dark": (375, "dark"),
}

# vnu errors left in the theme's own markup, each with why it stays. A pattern matches the
# start of vnu's message; keep docs/accessibility.md in step with this list.
VNU_ALLOWED: dict[str, str] = {
    r"Attribute “autocomplete” is only allowed when the input type is": (
        'base.html puts autocomplete="off" on the two hidden checkboxes that open the drawer'
        " and the search (#__drawer, #__search), so that Firefox does not restore them checked"
        " on reload. The markup sits outside every template block, so only a copy of base.html"
        " could remove it; browsers ignore the attribute there and assistive technology never"
        " sees it (the checkboxes are hidden)."
    ),
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One axe rule broken on one page, with the elements that break it."""

    variant: str
    page: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def line(self) -> str:
        shown = ", ".join(self.targets[:3]) + (" …" if len(self.targets) > 3 else "")
        return f"[{self.variant}] {self.page}: {self.rule} ({self.impact}) {self.help}: {shown}"


@dataclass(frozen=True, slots=True)
class VnuMessage:
    """One message of the Nu Html Checker about one page."""

    page: str
    kind: str  # "error", "warning" or "info"
    line: int
    message: str
    extract: str

    def text(self) -> str:
        return f"{self.page}:{self.line}: {self.kind}: {self.message}"


def built_pages(site: Path) -> list[str]:
    """Every page of the built site as a URL path: each index.html, and 404.html."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site).as_posix()
        if path.name == "index.html":
            pages.append(relative.removesuffix("index.html"))
        elif relative == "404.html":
            pages.append(relative)
    return pages


def run_axe(browser, site_url: str, pages: list[str], variant: str) -> list[Violation]:
    """Run axe over ``pages`` in one fresh context sized and coloured for ``variant``."""
    width, scheme = VARIANTS[variant]
    # A fresh context has no stored palette, so Material picks the one whose media query
    # matches the emulated prefers-color-scheme.
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, reduced_motion="reduce"
    )
    context.add_init_script(path=str(AXE))  # compiled once per context, not once per page
    page = context.new_page()
    expected = "slate" if scheme == "dark" else "default"
    violations: list[Violation] = []
    try:
        for path in pages:
            page.goto(urljoin(site_url, path), wait_until="load")
            shown = page.get_attribute("body", "data-md-color-scheme")
            assert shown == expected, f"{path}: palette {shown!r}, expected {expected!r}"
            violations += axe_violations(page, variant, path or "/")
        # What only shows after a click: search results, and the menu drawer on a phone.
        page.goto(site_url, wait_until="load")
        page.keyboard.press("/")
        page.keyboard.type("safeguarding")
        page.locator(".md-search-result__item").first.wait_for()
        violations += axe_violations(page, variant, "/ (search results open)")
        if width < 960:
            page.goto(site_url, wait_until="load")
            page.click('label.md-header__button[for="__drawer"]')
            page.locator(".md-sidebar--primary .md-nav__title").first.wait_for()
            violations += axe_violations(page, variant, "/ (menu open)")
    finally:
        context.close()
    return violations


def axe_violations(page, variant: str, name: str) -> list[Violation]:
    """Run axe on the page as it is now, with the WCAG 2.0-2.2 A and AA rules."""
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
        })""",
        AXE_TAGS,
    )
    return [
        Violation(
            variant=variant,
            page=name,
            rule=rule["id"],
            impact=rule["impact"] or "unknown",
            help=rule["help"],
            targets=tuple(" ".join(map(str, node["target"])) for node in rule["nodes"]),
        )
        for rule in results["violations"]
    ]


def run_vnu(site: Path) -> list[VnuMessage]:
    """Check every HTML file under ``site`` with vnu in one JVM."""
    completed = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--skip-non-html", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu exits 1 when it finds errors; anything else, or no JSON, means it did not run.
    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stderr or completed.stdout)
    messages = []
    for item in report["messages"]:
        kind = item["type"]
        if kind == "info" and item.get("subType") == "warning":
            kind = "warning"
        url = item.get("url", "")
        page = Path(url.removeprefix("file:")).relative_to(site.resolve()).as_posix()
        messages.append(
            VnuMessage(
                page=page,
                kind=kind,
                line=item.get("lastLine", 0),
                message=item.get("message", ""),
                extract=item.get("extract", ""),
            )
        )
    return messages


def allowed_reason(message: VnuMessage) -> str | None:
    for pattern, reason in VNU_ALLOWED.items():
        if re.match(pattern, message.message):
            return reason
    return None


def needs(tool: Path) -> None:
    if not tool.is_file():
        pytest.fail(f"{tool.relative_to(ROOT)} is missing: run `npm ci` (./scripts/test does)")


@pytest.mark.browser
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_page_passes_axe_with_no_serious_or_critical_violation(
    browser, site_url: str, built_site: BuiltSite, variant: str
) -> None:
    needs(AXE)
    pages = built_pages(built_site.site)
    assert len(pages) >= 15, pages
    violations = run_axe(browser, site_url, pages, variant)
    blocking = [v for v in violations if v.impact in BLOCKING]
    summary = "\n".join(v.line() for v in blocking)
    assert not blocking, f"{len(blocking)} serious or critical axe violations:\n{summary}"


def test_every_page_passes_vnu_but_for_documented_theme_markup(built_site: BuiltSite) -> None:
    needs(VNU)
    if shutil.which("java") is None:
        pytest.fail("java is missing: run ./scripts/test, which installs it")
    messages = run_vnu(built_site.site)
    errors = [m for m in messages if m.kind == "error" and allowed_reason(m) is None]
    summary = "\n".join(m.text() for m in errors)
    assert not errors, f"{len(errors)} vnu errors outside the allow-list:\n{summary}"
    # An entry nothing matches any more (the theme fixed it) must go, here and in the docs.
    used = {p for p in VNU_ALLOWED for m in messages if re.match(p, m.message)}
    assert used == set(VNU_ALLOWED), f"stale vnu allow-list entries: {set(VNU_ALLOWED) - used}"


class HeadAndFooter(HTMLParser):
    """The <meta>/<link> tags of a page and the text and links of its footer."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.footer_text: list[str] = []
        self.footer_links: list[str] = []
        self.search_label = ""
        self._footer_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and "content" in values:
            key = values.get("property") or values.get("name")
            if key:
                self.meta[key] = values["content"]
        elif tag == "link":
            self.links.append(values)
        elif tag == "footer" or self._footer_depth:
            self._footer_depth += 1
            if tag == "a":
                self.footer_links.append(values.get("href", ""))
        if values.get("role") == "dialog" and "md-search" in values.get("class", ""):
            self.search_label = values.get("aria-label", "")

    def handle_endtag(self, tag: str) -> None:
        if self._footer_depth:
            self._footer_depth -= 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._footer_depth:
            self.footer_text.append(data)


def parse_page(path: Path) -> HeadAndFooter:
    parser = HeadAndFooter()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def page_file(site: Path, page: str) -> Path:
    return site / (page if page.endswith(".html") else page + "index.html")


def test_every_page_has_the_organisation_and_the_statement_in_its_footer(
    built_site: BuiltSite,
) -> None:
    for page in built_pages(built_site.site):
        parsed = parse_page(page_file(built_site.site, page))
        footer = " ".join(" ".join(parsed.footer_text).split())
        for expected in (
            "The Association of Safeguarding Partners",
            "1 Example Street, Exampletown EX1 2MP",
            "hello@example.org",
            "01632 960 123",
            "Accessibility statement",
        ):
            assert expected in footer, f"{page}: footer lacks {expected!r}"
        statement = "./" if page == "accessibility/" else "accessibility/"
        assert any(href.endswith(statement) for href in parsed.footer_links), page
        assert parsed.search_label == "Search", page


def test_the_statement_has_the_model_sections_and_the_organisation_details(
    built_site: BuiltSite,
) -> None:
    html = (built_site.site / "accessibility" / "index.html").read_text(encoding="utf-8")
    html = re.sub(r"</?abbr[^>]*>", "", html)  # the glossary marks up acronyms such as TASP
    for heading in (
        "Accessibility statement for TASP news and blogs",
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website’s accessibility",
        "Compliance status",
        "Preparation of this accessibility statement",
    ):
        assert re.search(rf"<h[123][^>]*>{re.escape(heading)}", html), heading
    assert 'href="mailto:hello@example.org"' in html
    assert 'href="tel:01632960123"' in html
    assert "prepared on 25 November 2024" in html


def test_every_page_has_a_canonical_url_and_link_preview_metadata(built_site: BuiltSite) -> None:
    for page in built_pages(built_site.site):
        parsed = parse_page(page_file(built_site.site, page))
        for key in ("og:title", "og:description", "og:image", "og:site_name", "twitter:card"):
            assert parsed.meta.get(key), f"{page}: no {key}"
        assert parsed.meta["og:image"].startswith("https://news.tasp.example.org/"), page
        assert parsed.meta["twitter:card"] == "summary_large_image"
        if page != "404.html":
            canonical = [link["href"] for link in parsed.links if link.get("rel") == "canonical"]
            assert canonical == [f"https://news.tasp.example.org/{page}"], page
            assert parsed.meta["og:url"] == canonical[0]
        assert any(
            link.get("rel") == "stylesheet" and link.get("media") == "print"
            for link in parsed.links
        ), f"{page}: no print stylesheet"


def test_a_post_is_shared_as_an_article_with_its_own_title_and_summary(
    built_site: BuiltSite,
) -> None:
    parsed = parse_page(built_site.site / "2024/07/summer-learning-from-reviews/index.html")
    assert parsed.meta["og:type"] == "article"
    assert parsed.meta["og:title"] == "Summer learning: reviews & what we heard"
    assert parsed.meta["og:description"].startswith("What this year's rapid reviews")
    assert parsed.meta["og:image"] == "https://news.tasp.example.org/assets/share.png"
    assert parsed.meta["article:published_time"].startswith("2024-07-05")
    assert (built_site.site / "assets" / "share.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_site_has_robots_txt_a_sitemap_and_a_404_page(built_site: BuiltSite) -> None:
    robots = (built_site.site / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots
    assert "Sitemap: https://news.tasp.example.org/sitemap.xml" in robots
    sitemap = (built_site.site / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://news.tasp.example.org/accessibility/" in sitemap
    assert "Page not found" in (built_site.site / "404.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_a_printed_post_has_no_navigation_and_writes_out_its_links(browser, site_url: str) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 1100})
    page.goto(urljoin(site_url, "2024/01/new-year-new-safeguarding-directions/"))
    page.emulate_media(media="print")
    for hidden in (".md-header", ".md-tabs", ".md-sidebar--primary", ".md-footer__inner"):
        if page.locator(hidden).count():
            assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("article h1").is_visible()
    after = page.eval_on_selector(
        'article a[href^="https://www.gov.uk"]',
        "a => getComputedStyle(a, '::after').content",
    )
    assert "https://www.gov.uk/" in after
    page.close()

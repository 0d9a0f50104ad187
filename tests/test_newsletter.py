"""The sample newsletter as an email: HTML, plain text and .eml checked point by point."""

from __future__ import annotations

import email.policy
import re
import textwrap
from email.parser import BytesParser
from html.parser import HTMLParser

import pytest

from bulletin.errors import ContentError
from bulletin.outputs.email.newsletter import SERVICES, EmailSettings, preheader
from emailkit import GOLDEN, SAMPLE, WEB_URL, render_sample, render_text_source, update_golden

URL_ATTRS = {("a", "href"), ("img", "src"), ("link", "href"), ("area", "href")}
PLACEHOLDERS = ("*|", "{{", "[unsubscribe]", "[webversion]")


class Page(HTMLParser):
    """Every element of the email with its attributes, the <style> blocks, the text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.styles.append(data)
        else:
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.elements if name == tag]

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture(scope="module")
def sample():
    return render_sample()


@pytest.fixture(scope="module")
def page(sample):
    return Page(sample.html)


# --- the HTML -------------------------------------------------------------------------


def test_html_is_english_and_titled_with_the_subject(sample, page):
    assert page.all("html")[0]["lang"] == "en-GB"
    assert "<title>TASP newsletter – October 2019</title>" in sample.html


def test_preheader_is_the_description_padded_against_leaks(sample):
    hidden = re.search(r'<div style="display:none;[^"]*">(.*?)</div>', sample.html, re.S)
    assert hidden is not None
    text = hidden.group(1)
    description = "Good new safeguarding arrangements, JTAI and MASA, newest members, 2019/20"
    assert text.startswith(description)
    assert 40 <= len(preheader(description + " fees and news from around the sector.")) <= 130
    assert text.count("&zwnj;") >= 40  # the inbox preview stops at the description


def test_preheader_is_cut_at_a_word_to_130_characters():
    long = "word " * 60
    cut = preheader(long)
    assert len(cut) <= 130 and cut.endswith("word…")


def test_every_image_has_alt_and_every_url_is_absolute(page):
    assert page.all("img"), "the logo at least"
    for attrs in page.all("img"):
        assert "alt" in attrs and attrs["alt"].strip()
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            if (tag, name) in URL_ATTRS:
                assert value.startswith(("https://", "mailto:", "tel:")) or value.startswith(
                    PLACEHOLDERS
                ), (tag, name, value)


def test_no_banned_elements_or_web_fonts(sample, page):
    banned = {"script", "form", "iframe", "embed", "object", "link", "input", "video", "audio"}
    assert not [tag for tag, _ in page.elements if tag in banned]
    assert "fonts.googleapis" not in sample.html and "@import" not in sample.html
    assert not any(name.startswith("on") for _, a in page.elements for name in a)


def test_style_blocks_are_small_and_dark_mode_is_declared(sample, page):
    assert all(len(style.encode()) < 16 * 1024 for style in page.styles)
    metas = {a.get("name"): a.get("content") for a in page.all("meta")}
    assert metas["color-scheme"] == "light dark"
    assert "prefers-color-scheme: dark" in sample.html


def test_readable_without_style_blocks(sample):
    """Gmail with non-Google accounts drops <style>: the essentials are inline."""
    bare = re.sub(r"<style[^>]*>.*?</style>", "", sample.html, flags=re.S)
    page = Page(bare)
    text_divs = [a for a in page.all("div") if "font-family:Arial" in a.get("style", "")]
    assert text_divs and all("color:#" in a["style"] for a in text_divs)
    text_links = [a for a in page.all("a") if a["href"] != "https://news.tasp.example.org/"]
    assert all("text-decoration:underline" in a.get("style", "") for a in text_links)
    assert "Welcome to our newest members" in page.words


def test_layout_tables_are_presentation_and_data_tables_are_not(page):
    tables = page.all("table")
    data = [t for t in tables if "em-table" in t.get("class", "")]
    layout = [t for t in tables if t not in data]
    assert len(data) == 1 and "role" not in data[0]
    assert all(t.get("role") == "presentation" for t in layout)
    scopes = [a.get("scope") for a in page.all("th")]
    assert scopes == ["col"] * 3 + ["row"] * 6  # three columns; five tiers and "above 25"
    assert page.all("caption")


def test_sections_and_styled_blocks(sample, page):
    for heading in ("Welcome", "TASP update", "Subscription and membership", "Spotlight"):
        assert f">{heading}</h2>" in sample.html
    assert "¶" not in page.words  # heading permalinks are for the web page only
    members = re.search(r'class="em-box em-members".*?</table>', sample.html, re.S)
    assert members is not None
    for name in ("Harrow", "Guernsey", "Wakefield", "Somerset"):
        assert "<li" in members.group(0) and name in members.group(0)
    assert "Hammersmith &amp; Fulham, Kensington &amp; Chelsea" in members.group(0)
    spotlight = re.search(r'class="em-box em-spotlight".*?</table>', sample.html, re.S)
    assert spotlight is not None
    assert "Spotlight on… cross-partnership collaboration" in spotlight.group(0)
    assert "quieter strengths of the former LSCB" in spotlight.group(0)
    assert "Membership fees for 2019/20, from 1 April 2019" in sample.html


def test_view_online_footer_and_unsubscribe(sample, page):
    links = {a["href"] for a in page.all("a")}
    assert WEB_URL in links
    assert "https://news.tasp.example.org/unsubscribe/" in links
    assert "mailto:newsletter@example.org" in links
    assert sample.html.index("View this newsletter online") < sample.html.index("<h1")
    for needle in ("1 Example Street, Exampletown EX1 2MP", "01632 960 123", "Unsubscribe"):
        assert needle in page.words


def test_size_is_under_budget(sample):
    assert sample.size == len(sample.html.encode("utf-8")) < 90 * 1024
    assert sample.warnings == ()


def test_too_big_an_issue_fails_and_a_large_one_warns():
    with pytest.raises(ContentError, match=r"over the 10 KiB limit"):
        render_sample(size_limit=10 * 1024, size_warning=5 * 1024)
    warned = render_sample(size_warning=10 * 1024)
    assert any("close to the 100 KiB limit" in w for w in warned.warnings)


def test_two_renders_are_byte_identical(sample):
    again = render_sample()
    assert (again.html, again.text, again.eml, again.mjml) == (
        sample.html,
        sample.text,
        sample.eml,
        sample.mjml,
    )


# --- channels, escaping and sanitising -------------------------------------------------

SMALL = textwrap.dedent(
    """\
    ---
    title: "Issue & <script>alert('x')</script> \\"quoted\\""
    date: 2019-11-14
    authors: [richard]
    description: "Fees & <b>news</b> from \\"around\\" the sector, and what comes next for members."
    issue: 2
    ---

    ## First

    /// web-only
    Watch the recording on our website.
    ///

    /// email-only
    Reply to this email to tell us what you think.
    ///

    Ampersands & angles < stay text. <span onclick="x()">Hi</span>
    <script>alert(1)</script><img src="/a.png" alt="A chart" onerror="steal()">
    [bad](javascript:alert(1)) and [relative](../other/) and [anchor](#first).

    <iframe src="https://example.org/embed"></iframe>
    """
)


@pytest.fixture(scope="module")
def small():
    return render_text_source(SMALL)


def test_email_only_kept_and_web_only_dropped(small):
    assert "Reply to this email to tell us what you think." in small.html
    assert "Reply to this email to tell us what you think." in small.text
    assert "Watch the recording" not in small.html + small.text


def test_title_and_description_are_escaped(small):
    assert "<script>" not in small.html
    assert "Issue &amp; &lt;script&gt;" in small.html
    assert "<b>news</b>" not in small.html and "&lt;b&gt;news&lt;/b&gt;" in small.html
    assert "Subject: =?utf-8?" in small.eml.decode() or "Subject: Issue &" in small.eml.decode()
    message = BytesParser(policy=email.policy.default).parsebytes(small.eml)
    assert message["Subject"] == "Issue & <script>alert('x')</script> \"quoted\""


def test_raw_html_is_sanitised(small):
    page = Page(small.html)
    assert not page.all("script") and not page.all("iframe")
    assert "onerror" not in small.html and "onclick" not in small.html
    assert "javascript:" not in small.html
    assert "Ampersands &amp; angles &lt; stay text." in small.html
    hrefs = {a["href"] for a in page.all("a")}
    assert "https://news.tasp.example.org/2019/10/other/" in hrefs
    assert WEB_URL + "#first" in hrefs
    srcs = {a["src"] for a in page.all("img")}
    assert "https://news.tasp.example.org/a.png" in srcs


def test_image_without_alt_names_file_and_line():
    source = SMALL.replace('alt="A chart" ', "")
    with pytest.raises(ContentError) as caught:
        render_text_source(source)
    message = str(caught.value)
    assert "newsletters/tasp-newsletter-october-2019.md:20: image: /a.png has no alt text" in (
        message
    )


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_service_placeholders_pass_through_literally(service):
    mail = render_sample(service=service)
    preset = SERVICES[service]
    for value in (preset.unsubscribe, preset.web_version):
        if value and preset.wraps_text:
            assert f"<{value} " in mail.html
        elif value:
            assert f'href="{value}"' in mail.html
    if preset.text_unsubscribe:
        assert preset.text_unsubscribe in mail.text
    elif preset.unsubscribe:
        assert f"Unsubscribe: {preset.unsubscribe}" in mail.text


def test_settings_say_what_is_wrong():
    with pytest.raises(ValueError) as caught:
        EmailSettings(
            from_name="x",
            from_address="x@example.org",
            list_id="nope",
            organisation="o",
            address="a",
            email="e@example.org",
            site_url="http://insecure.example.org/",
            brand_colour="blue",
            service="sendgrid",
        )
    message = str(caught.value)
    for part in (
        "service: expected one of plain",
        "brand_colour: expected a colour like",
        "site_url:",
    ):
        assert part in message
    assert "list_id:" in message
    with pytest.raises(ValueError, match="unsubscribe_url: required when service is 'plain'"):
        EmailSettings(
            from_name="x",
            from_address="x@example.org",
            list_id="<news.example.org>",
            organisation="o",
            address="a",
            email="e@example.org",
            site_url="https://example.org/",
        )


# --- plain text ------------------------------------------------------------------------


def test_plain_text_reads_well(sample):
    text = sample.text
    assert "Welcome\n=======\n" in text
    assert "Website news\n------------\n" in text
    assert "- Harrow\n" in text and "- Hammersmith & Fulham, Kensington & Chelsea" in text
    assert "Spotlight on… cross-partnership collaboration" in text
    assert "inspections pages on GOV.UK [1]" in text
    assert "https://www.gov.uk/government/collections/joint-targeted-area-inspections-jtai" in text
    assert re.search(r"Up to 5\s+£1,500\.00\s+£300\.00\n", text)
    assert "Unsubscribe: https://news.tasp.example.org/unsubscribe/" in text
    assert "1 Example Street, Exampletown EX1 2MP" in text
    assert text.startswith("View this newsletter online:\n" + WEB_URL)


def test_plain_text_lines_are_short(sample):
    for line in sample.text.splitlines():
        assert len(line) < 80 or re.fullmatch(r"https://\S+", line), line


def test_plain_text_matches_golden(sample):
    golden = GOLDEN / (SAMPLE.stem + ".txt")
    if update_golden() or not golden.exists():
        golden.write_text(sample.text, encoding="utf-8")
    assert sample.text == golden.read_text(encoding="utf-8")


# --- the .eml --------------------------------------------------------------------------


def test_eml_structure_headers_and_bodies(sample):
    message = BytesParser(policy=email.policy.default).parsebytes(sample.eml)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    # MIME text is CRLF on the wire; the files and Email fields use LF
    assert parts[0].get_content().replace("\r\n", "\n") == sample.text
    assert parts[1].get_content().replace("\r\n", "\n") == sample.html
    assert message["Subject"] == "TASP newsletter – October 2019"
    assert message["From"] == "TASP newsletter <newsletter@tasp.example.org>"
    assert message["Reply-To"] == "newsletter@example.org"
    assert message["Date"] == "Mon, 14 Oct 2019 00:00:00 +0100"
    assert message["Message-ID"] == "<tasp-newsletter-october-2019.20191014@news.tasp.example.org>"
    assert message["List-Id"] == "TASP newsletter <newsletter.tasp.example.org>"
    assert message["List-Unsubscribe"] == (
        "<https://news.tasp.example.org/unsubscribe/>, "
        "<mailto:unsubscribe@tasp.example.org?subject=unsubscribe>"
    )
    # One page shared by every recipient identifies nobody: no one-click promise (RFC 8058);
    # each service's own per-recipient URL is tested in test_subscribe.py.
    assert message["List-Unsubscribe-Post"] is None
    assert message["MIME-Version"] == "1.0"
    assert message["X-Unsent"] == "1"


def test_eml_lines_are_within_smtp_limits(sample):
    lines = sample.eml.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines)
    assert b"\n" not in sample.eml.replace(b"\r\n", b"")


def test_x_unsent_is_optional():
    message = BytesParser(policy=email.policy.default).parsebytes(render_sample(x_unsent=False).eml)
    assert message["X-Unsent"] is None

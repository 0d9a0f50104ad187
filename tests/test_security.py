"""Stored script: every payload is refused by the checks, or reaches the page inert.

Each payload is written into its own post (or page, or newsletter) of a scratch copy of the
sample site with ``raw_html: false``. Those the validation refuses must be refused with
their file named; the others are built together, and every built page is opened in
Debian's chromium with a dialog listener. No dialog may open, and no element may carry an
event handler, a ``javascript:``/``data:``/``vbscript:`` address, a script of ours or an
iframe. The feeds and the newsletter emails are checked for the same.
"""

from __future__ import annotations

import functools
import http.server
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from bulletin.errors import ContentError
from bulletin.sanitise import clean_html
from bulletin.sources import load_site
from conftest import _QuietHandler, copy_site, replace_in, run_bulletin

MARK = "xss"  # every payload calls alert('xss…'): no page may ever show it run

BODY_PAYLOADS: dict[str, str] = {
    "link-javascript": "[x](javascript:alert('xss1'))",
    "link-mixed-case": "[x](JaVaScRiPt:alert('xss2'))",
    "link-entity": "[x](&#106;avascript:alert('xss3'))",
    "link-reference": "[x][r]\n\n[r]: javascript:alert('xss4')",
    "link-data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzNScpPC9zY3JpcHQ+)",
    "link-vbscript": "[x](vbscript:msgbox('xss6'))",
    "image-javascript": "![x](javascript:alert('xss7'))",
    "link-spaces": "[x](<  javascript:alert('xss8')>)",
    "attr-list-paragraph": "Click me\n{: onclick=\"alert('xss9')\" }",
    "attr-list-heading": "## Heading { onmouseover=\"alert('xss10')\" autofocus onfocus=\"alert('xss10')\" tabindex=1 }",
    "attr-list-link": "[x](https://example.org){: onclick=\"alert('xss11')\" href=\"javascript:alert('xss11')\" }",
    "attr-list-style": "Para\n{: style=\"background:url(javascript:alert('xss12'))\" }",
    "html-block-script": "/// html | script\n    markdown: raw\n\nalert('xss13')\n///",
    "block-attrs-onclick": "/// details | More\n    attrs: {onclick: \"alert('xss14')\", open: true}\n\nText\n///",
    "html-block-iframe": "/// html | iframe\n    attrs: {srcdoc: \"<script>alert('xss15')</script>\"}\n///",
    "tag-two-lines": "Text <img src=x\nonerror=alert('xss16')> more",
    "tag-colon": "<x:y autofocus onfocus=alert('xss17') tabindex=1>z</x:y>",
    "tag-after-escaped-backticks": "\\`` <img src=x onerror=alert('xss18')> \\``",
    "list-indented": "- item\n\n    <img src=x onerror=alert('xss19')>",
    "footnote": "Text[^1]\n\n[^1]: <x:y autofocus onfocus=alert('xss20') tabindex=1>z",
    "table-cell": "| a | b |\n|---|---|\n| <x:y autofocus onfocus=alert('xss21') tabindex=1> | c |",
    "admonition-title": "/// note | <x:y autofocus onfocus=alert('xss22') tabindex=1>\nText\n///",
    "spotlight-title": "/// spotlight | <x:y autofocus onfocus=alert('xss23') tabindex=1>\nText\n///",
    "heading-tag": "## <x:y autofocus onfocus=alert('xss24') tabindex=1>z",
    "svg": "<svg><a:b onload=alert('xss25')></a:b></svg>",
    "comment-breakout": "<!-- --!><img src=x onerror=alert('xss26')> -->",
    "details-summary": "/// details | <img src=x\n    onerror=alert('xss27')>\nText\n///",
}
"""Markdown bodies that once put script on a page with raw_html: false (and a few more)."""

FRONT_MATTER_PAYLOADS: dict[str, str] = {
    "author-meta": 'author: \'"><script>alert("xss30")</script>\'',
    "links": (
        "links:\n"
        "  - '<img src=x onerror=alert(\"xss31\")>': https://example.org/\n"
        "  - Script: javascript:alert('xss32')\n"
        "  - Entity: '&#106;avascript:alert(\"xss33\")'"
    ),
}
"""Front-matter keys Material prints, in posts."""

PAGES: dict[str, str] = {
    "nav": "subtitle: >\n  <img src=x\n  onerror=alert('xss40')>\n"
    "status: >\n  new\"><img src=x\n  onerror=alert('xss41')>",
    "meta": 'author: \'"><img src=x onerror=alert("xss42")>\'\n'
    'description: \'"><img src=x onerror=alert("xss43")>\'',
}
"""Front matter of pages in the navigation, which Material prints on every page."""


def page(name: str, front_matter: str) -> str:
    return f"---\ntitle: Payload {name}\n{front_matter}\n---\n\n# Payload {name}\n\nText.\n"


def post(name: str, body: str, extra: str = "", *, newsletter: bool = False) -> str:
    category = "Newsletter" if newsletter else "Manager blog"
    issue = 'issue: 90\nedition: "2024-03"\n' if newsletter else ""
    return (
        f'---\ntitle: "Payload {name}"\ndate: 2024-03-01\nauthors: [alison]\n'
        f'categories: [{category}]\ndescription: "A payload."\n{issue}{extra}\n---\n\n'
        f"Opening paragraph of {name}.\n\n<!-- more -->\n\n{body}\n"
    )


def is_refused(site: Path, relative: str, text: str) -> str | None:
    """The report if validation refuses this one file (it must name the file), else None."""
    from mkdocs.config import load_config

    from bulletin.site.config import sources_from_config

    path = site / relative
    path.write_text(text, "utf-8")
    try:
        config = load_config(config_file=str(site / "mkdocs.yml"))
        load_site(sources_from_config(config, config.plugins["bulletin"].config))
    except ContentError as error:
        report = error.report()
        assert relative in report, report
        return report
    finally:
        path.unlink()
    return None


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A sample site with every payload that validation lets through, built."""
    site = copy_site(tmp_path_factory.mktemp("security") / "site")
    outcome: dict[str, str] = {}
    files = {f"content/payload-{name}.md": page(name, text) for name, text in PAGES.items()}
    for name, body in BODY_PAYLOADS.items():
        files[f"content/posts/payload-{name}.md"] = post(name, body)
    for name, extra in FRONT_MATTER_PAYLOADS.items():
        files[f"content/posts/payload-{name}.md"] = post(name, "Text.", extra)
    body = "\n\n".join(BODY_PAYLOADS[name] for name in ("tag-colon", "table-cell", "link-entity"))
    files["newsletters/payload-newsletter.md"] = post("newsletter", body, newsletter=True)
    for relative, text in files.items():
        report = is_refused(site, relative, text)
        outcome[relative] = "refused" if report else "built"
    for relative, text in files.items():
        if outcome[relative] == "built":
            (site / relative).write_text(text, "utf-8")
            if not relative.startswith("content/posts/"):
                name = relative.removeprefix("content/")
                replace_in(
                    site / "mkdocs.yml", "  - Tags: tags.md", f"  - Tags: tags.md\n  - {name}"
                )
    result = run_bulletin(site, "build")
    assert result.returncode == 0, result.stderr
    return site, outcome


@pytest.fixture(scope="module")
def payload_url(payload_site: tuple[Path, dict[str, str]]) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(payload_site[0] / "build" / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


UNSAFE_IN_DOM = """() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`${element.tagName} ${name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(name)
          && /^(javascript|data|vbscript):/.test(value)) found.push(`${element.tagName} ${name}=${value}`);
      if (name === 'srcdoc') found.push(`${element.tagName} srcdoc`);
    }
  }
  for (const script of document.querySelectorAll('script')) {
    if (script.textContent.includes('xss')) found.push('script: ' + script.textContent.slice(0, 60));
  }
  for (const frame of document.querySelectorAll('iframe, object, embed')) found.push(frame.tagName);
  return found;
}"""


@pytest.mark.browser
def test_no_payload_runs_on_any_page(browser, payload_site, payload_url: str) -> None:
    site, outcome = payload_site
    built = [name for name, result in outcome.items() if result == "built"]
    assert built, "every payload was refused: the pages were not exercised"
    pages = sorted(
        path.relative_to(site / "build" / "site").as_posix()
        for path in (site / "build" / "site").rglob("*.html")
        if "email" not in path.parts
    )
    dialogs: list[str] = []
    unsafe: dict[str, list[str]] = {}
    page = browser.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        for relative in pages:
            page.goto(payload_url + relative)
            page.keyboard.press("Tab")  # give autofocus/onfocus payloads their chance
            page.mouse.move(200, 300)
            found = page.evaluate(UNSAFE_IN_DOM)
            if found:
                unsafe[relative] = found
    finally:
        page.close()
    print(
        f"\nsecurity: {len(outcome)} payload files, {len(outcome) - len(built)} refused by the"
        f" checks, {len(built)} built; {len(pages)} pages opened; {len(dialogs)} dialogs seen"
    )
    assert not dialogs, dialogs
    assert not unsafe, unsafe


def test_feeds_and_emails_carry_no_script(payload_site) -> None:
    site, _ = payload_site
    out = site / "build"
    for path in [*(out / "site" / "feeds").rglob("*.xml"), *(out / "email").glob("*.html")]:
        text = path.read_text("utf-8")
        assert MARK not in text or "alert(" not in _executable_parts(text, path.suffix), path


def _executable_parts(text: str, suffix: str) -> str:
    """Event handlers, script addresses and script bodies found in a feed's or email's HTML."""
    documents = []
    if suffix == ".xml":
        root = etree.fromstring(text.encode("utf-8"))
        for element in root.iter():
            if element.text and "<" in element.text:
                documents.append(lxml.html.fromstring(f"<div>{element.text}</div>"))
    else:
        documents.append(lxml.html.fromstring(text))
    found = []
    for document in documents:
        for element in document.iter():
            if not isinstance(element.tag, str):
                continue
            for name, value in element.attrib.items():
                bare = "".join(value.split()).lower()
                if name.lower().startswith("on") or bare.startswith(("javascript:", "data:text")):
                    found.append(f"{name}={value}")
            if element.tag == "script":
                found.append(element.text_content())
    return "\n".join(found)


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<x:y autofocus onfocus=alert(1)>z</x:y>",
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<p style="background:url(javascript:alert(1))">p</p>',
        "<script>alert(1)</script>",
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">b</button></form>',
    ],
)
def test_the_allow_list_drops_script(html: str) -> None:
    cleaned = clean_html(html)
    assert "alert" not in cleaned.replace("alert(1)</", "") or "<script" not in cleaned
    document = lxml.html.fromstring(f"<div>{cleaned}</div>")
    for element in document.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on"), cleaned
            assert not "".join(value.split()).lower().startswith(("javascript:", "data:")), cleaned
            assert name not in ("style", "srcdoc", "action", "formaction"), cleaned


def test_the_allow_list_keeps_what_markdown_makes() -> None:
    html = textwrap.dedent(
        """\
        <h2 id="a">A<a class="headerlink" href="#a" title="Permanent link">&para;</a></h2>
        <p><abbr title="Local Safeguarding Children Board">LSCB</abbr> <a href="../x/">x</a>
        <a href="mailto:a@example.org">m</a> <a href="tel:+441632960123">t</a></p>
        <table><thead><tr><th style="text-align: right;">£</th></tr></thead></table>
        <div class="admonition note"><p class="admonition-title">Note</p></div>
        <img alt="A chart" src="chart.png" width="300"><sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>
        <!-- more -->"""
    )
    cleaned = clean_html(html)
    for kept in (
        'href="#a"',
        'title="Local Safeguarding Children Board"',
        'href="../x/"',
        'href="mailto:a@example.org"',
        'href="tel:+441632960123"',
        'style="text-align:right"',
        'class="admonition note"',
        'width="300"',
        "<!-- more -->",
    ):
        assert kept in cleaned, kept

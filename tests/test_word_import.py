"""``bulletin import``: Word documents made with python-docx become posts and newsletters.

Each case is a builder function here and the Markdown file it must become beside it in
``tests/fixtures/word/<case>.expected.md`` (``UPDATE_GOLDEN=1`` rewrites them; review the
diff). Then the imports are built into a scratch site, and bad inputs are refused with
nothing written.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches
from docx.text.paragraph import Paragraph
from PIL import Image

from bulletin.authoring.html_markdown import parse_html, render_markdown
from bulletin.authoring.scaffold import Draft
from bulletin.authoring.word_import import ImportRefused, WordDocument, parse_word
from bulletin.authoring.word_markdown import match_author, render_file, render_import, take_title
from bulletin.fees import load_fees
from conftest import ROOT, run_bulletin, snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "word"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
AUTHORS = {"alison": "Alison Carter", "richard": "Richard Blake"}


# -- building Word documents ----------------------------------------------------------------------


def new_document(author: str = "Alison Carter", created: str = "2024-03-08") -> docx.Document:
    """A document with its File > Info properties set as Word sets them."""
    document = docx.Document()
    properties = document.core_properties
    properties.author = author
    properties.comments = ""
    properties.title = ""
    day = datetime.fromisoformat(f"{created}T09:30:00").replace(tzinfo=UTC)
    properties.created = properties.modified = day
    return document


def saved(document: docx.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def png(colour: str = "red") -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(out, "PNG")
    out.seek(0)
    return out


def add_picture(document: docx.Document, alt: str, colour: str = "red") -> None:
    """A picture in its own paragraph, with Word's Alt Text (the drawing's ``descr``)."""
    document.add_picture(png(colour), width=Inches(1))
    document.inline_shapes[-1]._inline.docPr.set("descr", alt)


def add_link(paragraph: Paragraph, text: str, url: str) -> None:
    """A hyperlink run, as Word's Insert > Link writes it."""
    part = paragraph.part
    relation = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def add_bullet_list(document: docx.Document) -> str:
    """A list of three bullet levels, as Word's Bullets button makes; return its numId."""
    numbering = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
        f'<w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{720 * (level + 1)}" w:hanging="360"/></w:pPr></w:lvl>'
        for level in range(3)
    )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        f'<w:multiLevelType w:val="hybridMultilevel"/>{levels}</w:abstractNum>'
    )
    numbering.insert(0, abstract)  # abstract definitions come before the lists using them
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )
    return "90"


def add_list_item(document: docx.Document, text: str, num_id: str, level: int) -> None:
    """A "List Paragraph" in list ``num_id`` at ``level``: a bullet indented with Tab."""
    paragraph = document.add_paragraph(text, style="List Paragraph")
    properties = paragraph._p.get_or_add_pPr()
    properties.append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/>'
            "</w:numPr>"
        )
    )


def add_styles(document: docx.Document, *names: str) -> None:
    for name in names:
        document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)


def add_table(document: docx.Document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for cells, row in zip(rows, table.rows, strict=True):
        for text, cell in zip(cells, row.cells, strict=True):
            cell.text = text


def build_post() -> bytes:
    """A blog post using everything a business manager writes with."""
    document = new_document()
    document.add_paragraph("Priorities in practice: March", style="Title")
    opening = document.add_paragraph("We met on 5 March – a “busy” morning – and agreed ")
    opening.add_run("three").bold = True
    opening.add_run(" things, costing ")
    opening.add_run("£1,500").italic = True
    opening.add_run(" in all. Read ")
    add_link(opening, "the partnership’s plan", "https://www.example.org/plan")
    opening.add_run(" for more.")
    document.add_heading("What we agreed", level=1)
    document.add_paragraph("Training for every school", style="List Bullet")
    document.add_paragraph("including academies", style="List Bullet 2")
    document.add_paragraph("A new escalation policy", style="List Bullet")
    document.add_paragraph("And from the Bullets button:")
    bullets = add_bullet_list(document)
    add_list_item(document, "Health", bullets, 0)
    add_list_item(document, "GPs", bullets, 1)
    add_list_item(document, "in every practice", bullets, 2)
    add_list_item(document, "Police", bullets, 0)
    document.add_heading("What happens next", level=2)
    document.add_paragraph("Book a place", style="List Number")
    document.add_paragraph("Come along", style="List Number")
    document.add_heading("Numbers", level=3)
    add_table(document, [["Agency", "Referrals"], ["Police", "120"], ["Health", "85 — up"]])
    add_picture(document, "Referrals by month, rising in winter")
    add_picture(document, "", colour="blue")
    lines = document.add_paragraph("Alison Carter")
    lines.add_run().add_break()
    lines.add_run("Business Unit Manager")
    return saved(document)


def build_newsletter() -> bytes:
    """A newsletter issue with its blocks: styles, headings and a fee table from the data."""
    document = new_document(author="Richard Blake", created="2019-11-11")
    add_styles(document, "Members Title", "Members", "Spotlight Title", "Spotlight Text")
    document.add_paragraph("TASP newsletter – November 2019", style="Title")
    document.add_heading("Welcome", level=1)
    document.add_paragraph("Welcome to our November issue, with the year’s fees.")
    document.add_paragraph("More about the month.")
    document.add_heading("TASP update", level=1)
    document.add_paragraph("Welcome to our newest members", style="Members Title")
    document.add_paragraph("Harrow", style="Members")
    document.add_paragraph("Hammersmith & Fulham", style="Members")
    document.add_paragraph("A warm welcome to them.")
    document.add_heading("Subscription and membership", level=1)
    document.add_paragraph("The fees for 2019/20:")
    add_table(
        document,
        [
            ["Representatives", "Fee for the year", "Equivalent per person"],
            ["Up to 5", "£1,500.00", "£300.00"],
            ["Up to 10", "£2,500.00", "£250.00"],
            ["Up to 15", "£3,375.00", "£225.00"],
            ["Up to 20", "£4,000.00", "£200.00"],
            ["Up to 25", "£4,375.00", "£175.00"],
        ],
    )
    document.add_heading("Spotlight", level=1)
    document.add_paragraph("Spotlight on… regional networks", style="Spotlight Title")
    document.add_paragraph("Regional groups brought managers together.", style="Spotlight Text")
    document.add_paragraph("Some have kept going.", style="Spotlight Text")
    document.add_heading("Spotlight on… Wakefield", level=2)
    document.add_paragraph("Wakefield’s partnership has a new website.")
    add_picture(document, "Wakefield’s new home page", colour="green")
    document.add_heading("News from…", level=1)
    document.add_paragraph("Our new members this month", style="Heading 2")
    document.add_paragraph("Guernsey", style="List Bullet")
    return saved(document)


def build_headings() -> bytes:
    """No Title: the first heading is the title; a skipped level is closed up."""
    document = new_document()
    document.add_heading("Scrutiny in focus", level=1)
    document.add_paragraph("An opening paragraph.")
    document.add_heading("Straight to level four", level=4)
    document.add_paragraph("Text under it.")
    document.add_heading("Back to the top", level=1)
    document.add_paragraph("# not a heading, - not a list")
    document.add_paragraph("- not a list either")
    document.add_paragraph("2024. A year of change, *not* emphasis, snake_case and [brackets]")
    document.add_paragraph("/// not a block, <b>not a tag</b>")
    return saved(document)


def build_fee_mismatch() -> bytes:
    """A fee table whose prices are not the fee data's: kept as a table, and reported."""
    document = new_document()
    document.add_paragraph("Fees next year", style="Title")
    document.add_paragraph("Our proposed fees:")
    add_table(document, [["Representatives", "Fee"], ["Up to 5", "£1,600.00"]])
    return saved(document)


CASES: dict[str, Callable[[], bytes]] = {
    "post": build_post,
    "newsletter": build_newsletter,
    "headings": build_headings,
    "fee-mismatch": build_fee_mismatch,
}


# -- fixture pairs ------------------------------------------------------------------------------


def render_case(data: bytes, category: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    """The file ``bulletin import`` writes for ``data`` (issue 2 when it is a newsletter)."""
    document = parse_word(data, "case.docx")
    title = take_title(document)
    schedules = load_fees(ROOT / "content" / "fees.yml", "content/fees.yml")
    rendered = render_import(document, title=title, pictures_url="assets/case", schedules=schedules)
    authors = {key: _author(key, name) for key, name in AUTHORS.items()}
    author = match_author(document.properties.author, authors)
    assert author is not None and document.properties.created is not None
    newsletter = category == "Newsletter"
    draft = Draft(
        title,
        document.properties.created,
        author,
        category,
        issue=2 if newsletter else None,
        edition=f"{document.properties.created:%Y-%m}" if newsletter else None,
    )
    return render_file(draft, rendered.body, document.properties.description), rendered.notes


def _author(key: str, name: str):
    from bulletin.model import Author

    return Author(key, name, "role", "")


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_word_document_becomes_the_expected_markdown(case: str) -> None:
    category = "Newsletter" if case == "newsletter" else "Manager blog"
    text, _ = render_case(CASES[case](), category)
    expected = FIXTURES / f"{case}.expected.md"
    if UPDATE or not expected.exists():
        expected.write_text(text, "utf-8")
    assert text == expected.read_text("utf-8")


def test_a_fee_table_unlike_the_fee_data_is_kept_and_reported() -> None:
    text, notes = render_case(build_fee_mismatch(), "Manager blog")
    assert "| Up to 5 | £1,600.00 |" in text
    assert "[[fee-table" not in text
    [(line, note)] = notes
    assert note.startswith("fee table: its tiers and prices are not those of any year")
    body = text.split("---\n", 2)[2].removeprefix("\n")
    assert body.split("\n")[line - 1] == "| Representatives | Fee |"


def test_pictures_are_extracted_once_each_with_their_alt_text() -> None:
    document = parse_word(build_post(), "post.docx")
    assert [picture.name for picture in document.pictures] == ["picture-1.png", "picture-2.png"]
    assert all(picture.data.startswith(b"\x89PNG") for picture in document.pictures)
    rendered = render_import(document, title=take_title(document), pictures_url="x")
    assert "![Referrals by month, rising in winter](x/picture-1.png)" in rendered.body
    assert "![](x/picture-2.png)" in rendered.body


# -- the command in a site, and a build -----------------------------------------------------------


def test_imported_post_and_newsletter_build_into_the_site_and_email(scratch_site: Path) -> None:
    (scratch_site / "post.docx").write_bytes(build_post())
    (scratch_site / "issue.docx").write_bytes(build_newsletter())

    post = run_bulletin(scratch_site, "import", "post.docx")
    assert post.returncode == 0, post.stderr
    path = "content/posts/priorities-in-practice-march.md"
    assert f"Created {path}" in post.stdout
    assert "Pictures: 2 in content/posts/assets/priorities-in-practice-march/" in post.stdout
    written = (scratch_site / path).read_text("utf-8")
    line = written.split("\n").index("![](assets/priorities-in-practice-march/picture-2.png)") + 1
    assert f"{path}:{line}: error: image " in post.stdout  # the picture without alt text
    assert "has no description" in post.stdout

    issue = run_bulletin(scratch_site, "import", "issue.docx", "--category", "Newsletter")
    assert issue.returncode == 0, issue.stderr
    assert "Created newsletters/tasp-newsletter-november-2019.md" in issue.stdout
    newsletter = scratch_site / "newsletters/tasp-newsletter-november-2019.md"
    assert "issue: 2\n" in newsletter.read_text("utf-8")

    again = run_bulletin(scratch_site, "import", "post.docx")
    assert again.returncode == 1
    assert f"{path} already exists" in again.stderr

    (scratch_site / path).write_text(
        written.replace("draft: true\n", "").replace("![](", "![A blue square]("), "utf-8"
    )
    newsletter.write_text(newsletter.read_text("utf-8").replace("draft: true\n", ""), "utf-8")
    built = run_bulletin(scratch_site, "build")
    assert built.returncode == 0, built.stderr
    page = scratch_site / "build/site/2024/03/priorities-in-practice-march/index.html"
    html = page.read_text("utf-8")
    assert "“busy”" in html and "<strong>three</strong>" in html
    assert re.search(
        r'<img alt="Referrals by month, rising in winter" src="[^"]*picture-1\.png"', html
    )
    assert "<table>" in html or "<table" in html
    email = scratch_site / "build/email/tasp-newsletter-november-2019.html"
    mail = email.read_text("utf-8")
    assert "Harrow" in mail and "regional networks" in mail and "£1,500.00" in mail
    assert re.search(r'<img[^>]*alt="Wakefield’s new home page"', mail)
    picture = "content/posts/assets/tasp-newsletter-november-2019/picture-1.png"
    assert (scratch_site / picture).is_file()


def test_the_author_and_date_come_from_the_document_or_are_asked_for(scratch_site: Path) -> None:
    (scratch_site / "stranger.docx").write_bytes(
        saved(_titled(new_document(author="Somebody Else")))
    )
    before = snapshot(scratch_site)
    result = run_bulletin(scratch_site, "import", "stranger.docx")
    assert result.returncode == 1
    assert "its author, 'Somebody Else', is not a name in content/authors.yml" in result.stderr
    assert "--author KEY (known: alison, richard)" in result.stderr
    assert snapshot(scratch_site) == before

    result = run_bulletin(scratch_site, "import", "stranger.docx", "--author", "richard")
    assert result.returncode == 0, result.stderr
    text = (scratch_site / "content/posts/a-short-note.md").read_text("utf-8")
    assert "date: 2024-03-08\nauthors: [richard]\n" in text


def _titled(document: docx.Document) -> docx.Document:
    document.add_paragraph("A short note", style="Title")
    document.add_paragraph("Just this.")
    return document


# -- bad input ----------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _corrupt() -> bytes:
    """A real .docx with its document part's bytes damaged (its checksum no longer fits)."""
    data = bytearray(build_post())
    start = data.index(b"word/document.xml") + len(b"word/document.xml") + 40
    data[start : start + 20] = b"\0" * 20
    return bytes(data)


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
BAD_INPUTS = {
    "not-word.docx": (b"Dear all,\nplease find attached\n", "not a Word document; accepted: .docx"),
    "old.doc": (OLE + "WordDocument".encode("utf-16-le"), "save it as .docx"),
    "renamed.docx": (OLE + "WordDocument".encode("utf-16-le"), "an old Word document (.doc"),
    # An encrypted .docx is an OLE compound file holding EncryptionInfo and EncryptedPackage.
    "locked.docx": (
        OLE + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le"),
        "the Word document is password-protected",
    ),
    "damaged.docx": (_corrupt(), "the Word document is damaged"),
    "truncated.docx": (build_post()[:3000], "the Word document is damaged"),
    "zip.docx": (_zip({"notes.txt": b"hello"}), "a zip file, not a Word document"),
    "text.odt": (
        _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
        "an OpenDocument file; only .docx",
    ),
    "nothing.docx": (b"", "the file is empty"),
    "page.html": (b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "a web page (HTML)"),
}


def _blank() -> bytes:
    """A document with nothing in it but empty paragraphs (a Title among them)."""
    document = new_document()
    document.add_paragraph("", style="Title")
    document.add_paragraph("   ")
    return saved(document)


BAD_INPUTS["empty.docx"] = (saved(new_document()), "the document is empty")
BAD_INPUTS["blank.docx"] = (_blank(), "the document is empty")


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_with_its_reason_and_nothing_written(
    scratch_site: Path, name: str
) -> None:
    data, message = BAD_INPUTS[name]
    source = scratch_site.parent / name
    source.write_bytes(data)
    before = snapshot(scratch_site)
    result = run_bulletin(scratch_site, "import", str(source))
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(scratch_site) == before


def test_an_empty_document_with_a_title_is_refused() -> None:
    document = new_document()
    document.add_paragraph("Only a title", style="Title")
    parsed = parse_word(saved(document), "only-title.docx")
    title = take_title(parsed)
    with pytest.raises(ImportRefused, match="the document is empty"):
        render_import(parsed, title=title, pictures_url="x")


# -- the HTML to Markdown step on its own ---------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>a <strong>bold </strong>word</p>", "a **bold** word"),
        ("<p><em> spaced</em></p>", "*spaced*"),
        ("<p>1 * 2 = `2`</p>", "1 \\* 2 = \\`2\\`"),
        ("<p>snake_case, _under_</p>", "snake_case, \\_under\\_"),
        ("<p>[[fee-table]] as text</p>", "\\[\\[fee-table]] as text"),
        ("<p>x <b>y</b> &lt;b&gt;</p>", "x **y** &lt;b>"),
        (
            '<p><a href="https://a.example/x (1)">the list</a></p>',
            "[the list](<https://a.example/x (1)>)",
        ),
        ('<p><a href="#_Toc1">Contents</a><a id="b"></a></p>', "Contents"),
        ("<p>one<br/>two</p>", "one two"),
        ("<ol><li>a<ol><li>b</li></ol></li><li>c</li></ol>", "1. a\n    1. b\n2. c"),
        ("<ul><li><p>a</p><p>more</p></li></ul>", "- a\n\n    more"),
        (
            "<table><tr><td>a|b</td><td><p>c</p><p>d</p></td></tr><tr><td>1</td></tr></table>",
            "| a\\|b | c d |\n| --- | --- |\n| 1 |  |",
        ),
        ('<img alt="A [graph]" src="p.png"/>', "![A \\[graph\\]](p.png)"),
        ("<blockquote><p>quoted</p></blockquote>", "> quoted"),
        (
            '<div class="members"><p>Harrow</p><ul><li>York</li></ul></div>',
            "/// members | Welcome to our newest members\n- Harrow\n- York\n///",
        ),
        ('<p data-markdown="[[fee-table 2019/20]]">ignored</p>', "[[fee-table 2019/20]]"),
    ],
)
def test_html_becomes_markdown(html: str, markdown: str) -> None:
    assert render_markdown(parse_html(html)) == markdown + "\n"


def test_a_document_without_a_date_asks_for_one(scratch_site: Path) -> None:
    data = saved(_titled(new_document()))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    core = entries["docProps/core.xml"].decode()
    entries["docProps/core.xml"] = re.sub(
        r"<dcterms:(created|modified)[^<]*</dcterms:\1>", "", core
    ).encode()
    (scratch_site / "undated.docx").write_bytes(_zip(entries))
    before = snapshot(scratch_site)
    result = run_bulletin(scratch_site, "import", "undated.docx")
    assert result.returncode == 1
    assert "undated.docx: it records no date; give one with --date YYYY-MM-DD" in result.stderr
    assert snapshot(scratch_site) == before


def test_word_footnotes_become_markdown_footnotes() -> None:
    """mammoth's footnote HTML (a real .docx needs a footnotes part python-docx cannot add)."""
    html = (
        '<h1 class="title">Notes</h1><p>A claim<sup><a href="#footnote-2" id="footnote-ref-2">'
        "[1]</a></sup> stands.</p>"
        '<ol><li id="footnote-2"><p>The <em>source</em>. <a href="#footnote-ref-2">↑</a></p>'
        "</li></ol><dl></dl>"
    )
    document = WordDocument(parse_html(html))
    title = take_title(document)
    rendered = render_import(document, title=title, pictures_url="x", excerpt_separator=None)
    assert title == "Notes"
    assert rendered.body == "A claim[^1] stands.\n\n[^1]: The *source*.\n"

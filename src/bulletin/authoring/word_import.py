"""``bulletin import``, reading: a Word document (.docx) as an HTML tree and its pictures.

mammoth reads the .docx into semantic HTML through a style map (Word's Title, headings,
List Bullet / List Number and their nested levels, quotations, and the newsletter's own
styles such as "Spotlight Title" or "Members"); ``word_markdown`` then shapes the tree and
writes the Markdown. Pictures are taken out as ``picture-1.png``, ``picture-2.jpg`` ...,
Word's Alt Text staying on each ``<img>``. A file that is not a usable .docx (a .doc, a
password-protected or damaged one, an empty document) is refused with ImportRefused
saying what to do. Only ``write_import`` writes, through ``writing.write_file``, and never
over a file that is there.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from bulletin.authoring.html_markdown import parse_html
from bulletin.model import LONDON
from bulletin.writing import write_file

ACCEPTED = ".docx (Word 2007 and later)"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc and of encrypted .docx
MAX_BYTES = 50 * 1024 * 1024
STYLE_MAP = """
p[style-name='Title'] => h1.title:fresh
p[style-name^='Spotlight Title'] => div.spotlight > p.block-title:fresh
p[style-name^='Spotlight Heading'] => div.spotlight > p.block-title:fresh
p[style-name^='Spotlight'] => div.spotlight > p:fresh
p[style-name^='Members Title'] => div.members > p.block-title:fresh
p[style-name^='Members Heading'] => div.members > p.block-title:fresh
p[style-name^='Welcome to our newest members'] => div.members > p.block-title:fresh
p[style-name^='Members'] => div.members > p:fresh
p[style-name^='New Members'] => div.members > p:fresh
p[style-name='List Bullet 2'] => ul|ol > li > ul > li:fresh
p[style-name='List Bullet 3'] => ul|ol > li > ul|ol > li > ul > li:fresh
p[style-name='List Number 2'] => ul|ol > li > ol > li:fresh
p[style-name='List Number 3'] => ul|ol > li > ul|ol > li > ol > li:fresh
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
"""
"""Word styles by name (case does not matter; ``^=`` is "starts with"), before mammoth's own."""
PICTURE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


class ImportRefused(ValueError):
    """A file that cannot be imported; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture taken out of the document, to be written beside the post."""

    name: str  # picture-1.png
    data: bytes


@dataclass(frozen=True, slots=True)
class Properties:
    """What Word records about the document (File > Info), each possibly empty."""

    title: str = ""
    author: str = ""
    description: str = ""
    created: date | None = None
    modified: date | None = None


@dataclass(slots=True)
class WordDocument:
    """A document as mammoth read it: the HTML tree, its pictures, what it could not map."""

    tree: lxml_html.HtmlElement
    pictures: list[Picture] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    properties: Properties = field(default_factory=Properties)


# -- reading ----------------------------------------------------------------------------------


def load_word(path: Path) -> WordDocument:
    """Read ``path`` and convert it; ImportRefused with the reason if it is not a usable .docx."""
    shown = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportRefused(f"{shown}: no such file") from None
    if not path.is_file():
        raise ImportRefused(f"{shown}: not a file; give a Word document ({ACCEPTED})")
    if size > MAX_BYTES:
        raise ImportRefused(f"{shown}: larger than 50 MB; make the pictures smaller in Word first")
    return parse_word(path.read_bytes(), shown, path.suffix.lower())


def parse_word(data: bytes, shown: str, suffix: str = ".docx") -> WordDocument:
    """Convert the bytes of a .docx; ``shown`` names the file in messages."""
    import mammoth  # loaded here: the rest of bulletin never needs it

    refuse_format(data, shown, suffix)
    pictures: dict[str, Picture] = {}
    notes: list[str] = []

    def picture(image: Any) -> dict[str, str]:  # mammoth's documents.Image
        with image.open() as stream:
            raw = stream.read()
        made = _picture(raw, image.content_type, len(pictures) + 1)
        if made is None:
            notes.append(
                f"a picture in the document ({image.content_type}) is in a format web "
                "browsers cannot show and was left out; insert it in Word as a PNG or JPEG"
            )
            return {"src": "", "data-left-out": "1"}
        digest = hashlib.sha256(made.data).hexdigest()
        kept = pictures.setdefault(digest, made)
        return {"src": kept.name}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            style_map=STYLE_MAP,
            include_embedded_style_map=False,
            convert_image=mammoth.images.img_element(picture),
        )
    except Exception as error:  # a damaged part fails deep inside mammoth, in many ways
        raise ImportRefused(
            f"{shown}: the Word document is damaged and could not be read ({error}); "
            "open it in Word, save it again as .docx and import that"
        ) from None
    tree = parse_html(result.value)
    for image in tree.xpath("//img[@data-left-out]"):
        image.drop_tree()
    if not tree.text_content().strip() and not pictures:
        raise ImportRefused(f"{shown}: the document is empty: it has no text to import")
    messages = sorted({str(message.message) for message in result.messages}) + notes
    return WordDocument(tree, list(pictures.values()), messages, read_properties(data))


def refuse_format(data: bytes, shown: str, suffix: str) -> None:
    """ImportRefused, saying what to do, unless ``data`` is a .docx (a zip with a document)."""
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ImportRefused(
                f"{shown}: the Word document is password-protected; in Word, remove the "
                "password (File > Info > Protect Document > Encrypt with Password, clear it), "
                "save, and import it again"
            )
        raise ImportRefused(
            f"{shown}: an old Word document (.doc, Word 97-2003); open it in Word and save it "
            "as .docx (File > Save As > Word Document), then import the .docx"
        )
    if suffix in (".html", ".htm") or data.lstrip()[:15].lower().startswith(
        (b"<!doctype", b"<html")
    ):
        raise ImportRefused(
            f"{shown}: a web page (HTML); only {ACCEPTED} is imported, because Word's web "
            "pages keep bullets as '·' paragraphs, not lists: open it in Word and save it as "
            ".docx"
        )
    if suffix == ".doc":
        raise ImportRefused(
            f"{shown}: a .doc file; open it in Word and save it as .docx (File > Save As > "
            "Word Document), then import the .docx"
        )
    if not data.startswith(b"PK"):
        if not data.strip():
            raise ImportRefused(f"{shown}: the file is empty; accepted: {ACCEPTED}")
        raise ImportRefused(f"{shown}: not a Word document; accepted: {ACCEPTED}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:80] if "mimetype" in names else b""
            damaged = archive.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, zlib.error):
        damaged, names, mimetype = "the archive", set(), b""
    if b"opendocument" in mimetype or suffix in (".odt", ".ott"):
        raise ImportRefused(
            f"{shown}: an OpenDocument file; only {ACCEPTED} is imported: open it in "
            "LibreOffice or Word and save it as .docx (Word 2007-365)"
        )
    if damaged:
        raise ImportRefused(
            f"{shown}: the Word document is damaged ({damaged} cannot be read); open it in "
            "Word, save it again as .docx and import that"
        )
    if "word/document.xml" not in names:
        raise ImportRefused(f"{shown}: a zip file, not a Word document; accepted: {ACCEPTED}")


def read_properties(data: bytes) -> Properties:
    """Title, author, description and dates from ``docProps/core.xml``, where Word keeps them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = etree.fromstring(archive.read("docProps/core.xml"))
    except (KeyError, zipfile.BadZipFile, etree.LxmlError):
        return Properties()

    def text(path: str) -> str:
        found = root.find(path, CORE_NS)
        return " ".join((found.text or "").split()) if found is not None else ""

    return Properties(
        title=text("dc:title"),
        author=text("dc:creator"),
        description=text("dc:description") or text("dc:subject"),
        created=_day(text("dcterms:created")),
        modified=_day(text("dcterms:modified")),
    )


def _day(value: str) -> date | None:
    """The London day of a W3CDTF time such as 2019-10-14T09:30:00Z."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(LONDON).date()


def _picture(data: bytes, content_type: str, number: int) -> Picture | None:
    """The picture as a PNG, JPEG or GIF file; other formats Pillow reads become PNG."""
    if content_type in PICTURE_TYPES:
        return Picture(f"picture-{number}.{PICTURE_TYPES[content_type]}", data)
    from bulletin.outputs.pictures import render_png

    png = render_png(data)
    return Picture(f"picture-{number}.png", png) if png is not None else None


# -- writing ----------------------------------------------------------------------------------


def picture_folder(posts_dir: Path, slug: str) -> Path:
    """Where an imported post's pictures go: ``<posts>/assets/<slug>/``."""
    return posts_dir / "assets" / slug


def write_import(
    folder: Path, slug: str, text: str, pictures: list[Picture], pictures_dir: Path
) -> Path:
    """Write the pictures, then ``folder/slug.md``; FileExistsError, with nothing written,
    if the file or any picture is there already."""
    targets = [folder / f"{slug}.md"] + [pictures_dir / p.name for p in pictures]
    taken = next((target for target in targets if target.exists()), None)
    if taken is not None:
        raise FileExistsError(0, "already exists", str(taken))
    for picture in pictures:
        write_file(pictures_dir, picture.name, picture.data, exclusive=True)
    return write_file(folder, f"{slug}.md", text.encode("utf-8"), exclusive=True)

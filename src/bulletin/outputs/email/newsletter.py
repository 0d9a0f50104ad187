"""A newsletter issue as an email: MJML-built HTML, plain text and a ready-to-send .eml.

The only module that imports mjml. Pure: it takes the page HTML the website rendered and
returns bytes and text; the caller writes them. No clock is read, so two builds match.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from html import escape
from urllib.parse import urljoin, urlsplit

import jinja2
import mjml
from babel.dates import format_date
from markupsafe import Markup

from bulletin.blocks import strip_channel
from bulletin.errors import ContentError, Problem
from bulletin.glossary import expand_first_use
from bulletin.model import Author, Post
from bulletin.outputs.email.plaintext import render_section, wrap
from bulletin.outputs.email.sections import Block, Element, Node, Section, split_sections, text_of

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
PREHEADER_MIN, PREHEADER_MAX = 40, 130
# A cell that is an amount, count or time: right-aligned as a column, never wrapped.
NUMBER = re.compile(
    r"^[-−]?[£$€]?\d[\d,]*(\.\d+)?%?( each)?$|^\d{1,2}([:.]\d{2})?\s?([ap]m)?$", re.I
)
# Amounts and times inside a cell's text whose parts a space would otherwise split.
KEEP_TOGETHER = re.compile(r"[£$€]\d[\d,]*(\.\d+)? each|\b\d{1,2}([:.]\d{2})? ?[ap]m\b", re.I)
# The email's content column: the 600 px body less 2 × 24 px padding; and inside a box,
# less its 4 px rule and 2 × 20 px padding. Outlook's Word engine ignores max-width, so a
# picture's width attribute must fit them.
CONTENT_WIDTH = 552
BOX_WIDTH = CONTENT_WIDTH - 44
# The content column on a 375 px phone (less 2 × 24 px padding): a wider table stacks.
NARROW_COLUMN = 327
# Invisible characters after the preheader, so the inbox preview stops there instead of
# running on into "View this newsletter online" and the first paragraph.
PREHEADER_PADDING = Markup("&#847;&zwnj;&nbsp;" * 60)


@dataclass(frozen=True, slots=True)
class ServicePreset:
    """How an email service spells the unsubscribe and web-version links (None: our URL)."""

    unsubscribe: str | None
    web_version: str | None
    text_unsubscribe: str | None = None
    text_web_version: str | None = None
    wraps_text: bool = False  # Campaign Monitor: <unsubscribe>text</unsubscribe>
    # The merge tag the service replaces by each recipient's own unsubscribe URL, for the
    # List-Unsubscribe header; None where every recipient would get the same address.
    personal_unsubscribe_url: str | None = None


SERVICES = {
    "plain": ServicePreset(None, None),
    "mailchimp": ServicePreset("*|UNSUB|*", "*|ARCHIVE|*", personal_unsubscribe_url="*|UNSUB|*"),
    "campaign-monitor": ServicePreset(
        "unsubscribe",
        "webversion",
        "[unsubscribe]",
        "[webversion]",
        wraps_text=True,
        personal_unsubscribe_url="[unsubscribe]",
    ),
    "listmonk": ServicePreset(
        "{{ UnsubscribeURL }}", "{{ MessageURL }}", personal_unsubscribe_url="{{ UnsubscribeURL }}"
    ),
    "buttondown": ServicePreset(
        "{{ unsubscribe_url }}", None, personal_unsubscribe_url="{{ unsubscribe_url }}"
    ),
}


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """Who sends the newsletter and how it looks; from the bulletin plugin's config."""

    from_name: str
    from_address: str
    list_id: str  # RFC 2919, e.g. "TASP newsletter <newsletter.tasp.example.org>"
    organisation: str
    address: str  # postal address, shown in the footer (PECR)
    email: str  # contact address, shown in the footer
    site_url: str
    phone: str = ""
    reply_to: str = ""
    contributions_email: str = ""  # where to send news; the contact address if empty
    unsubscribe_url: str = ""  # https:// one-click URL; used in the List-Unsubscribe header
    unsubscribe_mailto: str = ""  # address for List-Unsubscribe mailto:
    service: str = "plain"  # one of SERVICES: how the body spells its unsubscribe links
    logo_url: str = ""  # absolute PNG or JPEG (SVG shows in few email clients)
    brand_colour: str = "#1d4f91"  # headings, links and box rules; dark enough on white
    reason: str = ""  # "You are receiving this because ..."
    x_unsent: bool = False  # add "X-Unsent: 1" so Outlook opens the .eml as a draft
    size_limit: int = 100 * 1024  # fail above: Gmail clips HTML over about 102 KB
    size_warning: int = 90 * 1024

    def __post_init__(self) -> None:
        problems = []
        if self.service not in SERVICES:
            problems.append(f"service: expected one of {', '.join(SERVICES)}, got {self.service!r}")
        if not HEX_COLOUR.match(self.brand_colour):
            colour = self.brand_colour
            problems.append(f"brand_colour: expected a colour like #1d4f91, got {colour!r}")
        if not self.site_url.startswith("https://"):
            problems.append(f"site_url: expected an https:// URL, got {self.site_url!r}")
        for name in ("unsubscribe_url", "logo_url"):
            value = getattr(self, name)
            if value and not value.startswith("https://"):
                problems.append(f"{name}: expected an https:// URL, got {value!r}")
        if self.service == "plain" and not self.unsubscribe_url:
            problems.append("unsubscribe_url: required when service is 'plain'")
        if not re.search(r"<[^<>@\s]+\.[^<>@\s]+>$", self.list_id):
            problems.append(f"list_id: expected '<newsletter.example.org>', got {self.list_id!r}")
        if problems:
            raise ValueError("email settings: " + "; ".join(problems))

    @property
    def domain(self) -> str:
        return urlsplit(self.site_url).hostname or "localhost"


@dataclass(frozen=True, slots=True)
class Email:
    """One issue ready to send: what build/email/<slug>.html, .txt and .eml hold."""

    html: str
    text: str
    eml: bytes
    mjml: str  # the MJML compiled, for debugging and `mjml --validate`
    size: int  # bytes of html, UTF-8
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Palette:
    """Light-mode colours, inlined; dark-mode ones live in the template's <style>."""

    brand: str
    text: str = "#1f2328"
    muted: str = "#4b5563"
    page: str = "#eef1f5"
    card: str = "#ffffff"
    members: str = "#e8f0fa"
    spotlight: str = "#fdf3e1"
    spotlight_rule: str = "#8a5300"
    rule: str = "#c9d1dc"


def make_environment() -> jinja2.Environment:
    """The template environment: autoescape for MJML, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("bulletin", "templates/email"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("mjml.j2",)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _Renderer:
    """Serialise the sanitised tree as email HTML: known tags only, styles inline."""

    def __init__(
        self,
        post: Post,
        web_url: str,
        palette: Palette,
        image_sizes: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        self.post = post
        self.web_url = web_url
        self.c = palette
        self.image_sizes = image_sizes or {}
        self.column = CONTENT_WIDTH  # the width a picture may take where it is
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        brand, text = palette.brand, palette.text
        self.styles = {
            "p": "margin:0 0 16px;",
            "a": f"color:{brand};text-decoration:underline;",
            "h1": f"margin:0 0 12px;font-size:20px;line-height:1.3;color:{brand};",
            "h2": f"margin:0 0 12px;font-size:20px;line-height:1.3;color:{brand};",
            "h3": f"margin:24px 0 8px;font-size:18px;line-height:1.3;color:{text};",
            "h4": f"margin:16px 0 8px;font-size:16px;line-height:1.3;color:{text};",
            "ul": "margin:0 0 16px;padding:0 0 0 24px;",
            "ol": "margin:0 0 16px;padding:0 0 0 24px;",
            "li": "margin:0 0 6px;",
            "blockquote": (
                f"margin:0 0 16px;padding:0 0 0 16px;border-left:4px solid {palette.rule};"
            ),
            "pre": "margin:0 0 16px;white-space:pre-wrap;font-family:Consolas,Menlo,monospace;",
            "code": "font-family:Consolas,Menlo,monospace;",
            "hr": f"border:0;border-top:1px solid {palette.rule};margin:16px 0;",
            "img": "display:block;max-width:100%;height:auto;border:0;",
            "dt": "font-weight:bold;",
            "dd": "margin:0 0 12px 16px;",
        }
        self.styles["h5"] = self.styles["h6"] = self.styles["h4"]

    def absolute(self, url: str) -> str:
        """Make a content URL absolute against the issue's web page."""
        url = url.strip()
        full = urljoin(self.web_url, url)
        if not full.startswith(("https://", "mailto:", "tel:")):
            self.warnings.append(
                f"{self.post.path}: link {url!r} is not https:// or mailto:; "
                "some email clients will warn the reader"
            )
        return full

    def line_of(self, needle: str) -> int:
        """The source line where a URL first appears, for error messages."""
        for offset, line in enumerate(self.post.body.splitlines()):
            if needle and needle in line:
                return self.post.body_line + offset
        return self.post.body_line

    def nodes(self, nodes: tuple[Node, ...]) -> str:
        return "".join(self.node(node) for node in nodes)

    def node(self, node: Node) -> str:
        if isinstance(node, str):
            return escape(node, quote=False)
        tag = node.tag
        # abbr too: no email client shows its title, so expand_first_use has spelt it out
        if tag in ("div", "span", "details", "summary", "mark", "abbr"):
            return self.nodes(node.children)
        if tag == "table":
            return self.table(node)
        if tag == "img":
            return self.image(node)
        attrs: list[tuple[str, str]] = []
        if tag == "a":
            href = node.get("href")
            if not href:
                return self.nodes(node.children)
            attrs.append(("href", self.absolute(href)))
        elif tag == "ol" and node.get("start"):
            attrs.append(("start", node.get("start") or ""))
        elif tag == "p" and "admonition-title" in node.classes:
            attrs.append(("style", "margin:0 0 8px;font-weight:bold;"))
        if tag in self.styles and not any(name == "style" for name, _ in attrs):
            attrs.append(("style", self.styles[tag]))
        return self.element(tag, attrs, self.nodes(node.children))

    @staticmethod
    def element(tag: str, attrs: list[tuple[str, str]], inner: str | None) -> str:
        rendered = "".join(f' {name}="{escape(value)}"' for name, value in attrs)
        if inner is None:
            return f"<{tag}{rendered} />"
        return f"<{tag}{rendered}>{inner}</{tag}>"

    def image(self, node: Element) -> str:
        src = node.get("src") or ""
        if not node.has("alt"):
            self.problems.append(
                Problem(
                    self.post.path,
                    self.line_of(src),
                    "image",
                    f"{src or 'an image'} has no alt text; describe it, "
                    'or write alt="" for a purely decorative image',
                )
            )
        attrs = [("src", self.absolute(src)), ("alt", node.get("alt") or "")]
        width = node.get("width") or ""
        size = self.image_sizes.get(src)
        if size is not None:
            # an author's width="300" may make it smaller, never wider than the column
            shown = min(int(width), self.column) if width.isdigit() and int(width) else self.column
            fitted_width, fitted_height = fit_picture(size, shown)
            attrs += [("width", str(fitted_width)), ("height", str(fitted_height))]
        elif width.isdigit():
            attrs.append(("width", str(min(int(width), self.column))))
        attrs.append(("style", self.styles["img"]))
        return self.element("img", attrs, None)

    def table(self, node: Element) -> str:
        """A data table: caption kept, header cells scoped, borders inline, no role.

        Cells wrap only at spaces (MJML's columns set ``word-break:break-word``, which lets
        Chrome and WebKit split "Tuesday" or "£1,500.00" to squeeze a column), number
        columns are right-aligned, and a table too wide for a phone is marked ``em-stack``:
        the template's media query then shows each row as a block of "label: value" lines.
        """
        caption = ""
        groups: list[tuple[str, Element]] = []
        for part in node.children:
            if not isinstance(part, Element):
                continue
            if part.tag == "caption":
                style = f"text-align:left;font-weight:bold;padding:0 0 8px;color:{self.c.text};"
                caption = self.element("caption", [("style", style)], self.nodes(part.children))
            elif part.tag in ("thead", "tbody", "tfoot"):
                groups.extend((part.tag, tr) for tr in part.children if _is(tr, "tr"))
            elif part.tag == "tr":
                groups.append(("tbody", part))
        grid = [(group, _cells(tr)) for group, tr in groups]
        head = [cells for group, cells in grid if group == "thead"]
        labels = [text_of(cell) for cell in head[-1]] if head else []
        body = [cells for group, cells in grid if group != "thead"]
        columns = max((len(cells) for _, cells in grid), default=0)
        numeric = [
            bool(column) and all(NUMBER.match(text_of(cell)) for cell in column)
            for column in (
                [row[i] for row in body if i < len(row) and row[i].tag == "td" and text_of(row[i])]
                for i in range(columns)
            )
        ]
        # merged cells would put a heading on the wrong value: such a table stays a grid
        merged = any(cell.get("colspan") or cell.get("rowspan") for _, row in grid for cell in row)
        wide = columns >= 4 or _min_width(grid) > NARROW_COLUMN
        stack = bool(labels) and wide and not merged
        rows = [self.row(cells, group, numeric, labels if stack else []) for group, cells in grid]
        style = (
            "width:100%;border-collapse:collapse;margin:0 0 16px;font-size:15px;"
            f"line-height:1.4;color:{self.c.text};word-break:normal;"
        )
        css_class = "em-table em-stack" if stack else "em-table"
        attrs = [("class", css_class), ("width", "100%"), ("style", style)]
        return self.element("table", attrs, caption + "".join(rows))

    def row(self, cells: list[Element], group: str, numeric: list[bool], labels: list[str]) -> str:
        rendered = []
        for index, cell in enumerate(cells):
            right = (index < len(numeric) and numeric[index]) or cell.get("align") == "right"
            style = (
                f"padding:6px 8px;border-bottom:1px solid {self.c.rule};vertical-align:top;"
                f"text-align:{'right' if right else 'left'};"
            )
            if NUMBER.match(text_of(cell)):
                style += "white-space:nowrap;"  # "£1,500.00" and "10:30 am" stay whole
            attrs: list[tuple[str, str]] = []
            if cell.tag == "th":
                scope = cell.get("scope") or ("col" if group == "thead" or index else "row")
                if group == "tbody" and not cell.get("scope") and index == 0:
                    scope = "row"
                attrs.append(("scope", scope))
                if group == "thead":
                    style += f"background-color:{self.c.members};font-weight:bold;"
            for name in ("colspan", "rowspan"):
                if cell.get(name):
                    attrs.append((name, cell.get(name) or ""))
            attrs.append(("style", style))
            inner = "".join(
                _keep_together(self.node(child)) if isinstance(child, str) else self.node(child)
                for child in cell.children
            )
            label = labels[index] if group != "thead" and index < len(labels) else ""
            if label and cell.tag == "td":
                # the header repeated, shown only when the media query stacks the table
                inner = (
                    '<span class="em-label" style="display:none;mso-hide:all;font-weight:bold;">'
                    f"{escape(label, quote=False)}: </span>{inner}"
                )
            rendered.append(self.element(cell.tag, attrs, inner))
        row_class = ' class="em-head"' if group == "thead" and labels else ""
        return f"<tr{row_class}>" + "".join(rendered) + "</tr>"

    def block(self, block: Block) -> Markup:
        """One block as the inside of an mj-text; boxes as presentation tables."""
        if block.kind == "table":
            return Markup(self.table(block.nodes[0]))  # type: ignore[arg-type]
        if block.kind == "content":
            return Markup(self.nodes(block.nodes))
        self.column = BOX_WIDTH
        try:
            inner = self.nodes(block.nodes)
        finally:
            self.column = CONTENT_WIDTH
        background, rule = {
            "members": (self.c.members, self.c.brand),
            "spotlight": (self.c.spotlight, self.c.spotlight_rule),
            "note": (self.c.page, self.c.rule),
        }[block.kind]
        title = ""
        if block.title:
            style = f"margin:0 0 12px;font-size:18px;line-height:1.3;color:{self.c.text};"
            title = f'<p style="{style}"><strong>{escape(block.title, quote=False)}</strong></p>'
        table_style = f"background-color:{background};border-left:4px solid {rule};"
        return Markup(
            f'<table role="presentation" class="em-box em-{block.kind}" width="100%" '
            f'cellpadding="0" cellspacing="0" border="0" bgcolor="{background}" '
            f'style="{table_style}"><tr><td class="em-box-cell" '
            f'style="padding:16px 20px 4px;font-size:16px;line-height:1.5;color:{self.c.text};">'
            f"{title}{inner}</td></tr></table>"
        )


def _is(node: Node, tag: str) -> bool:
    return isinstance(node, Element) and node.tag == tag


def _cells(tr: Element) -> list[Element]:
    return [cell for cell in tr.children if isinstance(cell, Element)]


def _min_width(grid: list[tuple[str, list[Element]]]) -> int:
    """Roughly the narrowest a table can be, in px: each column's longest unbreakable run."""
    widest: dict[int, int] = {}
    for group, cells in grid:
        for index, cell in enumerate(cells):
            text = text_of(cell)
            runs = [text] if NUMBER.match(text) else text.split()
            per_char = 9 if group == "thead" or cell.tag == "th" else 8  # Arial 15px, bold wider
            need = max((len(run) for run in runs), default=0) * per_char + 16
            widest[index] = max(widest.get(index, 0), need)
    return sum(widest.values())


def _keep_together(html: str) -> str:
    """Keep amounts and times ("£1,500.00 each", "10:30 am") from wrapping inside."""
    return KEEP_TOGETHER.sub(
        lambda match: (
            f'<span style="white-space:nowrap;">{match[0]}</span>' if " " in match[0] else match[0]
        ),
        html,
    )


def fit_picture(size: tuple[int, int], column: int) -> tuple[int, int]:
    """A picture's width and height in the email: its own, or scaled down to the column."""
    width, height = size
    if width <= column:
        return width, height
    return column, max(1, round(height * column / width))


def preheader(description: str) -> str:
    """The inbox preview: the description, cut at a word to at most 130 characters."""
    text = " ".join(description.split())
    if len(text) <= PREHEADER_MAX:
        return text
    cut = text[: PREHEADER_MAX - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:–- ") + "…"


def _service_link(url: str, preset_value: str | None, label: str, style: str, wraps: bool) -> str:
    if preset_value is None:
        return f'<a href="{escape(url)}" style="{style}">{escape(label)}</a>'
    if wraps:  # Campaign Monitor replaces its own tag pair with a link
        return f'<{preset_value} style="{style}">{escape(label)}</{preset_value}>'
    return f'<a href="{escape(preset_value)}" style="{style}">{escape(label)}</a>'


def compile_mjml(source: str) -> str:
    """MJML -> HTML as every email is compiled (the client-support test compiles a baseline so)."""
    # fonts={}: no web-font <link>; a final newline as MIME would add one anyway
    return mjml.mjml2html(source, disable_comments=False, fonts={}).rstrip("\n") + "\n"


def render_email(
    post: Post,
    html: str,
    settings: EmailSettings,
    authors: dict[str, Author],
    web_url: str,
    environment: jinja2.Environment | None = None,
    glossary: Mapping[str, str] = {},  # read, never changed
    image_sizes: Mapping[str, tuple[int, int]] | None = None,
) -> Email:
    """Render one newsletter issue from its page HTML (before email-only blocks are removed).

    ``image_sizes`` gives the width and height of the pictures published, by each ``<img>``
    ``src`` as the page HTML spells it and by ``settings.logo_url``: every picture of known
    size gets numeric ``width`` and ``height`` attributes, scaled down to fit the column.

    The first use of each acronym (an ``<abbr>`` or a glossary word) is spelt out in
    brackets, in the HTML and the plain text alike: email clients show no tooltips.
    """
    env = environment or make_environment()
    palette = Palette(brand=settings.brand_colour)
    renderer = _Renderer(post, web_url, palette, image_sizes)
    # web-only blocks go first, so that the first use counted is the first the reader sees
    html = expand_first_use(strip_channel(html, "web-only"), glossary)
    sections: tuple[Section, ...] = split_sections(html)
    preset = SERVICES[settings.service]
    link_style = f"color:{palette.muted};text-decoration:underline;"
    web_link = _service_link(
        web_url, preset.web_version, "View this newsletter online", link_style, preset.wraps_text
    )
    unsubscribe_link = _service_link(
        settings.unsubscribe_url, preset.unsubscribe, "Unsubscribe", link_style, preset.wraps_text
    )
    contributions = settings.contributions_email or settings.email
    byline = [format_date(post.date.date(), "d MMMM y", locale="en_GB")]
    if post.issue is not None:
        byline.append(f"Issue {post.issue}")
    byline.extend(authors[key].name for key in post.authors if key in authors)
    reason = settings.reason or (
        f"You are receiving this because you are a member of, or subscribed to news from, "
        f"{settings.organisation}."
    )
    summary = preheader(post.description)
    logo_size = (image_sizes or {}).get(settings.logo_url)
    context = {
        "post": post,
        "settings": settings,
        "c": palette,
        "preheader": summary,
        "logo_size": fit_picture(logo_size, CONTENT_WIDTH) if logo_size else None,
        "preheader_padding": PREHEADER_PADDING,
        "byline": " · ".join(byline),
        "web_url": web_url,
        "web_link": Markup(web_link),
        "unsubscribe_link": Markup(unsubscribe_link),
        "contributions": contributions,
        "reason": reason,
        "sections": [
            {"title": section.title, "blocks": [renderer.block(b) for b in section.blocks]}
            for section in sections
        ],
    }
    source = env.get_template("issue.mjml.j2").render(context)
    if renderer.problems:
        raise ContentError(renderer.problems)
    try:
        page = compile_mjml(source)
    except Exception as error:  # MRML reports as a plain exception with a message
        problem = Problem(post.path, 0, "email", f"MJML could not compile the email: {error}")
        raise ContentError([problem]) from error

    text = render_text(post, sections, settings, renderer.absolute, env, web_url, byline, reason)
    size = len(page.encode("utf-8"))
    warnings = list(dict.fromkeys(renderer.warnings))
    if size > settings.size_limit:
        message = (
            f"the email is {size / 1024:.1f} KiB, over the {settings.size_limit / 1024:.0f} KiB "
            "limit (Gmail clips long emails); shorten the issue or move items to the website"
        )
        raise ContentError([Problem(post.path, 0, "email", message)])
    if size > settings.size_warning:
        warnings.append(
            f"{post.path}: the email is {size / 1024:.1f} KiB, close to the "
            f"{settings.size_limit / 1024:.0f} KiB limit at which Gmail clips it"
        )
    if len(summary) < PREHEADER_MIN:
        warnings.append(
            f"{post.path}: description is {len(summary)} characters; "
            f"{PREHEADER_MIN}–{PREHEADER_MAX} make a useful inbox preview"
        )
    eml = render_eml(post, settings, text, page)
    return Email(page, text, eml, source, size, tuple(warnings))


def render_text(
    post: Post,
    sections: tuple[Section, ...],
    settings: EmailSettings,
    absolute,  # Callable[[str], str]
    env: jinja2.Environment,
    web_url: str,
    byline: list[str],
    reason: str,
) -> str:
    """The plain-text alternative, from the same sections as the HTML."""
    preset = SERVICES[settings.service]
    context = {
        "post": post,
        "settings": settings,
        "title_rule": "=" * min(len(post.title), 72),
        "byline": " · ".join(byline),
        "description": "\n".join(wrap(" ".join(post.description.split()))),
        "web_url": preset.text_web_version or preset.web_version or web_url,
        "unsubscribe": preset.text_unsubscribe or preset.unsubscribe or settings.unsubscribe_url,
        "contributions": settings.contributions_email or settings.email,
        "reason": "\n".join(wrap(reason)),
        "address": "\n".join(wrap(settings.address)),
        "sections": [render_section(section, absolute) for section in sections],
    }
    text = env.get_template("issue.txt.j2").render(context)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def render_eml(post: Post, settings: EmailSettings, text: str, html: str) -> bytes:
    """A multipart/alternative message, text first; identical bytes for identical input."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = post.title
    message["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Date"] = format_datetime(post.date)
    message["Message-ID"] = f"<{post.slug}.{post.date:%Y%m%d}@{settings.domain}>"
    message["List-Id"] = settings.list_id
    # One-click unsubscribing (RFC 8058) needs a URL that names the recipient: only a service
    # that puts each recipient's own URL in place of its merge tag gives one. A page shared by
    # every recipient is offered without the one-click promise.
    personal = SERVICES[settings.service].personal_unsubscribe_url
    targets = []
    if personal or settings.unsubscribe_url:
        targets.append(f"<{personal or settings.unsubscribe_url}>")
    if settings.unsubscribe_mailto:
        targets.append(f"<mailto:{settings.unsubscribe_mailto}?subject=unsubscribe>")
    if targets:
        message["List-Unsubscribe"] = ", ".join(targets)
    if personal:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if settings.x_unsent:
        message["X-Unsent"] = "1"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # the default boundary is random; derive it from the content so builds are repeatable
    digest = hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32]
    message.set_boundary(f"=_bulletin_{digest}")
    return message.as_bytes(policy=SMTP)

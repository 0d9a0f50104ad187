"""Shared helpers for the email tests: the sample issue rendered as the site renders it."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import markdown
import yaml

from bulletin.fees import load_fees
from bulletin.fees.markup import FeeTableExtension
from bulletin.model import LONDON, Author, Post
from bulletin.outputs.email.newsletter import Email, EmailSettings, render_email

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "newsletters" / "tasp-newsletter-october-2019.md"
GOLDEN = Path(__file__).resolve().parent / "golden"
WEB_URL = "https://news.tasp.example.org/2019/10/tasp-newsletter-october-2019/"
AUTHORS = {"richard": Author("richard", "Richard Blake", "Independent Chair", "")}


def markdown_extensions() -> tuple[list[str], dict[str, dict[str, object]]]:
    """The markdown_extensions of mkdocs.yml, plus ours, as Python-Markdown takes them."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names: list[str] = []
    configs: dict[str, dict[str, object]] = {}
    for entry in config["markdown_extensions"]:
        if isinstance(entry, dict):
            (name, options), *_ = entry.items()
            names.append(name)
            configs[name] = options or {}
        else:
            names.append(entry)
    if "bulletin.blocks" not in names:
        names.append("bulletin.blocks")
    return names, configs


def page_html(body: str) -> str:
    """Markdown -> HTML the way the site does, fee tables from content/fees.yml included."""
    names, configs = markdown_extensions()
    schedules = load_fees(ROOT / "content" / "fees.yml", "content/fees.yml")
    extensions = [*names, FeeTableExtension(schedules=schedules)]
    return markdown.Markdown(extensions=extensions, extension_configs=configs).convert(body)


def split_source(text: str) -> tuple[dict[str, object], str, int]:
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body, front.count("\n") + 3


def make_post(text: str, path: str = "newsletters/tasp-newsletter-october-2019.md") -> Post:
    meta, body, body_line = split_source(text)
    day = meta["date"]
    return Post(
        path=path,
        src_uri="posts/" + Path(path).name,
        slug=Path(path).stem,
        url="2019/10/" + Path(path).stem + "/",
        title=str(meta["title"]),
        date=datetime(day.year, day.month, day.day, tzinfo=LONDON),  # type: ignore[attr-defined]
        updated=None,
        authors=tuple(meta.get("authors", ())),  # type: ignore[arg-type]
        categories=tuple(meta.get("categories", ())),  # type: ignore[arg-type]
        tags=tuple(meta.get("tags", ())),  # type: ignore[arg-type]
        description=str(meta["description"]),
        draft=False,
        body=body,
        body_line=body_line,
        is_newsletter=True,
        issue=meta.get("issue"),  # type: ignore[arg-type]
        edition=meta.get("edition"),  # type: ignore[arg-type]
    )


def settings(**changes: object) -> EmailSettings:
    values: dict[str, object] = {
        "from_name": "TASP newsletter",
        "from_address": "newsletter@tasp.example.org",
        "reply_to": "newsletter@example.org",
        "list_id": "TASP newsletter <newsletter.tasp.example.org>",
        "organisation": "The Association of Safeguarding Partners",
        "address": "1 Example Street, Exampletown EX1 2MP",
        "email": "hello@example.org",
        "phone": "01632 960 123",
        "contributions_email": "newsletter@example.org",
        "site_url": "https://news.tasp.example.org/",
        "unsubscribe_url": "https://news.tasp.example.org/unsubscribe/",
        "unsubscribe_mailto": "unsubscribe@tasp.example.org",
        "logo_url": "https://news.tasp.example.org/assets/logo.png",
        "x_unsent": True,
    }
    values.update(changes)
    return EmailSettings(**values)  # type: ignore[arg-type]


def render_text_source(text: str, **changes: object) -> Email:
    post = make_post(text)
    return render_email(post, page_html(post.body), settings(**changes), AUTHORS, WEB_URL)


def render_sample(**changes: object) -> Email:
    return render_text_source(SAMPLE.read_text(encoding="utf-8"), **changes)


def update_golden() -> bool:
    """Set UPDATE_GOLDEN=1 to rewrite golden files, then review the diff."""
    return os.environ.get("UPDATE_GOLDEN") == "1"

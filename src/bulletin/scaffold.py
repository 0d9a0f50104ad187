"""Start a post or a newsletter issue: a correctly named file with valid front matter."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import frontmatter
from jinja2 import Environment, PackageLoader, StrictUndefined


@dataclass(frozen=True, slots=True)
class Draft:
    """What a new file says: enough to write its front matter."""

    title: str
    day: date
    author: str
    category: str
    organisation: str = ""
    issue: int | None = None
    edition: str | None = None


def slugify(title: str) -> str:
    """A web-address-safe name: "Spotlight on… Wakefield & York" -> "spotlight-on-wakefield-york"."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")


def next_issue(newsletters_dir: Path, today: date) -> tuple[int, str]:
    """The next issue number and edition month, continuing from the last issue."""
    last_issue, last_edition = 0, ""
    for path in newsletters_dir.glob("*.md"):
        try:
            meta = frontmatter.load(path).metadata
        except Exception:  # a broken file is reported by `bulletin check`, not here
            continue
        if isinstance(meta.get("issue"), int):
            last_issue = max(last_issue, meta["issue"])
        if isinstance(meta.get("edition"), str):
            last_edition = max(last_edition, meta["edition"])
    edition = f"{today.year:04d}-{today.month:02d}"
    if last_edition and edition <= last_edition:
        year, month = (int(part) for part in last_edition.split("-"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        edition = f"{year:04d}-{month:02d}"
    return last_issue + 1, edition


def render_draft(kind: str, draft: Draft) -> str:
    """The new file's text, from ``templates/new/<kind>.md.j2``."""
    environment = Environment(
        loader=PackageLoader("bulletin", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML; values go through |yaml
    )
    environment.filters["yaml"] = lambda value: json.dumps(value, ensure_ascii=False)
    return environment.get_template(f"new/{kind}.md.j2").render(draft=draft)


def write_new(folder: Path, slug: str, text: str) -> Path:
    """Create ``folder/slug.md``; refuse to overwrite an existing file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.md"
    with path.open("x", encoding="utf-8") as file:
        file.write(text)
    return path

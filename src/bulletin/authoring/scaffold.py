"""Start a post or a newsletter issue (a correctly named file with valid front matter),
or add an author to the authors file."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import frontmatter
import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined

from bulletin.writing import write_file


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
    """A web-address-safe name: "Spotlight on… Wakefield & York" -> "spotlight-on-wakefield-york".

    An apostrophe joins its word: "Ian's blog" -> "ians-blog", not "ian-s-blog".
    """
    joined = re.sub(r"(?<=\w)['’](?=\w)", "", title)
    ascii_title = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")


def next_issue(newsletters_dir: Path, day: date) -> tuple[int, str]:
    """The issue number and edition month of a new issue dated ``day``.

    The edition is ``day``'s month; the number follows the issues dated before it (or on
    it), so an issue written late, or ahead, is numbered by its place in date order.
    """
    before = 0
    for path in newsletters_dir.glob("*.md"):
        try:
            meta = frontmatter.load(path).metadata
        except Exception:  # a broken file is reported by `bulletin check`, not here
            continue
        number, written = meta.get("issue"), _issue_day(meta.get("date"))
        if type(number) is int and written is not None and written <= day:
            before = max(before, number)
    return before + 1, f"{day.year:04d}-{day.month:02d}"


def _issue_day(value: object) -> date | None:
    """The day of a ``date:`` as PyYAML reads it: a date, a datetime, or {created: ...}."""
    if isinstance(value, dict):
        value = value.get("created")
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


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
    return write_file(folder, f"{slug}.md", text.encode("utf-8"), exclusive=True)


def add_author(
    text: str, key: str, name: str, role: str, avatar: str | None = None
) -> tuple[str, int]:
    """The authors file's text with one more author, and the line of its key.

    Everything already there, comments and layout included, stays as written: the entry is
    inserted after the last author, indented as the others are. ``text`` is a valid authors
    file (see sources.load_authors) with ``\\n`` line endings; a flow-style ``authors: {...}``
    is refused with ValueError.
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader) if text.strip() else None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    pairs = root.value if isinstance(root, yaml.MappingNode) else []
    key_node, found = next(((k, v) for k, v in pairs if k.value == "authors"), (None, None))
    indent, field_indent = 2, 4
    if key_node is None or found is None:  # no authors yet: start the mapping at the end
        lines.append("authors:\n")
        at = len(lines)
    elif isinstance(found, yaml.MappingNode) and found.value and not found.flow_style:
        first_key, first_entry = found.value[0]
        indent = first_key.start_mark.column
        field_indent = indent + 2
        if (
            isinstance(first_entry, yaml.MappingNode)
            and first_entry.value
            and not first_entry.flow_style
        ):
            field_indent = first_entry.value[0][0].start_mark.column
        at = _last_line(found) + 1
    elif not found.value or found.tag == "tag:yaml.org,2002:null":
        # "authors:" or "authors: {}", nobody yet: the entry goes under "authors:"
        at = key_node.start_mark.line + 1
        if isinstance(found, yaml.MappingNode):
            line = lines[at - 1]
            rest = line[found.end_mark.column :]
            lines[at - 1] = line[: found.start_mark.column].rstrip() + (
                rest if rest.strip() else "\n"
            )
    else:
        raise ValueError(
            "the authors are not written one under another (braces or a list); write "
            "each author on lines of their own, as the authors file's example shows"
        )
    entry = [f"{' ' * indent}{_yaml_scalar(key)}:\n"]
    fields = [("name", name), ("description", role)] + ([("avatar", avatar)] if avatar else [])
    entry += [f"{' ' * field_indent}{field}: {_yaml_scalar(value)}\n" for field, value in fields]
    return "".join(lines[:at] + entry + lines[at:]), at + 1


def _last_line(node: yaml.Node) -> int:
    """The (0-based) line where a block node's content ends, trailing comments left out."""
    if (
        isinstance(node, yaml.MappingNode | yaml.SequenceNode)
        and node.value
        and not node.flow_style
    ):
        last = node.value[-1]
        return _last_line(last[1] if isinstance(last, tuple) else last)
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def _yaml_scalar(value: str) -> str:
    """``value`` as YAML reads it back as that string: plain where it can be, else quoted."""
    plain = value == value.strip() and "\n" not in value
    if plain:
        try:
            plain = yaml.safe_load(f"k: {value}") == {"k": value}
        except yaml.YAMLError:
            plain = False
    return value if plain else json.dumps(value, ensure_ascii=False)

"""YAML read safely for every source: nodes with line marks, never Python objects.

Anchors, aliases and tags are never needed in a post, the authors, the fees or the
glossary, and can hide what a file says (or, as a "billion laughs", exhaust memory), so
they are refused. Every problem carries the line in the author's file.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bulletin.errors import Problem

# libyaml reads valid YAML several times faster; the pure-Python reader words the errors
# (and survives any depth of nesting), so it reads whatever libyaml refuses or might recurse on.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FAST_NESTING = 500  # brackets, braces and dashes: a bound on how deeply libyaml recurses
ALIASES = "YAML anchors and aliases (&name, *name) are not allowed; write the value out"
KEY = re.compile(r"\s*([\w-]+):")


def compose(
    text: str,
    display: str,
    *,
    first_line: int = 1,
    hint: str = "check the indentation and the colons",
    field: str = "",
) -> tuple[yaml.Node | None, list[Problem]]:
    """Compose ``text`` into YAML nodes, or return the problems that stop it.

    ``first_line`` is the file line of the text's first line (front matter starts on 2);
    ``hint`` says how to mend unreadable YAML; ``field`` names the part of the file.
    """
    if _shallow(text):
        try:
            root = yaml.compose(text, Loader=FAST_LOADER)  # nodes only: nothing is constructed
        except yaml.YAMLError:
            pass  # read it again below for the error's wording
        else:
            problems = _unsafe(text, display, first_line, field, FAST_LOADER)
            return (None, problems) if problems else (root, [])
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else first_line
        lines = text.split("\n")
        index = line - first_line
        key = KEY.match(lines[index]) if 0 <= index < len(lines) else None
        what = error.problem or "it is not valid YAML"
        where = key.group(1) if key else field
        return None, [Problem(display, line, where, f"cannot read the YAML: {what}; {hint}")]
    except RecursionError:
        return None, [
            Problem(display, first_line, field, "cannot read the YAML: it is nested too deeply")
        ]
    except yaml.YAMLError as error:
        return None, [Problem(display, first_line, field, f"cannot read the YAML: {error}")]
    problems = _unsafe(text, display, first_line, field, yaml.SafeLoader)
    return (None, problems) if problems else (root, [])


def _shallow(text: str) -> bool:
    nesting = text.count("[") + text.count("{") + text.count("-")
    return nesting < FAST_NESTING and max(map(len, text.split("\n"))) < FAST_NESTING


def _unsafe(text: str, display: str, first_line: int, field: str, loader: type) -> list[Problem]:
    """Anchors, aliases and explicit tags, each with its line.

    Runs after composing succeeded, so the text is known to be well-formed and not nested
    too deeply; aliases are events here, never expanded, so a "billion laughs" stays small.
    """
    problems: list[Problem] = []
    for event in yaml.parse(text, Loader=loader):
        line = event.start_mark.line + first_line
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            message = ALIASES
        elif getattr(event, "tag", None) is not None:
            tag = str(event.tag).replace("tag:yaml.org,2002:", "!!")
            message = f"YAML tags like {tag!r} are not allowed; write the plain value"
        else:
            continue
        problem = Problem(display, line, field, message)
        if problem not in problems:
            problems.append(problem)
    return problems


def compose_settings(text: str) -> yaml.Node | None:
    """Compose a configuration such as mkdocs.yml into nodes, only to find its settings' lines.

    Composing constructs nothing, so MkDocs' own tags (``!ENV``, ``!relative``,
    ``!!python/name:``) are carried as tags and never refused or run; None if unreadable.
    """
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None


def read_settings(path: Path) -> yaml.Node | None:
    """:func:`compose_settings` of the file at ``path``; None if it cannot be read."""
    try:
        return compose_settings(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def setting_line(root: yaml.Node | None, *keys: str) -> int:
    """The line of a setting (see :func:`find_setting`); 0 where it is not written."""
    found = find_setting(root, *keys)
    return found[0] if found else 0


def find_setting(root: yaml.Node | None, *keys: str) -> tuple[int, yaml.Node] | None:
    """The line of the last of ``keys`` (walked from ``root``) and its value node; None if absent.

    A list on the way is searched for an entry naming the next key, as MkDocs writes plugins:
    ``plugins: [{bulletin: {output_dir: build}}]`` (``- bulletin:`` then its options).
    """
    node, line = root, 0
    for key in keys:
        if isinstance(node, yaml.SequenceNode):
            entries = [entry for entry in node.value if isinstance(entry, yaml.MappingNode)]
        else:
            entries = [node]
        found = None
        for entry in entries:
            if not isinstance(entry, yaml.MappingNode):
                continue
            for key_node, value_node in entry.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                    found = key_node.start_mark.line + 1, value_node
        if found is None:
            return None
        line, node = found
    return (line, node) if node is not None else None

"""The glossary: each acronym's expansion, as site tooltips and as first-use brackets in email.

``content/glossary.yml`` maps acronyms to what they stand for. On the site the
definitions are appended to every page as Python-Markdown ``abbr`` lines, so each use
becomes ``<abbr title>`` and Material's ``content.tooltips`` shows it. An email client
shows no tooltip, so the email spells the first use of each acronym out in brackets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape, unescape
from pathlib import Path

import yaml

from bulletin import yamlsafe
from bulletin.errors import ContentError, Problem
from bulletin.linescan import ANY_TAG_START, abbr_elements, html_tokens, replace_tags, splice

ACRONYM = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Z][A-Za-z0-9]{1,11}")
"""An acronym as the glossary takes it: two or more capitals (DfE, LSCB, JTAIs), no spaces."""
MARKUP = re.compile(r"[<>*_`\[\]]")
_TITLE = re.compile(r"""\btitle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# Text inside these is left as written: headings stay short, code stays literal.
_SKIP = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "script", "style"})


def load_glossary(path: Path, display: str) -> dict[str, str]:
    """Read a glossary file (UTF-8) and parse it; errors name ``display``."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ContentError([Problem(display, 0, "", "file not found")]) from None
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte {error.start}); save the file as UTF-8"
        raise ContentError([Problem(display, 0, "", message)]) from None
    except OSError as error:  # e.g. permission denied: say so, with the file, not a traceback
        message = f"cannot read the file ({error.strerror or error}); check that you may read it"
        raise ContentError([Problem(display, 0, "", message)]) from None
    return parse_glossary(text, display)


def parse_glossary(text: str, display: str) -> dict[str, str]:
    """Parse and check a glossary; raise one ContentError naming every problem."""
    root, problems = yamlsafe.compose(
        text,
        display,
        hint="write one 'ACRONYM: What it stands for' a line, and put a meaning containing "
        "': ' or ' #' in double quotes",
    )
    if problems:
        raise ContentError(problems)
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        message = "expected one 'ACRONYM: What it stands for' a line, such as 'LSCB: Local ...'"
        raise ContentError([Problem(display, root.start_mark.line + 1, "", message)])
    glossary: dict[str, str] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = str(key_node.value).strip() if isinstance(key_node, yaml.ScalarNode) else ""
        if not ACRONYM.fullmatch(key):
            shown = key or "this entry"
            problems.append(
                Problem(
                    display,
                    line,
                    shown,
                    "expected an acronym of capital letters, as written in posts "
                    "(such as LSCB, DfE or JTAIs)",
                )
            )
            continue
        if key in lines:
            message = f"given twice (also on line {lines[key]}); keep one"
            problems.append(Problem(display, line, key, message))
            continue
        lines[key] = line
        is_text = isinstance(value_node, yaml.ScalarNode) and value_node.tag != (
            "tag:yaml.org,2002:null"
        )
        expansion = " ".join(str(value_node.value).split()) if is_text else ""
        value_line = value_node.start_mark.line + 1
        if not expansion:
            message = f"give what it stands for, such as '{key}: Local Safeguarding Children Board'"
            problems.append(Problem(display, value_line, key, message))
        elif MARKUP.search(expansion):
            message = (
                "write the meaning as plain text, without Markdown or HTML "
                "(no *, _, [, ], `, < or >): the website shows it as a tooltip"
            )
            problems.append(Problem(display, value_line, key, message))
        else:
            glossary[key] = expansion
    if problems:
        raise ContentError(problems)
    return dict(sorted(glossary.items()))


def known_acronyms(glossary: Mapping[str, str]) -> frozenset[str]:
    """The acronyms the glossary explains, for ``bulletin check``."""
    return frozenset(glossary)


def abbreviation_markdown(glossary: Mapping[str, str]) -> str:
    """Python-Markdown ``abbr`` definitions to append to a page, in a stable order."""
    if not glossary:
        return ""
    lines = [f"*[{key}]: {glossary[key]}" for key in sorted(glossary)]
    return "\n\n" + "\n".join(lines) + "\n"


def _forms(word: str) -> set[str]:
    """An acronym's singular and plural: "SCR" and "SCRs" are explained together."""
    if word.endswith("s") and len(word) > 2:
        return {word, word[:-1]}
    return {word, word + "s"}


def expand_first_use(html: str, glossary: Mapping[str, str]) -> str:
    """Spell out each acronym's first use as ``X (Expansion)``; unwrap every ``<abbr>``.

    An ``<abbr title>`` gives its own expansion; a plain use of a glossary acronym takes
    the glossary's. Uses in headings, code and pre are left short and do not count as the
    first, and an acronym the author already bracketed ("Department for Education (DfE)"
    or "DfE (Department for Education)") counts as explained. Singular and plural count
    as one: after "serious case reviews (SCRs)", "SCR" is not spelt out again.
    """
    titles: dict[str, str] = {}

    def unwrap(attributes: str, inner: str) -> str:
        title = _TITLE.search(attributes)
        word = unescape(replace_tags(inner, "", ANY_TAG_START)).strip()
        if title is not None and word:
            titles.setdefault(word, unescape(title.group(1) or title.group(2) or "").strip())
        return inner

    # Comments and tags are found by scans (bulletin.linescan) rather than <!--.*?--> and
    # <abbr>(.*?)</abbr>, which searched to the end of the page again from each unclosed one.
    abbrs = [(start, end, unwrap(*element)) for start, end, *element in abbr_elements(html)]
    html = splice(html, abbrs)
    expansions = {key: value for key, value in glossary.items() if value}
    expansions.update({word: title for word, title in titles.items() if title})
    if not expansions:
        return html
    words = sorted(expansions, key=lambda word: (-len(word), word))
    alternatives = "|".join(re.escape(word) for word in words)
    # a possessive stays with its acronym: "the NSPCC's (National Society ...) guidance";
    # group 2 is a plural "s" the glossary has no line for ("SCRs" when it has only "SCR")
    pattern = re.compile(r"\b(" + alternatives + r")(s?)\b(?:['\u2019]s\b)?")
    explained: set[str] = set()

    def expand(match: re.Match[str]) -> str:
        word, plural, used = match.group(1), match.group(2), match.group(0)
        if word in explained:
            return used
        before = match.string[: match.start()].rstrip()
        after = match.string[match.end() :].lstrip()
        if after.startswith("(") or (before.endswith("(") and after.startswith(")")):
            explained.update(_forms(word))
            return used  # the author explained it here: "serious case reviews (SCRs)"
        if plural:
            return used  # a plural without a glossary line of its own stays as written
        # one spelling-out serves singular and plural: "SCR (...)" then "SCRs" adds nothing
        explained.update(_forms(word))
        return f"{used} ({escape(expansions[word], quote=False)})"

    parts: list[str] = []
    skipping: list[str] = []  # open elements whose text is left alone
    position = 0
    for start, end in html_tokens(html):
        text = html[position:start]
        parts.append(text if skipping else pattern.sub(expand, text))
        token = html[start:end]
        parts.append(token)
        position = end
        tag = re.match(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)", token)
        if tag is None:
            continue
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name in _SKIP:
            if closing and name in skipping:
                del skipping[len(skipping) - 1 - skipping[::-1].index(name) :]
            elif not closing and not token.endswith("/>"):
                skipping.append(name)
    text = html[position:]
    parts.append(text if skipping else pattern.sub(expand, text))
    return "".join(parts)

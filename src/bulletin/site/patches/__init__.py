"""Every change bulletin makes to MkDocs', Material's and watchdog's behaviour, listed.

Each patch names the third-party code it depends on (``guards``) and the sha256 of that
code's source in the versions bulletin was written for. Before a patch is applied, the
source installed now is hashed again: when it differs, the patch is left off for the run
and one line says so, rather than a changed internal being patched blindly.

Three kinds:

- ``speed``: same bytes, less time. ``bulletin: {speedups: false}`` in mkdocs.yml turns
  them all off; a test builds with and without them and compares every byte.
- ``gap``: the output needs it (authors without an avatar). Off only when its guard fails,
  and then with a warning, since the build may then stop where Material refuses.
- ``safety``: the site's HTML is clean only with it. When its guard fails the build stops,
  because a page with script must never be published.

The code of each patch lives in this package: ``blog``, ``search``, ``serve``, ``theme``,
``render_cache`` and ``page_cache``. tests/test_patches.py is the canary: it fails when an
installed guard's source no longer matches, so a maintainer re-reads the patch against
the new code and updates its fingerprint.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger("mkdocs.plugins.bulletin")

Kind = Literal["speed", "gap", "safety"]


@dataclass(frozen=True, slots=True)
class Patch:
    """One change to third-party behaviour, and the code it depends on."""

    name: str
    changes: str  # what it replaces, for people
    guards: tuple[str, ...]  # "module:qualified.name" whose source it depends on
    fingerprint: str  # sha256 (first 16 hex digits) of the guards' sources, joined
    kind: Kind = "speed"
    serve_only: bool = False  # applied by `mkdocs serve` / `bulletin serve` only
    if_off: str = ""  # a gap patch: what a writer does without it


_BLOG = "material.plugins.blog.plugin:BlogPlugin"
_STRUCTURE = "material.plugins.blog.structure"

PATCHES: tuple[Patch, ...] = (
    Patch(
        "blog-post-index",
        "Material's list of blog posts answers `page in posts` from an index (was a scan)",
        (f"{_BLOG}.on_page_markdown", f"{_BLOG}.on_page_content"),
        "924ca2175827e8fd",
    ),
    Patch(
        "blog-view-index",
        "BlogPlugin._resolve_views, asked for every page, answers from one indexed list",
        (f"{_BLOG}._resolve_views",),
        "d0c5b0f1f1af17bc",
    ),
    Patch(
        "blog-libyaml",
        "Material reads post front matter with libyaml (CSafeLoader) instead of PyYAML's Python loader",
        (f"{_STRUCTURE}:Post.__init__",),
        "ae162fdebd2b3e82",
    ),
    Patch(
        "blog-lazy-excerpt-parser",
        "each excerpt's Markdown parser is built when the excerpt is first converted",
        (f"{_STRUCTURE}:Excerpt.__init__",),
        "d37731b5938eeda3",
    ),
    Patch(
        "blog-short-excerpts",
        "an excerpt converts only the Markdown before its separator, not the whole post",
        (f"{_STRUCTURE}:Excerpt.__init__", f"{_STRUCTURE}:Excerpt.render"),
        "56b3972f8c3a4b56",
    ),
    Patch(
        "blog-readtime-memo",
        "Material's reading time is computed once per distinct post HTML",
        (f"{_BLOG}.on_page_content", "material.plugins.blog.readtime:readtime"),
        "4593a47c5e983066",
    ),
    Patch(
        "blog-front-matter-memo",
        "Material parses each distinct post front matter once",
        (f"{_STRUCTURE}:Post.__init__",),
        "ae162fdebd2b3e82",
        serve_only=True,
    ),
    Patch(
        "search-skip-scan",
        "pages without data-search- attributes skip the search plugin's regex that removes them",
        ("material.plugins.search.plugin:SearchPlugin.on_page_context",),
        "cb4a1eac29d7acff",
    ),
    Patch(
        "search-memo",
        "a page's search index entries are computed once per distinct page",
        ("material.plugins.search.plugin:SearchIndex.add_entry_from_context",),
        "31669a692759be91",
    ),
    Patch(
        "render-cache",
        "Page.render and excerpt conversions answer from .bulletin-cache when nothing they "
        "depend on changed",
        ("mkdocs.structure.pages:Page.render", f"{_STRUCTURE}:Excerpt.render"),
        "74b7b5269202cfd8",
    ),
    Patch(
        "page-cache",
        "the theme's templates answer with the last build's output for an unchanged page",
        ("mkdocs.commands.build:_build_page", "mkdocs.commands.build:_build_template"),
        "9c82676051d2393c",
    ),
    Patch(
        "serve-gc",
        "no full garbage collection during a rebuild, one after it",
        (),
        "e3b0c44298fc1c14",
        serve_only=True,
    ),
    Patch(
        "serve-native-watch",
        "MkDocs' file watcher hears of saved files from inotify instead of polling",
        ("mkdocs.livereload:LiveReloadServer.__init__", "mkdocs.livereload:LiveReloadServer.watch"),
        "c91d018bb56c7f4d",
        serve_only=True,
    ),
    Patch(
        "material-sitemap-fetch",
        "the published copy of Material's script fetches sitemap.xml beside language "
        "alternates only (hreflang), not beside feed links",
        ("file:material:templates/assets/javascripts/bundle.*.min.js",),
        "401afe3b56d3365b",
        kind="gap",
        if_off="every page with a feed link asks for a feeds/sitemap.xml that does not exist",
    ),
    Patch(
        "authors-avatars",
        "BlogPlugin._resolve_authors gives authors without an avatar bulletin's initials picture",
        (f"{_BLOG}._resolve_authors",),
        "e609ca06cab9344b",
        kind="gap",
        if_off="authors without an avatar cannot be given their initials: give each an "
        "avatar in the authors file, or update bulletin",
    ),
    Patch(
        "excerpt-sanitise",
        "each excerpt's HTML and headings pass the same allow-list as a page's",
        (f"{_STRUCTURE}:Excerpt.render",),
        "437bb13be2584fde",
        kind="safety",
    ),
)

BY_NAME = {patch.name: patch for patch in PATCHES}


class PatchChanged(Exception):
    """A safety patch's guarded code has changed: the build cannot vouch for its pages."""


@functools.cache
def fingerprint(guards: tuple[str, ...]) -> str:
    """The sha256 of the installed source of ``guards`` (first 16 hex digits).

    Code that cannot be found or read counts as changed: its name goes into the hash.
    """
    hasher = hashlib.sha256()
    for guard in guards:
        if guard.startswith("file:"):  # "file:package:glob", a file the package ships
            hasher.update(_shipped_file(guard))
            hasher.update(b"\0")
            continue
        module_name, _, qualified = guard.partition(":")
        try:
            found: object = importlib.import_module(module_name)
            for part in qualified.split("."):
                found = getattr(found, part)
            source = inspect.getsource(found)  # type: ignore[arg-type]
        except (ImportError, AttributeError, OSError, TypeError):
            source = f"missing {guard}"
        hasher.update(source.encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()[:16]


def _shipped_file(guard: str) -> bytes:
    """The bytes of the one file matching a "file:package:glob" guard, or its name if not one."""
    _, package, pattern = guard.split(":", 2)
    try:
        root = Path(importlib.import_module(package).__file__ or "").parent
    except ImportError:
        return f"missing {guard}".encode()
    found = sorted(root.glob(pattern))
    return found[0].read_bytes() if len(found) == 1 else f"missing {guard}".encode()


class Patches:
    """Which patches this run may apply: decided once a patch is first asked for, and logged.

    ``speedups`` false leaves every ``speed`` patch off. ``serving`` says whether this is
    a `mkdocs serve` run, for the report of patches that only serve applies.
    """

    def __init__(self, *, speedups: bool = True, serving: bool = False) -> None:
        self.speedups = speedups
        self.serving = serving
        self.states: dict[str, str] = {}

    def allows(self, name: str) -> bool:
        """Whether patch ``name`` may be applied now; the first refusal is logged once."""
        if name not in self.states:
            self.states[name] = self._decide(BY_NAME[name])
        return self.states[name] == "applied"

    def _decide(self, patch: Patch) -> str:
        if patch.kind == "speed" and not self.speedups:
            return "off (speedups: false)"
        if fingerprint(patch.guards) == patch.fingerprint:
            return "applied"
        changed = ", ".join(guard.replace(":", ".") for guard in patch.guards)
        if patch.kind == "safety":
            raise PatchChanged(
                f"bulletin: {changed} is not the code bulletin's {patch.name} patch was written "
                f"for ({patch.changes}), so pages might not be cleaned; install the "
                "mkdocs-material version pinned in bulletin's pyproject.toml, or update bulletin"
            )
        reason = f"off ({changed} has changed since the version bulletin knows)"
        if patch.kind == "gap":
            log.warning("bulletin: patch %s is %s, so %s", patch.name, reason, patch.if_off)
        else:
            log.info(
                "bulletin: patch %s is %s; the output is the same, a little slower",
                patch.name,
                reason,
            )
        return reason

    def report(self) -> list[str]:
        """One line per patch: applied, off and why, or not used by this run."""
        lines = []
        for patch in PATCHES:
            state = self.states.get(patch.name)
            if state is None:
                state = (
                    "not used (serve only)" if patch.serve_only and not self.serving else "not used"
                )
            lines.append(f"patch {patch.name}: {state} [{patch.kind}] {patch.changes}")
        return lines

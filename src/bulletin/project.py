"""Where a project's sources are, read from mkdocs.yml without loading MkDocs.

`bulletin fee`, `bulletin new` and `bulletin import` need a handful of settings: the
docs folder, the blog's folders and series, bulletin's own files. Loading MkDocs'
configuration imports every plugin and Material's blog (most of a second); this reads
the YAML itself, with the same defaults, and gives the same ``SiteSources`` as
``config.sources_from_config`` (a test compares the two). A file it cannot read the
simple way (``INHERIT``, a tag it does not know where a setting is needed) gives None,
and the caller loads MkDocs after all. Whatever MkDocs would refuse is left to
`bulletin build` and `bulletin check`, which always load it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bulletin.model import MAX_POST_BYTES, SiteSources

# bulletin's settings under `plugins: - bulletin:` that have a default; config.py's schema
# takes its defaults from here, so the two cannot differ.
DEFAULTS: dict[str, Any] = {
    "newsletters_dir": "newsletters",
    "default_author": "",
    "fees_file": "fees.yml",
    "cache_dir": ".bulletin-cache",
    "speedups": True,
    "raw_html": False,
    "max_post_bytes": MAX_POST_BYTES,
    "glossary_file": "glossary.yml",
    "require": [],
    "output_dir": "build",
    "avatar_colour": "",
}

# Material's blog plugin defaults (material/plugins/blog/config.py); tests/test_project.py
# compares them with the installed Material's.
BLOG_DEFAULTS: dict[str, Any] = {
    "blog_dir": "blog",
    "post_dir": "{blog}/posts",
    "authors_file": "{blog}/.authors.yml",
    "categories_allowed": [],
    "post_excerpt": "optional",
    "post_excerpt_separator": "<!-- more -->",
    "post_url_format": "{date}/{slug}",
    "post_url_date_format": "yyyy/MM/dd",
}
MKDOCS_DOCS_DIR = "docs"  # MkDocs' default docs_dir


class _Unknown:
    """A value behind a YAML tag this reader does not resolve (!ENV, !relative, ...)."""


class _Loader(yaml.SafeLoader):
    pass


def _unknown(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Unknown:
    return _Unknown()


_Loader.add_multi_constructor("!", _unknown)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _unknown)


@dataclass(frozen=True, slots=True)
class Project:
    """The few settings of mkdocs.yml the quick commands need."""

    root: Path
    docs_dir: Path
    bulletin: dict[str, Any] = field(default_factory=dict)  # with DEFAULTS filled in
    blog: dict[str, Any] = field(default_factory=dict)  # with BLOG_DEFAULTS filled in
    extensions: tuple[str, ...] = ()
    extension_configs: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> SiteSources:
        """Where the sources are: as ``config.sources_from_config`` gives them."""
        from bulletin.blocks import configured_blocks

        return make_sources(
            self.root,
            self.docs_dir,
            self.bulletin,
            self.blog,
            configured_blocks(self.extensions, self.extension_configs),
        )


def read_project(config_file: Path) -> Project | None:
    """The settings the quick commands need, or None when only MkDocs can read the file."""
    try:
        data = yaml.load(config_file.read_text(encoding="utf-8-sig"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or "INHERIT" in data:
        return None
    root = config_file.resolve().parent
    docs = data.get("docs_dir", MKDOCS_DOCS_DIR)
    plugins = _entries(data.get("plugins"))
    extensions = _entries(data.get("markdown_extensions"))
    if docs is None or plugins is None or extensions is None or "bulletin" not in plugins:
        return None
    if any(options is not None and not isinstance(options, dict) for options in plugins.values()):
        return None
    bulletin = {**DEFAULTS, **(plugins["bulletin"] or {})}
    blog = {**BLOG_DEFAULTS, **(plugins.get("blog") or plugins.get("material/blog") or {})}
    settings = (docs, *bulletin.values(), *blog.values(), *extensions.values())
    if not all(_plain(value) for value in settings):
        return None
    return Project(
        root=root,
        docs_dir=(root / docs).resolve(),
        bulletin=bulletin,
        blog=blog,
        extensions=tuple(extensions),
        extension_configs={
            name: options for name, options in extensions.items() if options is not None
        },
    )


def make_sources(
    root: Path,
    docs_dir: Path,
    options: Mapping[str, Any],
    blog: Mapping[str, Any],
    block_names: tuple[str, ...] | None,
) -> SiteSources:
    """``SiteSources`` from bulletin's and the blog's settings (both paths come here)."""
    blog_dir = blog["blog_dir"]
    post_dir = os.path.normpath(blog["post_dir"].format(blog=blog_dir)).replace(os.sep, "/")
    authors_file = blog["authors_file"].format(blog=blog_dir)
    require = tuple(sorted(set(options["require"])))
    separator = (
        blog["post_excerpt_separator"]
        if blog["post_excerpt"] == "required" or "excerpt" in require
        else None
    )
    return SiteSources(
        root=root,
        docs_dir=docs_dir,
        posts_dir=docs_dir / post_dir,
        newsletters_dir=(root / options["newsletters_dir"]).resolve(),
        authors_file=docs_dir / authors_file,
        categories=tuple(blog["categories_allowed"]),
        post_uri_prefix=post_dir,
        url_format=blog["post_url_format"],
        url_date_format=blog["post_url_date_format"],
        excerpt_separator=separator,
        fees_file=docs_dir / options["fees_file"],
        glossary_file=docs_dir / options["glossary_file"],
        raw_html=options["raw_html"],
        max_post_bytes=options["max_post_bytes"],
        require=require,
        block_names=block_names,
    )


def _entries(entries: Any) -> dict[str, Any] | None:
    """A list of names or one-key mappings (``plugins:``, ``markdown_extensions:``) as
    name -> options (None: none given); None if it cannot be read simply."""
    if entries is None:
        return {}
    if isinstance(entries, dict):
        entries = [{name: options} for name, options in entries.items()]
    if not isinstance(entries, list):
        return None
    found: dict[str, Any] = {}
    for entry in entries:
        if isinstance(entry, str):
            found[entry] = None
        elif isinstance(entry, dict) and len(entry) == 1:
            name, options = next(iter(entry.items()))
            found[str(name)] = options
        else:
            return None
    return found


def _plain(value: Any) -> bool:
    """Plain YAML data, with no value behind an unknown tag."""
    if isinstance(value, _Unknown):
        return False
    if isinstance(value, dict):
        return all(_plain(item) for item in value.values())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return True

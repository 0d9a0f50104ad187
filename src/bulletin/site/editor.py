"""The browser editor at /admin/: Decap CMS and its configuration, made at each build.

``render_admin`` returns the files of /admin/ (the page, config.yml generated from
mkdocs.yml and the content, bulletin's editor components, and Decap CMS's own script
copied from the editor's npm folder, so no script comes from another website). Under
`bulletin serve` the editor saves through local_backend.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from bulletin.model import Site, SiteSources

ADMIN = "admin"
SCRIPT = "decap-cms.js"
COMPONENTS = "bulletin-editor.js"
MEDIA = "assets/images"  # inside docs_dir: where the editor puts uploaded pictures


class EditorError(ValueError):
    """A setting the editor cannot work with, or Decap CMS not installed by npm."""


@dataclass(frozen=True, slots=True)
class EditorSettings:
    """`bulletin: editor:` in mkdocs.yml (config.EditorConfig), as plain values."""

    backend: str = "github"
    repo: str = ""
    branch: str = "main"
    base_url: str = ""
    auth_endpoint: str = ""
    api_root: str = ""
    app_id: str = ""
    editorial_workflow: bool = True
    script: str = "editor/node_modules/decap-cms/dist/decap-cms.js"


@dataclass(frozen=True, slots=True)
class EditorSite:
    """What the editor's configuration is made from."""

    site_name: str
    site_url: str
    logo: str  # a path inside the site, "" for none
    stylesheets: tuple[str, ...]  # the site's own CSS, paths inside the site
    sources: SiteSources
    site: Site


def render_admin(
    settings: EditorSettings, editor_site: EditorSite, local_api: str | None
) -> dict[str, bytes | Path]:
    """The files of /admin/, by their path inside the site: bytes, or a file to copy.

    ``local_api`` (under `bulletin serve` only) is the local backend's address.
    """
    files: dict[str, bytes | Path] = {
        f"{ADMIN}/index.html": render_index(editor_site).encode("utf-8"),
        f"{ADMIN}/config.yml": render_config(settings, editor_site, local_api).encode("utf-8"),
        f"{ADMIN}/{COMPONENTS}": read_components(),
    }
    for name, path in script_files(editor_site.sources.root, settings.script).items():
        files[f"{ADMIN}/{name}"] = path
    return files


def script_files(root: Path, script: str) -> dict[str, Path]:
    """Decap CMS's script and the chunks it loads from beside itself, by file name."""
    path = (root / script).resolve()
    if not path.is_file():
        raise EditorError(
            f"mkdocs.yml: bulletin.editor.script: {script!r} does not exist; the editor "
            "(bulletin.editor.enabled: true) needs Decap CMS from npm: run "
            "`npm ci --prefix editor` once (Node 18 or later), or set enabled: false"
        )
    found = {SCRIPT: path}
    for chunk in sorted(path.parent.glob(f"*.{path.name}")):  # e.g. 103.decap-cms.js
        found[chunk.name] = chunk
    return found


def read_components() -> bytes:
    """bulletin's editor components and preview (static/editor/bulletin-editor.js)."""
    return (resources.files("bulletin") / "static" / "editor" / COMPONENTS).read_bytes()


def render_index(editor_site: EditorSite) -> str:
    """The page at /admin/: Decap's script and ours, both from this site, nothing else."""
    styles = json.dumps([f"../{path}" for path in editor_site.stylesheets])
    title = _html_text(f"Edit {editor_site.site_name}")
    return (
        "<!doctype html>\n"
        '<html lang="en-GB">\n'
        "<head>\n"
        '  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '  <meta name="robots" content="noindex">\n'
        f"  <title>{title}</title>\n"
        '  <link href="config.yml" type="text/yaml" rel="cms-config-url">\n'
        f'  <script id="bulletin-editor" type="application/json">{_script_json(styles)}</script>\n'
        "</head>\n"
        "<body>\n"
        f'  <script src="{SCRIPT}"></script>\n'
        f'  <script src="{COMPONENTS}"></script>\n'
        "</body>\n"
        "</html>\n"
    )


def render_config(settings: EditorSettings, editor_site: EditorSite, local_api: str | None) -> str:
    """Decap's config.yml: the backend, the media folders and one collection per kind."""
    sources, site = editor_site.sources, editor_site.site
    root = sources.root
    if settings.backend == "gitea" and settings.editorial_workflow:
        raise EditorError(
            "mkdocs.yml: bulletin.editor: Decap CMS's Gitea backend has no editorial workflow; "
            "set editorial_workflow: false and branch: to a branch of its own (e.g. editor) "
            "that is merged into the live one by pull request (docs/editing.md)"
        )
    if settings.backend != "git-gateway" and settings.repo.count("/") != 1:
        raise EditorError(
            f"mkdocs.yml: bulletin.editor.repo: expected the repository as owner/name, e.g. "
            f"tasp/news, got {settings.repo!r}"
        )
    docs = _relative(sources.docs_dir, root)
    backend: dict[str, Any] = {"name": settings.backend, "branch": settings.branch}
    if settings.backend != "git-gateway":
        backend["repo"] = settings.repo
    for key in ("base_url", "auth_endpoint", "api_root", "app_id"):
        if getattr(settings, key):
            backend[key] = getattr(settings, key)
    if settings.app_id and settings.backend in ("gitlab", "gitea"):
        backend["auth_type"] = "pkce"
    backend["squash_merges"] = True
    config: dict[str, Any] = {"backend": backend}
    if local_api is not None:  # `bulletin serve`: saves go straight to the files
        config["local_backend"] = {"url": local_api}
    elif settings.editorial_workflow:
        config["publish_mode"] = "editorial_workflow"
    config["site_url"] = editor_site.site_url
    config["display_url"] = editor_site.site_url
    if editor_site.logo:  # from this site, as everything the editor loads
        config["logo_url"] = f"../{editor_site.logo}"
    config["locale"] = "en"
    config["media_folder"] = f"{docs}/{MEDIA}"
    config["public_folder"] = f"/{MEDIA}"
    config["slug"] = {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"}
    authors = [{"label": author.name, "value": key} for key, author in sorted(site.authors.items())]
    posts_dir = _relative(sources.posts_dir, root)
    next_issue = 1 + max((post.issue or 0 for post in site.posts if post.is_newsletter), default=0)
    config["collections"] = [
        {
            "name": "posts",
            "label": "Posts",
            "label_singular": "Post",
            "folder": posts_dir,
            "create": True,
            "extension": "md",
            "format": "frontmatter",
            "slug": "{{slug}}",  # as `bulletin new` names files: the title, lower-case, hyphens
            "summary": "{{title}} ({{date}})",
            "sortable_fields": ["date", "title"],
            "media_folder": f"/{docs}/{MEDIA}",
            "public_folder": _up_to_docs(sources.post_uri_prefix) + MEDIA,
            "fields": _fields(sources, authors, newsletter=False),
        },
        {
            "name": "newsletters",
            "label": "Newsletters",
            "label_singular": "Newsletter issue",
            "folder": _relative(sources.newsletters_dir, root),
            "create": True,
            "extension": "md",
            "format": "frontmatter",
            "slug": "{{slug}}",
            "summary": "{{title}} (issue {{issue}})",
            "sortable_fields": ["date", "title", "issue"],
            "media_folder": f"/{docs}/{MEDIA}",
            # Inside docs_dir an issue sits at <posts>/newsletters/<slug>.md (sources.py).
            "public_folder": _up_to_docs(f"{sources.post_uri_prefix}/newsletters") + MEDIA,
            "fields": _fields(sources, authors, newsletter=True, next_issue=next_issue),
        },
    ]
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=1000)
    return "# Made by bulletin from mkdocs.yml and the content at each build: edit those.\n" + text


def _fields(
    sources: SiteSources, authors: list[dict[str, str]], *, newsletter: bool, next_issue: int = 1
) -> list[dict[str, Any]]:
    categories = list(sources.categories)
    category: dict[str, Any]
    if newsletter:
        category = {"widget": "hidden", "default": ["Newsletter"]}
    elif categories:
        series = [name for name in categories if name != "Newsletter"] or categories
        category = {"widget": "select", "multiple": True, "min": 1, "options": series}
    else:
        category = {"widget": "list"}
    description_hint = "One line saying what it is about: shown in lists, feeds and search."
    fields: list[dict[str, Any]] = [
        {"label": "Title", "name": "title", "widget": "string"},
        {
            "label": "Date",
            "name": "date",
            "widget": "datetime",
            "format": "YYYY-MM-DD",
            "date_format": "D MMMM YYYY",
            "time_format": False,
            "picker_utc": True,
            "default": "{{now}}",
        },
        {
            "label": "Authors",
            "name": "authors",
            "widget": "select",
            "multiple": True,
            "min": 1,
            "options": [dict(author) for author in authors],  # no YAML anchors shared
        },
        {"label": "Series", "name": "categories", **category},
        {"label": "Tags", "name": "tags", "widget": "list", "required": False},
        {
            "label": "Description",
            "name": "description",
            "widget": "string",
            "required": "description" in sources.require,
            "hint": description_hint,
        },
    ]
    if newsletter:
        fields += [
            {
                "label": "Issue number",
                "name": "issue",
                "widget": "number",
                "value_type": "int",
                "min": 1,
                "default": next_issue,  # as `bulletin new newsletter` numbers a new issue
            },
            {
                "label": "Edition (month)",
                "name": "edition",
                "widget": "string",
                "pattern": [r"^\d{4}-(0[1-9]|1[0-2])$", "the month as YYYY-MM, e.g. 2019-10"],
            },
        ]
    fields += [
        {
            "label": "Draft",
            "name": "draft",
            "widget": "boolean",
            "default": False,
            "required": False,
            "hint": "A draft is previewed but not published.",
        },
        {
            "label": "Picture when shared",
            "name": "image",
            "widget": "image",
            "required": False,
            "choose_url": False,
            "media_folder": f"/{_relative(sources.docs_dir, sources.root)}/{MEDIA}",
            "public_folder": MEDIA,  # front matter's image is a path inside the site
        },
        {
            "label": "What the picture shows",
            "name": "image_alt",
            "widget": "string",
            "required": False,
        },
        {
            "label": "Body",
            "name": "body",
            "widget": "markdown",
            # Raw first: bulletin's own syntax is saved exactly as written; rich text offers
            # bulletin's blocks from its + menu (bulletin-editor.js).
            "modes": ["raw", "rich_text"],
            "sanitize_preview": True,
        },
    ]
    return fields


def _relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def _up_to_docs(src_dir: str) -> str:
    """The relative path from a Markdown file in ``src_dir`` up to docs_dir, e.g. '../'."""
    depth = len([part for part in PurePosixPath(src_dir).parts if part not in ("", ".")])
    return "../" * depth


def preview_stylesheets(site_css: Iterable[str], extra_css: Sequence[str]) -> tuple[str, ...]:
    """The site's stylesheets for the preview pane: the theme's, then mkdocs.yml's extra_css.

    An address on another website is left out: the editor loads nothing from elsewhere.
    """
    ours = [uri for uri in extra_css if "//" not in uri and not uri.startswith("/")]
    return tuple(sorted(site_css)) + tuple(ours)


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _script_json(text: str) -> str:
    """JSON safe inside <script>: no '</' can close the element early."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

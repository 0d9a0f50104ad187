"""The browser editor at /admin/: its generated configuration, the local backend, Decap CMS.

The browser tests drive Decap CMS (installed by ./scripts/test into editor/node_modules)
in Chromium with no network, against `bulletin serve` on a scratch copy of the site.
Set BULLETIN_SCREENSHOTS to a folder to keep the screenshots of the post list and form.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bulletin.site.local_backend import BackendError, LocalBackend, local_backend_app
from conftest import ROOT, replace_in, run_bulletin, serving, snapshot

SCRIPT = ROOT / "editor" / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"
EDITOR_OFF = "      editor:\n        enabled: false\n"


def switch_on(site: Path) -> None:
    """Turn the editor on in a scratch site, with Decap from this checkout's npm folder."""
    if not SCRIPT.is_file():
        pytest.fail("Decap CMS is missing: run ./scripts/test (npm ci --prefix editor)")
    replace_in(
        site / "mkdocs.yml",
        EDITOR_OFF,
        f"      editor:\n        enabled: true\n        script: {SCRIPT}\n",
    )


def sample_entries(site: Path) -> list[tuple[str, str]]:
    """(collection, slug) of every post and newsletter of the sample."""
    posts = sorted(path.stem for path in (site / "content/posts").glob("*.md"))
    issues = sorted(path.stem for path in (site / "newsletters").glob("*.md"))
    return [("posts", slug) for slug in posts] + [("newsletters", slug) for slug in issues]


# -- configuration ------------------------------------------------------------------------


def test_the_sample_builds_without_the_editor(built_site) -> None:
    assert not (built_site.site / "admin").exists()


def test_a_missing_decap_is_refused_with_what_to_run(scratch_site: Path) -> None:
    replace_in(
        scratch_site / "mkdocs.yml",
        EDITOR_OFF,
        "      editor:\n        enabled: true\n        script: editor/missing.js\n",
    )
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert "bulletin.editor.script: 'editor/missing.js' does not exist" in result.stderr
    assert "npm ci --prefix editor" in result.stderr


def test_the_config_lists_exactly_the_authors_and_series(scratch_site: Path) -> None:
    switch_on(scratch_site)
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    admin = scratch_site / "build/site/admin"
    config = yaml.safe_load((admin / "config.yml").read_text("utf-8"))
    authors = yaml.safe_load((scratch_site / "content/authors.yml").read_text("utf-8"))["authors"]
    mkdocs = (scratch_site / "mkdocs.yml").read_text("utf-8")
    series = re.search(r"categories_allowed:\n((?:\s+- .*\n)+)", mkdocs)
    assert series is not None
    allowed = [line.strip()[2:] for line in series.group(1).splitlines()]

    found_series: list[str] = []
    for collection in config["collections"]:
        fields = {field["name"]: field for field in collection["fields"]}
        assert fields["authors"]["options"] == [
            {"label": author["name"], "value": key} for key, author in sorted(authors.items())
        ]
        categories = fields["categories"]
        found_series += categories.get("options") or categories["default"]
        assert list(fields)[-1] == "body"
    assert sorted(found_series) == sorted(allowed)  # posts choose a series; issues are Newsletter
    posts, issues = config["collections"]
    assert (posts["folder"], issues["folder"]) == ("content/posts", "newsletters")
    issue_fields = {field["name"]: field for field in issues["fields"]}
    assert issue_fields["issue"]["default"] == 2  # after the sample's issue 1
    assert issue_fields["categories"] == {
        "label": "Series",
        "name": "categories",
        "widget": "hidden",
        "default": ["Newsletter"],
    }
    assert "edition" in issue_fields
    assert config["publish_mode"] == "editorial_workflow"
    assert config["backend"]["name"] == "github"
    assert "local_backend" not in config  # only `bulletin serve` edits the files directly
    assert config["media_folder"] == "content/assets/images"
    # Decap's script and every chunk it loads, copied from npm; no address on another host.
    chunks = {path.name for path in SCRIPT.parent.glob("*.decap-cms.js")}
    assert chunks and chunks <= {path.name for path in admin.iterdir()}
    page = (admin / "index.html").read_text("utf-8")
    assert re.findall(r'<script src="([^"]+)"', page) == ["decap-cms.js", "bulletin-editor.js"]
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page))
    for css in json.loads(re.search(r'"application/json">(.*?)</script>', page).group(1)):
        assert (admin / css).resolve().is_file()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "backend: github",
            "backend: gitea",
            "mkdocs.yml: bulletin.editor: Decap CMS's Gitea backend has no editorial workflow; "
            "set editorial_workflow: false",
        ),
        (
            "repo: tasp-example/news",
            "repo: news",
            "mkdocs.yml: bulletin.editor.repo: expected the repository as owner/name, e.g. "
            "tasp/news, got 'news'",
        ),
        (
            "backend: github",
            "backend: bitbucket",
            "Expected one of: ('github', 'gitlab', 'gitea', 'git-gateway')",
        ),
    ],
)
def test_settings_the_editor_cannot_use_are_refused(
    scratch_site: Path, old: str, new: str, message: str
) -> None:
    switch_on(scratch_site)
    replace_in(scratch_site / "mkdocs.yml", f"        {old}\n", f"        {new}\n")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert message in result.stderr


# -- the local backend, without a browser ------------------------------------------------


@pytest.fixture
def backend(scratch_site: Path) -> LocalBackend:
    return LocalBackend(scratch_site, ["content", "newsletters"])


def test_the_backend_lists_and_reads_entries(backend: LocalBackend, scratch_site: Path) -> None:
    entries = backend.answer(
        {"action": "entriesByFolder", "params": {"folder": "newsletters", "extension": "md"}}
    )
    assert [entry["file"]["path"] for entry in entries] == [
        "newsletters/tasp-newsletter-october-2019.md"
    ]
    text = (scratch_site / "newsletters/tasp-newsletter-october-2019.md").read_text("utf-8")
    assert entries[0]["data"] == text


def test_the_backend_writes_entries_and_media_inside_its_folders(
    backend: LocalBackend, scratch_site: Path
) -> None:
    picture = base64.b64encode(b"GIF89a").decode()
    backend.answer(
        {
            "action": "persistEntry",
            "params": {
                "dataFiles": [{"path": "content/posts/a.md", "raw": "---\ntitle: A\n---\n"}],
                "assets": [
                    {
                        "path": "content/assets/images/a.gif",
                        "content": picture,
                        "encoding": "base64",
                    }
                ],
            },
        }
    )
    assert (scratch_site / "content/posts/a.md").read_text("utf-8") == "---\ntitle: A\n---\n"
    assert (scratch_site / "content/assets/images/a.gif").read_bytes() == b"GIF89a"
    media = backend.answer(
        {"action": "getMedia", "params": {"mediaFolder": "content/assets/images"}}
    )
    assert [(item["name"], item["content"]) for item in media] == [("a.gif", picture)]
    backend.answer({"action": "deleteFile", "params": {"path": "content/posts/a.md"}})
    assert not (scratch_site / "content/posts/a.md").exists()


@pytest.mark.parametrize(
    "path",
    ["mkdocs.yml", "../outside.md", "content/../mkdocs.yml", "/etc/passwd", ".git/config"],
)
def test_the_backend_refuses_paths_outside_content_and_newsletters(
    backend: LocalBackend, scratch_site: Path, path: str
) -> None:
    before = snapshot(scratch_site.parent)
    for request in (
        {"action": "persistEntry", "params": {"dataFiles": [{"path": path, "raw": "x"}]}},
        {"action": "getEntry", "params": {"path": path}},
        {"action": "deleteFile", "params": {"path": path}},
    ):
        with pytest.raises(BackendError) as refused:
            backend.answer(request)
        assert refused.value.status == 403
    assert snapshot(scratch_site.parent) == before


def test_a_request_from_another_website_is_refused(backend: LocalBackend, tmp_path: Path) -> None:
    app = local_backend_app(lambda environ, start: [b"site"], backend, tmp_path, "/")

    def post(body: bytes, **headers: str) -> tuple[str, Any]:
        import io

        environ = {
            "PATH_INFO": "/api/v1",
            "REQUEST_METHOD": "POST",
            "HTTP_HOST": "127.0.0.1:8000",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            **headers,
        }
        answer: list[str] = []
        data = b"".join(app(environ, lambda status, headers: answer.append(status)))
        return answer[0], json.loads(data)

    info = b'{"action": "info"}'
    assert post(info)[0] == "200 OK"
    assert post(info, HTTP_ORIGIN="http://127.0.0.1:8000")[0] == "200 OK"
    assert post(info, HTTP_ORIGIN="https://evil.example")[0].startswith("403")
    assert post(info, HTTP_HOST="evil.example:8000")[0].startswith("403")  # DNS rebinding
    assert post(info, CONTENT_TYPE="text/plain")[0].startswith("415")  # a form's simple POST


# -- in the browser -----------------------------------------------------------------------


@pytest.fixture
def editing(scratch_site: Path) -> Iterator[tuple[Path, str]]:
    """`bulletin serve` on a scratch site with the editor on; yields (root, /admin/ URL)."""
    switch_on(scratch_site)
    with serving(scratch_site, "admin/config.yml") as url:
        yield scratch_site, url + "admin/"


class Editor:
    """One Chromium page on the editor, recording every address it asks for."""

    def __init__(self, browser: Any, url: str, mode: str = "raw") -> None:
        self.url = url
        self.page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(url)
        self.page.evaluate(f"localStorage.setItem('cms.md-mode', {mode!r})")
        self.page.get_by_role("button", name="Login").click()
        self.page.get_by_text("Collections").wait_for()

    def open(self, collection: str, slug: str) -> None:
        self.page.goto("about:blank")  # a fresh load: what was saved is the new original
        self.page.goto(f"{self.url}#/collections/{collection}/entries/{slug}")
        self.field("title").wait_for()

    def field(self, name: str) -> Any:
        return self.page.locator(f"[id^='{name}-field-']").first

    def publish(self) -> None:
        self.page.get_by_text("Unsaved changes").wait_for(timeout=10_000)
        self.page.get_by_role("button", name="Publish").click()
        self.page.get_by_text("Publish now").click()
        self.page.get_by_text("Changes saved").wait_for(timeout=10_000)

    def click_body_start(self) -> None:
        """Put the cursor at the start of the body's first paragraph (rich-text mode)."""
        self.page.wait_for_timeout(500)  # the rich-text editor settles after it first renders
        self.page.locator("[data-slate-editor] p").first.click(position={"x": 3, "y": 5})
        self.page.wait_for_function(
            "document.activeElement && document.activeElement.closest('[data-slate-editor]')"
        )
        self.page.keyboard.press("Home")

    def choose(self, name: str, option: str) -> None:
        self.field(name).click()
        self.page.get_by_text(option, exact=True).click()

    def others(self) -> list[str]:
        """Addresses asked for that are not on the preview server itself."""
        mine = self.url.split("/admin/")[0] + "/"
        return [url for url in self.requests if not url.startswith((mine, "about:", "blob:"))]


def wait_for(condition: Any, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


BODY = """The spring forum brought forty practitioners together.

<!-- more -->

/// members | Welcome to our newest members
- Harrow
- Brent
///

The SPF report is next.

*[SPF]: spring practitioner forum
"""


@pytest.mark.browser
def test_a_post_made_in_the_editor_is_saved_and_published(editing, browser) -> None:
    root, url = editing
    editor = Editor(browser, url)
    page = editor.page
    shots = os.environ.get("BULLETIN_SCREENSHOTS")
    if shots:
        page.get_by_text("New year, new safeguarding directions").wait_for()
        page.screenshot(path=str(Path(shots) / "editor-list.png"))
    page.goto(url + "#/collections/posts/new")
    editor.field("title").fill("Spring forum: what we learned")
    editor.field("date").fill("2024-03-01")
    editor.choose("authors", "Richard Blake")
    editor.choose("categories", "Chair blog")
    editor.field("description").fill("What forty practitioners told us at the spring forum.")
    page.locator("[data-slate-editor]").first.click()
    page.keyboard.type(BODY)
    if shots:
        page.locator("[id^='title-field-']").first.scroll_into_view_if_needed()
        page.screenshot(path=str(Path(shots) / "editor-form.png"))
    editor.publish()

    saved = root / "content/posts/spring-forum-what-we-learned.md"  # named as `bulletin new` does
    wait_for(saved.is_file, saved.name)
    text = saved.read_text("utf-8")
    front, body = text.split("---\n", 2)[1:]
    assert yaml.safe_load(front) == {
        "title": "Spring forum: what we learned",
        "date": date(2024, 3, 1),
        "authors": ["richard"],
        "categories": ["Chair blog"],
        "description": "What forty practitioners told us at the spring forum.",
    }
    assert body.strip() == BODY.strip()  # bulletin's blocks, the break and abbreviations as typed
    assert editor.others() == []

    check = run_bulletin(root, "check", "--strict")
    assert check.returncode == 0, check.stdout + check.stderr
    assert run_bulletin(root, "build").returncode == 0
    built = (root / "build/site/2024/03/spring-forum-what-we-learned/index.html").read_text("utf-8")
    assert "Welcome to our newest members" in built and 'class="admonition members"' in built
    assert '<abbr title="spring practitioner forum">SPF</abbr>' in built

    # Edited again in rich text, the blocks come back exactly as bulletin reads them.
    rich = Editor(browser, url, mode="rich_text")
    rich.open("posts", "spring-forum-what-we-learned")
    rich.click_body_start()
    rich.page.keyboard.type("Last month ")
    rich.publish()
    wait_for(lambda: "Last month The spring" in saved.read_text("utf-8"), "the rich-text save")
    again = saved.read_text("utf-8")
    for line in ("<!-- more -->", "/// members | Welcome to our newest members", "///"):
        assert f"\n{line}\n" in again
    assert "\n*[SPF]: spring practitioner forum" in again
    assert rich.others() == []


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["raw", "rich_text"])
def test_saving_every_entry_unchanged_leaves_the_build_as_it_was(
    editing, browser, mode: str
) -> None:
    root, url = editing
    before_result = run_bulletin(root, "build")
    assert before_result.returncode == 0, before_result.stderr
    before = snapshot(root / "build")
    sources = {path: path.read_bytes() for path in root.glob("*/**/*.md")}
    editor = Editor(browser, url, mode=mode)
    entries = sample_entries(root)
    for collection, slug in entries:
        # Decap saves only what changed: change one letter, save, change it back, save. In
        # raw mode the title (the whole front matter is written again); in rich text the
        # body, which Decap then writes again from its rich-text tree.
        for step in ("add", "remove"):
            editor.open(collection, slug)
            if mode == "raw":
                editor.field("title").click()
                editor.page.keyboard.press("End")
                key = "x" if step == "add" else "Backspace"
            else:
                editor.click_body_start()
                key = "x" if step == "add" else "Delete"
            editor.page.keyboard.press(key)
            editor.publish()
    changed = [path for path, data in sources.items() if path.read_bytes() != data]
    assert len(changed) == len(entries)  # each was written again by the editor
    assert editor.others() == []
    after_result = run_bulletin(root, "build")
    assert after_result.returncode == 0, after_result.stderr
    after = snapshot(root / "build")
    assert sorted(after) == sorted(before)
    assert [name for name in before if before[name] != after[name]] == []

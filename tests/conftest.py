"""Shared fixtures: a scratch copy of the sample site, and a built copy of it."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE_PARTS = ("mkdocs.yml", "content", "newsletters", "overrides")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Builds run in a copy of the site, so a relative PYTHONPATH=src would not reach this checkout's
# package (the venv's editable install of another checkout would be built instead).
_PYTHONPATH = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
BUILD_ENV = {
    **os.environ,
    "PYTHONPATH": _PYTHONPATH,
    "NO_MKDOCS_2_WARNING": "1",
    "SOURCE_DATE_EPOCH": "1732492800",
}


def copy_site(target: Path) -> Path:
    """Copy the sample site's sources (not its output) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for part in SITE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


def run_bulletin(
    site: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``bulletin ARGS`` in ``site``, with BUILD_ENV or the ``env`` given."""
    return _run(site, "bulletin.cli", args, env)


def run_mkdocs(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Plain ``mkdocs ARGS`` in ``site``: bulletin as MkDocs' plugin only."""
    return _run(site, "mkdocs", args, None)


def _run(
    site: Path, module: str, args: tuple[str, ...], env: dict[str, str] | None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=site,
        env=BUILD_ENV if env is None else env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a scratch site's file in place; fail if ``old`` is not there, so no edit is lost."""
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new), "utf-8")


def add_draft_issue(site: Path, slug: str = "tasp-newsletter-november-2019") -> Path:
    """Add a draft newsletter issue to a scratch site: the October issue, a month on."""
    text = (site / "newsletters/tasp-newsletter-october-2019.md").read_text("utf-8")
    for old, new in (
        ("date: 2019-10-14\n", "date: 2019-11-11\ndraft: true\n"),
        ("October 2019", "November 2019"),
        ("issue: 1\n", "issue: 2\n"),
        ('edition: "2019-10"', 'edition: "2019-11"'),
    ):
        assert old in text, f"{old!r} is not in the October issue"
        text = text.replace(old, new)
    path = site / "newsletters" / f"{slug}.md"
    path.write_text(text, "utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, to compare two states of an output."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def scratch_site(tmp_path: Path) -> Path:
    """A private copy of the sample site that a test may break in exactly one place."""
    return copy_site(tmp_path / "site")


@dataclass(frozen=True)
class BuiltSite:
    root: Path
    result: subprocess.CompletedProcess[str]

    @property
    def site(self) -> Path:
        return self.root / "build" / "site"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The sample site built once with ``bulletin build``, shared by read-only tests."""
    root = copy_site(tmp_path_factory.mktemp("built") / "site")
    result = run_bulletin(root, "build")
    assert result.returncode == 0, result.stderr
    return BuiltSite(root, result)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: BuiltSite) -> Iterator[str]:
    """The built sample site served on 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run ./scripts/test, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(site: Path, ready_path: str = "") -> Iterator[str]:
    """`bulletin serve` of ``site`` on a free port; yields its address once ``ready_path``
    answers, and stops the server afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin.cli", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=site,
        env=BUILD_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(url + ready_path, timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(process.stderr.read() if process.stderr else "serve stopped")
                if time.monotonic() > deadline:
                    pytest.fail(f"bulletin serve did not answer {url + ready_path} in 60 s")
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)

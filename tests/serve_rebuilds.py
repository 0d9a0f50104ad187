"""Rebuild a site the way `mkdocs serve` does: one process, one line on stdin per rebuild.

For each line NAME read, the site is built again (the plugins, and bulletin's caches,
kept from the builds before, as under `bulletin serve`) and the preview folder is copied
to OUT/NAME; NAME is then printed, so a test can edit the sources and ask again. A build
that fails is reported as `mkdocs serve` does, and the server goes on: its logged errors
go to OUT/NAME.errors and "NAME failed" is printed.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

SERVE_URL = "http://127.0.0.1:8000/"


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main(site: Path, out: Path) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out.mkdir(parents=True, exist_ok=True)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    os.chdir(site)
    site_dir = tempfile.mkdtemp(prefix="mkdocs_")

    def get_config():  # as mkdocs.commands.serve does for each rebuild
        config = load_config(config_file="mkdocs.yml", site_dir=site_dir)
        config.site_url = SERVE_URL
        return config

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        for line in sys.stdin:
            name = line.strip()
            errors.messages.clear()
            try:
                build(get_config(), serve_url=SERVE_URL)
            except Exception:  # `mkdocs serve` logs it and waits for the next save
                (out / f"{name}.errors").write_text("\n".join(errors.messages), encoding="utf-8")
                print(f"{name} failed", flush=True)
                continue
            shutil.copytree(site_dir, out / name)
            print(name, flush=True)
    finally:
        config.plugins.on_shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

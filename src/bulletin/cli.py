"""The ``bulletin`` command: thin wrappers around MkDocs and the package's functions."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError

DEFAULT_CONFIG = "mkdocs.yml"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bulletin",
        description="Build a partnership's website, feeds and newsletter emails from Markdown.",
    )
    parser.add_argument(
        "-f",
        "--config-file",
        default=DEFAULT_CONFIG,
        help="the site's mkdocs.yml (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "build", help="validate every source and build the site, feeds and emails into build/"
    )
    serve = commands.add_parser("serve", help="preview the site with live reload (drafts shown)")
    serve.add_argument(
        "-a", "--dev-addr", default=None, help="address to serve on, e.g. 127.0.0.1:8000"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config_file = Path(args.config_file)
    if not config_file.is_file():
        print(
            f"bulletin: no {config_file} here; run bulletin in the site's folder or pass -f",
            file=sys.stderr,
        )
        return 2
    try:
        if args.command == "build":
            return run_build(config_file)
        if args.command == "serve":
            from mkdocs.commands.serve import serve as mkdocs_serve

            mkdocs_serve(config_file=str(config_file), dev_addr=args.dev_addr)
            return 0
    except Abort:
        # MkDocs has already logged the problems; the previous output was left alone.
        print(
            "bulletin: the build stopped; fix the problems above and build again", file=sys.stderr
        )
        return 1
    except (ConfigurationError, PluginError) as error:
        print(f"bulletin: {error}", file=sys.stderr)
        return 1
    return 2


def run_build(config_file: Path) -> int:
    """Run the same build as ``mkdocs build``, from Python."""
    config = load_config(config_file=str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The ``bulletin`` command: thin wrappers around MkDocs and the package's functions."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError

from bulletin.model import LONDON, Site

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
    build = commands.add_parser(
        "build", help="validate every source and build the site, feeds and emails into build/"
    )
    build.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    build.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="publish as on this day (default: today); scheduled posts up to it appear",
    )
    new = commands.add_parser(
        "new", help="start a post or a newsletter issue with its front matter filled in"
    )
    new.add_argument("kind", choices=["post", "newsletter"])
    new.add_argument("--title", required=True, help='the title, e.g. "March update"')
    new.add_argument(
        "--category", default="Manager blog", help="the series of a post (default: %(default)s)"
    )
    new.add_argument(
        "--author",
        help="an author key from the authors file (default: default_author in mkdocs.yml)",
    )
    new.add_argument("--date", metavar="YYYY-MM-DD", help="the publication date (default: today)")
    check = commands.add_parser(
        "check", help="run every validation and content check; nothing is written"
    )
    check.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit status 1)"
    )
    serve = commands.add_parser("serve", help="preview the site with live reload (drafts shown)")
    serve.add_argument(
        "-a", "--dev-addr", default=None, help="address to serve on, e.g. 127.0.0.1:8000"
    )
    fee = commands.add_parser("fee", help="what a partnership pays for a number of representatives")
    fee.add_argument(
        "representatives", help="how many representatives get member benefits, e.g. 12"
    )
    fee.add_argument(
        "--year", help="the membership year, e.g. 2019/20 (default: the one in force today)"
    )
    email = commands.add_parser("email", help="build one newsletter issue's email on its own")
    email.add_argument(
        "slug", help="the issue's file name without .md, e.g. tasp-newsletter-october-2019"
    )
    email.add_argument(
        "--out",
        default="build/email",
        help="folder for the .html, .txt and .eml (default: %(default)s)",
    )
    send = commands.add_parser(
        "send", help="send a proof of a built issue (.eml) through SMTP (BULLETIN_SMTP_* settings)"
    )
    send.add_argument("slug")
    send.add_argument("--to", required=True, help="the address that receives the proof")
    send.add_argument("--from-dir", default="build/email", help="where the built .eml files are")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    quiet = getattr(args, "quiet", False)
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s")
    config_file = Path(args.config_file)
    if not config_file.is_file():
        print(
            f"bulletin: no {config_file} here; run bulletin in the site's folder or pass -f",
            file=sys.stderr,
        )
        return 2
    try:
        if args.command == "build":
            if args.as_of:
                os.environ["BULLETIN_NOW"] = args.as_of
            return run_build(config_file)
        if args.command == "check":
            return run_check(config_file, args.strict)
        if args.command == "new":
            return run_new(config_file, args)
        if args.command == "fee":
            return run_fee(config_file, args.representatives, args.year)
        if args.command == "email":
            return run_email(config_file, args.slug, Path(args.out))
        if args.command == "send":
            return run_send(Path(args.from_dir) / f"{args.slug}.eml", args.to)
        if args.command == "serve":
            from mkdocs.commands.serve import serve as mkdocs_serve

            with preview_in_memory():
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


@contextlib.contextmanager
def preview_in_memory() -> Iterator[None]:
    """Let `mkdocs serve` keep its preview site in RAM (/dev/shm) where Linux offers it.

    Every rebuild deletes and rewrites the whole preview: about 1,600 files for a site of
    1,000 posts, which takes several times longer on disk than in memory.
    """
    shm = Path("/dev/shm")
    previous = tempfile.tempdir
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        tempfile.tempdir = str(shm)
    try:
        yield
    finally:
        tempfile.tempdir = previous


def run_build(config_file: Path) -> int:
    """Run the same build as ``mkdocs build``, from Python."""
    config = load_config(config_file=str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()
    return 0


def run_check(config_file: Path, strict: bool) -> int:
    """Validate every source and run the content checks, printing one line per finding."""
    from bulletin.checks import Finding, check_site, format_report
    from bulletin.errors import ContentError
    from bulletin.plugin import publication_time, sources_from_config
    from bulletin.sources import load_site

    config = load_config(config_file=str(config_file))
    options = config.plugins["bulletin"].config
    sources = sources_from_config(config, options)
    try:
        site = load_site(sources, now=publication_time())
    except ContentError as error:
        found = [
            Finding(
                p.path,
                p.line,
                "error",
                "content",
                f"{p.field}: {p.message}" if p.field else p.message,
            )
            for p in error.problems
        ]
        print(format_report(found, [], strict)[0], end="")
        return 1
    organisation, email = options.organisation, options.email
    addresses = (
        organisation.email,
        email.from_address,
        email.reply_to,
        email.contributions_email,
        email.unsubscribe_mailto,
    )
    findings = check_site(
        site,
        sources,
        known_acronyms=set(site.glossary),
        email_sizes=built_email_sizes(site, sources.root, options.output_dir),
        email_budget=email.size_limit,
        allowed_emails={address for address in addresses if address},
        allowed_phones={organisation.phone} if organisation.phone else set(),
    )
    text, status = format_report(findings, list(site.scheduled), strict)
    print(text, end="")
    return status


def built_email_sizes(site: Site, root: Path, output_dir: str) -> dict[str, int]:
    """Sizes of the last build's emails, where newer than their source (no rendering here)."""
    sizes = {}
    for post in site.newsletters:
        built = root / output_dir / "email" / f"{post.slug}.html"
        source = root / post.path
        if built.is_file() and built.stat().st_mtime >= source.stat().st_mtime:
            sizes[post.slug] = built.stat().st_size
    return sizes


def run_new(config_file: Path, args: argparse.Namespace) -> int:
    """Create a post or newsletter file from the scaffold templates."""
    import difflib
    from datetime import date

    from bulletin.plugin import sources_from_config
    from bulletin.scaffold import Draft, next_issue, render_draft, slugify, write_new
    from bulletin.sources import load_authors

    config = load_config(config_file=str(config_file))
    plugin = config.plugins["bulletin"]
    sources = sources_from_config(config, plugin.config)
    try:
        day = date.fromisoformat(args.date) if args.date else datetime.now(LONDON).date()
    except ValueError:
        print(f"bulletin new: --date {args.date!r} is not a date like 2024-03-08", file=sys.stderr)
        return 2
    problems: list = []
    authors = load_authors(sources, problems)
    author = args.author or plugin.config.default_author
    category = "Newsletter" if args.kind == "newsletter" else args.category
    errors = []
    if author not in authors:
        close = difflib.get_close_matches(author or "", list(authors), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        errors.append(f"unknown author {author!r}; {hint}known: {', '.join(authors) or 'none'}")
    if sources.categories and category not in sources.categories:
        errors.append(f"unknown category {category!r}; known: {', '.join(sources.categories)}")
    slug = slugify(args.title)
    if not slug:
        errors.append("the title has no letters or digits to name the file with")
    if errors:
        for error in errors:
            print(f"bulletin new: {error}", file=sys.stderr)
        return 2
    if args.kind == "newsletter":
        issue, edition = next_issue(sources.newsletters_dir, day)
        folder = sources.newsletters_dir
    else:
        issue, edition, folder = None, None, sources.posts_dir
    organisation = plugin.config.organisation
    draft = Draft(
        title=args.title,
        day=day,
        author=author,
        category=category,
        organisation=organisation.short_name or organisation.name,
        issue=issue,
        edition=edition,
    )
    try:
        path = write_new(folder, slug, render_draft(args.kind, draft))
    except FileExistsError:
        print(
            f"bulletin new: {folder / slug}.md already exists; choose another title",
            file=sys.stderr,
        )
        return 1
    shown = os.path.relpath(path)
    print(f"Created {shown}")
    print("It is a draft: `bulletin serve` shows it; delete `draft: true` to publish it.")
    return 0


def run_fee(config_file: Path, representatives: str, year: str | None) -> int:
    """Print the fee for a number of representatives, from the site's fee data."""
    from bulletin.errors import ContentError
    from bulletin.fees import format_quote, load_fees, parse_representatives, quote

    config = load_config(config_file=str(config_file))
    plugin = config.plugins["bulletin"]
    path = Path(config.docs_dir) / plugin.config.fees_file
    try:
        schedules = load_fees(path, os.path.relpath(path))
        count = parse_representatives(representatives)
        today = None if year else datetime.now(LONDON).date()
        print(format_quote(quote(schedules, count, year=year, on=today)))
    except ContentError as error:
        print(error.report(), file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"bulletin fee: {error}", file=sys.stderr)
        return 2
    return 0


def run_email(config_file: Path, slug: str, out: Path) -> int:
    """Render one newsletter issue: the site is built in a scratch folder, only the email is kept."""
    config = load_config(config_file=str(config_file))
    plugin = config.plugins["bulletin"]
    newsletters = Path(config.config_file_path).parent / plugin.config.newsletters_dir
    if not (newsletters / f"{slug}.md").is_file():
        known = ", ".join(sorted(path.stem for path in newsletters.glob("*.md"))) or "none"
        print(f"bulletin: no newsletter {slug!r} in {newsletters}; known: {known}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bulletin-email-") as scratch:
        plugin.email_only = slug
        plugin.email_dir = Path(scratch) / "email"
        config.site_dir = str(Path(scratch) / "site")
        config.plugins.on_startup(command="email", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
        made = sorted(plugin.email_dir.glob(f"{slug}.*"))
        if not made:
            print(
                f"bulletin: {slug} is not published (a draft, or dated in the future)",
                file=sys.stderr,
            )
            return 1
        out.mkdir(parents=True, exist_ok=True)
        for path in made:
            shutil.copyfile(path, out / path.name)
            print(out / path.name)
    return 0


def run_send(eml: Path, to: str) -> int:
    from bulletin.proof import ProofError, send_proof

    if not eml.is_file():
        print(
            f"bulletin: {eml} does not exist; build it first with bulletin build", file=sys.stderr
        )
        return 1
    try:
        send_proof(eml.read_bytes(), to, os.environ)
    except ProofError as error:
        print(f"bulletin: {error}", file=sys.stderr)
        return 1
    print(f"Sent a proof of {eml.name} to {to}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The ``bulletin`` command: thin wrappers around MkDocs and the package's functions."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bulletin.model import LONDON, Post, Site, SiteSources

DEFAULT_CONFIG = "mkdocs.yml"


# MkDocs is imported when a command needs it, not at start: `bulletin --help` and argument
# mistakes answer without loading its build machinery.
def load_config(**kwargs: Any) -> Any:
    from mkdocs.config import load_config as load

    return load(**kwargs)


def mkdocs_build(config: Any) -> None:
    from mkdocs.commands.build import build

    build(config)


SEND_EPILOG = """\
settings, from the environment:
  BULLETIN_SMTP_HOST      the SMTP server (required)
  BULLETIN_SMTP_PORT      its submission port (default: 587)
  BULLETIN_SMTP_USER      the account to log in as, with BULLETIN_SMTP_PASSWORD
  BULLETIN_SMTP_PASSWORD  (both or neither: neither sends without logging in)
STARTTLS is used whenever the server offers it, and a password is never sent
without it. Implicit TLS (port 465) is not supported: use port 587.

example, Microsoft 365 (the account needs SMTP AUTH enabled):
  export BULLETIN_SMTP_HOST=smtp.office365.com BULLETIN_SMTP_PORT=587
  export BULLETIN_SMTP_USER=newsletter@example.org
  read -rs BULLETIN_SMTP_PASSWORD && export BULLETIN_SMTP_PASSWORD
  bulletin send tasp-newsletter-october-2019 --to "me@example.org, chair@example.org"
Gmail: BULLETIN_SMTP_HOST=smtp.gmail.com, port 587, and an app password
(Google account > Security > App passwords), not the account's own password.
"""


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
        "-v", "--verbose", action="store_true", help="also print MkDocs' own progress notes"
    )
    build.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="publish as on this day (default: today); scheduled posts up to it appear",
    )
    new = commands.add_parser(
        "new",
        help="start a post or a newsletter issue with its front matter filled in, or add an author",
        usage="%(prog)s post|newsletter --title TITLE [options]\n"
        "       %(prog)s author KEY --name NAME --role ROLE [--avatar PATH]",
    )
    new.add_argument("kind", choices=["post", "newsletter", "author"])
    new.add_argument(
        "key", nargs="?", metavar="KEY", help="author: the key posts name them by, e.g. ian"
    )
    new.add_argument("--title", help='post, newsletter: the title, e.g. "March update"')
    new.add_argument(
        "--category", default="Manager blog", help="the series of a post (default: %(default)s)"
    )
    new.add_argument(
        "--author",
        help="an author key from the authors file (default: default_author in mkdocs.yml)",
    )
    new.add_argument("--date", metavar="YYYY-MM-DD", help="the publication date (default: today)")
    new.add_argument("--name", help='author: the name shown on posts, e.g. "Ian Smith"')
    new.add_argument("--role", help='author: their role, e.g. "Independent Scrutineer"')
    new.add_argument(
        "--avatar",
        metavar="PATH",
        help="author: a picture inside the docs folder, e.g. assets/avatars/ian.png, or an "
        "https:// address (default: a picture of their initials)",
    )
    word = commands.add_parser(
        "import",
        help="make a draft post or newsletter issue from a Word document (.docx)",
        usage="%(prog)s FILE.docx [--category C] [--author KEY] [--date YYYY-MM-DD] [--title T]",
    )
    word.add_argument("file", metavar="FILE.docx", help="the Word document to import")
    word.add_argument(
        "--category",
        default="Manager blog",
        help="the series; Newsletter makes an issue in the newsletters folder "
        "(default: %(default)s)",
    )
    word.add_argument(
        "--author",
        help="an author key from the authors file (default: the document's author, "
        "File > Info in Word, when the authors file has that name)",
    )
    word.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the publication date (default: the day the document was created, else last saved)",
    )
    word.add_argument("--title", help="the title (default: the document's Title or first heading)")
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
    email = commands.add_parser(
        "email",
        help="build one newsletter issue's email on its own (drafts and scheduled issues too)",
    )
    email.add_argument(
        "slug", help="the issue's file name without .md, e.g. tasp-newsletter-october-2019"
    )
    email.add_argument(
        "--out",
        help="folder for the .html, .txt and .eml (default: build/email for a published issue; "
        "for a draft or scheduled one a new temporary folder, as build/email is for published "
        "issues only)",
    )
    send = commands.add_parser(
        "send",
        help="send a proof of an issue, as its sources are now, through SMTP",
        description="Render the issue from its sources as they are now (drafts and scheduled\n"
        "issues too; nothing is published) and send it as a proof: subject\n"
        "'[Proof] <title>', a Message-ID of its own and the current date.",
        epilog=SEND_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("slug", help="the issue's file name without .md")
    send.add_argument(
        "--to",
        required=True,
        help="who receives the proof: an address, or several separated by commas",
    )
    args = parser.parse_args(argv)
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    quiet = getattr(args, "quiet", False)
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s")
    if getattr(args, "verbose", False):  # bulletin's own notes too: the patches it applied
        logging.getLogger("mkdocs.plugins.bulletin").setLevel(logging.DEBUG)
    else:
        for handler in logging.getLogger().handlers:
            handler.addFilter(hide_mkdocs_notes)
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
                problem = day_problem(args.as_of)
                if problem:
                    print(f"bulletin build: --as-of: {problem}", file=sys.stderr)
                    return 2
            return run_build(
                config_file, as_of=date.fromisoformat(args.as_of) if args.as_of else None
            )
        if args.command == "check":
            return run_check(config_file, args.strict)
        if args.command == "new":
            return run_new(config_file, args)
        if args.command == "import":
            return run_import(config_file, args)
        if args.command == "fee":
            return run_fee(config_file, args.representatives, args.year)
        if args.command == "email":
            return run_email(config_file, args.slug, Path(args.out) if args.out else None)
        if args.command == "send":
            return run_send(config_file, args.slug, args.to)
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
    except OSError as error:  # a full disk, a folder it may not write to: no traceback
        unchanged = "; nothing was published" if args.command == "build" else ""
        print(f"bulletin: {describe_os_error(error)}{unchanged}", file=sys.stderr)
        return 1
    return 2


def day_problem(text: str) -> str | None:
    """Why ``text`` is not a calendar day written YYYY-MM-DD; None if it is one."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return f"{text!r} is not a date written YYYY-MM-DD, like 2024-03-08"
    try:
        date.fromisoformat(text)
    except ValueError as error:
        return f"{text} is not a real date ({error}); write it as YYYY-MM-DD, like 2024-03-08"
    return None


def describe_os_error(error: OSError) -> str:
    """A failed read or write as something to act on: what went wrong, where, what to do."""
    where = f": {os.path.relpath(error.filename)}" if error.filename else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full{where}; free some space on the disk and run the command again"
    if error.errno in (errno.EACCES, errno.EPERM):
        return (
            f"permission denied{where}; check that your account may read and write there "
            "(and that no other program has the file open), then run the command again"
        )
    if error.errno == errno.EROFS:
        return f"the disk is read-only{where}; work on a disk you can write to"
    return f"{error.strerror or error}{where}; check the file and the disk, then try again"


MKDOCS_NOTES = ("Cleaning site directory", "Building documentation to directory: ")
"""MkDocs' progress notes that name the staging folder and read like problems: shown with -v."""


def hide_mkdocs_notes(record: logging.LogRecord) -> bool:
    return not (record.name.startswith("mkdocs.") and record.getMessage().startswith(MKDOCS_NOTES))


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


def project_settings(config_file: Path) -> tuple[SiteSources, Mapping[str, Any]]:
    """Where the sources are, and bulletin's settings: from mkdocs.yml read directly (quick),
    or through MkDocs when only MkDocs can read it (INHERIT, !ENV...)."""
    from bulletin.project import read_project

    project = read_project(config_file)
    if project is not None:
        return project.sources, project.bulletin
    from bulletin.site.config import sources_from_config

    config = load_config(config_file=str(config_file))
    options = config.plugins["bulletin"].config
    return sources_from_config(config, options), options


def run_build(config_file: Path, *, as_of: date | None = None) -> int:
    """Run the same build as ``mkdocs build``, from Python, publishing as on ``as_of``."""
    config = load_config(config_file=str(config_file))
    config.plugins["bulletin"].use(as_of=as_of)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    except OSError as error:  # main() reports it: as the file it was to become
        output = Path(config.config_file_path).parent / config.plugins["bulletin"].config.output_dir
        show_as_published(error, output)
        raise
    finally:
        config.plugins.on_shutdown()
    return 0


def show_as_published(error: OSError, output: Path) -> None:
    """Name the file of a failed write in the staging folder by its place in ``output``."""
    from bulletin.outputs.publish import STAGING_PREFIX

    if not isinstance(error.filename, str):
        return
    parts = Path(error.filename).parts
    for index, part in enumerate(parts):
        if part.startswith(STAGING_PREFIX):
            error.filename = str(output.joinpath(*parts[index + 1 :]))
            return


def run_check(config_file: Path, strict: bool, only: str | None = None) -> int:
    """Validate every source and run the content checks, printing one line per finding.

    ``only``: report on that file alone (a path as the report shows it), as after an import.
    """
    from bulletin.authoring.checks import Finding, check_site, format_report
    from bulletin.site.config import (
        check_places,
        check_settings,
        publication_time,
        sources_from_config,
    )
    from bulletin.sources import load_site_with_problems

    config = load_config(config_file=str(config_file))
    options = config.plugins["bulletin"].config
    sources = sources_from_config(config, options)
    check_places(config, options, sources, command=None)  # PluginError: reported by main()
    check_settings(config, options)
    # Validation problems and the content rules in one report: the rules run on every post
    # that could be read, even one validation refused (a post without a date is still
    # checked for links, images and personal data).
    site, problems = load_site_with_problems(sources, now=publication_time())
    found = [
        Finding(
            p.path,
            p.line,
            "error",
            "content",
            f"{p.field}: {p.message}" if p.field else p.message,
        )
        for p in problems
    ]
    if site is None:  # a link out of the project: nothing was read
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
    findings = found + findings
    scheduled = list(site.scheduled)
    if only is not None:
        findings = [item for item in findings if item.path == only]
        scheduled = [post for post in scheduled if post.path == only]
    text, status = format_report(findings, scheduled, strict)
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
    """Create a post or newsletter file from the scaffold templates, or add an author."""
    import difflib
    from datetime import date

    from bulletin.authoring.scaffold import Draft, next_issue, render_draft, slugify, write_new
    from bulletin.sources import load_authors

    wrong = [f"--{name}" for name in ("name", "role", "avatar") if getattr(args, name)]
    if args.kind == "author":
        wrong = [f"--{name}" for name in ("title", "author", "date") if getattr(args, name)]
    if wrong:
        print(
            f"bulletin new {args.kind}: {', '.join(wrong)} is not for a new {args.kind}",
            file=sys.stderr,
        )
        return 2
    if args.kind == "author":
        return run_new_author(config_file, args)
    if args.key is not None:
        print(
            f"bulletin new {args.kind}: {args.key!r}: a key is for 'bulletin new author' only; "
            'give the title as --title "..."',
            file=sys.stderr,
        )
        return 2
    if not args.title:
        print(
            f'bulletin new {args.kind}: give the title, e.g. --title "March update"',
            file=sys.stderr,
        )
        return 2
    if args.date and (problem := day_problem(args.date)):  # as build --as-of and import
        print(f"bulletin new: --date: {problem}", file=sys.stderr)
        return 2
    day = date.fromisoformat(args.date) if args.date else datetime.now(LONDON).date()
    sources, options = project_settings(config_file)
    problems: list = []
    authors = load_authors(sources, problems)
    author = args.author or options["default_author"]
    category = "Newsletter" if args.kind == "newsletter" else args.category
    errors = []
    if args.kind == "post" and category == "Newsletter":
        # Refused rather than redirected: an issue needs its own folder, template, number and
        # edition, and the command that makes them is the one to remember next month.
        others = [name for name in sources.categories if name != category]
        errors.append(
            "a newsletter issue is made with `bulletin new newsletter --title ...` (it goes "
            "in the newsletters folder, numbered and with its sections)"
            + (f"; for a post, give --category one of: {', '.join(others)}" if others else "")
        )
    if author not in authors and problems:  # the real reason: the authors file did not load
        for problem in sorted(problems):
            print(problem, file=sys.stderr)
        errors.append(
            f"cannot use author {author!r}: the authors file has the problems above; "
            "fix them and run the command again"
        )
    elif author not in authors:
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
    organisation = options.get("organisation") or {}
    draft = Draft(
        title=args.title,
        day=day,
        author=author,
        category=category,
        organisation=organisation.get("short_name") or organisation.get("name") or "",
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


def run_new_author(config_file: Path, args: argparse.Namespace) -> int:
    """Add an author to the authors file, leaving what is there as it is."""
    from bulletin.authoring.scaffold import add_author
    from bulletin.avatars import generated_path
    from bulletin.errors import Problem
    from bulletin.sources import (
        AUTHOR_KEY,
        MARKUP,
        avatar_problem,
        display_path,
        is_one_line,
        load_authors,
    )
    from bulletin.writing import write_file

    key, name, role = args.key, (args.name or "").strip(), (args.role or "").strip()
    errors: list[str] = []
    if not key:
        errors.append("give the author's key after 'author', e.g. bulletin new author ian")
    elif not AUTHOR_KEY.match(key) or ".." in key:
        errors.append(
            f"{key!r} cannot be an author key: it names the author's page and feeds "
            "(author/<key>/); use letters, digits, '-', '_' and '.' (not first), e.g. ian"
        )
    for option, value, example in (("--name", name, "Ian Smith"), ("--role", role, "Chair")):
        line_problems: list[Problem] = []
        if not value:
            errors.append(f'{option}: give it, e.g. {option} "{example}"')
        elif MARKUP.search(value):
            errors.append(f"{option}: cannot contain <, > or double quotes")
        elif not is_one_line(value, option, "", 0, line_problems):
            errors.append(f"{option}: must be one line of text, without tabs or control characters")
    if errors:
        for error in errors:
            print(f"bulletin new author: {error}", file=sys.stderr)
        return 2
    sources, _ = project_settings(config_file)
    path = sources.authors_file
    shown = display_path(path, sources)
    problems: list[Problem] = []
    authors = load_authors(sources, problems) if path.exists() else {}
    if problems:
        for problem in sorted(problems):
            print(problem, file=sys.stderr)
        print(
            f"bulletin new author: {shown} has the problems above; fix them and run the "
            "command again (nothing was added)",
            file=sys.stderr,
        )
        return 1
    if key in authors:
        print(
            f"bulletin new author: {key!r} is already an author in {shown}; choose another key",
            file=sys.stderr,
        )
        return 1
    avatar = (args.avatar or "").strip() or None
    if avatar is not None:
        why = avatar_problem(avatar, sources)
        if why:
            print(f"bulletin new author: --avatar: {why}", file=sys.stderr)
            return 2
    raw = path.read_bytes() if path.exists() else b""
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        added, line = add_author(text.replace("\r\n", "\n"), key, name, role, avatar)
    except ValueError as error:
        print(f"bulletin new author: {shown}: {error}", file=sys.stderr)
        return 1
    write_file(path.parent, path.name, bom + added.replace("\n", newline).encode("utf-8"))
    if key not in load_authors(sources, problems) or problems:  # never leave a broken file
        write_file(path.parent, path.name, raw)
        for problem in sorted(problems):
            print(problem, file=sys.stderr)
        print(f"bulletin new author: {shown} was left as it was", file=sys.stderr)
        return 1
    picture = avatar or f"a picture of the initials ({generated_path(key)}, made at each build)"
    print(f"Added {name} ({role}) to {shown}:{line} as author {key!r}")
    print(f"Avatar: {picture}")
    print(f"A post names them with: authors: [{key}]")
    return 0


def run_import(config_file: Path, args: argparse.Namespace) -> int:
    """Make a draft post or newsletter issue from a Word document, then check that file."""
    import posixpath

    from bulletin.authoring.scaffold import Draft, next_issue, slugify
    from bulletin.authoring.word_import import (
        ImportRefused,
        load_word,
        picture_folder,
        write_import,
    )
    from bulletin.authoring.word_markdown import (
        match_author,
        render_file,
        render_import,
        take_title,
    )
    from bulletin.errors import ContentError
    from bulletin.fees import load_fees
    from bulletin.site.config import sources_from_config
    from bulletin.sources import display_path, load_authors

    def refuse(message: str, status: int = 1) -> int:
        print(f"bulletin import: {message}; nothing was written", file=sys.stderr)
        return status

    if args.date and (problem := day_problem(args.date)):
        return refuse(f"--date: {problem}", 2)
    config = load_config(config_file=str(config_file))
    plugin = config.plugins["bulletin"]
    sources = sources_from_config(config, plugin.config)
    category = args.category
    if sources.categories and category not in sources.categories:
        return refuse(
            f"--category: unknown series {category!r}; known: {', '.join(sources.categories)}", 2
        )
    try:
        document = load_word(Path(args.file))
        title = take_title(document, args.title)
    except ImportRefused as error:
        return refuse(str(error))
    problems: list = []
    authors = load_authors(sources, problems)
    known = ", ".join(authors) or "none"
    shown_authors = display_path(sources.authors_file, sources)
    author = args.author or match_author(document.properties.author, authors)
    if args.author and args.author not in authors:
        return refuse(
            f"--author: {args.author!r} is not an author key in {shown_authors}; known: {known}"
        )
    if author is None:
        written = document.properties.author
        why = (
            f"its author, {written!r}, is not a name in {shown_authors}"
            if written
            else "it names no author"
        )
        return refuse(f"{args.file}: {why}; say who wrote it with --author KEY (known: {known})")
    props = document.properties
    day = date.fromisoformat(args.date) if args.date else (props.created or props.modified)
    if day is None:
        return refuse(f"{args.file}: it records no date; give one with --date YYYY-MM-DD")
    slug = slugify(title)
    if not slug:
        return refuse("the title has no letters or digits to name the file with; give --title")
    schedules: tuple = ()
    if sources.fees_file is not None and sources.fees_file.is_file():
        with contextlib.suppress(ContentError):  # `bulletin check` reports a broken fees file
            schedules = load_fees(sources.fees_file, display_path(sources.fees_file, sources))
    is_newsletter = category == "Newsletter"
    folder = sources.newsletters_dir if is_newsletter else sources.posts_dir
    src_dir = f"{sources.post_uri_prefix}/newsletters" if is_newsletter else sources.post_uri_prefix
    pictures_dir = picture_folder(sources.posts_dir, slug)
    pictures_uri = pictures_dir.relative_to(sources.docs_dir).as_posix()
    try:
        rendered = render_import(
            document,
            title=title,
            pictures_url=posixpath.relpath(pictures_uri, src_dir),
            schedules=schedules,
            excerpt_separator=sources.excerpt_separator,
        )
    except ImportRefused as error:
        return refuse(f"{args.file}: {error}")
    issue, edition = next_issue(folder, day) if is_newsletter else (None, None)
    draft = Draft(title, day, author, category, issue=issue, edition=edition)
    text = render_file(draft, rendered.body, props.description)
    try:
        path = write_import(folder, slug, text, document.pictures, pictures_dir)
    except FileExistsError as error:
        taken = display_path(Path(error.filename), sources)
        return refuse(f"{taken} already exists; import it under another --title")
    shown = display_path(path, sources)
    before = text.count("\n") - rendered.body.count("\n")  # the lines above the body
    print(f"Created {shown}")
    if document.pictures:
        pictures = display_path(pictures_dir, sources)
        print(f"Pictures: {len(document.pictures)} in {pictures}/")
    for line, note in rendered.notes:
        print(f"{shown}:{line + before}: note: {note}" if line else f"{shown}: note: {note}")
    print("It is a draft: `bulletin serve` shows it; delete `draft: true` to publish it.")
    print()
    run_check(config_file, strict=False, only=shown)
    return 0


def run_fee(config_file: Path, representatives: str, year: str | None) -> int:
    """Print the fee for a number of representatives, from the site's fee data."""
    from bulletin.errors import ContentError
    from bulletin.fees import format_quote, load_fees, parse_representatives, quote
    from bulletin.project import read_project

    project = read_project(config_file)
    if project is not None:
        path = project.docs_dir / project.bulletin["fees_file"]
    else:
        path = project_settings(config_file)[0].fees_file
    try:
        schedules = load_fees(path, os.path.relpath(path))
        count = parse_representatives(representatives)
        today = None if year else datetime.now(LONDON).date()
        print(format_quote(quote(schedules, count, year=year, on=today)))
        newest = max(schedules, key=lambda schedule: schedule.effective)
        if today is not None and (today - newest.effective).days > 366:
            print(
                f"Note: this is the schedule in force today, and the newest in "
                f"{os.path.relpath(path)}: {newest.year}, from {newest.effective.isoformat()}, "
                "more than a year ago. If fees have changed since, add the new year's schedule.",
                file=sys.stderr,
            )
    except ContentError as error:
        print(error.report(), file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"bulletin fee: {error}", file=sys.stderr)
        return 2
    return 0


def run_email(config_file: Path, slug: str, out: Path | None) -> int:
    """Render one newsletter issue, drafts and scheduled ones too; only the email is kept."""
    from bulletin.writing import write_file

    with tempfile.TemporaryDirectory(prefix="bulletin-email-") as scratch:
        rendered = render_issue(config_file, slug, Path(scratch))
        if rendered is None:
            return 1
        made, state = rendered
        if out is None and state:  # kept out of build/email, which a deploy may copy
            out = Path(tempfile.mkdtemp(prefix=f"bulletin-email-{slug}-"))
        out = out or Path("build/email")
        for path in made:
            write_file(out, path.name, path.read_bytes())
            print(out / path.name)
    if state:
        print(f"bulletin: {slug} is {state}; this email is a preview", file=sys.stderr)
    return 0


def render_issue(config_file: Path, slug: str, scratch: Path) -> tuple[list[Path], str] | None:
    """Render one issue's email files into ``scratch``, from the sources as they are now.

    The site is built in ``scratch`` too, drafts included, and nothing is published. Returns
    the files and the issue's state ("" when published, else "a draft", "scheduled for …"),
    or None, having said why, when there is no such issue.
    """
    config = load_config(config_file=str(config_file))
    plugin = config.plugins["bulletin"]
    newsletters = Path(config.config_file_path).parent / plugin.config.newsletters_dir
    if not (newsletters / f"{slug}.md").is_file():
        known = ", ".join(sorted(path.stem for path in newsletters.glob("*.md"))) or "none"
        print(f"bulletin: no newsletter {slug!r} in {newsletters}; known: {known}", file=sys.stderr)
        return None
    plugin.use(email_only=slug, email_dir=scratch / "email")
    config.site_dir = str(scratch / "site")
    config.plugins.on_startup(command="email", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()
    made = sorted((scratch / "email").glob(f"{slug}.*"))
    post = next((p for p in plugin.site.posts if p.is_newsletter and p.slug == slug), None)
    if not made or post is None:
        print(
            f"bulletin: {slug} has no email: its page was not rendered (is its slug: "
            "different from its file name?)",
            file=sys.stderr,
        )
        return None
    return made, issue_state(plugin.site, post)


def issue_state(site: Site, post: Post) -> str:
    """What readers see of the issue now: "" when published, else why not."""
    from babel.dates import format_date

    if post.draft:
        return "a draft (not published until you delete draft: true)"
    if site.is_live(post):
        return ""
    day = format_date(post.date, format="long", locale="en_GB")
    if site.now is not None and post.date > site.now:
        return f"scheduled for {day} (published by the first build on or after it)"
    return "expired (taken down from the site and feeds)"


def run_send(config_file: Path, slug: str, to: str) -> int:
    """Render the issue from the sources as they are now and send it as a proof."""
    from bulletin.outputs.email.proof import ProofError, parse_recipients, send_proof, smtp_settings

    try:  # a mistyped address or a missing setting is refused before the build
        parse_recipients(to)
        smtp_settings(os.environ)
    except ProofError as error:
        print(f"bulletin: {error}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bulletin-proof-") as scratch:
        rendered = render_issue(config_file, slug, Path(scratch))
        if rendered is None:
            return 1
        made, state = rendered
        eml = next(path for path in made if path.suffix == ".eml")
        try:
            recipients = send_proof(eml.read_bytes(), to, os.environ)
        except ProofError as error:
            print(f"bulletin: {error}", file=sys.stderr)
            return 1
    what = f"{slug}, {state}," if state else slug
    print(f"Sent a proof of {what} to {', '.join(recipients)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

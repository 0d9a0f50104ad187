"""Material's blog plugin, faster and more forgiving: the patches ``blog-*`` and
``authors-avatars`` in ``bulletin.site.patches.PATCHES``.

Each speed-up replaces one measured hot spot with an equivalent that gives the same output:

- the blog asks ``page in posts`` for every page, a scan of every post (quadratic), and
  walks every view for every page;
- it reads each post's front matter with PyYAML's pure-Python loader (bulletin has
  already validated the same YAML, so libyaml reads it to the same values);
- it builds a Markdown parser for every excerpt, and converts each post's whole Markdown
  again for every list page it appears on, to keep the opening;
- under `mkdocs serve` it parses every post's HTML to count words for the reading time,
  and each post's front matter, at every rebuild: both are remembered by a digest.

One is not a speed-up but a gap filled: Material's blog requires every author to have an
avatar, and bulletin makes one for those without (``fill_in_avatars``).
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Iterable
from typing import Any, SupportsIndex

import yaml
from markdown import Markdown
from markdown.util import Registry

from bulletin.digests import Memo, digest


class PostList(list):
    """Material's list of posts, answering ``page in posts`` from an index of files.

    ``Page.__eq__`` compares class, title and file, so only posts with the same source
    file can be equal: the index narrows the scan to those.
    """

    def __init__(self, posts: Iterable[Any] = ()) -> None:
        super().__init__(posts)
        self._index: dict[str, list[Any]] | None = None

    def __contains__(self, page: object) -> bool:
        file = getattr(page, "file", None)
        src_uri = getattr(file, "src_uri", None)
        if not isinstance(src_uri, str):
            return super().__contains__(page)
        if self._index is None:
            self._index = {}
            for post in self:
                self._index.setdefault(post.file.src_uri, []).append(post)
        return any(post is page or post == page for post in self._index.get(src_uri, ()))

    # Any change to the list rebuilds the index at the next membership test.
    def append(self, post: Any) -> None:
        self._index = None
        super().append(post)

    def extend(self, posts: Iterable[Any]) -> None:
        self._index = None
        super().extend(posts)

    def insert(self, index: SupportsIndex, post: Any) -> None:
        self._index = None
        super().insert(index, post)

    def remove(self, post: Any) -> None:
        self._index = None
        super().remove(post)

    def pop(self, index: SupportsIndex = -1) -> Any:
        self._index = None
        return super().pop(index)

    def clear(self) -> None:
        self._index = None
        super().clear()

    def __setitem__(self, index: Any, value: Any) -> None:
        self._index = None
        super().__setitem__(index, value)

    def __delitem__(self, index: Any) -> None:
        self._index = None
        super().__delitem__(index)

    def __iadd__(self, posts: Iterable[Any]) -> PostList:  # type: ignore[override,misc]
        self._index = None
        return super().__iadd__(posts)


def index_blog_posts(blog: Any) -> None:
    """After Material's blog has collected its posts: make membership tests cheap."""
    root = getattr(blog, "blog", None)
    if root is not None and type(root.posts) is list:
        root.posts = PostList(root.posts)


def index_blog_views(blog: Any) -> None:
    """After Material's blog has attached its views to the navigation: answer its
    ``view in self._resolve_views(self.blog)``, asked for every page, from one indexed list.

    Otherwise each page walks every view (129 at 1,000 posts) through nested generators,
    comparing it with each. Views of any other root are walked as before.
    """
    resolve = getattr(type(blog), "_resolve_views", None)
    root = getattr(blog, "blog", None)
    if resolve is None or root is None:
        return
    blog.__dict__.pop("_resolve_views", None)  # walk this build's views, not the last's
    views = PostList(resolve(blog, root))

    def resolve_views(view: Any) -> Iterable[Any]:
        return views if view is root else resolve(blog, view)

    blog._resolve_views = resolve_views


def fast_front_matter(on: bool = True) -> None:
    """Let Material read post front matter with libyaml, which bulletin has validated.

    With ``on`` false, Material's own loader is put back (a build with speedups off).
    """
    from material.plugins.blog import structure

    fast = getattr(yaml, "CSafeLoader", None)
    if not on:
        if fast is not None and structure.SafeLoader is fast:
            structure.SafeLoader = yaml.SafeLoader
        return
    if fast is not None and getattr(structure, "SafeLoader", None) is yaml.SafeLoader:
        structure.SafeLoader = fast


def memoise_front_matter(memo: Memo) -> None:
    """Under `mkdocs serve`: Material parses each distinct post front matter once.

    Material reads every post's front matter again at each rebuild; the memo keeps each
    parsed mapping pickled, so every post still gets a mapping of its own to change.
    """
    from material.plugins.blog import structure

    current = structure.SafeLoader
    if getattr(current, "bulletin_memo", None) is memo:
        return
    base = getattr(current, "bulletin_base", current)

    class MemoisedLoader:  # the part of a PyYAML loader that yaml.load() uses
        bulletin_memo = memo
        bulletin_base = base

        def __init__(self, stream: str) -> None:
            self.stream = stream

        def get_single_data(self) -> Any:
            key = ("front matter", self.stream)
            pickled = memo.get(key)
            if pickled is None:
                loader = base(self.stream)
                try:
                    value = loader.get_single_data()
                finally:
                    loader.dispose()
                pickled = pickle.dumps(value)
                memo.put(key, pickled)
            return pickle.loads(pickled)

        def dispose(self) -> None:
            pass

    structure.SafeLoader = MemoisedLoader


def memoise_readtime(memo: Memo) -> None:
    """Material's reading time, computed once per distinct post HTML."""
    from material.plugins.blog import plugin

    readtime = getattr(plugin, "readtime", None)
    if readtime is None or getattr(readtime, "bulletin_memo", None) is memo:
        return
    original = getattr(readtime, "__wrapped__", readtime)

    def memoised(html: str, words_per_minute: int) -> int:
        key = digest("readtime", str(words_per_minute), html)
        minutes = memo.get(key)
        if minutes is None:
            minutes = original(html, words_per_minute)
            memo.put(key, minutes)
        return minutes

    memoised.__wrapped__ = original  # type: ignore[attr-defined]
    memoised.bulletin_memo = memo  # type: ignore[attr-defined]
    plugin.readtime = memoised


class LazyMarkdown:
    """Material's parser for a post's excerpt, built only when an excerpt is converted.

    Material builds a full Markdown parser, with every extension, for each post's excerpt
    at each build; with bulletin's render cache most excerpts are never converted again.
    Until then, the tree processors Material registers wait in a registry of their own.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._markdown: Markdown | None = None
        self.treeprocessors: Registry = Registry()

    def convert(self, source: str) -> str:
        return self._parser().convert(source)

    def __getattr__(self, name: str) -> Any:  # anything else: the real parser
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._parser(), name)

    def _parser(self) -> Markdown:
        if self._markdown is None:
            markdown = Markdown(**self._options)
            waiting = self.treeprocessors
            for item in waiting._priority:
                markdown.treeprocessors.register(waiting[item.name], item.name, item.priority)
            self._markdown = markdown
            self.treeprocessors = markdown.treeprocessors
        return self._markdown


def lazy_excerpt_parsers(on: bool = True) -> None:
    """Give Material's excerpts a parser that is built on first use (``on`` false: undo)."""
    from material.plugins.blog import structure

    if not on:
        if structure.Markdown is LazyMarkdown:
            structure.Markdown = Markdown
        return
    if getattr(structure, "Markdown", None) is Markdown:
        structure.Markdown = LazyMarkdown


def fill_in_avatars(blog: Any, avatars: dict[str, str]) -> None:
    """Let Material's blog accept authors without an avatar, giving each the one in ``avatars``.

    Material's ``Author`` requires ``avatar``, and the blog reads the authors file in its own
    ``on_config`` (``_resolve_authors``). On this blog instance only, that method becomes
    the same steps plus one: an author key in ``avatars`` (bulletin's generated pictures)
    gets that avatar before Material validates the file. Everything else (slug, url,
    Material's own errors and warnings) is as Material does it. Apply it only while
    Material's method is the one fingerprinted (``bulletin.site.patches``).
    """
    blog.__dict__.pop("_resolve_authors", None)  # this build's avatars, not the last's
    if not avatars:
        return
    from material.plugins.blog import plugin as material

    def resolve_authors(config: Any) -> Any:
        path = os.path.normpath(blog.config.authors_file.format(blog=blog.config.blog_dir))
        docs = os.path.relpath(config.docs_dir)
        file = os.path.join(docs, path)
        authors = material.Authors()
        if not os.path.isfile(file):
            return authors.authors
        with open(file, encoding="utf-8-sig") as f:
            authors.config_file_path = os.path.abspath(file)
            try:
                data = yaml.load(f, material.SafeLoader) or {}
                entries = data.get("authors") if isinstance(data, dict) else None
                for key, entry in (entries if isinstance(entries, dict) else {}).items():
                    if str(key) in avatars and isinstance(entry, dict):
                        entry["avatar"] = avatars[str(key)]
                authors.load_dict(data)
            except Exception as e:
                raise material.PluginError(
                    f"Error reading authors file '{path}' in '{docs}':\n{e}"
                ) from None
        errors, warnings = authors.validate()
        for _, w in warnings:
            material.log.warning(w)
        for _, e in errors:
            raise material.PluginError(f"Error reading authors file '{path}' in '{docs}':\n{e}")
        return authors.authors

    blog._resolve_authors = resolve_authors


DEFINITION = re.compile(r"^(?:\*\[[^\]]+\]|\[[^\]]+\]):", re.MULTILINE)


def shorten_excerpt(excerpt: Any, separator: str) -> None:
    """Let Material's excerpt convert only the text before the separator.

    Material converts each post's whole Markdown again for every list page it appears on
    (about four times a post), then keeps what precedes the separator: the largest cost of
    a blog build. Definitions after the separator (abbreviations, references, footnotes)
    are kept, since the opening may use them.
    """
    convert = excerpt.md.convert

    def convert_head(text: str) -> str:
        head, found, tail = text.partition(separator)
        if not found:
            return convert(text)
        definitions = "\n".join(line for line in tail.splitlines() if DEFINITION.match(line))
        # Something must follow the separator, or Material drops "Continue reading". On a
        # line of its own, the separator closes a paragraph it was put inside (summary.py).
        return convert(f"{head}\n\n{separator}\n\n<!-- continued -->\n\n{definitions}\n")

    excerpt.md.convert = convert_head

"""Exact descriptions of what a cached result depends on, for the caches' keys.

A cache key is only as good as its description of the inputs: two inputs that differ must
be described differently. So :func:`stable_repr` describes a value in full or not at all:
what it cannot see entirely (a lambda, an object with slots, a cycle, a structure nested
too deep) raises :class:`Undescribable`, and the caller builds without its cache.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import importlib
import json
import re
import sys
import types
from collections.abc import Hashable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any

from bulletin.writing import write_file

MAX_DEPTH = 32
PACKAGE = Path(__file__).resolve().parent
# Exact by their repr: every field they have is in it.
EXACT_REPR = (bool, int, float, complex, str, bytes, type(None), Decimal, date, time)
EXACT_REPR += (datetime, timedelta, timezone, PurePath)
HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class written in Python


class Unset(enum.Enum):
    """A slot with no value."""

    UNSET = "unset"


class Undescribable(Exception):
    """A value no key can describe exactly: the cache is not used rather than trusted."""


def stable_repr(value: Any) -> str:
    """A description of ``value``, the same in every process, equal only for equal values.

    Raises :class:`Undescribable` for anything it cannot describe in full.
    """
    return _describe(value, 0, set())


def _describe(value: Any, depth: int, path: set[int]) -> str:
    if depth > MAX_DEPTH:
        raise Undescribable(f"nested deeper than {MAX_DEPTH}")
    cls = type(value)
    if cls in EXACT_REPR or (isinstance(value, EXACT_REPR) and _plain_subclass(value)):
        return f"{_name(cls)}:{value!r}"
    if isinstance(value, enum.Enum):
        return f"{_name(cls)}.{value.name}"
    if isinstance(value, type):
        return f"class {_qualified_name(value)}"
    if isinstance(value, re.Pattern):
        return f"re {value.pattern!r} {value.flags}"
    if id(value) in path:
        raise Undescribable(f"a {cls.__qualname__} that contains itself")
    path.add(id(value))
    try:
        return _describe_container(value, depth + 1, path)
    finally:
        path.discard(id(value))


def _describe_container(value: Any, depth: int, path: set[int]) -> str:
    cls = type(value)
    kind = _name(cls)
    if isinstance(value, dict) and _plain_subclass(value):
        items = sorted(
            (_describe(key, depth, path), _describe(item, depth, path))
            for key, item in value.items()
        )
        return f"{kind}{{" + ", ".join(f"{key}: {item}" for key, item in items) + "}"
    if isinstance(value, list | tuple) and _plain_subclass(value):
        return f"{kind}[" + ", ".join(_describe(item, depth, path) for item in value) + "]"
    if isinstance(value, set | frozenset) and _plain_subclass(value):
        return f"{kind}{{" + ", ".join(sorted(_describe(i, depth, path) for i in value)) + "}"
    if isinstance(value, functools.partial) and type(value) is functools.partial:
        # Exact: a partial is its function, arguments and keywords, nothing else.
        parts = (value.func, value.args, value.keywords)
        return f"partial({_describe(parts, depth, path)})"
    if _is_function(value):
        return f"function {_qualified_name(value)}"
    if isinstance(value, types.MethodType):
        function = _qualified_name(value.__func__)
        return f"method {function} of {_describe(value.__self__, depth, path)}"
    if isinstance(value, tzinfo) and hasattr(value, "key"):  # zoneinfo.ZoneInfo
        return f"{kind}:{value.key}"
    return f"{_qualified_name(cls)}({_describe(_state(value), depth, path)})"


def _plain_subclass(value: Any) -> bool:
    """Whether ``value`` holds nothing besides what its built-in base holds."""
    return not getattr(value, "__dict__", None) and not _slot_names(type(value))


def _slot_names(cls: type) -> set[str]:
    names: set[str] = set()
    for base in cls.__mro__:
        slots = base.__dict__.get("__slots__", ())
        names.update((slots,) if isinstance(slots, str) else slots)
    return names - {"__dict__", "__weakref__"}


def _state(value: Any) -> dict[str, Any]:
    """Everything an object holds: its attributes and slots. An object of a class built on
    one written in C (other than ``object``) may hold more, out of sight: undescribable."""
    cls = type(value)
    for base in cls.__mro__[:-1]:
        if not base.__flags__ & HEAP_TYPE:
            raise Undescribable(f"no exact description of {cls.__module__}.{cls.__qualname__}")
    state = dict(vars(value)) if hasattr(value, "__dict__") else {}
    for name in sorted(_slot_names(cls)):
        state[f"slot {name}"] = getattr(value, name, Unset.UNSET)
    return state


def _is_function(value: Any) -> bool:
    builtin = type(value).__name__ in ("builtin_function_or_method", "method_descriptor")
    return builtin or (callable(value) and hasattr(value, "__code__"))


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _qualified_name(value: Any) -> str:
    """``module.qualname``, if importing it gives back ``value`` itself (no lambda, no
    function defined inside another, no bound method, no closure over other values)."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise Undescribable(f"{value!r} has no qualified name")
    found: Any = sys.modules.get(module)
    try:
        if found is None:
            found = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        found = None
    if found is not value:
        raise Undescribable(f"{module}.{qualname} does not name this value")
    return f"{module}.{qualname}"


@functools.cache
def package_digest() -> str:
    """A digest of bulletin's own files (code, templates, static files), once per process:
    a change to bulletin changes what it renders, whatever its version number says."""
    hasher = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            hasher.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
            data = path.read_bytes()
            hasher.update(b"%d\0" % len(data) + data)
    return hasher.hexdigest()


def folder_digest(folder: Path | str | None) -> str:
    """A digest of every file's name and bytes under ``folder`` (the theme's overrides)."""
    hasher = hashlib.sha256()
    if folder:
        root = Path(folder)
        for path in sorted(root.rglob("*")):
            if path.is_file():
                hasher.update(path.relative_to(root).as_posix().encode() + b"\0")
                data = path.read_bytes()
                hasher.update(b"%d\0" % len(data) + data)
    return hasher.hexdigest()


class Memo:
    """Results by a digest of their inputs, kept from one `mkdocs serve` rebuild to the next.

    Only what the last build used is kept, so a memo holds one site's worth at most.
    """

    def __init__(self) -> None:
        self.entries: dict[Hashable, Any] = {}
        self.used: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any | None:
        value = self.used.get(key)
        if value is None:
            value = self.entries.get(key)
            if value is not None:
                self.used[key] = value
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self.used[key] = value

    def next_build(self) -> None:
        """Keep what the last build used, so the memo holds one site's worth at most."""
        self.entries, self.used = self.used, {}


def digest(*parts: str) -> bytes:
    """A short digest of ``parts``, each length-prefixed so no two lists share one."""
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        encoded = part.encode("utf-8", "surrogatepass")
        hasher.update(f"\0{len(encoded)}:".encode())
        hasher.update(encoded)
    return hasher.digest()


STORED_FORMAT = 1


class StoredMemo(Memo):
    """A Memo kept in a JSON file from one `bulletin build` to the next.

    For values that are plain JSON data, keyed by :func:`digest` of everything they are
    computed from. The file also holds ``context``, a description of the code that computed
    them (its versions and bulletin's own files): another context starts the memo empty.
    """

    def __init__(self, path: Path, context: str) -> None:
        super().__init__()
        self.path = path
        self.context = context
        self.saved: set[Hashable] = set()  # the keys the file holds
        self.added = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return
        if not isinstance(data, dict) or data.get("format") != STORED_FORMAT:
            return
        entries = data.get("entries")
        if data.get("context") != context or not isinstance(entries, dict):
            return
        for key, value in entries.items():
            if isinstance(key, str) and re.fullmatch(r"[0-9a-f]{40}", key):
                self.entries[bytes.fromhex(key)] = value
        self.saved = set(self.entries)

    def put(self, key: Hashable, value: Any) -> None:
        self.added = True
        super().put(key, value)

    def save(self) -> None:
        """Write what the last build used (call after :meth:`Memo.next_build`), unless the
        file holds exactly that already."""
        if not self.added and set(self.entries) == self.saved:
            return
        entries = {key.hex(): value for key, value in sorted(self.entries.items())}
        data = {"format": STORED_FORMAT, "context": self.context, "entries": entries}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        write_file(self.path.parent, self.path.name, text.encode("utf-8"))
        self.saved, self.added = set(self.entries), False

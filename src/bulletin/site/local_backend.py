"""The editor's local backend inside `bulletin serve`: saves go straight into the sources.

``LocalBackend`` answers Decap's local-backend protocol (what the npm ``decap-server``
answers: POST /api/v1 with a JSON action), so a manager edits on their own machine without
Node. It reads and writes only inside the content and newsletters folders, and writes only
through ``writing.write_file``; ``local_backend_app`` answers this machine's pages only.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import logging
import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from bulletin.model import SiteSources
from bulletin.site.editor import ADMIN
from bulletin.writing import UnsafePath, write_file

API_PATH = "/api/v1"  # where decap-server answers, and so where Decap looks for it
MAX_REQUEST_BYTES = 64 * 1024 * 1024  # a picture of a phone, base64-encoded, with room
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

log = logging.getLogger("mkdocs.plugins.bulletin")


def local_api_url(host: str, port: int) -> str:
    """The local backend's address on `bulletin serve`'s own server."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{API_PATH}"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name) is this machine only."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BackendError(Exception):
    """A request the local backend refuses; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class LocalBackend:
    """Decap's local-backend protocol over the project folder, inside ``folders`` only."""

    def __init__(self, root: Path, folders: Sequence[str]) -> None:
        self.root = root.resolve()
        self.folders = tuple(sorted({folder.strip("/") for folder in folders}))

    def answer(self, request: Mapping[str, Any]) -> Any:
        """The JSON answer to one request, as decap-server gives it; BackendError if refused."""
        action = request.get("action")
        params = request.get("params") or {}
        if not isinstance(params, Mapping):
            raise BackendError(422, "params must be an object")
        if action == "info":
            return {"repo": self.root.name, "publish_modes": ["simple"], "type": "local_fs"}
        if action == "entriesByFolder":
            folder = self._folder(str(params.get("folder", "")))
            extension = str(params.get("extension", "md"))
            depth = int(params.get("depth", 1) or 1)
            return [self._entry(path) for path in self._list(folder, extension, depth)]
        if action == "entriesByFiles":
            files = params.get("files") or []
            return [self._entry(str(file.get("path", "")), file.get("label")) for file in files]
        if action == "getEntry":
            return self._entry(str(params.get("path", "")))
        if action == "persistEntry":
            return self._persist_entry(params)
        if action == "getMedia":
            folder = self._folder(str(params.get("mediaFolder", "")))
            return [self._media(path) for path in self._list(folder, "", 1)]
        if action == "getMediaFile":
            return self._media(str(params.get("path", "")))
        if action == "persistMedia":
            asset = params.get("asset") or {}
            path = self._write(str(asset.get("path", "")), _decode(asset))
            return self._media(path)
        if action == "deleteFile":
            self._delete(str(params.get("path", "")))
            return {"message": "deleted file"}
        if action == "deleteFiles":
            for path in params.get("paths") or []:
                self._delete(str(path))
            return {"message": "deleted files"}
        if action == "getDeployPreview":
            return None
        raise BackendError(422, f"unknown action {action!r}")

    def _persist_entry(self, params: Mapping[str, Any]) -> Any:
        data_files = params.get("dataFiles") or ([params["entry"]] if params.get("entry") else [])
        assets = params.get("assets") or []
        # Check every path before writing anything: a refused path leaves all as it was.
        for item in [*data_files, *assets]:
            self._inside(str(item.get("path", "")))
            if item.get("newPath"):
                self._inside(str(item["newPath"]))
        for item in data_files:
            target = str(item.get("newPath") or item.get("path"))
            self._write(target, str(item.get("raw", "")).encode("utf-8"))
            if item.get("newPath") and item["newPath"] != item.get("path"):
                self._delete(str(item["path"]))
        for asset in assets:
            self._write(str(asset.get("path", "")), _decode(asset))
        return {"message": "entry persisted"}

    def _inside(self, path: str) -> tuple[str, str]:
        """(folder, path inside it) of a path the editor may touch, else BackendError."""
        if "\\" in path or "\0" in path or posixpath.isabs(path):
            raise BackendError(403, f"{path!r} is not a path inside the project")
        normal = posixpath.normpath(path)
        for folder in self.folders:
            if normal.startswith(folder + "/") and ".." not in PurePosixPath(normal).parts:
                inner = normal[len(folder) + 1 :]
                if not any(part.startswith(".") for part in PurePosixPath(inner).parts):
                    return folder, inner
        shown = " and ".join(f"{folder}/" for folder in self.folders)
        raise BackendError(403, f"{path!r}: the editor only reads and writes inside {shown}")

    def _folder(self, folder: str) -> str:
        normal = posixpath.normpath(folder.strip("/"))
        self._inside(normal + "/x")  # the folder itself, or one inside it
        return normal

    def _real(self, path: str) -> Path:
        folder, inner = self._inside(path)
        base = (self.root / folder).resolve()
        real = (base / inner).resolve()
        if not real.is_relative_to(base):
            raise BackendError(403, f"{path!r} leads out of {folder}/ through a link")
        return real

    def _list(self, folder: str, extension: str, depth: int) -> list[str]:
        base = self._real(folder + "/x").parent
        if not base.is_dir():
            return []
        found = []
        for path in sorted(base.rglob("*")):
            inner = path.relative_to(base)
            if len(inner.parts) > depth or any(p.startswith(".") for p in inner.parts):
                continue
            if path.is_file() and (not extension or path.suffix == f".{extension}"):
                found.append(f"{folder}/{inner.as_posix()}")
        return found

    def _entry(self, path: str, label: Any = None) -> dict[str, Any]:
        file: dict[str, Any] = {"path": path}
        if label is not None:
            file["label"] = label
        try:
            data = self._real(path).read_bytes()
        except OSError:
            return {"data": None, "file": {**file, "id": None}}
        return {"data": data.decode("utf-8"), "file": {**file, "id": _sha(data)}}

    def _media(self, path: str) -> dict[str, Any]:
        try:
            data = self._real(path).read_bytes()
        except OSError:
            raise BackendError(404, f"{path!r} does not exist") from None
        return {
            "id": _sha(data),
            "content": base64.b64encode(data).decode("ascii"),
            "encoding": "base64",
            "path": path,
            "name": posixpath.basename(path),
        }

    def _write(self, path: str, data: bytes) -> str:
        folder, inner = self._inside(path)
        try:
            write_file(self.root / folder, inner, data)
        except UnsafePath as error:
            raise BackendError(403, str(error)) from None
        return f"{folder}/{inner}"

    def _delete(self, path: str) -> None:
        real = self._real(path)
        if real.is_file():
            real.unlink()


def _decode(asset: Mapping[str, Any]) -> bytes:
    if asset.get("encoding") != "base64":
        raise BackendError(422, f"{asset.get('path')!r}: expected base64 content")
    try:
        return base64.b64decode(str(asset.get("content", "")), validate=True)
    except ValueError:
        raise BackendError(422, f"{asset.get('path')!r}: the content is not base64") from None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def local_backend_app(app: App, backend: LocalBackend, site_root: Path, mount_path: str) -> App:
    """``app`` (MkDocs' preview server) with the local backend at /api/v1 added.

    A request is answered only from this machine's own pages: the Host must be a loopback
    name (no DNS rebinding), an Origin must be that host, and the body JSON, which a form
    on another website cannot send without the browser asking first. The editor page is
    served without MkDocs' live-reload script, which would reload it, losing unsaved work,
    at every save.
    """
    admin_paths = {
        f"{mount_path.rstrip('/')}/{ADMIN}/",
        f"{mount_path.rstrip('/')}/{ADMIN}/index.html",
    }

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in admin_paths and environ.get("REQUEST_METHOD") == "GET":
            page = site_root / ADMIN / "index.html"
            if page.is_file():
                body = page.read_bytes()
                headers = [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Cache-Control", "no-store"),
                ]
                start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
                return [body]
        if path != API_PATH:
            return app(environ, start_response)
        try:
            answer = json.dumps(_answer_request(environ, backend)).encode("utf-8")
            status = "200 OK"
        except BackendError as error:
            answer = json.dumps({"error": str(error)}).encode("utf-8")
            status = f"{error.status} {_REASONS.get(error.status, 'Error')}"
        start_response(
            status,
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(answer))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [answer]

    return serve


def serve_local_backend(server: Any, sources: SiteSources) -> bool:
    """Answer the local backend on MkDocs' preview server, if it listens on this machine only.

    ``server`` is MkDocs' LiveReloadServer (a wsgiref server, not yet started).
    """
    host = str(server.server_address[0])
    if not is_loopback(host):
        log.warning(
            "bulletin: the editor's local backend is off: the preview listens on %s, not on "
            "127.0.0.1 only, and would let others on the network change the files",
            host,
        )
        return False
    folders = [
        folder.resolve().relative_to(sources.root.resolve()).as_posix()
        for folder in (sources.docs_dir, sources.newsletters_dir)
    ]
    backend = LocalBackend(sources.root, folders)
    server.set_app(
        local_backend_app(server.get_app(), backend, Path(server.root), server.mount_path)
    )
    log.info(
        "The editor: %sadmin/ (saves into %s)", server.url, " and ".join(f"{f}/" for f in folders)
    )
    return True


_REASONS = {
    403: "Forbidden",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    404: "Not Found",
}


def _answer_request(environ: Mapping[str, Any], backend: LocalBackend) -> Any:
    if environ.get("REQUEST_METHOD") != "POST":
        raise BackendError(405, "the local backend answers POST requests only")
    host = str(environ.get("HTTP_HOST", ""))
    name = (
        host.rsplit(":", 1)[0].strip("[]") if host.count(":") <= 1 or host.startswith("[") else host
    )
    if not is_loopback(name):
        raise BackendError(403, f"the local backend answers this machine only, not {host!r}")
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin != f"http://{host}":
        raise BackendError(403, f"the local backend answers its own pages only, not {origin!r}")
    if not str(environ.get("CONTENT_TYPE", "")).startswith("application/json"):
        raise BackendError(415, "expected a JSON request")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REQUEST_BYTES:
        raise BackendError(413, f"the request is larger than {MAX_REQUEST_BYTES} bytes")
    try:
        request = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BackendError(422, "the request is not JSON") from None
    if not isinstance(request, Mapping):
        raise BackendError(422, "expected a JSON object")
    try:
        return backend.answer(request)
    except (TypeError, AttributeError, ValueError) as error:  # e.g. a list where a path goes
        raise BackendError(422, f"malformed request: {error}") from None

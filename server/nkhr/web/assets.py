"""The pages' static assets, light to load: fingerprinted URLs, long cache lifetimes, validators,
and brotli or gzip bodies compressed once (not per request).

Two kinds of files are served: the app's own ``static/`` folder (``/static/NAME``) and the files
of npm packages the pages load (``/vendor/NAME``, from ``node_modules/``). When the app starts,
each is read once, named by a digest of its bytes, and compressed (brotli quality 11, gzip 9)
into a cache folder keyed by that digest, so a restart or a second worker reuses the work
(yasgui's 1 MB takes ~2 s to brotli once; 239 KB instead of 1,012 KB on the wire).

``url_for('static', filename=...)`` and ``url_for('pages.vendor', name=...)`` carry ``?v=DIGEST``:
a URL with the current digest is cached for a year (``immutable``); one without it (an old link,
a hand-typed URL) revalidates each time against the same ETag. HTML pages are small and change
with the data, so they are compressed per response with gzip (``compress_page``), which costs
well under a millisecond for the sizes served here.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import mimetypes
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, Response, abort, request

PACKAGE = Path(__file__).resolve().parents[1]
CHECKOUT = PACKAGE.parents[1]
STATIC = PACKAGE / "static"

# Files of npm packages the pages load, by the name they are served under at /vendor/.
VENDOR = {
    "yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}
YEAR = 365 * 24 * 3600
# Responses worth compressing per request: rendered pages and the graph view's JSON.
DYNAMIC_TYPES = ("text/html", "application/json")
DYNAMIC_MIN = 1024


@dataclasses.dataclass(frozen=True)
class Asset:
    """One servable file as read at start (a later edit needs a restart): its bytes, their
    digest, and its compressed copies (held in memory: ~1.9 MB for all of them)."""
    path: Path
    media_type: str
    digest: str
    raw: bytes
    encoded: dict[str, bytes]             # "br" / "gzip" -> the compressed copy

    def variant(self, accepted: Iterable[str]) -> tuple[str | None, bytes]:
        """The smallest copy the client accepts: brotli, then gzip, then the file itself."""
        names = set(accepted)
        for encoding in ("br", "gzip"):
            if encoding in names and encoding in self.encoded:
                return encoding, self.encoded[encoding]
        return None, self.raw


def cache_folder() -> Path:
    """Where compressed copies are kept: NKHR_ASSET_CACHE, else beside the checkout, else /tmp."""
    configured = os.environ.get("NKHR_ASSET_CACHE")
    if configured:
        return Path(configured)
    if os.access(CHECKOUT, os.W_OK):
        return CHECKOUT / ".nkhr-assets"
    return Path(tempfile.gettempdir()) / "nkhr-assets"


def _compressed(raw: bytes, digest: str, folder: Path) -> dict[str, bytes]:
    """The brotli and gzip copies of ``raw``, made once per digest (atomically: workers may race)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for encoding, suffix, compress in (("br", "br", lambda b: brotli.compress(b, quality=11)),
                                       ("gzip", "gz", lambda b: gzip.compress(b, compresslevel=9, mtime=0))):
        target = folder / f"{digest}.{suffix}"
        if not target.exists():
            body = compress(raw)
            if len(body) >= len(raw):           # not worth it (tiny files): serve the file itself
                continue
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            os.replace(temporary, target)
        made[encoding] = target.read_bytes()
    return made


def _asset(path: Path, folder: Path) -> Asset:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:20]
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type in ("application/javascript", "text/javascript"):
        media_type += "; charset=utf-8"
    return Asset(path, media_type, digest, raw, _compressed(raw, digest, folder))


class Assets:
    """The registry of servable files, loaded at app start; vendor files missing from
    node_modules/ stay unknown (their URL answers a 404 saying to run ``make install``)."""

    def __init__(self, roots: Iterable[Path], folder: Path | None = None):
        self.folder = folder or cache_folder()
        self.roots = [Path(root) for root in roots]
        self._lock = threading.Lock()
        self.static: dict[str, Asset] = {}
        self.vendor: dict[str, Asset] = {}
        for path in sorted(STATIC.rglob("*")):
            if path.is_file():
                self.static[path.relative_to(STATIC).as_posix()] = _asset(path, self.folder)
        for name in VENDOR:
            found = self.vendor_path(name)
            if found is not None:
                self.vendor[name] = _asset(found, self.folder)

    def vendor_path(self, name: str) -> Path | None:
        """An npm file, looked for beside the data project, then in the checkout this package runs from."""
        return next((root / "node_modules" / VENDOR[name] for root in self.roots
                     if (root / "node_modules" / VENDOR[name]).is_file()), None)

    def static_asset(self, name: str) -> Asset | None:
        """A static file; one added after start (a developer's new file) is picked up on first use."""
        known = self.static.get(name)
        if known is not None:
            return known
        path = (STATIC / name).resolve()
        if not path.is_file() or STATIC.resolve() not in path.parents:
            return None
        with self._lock:
            self.static[name] = _asset(path, self.folder)
            return self.static[name]


def send(asset: Asset) -> Response:
    """The asset in the encoding the client prefers, with its ETag; a year's cache for a current
    fingerprinted URL, revalidation otherwise; 304 when the client's copy is current."""
    accepted = [value for value, quality in request.accept_encodings if quality > 0]
    encoding, body = asset.variant(accepted)
    response = Response(body, content_type=asset.media_type)
    response.set_etag(asset.digest + (f"-{encoding}" if encoding else ""))
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    if request.args.get("v") == asset.digest:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "public, no-cache"
    response.make_conditional(request)      # turns it into a 304 in place when the copy is current
    return response


def compress_page(response: Response) -> Response:
    """Gzip a rendered page or graph JSON when the client accepts it (cheap for these sizes).

    A response that already has an ETag keeps it per encoding (``TAG-gzip``), and a client
    revalidating that tag gets its 304 here.
    """
    if (response.status_code not in (200, 404) or response.is_streamed or response.direct_passthrough
            or "Content-Encoding" in response.headers or response.mimetype not in DYNAMIC_TYPES
            or request.method not in ("GET", "HEAD", "POST")):
        return response
    if request.accept_encodings["gzip"] <= 0:
        return response
    body = response.get_data()
    if len(body) < DYNAMIC_MIN:
        return response
    tag, weak = response.get_etag()
    if tag:
        response.set_etag(f"{tag}-gzip", weak=bool(weak))
        if request.if_none_match.contains_weak(f"{tag}-gzip"):
            response.status_code = 304
            response.set_data(b"")
            response.headers.pop("Content-Length", None)
            _vary(response)
            response.headers["Content-Encoding"] = "gzip"
            return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    _vary(response)
    return response


def _vary(response: Response) -> None:
    present = {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    if "accept-encoding" not in present:
        response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"), "Accept-Encoding"]))


def install(app: Flask, project_root: Path) -> Assets:
    """Serve /static/ from the registry, fingerprint the URLs the templates build, compress pages."""
    assets = Assets([project_root, CHECKOUT])
    app.extensions["nkhr-assets"] = assets

    def serve_static(filename: str) -> Response:
        asset = assets.static_asset(filename)
        if asset is None:
            abort(404)
        return send(asset)

    app.view_functions["static"] = serve_static

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if "v" in values:
            return
        if endpoint == "static" and "filename" in values:
            asset = assets.static_asset(values["filename"])
        elif endpoint == "pages.vendor" and "name" in values:
            asset = assets.vendor.get(values["name"])
        else:
            return
        if asset is not None:
            values["v"] = asset.digest

    app.after_request(compress_page)
    return assets

"""The static files (``/static/``: the stylesheets, the page scripts, the editor bundle), with a
fingerprint of their content in every URL the pages write.

``asset_url('site.css')`` (a template global) is ``/static/site.css?v=<digest>``, the digest
being the first hex digits of the file's SHA-256: a changed file gets a new URL, so an answer
to the fingerprinted URL may be kept for a year (``Cache-Control: public, max-age=31536000,
immutable``). Asked without the fingerprint, or with another one (a page from before the file
changed, or from a server still on the old files during a deploy), the file is answered with
``Cache-Control: no-cache``: a cache must revalidate it, by its ETag (a weak one, the digest:
the same for the plain and the gzipped body).

The files are read once per version and kept in memory (they are small), with their gzipped
bytes, made once at the first request that accepts gzip. The response hook (``hooks._compress``)
would compress them again for every download: for the editor bundle (450 KB, 150 KB gzipped)
that is 16 ms of compression, and a download took 50-90 ms instead of 2-10 ms on the shared
2-core machine this was written on. The same rule
decides as in the hook: gzip when ``Accept-Encoding`` allows it and the file is text of at least
``IVIG_GZIP_MIN_BYTES``; the hook leaves an answer that has a ``Content-Encoding`` alone.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import stat
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from flask import Flask, Response, abort, current_app, g, request, url_for
from werkzeug.security import safe_join

from ivig_graph.web.state import endpoint

FINGERPRINT_PARAMETER = "v"  # asset_url writes it as url_for(..., v=...)
FINGERPRINT_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
GZIP_LEVEL = 9  # once per version: the smallest body is worth the time
_LINKED = "static_files_linked"  # in flask.g


@dataclass(frozen=True)
class Asset:
    """One static file as served: its bytes, its media type and its fingerprint."""

    body: bytes
    mimetype: str
    digest: str

    @cached_property
    def gzipped(self) -> bytes:
        return gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)


def install_assets(app: Flask) -> None:
    """Serve ``/static/`` (Flask's ``static`` endpoint) with fingerprints, caching and ETags."""
    app.view_functions["static"] = static_file
    app.add_template_global(asset_url)


def find_asset(folder: Path, filename: str) -> Asset | None:
    """The file ``filename`` under ``folder`` (never outside it), or None."""
    joined = safe_join(str(folder), filename)
    if joined is None:
        return None
    try:
        found = Path(joined).stat()
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return _read(joined, found.st_mtime_ns, found.st_size)


@lru_cache(maxsize=64)
def _read(path: str, mtime_ns: int, size: int) -> Asset:
    """Keyed by modification time and size too: an edited file is read again."""
    body = Path(path).read_bytes()
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return Asset(body, mimetype, hashlib.sha256(body).hexdigest()[:FINGERPRINT_LENGTH])


def _folder() -> Path:
    return Path(current_app.static_folder or "")


def fingerprint(filename: str) -> str | None:
    """The fingerprint of a static file, or None when there is no such file."""
    asset = find_asset(_folder(), filename)
    return asset.digest if asset is not None else None


def asset_url(filename: str) -> str:
    """The URL of a static file, with its fingerprint (without one if the file is missing)."""
    digest = fingerprint(filename)
    g.setdefault(_LINKED, []).append(f"{filename}={digest}")
    if digest is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=digest)


def linked() -> str:
    """The static files this request's page links, with their fingerprints, for the page's
    ETag: a page whose stylesheet changed is a changed page (a browser revalidating it must get
    the new URLs, not a 304 that keeps the old ones)."""
    return " ".join(g.get(_LINKED, ()))


def static_file(filename: str) -> Response:
    asset = find_asset(_folder(), filename)
    if asset is None:
        abort(404)
    response = Response(asset.body, mimetype=asset.mimetype)
    response.set_etag(asset.digest, weak=True)
    fresh = request.args.get(FINGERPRINT_PARAMETER) == asset.digest
    response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE
    compressible = _compressible(asset)
    if compressible:
        response.vary.add("Accept-Encoding")
    response.make_conditional(request)
    accepted = request.accept_encodings["gzip"] > 0 or request.accept_encodings["*"] > 0
    if compressible and accepted and response.status_code == 200:
        response.set_data(asset.gzipped)
        response.headers["Content-Encoding"] = "gzip"
    return response


def _compressible(asset: Asset) -> bool:
    text = asset.mimetype.startswith("text/") or asset.mimetype.endswith(("json", "javascript"))
    return text and len(asset.body) >= endpoint().config.gzip_min_bytes

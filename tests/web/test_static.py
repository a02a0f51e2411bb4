"""``/static/``: fingerprinted URLs in the pages, a year of caching for them, ETag and 304, gzip.

The fingerprints are checked against the SHA-256 of the files on disk, the bodies (gzipped or
not) against the files' bytes, and a file changed on disk must get a new URL.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import parse_cache_control_header

from ivig_graph.web import assets
from tests.ui.html import parse_html

STATIC = Path(__file__).resolve().parents[2] / "ivig_graph" / "web" / "static"
YEAR = 365 * 24 * 3600


def page_assets(client: FlaskClient) -> dict[str, str]:
    """The static URLs the query page (which has every kind) links, by file name."""
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    document = parse_html(response.data)
    urls = [link.get("href") or "" for link in document.iter("link") if link.get("rel")]
    urls += [script.get("src") or "" for script in document.iter("script")]
    found = {urlsplit(url).path.removeprefix("/static/"): url for url in urls if "/static/" in url}
    assert {"site.css", "query.css", "query.js"} <= found.keys(), found
    return found


def fingerprint_of(url: str) -> str:
    values = parse_qs(urlsplit(url).query).get("v", [])
    assert len(values) == 1, url
    return values[0]


def cache_control(value: str | None) -> ResponseCacheControl:
    return parse_cache_control_header(value, cls=ResponseCacheControl)


def test_every_static_url_carries_the_digest_of_the_file(client: FlaskClient) -> None:
    for name, url in page_assets(client).items():
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()
        assert digest.startswith(fingerprint_of(url)) and len(fingerprint_of(url)) >= 12, name


def test_a_fingerprinted_url_is_cached_for_a_year_and_revalidated_by_etag(
    client: FlaskClient,
) -> None:
    for name, url in page_assets(client).items():
        response = client.get(url)
        assert response.status_code == 200
        assert response.get_data() == (STATIC / name).read_bytes()
        control = cache_control(response.headers.get("Cache-Control"))
        assert control.public and control.max_age == YEAR and control.immutable, name
        etag = response.headers["ETag"]
        assert etag, name
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"", name
        assert again.headers["ETag"] == etag
        assert "accept-encoding" in again.headers["Vary"].lower()  # as the 200 said


def test_without_its_fingerprint_a_file_must_be_revalidated(client: FlaskClient) -> None:
    url = page_assets(client)["site.css"]
    for stale in ("/static/site.css", "/static/site.css?v=0123456789ab"):
        response = client.get(stale)
        assert response.status_code == 200
        assert response.get_data() == (STATIC / "site.css").read_bytes()
        control = cache_control(response.headers.get("Cache-Control"))
        assert control.no_cache and not control.immutable and control.max_age is None, stale
        assert response.headers["ETag"] == client.get(url).headers["ETag"]


@pytest.mark.parametrize("name", ["site.css", "query.js", "editor.js"])
def test_static_files_are_gzipped_for_clients_that_accept_it(
    client: FlaskClient, name: str
) -> None:
    if not (STATIC / name).is_file():
        pytest.fail(f"{STATIC / name} is missing: run `make bundle`", pytrace=False)
    url = page_assets(client).get(name) or f"/static/{name}"
    original = (STATIC / name).read_bytes()
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["Vary"].lower()
    assert len(zipped.get_data()) < len(original)
    assert gzip.decompress(zipped.get_data()) == original
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.get_data() == original
    assert zipped.headers["ETag"] == plain.headers["ETag"] and zipped.headers["ETag"].startswith(
        "W/"
    )  # one weak validator for both bodies


def test_a_static_file_is_compressed_once_not_for_every_download(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = (STATIC / "query.js").read_bytes()
    compressed: list[int] = []
    real = gzip.compress

    def counting(data: bytes, *args: Any, **kwargs: Any) -> bytes:
        compressed.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(gzip, "compress", counting)  # the one gzip module, the hook's too
    assets._read.cache_clear()
    url = page_assets(client)["query.js"]
    compressed.clear()  # only the downloads below count
    for _ in range(3):
        answer = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert gzip.decompress(answer.get_data()) == original
    assert compressed == [len(original)]


def test_a_changed_file_gets_a_new_url(
    client: FlaskClient, app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    monkeypatch.setattr(app, "static_folder", str(folder))
    before = page_assets(client)
    old = client.get(before["site.css"])
    changed = old.get_data() + b"\n.changed { color: #000; }\n"
    (folder / "site.css").write_bytes(changed)
    after = page_assets(client)
    assert after["site.css"] != before["site.css"]
    assert after["query.js"] == before["query.js"]  # the others keep theirs
    assert client.get(after["site.css"]).get_data() == changed
    assert client.get(after["site.css"]).headers["ETag"] != old.headers["ETag"]
    # The old URL now answers the new file, which a cache must not keep as the old one.
    stale = client.get(before["site.css"])
    assert stale.get_data() == changed and cache_control(stale.headers["Cache-Control"]).no_cache


def test_a_page_whose_stylesheet_changed_is_not_answered_304(
    client: FlaskClient, app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Else a browser revalidating a cached page keeps its old stylesheet URL, which it holds
    as immutable: the old styles until the data changes."""
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    monkeypatch.setattr(app, "static_folder", str(folder))
    html = {"Accept": "text/html"}
    first = client.get("/", headers=html)
    etag = first.headers["ETag"]
    assert client.get("/", headers={**html, "If-None-Match": etag}).status_code == 304
    (folder / "site.css").write_bytes((folder / "site.css").read_bytes() + b"\n/* new */\n")
    again = client.get("/", headers={**html, "If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    old_url = next(
        link.get("href")
        for link in parse_html(first.data).iter("link")
        if "site.css" in (link.get("href") or "")
    )
    assert old_url and old_url.encode() not in again.data


@pytest.mark.parametrize("path", ["/static/nope.css", "/static/../pyproject.toml"])
def test_only_the_static_files_are_served(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert not re.search(rb"\[project\]", response.get_data())

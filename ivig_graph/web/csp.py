"""A per-response nonce for ``<style>`` elements, in the Content-Security-Policy's ``style-src``.

The pages' policy (``site.CONTENT_SECURITY_POLICY``) allows only the site's own stylesheets.
The query editor (CodeMirror, static/editor.js) draws in a shadow root whose styles are an
adopted stylesheet, which that policy allows; where a browser cannot adopt stylesheets in a
shadow root, CodeMirror's style-mod adds a ``<style>`` element instead, which carries the nonce
given as ``EditorView.cspNonce``. A template that calls ``csp_nonce()`` (the query page, on the
editor's ``<script data-style-nonce>``) gets a fresh nonce, and that response's policy lists it
in ``style-src``, and nowhere else: scripts stay ``'self'`` only. The query page is never
cached (``no-store``), so no nonce is served twice.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

NONCE_BYTES = 18
_NONCE = "csp_style_nonce"


def install_csp_nonce(app: Flask) -> None:
    app.add_template_global(csp_nonce)
    app.after_request(_add_nonce)


def csp_nonce() -> str:
    """This response's nonce for ``<style>`` elements (made on first use)."""
    if _NONCE not in g:
        setattr(g, _NONCE, secrets.token_urlsafe(NONCE_BYTES))
    return str(g.get(_NONCE))


def with_style_nonce(policy: str, nonce: str) -> str:
    """``policy`` with ``'nonce-...'`` added to its ``style-src`` (unchanged without one)."""
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    for at, directive in enumerate(directives):
        if directive.split()[0].lower() == "style-src":
            directives[at] = f"{directive} 'nonce-{nonce}'"
    return "; ".join(directives)


def _add_nonce(response: Response) -> Response:
    nonce = g.get(_NONCE)
    policy = response.headers.get("Content-Security-Policy")
    if nonce and policy:
        response.headers["Content-Security-Policy"] = with_style_nonce(policy, nonce)
    return response

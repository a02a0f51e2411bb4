"""HTTP basic and digest authentication for the Graph Store client, on urllib.

``basic_authorization`` is the header sent up front with every request; for digest,
``DigestAnsweredOnce`` answers the server's challenge (once), and ``authorize_up_front`` gets the
challenge before a request with a body is sent, so the body is sent once, already authorised.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from email.message import Message


def basic_authorization(user: str, password: str) -> str:
    """The ``Authorization`` header's value for HTTP basic authentication."""
    token = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(token).decode("ascii")


class DigestAnsweredOnce(urllib.request.HTTPDigestAuthHandler):
    """Answers a digest challenge once: a second 401 means wrong credentials, so stop there.

    (urllib's own handler would resend the request, body and all, five more times.)
    """

    def http_error_401(
        self, req: urllib.request.Request, fp: object, code: int, msg: str, headers: Message
    ) -> object:
        if req.get_header(self.auth_header):
            return None
        return super().http_error_401(req, fp, code, msg, headers)  # type: ignore[arg-type]


def authorize_up_front(
    digest: DigestAnsweredOnce,
    request: urllib.request.Request,
    headers: dict[str, str],
    timeout: float,
) -> None:
    """Digest auth for a request with a body: get the challenge with a body-less GET (sent with
    ``headers``) and authorise the request up front. Sent unauthorised, a large body met a 401
    and a closed connection half-way (a broken pipe), before urllib could answer the challenge."""
    probe = urllib.request.Request(request.full_url, method="GET", headers=headers)
    try:
        with urllib.request.urlopen(probe, timeout=timeout):
            return  # no challenge: nothing to answer
    except urllib.error.HTTPError as refused:
        with refused:
            status, challenge = refused.code, refused.headers.get("WWW-Authenticate", "")
    scheme, _, rest = challenge.partition(" ")
    if status != 401 or scheme.lower() != "digest":
        return
    items = [item for item in urllib.request.parse_http_list(rest) if item]
    parts = urllib.request.parse_keqv_list(items)
    authorization = digest.get_authorization(request, parts)
    if authorization:
        request.add_unredirected_header("Authorization", f"Digest {authorization}")

"""Operations: liveness and readiness probes, and the example queries the description links."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ivig_graph.web.errors import error_response
from ivig_graph.web.state import endpoint

ops = Blueprint("ops", __name__)


@ops.get("/healthz")
def healthz() -> Response:
    """Liveness: the HTTP process answers."""
    return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})


@ops.get("/readyz")
def readyz() -> Response:
    """Readiness: the dataset is loaded in at least one query worker."""
    state = endpoint()
    if not state.pool.ready:
        return error_response(
            503, "Not ready: no query worker has the dataset loaded.", retry_after=1
        )
    body = {
        "status": "ready",
        "dataset_version": state.dataset.version,
        **state.pool.stats(),
        "cache_hits": state.answers.hits if state.answers is not None else 0,
        "cached_bytes": state.answers.bytes if state.answers is not None else 0,
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@ops.get("/queries")
def example_queries() -> Response:
    """The example queries, as JSON: name and URL of each."""
    base = request.url_root.rstrip("/")
    return jsonify(
        {
            "queries": [
                {"name": name.removesuffix(".rq"), "url": f"{base}/queries/{name}"}
                for name in endpoint().examples
            ]
        }
    )


@ops.get("/queries/<name>")
def example_query(name: str) -> Response:
    text = endpoint().examples.get(name)
    if text is not None:
        return Response(text, mimetype="application/sparql-query")
    return error_response(404, f"No example query named {name!r}; see /queries.")

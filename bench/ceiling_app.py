"""The Python ceiling: a Flask app whose one route returns a constant.

Served by gunicorn the way bench/run.py says (two sync workers: one per core, the best plain
setup measured here), it bounds what any Python WSGI endpoint can answer per second on this
machine; a cache hit of ivig-graph is compared with it.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def constant() -> str:
    return "ok"

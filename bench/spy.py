"""Where a request's time goes: py-spy samples the HTTP process and one query worker of
``ivig-graph serve`` during the fresh-query load, and each sample is put in the category of
its innermost frame that belongs to one (guard, negotiation, worker hand-off, Flask...)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from servers import Server, command_line

PY_SPY = Path(sys.executable).parent / "py-spy"
RATE = 100  # samples per second per process
# (category, pattern on "function (file:line)"), tried for each frame from the innermost out.
# py-spy names files from their package ("flask/app.py"), or by path outside site-packages.
CATEGORIES = (
    ("guard (query/guard, tokens, sparql_syntax)", r"query/(guard|tokens)\.py|sparql_\w+\.py"),
    ("negotiation", r"web/negotiation\.py|formats\.py|datastructures/accept\.py"),
    (
        "worker hand-off (pickle, pipe, slots, spool)",
        r"multiprocessing/|serve/(pool|slots|spool)\.py",
    ),
    ("rate limit", r"\((flask_limiter|limits)/|web/limits\.py"),
    ("logging (access log)", r"\(logging/|web/access\.py"),
    ("response hooks (ids, CORS, gzip, ETag)", r"web/hooks\.py|\(gzip\.py|\(uuid\.py"),
    ("query path (querying, sparql view)", r"web/querying\.py|web/sparql\.py|web/protocol\.py"),
    ("engine: evaluate and serialise (pyoxigraph)", r"query/engine\.py"),
    ("worker loop (receive, reply)", r"serve/worker\.py"),
    ("Flask / Werkzeug", r"\((flask|werkzeug)/"),
    ("granian (Python side)", r"\(granian/"),
)
OTHER = "other"
# A sample whose innermost frame waits (for a lock, a queue, the pipe, the socket) is waiting.
WAITING = "waiting (lock, queue, pipe, poll)"
WAIT_LEAF = re.compile(
    r"^(Condition\.wait|Queue\.get|Connection\._recv|Connection\._poll|_PollLikeSelector\.select|"
    r"sleep|wait) "
)
FRAME = re.compile(r"^(?P<function>[^ ]+) \((?P<file>[^:]+):(?P<line>\d+)\)$")


def roles(server: Server) -> dict[str, int]:
    """The HTTP process (parent of the query workers) and the first query worker."""
    workers = [pid for pid in server.pids() if "ivig_graph.serve.worker" in command_line(pid)]
    if not workers:
        raise RuntimeError(f"{server.name}: no query worker found")
    parent = int(Path(f"/proc/{workers[0]}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return {"HTTP process": parent, "query worker": workers[0]}


def record(pid: int, seconds: float, out: Path, gil: bool) -> subprocess.Popen[bytes]:
    """py-spy sampling ``pid`` for ``seconds`` into ``out`` (collapsed stacks), in the
    background; wait on the returned process. With ``gil``, only the thread holding the GIL
    is sampled: what the process's one interpreter spends its time on."""
    command = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(int(seconds))]
    command += ["--rate", str(RATE), "--format", "raw", "--output", str(out), "--nonblocking"]
    if gil:
        command.append("--gil")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stacks(raw: str) -> list[tuple[list[str], int]]:
    """(frames from the outermost in, samples) for each line of py-spy's raw output."""
    found = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            found.append((stack.split(";"), int(count)))
    return found


def category_of(frames: list[str]) -> str:
    if WAIT_LEAF.match(frames[-1]):
        return WAITING
    for frame in reversed(frames):
        for name, pattern in CATEGORIES:
            if re.search(pattern, frame):
                return name
    return OTHER


def categories_within(frames: list[str]) -> set[str]:
    """Every category with a frame anywhere on the stack (a sample counts for each)."""
    return {name for name, pattern in CATEGORIES if any(re.search(pattern, f) for f in frames)}


def summarise(raw: str, top: int = 12) -> dict[str, object]:
    """Shares of the samples: by category of the innermost categorised frame ("categories"),
    by category anywhere on the stack ("inclusive"), by innermost function ("leaves")."""
    by_category: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    by_leaf: Counter[str] = Counter()
    total = 0
    for frames, count in stacks(raw):
        total += count
        by_category[category_of(frames)] += count
        inclusive.update({name: count for name in categories_within(frames)})
        by_leaf[_short(frames[-1])] += count
    total = total or 1
    return {
        "samples": total,
        "categories": {name: round(n / total, 3) for name, n in by_category.most_common()},
        "inclusive": {name: round(n / total, 3) for name, n in inclusive.most_common()},
        "leaves": {name: round(n / total, 3) for name, n in by_leaf.most_common(top)},
    }


def _short(frame: str) -> str:
    """'function (path:line)' with the path cut to the package and module."""
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match.group("file")
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    path = re.sub(r"^.*?/(ivig_graph/)", r"\1", path)
    return f"{match.group('function')} ({path}:{match.group('line')})"

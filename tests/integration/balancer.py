"""Replicas of the endpoint behind nginx, on loopback: each replica its own process group (so it
can be killed whole, as a machine dies), nginx in the foreground with every path in a
temporary directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.integration.engines import EngineUnavailable, nginx_program
from tests.servers import REPO, descendants, free_port, serve_environment

START_TIMEOUT = 30.0

# The recipe of docs/deploy.md, with the test's ports and a temporary directory for the rest.
NGINX_CONF = """\
{user}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;

    upstream ivig_graph {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://ivig_graph;
            # A replica that refuses or drops the connection: the request goes to the next one.
            # POST is safe to retry too: it only ever carries a (read-only) query.
            proxy_next_upstream error timeout non_idempotent;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Which replica answered (tried replicas, in order); for the test's accounting.
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Replica:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL every process of the replica at once (as when its machine dies): granian's
        main process, its HTTP process (in a process group of its own) and the query workers."""
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        else:  # its query workers may outlive a killed master for a moment
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


def start_replica(arguments: list[str], env: dict[str, str], log_path: Path) -> Replica:
    """``python ARGUMENTS`` with IVIG_PORT set to a free port, in a new session, once ready."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *arguments],
            env=serve_environment(port, env),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
        )
    replica = Replica(process, port, log_path)
    try:
        _wait_ready(f"http://{replica.address}/readyz", process, log_path)
    except BaseException:
        replica.stop()
        raise
    return replica


@contextmanager
def nginx(directory: Path, upstreams: list[str]) -> Iterator[str]:
    """nginx balancing over ``upstreams`` (host:port); yields its base URL."""
    program = nginx_program()
    if program is None:
        raise EngineUnavailable("nginx not installed: run scripts/engines/install.sh")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = directory / "nginx.conf"
    servers = "\n".join(
        f"        server {address} max_fails=1 fail_timeout=10s;" for address in upstreams
    )
    # As root, nginx's workers would run as nobody, who cannot enter the temporary directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        NGINX_CONF.format(user=user, directory=directory, servers=servers, port=port),
        encoding="utf-8",
    )
    log_path = directory / "nginx.out"
    command = [program, "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(conf)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_listening(port, process, directory / "error.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"replica exited during start-up:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"replica not ready within {START_TIMEOUT:g} s:\n{_tail(log_path)}")


def _wait_listening(port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineUnavailable(f"nginx exited during start-up:\n{_tail(log_path)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise EngineUnavailable(f"nginx did not listen within {START_TIMEOUT:g} s")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"

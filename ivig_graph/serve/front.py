"""The buffering front: nginx between the clients and granian (``serve --front nginx``).

granian alone has a deadline for request headers but none for bodies, and it accepts
connections in Rust before the app sees them, so it cannot count them per client (granian
issue #728 was closed as won't-fix). nginx does both, and it is what the field runs in front of
Python servers; so ``serve`` can start one itself rather than hand-write a proxy. nginx then:

* listens on the public address and reads every request head within ``HEADER_TIMEOUT`` and
  every body with at most ``body_timeout`` between two reads, buffering bodies before granian
  sees them, so a slow body costs no app thread (408 beyond, nginx's own answer);
* lets one client (its address) have ``client_connections`` requests open at once (429
  beyond), refuses request lines longer than a GET query may be (414) and bodies over
  ``max_body_bytes`` (413) before reading them;
* reads granian's answers at once into its buffers and a temporary file of at most
  ``ANSWER_FILE``, so a client that reads slowly holds no app thread; a larger answer is read
  from granian at the client's pace, under the app's own cap on answers streaming (so what the
  front holds is bounded by its connections, not by the answers' sizes);
* passes each request to granian on a Unix socket in a private directory, with the client's
  address in ``X-Forwarded-For`` (which the app then trusts: ``ServerConfig.behind_proxy``).

``write_front`` (in the ``serve`` command, which has the configuration) writes the
configuration into that directory and checks it with ``nginx -t``; ``Front`` (in granian's
supervisor, ``serve.supervisor``) starts nginx once granian's socket is bound, stops it when
granian stops, stops granian if nginx exits, and asks the kernel to stop nginx if the supervisor
itself is killed (``PR_SET_PDEATHSIG``, Linux).
"""

from __future__ import annotations

import contextlib
import ctypes
import grp
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ivig_graph.errors import FrontFailed

if TYPE_CHECKING:
    from ivig_graph.web.config import ServerConfig

log = logging.getLogger("ivig_graph.front")

CONFIG_NAME = "nginx.conf"
SOCKET_NAME = "granian.sock"
HEADER_TIMEOUT = 10  # seconds for a request head, as granian's own (serve.supervisor)
SEND_TIMEOUT = 30  # seconds an answer may wait between two writes the client accepts
KEEPALIVE_TIMEOUT = 15  # seconds an idle connection stays open
ANSWER_FILE = "1m"  # of an answer, what nginx may hold in a temporary file beyond its buffers
START_TIMEOUT = 10.0  # seconds nginx may take to listen (it retries a busy port for 2.5 s)
STOP_TIMEOUT = 5.0
NOBODY = ("nobody", "nogroup")  # who nginx's worker runs as when serve runs as root
PR_SET_PDEATHSIG = 1

_TEMPLATE = """\
# Written by ivig-graph serve (ivig_graph/serve/front.py) for one run; removed when it stops.
{user}worker_processes 1;
worker_rlimit_nofile {files};
pid "{directory}/nginx.pid";
error_log stderr warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;  # the app writes the access log
    server_tokens off;
    client_body_temp_path "{directory}/body";
    proxy_temp_path "{directory}/proxy";
    fastcgi_temp_path "{directory}/fastcgi";
    uwsgi_temp_path "{directory}/uwsgi";
    scgi_temp_path "{directory}/scgi";

    client_header_timeout {header_timeout}s;
    client_body_timeout {body_timeout}s;
    send_timeout {send_timeout}s;
    keepalive_timeout {keepalive_timeout}s;
    large_client_header_buffers 4 {line_bytes};
    client_max_body_size {body_bytes};
    client_body_buffer_size 64k;
    limit_conn_zone $binary_remote_addr zone=clients:4m;
    limit_conn clients {client_connections};
    limit_conn_status 429;
    limit_conn_log_level info;

    upstream granian {{
        server "unix:{directory}/{socket}";
        keepalive 16;
    }}
    server {{
        listen {listen} backlog=1024;
        # nginx's own refusals, in plain words (the app's own answers pass unchanged); a
        # request line too long (414) or broken (400) keeps nginx's page: it has no request
        # to redirect to a named location (tried: 500).
        error_page 413 @too_large;
        error_page 429 @too_many;
        location @too_large {{
            default_type text/plain;
            return 413 "The request body is over {body_bytes} bytes (IVIG_MAX_BODY_BYTES).\\n";
        }}
        location @too_many {{
            default_type text/plain;
            add_header Retry-After 1 always;
            return 429 "{too_many}\\n";
        }}
        location / {{
            proxy_pass http://granian;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout {read_timeout}s;
            proxy_max_temp_file_size {answer_file};
        }}
    }}
}}
"""


def nginx_program() -> str | None:
    """nginx on the PATH, or where Debian puts it (/usr/sbin, not on a user's PATH)."""
    found = shutil.which("nginx")
    return found or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)


def _listen(host: str, port: int) -> str:
    if not all(c.isalnum() or c in ".:-" for c in host):
        raise FrontFailed(f"{host!r} is not a host nginx can listen on.")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _nginx_worker() -> tuple[str, str] | None:
    """Who nginx's worker runs as, if not as this user: as root, nginx switches to NOBODY."""
    return NOBODY if os.geteuid() == 0 else None


def _worker_user() -> str:
    worker = _nginx_worker()
    return "" if worker is None else f"user {worker[0]} {worker[1]};\n"


def render(config: ServerConfig, directory: Path) -> str:
    """The nginx configuration for ``config``, with every path in ``directory``."""
    if '"' in str(directory) or "\\" in str(directory):
        raise FrontFailed(f"{directory} cannot be written in an nginx configuration.")
    connections = 2 * config.max_connections + 64  # each request holds two: client and granian
    # A GET query may be max_query_length characters, up to three bytes each percent-encoded.
    line_bytes = 3 * config.max_query_length + 16 * 1024
    return _TEMPLATE.format(
        user=_worker_user(),
        files=2 * connections,
        connections=connections,
        directory=directory,
        socket=SOCKET_NAME,
        header_timeout=HEADER_TIMEOUT,
        body_timeout=f"{config.body_timeout:g}",
        send_timeout=SEND_TIMEOUT,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        line_bytes=line_bytes,
        body_bytes=config.max_body_bytes,
        client_connections=config.client_connections,
        listen=_listen(config.host, config.port),
        read_timeout=round(config.timeout + config.queue_wait) + SEND_TIMEOUT,
        answer_file=ANSWER_FILE,
        too_many=(
            f"This client has {config.client_connections} requests open, as many as one may "
            "(IVIG_CLIENT_CONNECTIONS): wait for one to end."
        ),
    )


def write_front(config: ServerConfig, directory: Path) -> None:
    """Write the front's configuration into ``directory`` and have nginx check it; raise
    ``FrontFailed`` if nginx is missing or refuses it."""
    program = nginx_program()
    if program is None:
        raise FrontFailed(
            "--front nginx needs nginx, which is not installed: install it (Debian: "
            "apt-get install nginx; `make run` does) or serve without a front."
        )
    if _nginx_worker() is not None:
        directory.chmod(0o711)  # nginx's worker (nobody) reaches the socket, lists nothing
    (directory / CONFIG_NAME).write_text(render(config, directory), encoding="utf-8")
    checked = subprocess.run(
        [*_command(program, directory), "-t", "-q"], capture_output=True, text=True, check=False
    )
    if checked.returncode != 0:
        raise FrontFailed(f"nginx refused the front's configuration: {checked.stderr.strip()}")


def _command(program: str, directory: Path) -> list[str]:
    return [program, "-p", str(directory), "-c", CONFIG_NAME, "-e", "stderr", "-g", "daemon off;"]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded before any fork, not in the child


class Front:
    """nginx in front of granian, started and stopped by granian's supervisor."""

    def __init__(self, directory: Path, host: str, port: int) -> None:
        self.directory = directory
        self.address = ("::1" if host == "::" else "127.0.0.1" if host == "0.0.0.0" else host, port)
        self.process: subprocess.Popen[bytes] | None = None
        self.failed: str | None = None
        self._stopping = threading.Event()

    @property
    def socket_path(self) -> Path:
        return self.directory / SOCKET_NAME

    def start(self, when_it_exits: Callable[[], None]) -> None:
        """Start nginx (granian's socket is bound by now) and wait until it listens; call
        ``when_it_exits`` if it ever stops on its own. Raises ``FrontFailed``."""
        self._hand_socket_to_nginx()
        program = nginx_program()
        assert program is not None  # write_front checked
        self.process = subprocess.Popen(
            _command(program, self.directory),
            stdin=subprocess.DEVNULL,
            # Out of the terminal's process group: Ctrl+C reaches the supervisor, which stops
            # nginx after granian (nginx stopping first looked like a front that died).
            process_group=0,
            preexec_fn=_die_with_parent,  # one ctypes call between fork and exec
        )
        self._await_listening()
        print(
            f"ivig-graph: nginx (pid {self.process.pid}) in front on port {self.address[1]}, "
            f"granian behind it on {self.socket_path}",
            file=sys.stderr,
            flush=True,
        )
        threading.Thread(target=self._watch, args=(when_it_exits,), daemon=True).start()

    def stop(self) -> None:
        """Stop nginx, and whatever is left of its process group: a worker whose master was
        killed outright keeps the port open and answers 502 (seen)."""
        self._stopping.set()
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # its own group (process_group=0)

    def _hand_socket_to_nginx(self) -> None:
        worker = _nginx_worker()
        if worker is not None:
            user, group = worker
            os.chown(self.socket_path, pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid)

    def _await_listening(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise FrontFailed(
                    f"nginx exited with code {self.process.returncode} while starting (its "
                    "message is above): is the port taken?"
                )
            try:
                socket.create_connection(self.address, timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise FrontFailed(f"nginx did not listen on port {self.address[1]} in {START_TIMEOUT} s.")

    def _watch(self, when_it_exits: Callable[[], None]) -> None:
        assert self.process is not None
        code = self.process.wait()
        if not self._stopping.is_set():
            self.failed = f"nginx, the front, exited with code {code}; the server stops."
            log.error(self.failed)
            when_it_exits()

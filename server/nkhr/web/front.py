"""The front of ``nkhr serve``: nginx on the public address, gunicorn behind it on a private socket.

gunicorn's threaded workers commit a thread to every connection they accept, and have no header,
body or write timeouts: 16 clients sending headers a byte at a time stopped the whole server,
and so did slow readers of a dump or a few hundred idle sockets. nginx is built for exactly
this: it reads a request's headers within a total time and its body into a buffer before the
request is passed on, reads the answer from gunicorn at once and sends it at the client's pace,
and holds thousands of idle connections for a few hundred bytes each. So ``nkhr serve`` starts
Debian's nginx (the Makefile installs it) with a configuration written from
``front.conf.template`` into a private run folder, and gunicorn listens only on a Unix socket
in that folder, which only nginx (and root) can open. The app trusts the ``NKHR-Client`` header
(the client's address, set by nginx) only from there.

``NKHR_FRONT=none`` serves gunicorn directly on the address, as before: only for running behind
a reverse proxy of your own with the same protections.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
import resource
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from string import Template

from ..lifetime import PR_SET_CHILD_SUBREAPER, prctl, signal_on_parent_death

SOCKET_NAME = "app.sock"


class FrontUnavailable(Exception):
    """nginx is not installed, or would not start with the configuration."""


@dataclass
class FrontSettings:
    """The front's limits; every one can be set from the environment (``from_environment``)."""

    header_timeout: float = 10.0      # request line and headers, in total, from the first byte
    body_timeout: float = 10.0        # between two reads of a request body
    keepalive_timeout: float = 15.0   # an idle kept-alive connection
    send_timeout: float = 30.0        # between two writes to a client that does not read
    upstream_timeout: float = 90.0    # gunicorn's answer (queries stop at NKHR_QUERY_TIMEOUT)
    connections: int = 8192           # connections each front process holds at most
    client_requests: int = 64         # requests under way at once from one address
    processes: int = 2                # nginx worker processes
    access_log: bool = True
    # Addresses of TLS proxies or load balancers in front (NKHR_TRUSTED_PROXIES, comma-separated
    # addresses or networks): from them, the client's address is read from X-Forwarded-For, so the
    # per-client limits see clients rather than the proxy.
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> FrontSettings:
        environ = dict(os.environ if environ is None else environ)
        names = {"header_timeout": "NKHR_HEADER_TIMEOUT", "body_timeout": "NKHR_BODY_TIMEOUT",
                 "keepalive_timeout": "NKHR_KEEPALIVE_TIMEOUT", "send_timeout": "NKHR_SEND_TIMEOUT",
                 "connections": "NKHR_MAX_CONNECTIONS", "client_requests": "NKHR_CLIENT_REQUESTS"}
        settings = cls()
        proxies = [p.strip() for p in environ.get("NKHR_TRUSTED_PROXIES", "").split(",") if p.strip()]
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise FrontUnavailable(f"NKHR_TRUSTED_PROXIES: {proxy!r} is not an address or a network "
                                       "(write 10.0.0.5 or 10.0.0.0/8).") from None
        settings.trusted_proxies = tuple(proxies)
        for attribute, variable in names.items():
            if environ.get(variable):
                kind = type(getattr(settings, attribute))
                try:
                    setattr(settings, attribute, kind(environ[variable]))
                except ValueError:
                    raise FrontUnavailable(f"{variable}={environ[variable]!r} is not a number.") from None
        return settings


def wanted(environ: dict[str, str] | None = None) -> bool:
    """Whether ``nkhr serve`` puts nginx in front (everywhere but ``NKHR_FRONT=none``)."""
    value = (os.environ if environ is None else environ).get("NKHR_FRONT", "nginx").strip().lower()
    if value not in ("nginx", "none"):
        raise FrontUnavailable(f"NKHR_FRONT={value!r} is not understood: use nginx (the default) or none.")
    return value == "nginx"


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                          if os.access(p, os.X_OK)), None)
    if not found:
        raise FrontUnavailable("nkhr serve puts nginx in front of its workers, and nginx is not installed: "
                               "run `make run` (it installs it), or `apt-get install nginx-light`; behind a "
                               "reverse proxy of your own, NKHR_FRONT=none serves without it.")
    return found


def _listen_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _seconds(value: float) -> str:
    return f"{max(1, round(value * 1000))}ms"


def adopt_orphans() -> None:
    """Make this process the parent of its descendants' orphans (PR_SET_CHILD_SUBREAPER).

    nginx's workers do not notice that their master died: killed with SIGKILL, it left them
    holding the port for ever. As the server's master adopts them, ``Front.finish`` can end them.
    """
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def _orphaned_nginx() -> list[int]:
    """This process's children that are nginx processes (after ``adopt_orphans``: its workers)."""
    found = []
    for task in Path("/proc/self/task").glob("*"):
        try:
            pids = [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
        for pid in pids:
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "nginx":
                    found.append(pid)
            except OSError:
                pass
    return found


def _die_with_parent() -> None:
    """In nginx's master, before exec: be sent SIGTERM when the server process dies, even by SIGKILL."""
    signal_on_parent_death(signal.SIGTERM)


@dataclass
class Front:
    """One nginx master with its private run folder; ``start`` once gunicorn has bound the socket."""

    host: str
    port: int
    settings: FrontSettings = field(default_factory=FrontSettings)

    def __post_init__(self) -> None:
        self.binary = nginx_binary()
        self.run_dir = Path(tempfile.mkdtemp(prefix="front-"))
        self.socket = self.run_dir / SOCKET_NAME
        self.process: subprocess.Popen[bytes] | None = None
        self._workers_user = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
        if self._workers_user is not None:
            # As root, nginx's workers run as nobody: the run folder is theirs (root passes anyway).
            os.chown(self.run_dir, self._workers_user.pw_uid, self._workers_user.pw_gid)

    @property
    def bind(self) -> str:
        """gunicorn's bind address."""
        return f"unix:{self.socket}"

    def configuration(self) -> str:
        template = Template(files("nkhr.web").joinpath("front.conf.template").read_text(encoding="utf-8"))
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        limit = hard if hard != resource.RLIM_INFINITY else 65536
        nofile = min(limit, max(2 * self.settings.connections + 64, 1024))
        connections = max(64, min(self.settings.connections, nofile // 2 - 32))
        user_line = ""
        if self._workers_user is not None:
            import grp
            user_line = f"user {self._workers_user.pw_name} {grp.getgrgid(self._workers_user.pw_gid).gr_name};"
        s = self.settings
        real_ip = "".join(f"    set_real_ip_from {ipaddress.ip_network(p, strict=False)};\n" for p in s.trusted_proxies)
        if real_ip:
            real_ip += "    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n"
        return template.substitute(
            real_ip=real_ip, front_workers=s.processes, nofile=nofile, connections=connections, run=self.run_dir,
            user_line=user_line, access_log="/dev/stdout combined" if s.access_log else "off",
            header_timeout=_seconds(s.header_timeout), body_timeout=_seconds(s.body_timeout),
            keepalive_timeout=_seconds(s.keepalive_timeout), send_timeout=_seconds(s.send_timeout),
            upstream_timeout=_seconds(s.upstream_timeout), client_requests=s.client_requests,
            socket=self.socket, listen=_listen_address(self.host, self.port))

    def start(self) -> None:
        """Write the configuration, check it, and start nginx (in the foreground, as a child)."""
        if self._workers_user is not None and self.socket.exists():
            os.chown(self.socket, self._workers_user.pw_uid, self._workers_user.pw_gid)
        config = self.run_dir / "nginx.conf"
        config.write_text(self.configuration(), encoding="utf-8")
        command = [self.binary, "-p", f"{self.run_dir}/", "-e", "stderr", "-c", str(config)]
        check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        if check.returncode != 0:
            raise FrontUnavailable("nginx refused its configuration: " + check.stderr.strip()[-600:])
        self.process = subprocess.Popen([*command, "-g", "daemon off;"], preexec_fn=_die_with_parent)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def begin_stop(self) -> None:
        """Stop taking connections and finish the requests under way (nginx's graceful SIGQUIT)."""
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGQUIT)

    def finish(self, timeout: float = 10.0) -> None:
        """Wait for nginx to end (SIGKILL after ``timeout``), then remove the run folder."""
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            except ChildProcessError:
                pass                       # already reaped by gunicorn's arbiter
        for pid in _orphaned_nginx():      # workers of a master that was killed
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.run_dir, ignore_errors=True)

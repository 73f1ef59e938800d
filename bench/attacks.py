"""Slow, idle and greedy clients against a running ``nkhr serve``, on loopback, with the figures.

    .venv/bin/python -m bench.attacks                       # starts its own server, runs every attack
    .venv/bin/python -m bench.attacks --port 8000 --attack slowloris --count 200 --seconds 20

Attacks (each bounded in connections and in time, and aimed at 127.0.0.1 only):

- ``slowloris``: request headers sent one short line every ``--interval`` seconds, never ended;
- ``slow-body``: a POST announcing 10 kB of body, sent one byte every ``--interval`` seconds;
- ``slow-reader``: ``GET /dumps/dataset.nq`` with a 4 KB receive buffer, read 1 KB a second;
- ``idle``: connections that send nothing;

(these four come from 127.0.2.1 to 127.0.2.250, so a per-address cap does not turn them away);
- ``saturate``: clients, each from its own loopback address (127.0.1.N), looping on a slow
  query without pause (they ignore Retry-After, as a hostile client would).

While an attack runs, a probe measures what everyone else gets: a cheap uncached query on a new
connection, the home page, and a cached catalog answer. It prints their p50 / p99 / max and the
share that succeeded, and for the socket attacks when the server closed the attackers'
connections. ``--json`` prints the same as one JSON object (the tests read it).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import resource
import selectors
import socket
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

HOST = "127.0.0.1"
ATTACKS = ("slowloris", "slow-body", "slow-reader", "idle", "saturate")
# A legal query that keeps a query process busy until the time limit stops it.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CATALOG_ANSWER = "/queries/coi-members?format=csv"


def raise_descriptor_limit(wanted: int) -> None:
    """Thousands of sockets need more descriptors than the usual soft limit of 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


@dataclass
class SocketAttack:
    """Connections held open in one of the slow ways; ``closed`` counts those the server ended."""

    kind: str
    port: int
    count: int
    interval: float = 1.0
    opened: int = 0
    refused: int = 0
    closed: int = 0
    first_closed_after: float | None = None
    all_closed_after: float | None = None
    answers: dict[str, int] = field(default_factory=dict)

    def opening_bytes(self, index: int) -> bytes:
        if self.kind == "slowloris":
            return f"GET /?slowloris={index} HTTP/1.1\r\nHost: {HOST}\r\n".encode()
        if self.kind == "slow-body":
            return (f"POST /sparql HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/sparql-query\r\n"
                    f"Content-Length: 10000\r\n\r\nASK {{").encode()
        if self.kind == "slow-reader":
            return f"GET /dumps/dataset.nq HTTP/1.1\r\nHost: {HOST}\r\nAccept-Encoding: identity\r\n\r\n".encode()
        return b""

    def trickle(self) -> bytes:
        return {"slowloris": b"X-a: b\r\n", "slow-body": b" "}.get(self.kind, b"")

    def run(self, seconds: float) -> None:
        selector = selectors.DefaultSelector()
        started = time.monotonic()
        sockets: list[socket.socket] = []
        for index in range(self.count):
            sock = socket.socket()
            if self.kind == "slow-reader":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            try:
                sock.settimeout(5)
                # From many loopback addresses, as a botnet would: the front's per-address cap
                # is not what must save the others.
                sock.bind((f"127.0.2.{index % 250 + 1}", 0))
                sock.connect((HOST, self.port))
                sock.sendall(self.opening_bytes(index))
                sock.setblocking(False)
            except OSError:
                self.refused += 1
                sock.close()
                continue
            sockets.append(sock)
            selector.register(sock, selectors.EVENT_READ)
        self.opened = len(sockets)
        live = set(sockets)
        deadline = started + seconds
        next_trickle = time.monotonic() + self.interval
        while live and time.monotonic() < deadline:
            timeout = max(0.0, min(next_trickle, deadline) - time.monotonic())
            for key, _ in selector.select(timeout):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if self.kind == "slow-reader":
                    continue              # read on the trickle tick only
                self._read_or_close(sock, selector, live, started)
            if time.monotonic() >= next_trickle:
                next_trickle += self.interval
                for sock in list(live):
                    try:
                        if self.kind == "slow-reader":
                            self._read_or_close(sock, selector, live, started, size=1024)
                        elif self.trickle():
                            sock.send(self.trickle())
                    except OSError:
                        self._closed(sock, selector, live, started)
        for sock in sockets:
            sock.close()
        selector.close()

    def _read_or_close(self, sock: socket.socket, selector: selectors.BaseSelector, live: set[socket.socket],
                       started: float, size: int = 65536) -> None:
        try:
            data = sock.recv(size)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data.startswith(b"HTTP/1."):
            status = data.split(b" ", 2)[1].decode("ascii", "replace")
            self.answers[status] = self.answers.get(status, 0) + 1
        if not data:
            self._closed(sock, selector, live, started)

    def _closed(self, sock: socket.socket, selector: selectors.BaseSelector, live: set[socket.socket],
                started: float) -> None:
        if sock not in live:
            return
        live.discard(sock)
        selector.unregister(sock)
        self.closed += 1
        after = round(time.monotonic() - started, 2)
        if self.first_closed_after is None:
            self.first_closed_after = after
        if not live:
            self.all_closed_after = after


@dataclass
class Saturation:
    """Clients from 127.0.1.1, 127.0.1.2, ... each looping on SLOW_QUERY without pause."""

    port: int
    count: int
    statuses: dict[str, int] = field(default_factory=dict)

    def run(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        lock = threading.Lock()

        def loop(index: int) -> None:
            source = f"127.0.1.{index % 250 + 1}"
            target = "/sparql?query=" + quote(SLOW_QUERY)
            for _ in range(100_000):
                if time.monotonic() >= deadline:
                    return
                try:
                    connection = http.client.HTTPConnection(HOST, self.port, timeout=30,
                                                            source_address=(source, 0))
                    connection.request("GET", target)
                    status = str(connection.getresponse().status)
                    connection.close()
                except (OSError, http.client.HTTPException):
                    status = "error"
                with lock:
                    self.statuses[status] = self.statuses.get(status, 0) + 1

        threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(self.count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 40)


@dataclass
class Probe:
    """What an ordinary client gets meanwhile: latencies (seconds) and statuses, per kind of request."""

    port: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)
    started: dict[str, list[float]] = field(default_factory=dict)

    def once(self, kind: str, target: str, timeout: float = 30.0) -> None:
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
            connection.request("GET", target, headers={"Accept": "*/*"})
            response = connection.getresponse()
            body = response.read()
            status = response.status
            if status != 200 and len(self.refusals) < 5:
                self.refusals.append(f"{kind} {status}: {body[:160].decode('utf-8', 'replace').strip()}")
            connection.close()
        except (OSError, http.client.HTTPException):
            status = 0
        self.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        self.started.setdefault(kind, []).append(started)
        self.statuses.setdefault(kind, []).append(status)

    def run(self, seconds: float, kinds: tuple[str, ...] = ("cheap-query",), pause: float = 0.05,
            limit: int = 2000) -> None:
        """Ask in turn, one request at a time, until ``seconds`` have passed or ``limit`` requests."""
        nonce = itertools.count()
        deadline = time.monotonic() + seconds
        for i in range(limit):
            if time.monotonic() >= deadline:
                return
            kind = kinds[i % len(kinds)]
            self.once(kind, self.target(kind, next(nonce)))
            time.sleep(pause)

    @staticmethod
    def target(kind: str, nonce: int) -> str:
        if kind == "cheap-query":    # a new query each time: never a cached answer
            return "/sparql?query=" + quote(f'ASK {{ ?s ?p "probe {os.getpid()} {nonce} {time.time()}" }}')
        if kind == "home":
            return "/"
        return CATALOG_ANSWER

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for kind, values in self.latencies.items():
            ordered = sorted(values)
            statuses = self.statuses[kind]
            out[kind] = {"count": len(values), "ok": sum(s == 200 for s in statuses) / len(statuses),
                         "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
                         "p50_ms": 1000 * ordered[len(ordered) // 2],
                         "p99_ms": 1000 * ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
                         "max_ms": 1000 * ordered[-1],
                         # when the slowest one was sent, in seconds after the first
                         "slowest_at_s": round(self.started[kind][values.index(ordered[-1])]
                                               - self.started[kind][0], 2)}
        return out


# The attackers run in a process of their own at the lowest CPU priority: on a real server they
# are other machines, and on a 2-core test machine their own Python threads would otherwise take
# the CPU the server needs, and hold the GIL the probe's threads need.
ATTACKER_NICENESS = 19


def _attackers(port: int, plan: dict[str, int], seconds: float, interval: float, results) -> None:
    """In the attackers' process: run every attack of ``plan`` at once, then send back the figures."""
    os.nice(ATTACKER_NICENESS)
    raise_descriptor_limit(sum(plan.values()) + 1024)
    runners: list[SocketAttack | Saturation] = []
    for kind, count in plan.items():
        runners.append(Saturation(port, count) if kind == "saturate" else SocketAttack(kind, port, count, interval))
    threads = [threading.Thread(target=r.run, args=(seconds,), daemon=True) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    figures = {}
    for runner in runners:
        name = runner.kind if isinstance(runner, SocketAttack) else "saturate"
        figures[name] = {k: v for k, v in asdict(runner).items() if k not in ("port",)}
    results.put(figures)


def attack(port: int, plan: dict[str, int], seconds: float, interval: float = 1.0,
           probe_kinds: tuple[str, ...] = ("cheap-query",), ramp: float = 2.0) -> dict:
    """Run the attacks of ``plan`` (kind -> count) at once for ``seconds``, probing after ``ramp``."""
    import multiprocessing
    probe = Probe(port)
    if "catalog" in probe_kinds:    # answered once by each worker, the catalog answer is then cached
        for _ in range(24):
            probe.once("warm-up", CATALOG_ANSWER)
        probe.latencies.pop("warm-up", None)
        probe.statuses.pop("warm-up", None)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    attackers = context.Process(target=_attackers, args=(port, plan, seconds, interval, results), daemon=True)
    attackers.start()
    time.sleep(ramp)
    # One probing thread per kind, so that a slow answer of one kind does not delay the others.
    probes = [threading.Thread(target=probe.run, args=(max(1.0, seconds - ramp - 0.5), (kind,)), daemon=True)
              for kind in probe_kinds]
    for thread in probes:
        thread.start()
    for thread in probes:
        thread.join(timeout=seconds + 60)
    figures = results.get(timeout=seconds + 90)
    attackers.join(timeout=30)
    return {"seconds": seconds, "probe": probe.summary(), "refusals": probe.refusals, **figures}


def print_report(result: dict) -> None:
    for name, figures in result.items():
        if name in ("seconds", "probe", "refusals"):
            continue
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items() if k not in ("kind",)))
    for refusal in result["refusals"]:
        print("  refused:", refusal)
    print(f"{'probe':12s} {'count':>6s} {'ok':>6s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
    for kind, f in result["probe"].items():
        print(f"{kind:12s} {f['count']:6.0f} {f['ok']:6.0%} {f['p50_ms']:8.1f} {f['p99_ms']:8.1f} {f['max_ms']:8.1f}"
              f"  {f['statuses']}")


def own_server(workers: int, env: dict[str, str]):
    """A fresh ``nkhr serve`` on a copy of the project (as bench.http_load starts one)."""
    from .http_load import copy_project, free_port, start_server
    folder = tempfile.mkdtemp(prefix="nkhr-attacks-")
    copy_project(Path(folder))
    port = free_port()
    os.environ.update(env)
    return start_server(Path(folder), port, workers), port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, help="a server already running on 127.0.0.1 (else one is started)")
    parser.add_argument("--attack", action="append", choices=ATTACKS, help="repeatable; default: each in turn")
    parser.add_argument("--count", type=int, help="connections or clients (default: 200, 200, 64, 1000, 64)")
    parser.add_argument("--together", action="store_true", help="run the chosen attacks at the same time")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds of attack before the probes start")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    defaults = {"slowloris": 200, "slow-body": 200, "slow-reader": 64, "idle": 1000, "saturate": 64}
    chosen = args.attack or list(ATTACKS)
    server = None
    port = args.port
    if port is None:
        server, port = own_server(2, {"NKHR_QUERY_TIMEOUT": "2"})
    try:
        plans = [{k: args.count or defaults[k] for k in chosen}] if args.together else \
                [{k: args.count or defaults[k]} for k in chosen]
        results = []
        for plan in plans:
            kinds = ("home", "catalog", "cheap-query") if "saturate" in plan else ("cheap-query",)
            result = attack(port, plan, args.seconds, args.interval, kinds, ramp=args.ramp)
            results.append(result)
            if not args.json:
                print(f"== {' + '.join(f'{n} {k}' for k, n in plan.items())} for {args.seconds:g} s")
                print_report(result)
        if args.json:
            print(json.dumps(results if len(results) > 1 else results[0]))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())

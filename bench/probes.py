"""The query-check and Host probes of issue 17 against a running ``nkhr serve``, on loopback.

    .venv/bin/python -m bench.probes                      # starts its own server (embedded mode)
    .venv/bin/python -m bench.probes --port 8000          # a server already on 127.0.0.1:8000
    .venv/bin/python -m bench.probes --port 8000 --json
    .venv/bin/python -m bench.probes --cost               # what the guard and store mode's barrier cost

Each probe is one request (bounded, aimed at 127.0.0.1 only). A loopback listener stands for
the "internal service" the guard bypasses aim their SERVICE call at; the report gives, per
probe, the status, the time the server took to refuse it, and whether anything reached the
listener or the answer carried the foreign Host. Every probe passes when the status is the
expected one, the listener saw no connection and no foreign Host came back. Exit status 1
when one fails.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from dataclasses import asdict, dataclass

FOREIGN_HOST = "evil-host.example"


class Listener:
    """Counts the connections made to a loopback port (the target of every SERVICE probe)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def query_probes(port: int) -> dict[str, tuple[str, range]]:
    """name: (query, the statuses that pass)."""
    probes: dict[str, tuple[str, range]] = {}
    refused = range(400, 414)
    for host in ("127.0.0.1", "localhost", "2130706433"):
        target = f"http://{host}:{port}/internal"
        probes[f"escaped IRI -> {host}"] = (
            f"SELECT ?o WHERE {{ BIND(<http://x/\\u0041#> AS ?x) SERVICE <{target}> {{ ?s ?p ?o }} }}", refused)
        probes[f"less-than as IRI -> {host}"] = (
            f"SELECT * WHERE {{ FILTER(1<'>') SERVICE <{target}> {{ ?x ?y ?z }} FILTER('x'='x') }} #'", refused)
        probes[f"FROM -> {host}"] = (f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}", refused)
    probes["2,000 UNIONs"] = ("SELECT * WHERE { " + " UNION ".join(f"{{ ?s ?p {i} }}" for i in range(2000)) + " }",
                              refused)
    probes["700 MINUS"] = ("SELECT * WHERE { ?s ?p ?o " + " ".join(f"MINUS {{ ?s ?p {i} }}" for i in range(700))
                           + " }", refused)
    probes["45,000-deep nesting"] = ("SELECT * WHERE " + "{ " * 45_000 + "?s ?p ?o" + " }" * 45_000, refused)
    probes["control: a legal query"] = ("ASK { ?s ?p ?o }", range(200, 201))
    return probes


HOST_PROBES = [("/dumps", "*/*"), ("/.well-known/void", "text/turtle"), ("/sparql", "text/turtle"),
               ("/queries", "application/json"), ("/", "text/html")]


@dataclass
class Outcome:
    probe: str
    status: int
    ms: float
    passed: bool
    note: str = ""


def _exchange(port: int, request: bytes, timeout: float = 30.0) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer


def run(port: int) -> list[Outcome]:
    from urllib.parse import quote
    outcomes = []
    listener = Listener()
    try:
        for name, (query, expected) in query_probes(listener.port).items():
            body = ("query=" + quote(query, safe="")).encode()
            request = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\n"
                       f"Accept: application/sparql-results+json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
            before = listener.connections
            started = time.perf_counter()
            status, _ = _exchange(port, request + body)
            elapsed = (time.perf_counter() - started) * 1000
            time.sleep(0.1)
            reached = listener.connections - before
            outcomes.append(Outcome(name, status, round(elapsed, 1), status in expected and not reached,
                                    f"{reached} connection(s) to the listener" if reached else ""))
        for path, accept in HOST_PROBES:
            request = (f"GET {path} HTTP/1.1\r\nHost: {FOREIGN_HOST}\r\nAccept: {accept}\r\n"
                       "Connection: close\r\n\r\n").encode()
            started = time.perf_counter()
            status, answer = _exchange(port, request)
            elapsed = (time.perf_counter() - started) * 1000
            leaked = FOREIGN_HOST.encode() in answer
            outcomes.append(Outcome(f"Host {FOREIGN_HOST} {path} ({accept})", status, round(elapsed, 1),
                                    status < 400 and not leaked, "the foreign Host came back" if leaked else ""))
        status, _ = _exchange(port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        outcomes.append(Outcome("HTTP/1.1 without Host", status, 0.0, status == 400))
    finally:
        listener.close()
    return outcomes


def costs() -> dict[str, float]:
    """What the two readings cost per query, in ms: the guard (in the web worker, every query) and
    store mode's barrier (a sandboxed rdflib parse, every uncached query sent to a store)."""
    import statistics
    from pathlib import Path

    from nkhr.query.guard import inspect
    from nkhr.remote.barrier import ParseChecker
    from nkhr.vocab import GRAPHS
    root = Path(__file__).resolve().parent.parent
    queries = [p.read_text(encoding="utf-8") for p in sorted((root / "queries").glob("*.rq"))]

    def timed(run, text: str) -> float:
        started = time.perf_counter()
        run(text)
        return (time.perf_counter() - started) * 1000

    allowed = set(GRAPHS)
    guard = [timed(lambda q: inspect(q, allowed), q) for q in queries]
    values = "SELECT * WHERE { VALUES ?x { " + " ".join(f"<http://x/{i}>" for i in range(5000)) + " } }"
    checker = ParseChecker(size=1)
    try:
        checker.check("ASK {}", GRAPHS, timeout=60)                 # started
        barrier = [timed(lambda q: checker.check(q, GRAPHS), q) for q in queries]
        again = [timed(lambda q: checker.check(q, GRAPHS), q) for q in queries]
    finally:
        checker.close()
    return {"guard_catalog_median_ms": round(statistics.median(guard), 3), "guard_catalog_max_ms": round(max(guard), 3),
            "guard_values_5000_ms": round(timed(lambda q: inspect(q, allowed), values), 2),
            "barrier_catalog_median_ms": round(statistics.median(barrier), 1),
            "barrier_catalog_max_ms": round(max(barrier), 1),
            "barrier_remembered_median_ms": round(statistics.median(again), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, help="a server already running on 127.0.0.1 (else one is started)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cost", action="store_true", help="time the guard and the store-mode barrier instead")
    args = parser.parse_args(argv)
    if args.cost:
        figures = costs()
        print(json.dumps(figures, indent=1) if args.json else "\n".join(f"{k:32s} {v}" for k, v in figures.items()))
        return 0
    server = None
    port = args.port
    if port is None:
        from .attacks import own_server
        server, port = own_server(1, {"NKHR_QUERY_TIMEOUT": "2"})
    try:
        outcomes = run(port)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], indent=1))
    else:
        print(f"{'probe':58s} {'status':>6s} {'ms':>8s}  result")
        for o in outcomes:
            print(f"{o.probe:58s} {o.status:6d} {o.ms:8.1f}  {'pass' if o.passed else 'FAIL'} {o.note}")
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())

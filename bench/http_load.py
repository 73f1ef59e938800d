"""A mixed load on a fresh ``nkhr serve``: catalog queries, entity pages and dumps at once.

    .venv/bin/python -m bench.http_load                  # 64 clients for 30 s
    .venv/bin/python -m bench.http_load --clients 16 --seconds 10

It copies the project to a temporary folder (reusing the checkout's dist/ when it is up to
date, else letting ``nkhr serve`` build), starts ``nkhr serve`` on a free loopback port, and
runs the clients, each a thread with its own keep-alive connection, for a fixed time. Each
client cycles through a mix: 6 in 10 requests run a catalog query (``/queries/NAME``, JSON or
Turtle), 3 in 10 fetch an entity page (``/id/....html``), 1 in 10 downloads a dump. It prints
the count, the errors, p50 and p99 latency (overall and per kind) and the throughput, and exits
1 if any request failed. Traffic goes to 127.0.0.1 only; every loop is bounded by the time
and by a request count. The figures are in bench/LOAD.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
MIX = ["query"] * 6 + ["page"] * 3 + ["dump"]
DUMPS = ["dataset.nt", "dataset.ttl", "dataset.jsonld", "dataset.nq"]


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_project(destination: Path) -> None:
    """The sources, and the checkout's build when it is up to date (else serve builds)."""
    for name in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / name, destination / name)
    from nkhr.built import BUILDS_DIR, is_stale
    from nkhr.project import Project
    checkout = Project(ROOT)
    if checkout.dist_dir.is_symlink() and not is_stale(checkout):
        build = checkout.dist_dir.resolve()
        shutil.copytree(build, destination / BUILDS_DIR / build.name)
        os.symlink(Path(BUILDS_DIR) / build.name, destination / "dist")


def start_server(project: Path, port: int, workers: int) -> subprocess.Popen:
    log = open(project / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "nkhr", "--project", str(project), "serve",
                                "--port", str(port), "--workers", str(workers)],
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited:\n" + (project / "server.log").read_text()[-3000:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not come up")


def get(connection: http.client.HTTPConnection, path: str, accept: str = "*/*") -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Accept": accept, "Accept-Encoding": "identity"})
    response = connection.getresponse()
    return response.status, response.read()


def targets(port: int) -> tuple[list[str], list[str]]:
    """The catalog's query names and some entity IRIs' paths, asked of the server itself."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, body = get(connection, "/queries", "application/json")
    names = [q["name"] for q in json.loads(body)]
    query = ('SELECT DISTINCT ?s WHERE { ?s a ?type FILTER(STRSTARTS(STR(?s), "https://w3id.org/nkhr/id/")) } '
             "ORDER BY ?s LIMIT 300")
    status, body = get(connection, "/sparql?query=" + quote(query), "application/sparql-results+json")
    entities = [b["s"]["value"][len("https://w3id.org/nkhr"):] + ".html"
                for b in json.loads(body)["results"]["bindings"]]
    connection.close()
    return names, entities


def client(port: int, index: int, deadline: float, names: list[str], entities: list[str], records: list,
           limit: int = 100_000) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    local = []
    for i in range(limit):
        if time.monotonic() >= deadline:
            break
        kind = MIX[(index + i) % len(MIX)]
        if kind == "query":
            name = names[(index * 7 + i) % len(names)]
            path, accept = f"/queries/{name}", "application/sparql-results+json, text/turtle;q=0.9"
        elif kind == "page":
            path, accept = entities[(index * 13 + i) % len(entities)], "text/html"
        else:
            path, accept = "/dumps/" + DUMPS[(index + i) % len(DUMPS)], "*/*"
        started = time.perf_counter()
        try:
            status, body = get(connection, path, accept)
            detail = "" if status == 200 else body[:200].decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            status, detail = 0, f"{type(exc).__name__}: {exc}"
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.append((kind, status, time.perf_counter() - started, path, detail))
    connection.close()
    records.extend(local)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def report(records: list, seconds: float, clients: int) -> int:
    errors = [r for r in records if r[1] != 200]
    print(f"{clients} clients for {seconds:.1f} s on 127.0.0.1: {len(records)} requests, "
          f"{len(errors)} errors, {len(records) / seconds:.0f} requests/s")
    print(f"{'kind':8s} {'count':>7s} {'errors':>7s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
    for kind in ("query", "page", "dump", "all"):
        chosen = [r for r in records if kind in ("all", r[0])]
        if not chosen:
            continue
        latencies = [r[2] * 1000 for r in chosen]
        print(f"{kind:8s} {len(chosen):7d} {sum(r[1] != 200 for r in chosen):7d} "
              f"{statistics.median(latencies):8.1f} {percentile(latencies, 99):8.1f} {max(latencies):8.1f}")
    for kind, status, _, path, detail in errors[:10]:
        print(f"  error: {kind} {path} -> {status} {detail}")
    return 1 if errors or not records else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the server")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nkhr-load-") as folder:
        project = Path(folder)
        copy_project(project)
        port = free_port()
        server = start_server(project, port, args.workers)
        try:
            names, entities = targets(port)
            records: list = []
            deadline = time.monotonic() + args.seconds
            started = time.monotonic()
            threads = [threading.Thread(target=client, args=(port, i, deadline, names, entities, records))
                       for i in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 120)
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=60)
        print(f"server: nkhr serve --workers {args.workers} (nginx front, gthread, 16 threads each), "
              f"{os.cpu_count()} CPUs; catalog: {len(names)} queries; {len(entities)} entity pages")
        return report(records, elapsed, args.clients)


if __name__ == "__main__":
    sys.exit(main())

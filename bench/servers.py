"""The servers under test, each a real process on a free loopback port: ours and the peers.

* ``nkhr``: ``nkhr serve`` (gunicorn, 2 workers) on the built ``dist/``;
* ``oxigraph``: the Oxigraph server (the ``oxigraph`` binary of the PyPI package ``oxigraph``),
  ``oxigraph load`` of ``dist/dataset.nq`` into a fresh folder, then ``serve-read-only`` with
  the default graph as the union of the named graphs;
* ``rdflib-endpoint``: ``rdflib-endpoint serve dist/dataset.nq`` (an rdflib ``Dataset`` whose
  default graph is the union, behind FastAPI/uvicorn; its endpoint is at ``/``).

Start time is measured from launching the command (for Oxigraph: from launching the load) to
the first ``200`` on a cheap request. Memory is the resident set of the whole process tree
(gunicorn master, workers and their query processes), sampled twice a second. rdflib-endpoint
runs under an address-space limit: on some catalog queries rdflib grows without bound (15 GB at
100k triples before it was stopped), and the machine is shared.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

VENV_BIN = Path(sys.executable).parent
ASK = "ASK { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    tree, found, stack = _children(), [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(tree.get(current, ()))
    return found


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler(threading.Thread):
    """Peak of the summed RSS of a process tree, and of its largest single process."""

    def __init__(self, pid: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_total = self.peak_process = 0.0
        self.processes = 0
        self._halt = threading.Event()

    def sample(self) -> None:
        pids = process_tree(self.pid)
        sizes = [rss_mb(p) for p in pids]
        self.processes = max(self.processes, len(pids))
        self.peak_total = max(self.peak_total, sum(sizes))
        self.peak_process = max(self.peak_process, max(sizes, default=0.0))

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        self.sample()


@dataclass
class Server:
    name: str
    url: str
    sparql: str
    process: subprocess.Popen
    start_seconds: float
    log: Path
    sampler: MemorySampler
    extra: dict = field(default_factory=dict)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.sampler.stop()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


class ServerFailed(RuntimeError):
    pass


def _wait_for(process: subprocess.Popen, probe, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if probe().status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    process.kill()
    raise ServerFailed(f"no answer within {timeout:.0f} s: {log.read_text()[-2000:]}")


def _launch(command: list[str], log: Path, env: dict | None = None,
            memory_limit: int | None = None) -> subprocess.Popen:
    """Start ``command`` in a session of its own; ``memory_limit`` caps its address space (bytes)."""
    def limit():
        if memory_limit:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    handle = open(log, "w")
    return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, start_new_session=True, preexec_fn=limit)


def start_nkhr(project_root: Path, workdir: Path, timeout: float, query_timeout: float,
               workers: int = 2, cache: bool = False) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / ("nkhr-serve-cached.log" if cache else "nkhr-serve.log")
    started = time.perf_counter()
    process = _launch([sys.executable, "-m", "nkhr", "--project", str(project_root), "serve",
                       "--port", str(port), "--workers", str(workers)], log,
                      # The load test's 16 clients share one address and stand for 16 users: the
                      # per-address limit (2 queries under way) and the short wait queue would turn
                      # most of their requests into 429s and 503s, which measure the limits, not the engine.
                      env={"NKHR_QUERY_TIMEOUT": str(query_timeout), "NKHR_CLIENT_QUERIES": "64",
                           "NKHR_QUERY_QUEUE": "64",
                           **({} if cache else {"NKHR_ANSWER_CACHE": "0"})})
    sampler = MemorySampler(process.pid)
    sampler.start()
    _wait_for(process, lambda: requests.get(url + "/", timeout=5), log, timeout)
    return Server("nkhr-cached" if cache else "nkhr", url, url + "/sparql", process, time.perf_counter() - started,
                  log, sampler)


def oxigraph_binary() -> str | None:
    return shutil.which("oxigraph", path=str(VENV_BIN)) or shutil.which("oxigraph")


def start_oxigraph(nquads: Path, workdir: Path, timeout: float, query_timeout: float) -> Server:
    binary = oxigraph_binary()
    if binary is None:
        raise ServerFailed("the oxigraph binary is not installed (pip install 'nkhr[bench]')")
    location = workdir / "oxigraph-store"
    shutil.rmtree(location, ignore_errors=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "oxigraph.log"
    started = time.perf_counter()
    subprocess.run([binary, "load", "--location", str(location), "--file", str(nquads)],
                   check=True, capture_output=True, timeout=timeout)
    loaded = time.perf_counter() - started
    process = _launch([binary, "serve-read-only", "--location", str(location), "--bind",
                       f"127.0.0.1:{port}", "--union-default-graph",
                       "--timeout-s", str(int(query_timeout))], log)
    sampler = MemorySampler(process.pid)
    sampler.start()
    _wait_for(process, lambda: requests.get(url + "/query", params={"query": ASK}, timeout=5), log, timeout)
    return Server("oxigraph", url, url + "/query", process, time.perf_counter() - started, log, sampler,
                  extra={"load_seconds": loaded})


def start_rdflib_endpoint(nquads: Path, workdir: Path, timeout: float, memory_limit: int | None) -> Server:
    binary = shutil.which("rdflib-endpoint", path=str(VENV_BIN))
    if binary is None:
        raise ServerFailed("rdflib-endpoint is not installed (pip install 'nkhr[bench]')")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "rdflib-endpoint.log"
    started = time.perf_counter()
    process = _launch([binary, "serve", str(nquads), "--host", "127.0.0.1", "--port", str(port)], log,
                      memory_limit=memory_limit)
    sampler = MemorySampler(process.pid)
    sampler.start()
    _wait_for(process, lambda: requests.get(url + "/", params={"query": ASK}, timeout=30), log, timeout)
    return Server("rdflib-endpoint", url, url + "/", process, time.perf_counter() - started, log,
                  sampler)

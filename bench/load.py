"""Query latency in process and over HTTP, and throughput under a bounded concurrent load.

Every request is a SPARQL 1.1 Protocol POST (``query=`` form-encoded) asking for
``application/sparql-results+json``, the same for our server and for the peers. Loops are
bounded by a count and by a time budget; traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field

import requests

ACCEPT = {"Accept": "application/sparql-results+json"}


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies: list[float]) -> dict:
    return {"n": len(latencies),
            "p50_ms": None if not latencies else statistics.median(latencies) * 1000,
            "p95_ms": None if not latencies else percentile(latencies, 95) * 1000}


def _rows(response: requests.Response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if "boolean" in body:
        return 1
    return len(body.get("results", {}).get("bindings", []))


def post(session: requests.Session, endpoint: str, query: str, timeout: float) -> requests.Response:
    return session.post(endpoint, data={"query": query}, headers=ACCEPT, timeout=timeout)


def http_latencies(endpoint: str, queries: dict[str, str], reps: int, budget: float,
                   timeout: float, alive=lambda: True) -> dict:
    """Per query: one warm-up request, then up to ``reps`` timed ones within ``budget`` seconds.

    A request that times out is not repeated (the server may still be busy with it)."""
    results = {}
    with requests.Session() as session:
        for name, text in queries.items():
            if not alive():
                results[name] = {"error": "server died", **summary([])}
                continue
            timings, statuses, rows = [], set(), None
            try:
                started = time.perf_counter()
                warm = post(session, endpoint, text, timeout)
                statuses.add(warm.status_code)
                rows = _rows(warm) if warm.status_code == 200 else None
            except requests.RequestException as exc:
                results[name] = {"error": type(exc).__name__, **summary([])}
                continue
            warm_seconds = time.perf_counter() - started
            slow = warm_seconds > budget      # too slow to repeat within the budget: one sample
            if slow and warm.status_code == 200:
                timings.append(warm_seconds)
            repeat = 0 if slow else reps
            deadline = time.monotonic() + budget
            for _ in range(repeat):
                started = time.perf_counter()
                try:
                    response = post(session, endpoint, text, timeout)
                except requests.RequestException as exc:
                    statuses.add(type(exc).__name__)
                    break
                elapsed = time.perf_counter() - started
                statuses.add(response.status_code)
                if response.status_code == 200:
                    timings.append(elapsed)
                if time.monotonic() > deadline:
                    break
            entry = {**summary(timings), "rows": rows}
            if statuses - {200}:
                entry["error"] = ",".join(sorted(str(s) for s in statuses - {200}))
            results[name] = entry
    return results


def engine_latencies(engine, queries: dict[str, str], reps: int, budget: float) -> dict:
    """The same, in process, through ``nkhr.engine.Engine.query`` (no HTTP, no serialisation)."""
    results = {}
    for name, text in queries.items():
        result = engine.query(text)       # warm-up
        timings, deadline = [], time.monotonic() + budget
        for _ in range(reps):
            started = time.perf_counter()
            engine.query(text)
            timings.append(time.perf_counter() - started)
            if time.monotonic() > deadline:
                break
        results[name] = {**summary(timings), "rows": len(result.rows) if result.kind == "select" else 1}
    return results


@dataclass
class LoadResult:
    threads: int
    seconds: float
    ok: int = 0
    failed: int = 0
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"threads": self.threads, "seconds": round(self.seconds, 2), "ok": self.ok,
                "failed": self.failed, "throughput_rps": self.ok / self.seconds if self.seconds else 0.0,
                "statuses": self.statuses, **summary(self.latencies)}


def load_test(endpoint: str, queries: dict[str, str], threads: int, duration: float, timeout: float,
              max_requests_per_thread: int = 100_000) -> dict:
    """``threads`` clients, each with its own session, cycling through the queries for ``duration`` s."""
    texts = list(queries.values())
    result = LoadResult(threads=threads, seconds=duration)
    lock = threading.Lock()
    start_gate = threading.Barrier(threads + 1)
    deadline_box = {}

    def client(offset: int) -> None:
        local, statuses, ok, failed = [], {}, 0, 0
        with requests.Session() as session:
            start_gate.wait()
            deadline = deadline_box["at"]
            for i in range(max_requests_per_thread):
                if time.monotonic() >= deadline:
                    break
                text = texts[(offset + i) % len(texts)]
                started = time.perf_counter()
                try:
                    response = post(session, endpoint, text, timeout)
                    status = str(response.status_code)
                except requests.RequestException as exc:
                    status = type(exc).__name__
                elapsed = time.perf_counter() - started
                statuses[status] = statuses.get(status, 0) + 1
                if status == "200":
                    ok += 1
                    local.append(elapsed)
                else:
                    failed += 1
        with lock:
            result.ok += ok
            result.failed += failed
            result.latencies.extend(local)
            for key, count in statuses.items():
                result.statuses[key] = result.statuses.get(key, 0) + count

    workers = [threading.Thread(target=client, args=(i * 7,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    began = time.monotonic()
    deadline_box["at"] = began + duration
    start_gate.wait()
    for worker in workers:
        worker.join(timeout=duration + timeout + 30)
    result.seconds = time.monotonic() - began
    return result.as_dict()

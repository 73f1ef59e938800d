"""Slow, idle and greedy clients against a real ``nkhr serve`` (nginx front, gunicorn, query
processes), on loopback, with bounded counts and times (issue 17, items 3 and 4).

The attacks are ``bench/attacks.py`` (the benchmark prints the same figures), run in their own
process so that their threads do not slow the measurements; they come from 127.0.1.x and
127.0.2.x, so no per-address cap is what saves the ordinary client on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import pytest
import requests

from support import ROOT, RunningServer, alive, command_line, descendants, prebuilt_project

HEADER_TIMEOUT = 4
BODY_TIMEOUT = 3
QUERY_TIMEOUT = 2
TARGET_P99_MS = 250


@pytest.fixture(scope="module")
def front(built, tmp_path_factory):
    root = tmp_path_factory.mktemp("front")
    prebuilt_project(built, root)
    running = RunningServer(root, workers=2, env={
        "NKHR_QUERY_TIMEOUT": str(QUERY_TIMEOUT), "NKHR_QUERY_PROCESSES": "2",
        "NKHR_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "NKHR_BODY_TIMEOUT": str(BODY_TIMEOUT)})
    for i in range(8):                    # both workers have answered a query: their processes are up
        requests.get(running.url + "/sparql", params={"query": f'ASK {{ ?s ?p "warm {i}" }}'}, timeout=60)
    yield running
    running.stop()


def run_attacks(port: int, attacks: list[str], seconds: float, ramp: float = 2.0) -> dict:
    command = [sys.executable, "-m", "bench.attacks", "--port", str(port), "--together", "--json",
               "--seconds", str(seconds), "--ramp", str(ramp)]
    for name in attacks:
        command += ["--attack", name]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_slow_and_idle_clients_do_not_hold_up_a_cheap_query(front):
    """200 slowloris, 200 slow bodies, 64 slow readers of dataset.nq and 1,000 idle sockets at once."""
    result = run_attacks(front.port, ["slowloris", "slow-body", "slow-reader", "idle"], seconds=10)
    probe = result["probe"]["cheap-query"]
    assert probe["count"] >= 20 and probe["ok"] == 1.0, result
    assert probe["p99_ms"] < TARGET_P99_MS, result
    for name, count in (("slowloris", 200), ("slow-body", 200), ("slow-reader", 64), ("idle", 1000)):
        assert result[name]["opened"] == count, result[name]
    # the front ends a request whose headers did not arrive in time, and an idle socket, itself
    for name in ("slowloris", "idle"):
        assert result[name]["closed"] == result[name]["opened"], result[name]
        assert HEADER_TIMEOUT - 0.5 <= result[name]["first_closed_after"] <= HEADER_TIMEOUT + 3, result[name]
    assert result["slow-reader"]["answers"] == {"200": 64}, result["slow-reader"]


def test_a_body_that_stops_arriving_is_dropped_after_the_body_timeout(front):
    with socket.create_connection(("127.0.0.1", front.port), timeout=BODY_TIMEOUT + 10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 100\r\n\r\nASK {")
        started = time.monotonic()
        reply = b""
        try:
            while chunk := sock.recv(4096):
                reply += chunk
        except ConnectionResetError:
            pass
        waited = time.monotonic() - started
    assert BODY_TIMEOUT - 0.5 <= waited <= BODY_TIMEOUT + 3, waited
    assert b"<html" not in reply.lower(), reply[:300]


def test_pages_and_cached_answers_are_quick_and_cheap_queries_succeed_while_64_clients_loop_on_a_slow_query(front):
    # Measured from 3 s in: until each worker has stopped the slow query once (and so refuses it
    # at once), the first wave of 64 copies fills the waiting line.
    result = run_attacks(front.port, ["saturate"], seconds=15, ramp=3.0)
    assert sum(result["saturate"]["statuses"].values()) >= 64, result["saturate"]
    for kind in ("home", "catalog"):
        figures = result["probe"][kind]
        assert figures["count"] >= 20 and figures["ok"] == 1.0, result
        assert figures["p99_ms"] < TARGET_P99_MS, (kind, result)
    cheap = result["probe"]["cheap-query"]
    assert cheap["count"] >= 10 and cheap["ok"] >= 0.9, result


def slow_query(nonce: str) -> str:
    """A different slow query for each nonce (so none is refused as one stopped moments ago)."""
    return f'SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c != "{nonce}") }}'


def test_one_address_gets_a_429_with_retry_after_beyond_its_share_and_cannot_claim_another(front):
    """Six slow queries at once from one address: the workers take 2 each, the rest get 429 at
    once. Each claims another address in ``NKHR-Client``: the front replaces it."""
    outcomes: list[requests.Response] = []

    def ask(i: int) -> None:
        outcomes.append(requests.get(front.url + "/sparql", params={"query": slow_query(f"client {i} {time.time()}")},
                                     headers={"NKHR-Client": f"10.0.0.{i}"}, timeout=60))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=60)
    busy = [r for r in outcomes if r.status_code == 429]
    assert len(outcomes) == 6 and busy, [(r.status_code, r.text[:100]) for r in outcomes]
    assert all(r.headers.get("Retry-After", "").isdigit() for r in busy)
    assert all("under way" in r.text and r.elapsed.total_seconds() < 1 for r in busy), [r.text for r in busy]


def test_a_query_stopped_at_the_limit_is_refused_at_once_when_sent_again(front):
    query = slow_query(f"again {time.time()}")
    target = front.url + "/sparql?query=" + quote(query)
    first = requests.get(target, timeout=60)
    assert first.status_code == 503 and "stopped" in first.text, first.text
    statuses = set()
    for _ in range(4):                    # either worker: each remembers what it stopped
        again = requests.get(target, timeout=60)
        statuses.add(again.status_code)
        if "moments ago" in again.text or "seconds ago" in again.text:
            assert again.elapsed.total_seconds() < 1
            assert int(again.headers["Retry-After"]) >= 1
            return
    pytest.fail(f"the query was run again instead of refused at once: {statuses}")


def _tree(pid: int) -> list[int]:
    return [pid, *descendants(pid)]


def test_if_nginx_dies_the_server_stops_with_an_error_and_leaves_nothing_running(built, tmp_path):
    running = RunningServer(prebuilt_project(built, tmp_path / "p").root, workers=1)
    try:
        tree = _tree(running.process.pid)
        nginx = [p for p in tree if command_line(p).startswith("nginx: master")]
        assert len(nginx) == 1, [command_line(p) for p in tree]
        os.kill(nginx[0], signal.SIGKILL)
        assert running.process.wait(timeout=30) != 0
        assert "nginx front stopped" in (running.root / "server.log").read_text()
        deadline = time.monotonic() + 10
        while any(alive(p) for p in tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(p) for p in tree), [command_line(p) for p in tree if alive(p)]
    finally:
        running.stop()


def test_kill_9_of_the_server_leaves_no_front_worker_or_query_process(built, tmp_path):
    running = RunningServer(prebuilt_project(built, tmp_path / "p").root, workers=1)
    try:
        assert requests.get(running.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60).ok
        tree = _tree(running.process.pid)
        assert any(command_line(p).startswith("nginx: worker") for p in tree)
        assert len(tree) >= 5, [command_line(p) for p in tree]    # master, nginx (2+), worker, query processes
        os.kill(running.process.pid, signal.SIGKILL)
        running.process.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(alive(p) for p in tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(p) for p in tree), [command_line(p) for p in tree if alive(p)]
    finally:
        running.stop()

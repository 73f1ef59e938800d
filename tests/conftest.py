"""Shared fixtures: the project, one in-memory build per test session, and a query runner.

The build is done once (it takes a few seconds) and never writes the checkout's dist/;
tests that need a dist/ build a copy of the project in a temporary folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nkhr.build import run_build
from nkhr.catalog import load_catalog
from nkhr.engine import Engine
from nkhr.project import Project
from nkhr.serialize import dataset_bytes, make_dataset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def built(project):
    """The whole project built in memory (parsed, reasoned, validated)."""
    return run_build(project)


@pytest.fixture(scope="session")
def engine(built) -> Engine:
    import pyoxigraph as ox
    store = ox.Store()
    store.load(dataset_bytes(make_dataset(built.graphs), "nquads"), format=ox.RdfFormat.N_QUADS)
    return Engine(store)


@pytest.fixture(scope="session")
def catalog(project):
    return load_catalog(project.queries_dir)


@pytest.fixture(scope="session")
def run_query(engine, catalog):
    """Run a catalog query by name; rows come back as dicts of plain strings (IRIs, lexical forms)."""
    from helpers import rows

    def run(name: str) -> list[dict[str, str]]:
        result = engine.query(catalog[name].text)
        if result.kind == "ask":
            return [{"ask": str(result.boolean).lower()}]
        return rows(result)
    return run


@pytest.fixture
def project_copy(tmp_path, project) -> Project:
    """A throw-away copy of the project's sources, for tests that build, break or write dist/."""
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project.root / name, tmp_path / name)
    return Project(tmp_path)


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    """``nkhr serve`` started as a real process (gunicorn) on a free loopback port."""

    def __init__(self, root: Path, env: dict | None = None, workers: int = 1):
        import os
        import subprocess
        import sys
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = root
        environment = {**os.environ, "NKHR_QUERY_TIMEOUT": "2", **(env or {})}
        self.log = open(root / "server.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nkhr", "--project", str(root), "serve", "--port", str(self.port),
             "--workers", str(workers)], stdout=self.log, stderr=subprocess.STDOUT, env=environment)
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 180.0) -> None:
        import time
        import requests
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited:\n" + (self.root / "server.log").read_text())
            try:
                if requests.get(self.url + "/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError("the server did not come up:\n" + (self.root / "server.log").read_text())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
        self.log.close()


def copy_project(project: Project, root: Path) -> Project:
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project.root / name, root / name)
    return Project(root)


@pytest.fixture(scope="session")
def server(tmp_path_factory, project):
    """One server on a copy of the project, shared by the endpoint tests (queries time out after 2 s)."""
    root = tmp_path_factory.mktemp("served")
    copy_project(project, root)
    running = RunningServer(root)
    yield running
    running.stop()

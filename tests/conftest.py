"""Shared fixtures: the project, one in-memory build per test session, and a query runner.

The build is done once (it takes a few seconds) and never writes the checkout's dist/;
tests that need a dist/ build a copy of the project in a temporary folder.
"""

from __future__ import annotations

import shutil

import pytest

from nkhr.build.pipeline import run_build
from nkhr.project import Project
from nkhr.query.catalog import load_catalog
from nkhr.query.engine import Engine
from nkhr.serialize import dataset_bytes, make_dataset
from support import ROOT, RunningServer, copy_project  # noqa: F401 - fixtures use them


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
    store.load(dataset_bytes(make_dataset(built.published_graphs), "nquads"), format=ox.RdfFormat.N_QUADS)
    return Engine(store)


@pytest.fixture(scope="session")
def catalog(project):
    return load_catalog(project.queries_dir)


@pytest.fixture(scope="session")
def run_query(engine, catalog):
    """Run a catalog query by name; rows come back as dicts of plain strings (IRIs, lexical forms)."""
    from support import rows

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


@pytest.fixture(scope="session")
def server(tmp_path_factory, project):
    """One server on a copy of the project, shared by the endpoint tests (queries time out after 2 s)."""
    root = tmp_path_factory.mktemp("served")
    copy_project(project, root)
    running = RunningServer(root)
    yield running
    running.stop()

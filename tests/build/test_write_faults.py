"""Faults while writing a build: a full disk, a damaged query store (the article's build has one
only under ``NKHR_IN_MEMORY_MAX=0``, as a build above the in-memory limit would).

The disk is filled with a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored): writes fail as they
do on a full disk, with no root needed. Each test builds the article two or three times.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nkhr.built import IN_MEMORY_MAX_VARIABLE, STORE_DIR, DistError, read_metadata, verify
from support import free_port

LIMIT = 2_000_000       # bytes per file: the article's dumps are larger


def nkhr(root: Path, *args: str, limit: int | None = None, store: bool = False) -> subprocess.CompletedProcess:
    """``nkhr`` in a subprocess, with a file-size ``limit``; ``store``: builds write the query store."""
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    env = {**os.environ, IN_MEMORY_MAX_VARIABLE: "0"} if store else None
    return subprocess.run([sys.executable, "-m", "nkhr", "--project", str(root), *args],
                          capture_output=True, text=True, timeout=300, env=env,
                          preexec_fn=limited if limit else None)


def change_a_source(root: Path) -> None:
    with open(root / "data" / "lead.ttl", "a", encoding="utf-8") as handle:
        handle.write('\n<https://w3id.org/nkhr/id/north-korea> <http://www.w3.org/2000/01/rdf-schema#comment> '
                     '"changed by a test"@en .\n')


def test_a_full_disk_ends_the_build_with_a_sentence_and_leaves_the_previous_build(project_copy):
    root = project_copy.root
    assert nkhr(root, "build").returncode == 0
    previous = os.path.realpath(root / "dist")
    change_a_source(root)

    done = nkhr(root, "build", limit=LIMIT)
    assert done.returncode == 6, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "error: cannot write the build:" in done.stderr and "run `nkhr build` again" in done.stderr
    assert not list((root / ".nkhr-builds").glob(".staging-*"))        # its space is given back
    assert os.path.realpath(root / "dist") == previous
    verify(project_copy)

    # What serves or queries builds first when dist/ is stale, and carries on with the previous build.
    done = nkhr(root, "query", "coi-members", "--format", "csv", limit=LIMIT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "carrying on with the previous build" in done.stderr and "Michael Kirby" in done.stdout


def test_a_damaged_store_is_refused_with_a_sentence_and_rebuilt(project_copy):
    root = project_copy.root
    assert nkhr(root, "build", store=True).returncode == 0
    assert read_metadata(project_copy)["store"] is True
    store = root / "dist" / STORE_DIR
    table = max(store.glob("*.sst"), key=lambda path: path.stat().st_size)
    data = bytearray(table.read_bytes())
    data[len(data) // 2] ^= 0xFF
    table.write_bytes(bytes(data))

    with pytest.raises(DistError, match=rf"{STORE_DIR}/{table.name}.*run `nkhr build` again"):
        verify(project_copy)
    served = subprocess.run([sys.executable, "-m", "nkhr", "--project", str(root), "serve", "--host", "127.0.0.1",
                             "--port", str(free_port())], capture_output=True, text=True, timeout=120)
    assert served.returncode != 0 and "Traceback" not in served.stderr
    assert f"{STORE_DIR}/{table.name}" in served.stderr and "run `nkhr build` again" in served.stderr

    assert nkhr(root, "build", store=True).returncode == 0
    verify(project_copy)
    done = nkhr(root, "query", "coi-members", "--format", "csv")
    assert done.returncode == 0 and "Michael Kirby" in done.stdout

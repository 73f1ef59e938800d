"""The last stage of the build: writing the built dataset to disk atomically.

``dist`` is a symbolic link to a complete build folder under ``.nkhr-builds/``. A build writes
a new folder beside the old one and then swaps the link with one atomic rename, so a reader,
or a build killed half-way, only ever sees a whole build: the old one or the new one. What a
build folder holds, and how readers check it, is ``nkhr.built``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from ..built import (
    BUILDS_DIR,
    DUMP_FORMATS,
    METADATA,
    STORE_DIR,
    TIMINGS,
    dump_name,
    sha256,
    source_digests,
)
from ..formats import Kind, get
from ..project import Project
from ..query.diskstore import write_store
from ..serialize import (
    dataset_bytes,
    graph_bytes,
    make_dataset,
    triples_bytes,
    triples_of,
)
from ..vocab import GRAPH_ASSERTED, GRAPH_ONTOLOGY
from .pipeline import BuildResult, describe_versions
from .search_index import SEARCH_FILE, index_bytes
from .tables import table_files


def artifacts(result: BuildResult) -> dict[str, bytes]:
    """Every file of a build, by name, as bytes. Deterministic for the same sources."""
    quads = make_dataset(result.published_graphs)     # the section graphs repeat asserted triples
    union = triples_of(quads)
    files = {dump_name(fmt): dataset_bytes(quads, fmt) if get(fmt).kind is Kind.DATASET else triples_bytes(union, fmt)
             for fmt in DUMP_FORMATS}
    files["asserted.ttl"] = triples_bytes(triples_of(quads, GRAPH_ASSERTED), "turtle")
    files["ontology.ttl"] = triples_bytes(triples_of(quads, GRAPH_ONTOLOGY), "turtle")
    # For the ontology documentation: the curators' own file, comments and layout included.
    files["shapes.ttl"] = result.project.shapes_file.read_bytes()
    files["shacl-report.ttl"] = graph_bytes(result.report.graph, "turtle")
    files["shacl-report.txt"] = result.report.render().encode("utf-8")
    files[SEARCH_FILE] = index_bytes(files[dump_name("nquads")])    # full-text search, from the dump
    files.update(table_files(files[dump_name("nquads")]))   # tables/: the CSV data package (build/tables.py)
    return files
    files.update(table_files(files[dump_name("nquads")]))   # tables/: the CSV data package (build/tables.py)
    files.update(result.catalog)


def write_dist(result: BuildResult, progress=lambda message: None) -> Path:
    """Write the build to a fresh folder and point ``dist`` at it atomically."""
    started = time.perf_counter()
    project = result.project
    files = artifacts(result)
    metadata = {
        "version": describe_versions(),
        "ontology_version": result.ontology_version,
        "graphs": {name: len(graph) for name, graph in result.published_graphs.items()},
        "default_graphs": sorted(result.graphs),      # the default graph is their union; not the section graphs
        "triples": sum(len(g) for g in result.graphs.values()),
        "conforms": result.report.conforms,
        "violations": len(result.report.violations),
        "warnings": len(result.report.warnings),
        "sources": source_digests(project),
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    }
    files[METADATA] = (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode("utf-8")
    build_id = sha256(files[METADATA])[:16]

    builds = project.root / BUILDS_DIR
    builds.mkdir(exist_ok=True)
    final = builds / build_id
    damaged = None
    if final.exists() and not _holds(final, files):
        # The same build was written before and has since been damaged (a flipped byte, a
        # truncated file). Reusing it would keep serving the damage, and `nkhr build` (the fix
        # the error message suggests) would never repair it: write a fresh folder beside it.
        damaged, final = final, builds / f"{build_id}-{time.time_ns()}"
    if not final.exists():
        staging = builds / f".staging-{build_id}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for name, data in files.items():
            with open(staging / name, "wb") as handle:
                handle.write(data)
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
                handle.flush()
                os.fsync(handle.fileno())
        store_started = time.perf_counter()
        write_store(staging / dump_name("nquads"), staging / STORE_DIR)
        result.timings["store"] = time.perf_counter() - store_started
        try:
            os.replace(staging, final)
        except OSError:             # a concurrent build of the same sources got there first
            if not _holds(final, files):
                raise
            shutil.rmtree(staging, ignore_errors=True)
    result.timings["write"] = time.perf_counter() - started - result.timings.get("store", 0.0)
    (final / TIMINGS).write_text(json.dumps(result.timings, indent=2, sort_keys=True) + "\n")
    _point_dist_at(project, final)
    if damaged is not None:
        shutil.rmtree(damaged, ignore_errors=True)
    _remove_old_builds(builds, keep=final)
    progress(f"wrote {project.relative(project.dist_dir)}/ ({len(files)} files) "
             f"in {result.timings['write']:.2f}s, and its query store in {result.timings.get('store', 0.0):.2f}s")
    return final


def _point_dist_at(project: Project, target: Path) -> None:
    link = project.dist_dir
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real folder, not a link to a build; move it away and build again")
    temporary = link.with_name(f".dist-{os.getpid()}")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(os.path.relpath(target, link.parent), temporary)
    os.replace(temporary, link)


def _holds(folder: Path, files: dict[str, bytes]) -> bool:
    """True when ``folder`` holds exactly these bytes under these names, and its query store."""
    if not (folder / STORE_DIR / "CURRENT").is_file():
        return False
    for name, data in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != len(data) or path.read_bytes() != data:
            return False
    return True


def _remove_old_builds(builds: Path, keep: Path) -> None:
    """Keep the current build and the one before it; a reader may still have it open.

    Also remove the staging folders of builds that were killed while writing (their process is
    gone); they are never pointed at, but would otherwise pile up, one dataset each.
    """
    others = sorted((p for p in builds.iterdir() if p != keep and not p.name.startswith(".staging")),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[1:]:
        shutil.rmtree(old, ignore_errors=True)
    for staging in builds.glob(".staging-*"):
        pid = staging.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:         # someone else's process
        return True
    return True



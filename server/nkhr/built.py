"""The built dataset on disk, as its readers see it: where each file is, and whether it is whole.

``dist`` is a symbolic link to a complete build folder under ``.nkhr-builds/``, written by
``nkhr.build.write``. ``build.json`` records a SHA-256 digest of every source file (to tell
when dist/ is stale) and of every artifact (to detect a damaged dist/). This module is the
serving side's only view of a build: it never imports the build pipeline.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .formats import get as get_format
from .project import Project

BUILDS_DIR = ".nkhr-builds"
METADATA = "build.json"
TIMINGS = "timings.json"
# The catalog of named queries as the build ran them: the server reads its catalog from here only.
CATALOG_DIR = "queries"
# The read-only RocksDB query store (nkhr.query.diskstore), derived from dataset.nq: written only
# for builds of more triples than the in-memory limit, the ones a server reads from disk.
STORE_DIR = "store"
# Up to this many triples (build.json "triples", the default graph) a build is served from dataset.nq
# loaded into each serving process's memory, and has no store (web/site.py ``Site._dataset_path`` says
# why); the environment variable changes it, for the build and the server alike.
IN_MEMORY_MAX = 250_000
IN_MEMORY_MAX_VARIABLE = "NKHR_IN_MEMORY_MAX"
# The tabular data package (nkhr.build.tables): CSV tables and their datapackage.json.
TABLES_DIR = "tables"
# Inside the store: a digest of each of its files, written by the build once the store is closed.
# RocksDB's files are not byte-reproducible, so build.json (the build's identity) cannot hold them.
STORE_DIGESTS = "nkhr-digests.json"

# The whole dataset in every format, under a stable name: dataset.<extension>.
DUMP_FORMATS = ("turtle", "nt", "trig", "nquads", "jsonld", "rdfxml")


def dump_name(fmt: str) -> str:
    return f"dataset.{get_format(fmt).extension}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The digest of a file, read in chunks (a dump is a gigabyte at a million triples); None
    when it cannot be read."""
    try:
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def _unlike(paths: dict[str, Path], digests: dict[str, str]) -> list[str]:
    """The names whose file is missing or differs from its digest, in the order given. The files
    are hashed in threads, all cores at once (hashlib lets go of the interpreter while it hashes):
    a server verifies its build before it serves, 2.1 GB at a million triples, 4.3 s in one thread."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = dict(zip(paths, pool.map(file_sha256, paths.values()), strict=True))
    return [name for name in paths if found[name] != digests[name]]


def source_digests(project: Project) -> dict[str, str]:
    return {project.relative(p): sha256(p.read_bytes()) for p in project.source_files()}


class DistError(Exception):
    """dist/ is missing, stale or damaged; the message says which and what to do."""


def read_metadata(project: Project) -> dict[str, Any]:
    path = project.dist_dir / METADATA
    if not path.exists():
        raise DistError(f"{project.relative(project.dist_dir)}/ has no build yet: run `nkhr build`")
    try:        # a damaged build.json is reported like any damaged file, not as a traceback
        metadata = json.loads(path.read_bytes().decode("utf-8"))
        if not isinstance(metadata, dict) or not isinstance(metadata.get("files"), dict):
            raise ValueError("no list of files")
    except ValueError as exc:
        raise DistError(f"{project.relative(project.dist_dir)}/{METADATA} is damaged ({exc}): "
                        "run `nkhr build` again") from None
    return metadata


def is_stale(project: Project) -> bool:
    """True when dist/ is missing or was built from other sources than those on disk now."""
    try:
        return read_metadata(project).get("sources") != source_digests(project)
    except (DistError, ValueError):
        return True


def in_memory_max() -> int:
    """The in-memory limit in force: ``NKHR_IN_MEMORY_MAX``, else ``IN_MEMORY_MAX``. A value that
    is not a whole number of triples raises ValueError saying so (``nkhr`` checks it first)."""
    text = os.environ.get(IN_MEMORY_MAX_VARIABLE, "").strip().replace("_", "")
    if not text:
        return IN_MEMORY_MAX
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{IN_MEMORY_MAX_VARIABLE} must be a whole number of triples (a build with more "
                         f"gets an on-disk query store), not {os.environ[IN_MEMORY_MAX_VARIABLE]!r}")
    return int(text)


def has_store(metadata: dict[str, Any]) -> bool:
    """Whether the build that ``metadata`` (its build.json) describes has a query store.
    Builds from before the store was optional always had one."""
    return bool(metadata.get("store", True))


def store_files(folder: Path) -> list[Path]:
    """The files of a store that its digests cover: all but RocksDB's lock and its text logs."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != STORE_DIGESTS
                  and p.name != "LOCK" and not p.name.startswith("LOG"))


def store_damage(folder: Path) -> list[str]:
    """The files of the store at ``folder`` that are missing or differ from its digests (the
    folder itself when it holds no store or no digests)."""
    try:
        digests = json.loads((folder / STORE_DIGESTS).read_text(encoding="utf-8"))
        if not isinstance(digests, dict) or not digests or not (folder / "CURRENT").is_file():
            raise ValueError("no digests")
    except (OSError, ValueError):
        return [f"{folder.name}/"]
    return [f"{folder.name}/{name}" for name in _unlike({name: folder / name for name in sorted(digests)}, digests)]


def verify(project: Project) -> dict[str, Any]:
    """Check every artifact against its recorded digest; raise DistError naming damaged files."""
    metadata = read_metadata(project)
    digests = metadata["files"]
    damaged = _unlike({name: project.dist_dir / name for name in digests}, digests)
    if not damaged and has_store(metadata):
        damaged = store_damage(project.dist_dir / STORE_DIR)
    if damaged:
        raise DistError(f"{project.relative(project.dist_dir)}/ is damaged ({', '.join(damaged)} "
                        "do not match build.json): run `nkhr build` again")
    return metadata

"""The built dataset as an on-disk pyoxigraph store, written once by the build and only read after.

Serving used to parse ``dataset.nq`` into an in-memory store in every process that queries it:
the web workers and each of their query processes, six copies in all. At a million triples that
is about 400 MB and 4-10 s of parsing per copy, so the server took many seconds to start and
several gigabytes of memory. A RocksDB store written by the build opens read-only in a few
milliseconds, costs each process a few tens of megabytes (the operating system's page cache,
shared by all of them, holds the data), and opens all its files at once, so a query process
can still be left with no way to open another file (see ``sandbox``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox

from ..built import STORE_DIGESTS, sha256, store_files


def write_store(nquads: Path, folder: Path) -> int:
    """Load ``nquads`` into a new store at ``folder`` and compact it; return the number of quads.

    The store is derived from ``dataset.nq`` (whose digest build.json records) but is not itself
    byte-reproducible: once it is closed, a digest of each of its files goes into the store's own
    ``built.STORE_DIGESTS``, which ``built.verify`` checks, so a damaged store is refused with a
    sentence (and rebuilt by ``nkhr build``) instead of failing in RocksDB.
    """
    if folder.exists():
        shutil.rmtree(folder)
    store = ox.Store(str(folder))
    # leniently: Oxigraph checked the IRIs and tags of dataset.nq before writing it (as
    # serialize.read_quads says), and checking them again took half the time of parsing
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS, lenient=True)
    store.optimize()
    store.flush()
    count = len(store)
    del store                       # closes the database, releasing its lock
    digests = {path.name: sha256(path.read_bytes()) for path in store_files(folder)}
    (folder / STORE_DIGESTS).write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return count


def open_store(folder: Path) -> ox.Store:
    """Open a built store read-only; many processes may do so at once."""
    if not (folder / "CURRENT").is_file():
        raise FileNotFoundError(f"{folder} holds no store: run `nkhr build` again")
    return ox.Store.read_only(str(folder))

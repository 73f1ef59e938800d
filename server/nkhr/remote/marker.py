"""Which build a SPARQL store holds: the marker ``nkhr publish`` writes last, read before serving.

``nkhr serve --store`` refuses a store whose marker names another build than dist/, so a
server never answers from data other than the build it describes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..vocab import BUILD_GRAPH, DCTERMS
from .client import Store, StoreError
from .engine import RemoteEngine


def build_digest(dist_dir: Path) -> str:
    """The build's identity: the SHA-256 of its build.json (which digests every artifact)."""
    return hashlib.sha256((Path(dist_dir) / "build.json").read_bytes()).hexdigest()


@dataclass
class Marker:
    digest: str
    published: str | None


def read_marker(store: Store, timeout: float = 10.0) -> Marker | None:
    """The build the store holds according to its build graph; None when it holds none."""
    engine = RemoteEngine(store, [BUILD_GRAPH], timeout=timeout)
    try:
        result = engine.query(f"SELECT ?digest ?published WHERE {{ GRAPH <{BUILD_GRAPH}> {{ "
                              f"<{BUILD_GRAPH}> <{DCTERMS}identifier> ?digest "
                              f"OPTIONAL {{ <{BUILD_GRAPH}> <{DCTERMS}modified> ?published }} }} }}")
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - QueryTimeout, a store error, an unreadable answer
        raise StoreError(f"the store's query endpoint {store.query_url} could not say which build it "
                         f"holds: {exc}") from None
    if not result.rows:
        return None
    digest, published = result.rows[0]
    return Marker(digest.value, published.value if published is not None else None)


def check_build(store: Store, dist_dir: Path) -> Marker:
    """Raise StoreError unless the store holds the build in ``dist_dir``; return its marker."""
    marker = read_marker(store)
    here = build_digest(dist_dir)
    where = store.query_url
    if marker is None:
        raise StoreError(f"the store at {where} holds no nkhr build: load it first with "
                         f"`nkhr publish --to <store URL>`")
    if marker.digest != here:
        raise StoreError(f"the store at {where} holds another build ({marker.digest[:16]}, published "
                         f"{marker.published or 'at an unknown time'}) than dist/ ({here[:16]}): "
                         "publish this build with `nkhr publish --to <store URL>`, or build the one the "
                         "store holds")
    return marker

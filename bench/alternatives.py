"""Measurements behind the designs BENCHMARKS.md proposes where a target is missed.

    python -m bench.alternatives --sizes article,100k,1m

Not part of the build or the server: each figure is a prototype of one change, measured on the
same synthetic data as ``python -m bench``, so that the proposal is backed by a number.

* ``shacl_memo``: pyshacl as ``nkhr.validation`` calls it, and the same with rdflib's SPARQL
  parser memoised (pyshacl parses the text of each SPARQL constraint again for every focus node);
  the two reports must be equal.
* ``oxigraph_parse`` / ``oxigraph_reason_input`` / ``oxigraph_dump``: parsing the Turtle sources
  with pyoxigraph instead of rdflib, and writing N-Quads and Turtle with its serialisers.
* ``rocksdb``: loading the N-Quads into an on-disk Oxigraph store once, and the time to open it
  read-only and answer a first query (what a server process would do at start).
* ``catalog_cache``: answering a catalog query from a precomputed file instead of the engine.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from .__main__ import RESULTS, ROOT, article_triples, make_project, parse_size


def _seconds(function):
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def shacl_memo(root: Path) -> dict:
    from rdflib.plugins.sparql import processor

    from nkhr.build.fastreason import fast_closure
    from nkhr.build.load import load_files, parse_file
    from nkhr.build.validate import validate
    from nkhr.project import Project

    project = Project(root)
    ontology = load_files(project.ontology_files(), project.relative)
    data = load_files(project.data_files(), project.relative)
    shapes = parse_file(project.shapes_file, "shapes")
    closure = fast_closure(ontology.graph, data.graph)
    plain_s, plain = _seconds(lambda: validate(closure.full, shapes, data.files_for))

    original, cache = processor.SPARQLProcessor.query, {}

    def memoised(self, query, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(query, str):
            key = (query, base, tuple(sorted((initNs or {}).items())))
            if key not in cache:
                cache[key] = processor.translateQuery(processor.parseQuery(query), base, initNs)
            query = cache[key]
        return processor.evalQuery(self.graph, query, initBindings or {}, base)

    processor.SPARQLProcessor.query = memoised
    try:
        memo_s, memo = _seconds(lambda: validate(closure.full, shapes, data.files_for))
    finally:
        processor.SPARQLProcessor.query = original
    return {"validate_s": plain_s, "validate_memoised_s": memo_s, "same_report": plain.problems == memo.problems,
            "distinct_sparql_texts": len(cache)}


def oxigraph_io(root: Path) -> dict:
    import pyoxigraph as ox

    from nkhr.project import Project
    project = Project(root)
    store = ox.Store()
    files = project.ontology_files() + project.data_files()
    parse_s, _ = _seconds(lambda: [store.bulk_load(path=str(p), format=ox.RdfFormat.TURTLE) for p in files])
    out = Path(tempfile.mkdtemp(prefix="nkhr-alt-"))
    nq_s, _ = _seconds(lambda: store.dump(output=str(out / "d.nq"), format=ox.RdfFormat.N_QUADS))
    ttl_s, _ = _seconds(lambda: store.dump(output=str(out / "d.ttl"), format=ox.RdfFormat.TURTLE,
                                           from_graph=ox.DefaultGraph()))
    other = {}
    for name, fmt in (("jsonld", ox.RdfFormat.JSON_LD), ("rdfxml", ox.RdfFormat.RDF_XML)):
        other[f"oxigraph_dump_{name}_s"], _ = _seconds(lambda name=name, fmt=fmt: store.dump(
            output=str(out / f"d.{name}"), format=fmt, from_graph=ox.DefaultGraph()))
    quads_s, count = _seconds(lambda: sum(1 for _ in store.quads_for_pattern(None, None, None)))
    return {"oxigraph_parse_s": parse_s, "triples": len(store), "oxigraph_dump_nquads_s": nq_s,
            "oxigraph_dump_turtle_s": ttl_s, **other, "oxigraph_iterate_all_s": quads_s}


def rocksdb(nquads: Path) -> dict:
    import subprocess

    from .servers import oxigraph_binary
    binary = oxigraph_binary()
    if binary is None:
        return {"error": "oxigraph binary not installed"}
    location = Path(tempfile.mkdtemp(prefix="nkhr-rocks-"))
    load_s, _ = _seconds(lambda: subprocess.run([binary, "load", "--location", str(location), "--file",
                                                 str(nquads)], check=True, capture_output=True))
    code = ("import pyoxigraph as ox, sys, time, resource; t = time.perf_counter(); "
            f"s = ox.Store.read_only({str(location)!r}); "
            "n = list(s.query('SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/nkhr/ontology#Claim> }', "
            "use_default_graph_as_union=True)); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    answer = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    size = sum(p.stat().st_size for p in location.rglob("*") if p.is_file())
    memory_code = ("import pyoxigraph as ox, resource, sys; s = ox.Store(); "
                   f"s.bulk_load(path={str(nquads)!r}, format=ox.RdfFormat.N_QUADS); "
                   "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    in_memory = subprocess.run([sys.executable, "-c", memory_code], check=True, capture_output=True,
                               text=True).stdout.strip()
    return {"rocksdb_load_s": load_s, "rocksdb_open_and_first_query_s": float(answer[0]),
            "rocksdb_reader_rss_mb": float(answer[1]), "rocksdb_size_mb": size / 1024 ** 2,
            "in_memory_store_rss_mb": float(in_memory)}


def catalog_cache(root: Path, nquads: Path) -> dict:
    """Every catalog query answered once into SPARQL JSON (what a build step would write), and the
    time to read such an answer back (what the server would do per request)."""
    from nkhr.query.catalog import load_catalog
    from nkhr.query.engine import Engine
    from nkhr.query.results import serialize
    engine = Engine.from_nquads(nquads)
    folder = Path(tempfile.mkdtemp(prefix="nkhr-cache-"))
    started = time.perf_counter()
    for name, query in load_catalog(root / "queries").items():
        (folder / f"{name}.json").write_bytes(serialize(engine.query(query.text, max_rows=10_000), "json"))
    precompute = time.perf_counter() - started
    reads = []
    for path in sorted(folder.glob("*.json")):
        started = time.perf_counter()
        path.read_bytes()
        reads.append(time.perf_counter() - started)
    return {"precompute_all_s": precompute, "read_p50_ms": sorted(reads)[len(reads) // 2] * 1000}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alternatives")
    parser.add_argument("--sizes", default="article,100k")
    parser.add_argument("--shacl-max", default="100k", help="largest size the SHACL comparison runs at")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="nkhr-alt-"))
    base = article_triples()
    results = {}
    for label in args.sizes.split(","):
        target = parse_size(label)
        root, _ = make_project(workdir, label, target, base)
        entry = results[label] = {}
        print(f"== {label}", file=sys.stderr, flush=True)
        entry.update(oxigraph_io(root))
        import subprocess
        subprocess.run([sys.executable, "-m", "bench.stages", "fast-novalidate", str(root)], check=True,
                       capture_output=True, cwd=ROOT)
        nquads = root / "dist" / "dataset.nq"
        entry.update(rocksdb(nquads))
        entry.update(catalog_cache(root, nquads))
        limit = parse_size(args.shacl_max)
        if target is None or limit is None or target <= limit:
            entry.update(shacl_memo(root))
        entry["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({label: entry}, indent=1), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"alternatives-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

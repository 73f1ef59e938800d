"""Search latency: how fast the build's search index answers, on the article and on synthetic data.

    python -m bench.search                       # the article, and the article plus ~1M synthetic triples
    python -m bench.search --sizes article,200k  # other sizes
    python -m bench.search --index dist/search.sqlite   # an index a build already wrote

For each size the index is written the way ``nkhr build`` writes it (``build.search_index``),
from the article's ontology and data plus ``bench.synthetic`` triples loaded into pyoxigraph
(no reasoning or SHACL: the index reads only labels, descriptions and asserted types, so it
is the same index the build would write, and the benchmark does not wait for a whole build).
Then every query of a fixed mix is answered ``--repeat`` times through ``SearchIndex`` (what
/search and /search/suggest call) and its p50/p95 reported in milliseconds. The mix holds the
article's own look-ups (a name, a prefix, a typo, a folded diacritic, two words) and, at size,
the worst case: a word every synthetic node holds. One JSON object per size is printed, last
a table; ``measure_index`` is the function the build benchmark can call on any index file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

# (operation, text): what people type; the synthetic ones only mean something at size.
MIX = [
    ("search", "yodok"), ("search", "yodock"), ("search", "sunghori"), ("search", "kirb"),
    ("search", "michael kirby"), ("search", "famine deaths"), ("search", "camp"),
    ("suggest", "yo"), ("suggest", "kim j"), ("suggest", "chong"),
    ("search", "synthetic"), ("search", "synthetic camp 17"), ("suggest", "sy"), ("suggest", "synthetic pe"),
]


def parse_size(text: str) -> int:
    text = text.lower()
    if text == "article":
        return 0
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def write_index(synthetic_triples: int, destination: Path) -> dict:
    """Write the index of the article (plus synthetic triples) to ``destination``; say how long it took."""
    import pyoxigraph as ox

    from nkhr.build.search_index import index_store
    from nkhr.vocab import GRAPH_ASSERTED, GRAPH_ONTOLOGY

    started = time.perf_counter()
    store = ox.Store()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        if path.name != "shapes.ttl":
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_ONTOLOGY))
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_ASSERTED))
    if synthetic_triples:
        from bench.synthetic import generate
        store.load(generate(synthetic_triples).encode("utf-8"), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode(GRAPH_ASSERTED))
    loaded = time.perf_counter()
    data = index_store(store)
    destination.write_bytes(data)
    return {"triples": len(store), "load_seconds": round(loaded - started, 2),
            "index_seconds": round(time.perf_counter() - loaded, 2), "index_bytes": len(data)}


def measure_index(path: Path, repeat: int = 30, mix=MIX) -> dict:
    """p50/p95 (ms) of each look-up of ``mix`` on the index at ``path``, and of them all together."""
    from nkhr.query.search import SearchIndex

    index = SearchIndex(path)
    per_query, every = {}, []
    for operation, text in mix:
        call = (lambda t=text: index.search(t, limit=20)) if operation == "search" else \
               (lambda t=text: index.suggest(t, limit=8))
        call()                                      # the first answer warms the page cache
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            answer = call()
            times.append((time.perf_counter() - started) * 1000)
        total = answer.total if operation == "search" else len(answer)
        per_query[f"{operation} {text!r}"] = {"p50_ms": round(statistics.median(times), 2),
                                              "p95_ms": round(_p95(times), 2), "results": total}
        every.extend(times)
    index.close()
    return {"queries": per_query, "p50_ms": round(statistics.median(every), 2), "p95_ms": round(_p95(every), 2)}


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="article,1M", help="article and/or synthetic triple counts (200k, 1M)")
    parser.add_argument("--index", type=Path, help="measure this search.sqlite instead of writing indexes")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    results = []
    if args.index:
        results.append({"size": str(args.index), **measure_index(args.index, args.repeat)})
    else:
        with tempfile.TemporaryDirectory(prefix="nkhr-bench-search-") as folder:
            for size in args.sizes.split(","):
                path = Path(folder) / f"search-{size}.sqlite"
                built = write_index(parse_size(size), path)
                results.append({"size": size, **built, **measure_index(path, args.repeat)})
                print(json.dumps(results[-1]), flush=True)
    print(f"\n{'size':>10} {'triples':>10} {'index s':>8} {'MB':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for r in results:
        print(f"{r['size']:>10} {r.get('triples', ''):>10} {r.get('index_seconds', ''):>8} "
              f"{r.get('index_bytes', 0) / 1e6:>6.1f} {r['p50_ms']:>7} {r['p95_ms']:>7}")
    for r in results:
        print(f"\n{r['size']}:")
        for name, q in r["queries"].items():
            print(f"  {name:32} p50 {q['p50_ms']:>8} ms  p95 {q['p95_ms']:>8} ms  {q['results']:>7} results")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

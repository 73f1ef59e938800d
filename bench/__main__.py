"""``python -m bench``: measure the build and the endpoint, against peers, as the data grows.

For each size it builds a throw-away copy of the project (the article's data, plus synthetic
data from ``bench.synthetic`` up to the size), times each build stage in a process of its own,
starts ``nkhr serve`` and measures start time, every catalog query in process and over HTTP,
throughput under a bounded concurrent load and peak memory; then does the same with the peers
(the Oxigraph server and rdflib-endpoint) on the same ``dist/dataset.nq``. It prints a table and
writes ``bench/results/<timestamp>.json``; ``--plot`` redraws ``bench/plots/`` from such files.

    python -m bench                          # article, 10k, 100k; peers on
    python -m bench --sizes article,10k,100k,1m
    python -m bench --quick                  # ~30 s: article only, no SHACL, no peers, short load
    python -m bench --plot bench/results/*.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from . import report
from .load import engine_latencies, http_latencies, load_test
from .servers import ServerFailed, start_nkhr, start_oxigraph, start_rdflib_endpoint
from .synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PLOTS = ROOT / "bench" / "plots"


def parse_size(text: str) -> int | None:
    """'article' -> None (the article's data alone); '10k' -> 10_000; '1m' -> 1_000_000."""
    text = text.strip().lower()
    if text == "article":
        return None
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def article_triples() -> int:
    from nkhr.build.load import load_files
    from nkhr.project import Project
    project = Project(ROOT)
    return (len(load_files(project.ontology_files(), project.relative).triples)
            + len(load_files(project.data_files(), project.relative).triples))


def make_project(workdir: Path, label: str, target: int | None, base: int) -> tuple[Path, int]:
    """A copy of the project's sources, with synthetic data added up to ``target`` input triples."""
    root = workdir / label
    shutil.rmtree(root, ignore_errors=True)
    for name in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / name, root / name)
    synthetic = 0
    if target is not None and target > base:
        text = generate(target - base)
        (root / "data" / "synthetic.ttl").write_text(text, encoding="utf-8")
        synthetic = text.count(" .\n") - text.count("@prefix")
    return root, synthetic


def run_stages(mode: str, root: Path, cap: float) -> dict:
    """Run ``bench.stages`` in a child process; return its stage records, ``capped`` if it ran over."""
    command = [sys.executable, "-m", "bench.stages", mode, str(root)]
    out = {"stages": {}, "capped": False, "error": None}
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=ROOT, start_new_session=True)
        try:
            process.wait(timeout=cap)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            out["capped"] = True
        stdout.seek(0)
        for line in stdout:
            record = json.loads(line)
            out["stages"][record.pop("stage")] = record
        if process.returncode not in (0, -9) and not out["capped"]:
            stderr.seek(0)
            out["error"] = stderr.read()[-3000:]
    out["max_rss_mb"] = max((r["max_rss_mb"] for r in out["stages"].values()), default=None)
    return out


def measure_build(root: Path, target: int | None, args) -> dict:
    build: dict = {}
    owlrl_limit = parse_size(args.owlrl_max)
    if args.quick:
        build["owlrl"] = {"skipped": "--quick"}
    elif target is not None and owlrl_limit is not None and target > owlrl_limit:
        build["owlrl"] = {"skipped": f"owlrl is run up to {args.owlrl_max} triples (--owlrl-max): "
                                     "it took ~90 s at 100k and grows faster than linearly"}
    else:
        say(f"  owlrl closure (cap {args.owlrl_cap:.0f} s)...")
        build["owlrl"] = run_stages("owlrl", root, args.owlrl_cap)
        if build["owlrl"]["capped"]:
            build["owlrl"]["skipped"] = f"stopped at the {args.owlrl_cap:.0f} s cap"
    if args.quick:
        say(f"  build with the fast reasoner, no SHACL (--quick, cap {args.build_cap:.0f} s)...")
        build["fast"] = run_stages("fast-novalidate", root, args.build_cap)
        build["fast"]["validate_skipped"] = "--quick"
        return build
    # `nkhr build` itself, as a user runs it: its stages overlap (SHACL in a child process beside
    # the queries and the files, the query store in a thread), so timing them one by one in a
    # process (bench.stages) no longer adds up to what a build takes. Its dist/timings.json has
    # each stage's own time.
    # A small build takes about a second, and this machine's runs of it vary by a fifth: those are
    # run five times and the median run is kept (every run's time beside it).
    runs = 5 if target is None or target <= SMALL_BUILD else 1
    say(f"  nkhr build in a cold process, from an empty .nkhr-builds/ (cap {args.build_cap:.0f} s)"
        + (f", {runs} times..." if runs > 1 else "..."))
    done = [cold_build(root, args.build_cap) for _ in range(runs)]
    build["cli"] = sorted(done, key=lambda run: run.get("seconds", float("inf")))[len(done) // 2]
    if runs > 1:
        build["cli"]["runs_seconds"] = [run.get("seconds") for run in done]
    if build["cli"].get("exit") != 0:
        reason = build["cli"].get("error") or f"nkhr build exited {build['cli'].get('exit')}"
        build["cli"]["failed"] = reason
        say(f"  {reason}: writing dist/ without SHACL to serve it...")
        build["fast_novalidate"] = run_stages("fast-novalidate", root, args.build_cap)
    return build


SMALL_BUILD = 20_000        # input triples up to which cold builds are repeated (the article, 10k)


def cold_build(root: Path, cap: float) -> dict:
    """``nkhr build`` as a user runs it: a new process (imports included), nothing built before.

    Its wall time; the peak RSS of its largest process (from wait4: the build or its SHACL child);
    the peak of the memory the whole process tree holds, sampled every 0.1 s as the sum of each
    process's proportional set size (a forked child shares its parent's pages: RSS would count
    them twice); and the stage times of its dist/timings.json."""
    shutil.rmtree(root / ".nkhr-builds", ignore_errors=True)
    if (root / "dist").is_symlink():
        (root / "dist").unlink()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "nkhr", "--project", str(root), "build"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    deadline, peak_pss, errors = started + cap, 0.0, b""
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            process.wait()
            return {"error": f"stopped at the {cap:.0f} s cap", "peak_pss_mb": peak_pss}
        peak_pss = max(peak_pss, _tree_pss_mb(process.pid))
        errors = (errors + (process.stderr.read() or b""))[-4000:]
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    errors = (errors + (process.stderr.read() or b""))[-4000:]
    code = os.waitstatus_to_exitcode(status)
    out = {"seconds": seconds, "max_rss_mb": usage.ru_maxrss / 1024, "peak_pss_mb": peak_pss, "exit": code}
    timings, metadata = root / "dist" / "timings.json", root / "dist" / "build.json"
    if code == 0 and timings.is_file():
        out["timings"] = json.loads(timings.read_text())
        from nkhr.vocab import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY
        graphs = json.loads(metadata.read_text())["graphs"]
        asserted, inferred, ontology = (graphs.get(g, 0) for g in (GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY))
        out["triples"] = {"input": asserted + ontology, "inferred": inferred,
                          "published": asserted + inferred + ontology}
    elif code != 0:
        out["error"] = errors.decode("utf-8", "replace")[-2000:]
    return out


def _tree_pss_mb(pid: int) -> float:
    """The proportional set size of ``pid`` and all its descendants, in MB (0 for what is gone)."""
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def default_graph_quads(nquads: Path, out: Path) -> Path:
    """The dump without its per-section graphs, for the peers: they answer over the union of the
    named graphs, and the section graphs repeat the asserted triples (every join would count them
    twice); our server's default graph is the three main graphs."""
    from nkhr.vocab import is_section_graph
    with open(nquads, encoding="utf-8") as source, open(out, "w", encoding="utf-8") as target:
        for line in source:
            graph = line.rstrip().rsplit(" ", 2)[-2]        # every quad of a build is in a named graph
            if not (graph.startswith("<") and is_section_graph(graph[1:-1])):
                target.write(line)
    return out


def catalog_texts(root: Path) -> dict[str, str]:
    from nkhr.query.catalog import load_catalog
    return {name: q.text for name, q in load_catalog(root / "queries").items()}


def _start(name: str, start) -> tuple[object | None, dict]:
    try:
        return start(), {}
    except (ServerFailed, subprocess.SubprocessError, OSError) as exc:
        say(f"  {name}: could not start: {exc}")
        return None, {"error": f"could not start: {exc}"[:2000]}


def _stop(server, entry: dict) -> None:
    if not server.alive and "died" not in entry:
        entry["died"] = f"the server process exited with {server.process.returncode}: its figures are partial"
    server.stop()
    entry["rss_peak_mb"] = max(entry.get("rss_peak_mb") or 0.0, server.sampler.peak_total)
    entry["rss_peak_process_mb"] = max(entry.get("rss_peak_process_mb") or 0.0, server.sampler.peak_process)
    entry["processes"] = max(entry.get("processes") or 0, server.sampler.processes)


def latency_phase(name: str, start, queries: dict[str, str], args, timeout: float) -> dict:
    """Start the server (timed), then time every catalog query, one at a time."""
    import requests
    say(f"  {name}: starting...")
    server, entry = _start(name, start)
    if server is None:
        return entry
    entry.update({"start_s": server.start_seconds, **server.extra})
    try:
        first = time.perf_counter()
        try:
            requests.post(server.sparql, data={"query": next(iter(queries.values()))},
                          headers={"Accept": "application/sparql-results+json"}, timeout=timeout)
            entry["first_query_s"] = time.perf_counter() - first
        except requests.RequestException as exc:
            entry["first_query_error"] = type(exc).__name__
        say(f"  {name}: started in {server.start_seconds:.2f} s; latency of {len(queries)} queries...")
        entry["queries"] = http_latencies(server.sparql, queries, reps=args.reps, budget=args.budget,
                                          timeout=timeout, alive=lambda: server.alive)
    finally:
        _stop(server, entry)
    return entry


def load_phase(name: str, start, entry: dict, mixes: dict[str, dict], args, timeout: float) -> None:
    """Start the server afresh (a query left running by the latency phase must not weigh on it)
    and put it under each load mix in turn."""
    if "error" in entry:
        return
    server, failure = _start(name, start)
    if server is None:
        entry["load_error"] = failure["error"]
        return
    try:
        for mix, queries in mixes.items():
            if not server.alive or not queries:
                continue
            say(f"  {name}: load ({mix}: {len(queries)} queries), {args.threads} threads x {args.duration:.0f} s...")
            entry["load" if mix == "all" else f"load_{mix}"] = load_test(
                server.sparql, queries, threads=args.threads, duration=args.duration, timeout=timeout)
    finally:
        _stop(server, entry)


def measure_size(label: str, workdir: Path, base: int, args) -> dict:
    target = parse_size(label)
    say(f"== {label}: preparing the project...")
    root, synthetic = make_project(workdir, label, target, base)
    result: dict = {"label": label, "target_triples": target, "synthetic_triples": synthetic}
    result["build"] = measure_build(root, target, args)
    nquads = root / "dist" / "dataset.nq"
    if not nquads.exists():
        result["error"] = "no dist/ was written; servers not measured"
        return result
    queries = catalog_texts(root)
    peer_nquads = default_graph_quads(nquads, root / "peers.nq")

    engine_limit = parse_size(args.engine_max)
    if target is not None and engine_limit is not None and target > engine_limit:
        # In process nothing can stop a query, and at 1M a few catalog queries take minutes
        result["engine"] = {"skipped": f"the in-process engine is timed up to {args.engine_max} triples "
                                       "(--engine-max); the HTTP figures stop each query at --query-timeout"}
    else:
        say("  in-process engine...")
        from nkhr.query.engine import Engine
        started = time.perf_counter()
        engine = Engine.from_nquads(nquads)
        result["engine"] = {"load_s": time.perf_counter() - started,
                            "queries": engine_latencies(engine, queries, reps=args.reps, budget=args.budget)}
        del engine

    servers = result["servers"] = {}
    starts = {"nkhr": (lambda: start_nkhr(root, root, args.start_timeout, args.query_timeout), args.query_timeout),
              "nkhr-cached": (lambda: start_nkhr(root, root, args.start_timeout, args.query_timeout, cache=True),
                              args.query_timeout)}
    if args.peers:
        starts["oxigraph"] = (lambda: start_oxigraph(peer_nquads, root, args.start_timeout, args.query_timeout),
                              args.query_timeout)
        rdflib_limit = parse_size(args.rdflib_max)
        if target is not None and rdflib_limit is not None and target > rdflib_limit:
            servers["rdflib-endpoint"] = {"skipped": f"rdflib-endpoint is run up to {args.rdflib_max} "
                                                     "triples (--rdflib-max)"}
        else:
            memory = int(args.peer_memory * 1024 ** 3)
            starts["rdflib-endpoint"] = (lambda: start_rdflib_endpoint(peer_nquads, root, args.start_timeout, memory),
                                         args.peer_timeout)
    for name, (start, timeout) in starts.items():
        servers[name] = latency_phase(name, start, queries, args, timeout)
    # The load mixes: every catalog query, and the queries every server answered (200) alone.
    answered = [set(n for n, q in s.get("queries", {}).items() if q.get("p50_ms") is not None)
                for s in servers.values() if "queries" in s]
    common = set.intersection(*answered) if answered else set()
    result["common_queries"] = sorted(common)
    for name, (start, timeout) in starts.items():
        mixes = {"all": queries, "common": {n: queries[n] for n in sorted(common)}}
        if name == "rdflib-endpoint":
            mixes = {"common": mixes["common"]}    # the others wedge it (see BENCHMARKS.md)
        elif common == set(queries):
            mixes = {"all": queries}
        load_phase(name, start, servers[name], mixes, args, timeout)
    if not args.keep:
        shutil.rmtree(root / ".nkhr-builds", ignore_errors=True)
        shutil.rmtree(root / "oxigraph-store", ignore_errors=True)
    return result


def machine() -> dict:
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        info["memory_mb"] = int(open("/proc/meminfo").readline().split()[1]) // 1024
    except OSError:
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def versions() -> dict:
    import pyoxigraph
    import rdflib
    found = {"pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__}
    for package in ("oxigraph", "rdflib-endpoint", "owlrl", "pyshacl-turbo", "pyshacl", "gunicorn", "flask"):
        try:
            from importlib.metadata import version
            found[package] = version(package)
        except Exception:
            found[package] = None
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="article,10k,100k",
                        help="comma-separated: article (the article's data alone), 10k, 100k, 1m, ... "
                             "(total input triples: ontology + data + synthetic)")
    parser.add_argument("--quick", action="store_true",
                        help="about half a minute: article only, no owlrl, no SHACL, no peers, one repetition, "
                             "2 s of load")
    parser.add_argument("--peers", action=argparse.BooleanOptionalAction, default=None,
                        help="also measure the Oxigraph server and rdflib-endpoint (default: on, off with --quick)")
    parser.add_argument("--threads", type=int, default=16, help="concurrent clients of the load test")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per server")
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions per query, at most")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per query for the repetitions")
    parser.add_argument("--query-timeout", type=float, default=60.0,
                        help="server-side query time limit (ours and Oxigraph's) and client timeout")
    parser.add_argument("--owlrl-max", default="100k", help="largest size owlrl is run at")
    parser.add_argument("--owlrl-cap", type=float, default=300.0, help="seconds owlrl may take per size")
    parser.add_argument("--build-cap", type=float, default=1800.0, help="seconds the whole build may take")
    parser.add_argument("--engine-max", default="100k",
                        help="largest size the in-process engine is timed at (it cannot stop a slow query)")
    parser.add_argument("--rdflib-max", default="100k", help="largest size rdflib-endpoint is run at")
    parser.add_argument("--peer-timeout", type=float, default=30.0,
                        help="client timeout for rdflib-endpoint, which cannot stop a query itself")
    parser.add_argument("--peer-memory", type=float, default=4.0,
                        help="address-space limit of the rdflib-endpoint process, GB")
    parser.add_argument("--start-timeout", type=float, default=900.0, help="seconds a server may take to start")
    parser.add_argument("--workdir", type=Path, help="where the throw-away projects go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away projects")
    parser.add_argument("--plot", nargs="+", type=Path, metavar="RESULTS_JSON",
                        help="only redraw bench/plots/ from these result files (later files win per size)")
    args = parser.parse_args(argv)

    if args.plot:
        merged = report.merge([json.loads(p.read_text()) for p in args.plot])
        for path in report.plots(merged, PLOTS):
            print(path)
        return 0
    if args.quick:
        args.sizes, args.duration, args.reps, args.budget, args.threads = "article", 2.0, 1, 0.5, 4
        args.start_timeout = min(args.start_timeout, 60.0)
    if args.peers is None:
        args.peers = not args.quick

    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for label in labels:
        parse_size(label)       # fail early on a bad size
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="nkhr-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    run = {"started": datetime.now(UTC).isoformat(timespec="seconds"),
           "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
           "machine": machine(), "versions": versions(),
           "load_before": os.getloadavg(), "sizes": {}}
    base = article_triples()
    try:
        for label in labels:
            run["sizes"][label] = measure_size(label, workdir, base, args)
            run["sizes"][label]["load_after"] = os.getloadavg()
            print(report.size_table(run["sizes"][label]), flush=True)
    finally:
        run["load_after"] = os.getloadavg()
        run["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps(run, indent=1, default=str) + "\n")
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(report.summary(run))
    print(f"results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tables, target checks and plots from the benchmark's results (a dict, as saved in JSON)."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

PEERS = ("oxigraph", "rdflib-endpoint")
# "nkhr" runs with its answer cache off, so that it is compared with the peers engine to engine;
# "nkhr-cached" is the server as deployed, answering repeated queries from its cache.
SERVERS = ("nkhr", "nkhr-cached", *PEERS)


def _f(value, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value >= 100:
            digits = 0
        elif value >= 10:
            digits = min(digits, 1)
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _stage(build: dict, run: str, stage: str):
    return build.get(run, {}).get("stages", {}).get(stage, {}).get("seconds")


def build_times(size: dict) -> dict:
    """The build's figures: from ``nkhr build`` in a cold process (its total, its memory, and its
    own stage times from dist/timings.json, which overlap), or from the stages run one by one
    (bench.stages: --quick, or a build that failed)."""
    build = size.get("build", {})
    owlrl = _stage(build, "owlrl", "reason_owlrl")
    common = {"reason_owlrl": owlrl, "owlrl_rss_mb": build.get("owlrl", {}).get("max_rss_mb"),
              "cli": build.get("cli", {}).get("seconds"), "cli_rss_mb": build.get("cli", {}).get("max_rss_mb"),
              "cli_pss_mb": build.get("cli", {}).get("peak_pss_mb")}
    timings = build.get("cli", {}).get("timings")
    if timings is not None:
        total = common["cli"]
        return {**common, "parse": timings.get("parse"), "reason_fast": timings.get("reason"),
                "validate": timings.get("validate"), "queries": timings.get("queries"),
                "write": timings.get("write"), "store": timings.get("store"), "total_fast": total,
                "total_owlrl": None if None in (total, owlrl) else total - timings.get("reason", 0.0) + owlrl,
                "build_rss_mb": max(filter(None, [common["cli_rss_mb"], common["cli_pss_mb"]]), default=None),
                "overlapped": True}
    parse = _stage(build, "fast", "parse")
    fast = _stage(build, "fast", "reason_fast")
    validate = _stage(build, "fast", "validate")
    queries = _stage(build, "fast", "queries") or _stage(build, "fast_novalidate", "queries") or 0.0
    write = _stage(build, "fast", "write") or _stage(build, "fast_novalidate", "write")
    total_fast = None
    if None not in (parse, fast, validate, write):
        total_fast = parse + fast + validate + queries + write
    return {**common, "parse": parse, "reason_fast": fast, "validate": validate,
            "queries": queries, "write": write, "total_fast": total_fast,
            "store": ((build.get("fast", {}).get("stages", {}).get("write")
                       or build.get("fast_novalidate", {}).get("stages", {}).get("write") or {}).get("store_seconds")),
            "total_owlrl": None if None in (total_fast, owlrl) else total_fast - fast + owlrl,
            "build_rss_mb": max(filter(None, [build.get(k, {}).get("max_rss_mb")
                                              for k in ("fast", "fast_novalidate")]), default=None),
            "overlapped": False}


def triples(size: dict) -> dict:
    stages = size.get("build", {}).get("fast", {}).get("stages", {})
    novalidate = size.get("build", {}).get("fast_novalidate", {}).get("stages", {})
    cli = size.get("build", {}).get("cli", {}).get("triples", {})
    return {"input": (stages.get("parse") or novalidate.get("parse") or {}).get("input_triples") or cli.get("input"),
            "inferred": (stages.get("reason_fast") or novalidate.get("reason_fast") or {}).get("inferred")
            or cli.get("inferred"),
            "published": (stages.get("write") or novalidate.get("write") or {}).get("published_triples")
            or cli.get("published")}


def median_p50(queries: dict | None) -> float | None:
    values = [q["p50_ms"] for q in (queries or {}).values() if q.get("p50_ms") is not None]
    return statistics.median(values) if values else None


def geo_ratio(ours: dict | None, theirs: dict | None) -> float | None:
    """Geometric mean over queries of ours.p50 / theirs.p50 (> 1: we are slower)."""
    logs = []
    for name, q in (ours or {}).items():
        other = (theirs or {}).get(name, {})
        if q.get("p50_ms") and other.get("p50_ms"):
            logs.append(math.log(q["p50_ms"] / other["p50_ms"]))
    return math.exp(sum(logs) / len(logs)) if logs else None


def throughput_ratio(ours: dict, theirs: dict):
    """(ours / theirs, mix) on the broadest mix both were loaded with."""
    for key, mix in (("load", "all"), ("load_common", "common")):
        a, b = (ours.get(key) or {}).get("throughput_rps"), (theirs.get(key) or {}).get("throughput_rps")
        if a is not None and b:
            return a / b, mix
        if a is not None and b == 0:
            return float("inf"), mix
    return None


# A catalog query is "light" when the engine answers it in process within this (p50).
LIGHT_MS = 1.0


def added_cost(size: dict, server: str = "nkhr") -> dict | None:
    """What serving adds to a query, cache off: per catalog query, the server's HTTP p50 minus the
    in-process engine's p50 (the same query on the same data; the engine does not serialise, the
    server does, and the client's own cost of a request is in it too); their median, and the
    light queries (engine p50 <= LIGHT_MS) the Oxigraph server answers faster than ``server``."""
    engine = size.get("engine", {}).get("queries") or {}
    servers = size.get("servers", {})
    ours = servers.get(server, {}).get("queries") or {}
    peer = servers.get("oxigraph", {}).get("queries") or {}
    added = {n: ours[n]["p50_ms"] - q["p50_ms"] for n, q in engine.items()
             if q.get("p50_ms") is not None and (ours.get(n) or {}).get("p50_ms") is not None}
    if not added:
        return None
    light = [n for n in added if engine[n]["p50_ms"] <= LIGHT_MS and (peer.get(n) or {}).get("p50_ms") is not None]
    slower = sorted(n for n in light if ours[n]["p50_ms"] > peer[n]["p50_ms"])
    return {"median_ms": statistics.median(added.values()), "light": len(light), "light_slower": slower}


def size_table(size: dict) -> str:
    t, b = triples(size), build_times(size)
    lines = [f"\n## {size['label']}: {t['input'] or '?'} input triples "
             f"({size.get('synthetic_triples', 0)} synthetic), {t['inferred'] or '?'} inferred, "
             f"{t['published'] or '?'} published",
             "build stage        seconds",
             f"  parse            {_f(b['parse'])}",
             f"  reason (owlrl)   {_f(b['reason_owlrl'])}"
             + (f"   [{size['build']['owlrl'].get('skipped')}]"
                if size['build'].get('owlrl', {}).get('skipped') else ""),
             f"  reason (fast)    {_f(b['reason_fast'])}",
             f"  validate (SHACL, pyshacl-turbo) {_f(b['validate'])}"
             + ("   (in a child process, beside the queries and the write)" if b["overlapped"] else "")
             + (f"   [{size['build']['fast'].get('validate_skipped')}]"
                if size['build'].get('fast', {}).get('validate_skipped') else ""),
             f"  catalog queries  {_f(b['queries'])}",
             f"  write dist/      {_f(b['write'])}    "
             + ("(no query store: the build is served from memory)" if b["store"] is None and b["overlapped"]
                else f"(the query store: {_f(b['store'])}"
                + (", in a thread beside the other files)" if b["overlapped"] else ")")),
             f"  total            {_f(b['total_fast'])}    (with owlrl: {_f(b['total_owlrl'])})"
             + ("   = nkhr build, a cold process" if b["overlapped"] else "   = the stages one by one")
             + (f", the median of {len(runs)} runs ({_f(min(runs))}-{_f(max(runs))})" if (runs := [
                 r for r in size["build"].get("cli", {}).get("runs_seconds", []) if r is not None]) else ""),
             f"  memory           peak RSS {_f(b['cli_rss_mb'] if b['overlapped'] else b['build_rss_mb'], ' MB')}"
             + (f", process tree PSS {_f(b['cli_pss_mb'], ' MB')}" if b["overlapped"] else "")
             + f"    (owlrl run: {_f(b['owlrl_rss_mb'], ' MB')})"]
    if size.get("build", {}).get("cli", {}).get("failed"):
        lines.append(f"  nkhr build failed: {size['build']['cli']['failed'][:300]}")
    servers = size.get("servers", {})
    engine = size.get("engine", {})
    lines.append(f"in-process engine: {engine['skipped']}" if engine.get("skipped") else
                 f"in-process engine: load {_f(engine.get('load_s'), ' s')}, "
                 f"median p50 over queries {_f(median_p50(engine.get('queries')), ' ms')}")
    lines.append("server            start s  1st query s  median p50 ms  load   req/s  p50 ms  p95 ms  failed  "
                 "peak RSS MB (procs)")
    for name in SERVERS:
        s = servers.get(name)
        if s is None:
            continue
        if "skipped" in s or "error" in s:
            lines.append(f"  {name:16s}{s.get('skipped') or s.get('error')}"[:200])
            continue
        errors = sum(1 for q in s.get("queries", {}).values() if q.get("error"))
        head = (f"  {name:16s}{_f(s.get('start_s')):>7s}  {_f(s.get('first_query_s')):>11s}  "
                f"{_f(median_p50(s.get('queries'))):>13s}")
        loads = [(mix, s[key]) for mix, key in (("all", "load"), ("common", "load_common")) if s.get(key)]
        for i, (mix, load) in enumerate(loads or [("-", {})]):
            lines.append((head if i == 0 else " " * len(head))
                         + f"  {mix:6s} {_f(load.get('throughput_rps')):>6s}  {_f(load.get('p50_ms')):>6s}  "
                         f"{_f(load.get('p95_ms')):>6s}  {load.get('failed', 0):>6d}  "
                         + (f"{_f(s.get('rss_peak_mb'))} ({s.get('processes')})" if i == 0 else ""))
        if errors:
            lines.append(f"  {'':16s}{errors} of {len(s.get('queries', {}))} queries failed or timed out alone"
                         + (f"; {s['died']}" if s.get("died") else ""))
    cost = added_cost(size)
    if cost:
        lines.append(f"  added cost per uncached query (nkhr HTTP p50 - in-process p50, median): "
                     f"{_f(cost['median_ms'], ' ms')}; light queries (in process <= {LIGHT_MS:g} ms) slower "
                     f"than the Oxigraph server: {len(cost['light_slower'])} of {cost['light']}"
                     + (f" ({', '.join(cost['light_slower'][:6])})" if cost["light_slower"] else ""))
    if size.get("common_queries") is not None:
        lines.append(f"  'common' mix: the {len(size['common_queries'])} queries every server answered alone")
    for name in ("nkhr", "nkhr-cached"):
        ours = servers.get(name, {})
        for peer in PEERS:
            theirs = servers.get(peer, {})
            ratio = throughput_ratio(ours, theirs)
            if ratio:
                lines.append(f"  {name} vs {peer}: throughput x{_f(ratio[0])} ({ratio[1]} mix), per-query p50 "
                             f"(geometric mean) x{_f(geo_ratio(ours.get('queries'), theirs.get('queries')))}")
    lines.append(query_table(size))
    return "\n".join(lines)


def query_table(size: dict) -> str:
    servers = size.get("servers", {})
    engine = size.get("engine", {}).get("queries", {})
    columns = [("engine", engine)] + [(n, servers.get(n, {}).get("queries")) for n in SERVERS]
    columns = [(n, q) for n, q in columns if q]
    head = f"{'query (p50 / p95 ms)':34s}{'rows':>6s}" + "".join(f"{n:>22s}" for n, _ in columns)
    lines = [head]
    for name in sorted(engine or (columns[0][1] if columns else {})):
        rows = (engine.get(name) or {}).get("rows")
        cells = []
        for _, queries in columns:
            q = queries.get(name, {})
            cell = "err " + str(q["error"])[:12] if q.get("error") and q.get("p50_ms") is None \
                else f"{_f(q.get('p50_ms'))} / {_f(q.get('p95_ms'))}"
            cells.append(f"{cell:>22s}")
        lines.append(f"{name[:34]:34s}{_f(rows):>6s}" + "".join(cells))
    return "\n".join(lines)


def targets(run: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each target the issue sets."""
    out = []
    sizes = run.get("sizes", {})
    article = sizes.get("article")
    if article:
        b = build_times(article)
        if b["cli"] is not None:
            out.append(("article: nkhr build, a cold process, <= 1 s", _f(b["cli"], " s"),
                        "met" if b["cli"] <= 1 else f"missed by {b['cli'] - 1:.1f} s"))
        if b["total_owlrl"] is not None:
            out.append(("article build <= 1 s (owlrl, today)", _f(b["total_owlrl"], " s"),
                        "met" if b["total_owlrl"] <= 1 else f"missed by {b['total_owlrl'] - 1:.1f} s"))
    for label, size in sizes.items():
        servers = size.get("servers", {})
        ours = servers.get("nkhr", {})
        cost = added_cost(size)
        if cost:
            out.append((f"{label}: added cost per uncached query <= 1.5 ms", _f(cost["median_ms"], " ms"),
                        "met" if cost["median_ms"] <= 1.5 else f"missed by {cost['median_ms'] - 1.5:.1f} ms"))
            if cost["light"]:
                out.append((f"{label}: every light query beats the Oxigraph server",
                            f"{cost['light'] - len(cost['light_slower'])} of {cost['light']} faster",
                            "met" if not cost["light_slower"] else f"missed for {len(cost['light_slower'])}"))
        for peer, factor in (("oxigraph", 1.5), ("rdflib-endpoint", 10)):
            ratio = throughput_ratio(ours, servers.get(peer, {}))
            if ratio is None:
                continue
            value, mix = ratio
            out.append((f"{label}: HTTP throughput >= {factor:g}x {peer}",
                        f"x{_f(value)} ({mix} mix)",
                        "met" if value >= factor else f"missed: x{value:.2f} of x{factor}"))
    for label, size in sizes.items():
        if 90_000 <= (size.get("target_triples") or 0) < 900_000:
            total = build_times(size)["cli"]
            out.append((f"{label}: build <= 8 s (nkhr build, cold)", _f(total, " s"),
                        "-" if total is None else ("met" if total <= 8 else f"missed by {total - 8:.0f} s")))
        if (size.get("target_triples") or 0) < 900_000:
            continue
        b = build_times(size)
        total = b["cli"]
        total_text = _f(total, " s") if total is not None else "no total: the build did not finish"
        out.append((f"{label}: build <= 60 s (nkhr build, cold)", total_text,
                    "-" if total is None else ("met" if total <= 60 else f"missed by {total - 60:.0f} s")))
        server = size.get("servers", {}).get("nkhr", {})
        if server.get("start_s") is not None:
            out.append((f"{label}: server start <= 5 s", _f(server["start_s"], " s"),
                        "met" if server["start_s"] <= 5 else f"missed by {server['start_s'] - 5:.1f} s"))
        queries = server.get("queries", {})
        p50s = [q.get("p50_ms") for q in queries.values()]
        under = sum(1 for v in p50s if v is not None and v <= 100)
        med = median_p50(queries)
        if queries:
            out.append((f"{label}: catalog query p50 <= 100 ms (HTTP)",
                        f"median {_f(med, ' ms')}; {under}/{len(p50s)} queries under",
                        "met" if under == len(p50s) else f"missed for {len(p50s) - under} queries"))
        if b["build_rss_mb"] is not None:
            out.append((f"{label}: build peak memory <= 2 GB (largest process RSS or tree PSS)",
                        _f(b["build_rss_mb"], " MB"),
                        "met" if b["build_rss_mb"] <= 2048 else f"missed by {b['build_rss_mb'] - 2048:.0f} MB"))
        peaks = [("server", server.get("rss_peak_mb")), ("build", b["build_rss_mb"])]
        for what, mb in peaks:
            if mb is not None:
                out.append((f"{label}: peak memory <= 1 GB ({what})", _f(mb, " MB"),
                            "met" if mb <= 1024 else f"missed by {mb - 1024:.0f} MB"))
    return out


def summary(run: dict) -> str:
    lines = ["\n## Targets"]
    for target, measured, verdict in targets(run):
        lines.append(f"  {target:48s} {measured:36s} {verdict}")
    lines.append(f"load average before {tuple(round(x, 2) for x in run.get('load_before', ()))}, "
                 f"after {tuple(round(x, 2) for x in run.get('load_after', ()))} "
                 f"on {run.get('machine', {}).get('cpus')} CPUs")
    return "\n".join(lines)


def merge(runs: list[dict]) -> dict:
    merged = {"sizes": {}}
    for run in runs:
        for key in ("machine", "versions", "options", "load_before", "load_after"):
            merged.setdefault(key, run.get(key))
        merged["sizes"].update(run.get("sizes", {}))
    return merged


def _order(run: dict) -> list[tuple[str, dict]]:
    sizes = [(label, s) for label, s in run["sizes"].items() if triples(s)["input"]]
    return sorted(sizes, key=lambda item: triples(item[1])["input"])


def plots(run: dict, folder: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    sizes = _order(run)
    x = [triples(s)["input"] for _, s in sizes]
    written = []

    def save(fig, name):
        path = folder / name
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for key, label in (("parse", "parse"), ("reason_owlrl", "reason: owlrl"),
                       ("reason_fast", "reason: fast"), ("validate", "validate (pyshacl-turbo)"),
                       ("queries", "catalog queries"),
                       ("write", "write dist/ (dumps + query store)")):
        points = [(xi, build_times(s)[key]) for xi, (_, s) in zip(x, sizes, strict=True) if build_times(s)[key]]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=label)
    ax.axhline(60, color="grey", linestyle=":", linewidth=1)
    ax.set(xscale="log", yscale="log", xlabel="input triples", ylabel="seconds",
           title="Build stages as the data grows")
    ax.legend(fontsize=8)
    save(fig, "build-stages.png")

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    series = [("engine (in process)", lambda s: median_p50(s.get("engine", {}).get("queries")))]
    for name in SERVERS:
        series.append((f"{name} (HTTP)", lambda s, n=name: median_p50(s.get("servers", {}).get(n, {}).get("queries"))))
    for label, get in series:
        points = [(xi, get(s)) for xi, (_, s) in zip(x, sizes, strict=True) if get(s)]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=label)
    ax.axhline(100, color="grey", linestyle=":", linewidth=1)
    ax.set(xscale="log", yscale="log", xlabel="input triples", ylabel="median of per-query p50, ms",
           title="Catalog query latency (48 queries)")
    ax.legend(fontsize=8)
    save(fig, "query-latency.png")

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    names = [n for n in SERVERS
             if any(s.get("servers", {}).get(n, {}).get("load") for _, s in sizes)]
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        values = [s.get("servers", {}).get(name, {}).get("load", {}).get("throughput_rps") or 0 for _, s in sizes]
        ax.bar([j + i * width for j in range(len(sizes))], values, width, label=name)
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(sizes))], [label for label, _ in sizes])
    ax.set(yscale="log", ylabel="requests/s (catalog mix)", title="Throughput under 16 concurrent clients")
    ax.legend(fontsize=8)
    save(fig, "throughput.png")

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name in SERVERS:
        points = [(xi, s.get("servers", {}).get(name, {}).get("rss_peak_mb"))
                  for xi, (_, s) in zip(x, sizes, strict=True)]
        points = [p for p in points if p[1]]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=f"{name} server (all processes)")
    points = [(xi, build_times(s)["build_rss_mb"]) for xi, (_, s) in zip(x, sizes, strict=True)
              if build_times(s)["build_rss_mb"]]
    if points:
        ax.plot(*zip(*points, strict=True), marker="s", linestyle="--", label="nkhr build")
    ax.axhline(1024, color="grey", linestyle=":", linewidth=1)
    ax.set(xscale="log", yscale="log", xlabel="input triples", ylabel="peak RSS, MB", title="Peak memory")
    ax.legend(fontsize=8)
    save(fig, "memory.png")
    return written

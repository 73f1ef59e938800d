"""The ``nkhr`` command: build, validate, query, export, stats and serve.

Results go to standard output; progress, timings and errors go to standard error, so the
output can be piped. Exit codes: 0 success, 2 bad usage, 3 a source (data, shapes or a query) cannot be parsed or a
query fails, 4 the data is inconsistent, does not conform to the shapes or fails a quality check,
5 other failures, 6 the build could not be written (a full disk): dist/ is left as it was.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__, formats
from .formats import Kind

if TYPE_CHECKING:
    from .build.pipeline import BuildResult
    from .project import Project
    from .query.engine import Engine
    from .remote.client import Store

Command = TypeVar("Command", bound=Callable[..., Any])

EXIT_PARSE = 3
EXIT_INVALID = 4
EXIT_OTHER = 5
EXIT_WRITE = 6


def _names(*kinds: Kind) -> list[str]:
    """Every name and short name of the formats of ``kinds``, for --format."""
    return sorted({name for f in formats.of_kind(*kinds) for name in f.names})


def _export_names() -> list[str]:
    """The names (and short names) of the dump formats and the property-graph formats, for export --format."""
    from .built import DUMP_FORMATS
    exported = [formats.get(name) for name in DUMP_FORMATS] + list(formats.of_kind(Kind.PROPERTY_GRAPH))
    return sorted({name for f in exported for name in f.names})


def _say(message: str) -> None:
    click.echo(message, err=True)


def _project(ctx: click.Context) -> Project:
    from .project import find_project
    try:
        return find_project(ctx.obj.get("project"))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc


def _run_build(project: Project, data_files: list[Path] | None = None, wait: bool = True) -> BuildResult:
    """Build in memory, turning each kind of failure into its exit code and a clear message.

    With ``wait=False`` SHACL validation may still be running when this returns; ``_write``
    waits for it (and reports its problems the same way) before anything is published."""
    from .build.pipeline import run_build
    with _build_errors():
        result = run_build(project, data_files=data_files, progress=_say, wait=wait)
    return result


@contextmanager
def _build_errors() -> Iterator[None]:
    """Each kind of build failure as its exit code and a clear message."""
    from .build.background import BackgroundError
    from .build.load import SourceError
    from .build.pipeline import NotConformingError
    from .build.queries import CheckFailed, QueryFileError
    from .build.reason import InconsistentError
    try:
        yield
    except (SourceError, QueryFileError) as exc:
        _say(f"error: {exc}")
        sys.exit(EXIT_PARSE)
    except CheckFailed as exc:
        _say(str(exc))
        _say("error: quality checks in queries/checks/ found problems; dist/ was left as it was")
        sys.exit(EXIT_INVALID)
    except InconsistentError as exc:
        _say(f"error: {exc}")
        sys.exit(EXIT_INVALID)
    except NotConformingError as exc:
        _say(exc.report.render())
        _say("error: the data does not conform to the shapes; dist/ was left as it was")
        sys.exit(EXIT_INVALID)
    except BackgroundError as exc:
        _say(f"error: the checks of the build (SHACL, the queries) failed: {exc}; dist/ was left as it was")
        sys.exit(EXIT_OTHER)


def _write(result: BuildResult, keep_previous: bool = False) -> None:
    """Write dist/; when the disk is full, say so and exit 6 (dist/ is left as it was), or with
    ``keep_previous`` carry on with a previous build that is whole."""
    from .build.write import WriteError, write_dist
    from .built import DistError, verify
    try:
        with _build_errors():       # validation may still be running: its problems stop the write
            write_dist(result, progress=_say)
    except WriteError as exc:
        _say(f"error: {exc}")
        if keep_previous:
            try:
                verify(result.project)
            except DistError:
                pass
            else:
                _say("carrying on with the previous build in dist/")
                return
        sys.exit(EXIT_WRITE)


def ensure_built(project: Project) -> None:
    """Build dist/ first when it is missing or older than its sources (and carry on with the
    previous build when the new one cannot be written)."""
    from .built import is_stale
    if is_stale(project):
        _say("dist/ is missing or older than its sources: building first")
        _write(_run_build(project), keep_previous=True)


def _engine(project: Project) -> Engine:
    """The build's on-disk store when it has one (it opens in milliseconds), else dataset.nq loaded
    into memory (a build small enough to have no store loads in well under a second)."""
    from .built import STORE_DIR, dump_name, has_store, read_metadata
    from .query.engine import Engine
    ensure_built(project)
    if has_store(read_metadata(project)):
        return Engine.open(project.dist_dir / STORE_DIR)
    return Engine.open(project.dist_dir / dump_name("nquads"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(file_okay=False), envvar="NKHR_PROJECT",
              help="The project folder (holding ontology/ and data/). Default: the current folder, "
                   "else this checkout.")
@click.version_option(__version__, prog_name="nkhr")
@click.pass_context
def main(ctx: click.Context, project: str | None) -> None:
    """The North Korea human-rights knowledge graph: build it, check it, query it, serve it."""
    from .built import in_memory_max
    try:
        in_memory_max()             # read by the build and the server: a bad value is said here, once
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


def run() -> None:
    """The ``nkhr`` command as a process (the console script and ``python -m nkhr``): ``main``,
    where a finished build may end the process at once (``_end_finished_build``). Tests that call
    ``main`` in their own process are never ended."""
    global _OWN_PROCESS
    _OWN_PROCESS = True
    main()


_OWN_PROCESS = False


def _end_finished_build() -> None:
    """End the process now that the build is written and reported, skipping the interpreter's
    teardown: freeing every term and graph of the build one by one took 0.05-0.09 s of the
    article's 1.1 s. Everything is on disk by then (written, fsynced and published), the
    background children and every thread have been joined, and no command registers exit handlers."""
    if not _OWN_PROCESS:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)


_data_option = click.option(
    "--data", "data_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use only these data files instead of all of data/ (repeatable); handy to check one file.")


@main.command()
@_data_option
@click.pass_context
def build(ctx: click.Context, data_files: tuple[Path, ...]) -> None:
    """Parse, reason (OWL-RL), validate (SHACL) and write dist/.

    dist/ is replaced atomically: a failed build leaves the previous one untouched.
    With --data, the build is checked but not written.
    """
    project = _project(ctx)
    result = _run_build(project, list(data_files) or None, wait=bool(data_files))
    if data_files:
        _say("built from a subset of data/ (--data): nothing written")
    else:
        _write(result)
    report = result.report
    click.echo(f"The data conforms: {sum(len(g) for g in result.graphs.values())} triples "
               f"({len(result.data.triples)} asserted, {len(result.closure.inferred_triples)} inferred, "
               f"{len(result.ontology.triples)} ontology); {len(report.warnings)} warning(s).")
    for problem in report.warnings:
        _say(problem.render())
    _end_finished_build()


@main.command()
@_data_option
@click.pass_context
def validate(ctx: click.Context, data_files: tuple[Path, ...]) -> None:
    """Check that the sources parse, are consistent and conform; write nothing."""
    project = _project(ctx)
    result = _run_build(project, list(data_files) or None)
    click.echo(result.report.render().rstrip())


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", *_names(Kind.RESULTS, Kind.GRAPH, Kind.DATASET)]),
              default="table", show_default=True,
              help="Output format: table, csv, tsv, json, xml for SELECT/ASK; an RDF format (turtle, nt, jsonld, "
                   "rdfxml, ...; xml and json mean RDF/XML and JSON-LD) for CONSTRUCT/DESCRIBE.")
@click.pass_context
def query(ctx: click.Context, query: str, fmt: str) -> None:
    """Run QUERY (a .rq file, or the name of a query in queries/) on the built dataset."""
    from .built import CATALOG_DIR
    from .query.catalog import CatalogError, resolve
    from .query.engine import QuerySyntaxError
    from .query.results import serialize, to_table
    project = _project(ctx)
    engine = _engine(project)           # builds first when dist/ is stale, so its catalog is current
    try:
        named = resolve(project.dist_dir / CATALOG_DIR, query)
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from exc
    text = named if isinstance(named, str) else named.text
    try:
        result = engine.query(text)
    except QuerySyntaxError as exc:
        raise click.ClickException(f"the query is not valid SPARQL: {exc}") from exc
    if fmt == "table":
        if result.kind == "graph":
            fmt = "turtle"
        else:
            click.echo(to_table(result))
            return
    kinds = (Kind.GRAPH, Kind.DATASET) if result.kind == "graph" else (Kind.RESULTS,)
    chosen = formats.lookup(fmt, kinds)
    if chosen is None:
        raise click.UsageError("CONSTRUCT/DESCRIBE results come in an RDF format: " + ", ".join(_names(*kinds))
                               if result.kind == "graph" else
                               "SELECT/ASK results come as table, " + ", ".join(_names(*kinds)))
    sys.stdout.buffer.write(serialize(result, chosen.name))


@main.command()
@click.option("--format", "fmt", type=click.Choice(_export_names()),
              default="turtle", show_default=True,
              help="RDF format of the dump, or a property graph for Gephi, Cytoscape, yEd or Graphviz.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None) -> None:
    """Export the whole dataset (ontology, asserted and inferred triples) in an RDF format.

    trig and nquads keep the three named graphs; the others merge them. graphml, gexf, cyjs
    (Cytoscape.js JSON) and dot write the entities, claims and sections as a property graph.
    """
    from .built import dump_name
    from .exports.model import build_graph
    project = _project(ctx)
    chosen = formats.lookup(fmt, (Kind.GRAPH, Kind.DATASET, Kind.PROPERTY_GRAPH))
    assert chosen is not None       # click has checked the name
    if chosen.kind is Kind.PROPERTY_GRAPH:
        data = chosen.write(build_graph(_engine(project)))
    else:
        ensure_built(project)
        data = (project.dist_dir / dump_name(chosen.name)).read_bytes()
    if output:
        output.write_bytes(data)
        _say(f"wrote {output} ({len(data)} bytes)")
    else:
        sys.stdout.buffer.write(data)


@main.command()
@click.pass_context
def stats(ctx: click.Context) -> None:
    """Triples per graph, instances per class, and facts per article section."""
    from .content.stats import compute
    from .query.results import to_table
    project = _project(ctx)
    for title, result in compute(_engine(project)).items():
        click.echo(f"## {title}\n{to_table(result)}\n")


_store_options = [
    click.option("--query-endpoint", "query_url", metavar="URL", envvar="NKHR_STORE_QUERY",
                 help="The store's SPARQL query endpoint. Default: derived from the store's kind "
                      "(Oxigraph: URL/query; Virtuoso: URL/sparql)."),
    click.option("--kind", type=click.Choice(["auto", "oxigraph", "virtuoso", "generic"]), default="auto",
                 show_default=True, help="The kind of store, which sets the default endpoints and the "
                                         "quirks to expect; auto reads the store's Server header."),
    click.option("--user", envvar="NKHR_STORE_USER", metavar="NAME",
                 help="User name for the store (Basic or Digest authentication); the password is read "
                      "from NKHR_STORE_PASSWORD, never from the command line."),
]


def _with_store_options(command: Command) -> Command:
    for option in reversed(_store_options):
        command = option(command)
    return command


def _locate(url: str | None, query_url: str | None, kind: str, user: str | None,
            gsp_url: str | None = None) -> Store:
    from .remote.client import StoreError, locate
    try:
        return locate(url, query_url=query_url, gsp_url=gsp_url, kind=kind, user=user,
                      password=os.environ.get("NKHR_STORE_PASSWORD"))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--to", "url", required=True, metavar="URL", envvar="NKHR_STORE",
              help="The SPARQL store's base URL, e.g. http://localhost:7878 (Oxigraph server) or "
                   "http://localhost:8890 (Virtuoso).")
@click.option("--gsp", "gsp_url", metavar="URL",
              help="The store's Graph Store Protocol endpoint. Default: derived from its kind "
                   "(Oxigraph: URL/store; Virtuoso: URL/sparql-graph-crud, or -auth with --user).")
@_with_store_options
@click.option("--chunk", default=200_000, show_default=True, type=click.IntRange(min=1),
              help="Triples per request; a larger graph goes as one PUT and then POSTs.")
@click.pass_context
def publish(ctx: click.Context, url: str, gsp_url: str | None, query_url: str | None, kind: str,
            user: str | None, chunk: int) -> None:
    """Load the build (dist/) into an existing SPARQL 1.1 store, replacing its graphs there.

    Each named graph is PUT with the Graph Store Protocol, then the store's counts are checked
    against build.json and a build graph records which build the store holds, for
    `nkhr serve --store`. Running it again leaves the store the same.
    """
    from .built import DistError
    from .remote.client import StoreError
    from .remote.publish import publish as run_publish
    project = _project(ctx)
    ensure_built(project)
    store = _locate(url, query_url, kind, user, gsp_url)
    _say(f"publishing dist/ to {store.gsp_url} ({store.kind} store; queries at {store.query_url})")
    try:
        report = run_publish(project, store, chunk=chunk, progress=_say)
    except (StoreError, DistError) as exc:
        _say(f"error: {exc}")
        sys.exit(EXIT_OTHER)
    click.echo(f"Published build {report.digest[:16]} to {url}: {report.triples} triples in "
               f"{len(report.graphs)} graphs in {report.seconds:.2f}s.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes.")
@click.option("--store", "store_url", metavar="URL", envvar="NKHR_STORE",
              help="Answer queries from this SPARQL store (loaded with `nkhr publish --to URL`) instead "
                   "of loading the dataset into this server. It must hold the build in dist/.")
@_with_store_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, store_url: str | None,
          query_url: str | None, kind: str, user: str | None) -> None:
    """Serve the dataset: SPARQL endpoint, pages, dumps and linked data (builds first if needed)."""
    from .built import DistError, in_memory_max, verify
    from .web.serve import serve as run_server
    from .web.site import served_from
    project = _project(ctx)
    ensure_built(project)
    try:
        metadata = verify(project)
    except DistError as exc:
        raise click.ClickException(str(exc)) from exc
    answering = f"the build in dist/ ({served_from(project.dist_dir, metadata, in_memory_max())[1]})"
    if store_url or query_url:
        from .remote.client import StoreError
        from .remote.marker import check_build
        store = _locate(store_url, query_url, kind, user)
        try:
            marker = check_build(store, project.dist_dir)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
        store_url, query_url = None, store.query_url
        # The workers locate the store again from these (the password is already in the environment).
        os.environ["NKHR_STORE_KIND"] = store.kind
        if user:
            os.environ["NKHR_STORE_USER"] = user
        answering = f"the SPARQL store at {query_url} (build {marker.digest[:16]}, published {marker.published})"
    click.echo(f"Serving the North Korea human-rights knowledge graph at http://{host}:{port}/ "
               f"(SPARQL endpoint: http://{host}:{port}/sparql), answering from {answering}. "
               "Press Ctrl+C to stop.", err=False)
    sys.stdout.flush()
    from .web.front import FrontUnavailable
    try:
        run_server(project, host, port, workers=workers, store_url=store_url, store_query_url=query_url)
    except FrontUnavailable as exc:
        raise click.ClickException(str(exc)) from exc

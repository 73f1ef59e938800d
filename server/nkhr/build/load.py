"""Parsing the curated Turtle files, with errors that name the file and the line.

Each file is parsed on its own so that a SHACL result can later be traced back to the file
that describes its focus node, and so that a syntax error points at one file, not at "the data".

Oxigraph parses (rdflib's parser took 0.3 s of the build, Oxigraph's 15 ms) and its terms are
turned into rdflib's, which the reasoner and pyshacl use. A file that Oxigraph rejects is
parsed again by rdflib: its error is the one reported, as before, and a file only rdflib
accepts still loads. Oxigraph writes language tags in lower case ("en-gb" for "en-GB"), which
RDF 1.1 allows and SHACL's sh:languageIn ignores, and gives "x" and "x"^^xsd:string the same
term (RDF 1.1's); rdflib would keep both apart.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from .locate import index_lines

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class SourceError(Exception):
    """A source file cannot be read as RDF. ``str()`` gives ``path:line: message``."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass
class LoadedFiles:
    """The union of some Turtle files, and which files mention each node."""

    graph: Graph
    files: list[str] = field(default_factory=list)
    mentions: dict = field(default_factory=dict)  # node -> set of relative paths
    by_file: dict = field(default_factory=dict)   # relative path -> its triples (build/provenance.py)
    lines: dict = field(default_factory=dict)     # relative path -> locate.SourceLines (where each node is)

    def lines_for(self, node, predicate=None) -> list[str]:
        """``file:line`` of each description of ``node``, and of its ``predicate`` triple where given."""
        iri = node.value if isinstance(node, ox.NamedNode) else str(node)
        key = predicate.value if isinstance(predicate, ox.NamedNode) else str(predicate) if predicate else None
        nodes, triples = [], []
        for name in self.files_for(node):
            lines = self.lines.get(name)
            line = lines.of_node(iri) if lines else None
            if line is None:
                continue
            nodes.append(f"{name}:{line}")
            written = lines.of_triple(iri, key) if key else None
            if written is not None:     # the files that hold the offending triple are the ones to open
                triples.append(nodes[-1] + (f" (the triple: line {written})" if written != line else ""))
        return triples or nodes

    def files_for(self, node) -> list[str]:
        return sorted(self.mentions.get(node, ()))


def _syntax_error(path: str, exc: Exception, source: str = "") -> SourceError:
    if isinstance(exc, BadSyntax):
        why = exc._why  # noqa: SLF001 - rdflib keeps the reason and line only in these fields
        return SourceError(path, exc.lines + 1, f"Turtle syntax error: {why}")
    text = str(exc)
    match = re.search(r"line (\d+)", text)
    if match:
        return SourceError(path, int(match.group(1)), f"cannot parse: {text}")
    # rdflib sometimes fails inside itself (an AttributeError or IndexError on a stray "?" or
    # NUL) without saying where; pyoxigraph's strict Turtle parser names the line.
    located = _locate_with_pyoxigraph(source)
    if located:
        return SourceError(path, located[0], f"Turtle syntax error: {located[1]}")
    return SourceError(path, None, f"cannot parse: {text}")


def _locate_with_pyoxigraph(source: str) -> tuple[int, str] | None:
    import pyoxigraph as ox
    try:
        for _ in ox.parse(source.encode("utf-8", "surrogatepass"), format=ox.RdfFormat.TURTLE,
                          base_iri="file:///source.ttl"):
            pass
    except SyntaxError as exc:
        if exc.lineno:
            return exc.lineno, str(exc.msg if hasattr(exc, "msg") else exc)
    return None


def parse_file(path: Path, shown_as: str) -> Graph:
    """Parse one Turtle file, raising SourceError with its line on bad syntax or bad encoding."""
    triples, prefixes = _parse(path, shown_as)
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    return graph


def _parse(path: Path, shown_as: str) -> tuple[list[tuple], dict[str, str]]:
    """The triples of one Turtle file, as rdflib terms, and the prefixes it declares."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(shown_as, line, "not valid UTF-8 text") from exc
    # rdflib logs a traceback for every ill-typed literal; we report those ourselves below.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    base = path.resolve().as_uri()
    try:
        parser, term = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=base), _Terms()
        triples = [(term(q.subject), term(q.predicate), term(q.object)) for q in parser]
        prefixes = parser.prefixes
    except (SyntaxError, ValueError):   # ValueError: RDF 1.2 that rdflib does not read either
        graph = _parse_with_rdflib(text, base, shown_as)
        triples, prefixes = list(graph), {p: str(ns) for p, ns in graph.namespaces()}
    for _, _, o in triples:
        if isinstance(o, Literal) and o.ill_typed:
            raise SourceError(shown_as, _line_of(text, str(o)),
                              f"the value {o.n3()} is not a valid {o.datatype}")
    return triples, prefixes


def _parse_with_rdflib(text: str, base: str, shown_as: str) -> Graph:
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=base)
    except Exception as exc:  # rdflib raises several unrelated types for bad input
        raise _syntax_error(shown_as, exc, text) from exc
    return graph


class _Terms(dict):
    """Oxigraph terms to rdflib terms, once each; a fresh blank node per blank node of the file."""

    def __call__(self, node):
        if node not in self:
            self[node] = _rdflib_term(node)
        return self[node]


def _rdflib_term(node):
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode()
    if not isinstance(node, ox.Literal) or node.direction:
        raise ValueError(f"not RDF 1.1: {node}")     # a triple term, a text direction
    if node.language:
        return Literal(node.value, lang=node.language)
    datatype = node.datatype.value
    return Literal(node.value) if datatype == _XSD_STRING else Literal(node.value, datatype=URIRef(datatype))


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def load_files(paths: list[Path], relative) -> LoadedFiles:
    """Parse and merge files; ``relative`` turns a path into the name shown to curators."""
    loaded = LoadedFiles(graph=Graph())
    for path in paths:
        name = relative(path)
        triples, prefixes = _parse(path, name)
        loaded.files.append(name)
        loaded.by_file[name] = triples
        loaded.lines[name] = index_lines(path.read_text(encoding="utf-8"), prefixes)
        for s, p, o in triples:
            loaded.graph.add((s, p, o))
            for node in (s, o):
                if not isinstance(node, (Literal, BNode)):
                    loaded.mentions.setdefault(node, set()).add(name)
    return loaded

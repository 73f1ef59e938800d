"""Parsing the curated Turtle files, with errors that name the file and the line.

Each file is parsed on its own so that a SHACL result can later be traced back to the file
that describes its focus node, and so that a syntax error points at one file, not at "the data".

Oxigraph parses (rdflib's parser took 0.3 s of the article's build and 16 s at a million
triples) and its terms are what the build works on: the reasoner, the validator and the
writers take pyoxigraph triples. rdflib terms are made only for the shapes (``parse_file``) and
for callers that ask for a ``LoadedFiles.graph``. Oxigraph's strict parser reports every
syntax error with the line where it starts (an unterminated string at the line it opens on).
It writes language tags in lower case ("en-gb" for "en-GB"), which RDF 1.1 allows and SHACL's
sh:languageIn ignores, and gives "x" and "x"^^xsd:string the same term (RDF 1.1's).

What RDF accepts but the build refuses, with the file and line:

* a value that does not fit its datatype ("many"^^xsd:integer), checked by rdflib once per
  distinct typed value;
* RDF 1.2 (triple terms, text directions), which the reasoner and the SHACL engines do not read;
* characters XML 1.0 cannot carry (control characters other than tab, line feed and carriage
  return; U+FFFE and U+FFFF): every dump in RDF/XML and every SPARQL XML answer stays well-formed;
* a literal longer than ``MAX_LITERAL_CHARS`` (a million characters): no fact of the article
  needs one, and it would be copied into every dump, page and answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..serialize import OxTerm, rdflib_term
from .locate import SourceLines, index_lines

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
MAX_LITERAL_CHARS = 1_000_000
# What XML 1.0 cannot carry (its Char production), surrogates aside: Oxigraph refuses those.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class SourceError(Exception):
    """A source file cannot be read as RDF. ``str()`` gives ``path:line: message``."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass
class LoadedFiles:
    """The union of some Turtle files, and which files mention each node."""

    triples: set[ox.Triple] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    by_file: dict[str, list[ox.Triple]] = field(default_factory=dict)  # relative path -> its triples (provenance.py)
    # relative path -> the file and the prefixes it declares: where its nodes are is read from it
    # only when a problem is reported about one of them (``lines``)
    sources: dict[str, tuple[Path, dict[str, str]]] = field(default_factory=dict)
    _lines: dict[str, SourceLines] = field(default_factory=dict)

    @cached_property
    def mentions(self) -> dict[str, set[str]]:
        """IRI -> the relative paths of the files that mention it: made on first use (a report)."""
        found: dict[str, set[str]] = {}
        for name, triples in self.by_file.items():
            for triple in triples:
                for node in (triple.subject, triple.object):
                    if isinstance(node, ox.NamedNode):
                        found.setdefault(node.value, set()).add(name)
        return found

    def lines(self, name: str) -> SourceLines | None:
        """Where each node of the file ``name`` is described (``locate.index_lines``), read once."""
        if name not in self._lines and name in self.sources:
            path, prefixes = self.sources[name]
            self._lines[name] = index_lines(path.read_text(encoding="utf-8"), prefixes)
        return self._lines.get(name)

    def lines_for(self, node: Node | OxTerm, predicate: Node | ox.NamedNode | None = None) -> list[str]:
        """``file:line`` of each description of ``node``, and of its ``predicate`` triple where given."""
        iri = node.value if isinstance(node, ox.NamedNode) else str(node)
        key = predicate.value if isinstance(predicate, ox.NamedNode) else str(predicate) if predicate else None
        nodes: list[str] = []
        triples: list[str] = []
        for name in self.files_for(node):
            lines = self.lines(name)
            line = lines.of_node(iri) if lines else None
            if lines is None or line is None:
                continue
            nodes.append(f"{name}:{line}")
            written = lines.of_triple(iri, key) if key else None
            if written is not None:     # the files that hold the offending triple are the ones to open
                triples.append(nodes[-1] + (f" (the triple: line {written})" if written != line else ""))
        return triples or nodes

    def files_for(self, node: Node | OxTerm) -> list[str]:
        """The files that mention ``node`` (an rdflib or a pyoxigraph IRI)."""
        return sorted(self.mentions.get(node.value if isinstance(node, ox.NamedNode) else str(node), ()))

    @cached_property
    def graph(self) -> Graph:
        """The triples as an rdflib graph, made on first use: for tests and tools, never the build."""
        return rdflib_graph(self.triples)


def rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph of pyoxigraph triples."""
    graph, memo = Graph(), dict[OxTerm, Node]()
    for triple in triples:
        s, p, o = (_term(node, memo) for node in triple)
        graph.add((s, p, o))
    return graph


def _term(node: OxTerm, memo: dict[OxTerm, Node]) -> Node:
    found = memo.get(node)
    if found is None:
        found = memo[node] = rdflib_term(node)
    return found


def parse_file(path: Path, shown_as: str) -> Graph:
    """Parse one Turtle file into an rdflib graph (the shapes; tests), raising SourceError with
    its line on bad syntax, bad encoding or a value the build refuses."""
    triples, prefixes = _parse(path, shown_as)
    graph = rdflib_graph(triples)
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    return graph


def _parse(path: Path, shown_as: str) -> tuple[list[ox.Triple], dict[str, str]]:
    """The triples of one Turtle file, fresh blank nodes for the file's, and its prefixes."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(shown_as, line, "not valid UTF-8 text") from exc
    try:
        parser = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri(),
                          rename_blank_nodes=True)
        triples = [quad.triple for quad in parser]
        prefixes = dict(parser.prefixes)
    except SyntaxError as exc:
        raise SourceError(shown_as, exc.lineno, f"Turtle syntax error: {_reason(exc)}") from None
    except ValueError as exc:       # e.g. a named graph in a Turtle file
        raise SourceError(shown_as, None, f"cannot parse: {exc}") from None
    except MemoryError:             # Oxigraph buffers one token at most 16 MiB long
        run = re.search(f"[^\"'>]{{{MAX_LITERAL_CHARS},}}", text)
        raise SourceError(shown_as, text.count("\n", 0, run.start()) + 1 if run else None,
                          f"a value (a literal or an IRI) longer than Oxigraph reads; the build takes at most "
                          f"{MAX_LITERAL_CHARS:,} characters in one literal") from None
    _check_terms(triples, text, shown_as)
    return triples, prefixes


def _reason(exc: SyntaxError) -> str:
    """Oxigraph's message without its own position prefix (the line is ours to give)."""
    message = re.sub(r"^Parser error (at|between) [^:]*: ", "", str(exc.msg if hasattr(exc, "msg") else exc))
    if message == "Unexpected end of file":
        message = ("the file ends inside the statement that starts here: a string, IRI, list or "
                   "[ ... ] opened on this line is never closed")
    return message


def _check_terms(triples: list[ox.Triple], text: str, shown_as: str) -> None:
    """Refuse what RDF allows and the build does not (see the module's docstring)."""
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)   # it logs every ill-typed value
    checked: set[ox.Literal] = set()
    for triple in triples:
        value = triple.object
        if isinstance(value, ox.Triple) or isinstance(triple.subject, ox.Triple):
            raise SourceError(shown_as, _line_of(text, "<<") or 1,
                              "a triple term (RDF 1.2), which the reasoner and the SHACL engine do not read")
        if not isinstance(value, ox.Literal) or value in checked:
            continue
        checked.add(value)
        lexical = value.value
        if value.direction:
            raise SourceError(shown_as, _line_of(text, f"--{value.direction}") or 1,
                              f"a text direction (--{value.direction}, RDF 1.2), which the reasoner and "
                              "the SHACL engine do not read")
        if len(lexical) > MAX_LITERAL_CHARS:
            raise SourceError(shown_as, _line_of(text, lexical[:200]),
                              f"a value of {len(lexical):,} characters; the build takes at most "
                              f"{MAX_LITERAL_CHARS:,} in one literal")
        bad = _NOT_XML.search(lexical)
        if bad:
            char = bad.group()
            raise SourceError(shown_as, _line_of_any(text, char, f"\\u{ord(char):04X}", f"\\u{ord(char):04x}"),
                              f"the value {_shown(lexical)} holds the control character U+{ord(char):04X}, "
                              "which XML (RDF/XML, SPARQL XML results) cannot carry; remove it")
        datatype = value.datatype.value
        if datatype in (_XSD_STRING, _LANG_STRING) or _plainly_valid(lexical, datatype):
            continue
        if Literal(lexical, datatype=URIRef(datatype)).ill_typed:
            raise SourceError(shown_as, _line_of(text, lexical[:200]),
                              f"the value {_shown(lexical)}^^<{datatype}> is not a valid {datatype}")


_XSD = "http://www.w3.org/2001/XMLSchema#"
_PLAIN_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _plainly_valid(lexical: str, datatype: str) -> bool:
    """True for the most common typed values in their plainest form, which rdflib (the judge of
    ``ill_typed``, at 80 microseconds a value) accepts too: an integer of digits, a date that
    exists. Anything else is left to rdflib."""
    if datatype == _XSD + "integer":
        return _PLAIN_INTEGER.fullmatch(lexical) is not None
    if datatype == _XSD + "date" and _PLAIN_DATE.fullmatch(lexical):
        try:
            date.fromisoformat(lexical)
        except ValueError:
            return False
        return True
    return False


def _shown(lexical: str) -> str:
    """A value as a curator would find it in the file: quoted, escaped, cut after 60 characters."""
    cut = lexical if len(lexical) <= 60 else lexical[:60] + "..."
    return '"' + cut.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'



def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def _line_of_any(text: str, *needles: str) -> int | None:
    for needle in needles:
        line = _line_of(text, needle)
        if line:
            return line
    return None


def load_files(paths: list[Path], relative: Callable[[Path], str]) -> LoadedFiles:
    """Parse and merge files; ``relative`` turns a path into the name shown to curators."""
    loaded = LoadedFiles()
    for path in paths:
        name = relative(path)
        triples, prefixes = _parse(path, name)
        loaded.files.append(name)
        loaded.by_file[name] = triples
        loaded.sources[name] = (path, prefixes)
        loaded.triples.update(triples)
    return loaded

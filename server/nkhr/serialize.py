"""Writing graphs and datasets so that the same input always gives the same bytes.

Oxigraph writes every format (rdflib's writers took 4 s for the dumps, Oxigraph's take a few
milliseconds each). It writes triples in the order it is given them, so they are sorted first:
by subject, its rdf:type first, then by predicate and object. Blank nodes get labels derived
from their content, computed on the triples that hold blank nodes alone: up to
``RDFLIB_LABELS_MAX`` of them by rdflib's canonical labelling (what the dumps have always used:
the article's few rdf:Lists and the SHACL report keep their labels; ``nkhr.bnode_labels``
computes them as rdflib does, at a fraction of its cost), above it by W3C RDFC-1.0
(pyoxigraph; rdflib's takes 65 s on a 2,000-item rdf:List, RDFC-1.0 2 s on 100,000 items). A
rebuild of unchanged sources thus changes no file, and a diff of two builds shows only what
changed. Graphs come as rdflib graphs or as pyoxigraph triples (the build's own).

For people reading them, Turtle and TriG list their prefixes alphabetically and leave a blank
line between subjects, and JSON-LD is compacted with the project's prefixes as its @context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import chain, groupby
from json.encoder import encode_basestring as _string
from typing import TypeAlias, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from .bnode_labels import canonical_labels
from .formats import Format, Kind, get
from .vocab import PREFIXES

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_OX_RDF_TYPE = ox.NamedNode(_RDF_TYPE)

OxTerm: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal
"""A term of a triple parsed from RDF 1.1 (no quoted triples), as pyoxigraph holds it."""
OxSubject: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Triple
"""What pyoxigraph accepts as the subject of a triple."""
Stated: TypeAlias = ox.Triple | ox.Quad
"""A triple, or a quad read as its triple (the writers of one graph ignore the graph name)."""
RdfTriples: TypeAlias = Graph | Iterable[ox.Triple]
"""A graph as this module takes it: an rdflib graph or pyoxigraph triples."""


def oxigraph_term(term: Node) -> OxTerm:
    """The Oxigraph term for an rdflib term; a literal without datatype or language is an xsd:string."""
    if isinstance(term, URIRef):
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)
    if not isinstance(term, Literal):       # a variable or a formula: no term of a parsed graph
        raise TypeError(f"not an RDF term: {term!r}")
    if term.language:
        return ox.Literal(term, language=term.language)
    return ox.Literal(term, datatype=ox.NamedNode(term.datatype or _XSD_STRING))


def oxigraph_triple(s: Node, p: Node, o: Node, term: Callable[[Node], OxTerm] = oxigraph_term) -> ox.Triple:
    """The Oxigraph triple for an rdflib triple, its terms converted by ``term`` (a memo, say).

    rdflib types every position as a ``Node``; in a parsed graph the subject is an IRI or a blank
    node and the predicate an IRI, which the casts state."""
    return ox.Triple(cast(OxSubject, term(s)), cast(ox.NamedNode, term(p)), term(o))


def oxigraph_quad(s: Node, p: Node, o: Node, term: Callable[[Node], OxTerm] = oxigraph_term) -> ox.Quad:
    """The Oxigraph quad in the default graph for an rdflib triple (see ``oxigraph_triple``)."""
    return ox.Quad(cast(OxSubject, term(s)), cast(ox.NamedNode, term(p)), term(o))


# Above this many triples holding blank nodes, blank nodes are labelled by RDFC-1.0, whose time
# stays bounded (rdflib's: 0.1 s at 200 such triples of an rdf:List, 1.6 s at 800).
RDFLIB_LABELS_MAX = 1_000


def canonical_triples(graph: RdfTriples) -> list[ox.Triple]:
    """The triples of ``graph`` (an rdflib graph or pyoxigraph triples) as pyoxigraph triples, with
    blank-node labels derived from the triples that hold them."""
    memo: dict[Node, OxTerm] = {}

    def term(node: Node) -> OxTerm:
        found = memo.get(node)
        if found is None:
            found = memo[node] = oxigraph_term(node)
        return found

    plain: list[ox.Triple] = []
    with_blank_nodes: list[ox.Triple] = []
    for triple in graph:
        if not isinstance(triple, ox.Triple):
            triple = oxigraph_triple(triple[0], triple[1], triple[2], term)
        if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
            with_blank_nodes.append(triple)
        else:
            plain.append(triple)
    if not with_blank_nodes:
        return plain
    if len(with_blank_nodes) > RDFLIB_LABELS_MAX:
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in with_blank_nodes)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return plain + [quad.triple for quad in dataset]
    back = dict[OxTerm | ox.Triple, Node]()
    labels = canonical_labels(with_blank_nodes, lambda node: _rdflib_term(node, back).n3())
    if labels is not None:          # rdflib's labels, without rdflib (nkhr/bnode_labels.py)
        return plain + [ox.Triple(labels[t.subject] if isinstance(t.subject, ox.BlankNode) else t.subject, t.predicate,
                                  labels[t.object] if isinstance(t.object, ox.BlankNode) else t.object)
                        for t in with_blank_nodes]
    small = Graph()
    for t in with_blank_nodes:
        small.add((_rdflib_term(t.subject, back), _rdflib_term(t.predicate, back), _rdflib_term(t.object, back)))
    return plain + [oxigraph_triple(s, p, o, term) for s, p, o in to_canonical_graph(small)]


def rdflib_term(node: OxTerm | ox.Triple) -> Node:
    """The rdflib term for a pyoxigraph term (a plain string literal stays plain, as rdflib reads it).

    The one converter of the project: the loader, the validator and the writers call it."""
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if isinstance(node, ox.Triple):       # RDF 1.2's quoted triples: rdflib holds none
        raise TypeError(f"rdflib holds no quoted triple: {node}")
    if node.language:
        return Literal(node.value, lang=node.language)
    if node.datatype.value == _XSD_STRING:
        return Literal(node.value)
    return Literal(node.value, datatype=URIRef(node.datatype.value))


def _rdflib_term(node: OxTerm | ox.Triple, memo: dict[OxTerm | ox.Triple, Node]) -> Node:
    found = memo.get(node)
    if found is None:
        found = memo[node] = rdflib_term(node)
    return found


def _triple_key(triple: Stated) -> tuple[str, bool, str, str]:
    return str(triple.subject), triple.predicate != _OX_RDF_TYPE, str(triple.predicate), str(triple.object)


def make_dataset(named: Mapping[str, RdfTriples]) -> list[ox.Quad]:
    """Each graph's triples (an rdflib graph or pyoxigraph triples) as quads in the graph of that
    name, sorted: what ``dataset_bytes`` writes. The order's definition, kept as the reference:
    the build writes its dumps through ``SortedDataset`` (the same order, far faster at scale;
    tests/build/test_sorted_dataset.py compares them)."""
    quads: list[ox.Quad] = []
    for name in sorted(named):
        graph_name = ox.NamedNode(name)
        triples = sorted(canonical_triples(named[name]), key=_triple_key)
        quads.extend(ox.Quad(t.subject, t.predicate, t.object, graph_name) for t in triples)
    return quads


# Up to this many triples, the union's parsed quads are held for the writers that read it (about
# 450 bytes a quad: 45 MB at 100,000 triples; a million would hold 450 MB beside the lines).
HELD_PARSED_MAX = 200_000


# The predicate rdf:type in an N-Triples line, and what stands for it while lines are sorted: a
# subject's types come first (``_triple_key``), and NUL sorts before every other byte (Oxigraph
# writes a NUL in a literal as \u0000, so a NUL in its output is always ours). A literal that holds
# the text of the predicate (a quote before it on its line) makes the build replace it exactly.
_TYPE = b" <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
_SORTING_FIRST = b" \x00 "
_QUOTED_SORTING_FIRST = re.compile(b'"[^\n]*' + _SORTING_FIRST)
_TYPED = re.compile(rb"^(\S+) <http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type> ", re.MULTILINE)
class SortedDataset:
    """Named graphs as the sorted lines of N-Triples: what ``make_dataset`` orders, at a fraction
    of its cost.

    ``make_dataset`` sorts pyoxigraph triples by a key of their terms' texts, four calls into
    Oxigraph per triple; here Oxigraph writes each graph as N-Triples and the lines are sorted as
    bytes, which gives the same order: a line is its terms' texts joined by spaces, a space sorts
    before every byte that may follow a term's text, and rdf:type stands as NUL while sorting
    (tests/build/test_write.py compares the two). Blank nodes are labelled by
    ``canonical_triples``, on the lines that hold them only. Every dump is written from these
    lines: N-Triples and N-Quads as they are, the other formats from the triples parsed back in
    order.

    The default graph (``ntriples()``) is the union of the graphs named ``default``, or of every
    graph. A dataset is made of triples, or of lines sorted elsewhere (``of_lines``: the build
    sorts most graphs in a child while it reasons).
    """

    def __init__(self, named: Mapping[str, Iterable[ox.Triple]], default: Iterable[str] | None = None):
        self.names = sorted(named)
        self._lines = {name: sorted_lines(named[name]) for name in self.names}
        self._default = None if default is None else sorted(default)
        assert self._default is None or set(self._default) <= set(self.names), "default: names of its graphs"

    @classmethod
    def of_lines(cls, lines: Mapping[str, list[bytes]], default: Iterable[str] | None = None) -> SortedDataset:
        """The dataset of graphs already sorted into their lines by ``sorted_lines`` (in another
        process, say)."""
        dataset = cls({})
        dataset._lines = dict(lines)
        dataset.names = sorted(dataset._lines)
        dataset._default = None if default is None else sorted(default)
        return dataset

    def nquads(self) -> bytes:
        """Every graph, in the order of ``make_dataset``, as N-Quads."""
        return b"".join(self.nquads_parts())

    def nquads_parts(self) -> Iterator[bytes]:
        """``nquads()`` one graph at a time (the whole is half a gigabyte at a million triples)."""
        for name in self.names:
            yield self._text(self._lines[name]).replace(b" .\n", b" <" + name.encode("utf-8") + b"> .\n")

    def ntriples(self, name: str | None = None) -> bytes:
        """The triples of one graph, or of the default graph (the union of its parts, each triple
        once), as N-Triples."""
        if name is not None:
            return self._text(self._lines[name])
        return self._union

    @cached_property
    def _union(self) -> bytes:
        """The default graph's triples, each once: the dumps of one graph (N-Triples, Turtle,
        JSON-LD, RDF/XML) all read it."""
        merged: list[bytes] = []
        for name in self._default if self._default is not None else self.names:
            merged += self._lines[name]
        merged.sort()           # sorted runs, one a graph: merged in a few passes (half a set's union and sort)
        return self._text([line for line, _ in groupby(merged)])

    def triples(self, name: str | None = None) -> Iterator[ox.Triple]:
        """The triples of ``ntriples(name)``, in its order."""
        return (quad.triple for quad in self.statements(name))

    def statements(self, name: str | None = None) -> Iterator[ox.Quad]:
        """The triples of ``ntriples(name)`` as the parser gives them, quads of the default graph:
        what the writers read (``triples_bytes``); a ``.triple`` each cost a third of the time.

        Three writers read the union (Turtle, RDF/XML, JSON-LD): up to ``HELD_PARSED_MAX``
        triples it is parsed once and held, above that parsed at each read."""
        if name is None and self._union.count(b"\n") <= HELD_PARSED_MAX:
            return iter(self._parsed_union)
        return ox.parse(self.ntriples(name), format=ox.RdfFormat.N_TRIPLES, lenient=True)    # see read_quads

    @cached_property
    def _parsed_union(self) -> list[ox.Quad]:
        return list(ox.parse(self._union, format=ox.RdfFormat.N_TRIPLES, lenient=True))

    def quads(self) -> Iterator[ox.Quad]:
        """The quads of ``nquads()``, in its order (``read_quads`` of dataset.nq, once written, is the same)."""
        return chain.from_iterable(map(read_quads, self.nquads_parts()))

    @staticmethod
    def _text(lines: list[bytes]) -> bytes:
        return b"\n".join([*lines, b""]).replace(_SORTING_FIRST, _TYPE) if lines else b""    # no copy to end it


def read_quads(nquads: bytes) -> Iterator[ox.Quad]:
    """The quads of N-Quads that Oxigraph wrote (``SortedDataset``'s), in order. Parsed leniently:
    the checks of IRIs and language tags that Oxigraph made before writing them are not made
    again (they took half the time of parsing, and the writers read the dataset four times)."""
    return ox.parse(nquads, format=ox.RdfFormat.N_QUADS, lenient=True)


def sorted_lines(triples: Iterable[ox.Triple]) -> list[bytes]:
    """The N-Triples lines of ``triples``, blank nodes labelled by ``canonical_triples``, sorted
    (rdf:type written NUL; ``SortedDataset._text`` writes it back): one graph of a ``SortedDataset``."""
    text = _ntriples(triples)
    spans = _lines_holding(text, b"_:")    # every line with a blank node, and any literal holding "_:"
    if spans:
        parsed = [q.triple for q in ox.parse(b"".join(text[a:b] for a, b in spans), format=ox.RdfFormat.N_TRIPLES)]
        blank = [t for t in parsed if _holds_blank_node(t)]
        if blank:
            others = [t for t in parsed if not _holds_blank_node(t)]
            gaps = zip([0] + [end for _, end in spans], [start for start, _ in spans] + [len(text)], strict=True)
            text = b"".join([*(text[a:b] for a, b in gaps), _ntriples(others), _ntriples(canonical_triples(blank))])
    sorting = text.replace(_TYPE, _SORTING_FIRST)
    if _QUOTED_SORTING_FIRST.search(sorting):
        sorting = _TYPED.sub(b"\\1" + _SORTING_FIRST, text)
    lines = sorting.split(b"\n")
    lines.pop()                     # the text ends with a line break
    lines.sort()
    return lines


def _ntriples(triples: Iterable[ox.Triple]) -> bytes:
    return cast(bytes, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


def _holds_blank_node(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _lines_holding(text: bytes, mark: bytes) -> list[tuple[int, int]]:
    """The (start, end) of each line of ``text`` that holds ``mark``, in order (bytes.find is
    fast where a regular expression anchored at line starts tries every position)."""
    spans = []
    found = text.find(mark)
    while found != -1:
        start, end = text.rfind(b"\n", 0, found) + 1, text.find(b"\n", found) + 1
        spans.append((start, end))
        found = text.find(mark, end)
    return spans


def triples_of(quads: list[ox.Quad], graph_name: str | None = None) -> list[ox.Triple]:
    """The sorted triples of one named graph of ``quads``, or of all of them (the union)."""
    if graph_name is not None:
        name = ox.NamedNode(graph_name)
        return [q.triple for q in quads if q.graph_name == name]      # already in order
    return sorted({q.triple for q in quads}, key=_triple_key)


def dataset_bytes(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    """Write the quads of ``make_dataset`` in TriG or N-Quads."""
    data = _serialized(quads, get(fmt).oxigraph, PREFIXES)
    return _laid_out(data, "\t\t") if fmt == "trig" else data


def graph_bytes(graph: Graph, fmt: str) -> bytes:
    """Write one rdflib graph in an RDF format of ``nkhr.formats``, with the prefixes it binds too."""
    return triples_bytes(sorted(canonical_triples(graph), key=_triple_key), fmt, _prefixes_of(graph))


def _prefixes_of(graph: Graph) -> dict[str, str]:
    """The project's prefixes, and those bound in ``graph`` for other namespaces that it uses
    (sh: in a SHACL report, for example)."""
    iris = {str(term) for triple in graph for term in triple if isinstance(term, URIRef)}
    taken = set(PREFIXES.values())
    extra = {prefix: str(namespace) for prefix, namespace in graph.namespaces()
             if prefix and prefix not in PREFIXES and str(namespace) not in taken
             and any(iri.startswith(str(namespace)) for iri in iris)}
    return {**extra, **PREFIXES}


def triples_bytes(triples: Iterable[Stated], fmt: str, prefixes: dict[str, str] = PREFIXES) -> bytes:
    """Write sorted triples (or quads of the default graph) in an RDF format of ``nkhr.formats``
    (a dataset format puts them in the default graph)."""
    rdf_format = get(fmt).oxigraph
    if rdf_format == ox.RdfFormat.JSON_LD:
        return jsonld_bytes(triples, prefixes)
    data = _serialized(triples, rdf_format, prefixes)
    return _laid_out(data, "\t") if rdf_format == ox.RdfFormat.TURTLE else data


def _serialized(data: Iterable[Stated], rdf_format: ox.RdfFormat | ox.QueryResultsFormat | None,
                prefixes: dict[str, str]) -> bytes:
    """Oxigraph's bytes for ``data`` in an RDF format (a results format or none is a caller's mistake)."""
    if not isinstance(rdf_format, ox.RdfFormat):
        raise ValueError(f"not an RDF format: {rdf_format}")
    # bytes when no output is given; quads of the default graph are written as the triples they are
    return cast(bytes, ox.serialize(cast(Iterable[ox.Triple], data), format=rdf_format, prefixes=prefixes))


def write_rdf(fmt: Format, data: Sequence[ox.Triple] | Sequence[ox.Quad], prefixes: dict[str, str] = PREFIXES) -> bytes:
    """The writer of every RDF format in ``nkhr.formats``: quads of ``make_dataset`` in a dataset
    format, otherwise triples (sorted here, so that the same answer is always the same bytes)."""
    if data and isinstance(data[0], ox.Quad):
        if fmt.kind is not Kind.DATASET:
            raise ValueError(f"{fmt.label} holds one graph; write the quads in TriG or N-Quads")
        return dataset_bytes(cast(list[ox.Quad], data), fmt.name)      # the first is a quad: all are
    return triples_bytes(sorted(cast(Sequence[ox.Triple], data), key=_triple_key), fmt.name, prefixes)


# Where a blank line goes: before each line that starts a statement. In Turtle every line that is
# not indented does; in TriG a line indented once (a statement in a graph) or not at all (a graph),
# except the graph's closing brace and the first statement after its opening one.
_TURTLE_STATEMENT = re.compile(rb"\n(?=[^\t\n])")
_TRIG_STATEMENT = re.compile(rb"\n(?=\t[^\t\n]|[^\t\n}])")


def _laid_out(data: bytes, continued: str) -> bytes:
    """Oxigraph's Turtle or TriG with sorted prefixes and a blank line before each subject.

    Oxigraph starts each subject (and each graph of TriG) on a line of its own and indents the
    rest of its statement by ``continued``; it escapes line breaks inside literals, so every
    line that is not indented so starts a statement (or opens or closes a graph). The lines are
    found by regular expressions that start with a line break, which Python's engine looks for
    as fast as ``bytes.find`` (a loop over the lines took a second at 100,000 triples).
    """
    start, prefixes = 0, []
    while data.startswith(b"@prefix ", start):
        end = data.index(b"\n", start) + 1
        prefixes.append(data[start:end])
        start = end
    body = data[start:]
    if continued == "\t":
        body = _TURTLE_STATEMENT.sub(b"\n\n", body)
    else:
        body = _TRIG_STATEMENT.sub(b"\n\n", body).replace(b"{\n\n", b"{\n")
    if prefixes and body and not body.startswith(b"\n"):
        body = b"\n" + body        # the first statement, after the prefixes
    return b"".join(sorted(prefixes)) + body


def jsonld_bytes(triples: Iterable[Stated], prefixes: dict[str, str]) -> bytes:
    """Sorted triples as compacted JSON-LD, written directly (one object per subject).

    IRIs become compact IRIs of ``prefixes``, which the @context declares; rdf:type becomes
    @type; an array of one value becomes the value; the output is indented by two spaces. The
    bytes are those of compacting Oxigraph's expanded JSON-LD and ``json.dumps(..., indent=2,
    ensure_ascii=False)`` (tests/build/test_jsonld.py keeps that as the reference), which took
    most of the write stage at scale: parsing and re-encoding the whole dump in Python.

    The triples are read in one pass, each term once (pyoxigraph makes a new object at every
    access), and the text of a term is made once however often it recurs (``_JsonTexts``).
    """
    texts = _JsonTexts(_compactor(prefixes))
    context = ",\n".join(f"    {_string(k)}: {_string(v)}" for k, v in sorted(prefixes.items()))
    nodes: list[str] = []
    subject: OxSubject | None = None
    by_predicate: list[tuple[ox.NamedNode, list[OxTerm | ox.Triple]]] = []
    for triple in triples:
        s, p, o = triple.subject, triple.predicate, triple.object
        if subject is None or s != subject:
            if subject is not None:
                nodes.append(texts.node(subject, by_predicate))
            subject, by_predicate = s, [(p, [o])]
        elif by_predicate[-1][0] == p:
            by_predicate[-1][1].append(o)
        else:
            by_predicate.append((p, [o]))
    if subject is not None:
        nodes.append(texts.node(subject, by_predicate))
    graph = "[\n" + ",\n".join(nodes) + "\n  ]" if nodes else "[]"
    return f'{{\n  "@context": {{\n{context}\n  }},\n  "@graph": {graph}\n}}\n'.encode()


def _compactor(prefixes: dict[str, str]) -> Callable[[str], str]:
    by_length = sorted(prefixes.items(), key=lambda item: -len(item[1]))
    compacted: dict[str, str] = {}
    # The longest namespace that starts an IRI, in one match (an alternation tries its branches
    # in order, here the longest first); the loop decides when its rest would not do.
    longest = re.compile("|".join(re.escape(namespace) for _, namespace in by_length)) if by_length else None
    prefix_of: dict[str, str] = {}
    for prefix, namespace in by_length:
        prefix_of.setdefault(namespace, prefix)

    def compact_iri(iri: str) -> str:
        """``kg:north-korea`` for ``https://w3id.org/nkhr/id/north-korea``, by the longest prefix
        that fits; not when the rest is empty or starts with ``//`` (it would not read back)."""
        found = compacted.get(iri)
        if found is None:
            found = compacted[iri] = iri
            match = longest.match(iri) if longest is not None else None
            if match is None:
                return found
            rest = iri[match.end():]
            if rest and not rest.startswith("//"):
                found = compacted[iri] = f"{prefix_of[match.group()]}:{rest}"
                return found
            for prefix, namespace in by_length:
                rest = iri[len(namespace):]
                if iri.startswith(namespace) and rest and not rest.startswith("//"):
                    found = compacted[iri] = f"{prefix}:{rest}"
                    break
        return found
    return compact_iri


class _JsonTexts:
    """The JSON text of terms, each made once: a node's quoted id, a predicate's quoted key, a
    node as a value object. A value object is laid out as a single value; in an array it is
    indented two spaces more, at each of its line breaks (all of them layout: ``_string``
    escapes a literal's)."""

    def __init__(self, compact_iri: Callable[[str], str]):
        self.compact_iri = compact_iri
        self._ids: dict[OxTerm | ox.Triple, str] = {}
        self._values: dict[OxTerm | ox.Triple, str] = {}

    def quoted_id(self, term: OxTerm | ox.Triple) -> str:
        found = self._ids.get(term)
        if found is None:
            if isinstance(term, ox.Triple):     # RDF 1.2's quoted triples: JSON-LD 1.1 writes none
                raise ValueError(f"JSON-LD holds no quoted triple: {term}")
            found = self._ids[term] = _string(self.compact_iri(term.value) if isinstance(term, ox.NamedNode)
                                              else f"_:{term.value}")
        return found

    def value(self, term: OxTerm | ox.Triple) -> str:
        """One value object, its keys indented by eight spaces (as json.dumps orders and lays them
        out). A node's is kept; a literal's made each time (they seldom recur, and would double
        the text held)."""
        if isinstance(term, ox.Literal):
            indent = "        "
            if term.language:
                fields = f'{indent}"@language": {_string(term.language)},\n{indent}"@value": {_string(term.value)}'
            elif (datatype := term.datatype.value) == _XSD_STRING:
                fields = f'{indent}"@value": {_string(term.value)}'
            else:
                fields = (f'{indent}"@type": {_string(self.compact_iri(datatype))},\n'
                          f'{indent}"@value": {_string(term.value)}')
            return "{\n" + fields + "\n      }"
        found = self._values.get(term)
        if found is None:
            found = self._values[term] = '{\n        "@id": ' + self.quoted_id(term) + "\n      }"
        return found

    def node(self, subject: OxSubject, by_predicate: list[tuple[ox.NamedNode, list[OxTerm | ox.Triple]]]) -> str:
        """One node object: its id, its types (when all are nodes) and its values by predicate."""
        lines = [f'      "@id": {self.quoted_id(subject)}']
        first, objects = by_predicate[0]
        if first == _OX_RDF_TYPE and all(not isinstance(o, ox.Literal) for o in objects):
            types = [self.quoted_id(o) for o in objects]
            lines.append('      "@type": ' + (types[0] if len(types) == 1
                                                else "[\n" + ",\n".join("        " + t for t in types) + "\n      ]"))
            by_predicate = by_predicate[1:]
        for predicate, values in by_predicate:
            key = f"      {self.quoted_id(predicate)}: "
            if len(values) == 1:
                lines.append(key + self.value(values[0]))
            else:
                items = ",\n".join("        " + self.value(v).replace("\n", "\n  ") for v in values)
                lines.append(key + "[\n" + items + "\n      ]")
        return "    {\n" + ",\n".join(lines) + "\n    }"

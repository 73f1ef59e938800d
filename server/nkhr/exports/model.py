"""Exports for graph visualisers: the dataset as a property graph in GraphML, GEXF, Cytoscape.js JSON and DOT.

RDF is a graph of triples; Gephi, Cytoscape, yEd and Graphviz want nodes with attributes and
edges between them. ``build_graph`` reads the built dataset through the engine and makes that
property graph once; the writers below only serialise it, so the four files hold the same
nodes, edges and attributes.

The model:

- Nodes are the labelled things of the asserted graph: every IRI that is the subject or the
  object of an asserted triple and has an rdfs:label or skos:prefLabel (in the asserted or the
  ontology graph), except the ontology's own terms (classes, properties, concept schemes) and
  the values of the controlled vocabularies that become attributes (certainty, unit, quantity
  kind, facility status, rating dimension). Article sections are nodes (class ``Section``), and
  so are the rights of the SKOS rights scheme and the treaties that asserted triples point to.
- Every node has ``iri``, ``label``, ``class`` (its most specific asserted class, a short name),
  ``classes`` and ``sections`` (the labels of the sections that state it). Literal facts are
  attributes named by the property's local name (``officialName``, ``facilityNumber``, ``date``,
  ``value``...), typed long, double or boolean when every value of that attribute in the graph
  is one, else string; several values are joined with " | ". A property whose value is not a
  node (a certainty, a unit, a web address) is an attribute holding the value's label, or the
  IRI when it has none. ``attributedTo`` and ``disputedBy`` are attributes (labels) and edges.
- Edges are the triples, asserted or about a node in the ontology graph, between two nodes
  except rdf:type; each has ``predicate`` (the full IRI), ``label`` (the property's label),
  ``sections`` (the labels of the article sections whose named graph holds that very triple,
  joined by " | "; empty for the ontology's) and ``curatorsReading`` ("true" when the link is
  the curators' reading, an nkhr:CuratorsReading, rather than the article's statement).

Output is deterministic: nodes sorted by IRI, edges by (source, predicate, target), attributes
in a fixed order; characters that XML 1.0 cannot hold become U+FFFD in every format.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from .. import formats
from ..formats import Format, Kind
from ..query.engine import QueryEngine, Term
from ..vocab import GRAPH_ASSERTED, GRAPH_ONTOLOGY, GRAPH_SECTION, NKHR, PREFIXES, RDF_TYPE, SEC

# Namespaces as plain strings (vocab.PREFIXES): the model compares them with pyoxigraph terms' values.
RDF_NS, RDFS, SKOS, OWL, XSD, SCHEMA, PROV = (PREFIXES[p] for p in ("rdf", "rdfs", "skos", "owl", "xsd", "schema",
                                                                   "prov"))

LABELS = (RDFS + "label", SKOS + "prefLabel")
STATED_IN = str(NKHR) + "statedIn"

# Properties whose values are read as attributes (the value's label), never as edges.
VALUE_PROPERTIES = {str(NKHR) + "certainty", SCHEMA + "unitCode", str(NKHR) + "quantityKind",
                    str(NKHR) + "facilityStatus", str(NKHR) + "ratingDimension"}
# Properties whose node values are also summed up as an attribute of labels.
LABELLED_EDGES = {PROV + "wasAttributedTo", str(NKHR) + "disputedBy"}
# Attribute names that differ from the property's local name.
RENAMED = {SCHEMA + "unitCode": "unit", PROV + "wasAttributedTo": "attributedTo", STATED_IN: "sections"}
# Types that make an IRI an ontology term rather than a thing the data is about.
TERM_TYPES = {OWL + "Class", RDFS + "Class", RDFS + "Datatype", OWL + "ObjectProperty",
              OWL + "DatatypeProperty", OWL + "AnnotationProperty", OWL + "FunctionalProperty",
              OWL + "TransitiveProperty", OWL + "SymmetricProperty", OWL + "InverseFunctionalProperty",
              RDF_NS + "Property", OWL + "Ontology", SKOS + "ConceptScheme"}

FIXED_NODE_ATTRIBUTES = ("iri", "label", "class", "classes", "sections")
# Names the formats or the fixed attributes use; a property with one of these local names is prefixed.
RESERVED = {"id", "iri", "label", "class", "classes", "sections", "name", "source", "target", "parent",
            "key", "group", "type", "weight", "predicate",
            "value"}    # networkx's cytoscape_graph() reads a node's key from data.value
EDGE_ATTRIBUTES = ("predicate", "label", "sections", "curatorsReading")
INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                   "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                   "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
DECIMAL_TYPES = {XSD + t for t in ("decimal", "double", "float")}
JOIN = " | "

# name -> (file name, Content-Type), a view of the property-graph formats of ``nkhr.formats``.
FORMATS = {f.name: (f"graph.{f.extension}", f.content_type) for f in formats.of_kind(Kind.PROPERTY_GRAPH)}

# An attribute value: a literal as int, float, bool or its lexical form, or a label or IRI (str).
Value = str | int | float | bool

GRAPH_NAME = "North Korea human-rights knowledge graph"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text that XML 1.0 can hold: control characters and stray surrogates become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def short_name(iri: str) -> str:
    """nkhr classes by local name, others as prefix:local (``skos:Concept``), else the IRI."""
    if iri.startswith(str(NKHR)):
        return iri[len(str(NKHR)):]
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


@dataclass
class PropertyGraph:
    nodes: dict[str, dict[str, Value]]            # IRI -> attributes, sorted by IRI
    edges: list[dict[str, str]]                   # {id, source, target, predicate, label}, sorted
    node_types: dict[str, str] = field(default_factory=dict)   # attribute -> string|long|double|boolean

    @property
    def node_attributes(self) -> list[str]:
        return list(self.node_types)

    def neighbourhood(self, iri: str) -> PropertyGraph:
        """The node, the nodes one edge away (either direction, claims about it included), and the edges among them."""
        if iri not in self.nodes:
            raise KeyError(iri)
        keep = {iri}
        for edge in self.edges:
            if edge["source"] == iri:
                keep.add(edge["target"])
            elif edge["target"] == iri:
                keep.add(edge["source"])
        return PropertyGraph({k: v for k, v in self.nodes.items() if k in keep},
                             [e for e in self.edges if e["source"] in keep and e["target"] in keep],
                             self.node_types)


# ---------------------------------------------------------------------------------------------
# Reading the dataset
# ---------------------------------------------------------------------------------------------

def _triples(engine: QueryEngine, graph: str) -> list[tuple[Any, ...]]:
    """(s, p, o) pyoxigraph terms, ``Any`` as the engine's rows are (see ``query.engine.Row``)."""
    result = engine.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER(isIRI(?s)) }} }}")
    return [tuple(row) for row in result.rows]


def _is_iri(term: Term) -> bool:
    return type(term).__name__ == "NamedNode"


def _label_key(predicate: str, literal: ox.Literal) -> tuple[int, int, str, str]:
    language = literal.language or ""
    return (LABELS.index(predicate), 0 if language == "en" else 1 if language == "" else 2, language, literal.value)


def _literal_value(literal: ox.Literal) -> Value:
    """A literal as int, float, bool or str (its lexical form)."""
    datatype = literal.datatype.value if literal.datatype is not None else ""
    text = literal.value
    try:
        if datatype in INTEGER_TYPES:
            return int(text)
        if datatype in DECIMAL_TYPES:
            number = float(text)
            return number if math.isfinite(number) else text
        if datatype == XSD + "boolean":
            return text.strip() in ("true", "1")
    except ValueError:
        pass
    return clean(text)


def build_graph(engine: QueryEngine) -> PropertyGraph:
    """The property graph of the built dataset (see the module's docstring for the model)."""
    asserted = _triples(engine, GRAPH_ASSERTED)
    ontology = _triples(engine, GRAPH_ONTOLOGY)
    superclasses: dict[str, set[str]] = {}
    for sub, sup in engine.query(f"SELECT ?sub ?sup WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> "
                                 f"{{ ?sub <{RDFS}subClassOf>+ ?sup FILTER(isIRI(?sup)) }} }}").rows:
        superclasses.setdefault(sub.value, set()).add(sup.value)

    labels: dict[str, tuple[tuple[int, int, str, str], str]] = {}   # IRI -> (key, text) of its best label
    types: dict[str, set[str]] = {}
    for s, p, o in asserted + ontology:
        if p.value in LABELS and not _is_iri(o):
            key = _label_key(p.value, o)
            if s.value not in labels or key < labels[s.value][0]:
                labels[s.value] = (key, clean(o.value))
        elif p.value == RDF_TYPE and _is_iri(o):
            types.setdefault(s.value, set()).add(o.value)
    label = {iri: text for iri, (_key, text) in labels.items()}
    terms = {iri for iri, kinds in types.items() if kinds & TERM_TYPES}

    candidates = {s.value for s, _p, _o in asserted}
    candidates |= {o.value for _s, p, o in asserted if _is_iri(o) and p.value != RDF_TYPE
                   and p.value not in VALUE_PROPERTIES}
    node_iris = sorted(iri for iri in candidates if iri in label and iri not in terms)
    is_node = set(node_iris)

    facts = sorted({(s.value, p.value, o) for s, p, o in asserted + ontology
                    if s.value in is_node and p.value != RDF_TYPE and p.value not in LABELS},
                   key=lambda t: (t[0], t[1], str(t[2])))
    predicates = {p for _s, p, _o in facts}
    names = _attribute_names(predicates)

    values: dict[str, dict[str, list[Value]]] = {iri: {} for iri in node_iris}
    edges: list[Link] = []
    for s, p, o in facts:
        if _is_iri(o) and o.value in is_node:
            edges.append((s, p, o.value))
            if p in LABELLED_EDGES or p == STATED_IN:
                values[s].setdefault(names[p], []).append(label[o.value])
        elif _is_iri(o):
            values[s].setdefault(names[p], []).append(label.get(o.value, clean(o.value)))
        elif not _is_iri(o) and hasattr(o, "datatype"):
            values[s].setdefault(names[p], []).append(_literal_value(o))

    nodes: dict[str, dict[str, Value]] = {}
    for iri in node_iris:
        classes = sorted(types.get(iri, ()), key=short_name)
        attributes: dict[str, Value] = {"iri": iri, "label": label[iri], "class": _most_specific(classes, superclasses),
                      "classes": JOIN.join(short_name(c) for c in classes),
                      "sections": JOIN.join(sorted({_text(v) for v in values[iri].pop("sections", [])}))}
        for name in sorted(values[iri]):
            found = values[iri][name]
            distinct = sorted({(type(v).__name__, v): v for v in found}.values(), key=lambda v: (type(v).__name__, v))
            attributes[name] = distinct[0] if len(distinct) == 1 else JOIN.join(_text(v) for v in distinct)
        nodes[iri] = attributes

    node_types = _settle_types(nodes)
    stated_by, readings = _edge_provenance(engine)
    edge_list = []
    for number, (s, p, o) in enumerate(sorted(set(edges))):
        sections = sorted(label.get(section, section) for section in stated_by.get((s, p, o), ()))
        edge_list.append({"id": f"e{number}", "source": s, "target": o, "predicate": p,
                          "label": label.get(p, local_name(p)), "sections": JOIN.join(sections),
                          "curatorsReading": "true" if (s, p, o) in readings else "false"})
    return PropertyGraph(nodes, edge_list, node_types)


Link = tuple[str, str, str]


def _edge_provenance(engine: QueryEngine) -> tuple[dict[Link, set[str]], set[Link]]:
    """Which sections state each link between two IRIs (from the per-section graphs), and
    which links are marked as the curators' reading."""
    stated_by: dict[Link, set[str]] = {}
    for s, p, o, g in engine.query(f"""SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER(STRSTARTS(STR(?g), "{GRAPH_SECTION}") && isIRI(?s) && isIRI(?o)) }}""").rows:
        stated_by.setdefault((s.value, p.value, o.value), set()).add(str(SEC) + g.value[len(GRAPH_SECTION):])
    readings = {(s.value, p.value, o.value) for s, p, o in engine.query(f"""SELECT ?s ?p ?o WHERE {{
        GRAPH <{GRAPH_ASSERTED}> {{ ?r a <{NKHR}CuratorsReading> ; <{RDF_NS}subject> ?s ;
                                      <{RDF_NS}predicate> ?p ; <{RDF_NS}object> ?o }} }}""").rows}
    return stated_by, readings


def _attribute_names(predicates: set[str]) -> dict[str, str]:
    """Short, stable attribute names: the local name; on a clash with another property or a
    reserved name, prefixed with the namespace's prefix (``dcterms_source``). nkhr keeps the bare name."""
    by_name: dict[str, list[str]] = {}
    for p in predicates - RENAMED.keys():
        by_name.setdefault(local_name(p), []).append(p)
    names = {p: RENAMED[p] for p in predicates & RENAMED.keys()}
    for name, group in by_name.items():
        for p in group:
            bare = name not in RESERVED and name not in RENAMED.values() and (
                len(group) == 1 or p.startswith(str(NKHR)))
            names[p] = name if bare else f"{_prefix(p)}_{name}"
    return names


def _prefix(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return prefix
    return re.sub(r"\W+", "_", iri[:len(iri) - len(local_name(iri))]).strip("_")


def _most_specific(classes: list[str], superclasses: dict[str, set[str]]) -> str:
    """The most specific nkhr class (else any class), by short name; ties broken alphabetically."""
    own = [c for c in classes if c.startswith(str(NKHR))] or classes
    if not own:
        return "Thing"
    below = [c for c in own if not any(c in superclasses.get(other, ()) for other in own if other != c)]
    return local_name(sorted(below or own, key=local_name)[0])


def _text(value: Value) -> str:
    """A value as text: booleans as true/false, whole doubles without ".0" (46500, not 46500.0)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(value)
    return str(value)


def _json_value(value: Value) -> Value:
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53 else value


def _settle_types(nodes: dict[str, dict[str, Value]]) -> dict[str, str]:
    """One type per attribute over the whole graph; values are converted to it in place."""
    seen: dict[str, set[type]] = {}
    for attributes in nodes.values():
        for name, value in attributes.items():
            seen.setdefault(name, set()).add(type(value))
    kinds: dict[str, str] = {}
    for name, found in seen.items():
        if found == {bool}:
            kinds[name] = "boolean"
        elif found == {int}:
            kinds[name] = "long"
        elif found <= {int, float}:
            kinds[name] = "double"
        else:
            kinds[name] = "string"
    for attributes in nodes.values():
        for name, value in attributes.items():
            if kinds[name] == "double":
                attributes[name] = float(value)
            elif kinds[name] == "string" and not isinstance(value, str):
                attributes[name] = _text(value)
    order = list(FIXED_NODE_ATTRIBUTES) + sorted(n for n in kinds if n not in FIXED_NODE_ATTRIBUTES)
    return {name: kinds[name] for name in order if name in kinds}


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------

def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)   # typeshed: Any for a byte encoding
    return data + b"\n"


def to_graphml(graph: PropertyGraph) -> bytes:
    """GraphML (graphml.graphdrawing.org). Node ids are n0, n1... (GraphML ids are NMTOKENs); the IRI is ``iri``."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    root = ET.Element("graphml", {
        "xmlns": ns, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:schemaLocation": f"{ns} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"})
    node_keys = {name: f"n_{i}" for i, name in enumerate(graph.node_types)}
    edge_keys = {name: f"e_{i}" for i, name in enumerate(EDGE_ATTRIBUTES)}
    ET.SubElement(root, "key", {"id": "g_name", "for": "graph", "attr.name": "name", "attr.type": "string"})
    for name, key in node_keys.items():
        ET.SubElement(root, "key", {"id": key, "for": "node", "attr.name": name,
                                    "attr.type": graph.node_types[name]})
    for name, key in edge_keys.items():
        ET.SubElement(root, "key", {"id": key, "for": "edge", "attr.name": name, "attr.type": "string"})
    element = ET.SubElement(root, "graph", {"id": "nkhr", "edgedefault": "directed"})
    ET.SubElement(element, "data", {"key": "g_name"}).text = GRAPH_NAME
    ids = {iri: f"n{i}" for i, iri in enumerate(graph.nodes)}
    for iri, attributes in graph.nodes.items():
        node = ET.SubElement(element, "node", {"id": ids[iri]})
        for name, value in attributes.items():
            ET.SubElement(node, "data", {"key": node_keys[name]}).text = _text(value)
    for edge in graph.edges:
        item = ET.SubElement(element, "edge", {"id": edge["id"], "source": ids[edge["source"]],
                                               "target": ids[edge["target"]]})
        for name in EDGE_ATTRIBUTES:
            ET.SubElement(item, "data", {"key": edge_keys[name]}).text = edge[name]
    return _xml_bytes(root)


def to_gexf(graph: PropertyGraph) -> bytes:
    """GEXF 1.2 (gexf.net), Gephi's own format. ``label`` is the native label of nodes and edges."""
    ns = "http://www.gexf.net/1.2draft"
    root = ET.Element("gexf", {
        "xmlns": ns, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:schemaLocation": f"{ns} http://www.gexf.net/1.2draft/gexf.xsd", "version": "1.2"})
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "nkhr"
    ET.SubElement(meta, "description").text = GRAPH_NAME
    element = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static"})
    node_names = [name for name in graph.node_types if name != "label"]
    edge_names = [name for name in EDGE_ATTRIBUTES if name != "label"]
    declared = ET.SubElement(element, "attributes", {"class": "node", "mode": "static"})
    for i, name in enumerate(node_names):
        ET.SubElement(declared, "attribute", {"id": str(i), "title": name, "type": graph.node_types[name]})
    declared = ET.SubElement(element, "attributes", {"class": "edge", "mode": "static"})
    for i, name in enumerate(edge_names):
        ET.SubElement(declared, "attribute", {"id": str(i), "title": name, "type": "string"})
    node_ids = {name: str(i) for i, name in enumerate(node_names)}
    nodes = ET.SubElement(element, "nodes")
    for iri, attributes in graph.nodes.items():
        node = ET.SubElement(nodes, "node", {"id": iri, "label": _text(attributes["label"])})
        values = ET.SubElement(node, "attvalues")
        for name, value in attributes.items():
            if name != "label":
                ET.SubElement(values, "attvalue", {"for": node_ids[name], "value": _text(value)})
    edges = ET.SubElement(element, "edges")
    for edge in graph.edges:
        item = ET.SubElement(edges, "edge", {"id": edge["id"], "source": edge["source"],
                                             "target": edge["target"], "label": edge["label"]})
        values = ET.SubElement(item, "attvalues")
        for i, name in enumerate(edge_names):
            ET.SubElement(values, "attvalue", {"for": str(i), "value": edge[name]})
    return _xml_bytes(root)


def cytoscape_data(graph: PropertyGraph) -> dict[str, object]:
    """Cytoscape.js elements JSON; nodes also carry ``name`` (the label), which Cytoscape desktop shows,
    and ``value`` (the IRI again) and edges ``key`` (their id): what networkx's ``cytoscape_graph()``
    needs to read the file back as a MultiDiGraph."""
    return {
        "data": {"name": GRAPH_NAME},
        "directed": True,
        "multigraph": True,
        "elements": {
            "nodes": [{"data": {"id": iri, "value": iri, "name": attributes["label"],
                                **{k: _json_value(v) for k, v in attributes.items()}}}
                      for iri, attributes in graph.nodes.items()],
            "edges": [{"data": {**edge, "key": edge["id"]}} for edge in graph.edges],
        },
    }


def to_cytoscape(graph: PropertyGraph) -> bytes:
    """The JSON, with <, > and & escaped (as \\u003c...) so that it can sit inside an HTML script element."""
    text = json.dumps(cytoscape_data(graph), ensure_ascii=False, separators=(",", ":"))
    for char in "<>&":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return (text + "\n").encode("utf-8")


# Graphviz's own attribute names: a data attribute with one of these names is written as nkhr_<name>,
# so that data never sets a layout, an image file or a font.
GRAPHVIZ_ATTRIBUTES = frozenset(name.lower() for name in """
_background area arrowhead arrowsize arrowtail bb beautify bgcolor center charset class cluster
clusterrank color colorscheme comment compound concentrate constraint damping decorate defaultdist
dim dimen dir diredgeconstraints distortion dpi edgehref edgetarget edgetooltip edgeurl epsilon esep
fillcolor fixedsize fontcolor fontname fontnames fontpath fontsize forcelabels gradientangle group
head_lp headclip headhref headlabel headport headtarget headtooltip headurl height href id image
imagepath imagepos imagescale inputscale k label label_scheme labelangle labeldistance labelfloat
labelfontcolor labelfontname labelfontsize labelhref labeljust labelloc labeltarget labeltooltip
labelurl landscape layer layerlistsep layers layerselect layersep layout len levels levelsgap lhead
lheight linelength lp ltail lwidth margin maxiter mclimit mindist minlen mode model newrank nodesep
nojustify normalize notranslate nslimit nslimit1 oneblock ordering orientation outputorder overlap
overlap_scaling overlap_shrink pack packmode pad page pagedir pencolor penwidth peripheries pin pos
quadtree quantum radius rank rankdir ranksep ratio rects regular remincross repulsiveforce resolution
root rotate rotation samehead sametail samplepoints scale searchsize sep shape shapefile showboxes
sides size skew smoothing sortv splines start style stylesheet tail_lp tailclip tailhref taillabel
tailport tailtarget tailtooltip tailurl target tbbalance tooltip truecolor url vertices viewport
voro_margin weight width xdotversion xlabel xlp z
""".split())
DOT_OWN = {"label", "class"}


def dot_quote(value: Value) -> str:
    """A DOT quoted string: backslashes and double quotes escaped, line breaks as \\n."""
    text = _text(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def dot_attribute(name: str) -> str:
    return name if name in DOT_OWN or name.lower() not in GRAPHVIZ_ATTRIBUTES else f"nkhr_{name}"


def to_dot(graph: PropertyGraph) -> bytes:
    """Graphviz DOT. Every ID and value is quoted; the graph asks for the sfdp layout, which suits its size."""
    lines = [f"// {GRAPH_NAME}: {len(graph.nodes)} nodes, {len(graph.edges)} edges. "
             "Render with: dot -Tsvg graph.dot -o graph.svg",
             f"digraph {dot_quote('nkhr')} {{",
             f'  graph ["label"={dot_quote(GRAPH_NAME)}, "layout"="sfdp", "overlap"="prism", '
             '"outputorder"="edgesfirst"];',
             '  node ["shape"="box", "style"="rounded"];',
             '  edge ["fontsize"="8"];']
    for iri, attributes in graph.nodes.items():
        pairs = ", ".join(f"{dot_quote(dot_attribute(k))}={dot_quote(v)}" for k, v in attributes.items())
        lines.append(f"  {dot_quote(iri)} [{pairs}];")
    for edge in graph.edges:
        lines.append(f"  {dot_quote(edge['source'])} -> {dot_quote(edge['target'])} "
                     f"[\"id\"={dot_quote(edge['id'])}, \"label\"={dot_quote(edge['label'])}, "
                     f"\"predicate\"={dot_quote(edge['predicate'])}, \"sections\"={dot_quote(edge['sections'])}, "
                     f"\"curatorsReading\"={dot_quote(edge['curatorsReading'])}];")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


WRITERS: dict[str, Callable[[PropertyGraph], bytes]] = {"graphml": to_graphml, "gexf": to_gexf,
                                                        "cyjs": to_cytoscape, "dot": to_dot}


def render(graph: PropertyGraph, fmt: str) -> bytes:
    return WRITERS[fmt](graph)


def write_property_graph(fmt: Format, graph: PropertyGraph) -> bytes:
    """The writer of the property-graph formats in ``nkhr.formats``."""
    return WRITERS[fmt.name](graph)

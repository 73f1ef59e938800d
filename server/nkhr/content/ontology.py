"""The ontology page's data: classes with their hierarchy and the shapes' rules, and properties."""

from __future__ import annotations

from typing import Any

from rdflib import Graph
from rdflib.collection import Collection
from rdflib.namespace import SH

from ..query.engine import QueryEngine
from ..shapes import path_text
from ..vocab import GRAPH_ONTOLOGY, NKHR, PREFIXES, short


def ontology_overview(engine: QueryEngine) -> dict[str, Any]:
    def rows(query: str) -> list[list[str]]:
        return [[t.value if t is not None else "" for t in row]
                for row in engine.query(query, prefixes=PREFIXES).rows]
    header = rows(f"""SELECT ?title ?description ?version WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> {{
        <https://w3id.org/nkhr/ontology> dcterms:title ?title ; dcterms:description ?description ;
        owl:versionInfo ?version }} }}""")
    classes = rows(f"""SELECT ?c ?label ?comment (GROUP_CONCAT(DISTINCT STR(?super); separator=" ") AS ?supers) WHERE {{
        GRAPH <{GRAPH_ONTOLOGY}> {{ ?c a owl:Class ; rdfs:label ?label ; rdfs:comment ?comment .
        OPTIONAL {{ ?c rdfs:subClassOf ?super }} }} FILTER(STRSTARTS(STR(?c), "{NKHR}"))
        }} GROUP BY ?c ?label ?comment ORDER BY ?label""")
    properties = rows(f"""SELECT ?p ?label ?comment ?kind WHERE {{
        GRAPH <{GRAPH_ONTOLOGY}> {{ ?p a ?kind ; rdfs:label ?label ; rdfs:comment ?comment .
        FILTER(?kind IN (owl:ObjectProperty, owl:DatatypeProperty)) }}
        FILTER(STRSTARTS(STR(?p), "{NKHR}")) }} ORDER BY ?label""")
    return {"header": header[0] if header else ["", "", ""], "classes": classes, "properties": properties}


def ontology_docs(engine: QueryEngine, shapes_graph: Graph | None) -> dict[str, Any]:
    """Classes (with their place in the hierarchy and the shapes' constraints) and properties."""
    overview = ontology_overview(engine)
    constraints = class_constraints(shapes_graph) if shapes_graph is not None else {}
    overview["constraints"] = constraints
    return overview


def class_constraints(shapes: Graph) -> dict[str, list[dict[str, str]]]:
    """For each target class, the property constraints of its shapes, readable."""
    out: dict[str, list[dict[str, str]]] = {}
    for shape, target in shapes.subject_objects(SH.targetClass):
        rows = out.setdefault(str(target), [])
        for prop in shapes.objects(shape, SH.property):
            rule = []
            for name, predicate in (("at least", SH.minCount), ("at most", SH.maxCount)):
                value = shapes.value(prop, predicate)
                if value is not None:
                    rule.append(f"{name} {value}")
            for name, predicate in (("datatype", SH.datatype), ("class", SH["class"])):
                value = shapes.value(prop, predicate)
                if value is not None:
                    rule.append(f"{name} {short(value)}")
            listed = shapes.value(prop, SH["in"])
            if listed is not None:
                rule.append("one of " + ", ".join(short(v) for v in Collection(shapes, listed)))
            severity = shapes.value(prop, SH.severity)
            rows.append({
                "path": path_text(shapes, shapes.value(prop, SH.path)),
                "rule": "; ".join(rule),
                "message": str(shapes.value(prop, SH.message) or ""),
                "severity": "warning" if severity is not None and str(severity).endswith("Warning") else "violation",
            })
        message = shapes.value(shape, SH.message)
        if message is not None:
            rows.append({"path": "(the node itself)", "rule": "", "message": str(message), "severity": "violation"})
        rows.sort(key=lambda r: (r["path"], r["message"]))
    return out

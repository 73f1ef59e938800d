"""A summary of the ontology for its page: classes with their hierarchy, and properties."""

from __future__ import annotations

from .namespaces import GRAPH_ONTOLOGY, NKHR, PREFIXES

_P = "\n".join(f"PREFIX {k}: <{v}>" for k, v in PREFIXES.items())


def ontology_overview(engine) -> dict:
    def rows(query):
        return [[t.value if t is not None else "" for t in row] for row in engine.query(_P + query).rows]
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

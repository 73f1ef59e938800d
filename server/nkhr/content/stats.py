"""Counts that tell curators how much of the article the graph holds and where.

Computed with SPARQL on the built dataset, so they describe exactly what the endpoint serves.
"""

from __future__ import annotations

from ..query.engine import QueryEngine, QueryResult
from ..vocab import GRAPH_ASSERTED, NKHR

TRIPLES_PER_GRAPH = """
SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph ORDER BY ?graph
"""

INSTANCES_PER_CLASS = f"""
SELECT ?class (COUNT(DISTINCT ?x) AS ?instances) WHERE {{
  ?x a ?class . FILTER(STRSTARTS(STR(?class), "{NKHR}"))
}} GROUP BY ?class ORDER BY DESC(?instances) ?class
"""

FACTS_PER_SECTION = f"""
PREFIX nkhr: <{NKHR}>
PREFIX schema: <https://schema.org/>
SELECT ?section (COUNT(DISTINCT ?node) AS ?nodes) (COUNT(*) AS ?triples) WHERE {{
  ?section a nkhr:Section ; schema:position ?position .
  GRAPH <{GRAPH_ASSERTED}> {{ ?node nkhr:statedIn ?section ; ?p ?o . }}
}} GROUP BY ?section ?position ORDER BY ?position
"""

QUERIES = {
    "triples per graph": TRIPLES_PER_GRAPH,
    "instances per class": INSTANCES_PER_CLASS,
    "facts per article section (nodes naming the section, and their triples)": FACTS_PER_SECTION,
}


def compute(engine: QueryEngine) -> dict[str, QueryResult]:
    return {title: engine.query(query) for title, query in QUERIES.items()}

"""What the graph says about one resource: for its page and its RDF description.

The page shows every fact with where it comes from: the article sections whose named graph
holds that very triple (build/provenance.py), or "inferred" for OWL-RL entailments, and a
marker where the link is the curators' reading (nkhr:CuratorsReading) rather than the article's
statement. The sections that only mention the resource are listed apart. Then the resources
that link to it, and the claims about it with their quantity, certainty, attribution,
disputes and section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..query.engine import QueryEngine, QueryResult
from ..vocab import (
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_SECTION,
    NKHR,
    PREFIXES,
    RDF_TYPE,
    SCHEMA,
    SEC,
)
from .quantity import quantity_text

_P = "\n".join(f"PREFIX {k}: <{v}>" for k, v in PREFIXES.items())


def _iri(value: str) -> str:
    return "<" + value.replace(">", "%3E") + ">"


def exists(engine: QueryEngine, iri: str) -> bool:
    return bool(engine.query(f"ASK {{ {{ {_iri(iri)} ?p ?o }} UNION {{ ?s ?p {_iri(iri)} }} }}").boolean)


@dataclass
class Term:
    value: str
    label: str | None = None
    is_iri: bool = False
    language: str | None = None
    datatype: str | None = None
    reading: str | None = None     # as a claim's value: why the link is the curators' reading


@dataclass
class Fact:
    predicate: Term
    value: Term
    origin: str          # "asserted", "inferred" or "ontology"
    sections: list[Term] = field(default_factory=list)   # the sections that state this triple
    reading: str | None = None                           # why it is the curators' reading, when it is


@dataclass
class Claim:
    iri: str
    label: str
    details: dict[str, list[Term]] = field(default_factory=dict)   # property label -> its values
    quantity: str = ""                            # "about 80,000–120,000 people", as on the claims page


@dataclass
class Description:
    iri: str
    label: str | None
    comment: str | None
    types: list[Term]
    sections: list[Term]
    facts: list[Fact]
    incoming: list[tuple[Term, Term]]
    claims: list[Claim]
    mentions: list[Term] = field(default_factory=list)   # sections that mention it and state none of its facts


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal | None, label: ox.Literal | None = None) -> Term:
    if term is None:
        return Term("")
    if isinstance(term, ox.NamedNode):
        return Term(term.value, label.value if label is not None else None, is_iri=True)
    if isinstance(term, ox.BlankNode):
        return Term("_:" + term.value)
    return Term(term.value, None, language=term.language,
                datatype=None if term.language else term.datatype.value)


def _label_pattern(var: str) -> str:
    return (f"OPTIONAL {{ {{ SELECT ?{var} (SAMPLE(?l_{var}) AS ?{var}_label) WHERE {{ "
            f"?{var} rdfs:label|skos:prefLabel ?l_{var} }} GROUP BY ?{var} }} }}")


ORIGINS = {GRAPH_ASSERTED: "asserted", GRAPH_INFERRED: "inferred", GRAPH_ONTOLOGY: "ontology"}


def describe(engine: QueryEngine, iri: str) -> Description:
    x = _iri(iri)
    rows = engine.query(f"""{_P}
        SELECT ?p ?o ?g ?p_label ?o_label WHERE {{
          GRAPH ?g {{ {x} ?p ?o }}
          {_label_pattern('p')} {_label_pattern('o')}
        }} ORDER BY ?p ?o""").rows
    seen, facts = {}, []
    for p, o, g, p_label, o_label in rows:
        key = (str(p), str(o))
        origin = ORIGINS.get(g.value, "asserted")
        if key in seen:          # the same triple in two graphs: show it once, asserted first
            continue
        seen[key] = origin
        facts.append(Fact(_term(p, p_label), _term(o, o_label), origin))
    label = next((f.value.value for f in facts if f.predicate.value.endswith(("#label", "#prefLabel"))), None)
    comment = next((f.value.value for f in facts if f.predicate.value.endswith(("#comment", "#definition"))), None)
    types = [f.value for f in facts if f.predicate.value == RDF_TYPE
             and f.origin != "inferred"]
    sections = [f.value for f in facts if f.predicate.value == str(NKHR.statedIn)]
    stated = {s.value for s in sections}
    mentions = [f.value for f in facts if f.predicate.value == str(NKHR.mentionedIn) and f.value.value not in stated]
    by_triple = {(f.predicate.value, f.value.value): f for f in facts}
    for p, o, section, section_label in engine.query(f"""{_P}
        SELECT ?p ?o ?section ?section_label WHERE {{
          GRAPH ?g {{ {x} ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH_SECTION}"))
          BIND(IRI(CONCAT("{SEC}", STRAFTER(STR(?g), "{GRAPH_SECTION}"))) AS ?section)
          OPTIONAL {{ ?section rdfs:label ?section_label }}
        }} ORDER BY ?section""").rows:
        fact = by_triple.get((p.value, o.value))
        if fact is not None:
            fact.sections.append(_term(section, section_label))
    for p, o, why in engine.query(readings_query(x)).rows:
        fact = by_triple.get((p.value, o.value))
        if fact is not None:
            fact.reading = why.value if why is not None else "the curators' reading"
    incoming_rows = engine.query(f"""{_P}
        SELECT DISTINCT ?s ?p ?s_label ?p_label WHERE {{
          GRAPH ?g {{ ?s ?p {x} }} FILTER(?g != <{GRAPH_INFERRED}>)
          {_label_pattern('s')} {_label_pattern('p')}
        }} ORDER BY ?p ?s LIMIT 500""").rows
    incoming = [(_term(s, sl), _term(p, pl)) for s, p, sl, pl in incoming_rows]
    return Description(iri, label, comment, types, sections, facts, incoming, claims_about(engine, iri),
                       mentions)


def readings_query(subject: str) -> str:
    """The links of ``subject`` (a SPARQL term) marked as the curators' reading, and why."""
    return f"""{_P}
        SELECT ?p ?o ?why WHERE {{
          ?reading a nkhr:CuratorsReading ; rdf:subject {subject} ; rdf:predicate ?p ; rdf:object ?o .
          OPTIONAL {{ ?reading rdfs:comment ?why }}
        }}"""


def claims_about(engine: QueryEngine, iri: str) -> list[Claim]:
    rows = engine.query(f"""{_P}
        SELECT ?claim ?claim_label ?p ?o ?p_label ?o_label WHERE {{
          GRAPH <{GRAPH_ASSERTED}> {{ ?claim nkhr:about {_iri(iri)} ; a ?type ; ?p ?o . }}
          FILTER(?type IN (nkhr:Claim, nkhr:Rating))
          FILTER(?p NOT IN (rdf:type, nkhr:about))
          OPTIONAL {{ ?claim rdfs:label ?claim_label }}
          {_label_pattern('p')} {_label_pattern('o')}
        }} ORDER BY ?claim ?p ?o""").rows
    claims: dict[str, Claim] = {}
    amounts: dict[str, dict[str, str]] = {}
    values: dict[tuple[str, str, str], Term] = {}
    for claim, claim_label, p, o, p_label, o_label in rows:
        entry = claims.setdefault(claim.value, Claim(claim.value, claim_label.value if claim_label else claim.value))
        if p.value.endswith("#label"):
            continue
        if p.value in _QUANTITY_PARTS:
            part = _QUANTITY_PARTS[p.value]
            if part != "unit":
                amounts.setdefault(claim.value, {})[part] = o.value
            elif o_label is not None:          # a unit is shown by its label, or not at all
                amounts.setdefault(claim.value, {})[part] = o_label.value
        name = p_label.value if p_label is not None else p.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        value = _term(o, o_label)
        entry.details.setdefault(name, []).append(value)
        values[(claim.value, p.value, o.value)] = value
    for claim, p, o, why in engine.query(f"""{_P}
        SELECT ?claim ?p ?o ?why WHERE {{
          ?claim nkhr:about {_iri(iri)} .
          ?reading a nkhr:CuratorsReading ; rdf:subject ?claim ; rdf:predicate ?p ; rdf:object ?o .
          OPTIONAL {{ ?reading rdfs:comment ?why }}
        }}""").rows:
        if (claim.value, p.value, o.value) in values:
            values[(claim.value, p.value, o.value)].reading = why.value if why is not None else "the curators' reading"
    for iri, parts in amounts.items():
        claims[iri].quantity = quantity_text(parts.get("value"), parts.get("min"), parts.get("max"),
                                             parts.get("at_least") == "true", parts.get("approximate") == "true",
                                             parts.get("unit", ""))
    return list(claims.values())


# The properties that make up a claim's quantity, read together into one phrase.
_QUANTITY_PARTS = {str(SCHEMA.value): "value", str(SCHEMA.minValue): "min", str(SCHEMA.maxValue): "max",
                   str(NKHR.atLeast): "at_least", str(NKHR.approximate): "approximate",
                   str(SCHEMA.unitCode): "unit"}


def description_graph(engine: QueryEngine, iri: str) -> QueryResult:
    """The RDF served for a resource: its own triples, the triples pointing at it, and its claims."""
    x = _iri(iri)
    return engine.query(f"""{_P}
        CONSTRUCT {{ {x} ?p ?o . ?s ?q {x} . ?claim ?cp ?co . }} WHERE {{
          {{ {x} ?p ?o }}
          UNION {{ ?s ?q {x} }}
          UNION {{ ?claim nkhr:about {x} ; ?cp ?co }}
        }}""")

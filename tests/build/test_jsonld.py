"""The JSON-LD writer writes, directly, the bytes the reference route gives: Oxigraph's expanded
JSON-LD, compacted with the project's prefixes and indented by ``json.dumps`` (the writer the
dumps had until it took most of the write stage at scale)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from bench.synthetic import generate

from nkhr.serialize import make_dataset, triples_bytes, triples_of
from nkhr.vocab import PREFIXES

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def reference_jsonld(triples: list[ox.Triple], prefixes: dict[str, str]) -> bytes:
    expanded = ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
    by_length, compacted = sorted(prefixes.items(), key=lambda item: -len(item[1])), {}

    def compact_iri(iri: str) -> str:
        if iri not in compacted:
            compacted[iri] = iri
            for prefix, namespace in by_length:
                rest = iri[len(namespace):]
                if iri.startswith(namespace) and rest and not rest.startswith("//"):
                    compacted[iri] = f"{prefix}:{rest}"
                    break
        return compacted[iri]

    def single(values: list):
        return values[0] if len(values) == 1 else values

    def compact_node(node: dict) -> dict:
        out = {"@id": compact_iri(node["@id"])}
        types = node.get(_RDF_TYPE, [])
        if types and all(set(value) == {"@id"} for value in types):
            out["@type"] = single([compact_iri(value["@id"]) for value in types])
        for key, values in node.items():
            if key != "@id" and not (key == _RDF_TYPE and "@type" in out):
                out[compact_iri(key)] = single([
                    {k: (compact_iri(v) if k in ("@id", "@type") else v) for k, v in value.items()}
                    for value in values])
        return out

    document = {"@context": dict(sorted(prefixes.items())), "@graph": [compact_node(n) for n in json.loads(expanded)]}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


AWKWARD = """
@prefix ex: <https://example.org/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:s a ex:A , ex:B ; ex:text "two lines\\n\\"quoted\\" back\\\\slash \\u00e9 \\u2028", "Kwan-li-so"@en-GB ;
     ex:year "1990"^^xsd:gYear ; ex:count 15 ; ex:flag true ; ex:list ( ex:a [ ex:b "nested" ] ) ;
     ex:link <https://example.org/id/People%27s_(Republic)> , <https://example.org/ns#> .
[] ex:about ex:s ; a [ ex:c "typed by a blank node" ] .
ex:t a "a literal type" .
"""


def sorted_triples(data: str) -> list[ox.Triple]:
    graph = [q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE)]
    return triples_of(make_dataset({"https://example.org/g": graph}))


@pytest.mark.parametrize("data", [AWKWARD, "", generate(3_000, seed=5)], ids=["awkward", "empty", "synthetic"])
def test_the_writer_gives_the_reference_bytes(data):
    prefixes = {**PREFIXES, "ex": "https://example.org/ns#"}
    triples = sorted_triples(data)
    assert triples_bytes(triples, "jsonld", prefixes) == reference_jsonld(triples, prefixes)


def test_the_writer_gives_the_reference_bytes_on_the_article(built):
    union = triples_of(make_dataset(built.graphs))
    assert triples_bytes(union, "jsonld") == reference_jsonld(union, PREFIXES)

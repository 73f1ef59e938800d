"""Every XML answer is well-formed, even when a literal holds a character XML 1.0 cannot carry.

RDF literals may hold U+0008 or U+000C (a query writes them as "\\b" and "\\f"); XML 1.0 has no
way to write them, not even as a character reference. Such an answer in SPARQL XML results,
RDF/XML or GraphML is refused with a 406 that says which character and what to ask for instead;
JSON and Turtle carry it as an escape. Every other XML answer parses.
"""

from __future__ import annotations

from xml.dom.minidom import parseString

import pytest
import requests

SELECT = 'SELECT ?x WHERE { VALUES ?x { "bell\\bform\\ffeed" "plain" } }'
CONSTRUCT = 'CONSTRUCT { <http://x/s> <http://x/p> ?x } WHERE { VALUES ?x { "bell\\bform\\ffeed" } }'


def ask(server, query: str, accept: str) -> requests.Response:
    return requests.post(server.url + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=30)


@pytest.mark.parametrize("query,accept", [(SELECT, "application/sparql-results+xml"),
                                          (CONSTRUCT, "application/rdf+xml")])
def test_an_answer_xml_cannot_carry_is_a_406_naming_the_character(server, query, accept):
    response = ask(server, query, accept)
    assert response.status_code == 406, response.text
    assert "U+0008" in response.text and "instead" in response.text


@pytest.mark.parametrize("query,accept,escaped", [(SELECT, "application/sparql-results+json", "\\b"),
                                                  (CONSTRUCT, "text/turtle", "\\b")])
def test_the_same_answer_comes_in_json_and_turtle(server, query, accept, escaped):
    response = ask(server, query, accept)
    assert response.status_code == 200 and escaped in response.text


@pytest.mark.parametrize("query,accept", [
    ('SELECT ?x WHERE { VALUES ?x { "tab\\tnew\\nline &<>\\"" "조선" } }', "application/sparql-results+xml"),
    ('CONSTRUCT { <http://x/s> <http://x/p> ?x } WHERE { VALUES ?x { "tab\\tline &<>" } }', "application/rdf+xml"),
])
def test_every_other_xml_answer_is_well_formed(server, query, accept):
    response = ask(server, query, accept)
    assert response.status_code == 200
    parseString(response.content)

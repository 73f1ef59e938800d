"""Bad build inputs: each gives the file, the line where the problem starts and a sentence,
never a traceback; what XML cannot carry is refused, so the RDF/XML dump is well-formed; the
closure's generalized triples (literal subjects) are neither validated nor published."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pyoxigraph as ox
import pytest
from rdflib import Literal

from nkhr.build.fastreason import fast_closure
from nkhr.build.load import MAX_LITERAL_CHARS, SourceError, load_files, parse_file
from nkhr.build.reason import owl_rl_closure
from nkhr.serialize import make_dataset, triples_bytes, triples_of

S, P = "<https://example.org/s>", "<https://example.org/p>"
CASES = {
    "an IRI with a space": (f'{S} {P} "fine" .\n<https://example.org/a b> {P} "x" .\n', 2, "Invalid IRI code point"),
    "a lone surrogate": (f'{S} {P} "fine" .\n\n{S} {P} "\\uD800" .\n', 3, "not a valid unicode character"),
    "an unterminated long string": (f'{S} {P} "fine" .\n{S} {P} """opened here\nand\nnever closed .\n{S} {P} "x" .\n',
                                    2, "never closed"),
    "a control character XML cannot carry": (f'{S} {P} "fine" .\n{S} {P} "bell\\u0007" .\n', 2, "U+0007"),
    "a raw control character": (f'{S} {P} "fine" .\n{S} {P} "escape\x1b" .\n', 2, "U+001B"),
    "a 50 MB literal": (f'{S} {P} "fine" .\n\n{S} {P} "{"x" * 50_000_000}" .\n', 3, "at most 1,000,000 characters"),
    "a literal just over the limit": (f'{S} {P} "{"y" * (MAX_LITERAL_CHARS + 1)}" .\n', 1, "at most 1,000,000"),
    "an ill-typed number": (f'@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n{S} {P} "many"^^xsd:integer .\n',
                            2, "is not a valid"),
    "a date that does not exist": (f'@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n{S} {P} 15 .\n'
                                   f'{S} {P} "2023-02-29"^^xsd:date .\n', 3, "is not a valid"),
    "a decimal typed as an integer": (f'@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                                      f'{S} {P} "1.5"^^xsd:integer .\n', 2, "is not a valid"),
}


# The loader's shortcut for the plainest integers and dates (load._plainly_valid) against rdflib,
# which judges the rest: never valid where rdflib says ill-typed.
LEXICAL_FORMS = ["15", "-3", "+7", "007", "1_000", "1.5", " 5", "9" * 30, "", "٣", "2024-02-29", "2023-02-29",
                 "2024-13-01", "0000-01-01", "2024-1-01", "2024-01-01Z", "2024-01-01 ", "99999-01-01"]


@pytest.mark.parametrize("lexical", LEXICAL_FORMS)
@pytest.mark.parametrize("datatype", ["integer", "date"])
def test_the_shortcut_for_plain_values_agrees_with_rdflib(lexical, datatype):
    from rdflib import Literal, URIRef

    from nkhr.build.load import _plainly_valid
    iri = "http://www.w3.org/2001/XMLSchema#" + datatype
    if _plainly_valid(lexical, iri):
        assert not Literal(lexical, datatype=URIRef(iri)).ill_typed


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_input_names_file_line_and_says_why(tmp_path, case):
    text, line, words = CASES[case]
    path = tmp_path / "bad.ttl"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with pytest.raises(SourceError) as caught:
        parse_file(path, "data/bad.ttl")
    assert (caught.value.path, caught.value.line) == ("data/bad.ttl", line), str(caught.value)
    assert str(caught.value).startswith(f"data/bad.ttl:{line}: ") and words in str(caught.value)


def test_nkhr_build_reports_a_bad_input_without_a_traceback(project_copy):
    (project_copy.data_dir / "bad.ttl").write_text(CASES["a lone surrogate"][0], encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "nkhr", "--project", str(project_copy.root), "build"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "error: data/bad.ttl:3: " in done.stderr


def test_tabs_and_line_breaks_are_kept(tmp_path):
    path = tmp_path / "fine.ttl"
    path.write_text(f'{S} {P} "a\\tb\\nc\\r" .\n', encoding="utf-8")
    assert {str(o) for o in parse_file(path, "fine.ttl").objects()} == {"a\tb\nc\r"}


def test_the_rdf_xml_dump_is_well_formed_xml(built):
    union = triples_of(make_dataset(built.graphs))
    root = ElementTree.fromstring(triples_bytes(union, "rdfxml"))
    assert len(root) > 1000


def test_generalized_triples_are_neither_validated_nor_published(project):
    """Literals where nodes belong (the shape fixtures) are typed by rdfs:range: owlrl derives
    triples with a literal subject; the build keeps none of them."""
    ontology = load_files(project.ontology_files(), project.relative)
    paths = [project.data_dir / "source.ttl", *sorted((project.root / "tests" / "fixtures" / "shapes").glob("*.ttl"))]
    data = load_files(paths, project.relative)
    reference = owl_rl_closure(ontology.graph, data.graph)
    assert any(isinstance(s, Literal) for s, _, _ in reference.full)        # there are some to drop
    closure = fast_closure(ontology.triples, data.triples)
    validated = list(closure.validated())
    assert len(validated) >= len(data.triples)
    assert all(isinstance(q.subject, (ox.NamedNode, ox.BlankNode)) for q in validated)
    published = make_dataset({"https://example.org/inferred": closure.inferred_triples,
                              "https://example.org/asserted": data.triples})
    assert published and all(isinstance(q.subject, (ox.NamedNode, ox.BlankNode)) for q in published)
    assert not any(isinstance(s, Literal) for s, _, _ in closure.full)

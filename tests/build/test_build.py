"""The build and the command line, run as a user runs them: as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from nkhr import formats
from nkhr.build.load import rdflib_graph
from nkhr.build.pipeline import run_build
from nkhr.built import DUMP_FORMATS, dump_name
from nkhr.formats import Kind
from nkhr.project import Project
from nkhr.serialize import dataset_bytes, graph_bytes, make_dataset
from nkhr.vocab import GRAPH_ASSERTED, GRAPH_ONTOLOGY, GRAPHS


def nkhr(project_root: Path, *args: str, check: bool = False, hash_seed: str = "random") -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nkhr", "--project", str(project_root), *args],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONHASHSEED": hash_seed})
    if check and done.returncode != 0:
        raise AssertionError(f"nkhr {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


def snapshot(dist: Path) -> dict[str, bytes]:
    """Every file of a build but its timings; the query store (a folder) is derived from dataset.nq."""
    return {p.name: p.read_bytes() for p in sorted(dist.iterdir()) if p.is_file() and p.name != "timings.json"}


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory, project):
    """One project copy with a finished build, shared by the read-only tests below."""
    import shutil
    root = tmp_path_factory.mktemp("built")
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project.root / name, root / name)
    done = nkhr(root, "build", check=True, hash_seed="1")
    return root, done


def test_build_reports_conformance_and_writes_every_artifact(built_copy):
    root, done = built_copy
    assert "The data conforms" in done.stdout
    assert "OWL-RL closure" in done.stderr and "SHACL" in done.stderr   # progress goes to stderr
    names = {p.name for p in (root / "dist").iterdir()}
    assert {"asserted.ttl", "dataset.trig", "dataset.nq", "dataset.ttl", "dataset.nt", "dataset.jsonld",
            "dataset.rdf", "shacl-report.ttl", "shacl-report.txt", "build.json", "timings.json"} <= names
    metadata = json.loads((root / "dist" / "build.json").read_text())
    assert set(metadata["default_graphs"]) == set(GRAPHS) < set(metadata["graphs"])   # + one graph per section
    assert all(count > 0 for count in metadata["graphs"].values())
    assert metadata["conforms"] is True
    timings = json.loads((root / "dist" / "timings.json").read_text())
    assert {"parse", "reason", "validate", "write"} <= set(timings)
    # Far under the in-memory limit, the article is served from dataset.nq: it has no query store.
    assert metadata["store"] is False and "store" not in names and "store" not in timings


def test_a_finished_build_ends_with_all_its_output_and_exit_code_0(built_copy):
    """The command ends a finished build without the interpreter's teardown (cli.run): nothing it
    wrote to either stream is lost, up to the last warning."""
    root, done = built_copy
    report = (root / "dist" / "shacl-report.txt").read_text(encoding="utf-8")
    warnings = report.count("\nWarning: ")
    assert done.returncode == 0 and warnings > 0
    assert done.stdout.endswith(f"{warnings} warning(s).\n")
    assert done.stderr.count("Warning: ") == warnings
    last_message = report.rstrip("\n").rsplit("\n", 1)[-1].strip()
    assert done.stderr.rstrip("\n").endswith(last_message)


def test_dataset_dump_keeps_the_three_named_graphs(built_copy):
    root, _ = built_copy
    dataset = Dataset()
    dataset.parse(root / "dist" / "dataset.trig", format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert set(GRAPHS) <= names


def test_two_builds_of_the_same_input_are_byte_identical(built_copy, project_copy):
    """Under another hash seed, so that no set or dict order leaks into a file."""
    root, _ = built_copy
    nkhr(project_copy.root, "build", check=True, hash_seed="2")
    assert snapshot(root / "dist") == snapshot(project_copy.root / "dist")


# RDF 1.1 has one term for "x" and "x"^^xsd:string; rdflib has two, and the writers write the first.
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def _rdf11(term):
    return Literal(str(term)) if isinstance(term, Literal) and term.datatype == XSD_STRING else term


def assert_same_graph(written, expected, what: str) -> None:
    """The same triples, each term with its datatype or language; blank nodes up to renaming.
    ``expected`` may be the build's own pyoxigraph triples."""
    if not isinstance(expected, Graph):
        expected = rdflib_graph(expected)
    written = [tuple(_rdf11(t) for t in triple) for triple in written]
    expected = [tuple(_rdf11(t) for t in triple) for triple in expected]
    ground = [{t for t in triples if not any(isinstance(n, BNode) for n in t)} for triples in (written, expected)]
    assert ground[0] == ground[1], f"{what}: {len(ground[0] - ground[1])} extra, {len(ground[1] - ground[0])} missing"
    blank = [Graph() for _ in range(2)]
    for graph, triples in zip(blank, (written, expected), strict=True):
        for triple in triples:
            if any(isinstance(n, BNode) for n in triple):
                graph.add(triple)
    assert isomorphic(*blank), f"{what}: the triples with blank nodes differ"


def test_every_file_holds_exactly_what_the_build_made(built_copy):
    """Each dump, read back by rdflib, is the three graphs (or their union), datatypes and all."""
    root, _ = built_copy
    result = run_build(Project(root))
    dist = root / "dist"
    for fmt in DUMP_FORMATS:
        media_type = formats.get(fmt).media_type
        if formats.get(fmt).kind is Kind.DATASET:
            dataset = Dataset()
            dataset.parse(dist / dump_name(fmt), format=media_type)
            for name, graph in result.graphs.items():
                assert_same_graph(dataset.graph(URIRef(name)), graph, f"{dump_name(fmt)} <{name}>")
        else:
            union = [t for graph in result.graphs.values() for t in graph]
            assert_same_graph(Graph().parse(dist / dump_name(fmt), format=media_type), union, dump_name(fmt))
    for name, graph in (("asserted.ttl", result.graphs[GRAPH_ASSERTED]),
                        ("ontology.ttl", result.graphs[GRAPH_ONTOLOGY]),
                        ("shapes.ttl", result.shapes), ("shacl-report.ttl", result.report.graph)):
        assert_same_graph(Graph().parse(dist / name, format="turtle"), graph, name)


AWKWARD = r"""
@prefix ex: <https://example.org/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:s ex:text "two lines\n}\n@prefix x: <y> .\n\tindented \"quoted\" back\\slash", "Kwan-li-so No. 15"@en-GB ;
     ex:year "1990"^^xsd:gYear ; ex:month "1990-05"^^xsd:gYearMonth ; ex:day "1990-05-01"^^xsd:date ;
     ex:count 15 ; ex:share 1.50 ; ex:ratio 1.5e3 ; ex:flag true ; ex:plain "x"^^xsd:string ;
     ex:list ( ex:a [ ex:b "nested" ] ) ;
     ex:link <https://example.org/id/People%27s_(Republic)> , <https://example.org/ns#> .
[] ex:about ex:s .
"""


@pytest.mark.parametrize("fmt", [f.name for f in formats.of_kind(Kind.GRAPH, Kind.DATASET)])
def test_writers_keep_line_breaks_datatypes_and_blank_nodes(fmt):
    graph = Graph().parse(data=AWKWARD, format="turtle")
    media_type = formats.get(fmt).media_type
    if formats.get(fmt).kind is Kind.DATASET:
        dataset = Dataset()
        dataset.parse(data=dataset_bytes(make_dataset({"https://example.org/g": graph}), fmt), format=media_type)
        assert_same_graph(dataset.graph(URIRef("https://example.org/g")), graph, fmt)
    else:
        assert_same_graph(Graph().parse(data=graph_bytes(graph, fmt), format=media_type), graph, fmt)


def test_a_broken_turtle_file_names_file_and_line_and_leaves_dist_alone(project_copy):
    nkhr(project_copy.root, "build", check=True)
    before, target = snapshot(project_copy.dist_dir), project_copy.dist_dir.resolve()
    broken = project_copy.data_dir / "broken.ttl"
    broken.write_text('@prefix kg: <https://w3id.org/nkhr/id/> .\n\nkg:a kg:b "no closing quote .\n')
    done = nkhr(project_copy.root, "build")
    assert done.returncode == 3
    assert "data/broken.ttl:3" in done.stderr
    assert project_copy.dist_dir.resolve() == target and snapshot(project_copy.dist_dir) == before


def test_a_shape_violation_names_node_file_path_and_message_and_leaves_dist_alone(project_copy):
    nkhr(project_copy.root, "build", check=True)
    before = snapshot(project_copy.dist_dir)
    (project_copy.data_dir / "bad-claim.ttl").write_text("""
@prefix nkhr: <https://w3id.org/nkhr/ontology#> .
@prefix kg: <https://w3id.org/nkhr/id/> .
@prefix sec: <https://w3id.org/nkhr/id/section/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kg:claim-without-certainty a nkhr:Claim ;
    rdfs:label "A claim that forgot its certainty"@en ;
    nkhr:about kg:north-korea ;
    nkhr:statedIn sec:Prisons .
""")
    done = nkhr(project_copy.root, "build")
    assert done.returncode == 4
    assert "Violation: kg:claim-without-certainty" in done.stderr
    assert "data/bad-claim.ttl" in done.stderr
    assert "nkhr:certainty" in done.stderr
    assert "A claim has exactly one nkhr:certainty" in done.stderr
    assert snapshot(project_copy.dist_dir) == before


def test_an_inconsistent_graph_fails_with_the_validation_exit_code(project_copy):
    (project_copy.data_dir / "clash.ttl").write_text("""
@prefix nkhr: <https://w3id.org/nkhr/ontology#> .
<https://w3id.org/nkhr/id/kim-il-sung> a nkhr:Document .
""")
    done = nkhr(project_copy.root, "validate")
    assert done.returncode == 4
    assert "inconsistent" in done.stderr


def test_validate_writes_nothing(project_copy):
    done = nkhr(project_copy.root, "validate")
    assert done.returncode == 0, done.stderr
    assert "conforms" in done.stdout
    assert not project_copy.dist_dir.exists()


def test_validate_can_check_a_subset_of_files(project_copy):
    data = project_copy.data_dir
    done = nkhr(project_copy.root, "validate", "--data", str(data / "source.ttl"),
                "--data", str(data / "common.ttl"))
    assert done.returncode == 0, done.stderr
    assert "parsed 3 ontology and 2 data files" in done.stderr


def test_query_by_name_and_by_file_in_each_format(built_copy, tmp_path):
    root, _ = built_copy
    rq = tmp_path / "camps.rq"
    rq.write_text("PREFIX nkhr: <https://w3id.org/nkhr/ontology#>\n"
                  "SELECT ?n WHERE { ?c a nkhr:PoliticalPrisonCamp ; nkhr:facilityNumber ?n } ORDER BY ?n")
    table = nkhr(root, "query", str(rq), check=True).stdout
    assert "15" in table and "(7 rows)" in table
    as_json = json.loads(nkhr(root, "query", str(rq), "--format", "json", check=True).stdout)
    numbers = [int(b["n"]["value"]) for b in as_json["results"]["bindings"]]
    assert numbers == [12, 14, 15, 16, 18, 22, 25]
    csv_lines = nkhr(root, "query", str(rq), "--format", "csv", check=True).stdout.splitlines()
    assert csv_lines[0] == "n" and csv_lines[1:] == [str(n) for n in numbers]
    tsv_lines = nkhr(root, "query", str(rq), "--format", "tsv", check=True).stdout.splitlines()
    assert tsv_lines[0] == "?n" and len(tsv_lines) == 8


def test_query_with_a_syntax_error_says_so(built_copy, tmp_path):
    root, _ = built_copy
    rq = tmp_path / "bad.rq"
    rq.write_text("SELECT ?x WHERE { ?x ")
    done = nkhr(root, "query", str(rq))
    assert done.returncode != 0 and "not valid SPARQL" in done.stderr


@pytest.mark.parametrize("fmt,parser,quads", [
    ("turtle", "turtle", False), ("nt", "nt", False), ("jsonld", "json-ld", False),
    ("xml", "xml", False), ("trig", "trig", True), ("nquads", "nquads", True),
])
def test_export_in_every_format_parses_back(built_copy, tmp_path, fmt, parser, quads):
    root, _ = built_copy
    out = tmp_path / f"export.{fmt}"
    nkhr(root, "export", "--format", fmt, "-o", str(out), check=True)
    metadata = json.loads((root / "dist" / "build.json").read_text())
    if quads:
        dataset = Dataset()
        dataset.parse(out, format=parser)
        assert sum(1 for _ in dataset.quads()) == sum(metadata["graphs"].values())   # the section graphs too
    else:
        graph = Graph()
        graph.parse(out, format=parser)
        assert 0.9 * metadata["triples"] < len(graph) <= metadata["triples"]


def test_stats_counts_graphs_classes_and_sections(built_copy):
    root, _ = built_copy
    out = nkhr(root, "stats", check=True).stdout
    assert "triples per graph" in out and "graph/asserted" in out
    assert "nkhr:PoliticalPrisonCamp" in out
    assert "sec:Internment_camps_for_political_prisoners" in out


def test_every_command_has_help():
    for command in ("build", "validate", "query", "export", "stats"):
        done = subprocess.run([sys.executable, "-m", "nkhr", command, "--help"],
                              capture_output=True, text=True)
        assert done.returncode == 0 and "Usage:" in done.stdout


def test_the_loader_reports_an_ill_typed_value_with_its_file_and_line(tmp_path):
    from nkhr.build.load import SourceError, parse_file
    path = tmp_path / "bad.ttl"
    path.write_text('@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n'
                    '<https://example.org/a> <https://example.org/n> "many"^^xsd:integer .\n')
    with pytest.raises(SourceError) as caught:
        parse_file(path, "data/bad.ttl")
    assert str(caught.value).startswith("data/bad.ttl:3: the value") and "is not a valid" in str(caught.value)


def test_the_loader_keeps_blank_nodes_of_two_files_apart_and_their_prefixes(tmp_path):
    from nkhr.build.load import load_files, parse_file
    for name in ("one", "two"):
        (tmp_path / f"{name}.ttl").write_text(f'@prefix ex: <https://example.org/> .\nex:{name} ex:p _:b .\n'
                                              f'_:b ex:q "{name}" .\n')
    loaded = load_files(sorted(tmp_path.glob("*.ttl")), lambda path: path.name)
    assert len({o for o in loaded.graph.objects(None, URIRef("https://example.org/p"))}) == 2
    assert loaded.files_for(URIRef("https://example.org/one")) == ["one.ttl"]
    assert ("ex", URIRef("https://example.org/")) in set(parse_file(tmp_path / "one.ttl", "one.ttl").namespaces())


@pytest.mark.parametrize("turtle", [
    '<https://example.org/a> <https://example.org/b> '
    '<<( <https://example.org/a> <https://example.org/b> <https://example.org/c> )>> .',
    '<https://example.org/a> <https://example.org/b> "x"@en--ltr .',
])
def test_the_loader_refuses_rdf_1_2_as_rdflib_does(tmp_path, turtle):
    """Oxigraph reads RDF 1.2 triple terms and text directions; rdflib, the reasoner and pyshacl do not."""
    from nkhr.build.load import SourceError, parse_file
    path = tmp_path / "new.ttl"
    path.write_text(turtle + "\n")
    with pytest.raises(SourceError, match="^data/new.ttl:1: "):
        parse_file(path, "data/new.ttl")

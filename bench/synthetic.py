"""Synthetic data shaped like ours, to measure how the build and the endpoint hold up as it grows.

``generate(n)`` writes about ``n`` triples of Turtle (never fewer, at most one cluster more):
clusters of a detention facility with its area, prisoner and death figures (values, ranges,
lower bounds, approximations, dates), a person, an organisation, a document, an event with its
date, place, roles and document, and a practice, plus attributed claims with certainty,
disputes and contradictions, all stated in the real sections of ``data/source.ttl``. It uses
only the project's own terms and concepts (certainty, quantity kinds, units, rights, sections),
so the output conforms to ``ontology/shapes.ttl`` once reasoned over. The same ``n`` and
``seed`` give the same bytes. Labels are made-up placeholders, not text from any source.

The output needs the ontology files and ``data/source.ttl`` beside it (the sections); it does
not depend on the rest of ``data/``, so it can be built alone or added to the article's data.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

ROOT = Path(__file__).resolve().parents[1]
NKHR = "https://w3id.org/nkhr/ontology#"
KG = "https://w3id.org/nkhr/id/"

PREFIXES = """\
@prefix nkhr:    <https://w3id.org/nkhr/ontology#> .
@prefix syn:     <https://w3id.org/nkhr/id/synthetic/> .
@prefix qk:      <https://w3id.org/nkhr/id/quantity/> .
@prefix unit:    <http://qudt.org/vocab/unit/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema:  <https://schema.org/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .

"""

CERTAINTIES = ["nkhr:StatedAsFact", "nkhr:Reported", "nkhr:Estimated", "nkhr:Alleged", "nkhr:Admitted"]
ORG_CLASSES = ["nkhr:NonGovernmentalOrganisation", "nkhr:GovernmentBody", "nkhr:IntergovernmentalBody",
               "nkhr:MediaOrganisation"]
EVENT_CLASSES = ["nkhr:Execution", "nkhr:Visit", "nkhr:Hearing", "nkhr:Meeting", "nkhr:Abduction", "nkhr:Event"]
DOCUMENT_CLASSES = ["nkhr:Report", "nkhr:Testimony", "nkhr:NewsArticle", "nkhr:Book"]
# The sections that synthetic facts cite; the camps' own figures go to the camp sections.
CAMP_SECTIONS = ["Internment_camps_for_political_prisoners", "Reeducation_camps", "Prisons"]


@lru_cache(maxsize=1)
def _vocabulary(root: Path = ROOT) -> dict:
    """Sections, rights and quantity kinds, read from the project so the output stays valid."""
    sections = Graph().parse(root / "data" / "source.ttl", format="turtle")
    rights = Graph().parse(root / "ontology" / "rights.ttl", format="turtle")
    section_iris = sorted(str(s) for s in sections.subjects(RDF.type, URIRef(NKHR + "Section")))
    right_iris = sorted(str(s) for s in rights.subjects(SKOS.inScheme, URIRef(KG + "scheme/rights")))
    camp_sections = [s for s in section_iris if s.rsplit("/", 1)[-1] in CAMP_SECTIONS] or section_iris
    return {"sections": section_iris, "camp_sections": camp_sections, "rights": right_iris}


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.count = 0

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")
        self.count += 1


def _iri(iri: str) -> str:
    return f"<{iri}>"


def _year(rng: random.Random) -> str:
    return f'"{rng.randint(1950, 2024)}"^^xsd:gYear'


def _date(rng: random.Random) -> str:
    return f'"{rng.randint(1950, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"^^xsd:date'


def generate(triples: int, seed: int = 7, root: Path = ROOT) -> str:
    """About ``triples`` triples of synthetic data as Turtle, the same for the same arguments."""
    rng = random.Random(seed)
    vocab = _vocabulary(root)
    sections, camp_sections, rights = vocab["sections"], vocab["camp_sections"], vocab["rights"]
    out = _Writer()
    add = out.add
    countries: list[str] = []
    regions: list[str] = []
    groups: list[str] = []
    agents: list[str] = []       # people and organisations made so far: attribution targets
    claims: list[str] = []
    claims_in: dict[str, list[str]] = {}      # section -> its claims, for contradictions it states
    i = 0
    while out.count < triples:
        sec = _iri(rng.choice(sections))
        # Shared places and groups, fewer of them than of everything else.
        if i % 50 == 0:
            country = f"syn:country-{len(countries)}"
            countries.append(country)
            add(country, "a", "nkhr:Country")
            add(country, "rdfs:label", f'"Synthetic country {len(countries)}"@en')
            add(country, "nkhr:statedIn", sec)
        if i % 10 == 0:
            region = f"syn:region-{len(regions)}"
            regions.append(region)
            add(region, "a", "nkhr:AdministrativeRegion")
            add(region, "rdfs:label", f'"Synthetic province {len(regions)}"@en')
            add(region, "schema:containedInPlace", countries[-1])
            add(region, "nkhr:statedIn", sec)
            group = f"syn:group-{len(groups)}"
            groups.append(group)
            add(group, "a", "nkhr:Group")
            add(group, "rdfs:label", f'"Synthetic group {len(groups)}"@en')
            add(group, "nkhr:statedIn", sec)

        # An organisation and a person.
        organisation = f"syn:organisation-{i}"
        add(organisation, "a", rng.choice(ORG_CLASSES))
        add(organisation, "rdfs:label", f'"Synthetic organisation {i}"@en')
        add(organisation, "nkhr:statedIn", sec)
        if agents and rng.random() < 0.3:
            parent = rng.choice([a for a in agents[-20:] if "organisation" in a] or [countries[-1]])
            add(organisation, "org:subOrganizationOf", parent)
        person = f"syn:person-{i}"
        add(person, "a", "nkhr:Person")
        add(person, "rdfs:label", f'"Synthetic person {i}"@en')
        add(person, "schema:nationality", rng.choice(countries))
        add(person, "nkhr:statedIn", sec)
        agents += [organisation, person]

        # A document.
        document = f"syn:document-{i}"
        add(document, "a", rng.choice(DOCUMENT_CLASSES))
        add(document, "rdfs:label", f'"Synthetic document {i}"@en')
        add(document, "dcterms:issued", _date(rng) if rng.random() < 0.5 else _year(rng))
        add(document, "dcterms:creator", rng.choice(agents))
        add(document, "dcterms:publisher", organisation)
        add(document, "schema:numberOfPages", str(rng.randint(1, 900)))
        add(document, "nkhr:statedIn", sec)

        # A detention facility and the figures claimed for it.
        political = i % 2 == 0
        camp = f"syn:camp-{i}"
        camp_sec = _iri(rng.choice(camp_sections))
        add(camp, "a", "nkhr:PoliticalPrisonCamp" if political else "nkhr:ReeducationCamp")
        add(camp, "rdfs:label", f'"Synthetic camp {i}"@en')
        add(camp, "nkhr:officialName", f'"{"Kwan-li-so" if political else "Kyo-hwa-so"} No. {1000 + i}"')
        add(camp, "nkhr:facilityNumber", str(1000 + i))
        add(camp, "nkhr:facilityStatus", rng.choice(["nkhr:Operating", "nkhr:Closed"]))
        add(camp, "nkhr:runBy", organisation)
        add(camp, "schema:containedInPlace", rng.choice(regions))
        add(camp, "nkhr:statedIn", camp_sec)
        for kind, unit, low, high in (("area", "unit:KiloM2", 10, 600), ("prisoners", "unit:NUM", 500, 50000),
                                      ("deaths", "unit:NUM", 10, 20000)):
            claim = f"syn:claim-{i}-{kind}"
            certainty = rng.choice(CERTAINTIES)
            add(claim, "a", "nkhr:Claim")
            add(claim, "rdfs:label", f'"Synthetic {kind} figure for camp {i}"@en')
            add(claim, "nkhr:about", camp)
            add(claim, "nkhr:quantityKind", f"qk:{kind}")
            value = rng.randint(low, high)
            if rng.random() < 0.3:
                add(claim, "schema:minValue", str(value))
                add(claim, "schema:maxValue", str(value + rng.randint(0, value)))
            else:
                add(claim, "schema:value", str(value) if rng.random() < 0.8 else f"{value}.5")
            add(claim, "schema:unitCode", unit)
            if rng.random() < 0.3:
                add(claim, "nkhr:atLeast", "true")
            if rng.random() < 0.3:
                add(claim, "nkhr:approximate", "true")
            add(claim, "nkhr:pointInTime", _year(rng))
            add(claim, "nkhr:certainty", certainty)
            add(claim, "prov:wasAttributedTo", rng.choice(agents))
            add(claim, "prov:wasDerivedFrom", document)
            add(claim, "nkhr:statedIn", camp_sec)
            same_section = claims_in.setdefault(camp_sec, [])
            if same_section and rng.random() < 0.1:      # a contradiction its section states
                add(claim, "nkhr:contradicts", rng.choice(same_section[-30:]))
            same_section.append(claim)
            if rng.random() < 0.1:
                add(claim, "nkhr:disputedBy", rng.choice(countries))
            claims.append(claim)

        # An event with its roles.
        event = f"syn:event-{i}"
        event_class = rng.choice(EVENT_CLASSES)
        add(event, "a", event_class)
        add(event, "rdfs:label", f'"Synthetic event {i}"@en')
        add(event, "dcterms:date", _date(rng))
        add(event, "schema:location", rng.choice([camp, *regions[-3:]]))
        add(event, "nkhr:actor", organisation)
        add(event, "nkhr:affected", rng.choice([person, rng.choice(groups)]))
        add(event, "nkhr:witness", rng.choice(agents))
        add(event, "nkhr:document", document)
        add(event, "nkhr:statedIn", sec)
        if event_class == "nkhr:Execution":
            count = f"syn:claim-{i}-executions"
            add(count, "a", "nkhr:Claim")
            add(count, "rdfs:label", f'"Synthetic execution count for event {i}"@en')
            add(count, "nkhr:about", event)
            add(count, "nkhr:quantityKind", "qk:executions")
            add(count, "schema:value", str(rng.randint(1, 20)))
            add(count, "schema:unitCode", "unit:NUM")
            add(count, "nkhr:certainty", "nkhr:Reported")
            add(count, "prov:wasAttributedTo", organisation)
            add(count, "nkhr:statedIn", sec)

        # A practice and a claim about it, with the rights it concerns.
        practice = f"syn:practice-{i}"
        right = _iri(rng.choice(rights))
        add(practice, "a", "nkhr:Practice")
        add(practice, "rdfs:label", f'"Synthetic practice {i}"@en')
        add(practice, "nkhr:violates", right)
        add(practice, "nkhr:actor", organisation)
        add(practice, "nkhr:affected", rng.choice(groups))
        add(practice, "nkhr:statedIn", sec)
        statement = f"syn:claim-{i}-practice"
        add(statement, "a", "nkhr:Claim")
        add(statement, "rdfs:label", f'"Synthetic statement about practice {i}"@en')
        add(statement, "nkhr:about", practice)
        add(statement, "nkhr:certainty", rng.choice(["nkhr:Alleged", "nkhr:Reported"]))
        add(statement, "prov:wasAttributedTo", person)
        add(statement, "nkhr:concernsRight", right)
        add(statement, "dcterms:date", _year(rng))
        add(statement, "nkhr:statedIn", sec)
        claims.append(statement)
        i += 1
    return PREFIXES + "".join(out.lines)


def count_hint(turtle: str) -> int:
    """The number of triples in ``generate``'s output (one per line after the prefixes)."""
    return sum(1 for line in turtle.splitlines() if line.endswith(" ."))  - PREFIXES.count("@prefix")

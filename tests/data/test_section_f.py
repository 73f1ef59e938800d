"""Section group F: International reaction, Number of victims, Media and organizations, See also.

Each test asserts the answer the article gives, so that a wrong or missing fact fails.
"""

from __future__ import annotations

import pytest

from support import select

KG = "https://w3id.org/nkhr/id/"
SEC = KG + "section/"
F_SECTIONS = ("International_reaction", "Number_of_victims", "Media_and_organizations", "See_also")


def short(iri: str) -> str:
    return iri.replace(SEC, "sec:").replace(KG, "kg:")


#### Number of victims

def test_victims_estimates_keep_author_range_period_and_qualifier(run_query):
    rows = [r for r in run_query("victims-estimates") if short(r["section"]) == "sec:Number_of_victims"]
    got = {short(r["claim"]): (short(r["subject"]), r["quantity"], r.get("author", ""),
                               r.get("value"), r.get("min"), r.get("max"), r.get("atLeast"),
                               r.get("periodStart"), r.get("periodEnd"), r["certainty"])
           for r in rows}
    assert got == {
        "kg:claim-census-famine-deaths":
            ("kg:north-korean-famine", "deaths", "", None, "240000", "420000", None, None, None, "estimated"),
        "kg:claim-census-excess-deaths-1993-2008":
            ("kg:north-korean-famine", "excess deaths", "", None,
             "600000", "850000", None, "1993", "2008", "estimated"),
        "kg:claim-rummel-deaths-1948-1987":
            ("kg:north-korean-state-killings", "deaths", "R.J. Rummel", "1000000",
             None, None, "true", "1948", "1987", "estimated"),
        "kg:claim-others-camp-deaths":
            ("kg:north-korean-concentration-camps", "deaths", "", "400000", None, None, None, None, None, "estimated"),
        "kg:claim-rigoulot-executions":
            ("kg:north-korean-state-killings", "people executed", "Pierre Rigoulot", "100000",
             None, None, None, None, None, "estimated"),
        "kg:claim-rigoulot-camp-deaths":
            ("kg:north-korean-concentration-camps", "deaths", "Pierre Rigoulot", "1500000",
             None, None, None, None, None, "estimated"),
        "kg:claim-rigoulot-famine-deaths":
            ("kg:north-korean-famine", "deaths", "Pierre Rigoulot", "500000",
             None, None, None, None, None, "estimated"),
        "kg:claim-rigoulot-total-victims":
            ("kg:north-korean-state-killings", "deaths", "Pierre Rigoulot", "2100000",
             None, None, None, None, None, "estimated"),
        "kg:claim-rigoulot-korean-war-deaths":
            ("kg:korean-war", "deaths", "Pierre Rigoulot", "1300000", None, None, None, None, None, "estimated"),
        "kg:claim-korean-war-civilians-liquidated":
            ("kg:dprk-killings-in-occupied-south-korea", "deaths", "", "29000",
             None, None, None, None, None, "stated as fact"),
    }


def test_camp_death_estimates_are_comparable(run_query):
    """The two camp-death estimates share subject and quantity kind, so they sit side by side."""
    rows = [r for r in run_query("victims-estimates")
            if short(r["subject"]) == "kg:north-korean-concentration-camps" and r["quantity"] == "deaths"]
    assert sorted((r.get("author", ""), int(r["value"])) for r in rows) == [("", 400000), ("Pierre Rigoulot", 1500000)]


def test_famine_death_estimates(run_query):
    rows = [r for r in run_query("victims-famine-deaths") if short(r["section"]) == "sec:Number_of_victims"]
    got = {(r["quantity"], r.get("author"), r.get("basis"), r.get("value"), r.get("min"), r.get("max"),
            r.get("periodStart"), r.get("periodEnd")) for r in rows}
    assert got == {
        ("deaths", None, "North Korean census", None, "240000", "420000", None, None),
        ("excess deaths", None, "North Korean census", None, "600000", "850000", "1993", "2008"),
        ("deaths", "Pierre Rigoulot", None, "500000", None, None, None, None),
    }


def test_famine_has_two_differing_characterisations(engine):
    rows = select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?claim ?other WHERE {
          ?claim a nkhr:Claim ; nkhr:about <https://w3id.org/nkhr/id/north-korean-famine> ;
                 nkhr:statedIn <https://w3id.org/nkhr/id/section/Number_of_victims> ;
                 rdfs:seeAlso ?other .
          FILTER NOT EXISTS { ?claim nkhr:quantityKind ?q }
        }""")
    assert {(short(r["claim"]), short(r["other"])) for r in rows} == {
        ("kg:claim-famine-result-of-economic-policies", "kg:claim-famine-deliberate-terror-starvation"),
        ("kg:claim-famine-deliberate-terror-starvation", "kg:claim-famine-result-of-economic-policies"),
    }


#### International reaction

def test_countries_defending_north_korea_at_the_un(run_query):
    rows = run_query("reaction-un-positions")
    assert {(r["countryLabel"], r.get("forum")) for r in rows} == {
        ("China", "United Nations"), ("Venezuela", "United Nations"), ("Cuba", "United Nations"), ("Sudan", None),
    }
    assert {r["certainty"] for r in rows} == {"reported"}
    assert len({r["contradicted"] for r in rows}) == 1
    assert "criticised North Korea" in rows[0]["contradicted"]


def test_freedom_house_ratings(run_query):
    rows = run_query("reaction-freedom-house")
    got = {(r["dimension"], r.get("score"), r.get("category"), r.get("rankedLast"), r.get("pointInTime"),
            r.get("since")) for r in rows}
    assert got == {
        ("overall freedom standing", None, None, "true", None, "1973"),
        ("political rights", "7", None, "true", "2013", None),
        ("civil liberties", "7", None, "true", "2013", None),
        ("freedom status", None, "Not Free", None, None, None),
    }


def test_us_law_office_and_envoy(run_query):
    rows = run_query("reaction-us-law-and-envoy")
    assert {r["title"] for r in rows} == {"North Korean Human Rights Act of 2004"}
    assert {r["stateLabel"] for r in rows} == {"United States"}
    assert sorted(r["eventDate"] for r in rows) == ["2004-10", "2008"]
    assert {(r["parentLabel"], r["holderLabel"]) for r in rows} == {("United States Department of State",
                                                                     "Jay Lefkowitz")}


def test_dprk_answer_to_the_reaction(run_query):
    rows = {short(r["claim"]): r for r in run_query("reaction-dprk-response")}
    assert set(rows) == {
        "kg:claim-dprk-abductions-fully-resolved",
        "kg:claim-dprk-rejects-violation-reports",
        "kg:claim-dprk-defectors-anti-north-agenda",
        "kg:claim-dprk-critics-interfere-in-internal-affairs",
    }
    resolved = rows["kg:claim-dprk-abductions-fully-resolved"]
    assert resolved["disputedBy"] == "Japan"
    assert resolved["about"] == "Abduction of foreign nationals by North Korea"
    assert resolved["contradicts"] == "Japan says two abductees remain unaccounted for"
    assert "criticised North Korea" in rows["kg:claim-dprk-rejects-violation-reports"]["contradicts"]
    assert rows["kg:claim-dprk-defectors-anti-north-agenda"]["certainty"] == "alleged"


def test_ngos(run_query):
    rows = run_query("reaction-ngos")
    got = {(r["name"], r.get("basedIn"), r.get("areaServed"), short(r["section"])) for r in rows}
    assert {
        ("North Korea Strategy Center", None, None, "sec:International_reaction"),
        ("Liberty in North Korea", None, "China", "sec:International_reaction"),
        ("Saejowi", "Seoul", "South Korea", "sec:International_reaction"),
        ("Hanvoice", "Canada", None, "sec:Media_and_organizations"),
    } <= got


def test_reaction_timeline_in_order(run_query):
    rows = run_query("reaction-timeline")
    dated = [(r["when"], short(r["item"])) for r in rows]
    for item in [("1973", "kg:freedom-in-the-world-first-survey"),
                 ("2004-10", "kg:nkhra-2004-passage"),
                 ("2008", "kg:nkhra-reauthorisation-2008"),
                 ("2013", "kg:claim-freedom-house-2013-political-rights"),
                 ("2020-09-09", "kg:ohchr-seoul-report-2020"),
                 ("2024-04", "kg:resolution-2024-04-north-korea-human-rights"),
                 ("2024-07", "kg:claim-south-korea-security-council-member-2024")]:
        assert item in dated
    whens = [w for w, _ in dated]
    assert whens == sorted(whens)


def test_ohchr_seoul_report_and_its_claims(engine):
    rows = select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?claim ?issued ?parent ?place WHERE {
          ?claim a nkhr:Claim ; prov:wasDerivedFrom ?report ; prov:wasAttributedTo ?office .
          ?report a nkhr:Report ; dcterms:creator ?office ; dcterms:issued ?issued .
          ?office org:subOrganizationOf ?parent ; schema:location ?place .
          FILTER(?report = <https://w3id.org/nkhr/id/ohchr-seoul-report-2020>)
        }""")
    assert {short(r["claim"]) for r in rows} == {"kg:claim-ohchr-2020-voices-curbed",
                                                 "kg:claim-ohchr-2020-urges-us-and-south-korea"}
    assert {(r["issued"], short(r["parent"]), short(r["place"])) for r in rows} == {
        ("2020-09-09", "kg:ohchr", "kg:seoul")}


#### Media and organizations

def test_media_works(run_query):
    rows = run_query("media-works")
    got = {(r["title"], r["kind"], r.get("year"), r.get("creator")) for r in rows}
    assert got == {
        ("Chosun Journal", "document", None, None),
        ("North Korea Uncovered", "document", None, None),
        ("Seoul Train", "film", "2004", None),
        ("Escape from Camp 14", "book", None, None),
        ("In Order to Live", "book", "2015", "Yeonmi Park"),
        ("Children of the Secret State", "film", "2001", None),
    }
    by_title = {r["title"]: r for r in rows}
    assert by_title["Escape from Camp 14"]["about"] == "Kaechon Political Prison Camp"
    assert "Allison Gorman" in by_title["Children of the Secret State"]["criticism"]
    assert by_title["Children of the Secret State"]["about"] == "North Korean orphans"


def test_yeonmi_park_speech_in_dublin(engine):
    rows = select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?summit ?date ?city ?country WHERE {
          ?speech nkhr:actor <https://w3id.org/nkhr/id/yeonmi-park> ; schema:superEvent ?s .
          ?s rdfs:label ?summit ; dcterms:date ?date ; schema:location ?c .
          ?c rdfs:label ?city ; schema:containedInPlace ?k . ?k rdfs:label ?country .
        }""")
    assert rows == [{"summit": "One Young World 2014 Summit", "date": "2014", "city": "Dublin", "country": "Ireland"}]


#### See also

SEE_ALSO = {   # IRI -> exact title, in alphabetical order of IRI
    "kg:article-human-experimentation-in-north-korea": "Human experimentation in North Korea",
    "kg:article-human-trafficking-in-north-korea": "Human trafficking in North Korea",
    "kg:article-korean-war-pows-detained-in-north-korea": "Korean War POWs detained in North Korea",
    "kg:article-kotjebi": "Kotjebi",
    "kg:article-list-of-fact-finding-reports-on-human-rights-in-north-korea":
        "List of fact-finding reports on human rights in North Korea",
    "kg:article-list-of-foreign-nationals-detained-in-north-korea": "List of foreign nationals detained in North Korea",
    "kg:article-mass-killings-under-communist-regimes": "Mass killings under communist regimes",
    "kg:article-north-koreas-illicit-activities": "North Korea's illicit activities",
    "kg:article-politics-in-north-korea": "Politics in North Korea",
    "kg:article-propaganda-in-north-korea": "Propaganda in North Korea",
}


def test_see_also_articles(run_query):
    rows = run_query("media-see-also")
    assert {short(r["article"]): r["title"] for r in rows} == SEE_ALSO
    assert {r["title"]: r["url"] for r in rows} == {
        t: "https://en.wikipedia.org/wiki/" + t.replace(" ", "_") for t in SEE_ALSO.values()}
    notes = {r["title"]: r.get("note") for r in rows}
    assert "homeless children and elderly" in notes["Kotjebi"]


#### Every number of the F sections is in the graph

@pytest.mark.parametrize("section, expected", [
    ("International_reaction", {("value", 7), ("value", 7), ("value", 9)}),
    ("Number_of_victims", {("min", 240000), ("max", 420000), ("min", 600000), ("max", 850000),
                           ("value", 1000000), ("value", 400000), ("value", 100000), ("value", 1500000),
                           ("value", 500000), ("value", 2100000), ("value", 1300000), ("value", 29000)}),
])
def test_every_number_of_the_section_is_present(engine, section, expected):
    rows = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?claim ?kind ?n WHERE {{
          ?claim a nkhr:Claim ; nkhr:statedIn <{SEC}{section}> .
          {{ ?claim schema:value ?n . BIND("value" AS ?kind) }}
          UNION {{ ?claim schema:minValue ?n . BIND("min" AS ?kind) }}
          UNION {{ ?claim schema:maxValue ?n . BIND("max" AS ?kind) }}
        }}""")
    assert {(r["kind"], int(r["n"])) for r in rows} == expected


def test_every_year_and_date_of_the_f_sections_is_present(engine):
    rows = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT DISTINCT ?d WHERE {{
          VALUES ?sec {{ {" ".join(f"<{SEC}{s}>" for s in F_SECTIONS)} }}
          ?x nkhr:statedIn ?sec .
          ?x dcterms:date|dcterms:issued|nkhr:pointInTime|nkhr:periodStart|nkhr:periodEnd ?d .
        }}""")
    assert {"1973", "2004-10", "2005", "2008", "2013", "2020-09-09", "2024-04", "2024-07",
            "1993", "1948", "1987", "2004", "2015", "2014", "2001"} <= {r["d"] for r in rows}

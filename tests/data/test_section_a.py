"""Section group A: the lead, the Commission of Inquiry, and the position of the DPRK.

Each test asserts what the article states, so a wrong or missing fact in
data/lead.ttl, data/commission-of-inquiry.ttl or data/position-of-the-dprk.ttl fails.
"""

from __future__ import annotations

import pytest

from support import select

KG = "https://w3id.org/nkhr/id/"
SEC = "https://w3id.org/nkhr/id/section/"
RIGHT = "https://w3id.org/nkhr/id/right/"
LEAD = SEC + "top"
COI = SEC + "Commission_of_Inquiry_on_Human_Rights_in_the_Democratic_People%27s_Republic_of_Korea"
POSITION = SEC + "Position_of_the_DPRK"


# ---------------------------------------------------------------- lead

def test_2011_general_assembly_vote_counts(run_query):
    rows = run_query("lead-unga-resolution-votes")
    vote = {r["vote"]: r for r in rows}[KG + "unga-vote-2011-12-19"]
    assert vote["date"] == "2011-12-19"
    assert (vote["votesFor"], vote["votesAgainst"], vote["abstentions"]) == ("123", "16", "51")
    assert vote["resolution"] == KG + "unga-resolution-2011-12-19"
    assert vote["outcome"] == "adopted"


def test_lead_statements_keep_their_authors_and_disputes(run_query):
    rows = {r["claim"]: r for r in run_query("lead-statements")}
    condemned = rows[KG + "claim-dprk-record-condemned"]
    assert set(condemned["authors"].split("; ")) == {"United Nations", "Human Rights Watch", "Freedom House"}
    assert condemned["disputedBy"] == "North Korea"
    assert KG + "claim-dprk-criticism-is-pretext" in condemned["contradicts"].split()
    assert rows[KG + "claim-amnesty-no-contemporary-parallel"]["authors"] == "Amnesty International"
    pretext = rows[KG + "claim-dprk-criticism-is-pretext"]
    assert set(pretext["authors"].split("; ")) == {"North Korea", "Korean Central News Agency"}
    urged = rows[KG + "claim-unga-2011-urges-end-of-violations"]
    assert urged["authors"] == "United Nations General Assembly"
    assert urged["disputedBy"] == "North Korea"
    assert KG + "claim-dprk-2011-resolution-fabricated" in urged["contradicts"].split()
    prisoners = rows[KG + "claim-political-prisoners-2017"]
    assert prisoners["value"] == "200000" and prisoners["certainty"] == "estimated"
    assert set(prisoners["authors"].split("; ")) == {"Amnesty International",
                                                     "Committee for Human Rights in North Korea"}
    assert rows[KG + "claim-record-known-from-refugees-and-defectors"]["certainty"] == "stated as fact"


def test_lead_practices_and_the_rights_they_violate(run_query):
    rows = {r["practice"]: set(r["rights"].split()) for r in run_query("lead-practices")}
    expected = {
        "denial-of-free-speech": {"freedom-of-expression"},
        "state-media-monopoly": {"freedom-of-the-press", "freedom-of-information"},
        "forced-labour-in-political-prison-camps": {"freedom-from-forced-labour"},
        "physical-abuse-in-political-prison-camps": {"humane-detention", "freedom-from-torture"},
        "torture-in-political-prison-camps": {"freedom-from-torture"},
        "executions-in-political-prison-camps": {"life"},
        "monitoring-of-foreign-visitors": {"privacy"},
        "restrictions-on-aid-workers": {"privacy", "freedom-of-movement"},
        "travel-restrictions-on-citizens": {"freedom-of-movement"},
    }
    # other sections may add rights to the same practices; the lead's rights must all be there
    for slug, rights in expected.items():
        assert {RIGHT + r for r in rights} <= rows[KG + slug], slug


# ---------------------------------------------------------------- Commission of Inquiry

def test_coi_members_countries_and_chair(run_query):
    rows = run_query("coi-members")
    assert {(r["memberLabel"], r["countryLabel"], r["role"]) for r in rows} == {
        ("Michael Kirby", "Australia", "chair"),
        ("Sonja Biserko", "Serbia", "member"),
        ("Marzuki Darusman", "Indonesia", "member"),
    }


def test_coi_timeline_in_order(run_query):
    rows = run_query("coi-timeline")
    assert [(r["item"].removeprefix(KG), r["date"]) for r in rows] == [
        ("coi-appointment", "2013-05-06"),
        ("coi-hearings-seoul", "2013-08-20"),
        ("coi-hearings-japan", "2013-08-29"),
        ("coi-hearings-united-states", "2013-10-30"),
        ("coi-report", "2014-02-17"),
        ("un-vote-icc-referral-2014-11-18", "2014-11-18"),
    ]
    us = {r["item"]: r for r in rows}[KG + "coi-hearings-united-states"]
    assert us["endDate"] == "2013-10-31"
    assert {r["item"]: r.get("placeLabel") for r in rows}[KG + "coi-hearings-seoul"] == "Yonsei University"


def test_coi_mandate_lists_the_violations_to_investigate(run_query):
    rows = run_query("coi-mandate")
    assert {r["right"].removeprefix(RIGHT) for r in rows if r["mandate"] == KG + "coi-mandate"} == {
        "food", "humane-detention", "freedom-from-torture", "freedom-from-arbitrary-detention",
        "non-discrimination", "freedom-of-expression", "life", "freedom-of-movement",
        "freedom-from-enforced-disappearance", "crimes-against-humanity",
    }


def test_coi_statements_and_their_authors(run_query):
    rows = {r["claim"].removeprefix(KG): r for r in run_query("coi-reactions")}
    assert rows["claim-kirby-acts-resemble-nazi-crimes"]["authors"] == KG + "michael-kirby"
    assert rows["claim-cohen-world-must-act"]["authors"] == KG + "roberta-cohen"
    assert rows["claim-dprk-inquiry-political-plot"]["authors"] == KG + "north-korea"
    assert rows["claim-coi-invited-dprk-representatives"]["authors"] == KG + "commission-of-inquiry"
    assert rows["claim-coi-finds-systematic-violations"]["disputedBy"] == "North Korea"
    assert rows["claim-dprk-denied-coi-access"]["certainty"] == "stated as fact"


def test_roberta_cohen_co_chairs_hrnk_and_icc_referral_concerns_crimes_against_humanity(engine):
    rows = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/> PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        SELECT ?head ?doc ?right ?court WHERE {
          kg:roberta-cohen org:headOf ?head .
          kg:un-vote-icc-referral-2014-11-18 nkhr:document ?doc .
          ?doc nkhr:concernsRight ?right ; nkhr:about ?court .
          FILTER(?court = kg:international-criminal-court)
        }""")
    assert rows == [{"head": KG + "hrnk", "doc": KG + "draft-resolution-icc-referral-2014",
                     "right": RIGHT + "crimes-against-humanity", "court": KG + "international-criminal-court"}]


def test_coi_interviews_were_held_in_three_countries(engine):
    rows = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/> PREFIX schema: <https://schema.org/>
        SELECT ?place WHERE { kg:coi-witness-interviews schema:location ?place }""")
    assert {r["place"] for r in rows} == {KG + "south-korea", KG + "japan", KG + "united-kingdom"}


# ---------------------------------------------------------------- Position of the DPRK

def test_upr_recommendations_made_and_accepted(run_query):
    rows = {r["measure"]: r for r in run_query("dprk-upr")}
    assert rows["made"]["value"] == "268"
    assert rows["accepted"]["value"] == "113"
    assert int(rows["accepted"]["value"]) < int(rows["made"]["value"])
    assert len(rows) == 2


def test_dprk_positions_and_who_disputes_them(run_query):
    rows = {r["claim"].removeprefix(KG): r for r in run_query("dprk-positions")}
    ours = {
        "claim-dprk-theory-rights-conditional": POSITION,
        "claim-dprk-theory-collective-first": POSITION,
        "claim-dprk-theory-welfare-subsistence": POSITION,
        "claim-dprk-constitution-guarantees-rights": POSITION,
        "claim-dprk-laws-elaborate-rights": POSITION,
        "claim-dprk-rights-strictly-enforced": POSITION,
        "claim-dprk-genuine-human-rights": POSITION,
        "claim-dprk-criticism-is-pretext": LEAD,
        "claim-dprk-critics-abuses-unpunished": LEAD,
        "claim-dprk-2011-resolution-fabricated": LEAD,
        "claim-dprk-inquiry-political-plot": COI,
        "claim-dprk-coi-politicised": COI,
    }
    for slug, section in ours.items():
        assert rows[slug]["section"] == section, slug
    # what the government "claims" is marked as alleged, and the COI's findings contradict it
    for slug in ("claim-dprk-constitution-guarantees-rights", "claim-dprk-laws-elaborate-rights",
                 "claim-dprk-rights-strictly-enforced", "claim-dprk-genuine-human-rights"):
        assert rows[slug]["certainty"] == "alleged", slug
    for slug in ("claim-dprk-rights-strictly-enforced", "claim-dprk-genuine-human-rights"):
        assert KG + "claim-coi-finds-systematic-violations" in rows[slug]["contradicts"].split()
    assert rows["claim-dprk-2011-resolution-fabricated"]["contradictedBy"] == "United Nations General Assembly"


def test_kim_il_sung_statement_is_attributed_to_him(engine):
    rows = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/> PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        SELECT ?claim WHERE { ?claim prov:wasAttributedTo kg:kim-il-sung ;
                                     nkhr:statedIn <https://w3id.org/nkhr/id/section/Position_of_the_DPRK> }""")
    assert [r["claim"] for r in rows] == [KG + "claim-kim-il-sung-no-rights-for-enemies"]


def test_kirby_assessment_of_the_charm_offensive(run_query):
    rows = {r["claim"].removeprefix(KG): r for r in run_query("dprk-kirby-assessment")}
    charm = set(rows["claim-kirby-charm-offensive"]["about"].split())
    assert {KG + "dprk-universal-periodic-review", KG + "dprk-ahrs-report",
            KG + "hwang-pyong-so-asian-games-visit"} <= charm
    assert KG + "dprk-ahrs-report" in rows["claim-kirby-ahrs-report-partly-fair"]["about"].split()
    assert set(rows["claim-kirby-ahrs-report-ignores-coi"]["about"].split()) == {KG + "dprk-ahrs-report",
                                                                                 KG + "coi-report"}
    assert rows["claim-kirby-doubts-dprk-sincerity"]["section"] == POSITION
    assert rows["claim-kirby-acts-resemble-nazi-crimes"]["section"] == COI


# ---------------------------------------------------------------- every number of the three sections

def test_every_number_of_group_a_sections_is_in_the_graph(engine):
    values = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#> PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?section ?v WHERE {{
          VALUES ?section {{ <{LEAD}> <{COI}> <{POSITION}> }}
          ?c a nkhr:Claim ; nkhr:statedIn ?section ; schema:value ?v .
        }}""")
    assert {(r["section"], r["v"]) for r in values} == {(LEAD, "200000"), (POSITION, "268"), (POSITION, "113")}

    dated = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?d WHERE {{
          VALUES ?section {{ <{LEAD}> <{COI}> <{POSITION}> }}
          ?x nkhr:statedIn ?section .
          {{ ?x dcterms:date ?d }} UNION {{ ?x dcterms:issued ?d }} UNION {{ ?x schema:endDate ?d }}
          UNION {{ ?x nkhr:pointInTime ?d }} UNION {{ ?x nkhr:periodStart ?d }}
        }}""")
    assert {
        "2017", "2003", "2011-12-19", "2014-02", "2014-02-17",          # lead
        "2013-05-06", "2013-08-20", "2013-08-29", "2013-10-30", "2013-10-31", "2014-11-18",  # COI
        "1948", "2014",                                                   # position of the DPRK
    } <= {r["d"] for r in dated}

    counts = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/> PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX schema: <https://schema.org/>
        SELECT ?for ?against ?abstain ?pages ?days WHERE {
          kg:unga-vote-2011-12-19 nkhr:votesFor ?for ; nkhr:votesAgainst ?against ; nkhr:abstentions ?abstain .
          kg:coi-report schema:numberOfPages ?pages .
          kg:coi-hearings-seoul schema:duration ?days .
        }""")
    assert counts == [{"for": "123", "against": "16", "abstain": "51", "pages": "400", "days": "P5D"}]


@pytest.mark.parametrize("node", [
    "coi-report", "commission-of-inquiry", "michael-kirby", "north-korea", "kcna", "political-prison-camps",
])
def test_shared_entities_name_the_sections_of_group_a_that_mention_them(engine, node):
    sections = {r["s"] for r in select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        SELECT ?s WHERE {{ <{KG}{node}> nkhr:mentionedIn ?s }}""")}
    expected = {
        "coi-report": {LEAD, COI, POSITION},
        "commission-of-inquiry": {LEAD, COI, POSITION},
        "michael-kirby": {COI, POSITION},
        "north-korea": {LEAD, COI, POSITION},
        "kcna": {LEAD},
        "political-prison-camps": {LEAD},
    }[node]
    assert expected <= sections

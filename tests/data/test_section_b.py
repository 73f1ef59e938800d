"""Section group B: the Civil liberties section and its subsections on labour rights, speech and
assembly, information, religion (with the persecution of Christians and Buddhists) and movement.

Each test asserts what the article states, so a wrong or missing fact in
data/civil-liberties/{civil-liberties,labor-rights,speech-and-assembly,information,religion,movement}.ttl
fails.
"""

from __future__ import annotations

from decimal import Decimal

from support import select

KG = "https://w3id.org/nkhr/id/"
SEC = "https://w3id.org/nkhr/id/section/"
RIGHT = "https://w3id.org/nkhr/id/right/"

CIVIL = SEC + "Civil_liberties"
LABOR = SEC + "Labor_rights"
SPEECH = SEC + "Freedom_of_speech_and_assembly"
INFORMATION = SEC + "Freedom_of_information"
RELIGION = SEC + "Freedom_of_religion"
PERSECUTION = SEC + "Persecution_of_Christians_and_Buddhists"
MOVEMENT = SEC + "Freedom_of_movement"
OUR_SECTIONS = (CIVIL, LABOR, SPEECH, INFORMATION, RELIGION, PERSECUTION, MOVEMENT)


def num(text: str) -> Decimal:
    return Decimal(text)


# ---------------------------------------------------------------- every number, straight from the graph

EXPECTED_NUMBERS = {
    # claim: (value, min, max)
    "claim-youngest-child-labourers-age": (None, 11, None),
    "claim-christians-in-prison-camps": (None, 50000, 70000),
    "claim-buddhist-temples-before-persecution": (400, None, None),
    "claim-buddhist-temples-surviving": (60, None, None),
    "claim-buddhist-monks-fate": (1600, None, None),
    "claim-dprk-protestants-2002": (12000, None, None),
    "claim-dprk-buddhists-2002": (10000, None, None),
    "claim-dprk-catholics-2002": (800, None, None),
    "claim-chondoist-practitioners": (15000, None, None),
    "claim-pyongyang-churches-total": (4, None, None),
    "claim-pyongyang-catholic-churches": (1, None, None),
    "claim-pyongyang-protestant-churches": (2, None, None),
    "claim-pyongyang-orthodox-churches": (1, None, None),
    "claim-wpk-meeting-first-in-36-years": (36, None, None),
}


def test_every_number_of_the_civil_liberties_sections_is_in_the_graph(engine):
    sections = " ".join(f"<{s}>" for s in OUR_SECTIONS)
    rows = select(engine, f"""
        SELECT DISTINCT ?claim ?value ?min ?max WHERE {{
          VALUES ?section {{ {sections} }}
          ?claim a nkhr:Claim ; nkhr:statedIn ?section .
          {{ ?claim schema:value ?v }} UNION {{ ?claim schema:minValue ?v }} UNION {{ ?claim schema:maxValue ?v }}
          OPTIONAL {{ ?claim schema:value ?value }}
          OPTIONAL {{ ?claim schema:minValue ?min }}
          OPTIONAL {{ ?claim schema:maxValue ?max }}
        }}""")
    found = {
        r["claim"].removeprefix(KG): tuple(int(num(r[k])) if k in r else None for k in ("value", "min", "max"))
        for r in rows
    }
    assert found == EXPECTED_NUMBERS


def test_the_figures_query_gives_units_kinds_and_qualifiers(run_query):
    rows = {r["claim"].removeprefix(KG): r for r in run_query("liberties-figures")}
    assert set(rows) == set(EXPECTED_NUMBERS)
    age = rows["claim-youngest-child-labourers-age"]
    assert (age["quantityKind"], age["unit"], age["min"], age["section"]) == ("age", "years", "11", LABOR)
    christians = rows["claim-christians-in-prison-camps"]
    assert (christians["quantityKind"], christians["certainty"]) == ("prisoners held", "estimated")
    assert "authors" not in christians or christians["authors"] == ""
    assert rows["claim-chondoist-practitioners"]["approximate"] == "true"
    meeting = rows["claim-wpk-meeting-first-in-36-years"]
    assert (meeting["value"], meeting["unit"], meeting["section"]) == ("36", "years", MOVEMENT)
    churches = rows["claim-pyongyang-churches-total"]
    assert (churches["value"], churches["periodStart"]) == ("4", "1988")
    # the denominations add up to the total
    assert sum(int(rows[c]["value"]) for c in ("claim-pyongyang-catholic-churches",
               "claim-pyongyang-protestant-churches", "claim-pyongyang-orthodox-churches")) == 4
    assert all(r["section"] in OUR_SECTIONS for r in rows.values())


# ---------------------------------------------------------------- believers

def test_dprk_2002_believer_figures_are_attributed_and_contradicted(run_query):
    rows = run_query("liberties-believers")
    figures = {(r["group"].removeprefix(KG), r["value"], r.get("author", "")) for r in rows}
    assert figures == {
        ("north-korean-protestants", "12000", KG + "north-korea"),
        ("north-korean-buddhists", "10000", KG + "north-korea"),
        ("north-korean-catholics", "800", KG + "north-korea"),
        ("chondoist-chongu-party", "15000", ""),
    }
    for row in rows:
        if row.get("author") == KG + "north-korea":
            assert row["year"] == "2002"
            assert row["certainty"] == "estimated"
            assert row["contradictedBy"] == KG + "claim-church-groups-believers-higher"
            assert set(row["contradictionAuthors"].split("; ")) == {
                "South Korean church-related groups", "international church-related groups"}
            assert row["section"] == PERSECUTION
    chondoist = next(r for r in rows if r["group"] == KG + "chondoist-chongu-party")
    assert chondoist["approximate"] == "true"
    assert "contradictedBy" not in chondoist


def test_church_groups_claim_contradicts_each_official_figure(engine):
    rows = select(engine, """
        SELECT DISTINCT ?other WHERE { kg:claim-church-groups-believers-higher nkhr:contradicts ?other }""")
    assert {r["other"].removeprefix(KG) for r in rows} == {
        "claim-dprk-protestants-2002", "claim-dprk-buddhists-2002", "claim-dprk-catholics-2002"}


# ---------------------------------------------------------------- religious persecution

def test_religious_persecution_claims_keep_sources_and_certainty(run_query):
    rows = {r["claim"].removeprefix(KG): r for r in run_query("liberties-religious-persecution")}

    underground = rows["claim-executions-of-underground-christians"]
    assert underground["certainty"] == "alleged"
    assert set(underground["authors"].split("; ")) == {"North Korean refugees", "North Korean defectors"}
    assert underground["section"] == RELIGION

    arrests = rows["claim-proselytisers-likely-arrested"]
    assert arrests["certainty"] == "reported"
    assert set(arrests["authors"].split("; ")) == {
        "North Korean refugees", "North Korean defectors", "missionary organisations",
        "non-governmental organisations reporting on North Korea"}

    assert rows["claim-ri-hyon-ok-executed"]["certainty"] == "alleged"
    assert rows["claim-ri-hyon-ok-executed"]["section"] == PERSECUTION
    assert (rows["claim-open-doors-worst-persecutor"]["authors"],
            rows["claim-open-doors-worst-persecutor"]["certainty"]) == ("Open Doors", "reported")
    assert rows["claim-csw-faith-based-imprisonment"]["authors"] == "Christian Solidarity Worldwide"
    assert rows["claim-asianews-catholic-priests-executed"]["authors"] == "AsiaNews"
    assert rows["claim-asianews-protestant-leaders-purged"]["authors"] == "AsiaNews"
    assert rows["claim-defectors-state-monks-no-worship"]["authors"] == "North Korean defectors"

    camps = rows["claim-christians-in-prison-camps"]
    assert (camps["min"], camps["max"], camps["certainty"]) == ("50000", "70000", "estimated")
    temples = rows["claim-buddhist-temples-surviving"]
    assert (temples["value"], temples["certainty"]) == ("60", "stated as fact")
    assert rows["claim-buddhist-monks-fate"]["value"] == "1600"


def test_ri_hyon_ok_execution_and_family_deportation(engine):
    rows = select(engine, """
        SELECT ?date ?place ?placeLabel ?victim ?camp ?family WHERE {
          kg:execution-of-ri-hyon-ok a nkhr:Execution ; dcterms:date ?date ;
              schema:location ?place ; nkhr:affected ?victim .
          ?place rdfs:label ?placeLabel .
          kg:deportation-of-ri-hyon-ok-family schema:location ?camp ; nkhr:affected ?family .
        }""")
    assert len(rows) == 1
    row = rows[0]
    assert (row["date"], row["placeLabel"]) == ("2009-06-16", "Ryongchon")
    assert row["victim"] == KG + "ri-hyon-ok"
    assert row["camp"] == KG + "kwan-li-so-22"
    assert row["family"] == KG + "family-of-ri-hyon-ok"
    stated = select(engine, "SELECT ?s WHERE { kg:kwan-li-so-22 nkhr:mentionedIn ?s }")
    assert PERSECUTION in {r["s"] for r in stated}


def test_church_closures_start_in_1949_under_kim_il_sung(engine):
    rows = select(engine, """
        SELECT ?date ?who WHERE { kg:closure-of-all-churches dcterms:date ?date ; nkhr:hasParticipant ?who }""")
    assert {(r["date"], r["who"]) for r in rows} >= {("1949", KG + "kim-il-sung")}


# ---------------------------------------------------------------- forced labour

def test_forced_labour_practices_name_victims_and_rights(run_query):
    rows = {r["practice"].removeprefix(KG): r for r in run_query("liberties-forced-labour")}
    rights = {p: set(r["rights"].split()) for p, r in rows.items()}

    assert RIGHT + "freedom-from-child-labour" in rights["child-labour-farms-and-construction"]
    assert RIGHT + "freedom-from-child-labour" in rights["child-scrap-collection"]
    assert RIGHT + "freedom-from-child-labour" in rights["child-landscaping-work"]
    assert RIGHT + "freedom-from-child-labour" in rights["child-labour-in-detention-camps"]
    assert rows["child-scrap-collection"]["actors"] == "schools in North Korea"
    assert rows["child-labour-in-detention-camps"]["affected"] == "children held in North Korean prison camps"

    assert rows["conscript-forced-labour"]["affected"] == "North Korean military conscripts"
    assert RIGHT + "freedom-from-forced-labour" in rights["conscript-forced-labour"]
    assert rows["prison-labour-exploitation"]["affected"] == "prisoners in North Korean prisons and prison camps"
    assert RIGHT + "freedom-from-forced-labour" in rights["prison-labour-exploitation"]
    assert RIGHT + "labour-rights" in rights["state-job-assignment"]

    union = rows["party-control-of-trade-unions"]
    assert union["actors"] == "Workers' Party of Korea"
    assert RIGHT + "freedom-of-association" in rights["party-control-of-trade-unions"]

    parts = {p for p, r in rows.items() if r.get("partOf") == KG + "state-forced-labour-system"}
    assert parts == {"child-labour-farms-and-construction", "child-scrap-collection", "child-landscaping-work",
                     "child-labour-in-detention-camps", "conscript-forced-labour", "state-job-assignment",
                     "shock-brigade-mobilisation", "abuse-of-forced-labourers", "prison-labour-exploitation"}
    # the OHCHR report backs the adult forced-labour practices
    for practice in ("conscript-forced-labour", "state-job-assignment", "shock-brigade-mobilisation",
                     "abuse-of-forced-labourers", "prison-labour-exploitation", "state-forced-labour-system"):
        assert "Office of the United Nations High Commissioner for Human Rights" in rows[practice]["findingAuthors"]


def test_ohchr_forced_labour_findings_derive_from_its_report(engine):
    rows = select(engine, """
        SELECT DISTINCT ?claim ?certainty WHERE {
          ?claim a nkhr:Claim ; prov:wasDerivedFrom kg:ohchr-forced-labour-report ;
                 prov:wasAttributedTo kg:ohchr ; nkhr:certainty ?certainty ; nkhr:statedIn sec:Labor_rights .
        }""")
    assert {r["claim"].removeprefix(KG) for r in rows} == {
        "claim-ohchr-forced-labour-serves-state", "claim-ohchr-forced-labour-school-to-adulthood",
        "claim-ohchr-conscripts-forced-to-work", "claim-ohchr-state-assigns-jobs", "claim-ohchr-shock-brigades",
        "claim-ohchr-forced-labourers-beaten", "claim-ohchr-prison-labour-may-be-slavery"}
    assert {r["certainty"] for r in rows} == {"https://w3id.org/nkhr/ontology#Reported"}


def test_north_korea_is_outside_the_ilo_and_the_party_runs_the_union(engine):
    rows = select(engine, """
        SELECT ?union ?about WHERE {
          kg:gftuk rdfs:label ?union ; nkhr:runBy kg:workers-party-of-korea .
          kg:claim-north-korea-outside-ilo nkhr:about ?about .
        }""")
    assert {r["union"] for r in rows} == {"General Federation of Trade Unions of Korea"}
    assert {r["about"] for r in rows} == {KG + "north-korea", KG + "ilo"}


# ---------------------------------------------------------------- movement

def test_movement_controls_dates_actors_and_claims(run_query):
    rows = {r["item"].removeprefix(KG): r for r in run_query("liberties-movement-controls")}

    ban = rows["ban-may-2016"]
    assert (ban["kind"], ban["date"], ban["actors"]) == ("event", "2016-05", "Kim Jong Un")
    assert {RIGHT + "freedom-of-movement", RIGHT + "marriage-and-family"} <= set(ban["rights"].split())

    meeting = rows["wpk-meeting-may-2016"]
    assert (meeting["date"], meeting["actors"]) == ("2016-05-06", "Workers' Party of Korea")
    assert "[stated as fact]" in meeting["claims"] and "36 years" in meeting["claims"]

    report = rows["un-report-women-detainees-2020"]
    assert (report["kind"], report["date"]) == ("report", "2020-07-28")
    assert report["actors"] == "Office of the United Nations High Commissioner for Human Rights"

    women = rows["abuse-of-women-detainees"]
    assert women["affected"] == "women detained in North Korea"
    assert {RIGHT + "food", RIGHT + "humane-detention"} <= set(women["rights"].split())
    assert women["claims"].count("[reported; Office of the United Nations High Commissioner for Human Rights]") == 2

    assert "[alleged]" in rows["forced-resettlement"]["claims"]
    assert "[reported; North Korean defectors]" in rows["internal-travel-permits"]["claims"]
    assert RIGHT + "asylum" in rows["forced-repatriation-from-china"]["rights"].split()
    assert RIGHT + "life" in rows["torture-and-execution-of-returnees-with-ngo-contacts"]["rights"].split()
    assert rows["family-hostages-for-travellers"]["affected"].count(";") == 1


# ---------------------------------------------------------------- all sections: practices and rights

def test_every_subsection_describes_practices_with_their_rights(run_query):
    rows = run_query("liberties-practices")
    by_section: dict[str, dict[str, set[str]]] = {}
    for r in rows:
        by_section.setdefault(r["section"], {})[r["practice"].removeprefix(KG)] = set(r["rights"].split())
    assert set(by_section) == set(OUR_SECTIONS)
    assert RIGHT + "privacy" in by_section[CIVIL]["informant-network"]
    assert RIGHT + "freedom-of-expression" in by_section[SPEECH]["punishment-of-criticism"]
    assert RIGHT + "freedom-from-arbitrary-detention" in by_section[SPEECH]["punishment-of-criticism"]
    assert RIGHT + "freedom-of-association" in by_section[SPEECH]["state-control-of-civic-organisations"]
    assert {"internet-ban", "state-controlled-radio-and-tv-sets", "foreign-media-ban"} <= set(by_section[INFORMATION])
    assert RIGHT + "life" in by_section[INFORMATION]["foreign-media-ban"]
    assert RIGHT + "freedom-of-religion" in by_section[RELIGION]["restriction-of-religious-activity"]
    assert RIGHT + "freedom-of-religion" in by_section[PERSECUTION]["religion-as-political-crime"]
    assert RIGHT + "freedom-of-movement" in by_section[MOVEMENT]["internal-travel-permits"]


def test_civil_liberties_intro_facts(engine):
    rows = select(engine, """
        SELECT ?type ?publisher ?author WHERE {
          kg:un-resolution-2005-11 a ?type ; dcterms:publisher ?publisher .
          kg:claim-ohchr-acknowledges-widespread-violations prov:wasAttributedTo ?author .
        }""")
    assert "https://w3id.org/nkhr/ontology#Resolution" in {r["type"] for r in rows}
    assert {r["publisher"] for r in rows} == {KG + "united-nations"}
    assert {r["author"] for r in rows} == {KG + "ohchr"}
    about = select(engine, "SELECT ?a WHERE { kg:claim-kim-il-sung-no-civil-rights-for-opponents nkhr:about ?a }")
    assert {r["a"] for r in about} == {KG + "kim-il-sung", KG + "opponents-of-the-regime"}

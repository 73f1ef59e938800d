"""Section group D: criminal justice, trials, public executions, prisons, and the internment
camps for political prisoners.

Each test asserts what the article states, so a wrong or missing fact in
data/criminal-justice/{criminal-justice,trials,public-executions,prisons,internment-camps}.ttl
fails.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from support import select

KG = "https://w3id.org/nkhr/id/"
SEC = "https://w3id.org/nkhr/id/section/"
RIGHT = "https://w3id.org/nkhr/id/right/"
CAMPS = SEC + "Internment_camps_for_political_prisoners"
D_SECTIONS = ["Criminal_justice", "Trials", "Public_executions", "Prisons",
              "Internment_camps_for_political_prisoners"]


# ---------------------------------------------------------------- political prison camps

def test_camp_table_ranked_by_prisoners(run_query):
    rows = run_query("camps-political-prison-camps")
    by_camp = {r["camp"]: r for r in rows}
    expected = {
        # camp: (official name, km², mi², prisoners, at least, rank)
        "kwan-li-so-18": ("Kwan-li-so No. 18", "73", "28", "50000", "false", "1"),
        "kwan-li-so-22": ("Kwan-li-so No. 22", "225", "87", "50000", "false", "1"),
        "kwan-li-so-15": ("Kwan-li-so No. 15", "378", "146", "46500", "false", "3"),
        "kwan-li-so-14": ("Kwan-li-so No. 14", "155", "60", "15000", "false", "4"),
        "kwan-li-so-16": ("Kwan-li-so No. 16", "549", "212", "10000", "false", "5"),
        "kwan-li-so-25": ("Kwan-li-so No. 25", "0.25", "0.1", "3000", "true", "6"),
    }
    for slug, (official, km2, mi2, prisoners, at_least, rank) in expected.items():
        row = by_camp[KG + slug]
        assert row["officialName"] == official
        assert Decimal(row["areaKm2"]) == Decimal(km2)
        assert Decimal(row["areaMi2"]) == Decimal(mi2)
        assert row["prisoners"] == prisoners
        assert row["prisonersAtLeast"] == at_least
        assert row["rank"] == rank
        assert row["status"] == "operating"
        assert row["runBy"] == "State Security Department"
        assert row["prisonersCertainty"] == "stated as fact"
        assert row["prisonersSection"] == "Internment_camps_for_political_prisoners"
        assert row["areaSection"] == "Internment_camps_for_political_prisoners"
    # Yodok, spelled out as in the brief
    yodok = by_camp[KG + "kwan-li-so-15"]
    assert (yodok["campLabel"], yodok["officialName"], yodok["areaKm2"], yodok["areaMi2"], yodok["prisoners"]) == \
        ("Yodok Political Prison Camp", "Kwan-li-so No. 15", "378", "146", "46500")
    # ranked order: largest first, the closed Onsong camp (no figure) last
    order = [r["camp"].removeprefix(KG) for r in rows]
    assert order[:2] == ["kwan-li-so-18", "kwan-li-so-22"]
    assert order[2:6] == ["kwan-li-so-15", "kwan-li-so-14", "kwan-li-so-16", "kwan-li-so-25"]
    onsong = by_camp[KG + "kwan-li-so-12"]
    assert order[-1] == "kwan-li-so-12"
    assert onsong["status"] == "closed" and onsong["officialName"] == "Kwan-li-so No. 12"
    assert "prisoners" not in onsong and "rank" not in onsong


def test_camp_prisoner_estimates_keep_author_range_and_qualifiers(run_query):
    rows = {r["claim"]: r for r in run_query("camps-prisoner-estimates")}
    total = rows[KG + "claim-political-prisoners-total"]
    assert (total["min"], total["max"]) == ("80000", "120000")
    assert "value" not in total
    assert total["certainty"] == "estimated"
    assert total["section"] == CAMPS
    chongjin = rows[KG + "claim-kwan-li-so-25-prisoners"]
    assert chongjin["value"] == "3000" and chongjin["atLeast"] == "true"
    assert chongjin["officialName"] == "Kwan-li-so No. 25"
    # the lead's estimate for the camps as a whole sits beside the section's range
    lead = rows[KG + "claim-political-prisoners-2017"]
    assert lead["value"] == "200000" and lead["pointInTime"] == "2017"
    assert set(lead["authors"].split("; ")) == {"Amnesty International", "Committee for Human Rights in North Korea"}
    per_camp = {r["subject"].removeprefix(KG): r["value"] for r in rows.values()
                if r["section"] == CAMPS and r["subject"] != KG + "political-prison-camps"}
    assert per_camp == {"kwan-li-so-14": "15000", "kwan-li-so-15": "46500", "kwan-li-so-16": "10000",
                        "kwan-li-so-18": "50000", "kwan-li-so-22": "50000", "kwan-li-so-25": "3000"}


def test_camp_mortality_claims(run_query):
    rows = {r["claim"]: r for r in run_query("camps-mortality")}
    icnk = rows[KG + "claim-icnk-camp-deaths-per-year"]
    assert icnk["value"] == "10000" and icnk["atLeast"] == "true"
    assert icnk["authors"] == "International Coalition to Stop Crimes Against Humanity in North Korea"
    share = rows[KG + "claim-camp-prisoners-malnutrition-deaths-share"]
    assert share["value"] == "40" and share["unit"] == "%" and share["certainty"] == "estimated"
    onsong = rows[KG + "claim-onsong-riot-deaths"]
    assert onsong["value"] == "5000" and onsong["approximate"] == "true" and onsong["date"] == "1987"


def test_camp_counts_and_family_responsibility(engine):
    rows = select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX qk: <https://w3id.org/nkhr/id/quantity/>
        PREFIX schema: <https://schema.org/>
        SELECT ?claim ?value ?approx WHERE {
          ?claim nkhr:about kg:political-prison-camp-system ; nkhr:quantityKind qk:facilities ; schema:value ?value .
          OPTIONAL { ?claim nkhr:approximate ?approx }
        }""")
    counts = {r["claim"].removeprefix(KG): (r["value"], r.get("approx")) for r in rows}
    assert counts == {"claim-political-prison-camps-initially-twelve": ("12", "true"),
                      "claim-political-prison-camps-six-today": ("6", None)}
    ask = engine.query("""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX kg: <https://w3id.org/nkhr/id/>
        ASK { kg:claim-family-responsibility-nearly-abandoned nkhr:about kg:family-responsibility-principle ;
                nkhr:periodStart "1994"^^<http://www.w3.org/2001/XMLSchema#gYear> . }""")
    assert ask.boolean


def test_no_coordinates_or_provinces_for_the_camps(engine):
    rows = select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX schema: <https://schema.org/>
        SELECT ?camp ?p ?o WHERE {
          ?camp a nkhr:PoliticalPrisonCamp .
          { ?camp schema:geo ?o . BIND(schema:geo AS ?p) }
          UNION { ?camp schema:latitude ?o . BIND(schema:latitude AS ?p) }
          UNION { ?camp schema:containedInPlace ?o . BIND(schema:containedInPlace AS ?p)
                  FILTER(?o != <https://w3id.org/nkhr/id/north-korea>) }
        }""")
    assert rows == []


def test_kang_chol_hwan_and_his_book_on_yodok(engine):
    rows = select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX schema: <https://schema.org/>
        SELECT ?title ?creator ?nationality WHERE {
          kg:the-aquariums-of-pyongyang a nkhr:Book ; dcterms:title ?title ;
              dcterms:creator ?creator ; nkhr:about kg:kwan-li-so-15 .
          ?creator schema:nationality ?nationality .
        }""")
    assert rows == [{"title": "The Aquariums of Pyongyang", "creator": KG + "kang-chol-hwan",
                     "nationality": KG + "south-korea"}]


# ---------------------------------------------------------------- public executions

def test_dated_public_executions(run_query):
    rows = {r["execution"].removeprefix(KG): r for r in run_query("justice-public-executions")}
    assert set(rows) == {"execution-south-pyongan-factory-chief-2007", "execution-border-crossers-2008",
                         "execution-leaflet-handlers-2011"}
    chief = rows["execution-south-pyongan-factory-chief-2007"]
    assert chief["date"] == "2007-10" and chief["spectators"] == "150000"
    assert "stadium" in chief["place"].lower()
    crossers = rows["execution-border-crossers-2008"]
    assert crossers["date"] == "2008" and crossers["executedCount"] == "15"
    leaflets = rows["execution-leaflet-handlers-2011"]
    assert (leaflets["date"], leaflets["executedCount"], leaflets["spectators"]) == ("2011", "2", "500")
    assert leaflets["sources"] == "Radio Free Asia"
    assert [r["date"] for r in run_query("justice-public-executions")] == ["2007-10", "2008", "2011"]


def test_public_execution_claims_keep_their_sources(engine):
    rows = select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX schema: <https://schema.org/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?claim ?author ?certainty ?when ?value ?atLeast WHERE {
          VALUES ?claim { kg:claim-us-state-department-public-executions-resumed-2007
                          kg:claim-tjwg-execution-sites kg:claim-2007-draft-co-sponsors
                          kg:claim-general-assembly-192-members-2007 kg:claim-factory-chief-phones }
          ?claim nkhr:certainty ?certainty .
          OPTIONAL { ?claim prov:wasAttributedTo ?author }
          OPTIONAL { ?claim nkhr:pointInTime ?pit } OPTIONAL { ?claim dcterms:date ?d }
          BIND(COALESCE(?pit, ?d) AS ?when)
          OPTIONAL { ?claim schema:value ?value } OPTIONAL { ?claim nkhr:atLeast ?atLeast }
        }""")
    r = {row["claim"].removeprefix(KG): row for row in rows}
    sd = r["claim-us-state-department-public-executions-resumed-2007"]
    assert sd["author"] == KG + "us-state-department" and sd["when"] == "2007-10"
    tjwg = r["claim-tjwg-execution-sites"]
    assert tjwg["author"] == KG + "transitional-justice-working-group"
    assert (tjwg["value"], tjwg["atLeast"], tjwg["when"]) == ("323", "true", "2019-06")
    assert tjwg["certainty"].endswith("Alleged")
    assert (r["claim-2007-draft-co-sponsors"]["value"], r["claim-2007-draft-co-sponsors"]["atLeast"]) == ("50", "true")
    assert r["claim-general-assembly-192-members-2007"]["value"] == "192"
    assert r["claim-factory-chief-phones"]["value"] == "13"


def test_dprk_rejects_2007_draft_resolution(run_query):
    rows = {r["claim"]: r for r in run_query("justice-disputed")}
    concern = rows[KG + "claim-2007-draft-serious-concern"]
    assert concern["dprkResponse"] == KG + "claim-dprk-draft-inaccurate-and-biased"
    assert concern["section"] == SEC + "Public_executions"


# ---------------------------------------------------------------- criminal justice and trials

def test_jang_song_thaek_timeline(run_query):
    rows = run_query("justice-jang-song-thaek")
    dated = [(r["date"], r["item"].removeprefix(KG)) for r in rows if "date" in r]
    assert dated == [("2013-12-08", "jang-song-thaek-expulsion"),
                     ("2013-12-13", "claim-jang-song-thaek-execution-announced")]
    items = {r["item"].removeprefix(KG): r for r in rows}
    assert items["jang-song-thaek-expulsion"]["actor"] == "Workers' Party of Korea"
    assert items["claim-jang-song-thaek-execution-announced"]["source"] == "North Korean state media"
    assert items["claim-jang-song-thaek-accusations"]["certainty"] == "alleged"
    assert "jang-song-thaek-execution" in items


def test_jang_is_related_to_kim_jong_un_without_invented_kinship(engine):
    rows = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX schema: <https://schema.org/>
        SELECT ?p ?o WHERE {
          kg:jang-song-thaek ?p ?o .
          FILTER(?p IN (schema:relatedTo, schema:parent, schema:children, schema:spouse, schema:sibling))
        }""")
    assert rows == [{"p": "https://schema.org/relatedTo", "o": KG + "kim-jong-un"}]


def test_what_is_known_about_trials(run_query):
    rows = {r["claim"].removeprefix(KG): r for r in run_query("justice-trials")}
    constitution = rows["claim-constitution-courts-independent"]
    assert constitution["authors"] == "North Korea"
    assert constitution["sourceDocument"] == "Constitution of North Korea"
    assert constitution["contradicts"] == KG + "claim-no-independent-judiciary"
    assert rows["claim-no-independent-judiciary"]["certainty"] == "stated as fact"
    hidden = rows["claim-hidden-gulag-inmates-without-trial"]
    assert hidden["sourceDocument"] == "Hidden Gulag" and hidden["certainty"] == "reported"
    assert hidden.get("authors", "") == ""          # the article names no author
    wtt = rows["claim-wtt-share-tried"]
    assert (wtt["value"], wtt["unit"], wtt["sourceDocument"]) == ("13", "%", "Witness to Transformation")
    assert rows["claim-wtt-incarcerated-respondents"]["value"] == "102"
    assert "claim-mss-bypasses-trials-in-political-cases" in rows
    assert "claim-outside-access-only-to-minor-trials" in rows


def test_practices_violate_the_right_rights(run_query):
    rows = {r["practice"].removeprefix(KG): set(r["rights"].split()) for r in run_query("justice-practices")}
    def r(*names: str) -> set[str]:
        return {RIGHT + n for n in names}
    assert r("life", "fair-trial") <= rows["death-penalty-without-due-process"]
    assert r("life", "freedom-of-movement") <= rows["summary-execution-of-escapees"]
    assert r("fair-trial", "freedom-from-arbitrary-detention") <= rows["punishment-without-trial-in-political-cases"]
    assert r("life") <= rows["public-executions"]
    assert r("reproductive-autonomy", "life") <= rows["forced-abortion-and-infanticide-in-prisons"]
    assert r("freedom-from-forced-labour") <= rows["forced-labour-in-political-prison-camps"]
    assert r("food") <= rows["starvation-rations-in-political-prison-camps"]
    assert r("freedom-from-arbitrary-detention") <= rows["family-responsibility-principle"]
    assert r("freedom-from-torture") <= rows["abuse-in-pretrial-detention"]


# ---------------------------------------------------------------- prisons

def test_prison_documents(run_query):
    rows = {r["document"].removeprefix(KG): r for r in run_query("justice-prison-testimonies")}
    hrw = rows["hrw-worth-less-than-an-animal"]
    assert hrw["title"] == ("'Worth Less Than an Animal': Abuses and Due Process Violations "
                            "in Pretrial Detention in North Korea")
    assert (hrw["issued"], hrw["pages"], hrw["creator"]) == ("2020-10-19", "88", "Human Rights Watch")
    lee = rows["lee-soon-ok-house-testimony-2002"]
    assert (lee["kind"], lee["creator"], lee["audience"], lee["issued"]) == \
        ("testimony", "Lee Soon-ok", "United States House of Representatives", "2002")
    ahn = rows["ahn-myong-chol-testimony"]
    assert ahn["creator"] == "Ahn Myong Chol" and "Hoeryong Political Prison Camp" in ahn["about"]
    assert rows["hidden-gulag"].get("creator", "") == ""   # no author in the article


def test_dprk_denial_of_prison_abuses(run_query):
    rows = {r["claim"].removeprefix(KG): r for r in run_query("justice-disputed")}
    denial = KG + "claim-dprk-denies-prison-camp-abuses"
    for claim in ("claim-prison-conditions-harsh-and-life-threatening", "claim-prisoners-tortured",
                  "claim-prisoners-executed-including-children", "claim-former-prisoners-different-rules",
                  "claim-lee-soon-ok-most-prisoners-died"):
        assert rows[claim]["dprkResponse"] == denial
    assert rows["claim-prison-conditions-harsh-and-life-threatening"]["authors"] == \
        "organisations reporting on North Korean prisons"


def test_lee_soon_ok_figures(engine):
    rows = select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX schema: <https://schema.org/>
        SELECT ?value ?pit ?start ?end WHERE {
          kg:claim-lee-soon-ok-6000-prisoners-1987 schema:value ?value ; nkhr:pointInTime ?pit ;
              prov:wasAttributedTo kg:lee-soon-ok ; prov:wasDerivedFrom kg:lee-soon-ok-house-testimony-2002 .
          kg:claim-lee-soon-ok-most-prisoners-died nkhr:periodStart ?start ; nkhr:periodEnd ?end .
        }""")
    assert rows == [{"value": "6000", "pit": "1987", "start": "1987", "end": "1992"}]


# ---------------------------------------------------------------- every number of the sections

def test_every_number_of_group_d_sections_is_present(engine):
    values = ", ".join(f"<{SEC}{s}>" for s in D_SECTIONS)
    rows = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?section ?v WHERE {{
          ?claim a nkhr:Claim ; nkhr:statedIn ?section .
          FILTER(?section IN ({values}))
          {{ ?claim schema:value ?v }} UNION {{ ?claim schema:minValue ?v }} UNION {{ ?claim schema:maxValue ?v }}
        }}""")
    found: dict[str, set[Decimal]] = {}
    for r in rows:
        found.setdefault(r["section"].removeprefix(SEC), set()).add(Decimal(r["v"]))
    def D(*xs: float) -> set[Decimal]:
        return {Decimal(str(x)) for x in xs}
    assert found.get("Criminal_justice", set()) == set()        # dates only, no figures
    assert found["Trials"] == D(13, 102)
    assert found["Public_executions"] == D(13, 150000, 15, 50, 192, 2, 500, 323)
    assert found["Prisons"] == D(6000)
    assert found["Internment_camps_for_political_prisoners"] == D(
        155, 60, 15000, 378, 146, 46500, 549, 212, 10000, 73, 28, 50000, 225, 87,
        "0.25", "0.1", 3000, 80000, 120000, 5000, 40, 12, 6)


def test_every_date_of_group_d_sections_is_present(engine):
    values = ", ".join(f"<{SEC}{s}>" for s in D_SECTIONS)
    rows = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?d WHERE {{
          ?node nkhr:statedIn ?section .
          FILTER(?section IN ({values}))
          ?node ?p ?d .
          FILTER(?p IN (dcterms:date, dcterms:issued, schema:endDate, nkhr:pointInTime,
                        nkhr:periodStart, nkhr:periodEnd))
        }}""")
    dates = {r["d"] for r in rows}
    assert {"2013-12-08", "2013-12-13", "2007-10", "2007", "2008", "2011", "2019-06", "2002", "1987",
            "1992", "2020-10-19", "1994"} <= dates


@pytest.mark.parametrize("section", D_SECTIONS)
def test_each_section_has_claims(engine, section):
    rows = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a nkhr:Claim ; nkhr:statedIn <{SEC}{section}> }}""")
    assert int(rows[0]["n"]) >= 4

"""Section group E: re-education camps and international abductions.

Each test asserts what the article states, so a wrong or missing fact in
data/criminal-justice/reeducation-camps.ttl or data/international-abductions.ttl fails.
"""

from __future__ import annotations

from collections import Counter

from support import select

KG = "https://w3id.org/nkhr/id/"
SEC = "https://w3id.org/nkhr/id/section/"
REEDUCATION = SEC + "Re-education_camps"
ABDUCTIONS = SEC + "International_abductions"


def split(value: str) -> set[str]:
    return set(value.split(" | ")) if value else set()


# ---------------------------------------------------------------- re-education camps

SELF_DESCRIBED = "people who say they are former prisoners of North Korean re-education camps"

EXPECTED_CAMPS = {
    # IRI: (official name, number, town, province, prisoners, approximate, certainty, source)
    "kyo-hwa-so-1": ("Kyo-hwa-so No. 1", "1", None, None, "6000", None, "stated as fact", None),
    "kyo-hwa-so-12": ("Kyo-hwa-so No. 12", "12", None, None, "2000", None, "stated as fact", None),
    "kyo-hwa-so-3": ("Kyo-hwa-so No. 3", "3", "Sinuiju", "North Pyongan", "2500", "true", "alleged", SELF_DESCRIBED),
    "kyo-hwa-so-4": ("Kyo-hwa-so No. 4", "4", "Kangdong", "South Pyongan", "7000", "true", "alleged", SELF_DESCRIBED),
    "kyo-hwa-so-8": ("Kyo-hwa-so No. 8", "8", "Yongdam", "Kangwon", "3000", "true", "alleged", SELF_DESCRIBED),
    "kyo-hwa-so-11": ("Kyo-hwa-so No. 11", "11", "Chungsan", "South Pyongan", "3300", "true", "alleged",
                      SELF_DESCRIBED),
    "kyo-hwa-so-15": ("Kyo-hwa-so No. 15", "15", "Hamhung", "South Hamgyong", "500", "true", "alleged", SELF_DESCRIBED),
    "kyo-hwa-so-22": ("Kyo-hwa-so No. 22", "22", "Oro", "South Hamgyong", "1000", "true", "alleged", SELF_DESCRIBED),
    "kyo-hwa-so-77": ("Kyo-hwa-so No. 77", "77", "Danchon", "South Hamgyong", "6000", "true", "alleged",
                      SELF_DESCRIBED),
    "kyo-hwa-so-hoeryong": (None, None, "Hoeryong", "North Hamgyong", "1500", "true", "alleged", SELF_DESCRIBED),
    "kyo-hwa-so-taehung": (None, None, "Taehŭng", None, None, None, None, None),
    "kyo-hwa-so-sunghori": (None, None, "Sŭnghori", None, None, None, None, None),
}


def test_every_reeducation_camp_with_number_place_and_prisoners(run_query):
    rows = run_query("reeducation-camps")
    assert len(rows) == len(EXPECTED_CAMPS)          # one row per camp: no duplicated figures
    found = {
        r["camp"].removeprefix(KG): (r.get("officialName"), r.get("number"), r.get("townLabel"),
                                     r.get("provinceLabel"), r.get("prisoners"), r.get("approximate"),
                                     r.get("certaintyLabel"), r.get("sourceLabel"))
        for r in rows
    }
    assert found == EXPECTED_CAMPS


def test_table_camps_keep_the_article_names_and_the_interior_ministry_runs_them_all(run_query):
    rows = {r["camp"].removeprefix(KG): r for r in run_query("reeducation-camps")}
    assert rows["kyo-hwa-so-1"]["campLabel"] == "Kaechon Reeducation Camp"
    assert rows["kyo-hwa-so-12"]["campLabel"] == "Chongori Reeducation Camp"
    assert {r["runByLabel"] for r in rows.values()} == {"Interior ministry of North Korea"}


def test_only_sunghori_is_reported_closed_and_no_status_is_invented(run_query):
    statuses = {r["camp"].removeprefix(KG): r.get("statusLabel") for r in run_query("reeducation-camps")}
    assert statuses.pop("kyo-hwa-so-sunghori") == "closed"
    assert set(statuses.values()) == {None}


def test_truncated_table_size_is_not_encoded_and_no_coordinates(engine):
    rows = select(engine, """
        SELECT ?camp ?p WHERE {
          ?camp a nkhr:ReeducationCamp .
          { ?claim nkhr:about ?camp ; nkhr:quantityKind qk:area . BIND(qk:area AS ?p) }
          UNION { ?camp schema:geo ?g . BIND(schema:geo AS ?p) }
          UNION { ?camp schema:latitude ?g . BIND(schema:latitude AS ?p) }
        }""")
    assert rows == []


def test_reeducation_camps_are_not_the_political_prison_camps_of_the_same_name(engine):
    rows = select(engine, """
        SELECT ?camp WHERE { ?camp a nkhr:ReeducationCamp , nkhr:PoliticalPrisonCamp }""")
    assert rows == []
    rows = select(engine, """
        SELECT ?kind WHERE { kg:kwan-li-so-14 a ?kind . FILTER(?kind = nkhr:ReeducationCamp) }""")
    assert rows == []


def test_around_15_to_20_reeducation_camps(engine):
    rows = select(engine, """
        SELECT ?min ?max ?approx ?cert WHERE {
          ?c nkhr:about kg:reeducation-camp-system ; nkhr:quantityKind qk:facilities ;
             schema:minValue ?min ; schema:maxValue ?max ; nkhr:approximate ?approx ;
             nkhr:certainty ?cert ; nkhr:statedIn sec:Re-education_camps .
        }""")
    assert rows == [{"min": "15", "max": "20", "approx": "true",
                     "cert": "https://w3id.org/nkhr/ontology#StatedAsFact"}]


def test_practices_of_the_reeducation_camps_and_their_rights(run_query):
    rows = {r["practice"].removeprefix(KG): r for r in run_query("reeducation-practices")}
    assert set(rows) == {
        "denunciation-on-false-charges", "forced-false-confessions", "show-trials",
        "harsh-punishment-of-political-crimes", "reeducation-camp-slave-labour",
        "torture-for-missed-work-quotas", "kaechon-reeducation-punishment-cells",
        "reeducation-ideological-instruction",
    }
    assert "freedom from forced labour and slavery" in split(rows["reeducation-camp-slave-labour"]["rightsViolated"])
    assert "freedom from torture and inhumane treatment" in split(rows["forced-false-confessions"]["rightsViolated"])
    assert "right to a fair trial" in split(rows["show-trials"]["rightsViolated"])
    assert rows["kaechon-reeducation-punishment-cells"]["where"] == "Kaechon Reeducation Camp"
    assert "freedom of expression" in split(rows["reeducation-ideological-instruction"]["rightsViolated"])


def test_lee_soon_ok_book_senate_testimony_and_the_six_deaths(engine):
    rows = select(engine, """
        SELECT ?title ?audience ?deaths ?nationality WHERE {
          kg:eyes-of-the-tailless-animals dcterms:title ?title ; dcterms:creator kg:lee-soon-ok .
          kg:lee-soon-ok-us-senate-testimony dcterms:creator kg:lee-soon-ok ; nkhr:audience ?audience .
          kg:claim-lee-soon-ok-fellow-prisoners-died nkhr:about kg:lee-soon-ok-icy-water-torture ;
              nkhr:quantityKind qk:deaths ; schema:value ?deaths .
          kg:lee-soon-ok-icy-water-torture nkhr:affected kg:lee-soon-ok .
          kg:lee-soon-ok schema:nationality ?nationality .
        }""")
    assert rows == [{"title": "Eyes of the Tailless Animals: Prison Memoirs of a North Korean Woman",
                     "audience": KG + "us-senate", "deaths": "6", "nationality": KG + "south-korea"}]


def test_october_2014_admission_of_labour_camps(engine):
    rows = select(engine, """
        SELECT ?claim ?author ?date WHERE {
          ?claim nkhr:statedIn sec:Re-education_camps ; nkhr:certainty nkhr:Admitted ;
                 prov:wasAttributedTo ?author ; dcterms:date ?date .
        }""")
    assert {(r["claim"].removeprefix(KG), r["author"].removeprefix(KG), r["date"]) for r in rows} == {
        ("claim-dprk-admits-labour-camps-2014", "north-korea", "2014-10"),
        ("claim-choe-myong-nam-reform-through-labour", "choe-myong-nam", "2014-10"),
    }
    ministry = select(engine, """
        SELECT ?m WHERE { kg:choe-myong-nam org:memberOf ?m . ?m a nkhr:GovernmentBody ;
                          org:subOrganizationOf kg:north-korea }""".replace(
        "SELECT", "PREFIX org: <http://www.w3.org/ns/org#> SELECT"))
    assert ministry == [{"m": KG + "dprk-foreign-ministry"}]


# ---------------------------------------------------------------- international abductions

def found_author(rows, value):
    """The givenBy cell of the row with this value (its two authors come in no fixed order)."""
    return next(r["givenBy"] for r in rows if r["value"] == value)


def test_abduction_counts_side_by_side(run_query):
    rows = run_query("abductions-counts")
    found = {(r["subjectLabel"], r["quantityLabel"], r["value"], r["certaintyLabel"], r.get("givenBy", ""),
              r.get("disputedBy", "")) for r in rows}
    japanese = "Japanese citizens abducted by North Korea"
    south_koreans = "South Koreans abducted by North Korea after the Korean War"
    assert found == {
        (japanese, "people abducted", "17", "alleged", "Japan", "North Korea"),
        (japanese, "people abducted", "13", "admitted", found_author(rows, "13"), ""),
        (japanese, "deaths", "8", "alleged", "North Korea", ""),
        ("surviving Japanese abductees who visited Japan and stayed there", "people abducted", "5",
         "stated as fact", "", ""),
        ("Japanese abductees whom Japan regards as still unaccounted for", "people abducted", "2",
         "reported", "Japan", ""),
        (south_koreans, "people abducted", "486", "alleged", "South Korea", "North Korea"),
        (south_koreans, "people abducted", "480", "reported", "South Korea", "North Korea"),
        ("European citizens abducted to North Korea", "people abducted", "9", "alleged",
         "people who testify to abductions by North Korea", "North Korea"),
    }
    by_value = {r["value"]: r for r in rows}
    assert split(by_value["13"]["givenBy"]) == {"Kim Jong Il", "North Korea"}
    assert by_value["13"]["certaintyLabel"] == "admitted" and by_value["13"]["date"] == "2002-09"
    assert by_value["13"]["subjectLabel"] == by_value["17"]["subjectLabel"]
    assert (by_value["486"]["givenBy"], by_value["486"]["disputedBy"], by_value["486"]["since"]) == (
        "South Korea", "North Korea", "1953")
    assert (by_value["480"]["givenBy"], by_value["480"]["certaintyLabel"]) == ("South Korea", "reported")
    assert by_value["480"]["subjectLabel"] == by_value["486"]["subjectLabel"]
    assert (by_value["9"]["subjectLabel"], by_value["9"]["disputedBy"]) == (
        "European citizens abducted to North Korea", "North Korea")
    assert (by_value["8"]["quantityLabel"], by_value["8"]["givenBy"]) == ("deaths", "North Korea")
    assert (by_value["2"]["givenBy"], by_value["5"]["certaintyLabel"]) == ("Japan", "stated as fact")


def test_named_abductees_when_and_from_where(run_query):
    rows = {r["personLabel"]: r for r in run_query("abductions-victims")}
    assert {(name, r.get("fromLabel"), r.get("date")) for name, r in rows.items()} == {
        ("Megumi Yokota", "Japan", None),
        ("Hasuike", "Japan", None),
        ("Kim Dong-shik", "South Korea", "2000-01-16"),
        ("Jin Gyeong-suk", "South Korea", "2004-08-08"),
        ("Doina Bumbea", "Romania", None),
        ("Anocha Panjoy", "Thailand", None),
    }
    assert split(rows["Megumi Yokota"]["disputedBy"]) == {"Japan", "North Korea"}   # the ashes dispute
    assert rows["Kim Dong-shik"]["certainties"] == "alleged"
    assert rows["Kim Dong-shik"]["disputedBy"] == "North Korea"
    assert rows["Hasuike"]["certainties"] == "stated as fact"
    assert "disputedBy" not in rows["Hasuike"] or rows["Hasuike"]["disputedBy"] == ""


def test_dprk_admissions_and_what_its_denial_contradicts(run_query):
    rows = run_query("abductions-dprk-position")
    pairs = {(r["dprkClaim"].removeprefix(KG), r.get("otherClaim", "").removeprefix(KG)) for r in rows}
    assert ("claim-dprk-admits-13-abductees", "claim-japan-17-abductees") in pairs
    assert ("claim-dprk-yokota-ashes", "claim-japan-yokota-ashes-not-hers") in pairs
    denied = {other for claim, other in pairs if claim == "claim-dprk-denies-other-abductions"}
    assert denied == {
        "claim-european-abductees-nine", "claim-us-citizens-abducted", "claim-south-korea-486-abductees",
        "claim-south-korea-recognises-480-abductees", "claim-kim-dong-shik-abducted",
        "claim-jin-gyeong-suk-abducted", "claim-doina-bumbea-abducted", "claim-anocha-panjoy-abducted",
        "claim-other-non-korean-non-japanese-abductees",
    }
    admitted = {r["dprkClaim"].removeprefix(KG) for r in rows if r["dprkCertaintyLabel"] == "admitted"}
    assert admitted == {"claim-dprk-admits-13-abductees", "claim-kim-jong-il-acknowledges-special-institutions"}


def test_2002_meeting_and_the_six_year_admitted_period(engine):
    rows = select(engine, """
        SELECT ?date ?start ?end ?actor WHERE {
          kg:kim-jong-il-koizumi-meeting-2002 a nkhr:Meeting ; dcterms:date ?date ; nkhr:actor ?actor .
          kg:claim-kim-jong-il-acknowledges-special-institutions
              prov:wasGeneratedBy kg:kim-jong-il-koizumi-meeting-2002 ;
              nkhr:periodStart ?start ; nkhr:periodEnd ?end .
        }""")
    assert {(r["date"], r["start"], r["end"]) for r in rows} == {("2002-09", "1977", "1983")}
    assert {r["actor"].removeprefix(KG) for r in rows} == {"kim-jong-il", "junichiro-koizumi"}


def test_hasuike_2017_appeal_and_kwafa_2013_icc_plan(engine):
    rows = select(engine, """
        SELECT ?date ?about WHERE {
          kg:claim-hasuike-urges-abe-visit prov:wasAttributedTo kg:hasuike ; dcterms:date ?date ; nkhr:about ?about .
        }""")
    assert {r["date"] for r in rows} == {"2017"}
    assert {KG + "shinzo-abe", KG + "pyongyang-declaration"} <= {r["about"] for r in rows}
    rows = select(engine, """
        SELECT ?date ?about WHERE {
          kg:claim-kwafa-to-take-kim-jong-un-to-icc prov:wasAttributedTo kg:kwafa ; dcterms:date ?date ;
              nkhr:about ?about .
        }""")
    assert {r["date"] for r in rows} == {"2013-11"}
    assert {KG + "kim-jong-un", KG + "international-criminal-court"} <= {r["about"] for r in rows}


# ---------------------------------------------------------------- every number of both sections

def test_every_number_of_sections_e_is_present(engine):
    rows = select(engine, """
        SELECT DISTINCT ?claim ?section ?v WHERE {
          VALUES ?section { sec:Re-education_camps sec:International_abductions }
          ?claim a nkhr:Claim ; nkhr:statedIn ?section .
          { ?claim schema:value ?v } UNION { ?claim schema:minValue ?v } UNION { ?claim schema:maxValue ?v }
        }""")
    found = Counter((r["section"].removeprefix(SEC), r["v"]) for r in rows)
    expected = Counter(
        [("Re-education_camps", v) for v in
         ("6", "15", "20", "6000", "2000", "2500", "7000", "3000", "3300", "500", "1000", "6000", "1500")]
        + [("International_abductions", v) for v in ("9", "17", "13", "5", "8", "2", "486", "480")]
    )
    assert found == expected
    dates = select(engine, """
        SELECT DISTINCT ?d WHERE {
          VALUES ?section { sec:Re-education_camps sec:International_abductions }
          ?n nkhr:statedIn ?section .
          FILTER(?n NOT IN (kg:korean-war, kg:lee-soon-ok-imprisonment))   # dated in other files
          { ?n dcterms:date ?d } UNION { ?n schema:endDate ?d } UNION { ?n nkhr:periodStart ?d }
          UNION { ?n nkhr:periodEnd ?d }
        }""")
    assert {r["d"] for r in dates} == {"2014-10", "2002-09", "1977", "1983", "2017", "1953",
                                       "2000-01-16", "2004-08-08", "2013-11"}

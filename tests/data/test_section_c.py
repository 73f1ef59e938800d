"""Section group C: freedom of the press, minority rights, disability rights, the right to food
(with its subsections on discrimination and on detention), women and forced prostitution, and
forced abortion.

Each test asserts what the article states, so that a wrong or missing fact in
data/civil-liberties/{press,minority-rights,disability-rights,food,women,forced-abortion}.ttl fails.
"""

from __future__ import annotations

from support import select

KG = "https://w3id.org/nkhr/id/"
SEC = "https://w3id.org/nkhr/id/section/"
RIGHT = "https://w3id.org/nkhr/id/right/"
PRESS = SEC + "Freedom_of_the_press"
MINORITY = SEC + "Minority_rights"
DISABILITY = SEC + "Disability_rights"
FOOD = SEC + "Right_to_food"
FOOD_ACCESS = SEC + "Discrimination_and_unequal_access_to_food"
FOOD_DETENTION = SEC + "Food_shortage_and_malnutrition_in_detention"
WOMEN = SEC + "Women_and_forced_prostitution"
ABORTION = SEC + "Forced_abortion"
SECTIONS = (PRESS, MINORITY, DISABILITY, FOOD, FOOD_ACCESS, FOOD_DETENTION, WOMEN, ABORTION)


def by(rows, key):
    return {r[key]: r for r in rows}


# ---------------------------------------------------------------- freedom of the press

def test_rsf_ranks_north_korea_last_in_2017(run_query):
    rows = run_query("rights-press-ranking")
    assert len(rows) == 1
    rating = rows[0]
    assert rating["rating"] == KG + "rating-rsf-press-freedom-2017"
    assert rating["country"] == KG + "north-korea"
    assert rating["publisher"] == KG + "reporters-without-borders"
    assert rating["publisherLabel"] == "Reporters Without Borders"
    assert rating["index"] == KG + "press-freedom-index"
    assert rating["rankedLast"] == "true"
    assert rating["year"] == "2017"
    assert rating["section"] == PRESS


def test_press_restrictions_practices_laws_and_events(run_query):
    rows = by(run_query("rights-press-restrictions"), "item")
    law = rows[KG + "law-on-rejecting-reactionary-ideology-and-culture"]
    assert law["kind"] == "law" and law["date"] == "2020"
    assert {RIGHT + "freedom-of-information", RIGHT + "life"} <= set(law["rights"].split())
    assert "forced labour" in law["claims"] and "death" in law["claims"]
    assert "South Korea, Japan and the United States" in law["claims"]
    passing = rows[KG + "passing-of-reactionary-ideology-law"]
    assert passing["date"] == "2020" and passing["actors"] == "North Korea"
    seals = rows[KG + "seal-check-campaign-2003"]
    assert seals["kind"] == "event" and seals["date"] == "2003"
    assert "Workers' Party of Korea" in seals["actors"].split("; ")
    sealed = rows[KG + "preset-sealed-receivers"]
    assert "[alleged; Reporters Without Borders]" in sealed["claims"]
    tampering = rows[KG + "state-controlled-radio-and-tv-sets"]
    assert "serious criminal offence in North Korea [stated as fact]" in tampering["claims"]
    films = rows[KG + "foreign-media-ban"]
    assert "[reported; unnamed United Nations envoy on North Korea]" in films["claims"]
    assert "[stated as fact]" in rows[KG + "dprk-constitution"]["claims"]
    assert RIGHT + "freedom-of-the-press" in rows[KG + "state-media-monopoly"]["rights"].split()
    propaganda = rows[KG + "state-media-propaganda"]
    assert "Kim Il Sung and Kim Jong Il" in propaganda["claims"]
    assert "North Korean state media" in propaganda["actors"].split("; ")
    assert "United States and Japan" in propaganda["claims"]


def test_press_reception_claims_keep_their_hedging(engine):
    rows = by(select(engine, """
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX kg: <https://w3id.org/nkhr/id/>
        SELECT ?claim ?certainty WHERE {
          VALUES ?claim { kg:claim-pal-ntsc-divide kg:claim-chinese-tv-reception-border
                          kg:claim-tampering-serious-crime }
          ?claim nkhr:certainty ?certainty }"""), "claim")
    assert rows[KG + "claim-chinese-tv-reception-border"]["certainty"].endswith("#Alleged")
    assert rows[KG + "claim-pal-ntsc-divide"]["certainty"].endswith("#StatedAsFact")
    assert rows[KG + "claim-tampering-serious-crime"]["certainty"].endswith("#StatedAsFact")


# ---------------------------------------------------------------- minority rights

def test_minority_claims_and_the_kcna_article(run_query):
    rows = by(run_query("rights-minority-claims"), "claim")
    kcna = rows[KG + "claim-kcna-gay-marriage-and-kirby"]
    assert kcna["authors"] == "Korean Central News Agency"
    assert kcna["certainty"] == "reported"
    assert kcna["date"] == "2014"
    assert kcna["sources"].startswith("KCNA article of 2014")
    assert "Michael Kirby" in kcna["subjects"].split("; ")
    assert rows[KG + "claim-kcna-article-homophobic-insults"]["certainty"] == "stated as fact"
    assert "International Criminal Court" in rows[KG + "claim-coi-report-advises-icc-referral"]["subjects"]
    assert rows[KG + "claim-returnees-not-accepted"]["certainty"] == "alleged"
    assert rows[KG + "claim-ethnic-homogeneity"]["subjects"] == "North Korea"
    assert "North Korean government minders" in rows[KG + "claim-minders-watch-foreigners"]["subjects"]


def test_return_from_japan_starts_in_1955(engine):
    rows = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT DISTINCT ?date ?start ?actor WHERE {
          kg:return-from-japan dcterms:date ?date ; nkhr:actor ?actor .
          kg:claim-returnees-period nkhr:periodStart ?start ;
                                    nkhr:about kg:return-from-japan .
          FILTER NOT EXISTS { kg:claim-returnees-period nkhr:periodEnd ?end }
        }""")
    assert {r["date"] for r in rows} == {"1955"} and {r["start"] for r in rows} == {"1955"}
    assert {r["actor"] for r in rows} == {KG + "korean-returnees-from-japan", KG + "japanese-spouses-of-returnees"}


# ---------------------------------------------------------------- disability rights

def test_treaties_north_korea_is_party_to(run_query):
    rows = by(run_query("rights-treaties"), "treaty")
    assert {KG + "icescr", KG + "crc"} <= set(rows)
    assert rows[KG + "icescr"]["accession"] == "1981-09-14"
    assert rows[KG + "icescr"]["abbreviation"] == "ICESCR"
    assert rows[KG + "crc"]["abbreviation"] == "CRC"
    assert DISABILITY in rows[KG + "icescr"]["sections"].split()
    assert DISABILITY in rows[KG + "crc"]["sections"].split()


def test_disability_claims_authors_certainty_and_sources(run_query):
    rows = by(run_query("rights-disability-claims"), "claim")
    ri = rows[KG + "claim-ri-kwang-chol-disabled-babies-killed"]
    assert (ri["authors"], ri["certainty"], ri["date"]) == ("Ri Kwang-chol", "alleged", "2006-03-22")
    assert ri["sources"].startswith("Associated Press report")
    camps = rows[KG + "claim-disabled-sent-to-special-camps"]
    assert (camps["authors"], camps["certainty"]) == ("North Korean defectors", "alleged")
    assert "special rapporteur" in camps["sources"]
    assert rows[KG + "claim-handicap-international-since-1999"]["authors"] == "Handicap International"
    icrc = rows[KG + "claim-icrc-rehabilitation-centre"]
    assert (icrc["authors"], icrc["date"]) == ("International Committee of the Red Cross", "2006")
    assert rows[KG + "claim-icbl-assistance-system"]["authors"] == "International Campaign to Ban Landmines"
    dprk = rows[KG + "claim-dprk-disabled-protected"]
    assert (dprk["authors"], dprk["certainty"]) == ("North Korea", "alleged")
    assert set(dprk["contradicts"].split()) == {KG + "claim-disability-law-not-implemented",
                                                KG + "claim-refugees-disabled-discriminated"}
    marked = rows[KG + "claim-2003-disability-law-adopted"]
    assert marked["sources"] == "Marked for Life: Songbun, North Korea's Social Classification System"
    assert "authors" not in marked or marked["authors"] == ""
    refugees = rows[KG + "claim-refugees-disabled-discriminated"]
    assert (refugees["authors"], refugees["certainty"]) == ("North Korean refugees", "reported")


def test_disability_events_and_documents(engine):
    rows = by(select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?node ?date WHERE {
          VALUES ?node { kg:dprk-first-paralympics-2012 kg:handicap-international-programme
                         kg:disability-equal-access-law-2003 kg:ap-report-ri-kwang-chol-2006 }
          ?node dcterms:date|dcterms:issued ?date }"""), "node")
    assert {k: v["date"] for k, v in rows.items()} == {
        KG + "dprk-first-paralympics-2012": "2012",
        KG + "handicap-international-programme": "1999",
        KG + "disability-equal-access-law-2003": "2003",
        KG + "ap-report-ri-kwang-chol-2006": "2006-03-22",
    }
    darusman = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT DISTINCT ?creator ?audience ?holder WHERE {
          kg:darusman-report-hrc-22 dcterms:creator ?creator ; nkhr:audience ?audience .
          kg:un-special-rapporteur-dprk org:heldBy ?holder }""")
    assert darusman == [{"creator": KG + "marzuki-darusman", "audience": KG + "un-human-rights-council",
                         "holder": KG + "marzuki-darusman"}]
    creators = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?creator WHERE { kg:marked-for-life dcterms:creator ?creator }""")
    assert creators == []   # the article names no author


# ---------------------------------------------------------------- right to food

def test_food_estimates_values_authors_and_sources(run_query):
    rows = by(run_query("rights-food-estimates"), "claim")
    ohchr = rows[KG + "claim-ohchr-hunger-10-9-million"]
    assert ohchr["value"] == "10900000" and ohchr["approximate"] == "true"
    assert ohchr["author"] == "Office of the United Nations High Commissioner for Human Rights"
    assert ohchr["date"] == "2019-05" and ohchr["certainty"] == "reported"
    assert ohchr["section"] == FOOD_ACCESS
    diverted = rows[KG + "claim-food-aid-diverted-share"]
    assert (diverted["min"], diverted["max"], diverted["unit"], diverted["certainty"]) == ("10", "30", "%", "estimated")
    urban = rows[KG + "claim-urban-families-food-share"]
    assert (urban["min"], urban["max"], urban["unit"]) == ("75", "85", "%")
    farmers = rows[KG + "claim-state-farmers-food-share"]
    assert float(farmers["value"]) == 33.3 and farmers["approximate"] == "true"
    farm = rows[KG + "claim-farm-workers-share-of-population"]
    assert (farm["value"], farm["approximate"]) == ("30", "true")
    deaths = rows[KG + "claim-yodok-malnutrition-deaths"]
    assert (deaths["min"], deaths["max"], deaths["quantity"]) == ("3", "4", "deaths")
    assert deaths["subjectLabel"] == "Yodok Political Prison Camp"
    assert deaths["section"] == FOOD_DETENTION
    assert deaths["source"] == "Former detainee's testimony on hunger in Yodok"


def test_competing_views_on_the_famine(run_query):
    rows = by(run_query("rights-food-debate"), "claim")
    man_made = rows[KG + "claim-haggard-noland-famine-man-made"]
    assert set(man_made["authors"].split("; ")) == {"Stephan Haggard", "Marcus Noland"}
    assert man_made["date"] == "2005"
    assert man_made["source"] == "Hunger and Human Rights: The Politics of Famine in North Korea"
    assert man_made["contradicts"] == KG + "claim-hazel-smith-no-unique-crisis"
    smith = rows[KG + "claim-hazel-smith-no-unique-crisis"]
    assert (smith["authors"], smith["date"]) == ("Hazel Smith", "2016")
    assert smith["contradicts"] == KG + "claim-haggard-noland-famine-man-made"
    amnesty = rows[KG + "claim-amnesty-government-failed-right-to-food"]
    assert (amnesty["authors"], amnesty["date"]) == ("Amnesty International", "2004-01")


def test_food_book_and_bachelet(engine):
    book = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT DISTINCT ?title ?publisher ?issued WHERE {
          kg:hunger-and-human-rights dcterms:title ?title ; dcterms:publisher ?publisher ; dcterms:issued ?issued }""")
    assert book == [{"title": "Hunger and Human Rights: The Politics of Famine in North Korea",
                     "publisher": KG + "hrnk", "issued": "2005"}]
    smith = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX schema: <https://schema.org/>
        SELECT ?country WHERE { kg:hazel-smith schema:nationality ?country }""")
    assert smith == [{"country": KG + "united-kingdom"}]
    bachelet = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        SELECT DISTINCT ?right WHERE {
          kg:claim-bachelet-rights-depend-on-bribery prov:wasAttributedTo kg:michelle-bachelet ;
                                                      nkhr:concernsRight ?right }""")
    assert {r["right"] for r in bachelet} >= {RIGHT + "food", RIGHT + "health", RIGHT + "freedom-of-movement"}


# ---------------------------------------------------------------- women, forced abortion

def test_kippumjo_allegations_and_forced_abortion(run_query):
    rows = by(run_query("rights-women-and-abortion"), "practice")
    drafting = rows[KG + "forced-drafting-into-kippumjo"]
    assert drafting["ages"] == "14" and drafting["section"] == WOMEN
    assert "[alleged; A Woman's Voice International]" in drafting["claims"]
    assert RIGHT + "freedom-from-sexual-exploitation" in drafting["rights"].split()
    marriage = rows[KG + "forced-marriage-of-kippumjo"]
    assert marriage["ages"] == "25" and RIGHT + "marriage-and-family" in marriage["rights"].split()
    returns = rows[KG + "china-returns-north-korean-refugees"]
    assert returns["actors"] == "China" and RIGHT + "asylum" in returns["rights"].split()
    assert "North Korean refugees sent back from China" in returns["affected"].split("; ")
    abortions = rows[KG + "forced-abortions-on-returned-women"]
    assert abortions["section"] == ABORTION
    assert abortions.get("actors", "") == ""   # the article does not say who performs them
    assert RIGHT + "reproductive-autonomy" in abortions["rights"].split()
    assert RIGHT + "life" in rows[KG + "killing-of-newborns-of-returned-women"]["rights"].split()


def test_fourteen_is_a_lower_bound(engine):
    rows = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?atLeast WHERE {
          kg:claim-awvi-girls-drafted-from-14 nkhr:atLeast ?atLeast ; schema:value 14 }""")
    assert rows == [{"atLeast": "true"}]


# ---------------------------------------------------------------- completeness

def test_every_number_of_the_sections_is_in_the_graph(engine):
    values = ", ".join(f"<{s}>" for s in SECTIONS)
    rows = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX schema: <https://schema.org/>
        SELECT DISTINCT ?claim ?value ?min ?max WHERE {{
          ?claim a nkhr:Claim ; nkhr:quantityKind ?q ; nkhr:statedIn ?sec .
          FILTER(?sec IN ({values}))
          OPTIONAL {{ ?claim schema:value ?value }}
          OPTIONAL {{ ?claim schema:minValue ?min }}
          OPTIONAL {{ ?claim schema:maxValue ?max }}
        }}""")
    found = {(r["claim"].removeprefix(KG), r.get("value"), r.get("min"), r.get("max")) for r in rows}
    assert found == {
        ("claim-urban-families-food-share", None, "75", "85"),
        ("claim-state-farmers-food-share", "33.3", None, None),
        ("claim-farm-workers-share-of-population", "30", None, None),
        ("claim-food-aid-diverted-share", None, "10", "30"),
        ("claim-ohchr-hunger-10-9-million", "10900000", None, None),
        ("claim-yodok-malnutrition-deaths", None, "3", "4"),
        ("claim-awvi-girls-drafted-from-14", "14", None, None),
        ("claim-awvi-marriage-at-25", "25", None, None),
    }


def test_every_date_of_the_sections_is_in_the_graph(engine):
    values = ", ".join(f"<{s}>" for s in SECTIONS)
    rows = select(engine, f"""
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT DISTINCT ?date WHERE {{
          ?node nkhr:statedIn ?sec ; dcterms:date|dcterms:issued|nkhr:pointInTime|nkhr:periodStart ?date .
          FILTER(?sec IN ({values}))
        }}""")
    dates = {r["date"] for r in rows}
    assert {"2017", "2003", "2020", "1955", "2014", "1981-09-14", "2006-03-22", "1999", "2006", "2012",
            "2004-01", "2005", "2016", "2019-05"} <= dates


def test_shared_entities_name_these_sections(engine):
    rows = select(engine, """
        PREFIX kg: <https://w3id.org/nkhr/id/>
        PREFIX nkhr: <https://w3id.org/nkhr/ontology#>
        SELECT DISTINCT ?node ?sec WHERE {
          VALUES ?node { kg:icescr kg:crc kg:crc-article-2 kg:kwan-li-so-15 kg:north-korean-famine kg:korean-war
                         kg:michael-kirby kg:kcna kg:coi-report kg:marzuki-darusman }
          ?node nkhr:mentionedIn ?sec }""")
    pairs = {(r["node"].removeprefix(KG), r["sec"]) for r in rows}
    assert {("icescr", DISABILITY), ("crc", DISABILITY), ("crc-article-2", DISABILITY),
            ("kwan-li-so-15", FOOD_DETENTION), ("north-korean-famine", FOOD), ("korean-war", DISABILITY),
            ("michael-kirby", MINORITY), ("kcna", MINORITY), ("coi-report", MINORITY),
            ("marzuki-darusman", DISABILITY)} <= pairs

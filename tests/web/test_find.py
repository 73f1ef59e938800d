"""Finding and reading without SPARQL, in Debian's Chromium through Selenium (issue #11).

The header's search box reaches a page in two actions (type, choose); folded, prefix and
misspelt names find their targets; /search groups hits by kind and serves the same as JSON;
every class's list shows its instances, and its CSV holds exactly the rows of the page.
"""

from __future__ import annotations

import csv
import io
import shutil

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from support import RunningServer, copy_project


@pytest.fixture(scope="module")
def site(tmp_path_factory, project):
    root = tmp_path_factory.mktemp("find-site")
    copy_project(project, root)
    running = RunningServer(root)
    yield running
    running.stop()


def chromium(profile) -> webdriver.Chrome:
    chromium_path, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium_path and driver, "Debian's chromium and chromium-driver are needed: `make test` installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium_path
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--window-size=1300,1200",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_page_load_timeout(60)
    return chrome


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chrome = chromium(tmp_path_factory.mktemp("chromium-find"))
    yield chrome
    chrome.quit()


def wait(browser, condition, seconds=30):
    return WebDriverWait(browser, seconds).until(lambda b: condition(b))


def suggestions(browser, typed: str) -> list:
    browser.get(browser.current_url if browser.current_url.startswith("http") else "about:blank")
    box = browser.find_element(By.ID, "site-search-q")
    box.clear()
    box.send_keys(typed)                                                  # action 1: type
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#site-search-list li"))
    return browser.find_elements(By.CSS_SELECTOR, "#site-search-list li")


@pytest.mark.parametrize("typed, target, heading", [
    ("yodok", "/id/kwan-li-so-15", "Yodok Political Prison Camp"),
    ("yodock", "/id/kwan-li-so-15", "Yodok Political Prison Camp"),     # a typo is forgiven
    ("sunghori", "/id/sunghori", "Sŭnghori"),                             # diacritics folded
    ("kirb", "/id/michael-kirby", "Michael Kirby"),                       # a prefix
])
def test_the_header_box_reaches_the_page_in_two_actions(site, browser, typed, target, heading):
    browser.get(site.url + "/claims")
    options = suggestions(browser, typed)
    assert options[0].find_element(By.TAG_NAME, "a").get_attribute("pathname") == target
    options[0].click()                                                    # action 2: choose
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == heading)
    assert requests.get(browser.current_url, timeout=10).status_code == 200


def test_the_keyboard_chooses_a_suggestion(site, browser):
    from selenium.webdriver.common.keys import Keys
    browser.get(site.url + "/")
    suggestions(browser, "yodok")
    box = browser.find_element(By.ID, "site-search-q")
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == "site-search-option-0"
    box.send_keys(Keys.ENTER)
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == "Yodok Political Prison Camp")


def test_enter_opens_results_grouped_by_kind_and_json_says_the_same(site, browser):
    from selenium.webdriver.common.keys import Keys
    browser.get(site.url + "/")
    box = browser.find_element(By.ID, "site-search-q")
    box.send_keys("kirby", Keys.ENTER)
    wait(browser, lambda b: "/search?q=kirby" in b.current_url)
    groups = {h.text.rsplit(" ", 1)[0]: int(h.text.rsplit(" ", 1)[1])
              for h in browser.find_elements(By.CSS_SELECTOR, ".search-group h2")}
    answer = requests.get(site.url + "/search", params={"q": "kirby", "format": "json"}, timeout=10).json()
    assert groups == {k["label"]: k["count"] for k in answer["kinds"]}
    assert answer["hits"][0]["label"] == "Michael Kirby" and answer["hits"][0]["field"] == "label"
    first = browser.find_element(By.CSS_SELECTOR, ".search-hits a")
    assert first.text == "Michael Kirby" and first.get_attribute("pathname") == "/id/michael-kirby"


def test_names_rank_above_descriptions(site):
    answer = requests.get(site.url + "/search", params={"q": "kwan-li-so 15", "format": "json"}, timeout=10)
    hits = answer.json()["hits"]
    assert hits[0]["iri"].endswith("/id/kwan-li-so-15") and hits[0]["field"] == "officialName"
    fields = [h["field"] for h in hits]
    assert "description" in fields and fields.index("description") > 0
    assert all(f == "description" for f in fields[fields.index("description"):])


def test_bad_search_input_gets_a_sentence(site):
    answer = requests.get(site.url + "/search?format=json", timeout=10)
    assert answer.status_code == 400 and "?q=" in answer.text
    assert requests.get(site.url + "/search/suggest", params={"q": "y"}, timeout=10).json()["suggestions"] == []
    page = requests.get(site.url + "/search", params={"q": "zzqxv"}, timeout=10)
    assert page.status_code == 200 and "Nothing matches" in page.text


def _page_rows(browser) -> list[list[str]]:
    return browser.execute_script("""
        return [...document.querySelectorAll('table.browse tbody tr')]
          .map(tr => [...tr.cells].map(td => td.innerText.trim()));""")


def test_every_class_list_shows_its_instances_and_its_csv_holds_the_same_rows(site, browser):
    index = requests.get(site.url + "/browse?format=json", timeout=10).json()
    listed = [c for c in index if c["instances"]]
    assert len(listed) >= 25
    for entry in listed:
        browser.get(f"{site.url}/browse/{entry['name']}?size=1000")
        shown = _page_rows(browser)
        assert len(shown) == entry["instances"], entry["name"]
        href = browser.find_element(By.ID, "browse-csv").get_attribute("href")
        table = list(csv.reader(io.StringIO(requests.get(href, timeout=10).text)))
        assert [row[1:] for row in table[1:]] == shown, entry["name"]
        headers = [th.text.strip(" ▲▼") for th in browser.find_elements(By.CSS_SELECTOR, "table.browse th")]
        assert table[0][1:] == headers


def test_a_class_list_sorts_filters_and_pages_and_the_downloads_follow(site, browser):
    browser.get(site.url + "/browse/PoliticalPrisonCamp")
    assert [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.browse th")] == [
        "Name ▲", "Number", "Official name", "Status", "Place", "Area", "Prisoners"]
    browser.find_element(By.LINK_TEXT, "Prisoners").click()
    browser.find_element(By.PARTIAL_LINK_TEXT, "Prisoners").click()          # again: largest first
    wait(browser, lambda b: "order=desc" in b.current_url)
    rows = _page_rows(browser)
    assert rows[0][6] == "50,000" and rows[-2][0] == "Chongjin Political Prison Camp" and rows[-1][6] == ""
    box = browser.find_element(By.ID, "browse-filter")
    box.send_keys("yodok")
    box.submit()
    wait(browser, lambda b: "filter=yodok" in b.current_url)
    assert [r[0] for r in _page_rows(browser)] == ["Yodok Political Prison Camp"]
    data = requests.get(browser.find_element(By.ID, "browse-json").get_attribute("href"), timeout=10).json()
    assert [r["label"] for r in data["rows"]] == ["Yodok Political Prison Camp"] and data["total"] == 1
    paged = requests.get(site.url + "/browse/Claim", params={"size": 10, "page": 2, "format": "json"},
                         timeout=10).json()
    assert len(paged["rows"]) == 10 and paged["page"] == 2 and paged["total"] > 100


def test_the_ontology_links_each_class_to_its_list_and_id_leads_to_browse(site, browser):
    browser.get(site.url + "/ontology")
    browser.find_element(By.CSS_SELECTOR, 'a[href="/browse/Person"]').click()
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == "Person")
    assert "Michael Kirby" in browser.find_element(By.CSS_SELECTOR, "table.browse").text
    for path in ("/id", "/id/"):
        answer = requests.get(site.url + path, timeout=10)
        assert answer.status_code == 200 and answer.url.endswith("/browse")


def test_a_claim_without_an_author_says_so(site):
    rows = requests.get(site.url + "/browse/Claim", params={"size": 1000, "format": "json"}, timeout=10).json()["rows"]
    assert any(r["author"] == "not attributed in the article" for r in rows)


# ---------------------------------------------------------------- the editor: links, values, sharing, chart

def _yasqe_ready(browser):
    return browser.execute_script("return !!(window.nkhrYasgui && window.nkhrYasgui.getTab().getYasqe())")


def _set_query(browser, text: str) -> None:
    browser.execute_script("window.nkhrYasgui.getTab().getYasqe().setValue(arguments[0]);", text)


def _run(browser) -> None:
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()


def _editor_value(browser) -> str:
    return browser.execute_script("return window.nkhrYasgui.getTab().getYasqe().getValue()")


def test_an_iri_in_an_editor_result_is_its_label_and_opens_a_local_page(site, browser):
    browser.get(site.url + "/editor")
    wait(browser, _yasqe_ready)
    _set_query(browser, "SELECT ?camp ?prisoners WHERE { ?claim nkhr:about ?camp ; nkhr:quantityKind qk:prisoners ; "
                        "schema:value ?prisoners . ?camp a nkhr:PoliticalPrisonCamp } ORDER BY DESC(?prisoners)")
    _run(browser)                       # nkhr:, qk: and schema: are the project's: declared for the user
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".nkhr-table tbody tr")) >= 6)
    assert "PREFIX qk:" in _editor_value(browser)
    link = wait(browser, lambda b: next((a for a in b.find_elements(By.CSS_SELECTOR, ".nkhr-table tbody a")
                                          if a.text == "Yodok Political Prison Camp"), None))
    assert link.get_attribute("pathname") == "/id/kwan-li-so-15"
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, ".nkhr-table tbody td")]
    assert "46,500" in cells and not any(c.startswith(("http", '"')) or "^^" in c for c in cells)
    assert browser.find_element(By.CSS_SELECTOR, ".nkhr-table tbody td a").get_attribute("title") == ""
    raw_titles = [td.get_attribute("title") for td in browser.find_elements(By.CSS_SELECTOR, ".nkhr-table tbody td")]
    assert '"46500"^^xsd:integer' in raw_titles                # the RDF term, one hover away
    link.click()
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == "Yodok Political Prison Camp")
    assert requests.get(browser.current_url, timeout=10).status_code == 200


def test_a_shared_link_opens_and_runs_the_same_query_in_a_fresh_profile(site, browser, tmp_path):
    query = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n# shared from the editor\n"
             "SELECT ?person ?name WHERE { ?person org:memberOf kg:commission-of-inquiry ; rdfs:label ?name }\n"
             "ORDER BY ?name")
    browser.get(site.url + "/editor")
    wait(browser, _yasqe_ready)
    _set_query(browser, query)
    browser.find_element(By.ID, "share-link").click()
    address = browser.find_element(By.ID, "share-link-url").get_attribute("value")
    fresh = chromium(tmp_path / "fresh-profile")
    try:
        fresh.get(address)
        wait(fresh, _yasqe_ready)
        assert _editor_value(fresh).endswith(query)            # the same text (prefixes it used are declared)
        wait(fresh, lambda b: "Michael Kirby" in b.find_element(By.CSS_SELECTOR, ".yasr").text)
    finally:
        fresh.quit()


def test_the_query_being_edited_survives_a_reload(site, browser):
    browser.get(site.url + "/editor?query=coi-members")
    wait(browser, _yasqe_ready)
    edited = _editor_value(browser) + "\n# my own note\n"
    _set_query(browser, edited)
    browser.refresh()
    wait(browser, _yasqe_ready)
    assert _editor_value(browser) == edited


def test_the_chart_of_camps_ranked_by_prisoners_has_names_and_prisoner_counts(site, browser):
    browser.get(site.url + "/editor?query=camps-political-prison-camps")
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".nkhr-table tbody tr")) >= 6)
    chart = [el for el in browser.find_elements(By.CSS_SELECTOR, ".yasr .select_chart, .yasr li") if "Chart" in el.text]
    chart[0].click()
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".yasr svg rect")) >= 6)
    names = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".yasr svg text.bar-label")]
    values = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".yasr svg text.bar-value")]
    assert "Chongjin Political Prison Camp" in names and "Yodok Political Prison Camp" in names
    assert dict(zip(names, values, strict=True))["Chongjin Political Prison Camp"] == "3,000"
    assert dict(zip(names, values, strict=True))["Yodok Political Prison Camp"] == "46,500"
    assert not any(n.startswith("http") for n in names)
    widths = {n: float(r.get_attribute("width")) for n, r in
              zip(names, browser.find_elements(By.CSS_SELECTOR, ".yasr svg rect"), strict=True)}
    assert widths["Chongjin Political Prison Camp"] < widths["Yodok Political Prison Camp"]
    assert browser.find_element(By.ID, "nkhr-chart-value").get_attribute("value") == "prisoners"
    assert browser.find_element(By.ID, "nkhr-chart-label").get_attribute("value") == "campLabel"


def test_an_unknown_prefix_and_a_parser_error_read_as_sentences(site, browser):
    browser.get(site.url + "/editor")
    wait(browser, _yasqe_ready)
    _set_query(browser, "SELECT ?x WHERE { ?x foaf:knows ?y . ?y nope:thing ?z }")
    _run(browser)
    message = browser.find_element(By.ID, "editor-message")
    wait(browser, lambda b: message.text)
    assert "nope:" in message.text and "foaf:" not in message.text.split(".")[0]
    _set_query(browser, "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\nSELECT ?x WHRE { ?x rdfs:label ?y }")
    _run(browser)
    wait(browser, lambda b: "Line 3" in message.text)
    assert "column 16" in message.text and "“{”" in message.text and "WHERE" in message.text
    assert "[" not in message.text


# ---------------------------------------------------------------- questions answer, downloads

def test_a_question_shows_its_answer_readably_with_the_sparql_behind_a_disclosure(site, browser):
    browser.get(site.url + "/queries/camps-political-prison-camps")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("North Korea's political prison camps")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.answer tbody tr")
    assert len(rows) == 7
    text = browser.find_element(By.CSS_SELECTOR, "table.answer").text
    assert "46,500" in text and "Yodok Political Prison Camp" in text and "^^" not in text and "https://" not in text
    link = browser.find_element(By.CSS_SELECTOR, 'table.answer a[href="/id/kwan-li-so-15"]')
    assert link.text == "Yodok Political Prison Camp" and link.get_attribute("title") == "<https://w3id.org/nkhr/id/kwan-li-so-15>"
    sparql = browser.find_element(By.CSS_SELECTOR, "details pre")
    assert not sparql.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "details summary").click()
    assert "SELECT ?rank ?camp" in sparql.text
    browser.find_element(By.ID, "open-in-editor").click()
    wait(browser, lambda b: "Yodok Political Prison Camp" in b.find_element(By.CSS_SELECTOR, ".yasr").text)
    answer = requests.get(site.url + "/queries/camps-political-prison-camps?format=csv", timeout=10)
    assert answer.status_code == 200 and len(list(csv.reader(io.StringIO(answer.text)))) == 8


def test_the_downloads_page_lists_every_dump_and_export_with_format_and_size(site, browser):
    browser.get(site.url + "/")
    browser.find_element(By.LINK_TEXT, "Downloads").click()
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == "Downloads")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.downloads tbody tr")
    names = [r.find_element(By.TAG_NAME, "a").text for r in rows]
    for name in ("dataset.ttl", "dataset.nt", "dataset.trig", "dataset.nq", "dataset.jsonld", "dataset.rdf",
                 "graph.graphml", "graph.gexf"):
        assert name in names
    turtle = next(r for r in rows if r.find_element(By.TAG_NAME, "a").text == "dataset.ttl")
    assert "Turtle" in turtle.text and ("MB" in turtle.text or "kB" in turtle.text)
    for row in rows[:6]:
        href = row.find_element(By.TAG_NAME, "a").get_attribute("href")
        assert requests.head(href, timeout=30).status_code == 200, href


# ---------------------------------------------------------------- who says what

def test_a_claims_filter_lives_in_the_url_survives_a_reload_and_downloads_as_csv(site, browser):
    from selenium.webdriver.support.ui import Select
    browser.get(site.url + "/claims")
    total = len(browser.find_elements(By.CSS_SELECTOR, ".claim-group tbody tr"))
    Select(browser.find_element(By.ID, "kind")).select_by_value("https://w3id.org/nkhr/id/quantity/deaths")
    browser.find_element(By.CSS_SELECTOR, ".claims-filter button").click()
    wait(browser, lambda b: "kind=" in b.current_url)
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".claim-group h2")]
    assert headings and all(": deaths" in h or ": excess deaths" in h or ": deaths per year" in h
                            or ": people executed" in h for h in headings)
    assert any(": excess deaths" in h for h in headings)          # related kinds filter together
    shown = [r.find_element(By.CSS_SELECTOR, "td:nth-child(2) a").text
             for r in browser.find_elements(By.CSS_SELECTOR, ".claim-group tbody tr")]
    assert 0 < len(shown) < total
    browser.refresh()                                              # the filter survives a reload
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == "Who says what")
    assert Select(browser.find_element(By.ID, "kind")).first_selected_option.get_attribute("value").endswith("/deaths")
    assert [r.find_element(By.CSS_SELECTOR, "td:nth-child(2) a").text
            for r in browser.find_elements(By.CSS_SELECTOR, ".claim-group tbody tr")] == shown
    table = list(csv.reader(io.StringIO(requests.get(browser.find_element(By.ID, "claims-csv").get_attribute("href"),
                                                     timeout=10).text)))
    assert [row[3] for row in table[1:]] == shown


def test_claims_link_subjects_and_authors_and_say_when_nobody_is_named(site, browser):
    browser.get(site.url + "/claims?subject=" + requests.utils.quote("https://w3id.org/nkhr/id/north-korean-famine"))
    who = [td for td in browser.find_elements(By.CSS_SELECTOR, ".claim-group td.who")]
    assert any(td.text == "not attributed in the article" for td in who)
    authors = browser.find_elements(By.CSS_SELECTOR, ".claim-group td.who a")
    assert authors and all(a.get_attribute("pathname").startswith("/id/") for a in authors)
    subject = browser.find_element(By.CSS_SELECTOR, ".claim-group h2 a")
    assert subject.get_attribute("pathname") == "/id/north-korean-famine"
    assert requests.get(authors[0].get_attribute("href"), timeout=10).status_code == 200
    disputed = requests.get(site.url + "/claims", params={"disputed": "1", "format": "csv"}, timeout=10).text
    rows = list(csv.reader(io.StringIO(disputed)))[1:]
    assert rows and all(r[8] or r[9] for r in rows)


def test_the_timeline_filters_in_the_url_labels_each_date_and_draws_a_time_axis(site, browser):
    from selenium.webdriver.support.ui import Select
    browser.get(site.url + "/timeline")
    everything = len(browser.find_elements(By.CSS_SELECTOR, "table.timeline tbody tr"))
    Select(browser.find_element(By.ID, "tl-kind")).select_by_value("claim")
    browser.find_element(By.ID, "tl-from").send_keys("1985")
    browser.find_element(By.ID, "tl-to").send_keys("1990")
    browser.find_element(By.CSS_SELECTOR, ".timeline-filter button").click()
    wait(browser, lambda b: "kind=claim" in b.current_url and "from=1985" in b.current_url)
    browser.refresh()
    rows = browser.find_elements(By.CSS_SELECTOR, "table.timeline tbody tr")
    assert 0 < len(rows) < everything
    lee = [r for r in rows if "when Lee Soon-ok arrived in 1987" in r.text]
    assert lee and lee[0].find_element(By.CSS_SELECTOR, "td.date").text.startswith("1987")
    assert "the time the figure describes" in lee[0].text
    assert lee[0].find_elements(By.CSS_SELECTOR, ".axis-track .mark")
    assert browser.find_element(By.ID, "tl-from").get_attribute("value") == "1985"
    ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".axis .tick")]
    assert len(ticks) >= 3 and all(t.isdigit() for t in ticks)
    stated = requests.get(site.url + "/timeline", params={"kind": "claim"}, timeout=10).text
    assert "when it was stated" in stated and "the time the figure describes" in stated


def test_entity_pages_show_values_with_the_rdf_term_one_hover_away(site, browser):
    browser.get(site.url + "/id/coi-appointment")
    values = {el.text: el.get_attribute("title") for el in browser.find_elements(By.CSS_SELECTOR, "span.literal")}
    assert values["6 May 2013"] == '"2013-05-06"^^<http://www.w3.org/2001/XMLSchema#date>'
    body = browser.find_element(By.TAG_NAME, "main").text
    assert "@en" not in body and "^^" not in body


def test_a_kind_link_on_the_results_keeps_that_kind_only(site, browser):
    browser.get(site.url + "/search?q=kirby")
    browser.find_element(By.PARTIAL_LINK_TEXT, "person (").click()
    wait(browser, lambda b: "kind=nkhr%3APerson" in b.current_url or "kind=nkhr:Person" in b.current_url)
    kinds = {t.text for t in browser.find_elements(By.CSS_SELECTOR, ".search-hits .tag")}
    assert kinds == {"person"}
    answer = requests.get(site.url + "/search", params={"q": "kirby", "kind": "nkhr:Person", "format": "json"},
                          timeout=10).json()
    assert answer["total"] == len(answer["hits"]) >= 1 and {h["kind_label"] for h in answer["hits"]} == {"person"}


def test_a_class_too_large_to_tabulate_whole_fills_only_the_page_shown(built, tmp_path, monkeypatch):
    """Above LARGE_CLASS instances (100,000 claims at 1M) only the page's cells are computed, and the
    list sorts and filters by name; the rows and their cells are the same as for a small class."""
    import nkhr.web.browse as browse
    from nkhr.web import create_app
    from support import prebuilt_project
    client = create_app(prebuilt_project(built, tmp_path / "large")).test_client()
    whole = client.get("/browse/Claim?size=7&page=3&format=json").get_json()
    monkeypatch.setattr(browse, "LARGE_CLASS", 50)
    large = create_app(prebuilt_project(built, tmp_path / "large2")).test_client()
    paged = large.get("/browse/Claim?size=7&page=3&format=json").get_json()
    assert paged["rows"] == whole["rows"] and paged["total"] == whole["total"] > 50
    refused = large.get("/browse/Claim?sort=author")
    assert refused.status_code == 400 and b"sorts by name only" in refused.data
    assert b"sorts and filters by name" in large.get("/browse/Claim").data

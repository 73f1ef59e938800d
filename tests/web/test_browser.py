"""The pages in a real browser: Debian's Chromium, driven through ChromeDriver by Selenium.

Every page loads without console errors; a query typed into the editor shows results (and a
chart); a click in an entity's graph view navigates; a label carrying a <script> renders as
text; controls are labelled and reachable from the keyboard. `make test` installs Chromium and
ChromeDriver from Debian when they are missing.
"""

from __future__ import annotations

import shutil
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from support import RunningServer, copy_project

XSS_LABEL = '<script>window.__nkhrXss = 1</script><img src=x onerror="window.__nkhrXss = 2"> "onmouseover=x'
_TURTLE_LABEL = XSS_LABEL.replace('"', '\\"')
XSS_DATA = f"""
@prefix nkhr: <https://w3id.org/nkhr/ontology#> .
@prefix kg: <https://w3id.org/nkhr/id/> .
@prefix sec: <https://w3id.org/nkhr/id/section/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
kg:test-script-label a nkhr:Person ;
    rdfs:label "{_TURTLE_LABEL}"@en ;
    rdfs:comment "A test fixture whose label is markup; pages must show it as text."@en ;
    schema:nationality kg:north-korea ;
    nkhr:statedIn sec:top .
"""
PAGES = ["/", "/editor", "/queries", "/claims", "/timeline", "/ontology", "/sparql",
         "/id/kwan-li-so-15", "/id/test-script-label", "/id/section/Prisons", "/queries/coi-members"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, project):
    root = tmp_path_factory.mktemp("browser-site")
    copy_project(project, root)
    (root / "data" / "zz-test-script-label.ttl").write_text(XSS_DATA)
    running = RunningServer(root)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "Debian's chromium and chromium-driver are needed: `make test` installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1300,1400", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_page_load_timeout(60)
    yield chrome
    chrome.quit()


def wait(browser, condition, seconds=20):
    return WebDriverWait(browser, seconds).until(lambda b: condition(b))


def errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_without_console_errors(site, browser, path):
    browser.get_log("browser")                      # start from an empty log
    browser.get(site.url + path)
    wait(browser, lambda b: b.execute_script("return document.readyState") == "complete")
    time.sleep(1.5)                                 # let scripts fetch and draw
    assert browser.find_element(By.TAG_NAME, "h1").text.strip()
    assert errors(browser) == []


def _yasqe_ready(browser):
    return browser.execute_script("return !!(window.nkhrYasgui && window.nkhrYasgui.getTab().getYasqe())")


def test_a_query_typed_in_the_editor_shows_results_and_a_chart(site, browser):
    browser.get(site.url + "/editor")
    wait(browser, _yasqe_ready)
    editor = browser.find_element(By.CSS_SELECTOR, ".CodeMirror")
    editor.click()
    typed = browser.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")
    typed.send_keys(Keys.CONTROL, "a")
    typed.send_keys(Keys.DELETE)
    typed.send_keys("PREFIX nkhr: <https://w3id.org/nkhr/ontology#> "
                    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                    "PREFIX schema: <https://schema.org/> SELECT ?name ?prisoners WHERE { ?claim nkhr:about ?camp ; "
                    "nkhr:quantityKind <https://w3id.org/nkhr/id/quantity/prisoners> ; schema:value ?prisoners . "
                    "?camp a nkhr:PoliticalPrisonCamp ; rdfs:label ?name } ORDER BY DESC(?prisoners)")
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".yasr tbody tr")) >= 6)
    table = browser.find_element(By.CSS_SELECTOR, ".yasr tbody").text
    assert "Yodok Political Prison Camp" in table and "46,500" in table     # numbers grouped
    chart_tab = [el for el in browser.find_elements(By.CSS_SELECTOR, ".yasr .select_chart, .yasr li")
                 if "Chart" in el.text]
    assert chart_tab, "the editor offers a chart view"
    chart_tab[0].click()
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".yasr svg rect")) >= 6)
    assert errors(browser) == []


def test_a_catalog_question_opens_and_runs_in_the_editor(site, browser):
    browser.get(site.url + "/")
    browser.find_element(By.CSS_SELECTOR, 'a[href="/editor?query=coi-members"]').click()
    wait(browser, lambda b: "Michael Kirby" in b.find_element(By.CSS_SELECTOR, ".yasr").text)


def test_a_click_in_the_graph_view_navigates(site, browser):
    browser.get(site.url + "/id/kwan-li-so-15")
    wait(browser, lambda b: b.execute_script("return !!window.nkhrGraph && window.nkhrGraph.nodes().length > 3"))
    target = browser.execute_script("""
        const cy = window.nkhrGraph;
        const node = cy.nodes().filter(n => n.id() === 'https://w3id.org/nkhr/id/state-security-department')[0];
        const p = node.renderedPosition();
        return {x: p.x, y: p.y};""")
    canvas = browser.find_element(By.ID, "graph")
    size = canvas.size
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(target["x"] - size["width"] / 2), int(target["y"] - size["height"] / 2)).click().perform()
    wait(browser, lambda b: b.current_url.endswith("/id/state-security-department.html"))
    assert "State Security Department" in browser.find_element(By.TAG_NAME, "h1").text


def test_hovering_a_node_shows_its_facts_and_claims_with_attribution(site, browser):
    browser.get(site.url + "/id/kwan-li-so-15")
    wait(browser, lambda b: b.execute_script("return !!window.nkhrGraph && window.nkhrGraph.nodes().length > 3"))
    browser.execute_script("""
        const cy = window.nkhrGraph;
        cy.getElementById('https://w3id.org/nkhr/id/claim-kwan-li-so-15-prisoners').emit('mouseover');""")
    panel = browser.find_element(By.ID, "graph-panel").text
    assert "46500" in panel and "stated as fact" in panel


def test_a_label_carrying_a_script_renders_as_text(site, browser):
    for path in ("/id/test-script-label", "/id/north-korea"):
        browser.get(site.url + path)
        wait(browser, lambda b: b.execute_script("return document.readyState") == "complete")
        time.sleep(1.5)
        # On the hub the label is past the first page of links: read it in the graph's node list.
        browser.execute_script("document.querySelectorAll('details.graph-list').forEach(d => d.open = true)")
        assert browser.execute_script("return window.__nkhrXss === undefined")
        assert "<script>window.__nkhrXss = 1</script>" in browser.find_element(By.TAG_NAME, "body").text
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == "North Korea"


def test_controls_are_labelled_and_reachable_from_the_keyboard(site, browser):
    unlabelled_script = """
        return [...document.querySelectorAll('input, select, textarea, button')]
          .filter(el => el.offsetParent !== null && !el.closest('.CodeMirror') && !el.closest('.yasr'))
          .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                        && !el.getAttribute('aria-labelledby') && !(el.textContent || '').trim()
                        && !el.getAttribute('title'))
          .map(el => el.outerHTML.slice(0, 80));"""
    for path in ("/claims", "/sparql", "/editor"):
        browser.get(site.url + path)
        wait(browser, lambda b: b.execute_script("return document.readyState") == "complete")
        assert browser.execute_script(unlabelled_script) == [], path
    browser.get(site.url + "/claims")
    body = browser.find_element(By.TAG_NAME, "body")
    reached = set()
    for _ in range(40):
        body.send_keys(Keys.TAB)
        reached.add(browser.execute_script("return document.activeElement.id || document.activeElement.tagName"))
        if "kind" in reached:
            break
    assert "kind" in reached, "the quantity filter is reachable with Tab"
    choice = browser.switch_to.active_element
    choice.send_keys(Keys.ARROW_DOWN)                 # pick a quantity with the keyboard
    choice.send_keys(Keys.TAB)                        # on to the Filter button
    assert browser.switch_to.active_element.text == "Filter"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait(browser, lambda b: "kind=" in b.current_url, seconds=10)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".claim-group")) >= 1

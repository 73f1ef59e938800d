"""Pages for everyone, checked in Debian's Chromium (Selenium) against a real server:

- axe-core (from npm, injected into each page) finds no critical or serious violation on any
  kind of page, in the light and the dark colour scheme (emulated through the DevTools protocol);
- at a phone's 390x844 no page scrolls sideways;
- a skip link, a focus ring of at least 3:1, an editor that neither takes focus nor keeps it;
- what a first visit transfers, with compression on, stays within the budgets of issue 12;
- North Korea's graph view draws its labels at least 10 px high, with controls and a legend.

One server and one browser for the module (about a minute in all).
"""

from __future__ import annotations

import shutil
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from support import ROOT, RunningServer, prebuilt_project

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Every kind of page, and how to tell it has finished drawing (a JS expression).
READY = "document.readyState === 'complete'"
GRAPH_READY = READY + " && !!window.nkhrGraph && window.nkhrGraph.nodes().length > 3"
RESULTS_READY = READY + " && document.querySelectorAll('.yasr tbody tr').length > 0"
PAGE_KINDS = {
    "home": ("/", READY),
    "search": ("/search?q=yodok", READY),
    "class index": ("/browse", READY),
    "class list": ("/browse/PoliticalPrisonCamp", READY),
    "entity": ("/id/kwan-li-so-15", GRAPH_READY),
    "hub entity": ("/id/north-korea", GRAPH_READY),
    "section": ("/id/section/Internment_camps_for_political_prisoners", GRAPH_READY),
    "claims": ("/claims", READY),
    "timeline": ("/timeline", READY),
    "ontology": ("/ontology", READY),
    "catalog": ("/queries", READY),
    "catalog answer": ("/queries/coi-members", READY),
    "editor with results": ("/editor?query=coi-members", RESULTS_READY),
    "query form": ("/sparql", READY),
    "error page": ("/no-such-page", READY),
}
KB = 1000


@pytest.fixture(scope="module")
def site(tmp_path_factory, built):
    running = RunningServer(prebuilt_project(built, tmp_path_factory.mktemp("pages-for-everyone") / "p").root)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "Debian's chromium and chromium-driver are needed: `make test` installs them"
    assert AXE.exists(), "axe-core is installed from npm by `make install` (npm ci)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1366,900",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-a11y')}"):
        options.add_argument(flag)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_page_load_timeout(60)
    chrome.set_script_timeout(60)
    yield chrome
    chrome.quit()


def open_page(browser, site, kind: str) -> None:
    path, ready = PAGE_KINDS[kind]
    browser.get(site.url + path)
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(f"return {ready}"))
    time.sleep(0.3)                                   # the graph's layout and the legend settle


def axe_violations(browser, rules: list[str] | None = None) -> list[str]:
    """Critical and serious axe-core violations of the page as it is drawn now, one line each."""
    browser.execute_script(AXE.read_text())
    options = {"resultTypes": ["violations"], **({"runOnly": rules} if rules else {})}
    found = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, arguments[0]).then(r => done(r.violations
            .filter(v => v.impact === 'critical' || v.impact === 'serious')
            .map(v => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3)
                 .map(n => n.target.join(' ') + ' (' + (n.failureSummary || '').slice(0, 140) + ')').join('; '))));
    """, options)
    return list(found)


def colour_scheme(browser, scheme: str) -> None:
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-color-scheme", "value": scheme}]})


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_axe_finds_nothing_critical_or_serious_in_light_and_dark(site, browser, kind):
    colour_scheme(browser, "light")
    open_page(browser, site, kind)
    assert axe_violations(browser) == []
    colour_scheme(browser, "dark")                    # applies to the drawn page, no reload needed
    try:
        background = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert luminance(background) < 0.05, f"the page stays light in the dark scheme: {background}"
        assert axe_violations(browser, ["color-contrast"]) == [], "dark scheme"    # the one rule a scheme changes
    finally:
        colour_scheme(browser, "light")


def test_no_page_scrolls_sideways_on_a_phone(site, browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    wide = {}
    try:
        for kind in PAGE_KINDS:
            open_page(browser, site, kind)
            width, viewport = browser.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert viewport == 390, kind
            if width > viewport:
                wide[kind] = width
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert wide == {}, f"pages wider than a 390 px phone: {wide}"


# The text of each line of the query (not the line boxes, which run under the buttons' corner).
COVERED_TEXT = """
    const buttons = [...document.querySelectorAll('.yasqe_buttons > *')]
      .filter(b => b.offsetParent !== null).map(b => b.getBoundingClientRect()).filter(b => b.width > 0);
    const words = [];
    for (const line of document.querySelectorAll('.CodeMirror-line')) {
      const range = document.createRange();
      range.selectNodeContents(line);
      words.push(...range.getClientRects());
    }
    return words.filter(w => w.width > 0 && buttons.some(b =>
      b.left < w.right && b.right > w.left && b.top < w.bottom && b.bottom > w.top)).length;"""


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
def test_the_editors_buttons_never_cover_its_text(site, browser, width, height):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
    try:
        open_page(browser, site, "editor with results")
        assert browser.execute_script("return document.querySelectorAll('.yasqe_buttons > *').length") > 0
        assert browser.execute_script(COVERED_TEXT) == 0
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def transferred(browser, site, kind: str) -> dict[str, int]:
    """Bytes each response of a first visit took on the wire (headers included), by URL."""
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        open_page(browser, site, kind)
        time.sleep(0.5)
        return browser.execute_script("""
            const sizes = {};
            const nav = performance.getEntriesByType('navigation')[0];
            sizes[nav.name] = nav.transferSize;
            for (const r of performance.getEntriesByType('resource')) { sizes[r.name] = r.transferSize; }
            return sizes;""")
    finally:
        browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})


@pytest.mark.parametrize("kind, budget", [("editor with results", 450 * KB), ("entity", 250 * KB),
                                          ("hub entity", 250 * KB)])
def test_a_first_visit_stays_within_its_budget(site, browser, kind, budget):
    sizes = transferred(browser, site, kind)
    assert all(size > 0 for size in sizes.values()), f"a response came from a cache: {sizes}"
    assert sum(sizes.values()) <= budget, sizes


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_html_page_is_at_most_100_kb_on_the_wire(site, kind):
    import requests
    response = requests.get(site.url + PAGE_KINDS[kind][0], headers={"Accept": "text/html",
                                                                    "Accept-Encoding": "gzip, br"}, stream=True)
    body = response.raw.read()                        # as sent, not decoded
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers.get("Content-Encoding") == "gzip" or len(body) < 1024
    assert len(body) <= 100 * KB


def test_a_hub_pages_its_long_lists(site):
    import requests
    first = requests.get(site.url + "/id/north-korea.html").text
    last = requests.get(site.url + "/id/north-korea.html?claims=99&linked=99").text
    assert 'rel="next"' in first and 'aria-label="Pages of claims about it"' in first
    assert first.count('<section class="claim">') == 20
    assert 0 < last.count('<section class="claim">') <= 20 and 'rel="next"' not in last.split("Linked from")[0]


def test_static_assets_are_compressed_once_fingerprinted_and_revalidated(site):
    import requests
    page = requests.get(site.url + "/editor").text
    scripts = [part.split('"', 1)[0] for part in page.split('src="')[1:]]
    yasgui = next(s for s in scripts if "yasgui.min.js" in s)
    assert "?v=" in yasgui, "the editor loads a fingerprinted URL"
    url = site.url + yasgui
    raw = requests.get(url, headers={"Accept-Encoding": "identity"})
    brotli = requests.get(url, headers={"Accept-Encoding": "gzip, br"}, stream=True)
    gzip = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert raw.headers.get("Content-Encoding") is None and len(raw.content) > 900_000
    assert brotli.headers["Content-Encoding"] == "br" and len(brotli.raw.read()) < 300_000
    assert gzip.headers["Content-Encoding"] == "gzip" and len(gzip.raw.read()) < 320_000
    assert "immutable" in brotli.headers["Cache-Control"] and "max-age=31536000" in brotli.headers["Cache-Control"]
    assert "Accept-Encoding" in brotli.headers["Vary"]
    assert len({raw.headers["ETag"], brotli.headers["ETag"], gzip.headers["ETag"]}) == 3
    again = requests.get(url, headers={"Accept-Encoding": "br", "If-None-Match": brotli.headers["ETag"]})
    assert again.status_code == 304
    unversioned = requests.get(site.url + "/vendor/yasgui.min.js", headers={"Accept-Encoding": "br"})
    assert "no-cache" in unversioned.headers["Cache-Control"], "an old link revalidates instead"


@pytest.mark.parametrize("path", ["/id/north-korea.html",
                                  "/exports/neighbourhood?iri=https://w3id.org/nkhr/id/north-korea"])
def test_pages_and_graph_json_are_gzipped_and_still_revalidate(site, path):
    import requests
    plain = requests.get(site.url + path, headers={"Accept-Encoding": "identity"})
    packed = requests.get(site.url + path, headers={"Accept-Encoding": "gzip"}, stream=True)
    wire = packed.raw.read()
    assert plain.headers.get("Content-Encoding") is None and packed.headers["Content-Encoding"] == "gzip"
    assert len(wire) * 4 < len(plain.content), "compressed to less than a quarter"
    assert plain.headers["ETag"] != packed.headers["ETag"] and "Accept-Encoding" in packed.headers["Vary"]
    again = requests.get(site.url + path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304


# The focused element's outline, and the background it is drawn on (the first opaque ancestor's).
RING = """
    const el = document.activeElement, style = getComputedStyle(el);
    let bg = el, colour = 'rgba(0, 0, 0, 0)';
    while (bg && (colour = getComputedStyle(bg).backgroundColor) === 'rgba(0, 0, 0, 0)') { bg = bg.parentElement; }
    return [style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor, colour];"""


def test_the_skip_link_and_the_focus_ring(site, browser):
    open_page(browser, site, "entity")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to the content" and skip.is_displayed()
    skip.send_keys(Keys.ENTER)
    assert browser.execute_script("return document.activeElement.id") == "main"
    body.send_keys(Keys.TAB)                          # the first link of the content
    ring, background = browser.execute_script(RING)
    style, width, colour = ring.split(" ", 2)
    assert style == "solid" and float(width.rstrip("px")) >= 2
    assert contrast(colour, background) >= 3, (ring, background)
    # On the dark navigation bar too: the link after the skip link.
    open_page(browser, site, "entity")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.execute_script("return document.activeElement.matches('header nav a')")
    ring, background = browser.execute_script(RING)
    style, width, colour = ring.split(" ", 2)
    assert style == "solid" and contrast(colour, background) >= 3, (ring, background)


def test_the_editor_neither_takes_nor_keeps_the_focus(site, browser):
    open_page(browser, site, "editor with results")
    assert not browser.execute_script("return !!document.activeElement.closest('.CodeMirror')")
    assert "Esc" in browser.find_element(By.ID, "editor-keys").text
    browser.find_element(By.CSS_SELECTOR, ".CodeMirror").click()
    typed = browser.switch_to.active_element
    typed.send_keys(Keys.ESCAPE)
    assert browser.execute_script("return document.activeElement.classList.contains('yasqe_queryButton')")


def test_north_koreas_graph_is_legible_by_default(site, browser):
    open_page(browser, site, "hub entity")
    view = browser.execute_script("""
        const cy = window.nkhrGraph;
        const sizes = cy.nodes().map(n => cy.zoom() * parseFloat(n.style('font-size')));
        return {nodes: cy.nodes().length, smallest: Math.min(...sizes), groups: cy.nodes('.group').length,
                colours: cy.nodes().map(n => [n.data('class') || n.data('group'), n.data('colour')]),
                tools: [...document.querySelectorAll('.graph-tools button')].map(b => b.getAttribute('aria-label')),
                legend: document.querySelectorAll('#graph-legend input[type=checkbox]').length,
                listed: document.querySelectorAll('.graph-nodes a').length};""")
    assert view["smallest"] >= 10, f"labels drawn {view['smallest']:.1f} px high"
    assert view["groups"] > 0 and view["nodes"] <= 45
    assert {"Zoom in", "Zoom out", "Fit the whole graph in view", "Show the graph full screen"} <= set(view["tools"])
    assert view["legend"] >= 10 and view["listed"] > 250, "a filter per class and every node as a keyboard list"
    colours = dict(view["colours"])
    browser.execute_script("window.nkhrGraph.nodes('.group').filter(n => n.data('group') === 'Claim').emit('tap')")
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        "return window.nkhrGraph.nodes().filter(n => n.data('class') === 'Claim' && !n.data('group')).length > 50"))
    # Section is one colour here and on another page; claims are told apart by their figures.
    open_page(browser, site, "entity")
    other = dict(browser.execute_script(
        "return window.nkhrGraph.nodes().map(n => [n.data('class'), n.data('colour')])"))
    assert other["Section"] == colours["Section"]
    labels = browser.execute_script(
        "return window.nkhrGraph.nodes().filter(n => n.data('class') === 'Claim').map(n => n.data('display'))")
    assert "46,500 prisoners held" in labels and len(set(labels)) == len(labels)


def test_a_sections_graph_is_legible_by_default_too(site, browser):
    open_page(browser, site, "section")
    smallest = browser.execute_script("""
        const cy = window.nkhrGraph;
        return Math.min(...cy.nodes().map(n => cy.zoom() * parseFloat(n.style('font-size'))));""")
    assert smallest >= 10, f"labels drawn {smallest:.1f} px high"


def test_the_hover_panel_shows_no_internals(site, browser):
    open_page(browser, site, "entity")
    browser.execute_script("window.nkhrGraph.getElementById("
                           "'https://w3id.org/nkhr/id/claim-kwan-li-so-15-prisoners').emit('mouseover')")
    panel = browser.find_element(By.ID, "graph-panel").text
    assert "46500" in panel and "stated as fact" in panel
    for internal in ("#", "colour", "https://w3id.org/", "schema_value", "classes"):
        assert internal not in panel, f"the hover panel shows {internal!r}: {panel}"


def luminance(css_colour: str) -> float:
    channels = [int(float(c)) for c in css_colour[css_colour.index("(") + 1:css_colour.index(")")].split(",")[:3]]

    def linear(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)

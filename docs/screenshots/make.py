"""Retake the README's screenshots: build the project in a temporary copy, serve it, and
photograph pages in headless Chromium (Debian's chromium + chromedriver, through Selenium) at
1366x900; the PNGs are reduced to a 256-colour palette with Pillow to stay small.

    .venv/bin/pip install -e '.[screenshots]'
    .venv/bin/python docs/screenshots/make.py            # writes docs/screenshots/*.png

Nothing of the checkout is written except the PNGs (the build goes to a temporary folder).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WIDTH, HEIGHT = 1366, 900

# name -> (path, JavaScript that is true once the page is drawn, CSS selector to scroll to or None)
SHOTS = {
    "home": ("/", "document.readyState === 'complete'", None),
    "entity-yodok": ("/id/kwan-li-so-15", "!!window.nkhrGraph && window.nkhrGraph.nodes().length > 3", ".iri"),
    "graph-north-korea": ("/id/north-korea", "!!window.nkhrGraph && window.nkhrGraph.nodes().length > 3",
                          ".graph-view"),
    "who-says-what": ("/claims", "document.readyState === 'complete'", None),
    "editor": ("/editor?query=coi-members", "document.querySelectorAll('.yasr tbody tr').length > 0", None),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(project: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Build the copy and start `nkhr serve` on a free loopback port; return it once it answers."""
    nkhr = [sys.executable, "-m", "nkhr", "--project", str(project)]
    subprocess.run([*nkhr, "build"], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen([*nkhr, "serve", "--port", str(port), "--workers", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the server did not come up")


def browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        raise SystemExit("needs Debian's chromium and chromium-driver (make system-deps)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                 f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    # The window's outer size includes no chrome in headless mode; make the viewport exact.
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    return chrome


def shrink(path: Path) -> None:
    """A 256-colour palette PNG: a page screenshot keeps its look at a third of the bytes."""
    from PIL import Image
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--dark", action="store_true", help="photograph the dark colour scheme")
    args = parser.parse_args()
    from selenium.webdriver.support.ui import WebDriverWait
    with tempfile.TemporaryDirectory(prefix="nkhr-screenshots-") as temporary:
        project = Path(temporary)
        for name in ("ontology", "data", "queries"):
            shutil.copytree(ROOT / name, project / name)
        server, url = serve(project)
        chrome = browser()
        try:
            if args.dark:
                chrome.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                       {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
            for name, (path, ready, anchor) in SHOTS.items():
                chrome.get(url + path)
                WebDriverWait(chrome, 30).until(lambda c, ready=ready: c.execute_script(f"return {ready}"))
                if anchor:
                    chrome.execute_script("document.querySelector(arguments[0]).scrollIntoView()", anchor)
                time.sleep(1.0)                              # layouts and fonts settle
                target = args.out / f"{name}{'-dark' if args.dark else ''}.png"
                chrome.save_screenshot(str(target))
                shrink(target)
                print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
                      f"{target.stat().st_size // 1024} KB")
        finally:
            chrome.quit()
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()

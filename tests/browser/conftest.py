"""The sheet owner's sidebar in a real browser: headless Chromium from the system packages (`chromium`,
`chromium-driver`; `python3 tasks.py test` installs them where it can), driven by Selenium through the system
chromedriver — Selenium Manager never runs, so nothing is downloaded. A private emulator runs the real bridge;
each test generates a workbook, binds the bridge to it, opens the sidebar as the menu's "Abrir panel" does
(`menuOpenSidebar`, whose outcome names the page's address) and clicks through it as the owner would, checking
the sheet through the Sheets API after each step.

Screenshots: every `Sidebar.screenshot(name)` writes `build/screenshots/sidebar-<name>.png`; with
`ZEUES_SCREENSHOTS=DIR` (e.g. `ZEUES_SCREENSHOTS=docs/img`) it writes there instead — that is how the pictures in
docs/sheet-owner.md are made: `ZEUES_SCREENSHOTS=docs/img .venv/bin/python -m pytest tests/browser`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from orchestrator.codegen import BRIDGE_DIR, OWNER_TEXTS_JSON
from orchestrator.emulator import Emulator, running_emulator
from orchestrator.workbook import WorkbookOptions, build_workbook
from tests.support.live import Live

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager, should anything reach it, may not download
from selenium import webdriver  # noqa: E402 - after SE_OFFLINE
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60.0
# The sidebar of Google Sheets is 300 px wide (its page, inside Google's frame).
WINDOW = (300, 900)
LOCALES = {"es": ("es_CL", "America/Santiago"), "en": ("en_US", "America/New_York")}


def _browser_paths() -> tuple[str, str]:
    browser = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.fail("the browser tests need Chromium and its driver: `apt-get install chromium chromium-driver` "
                    "(python3 tasks.py test installs them when it runs as root)", pytrace=False)
    return browser, driver


def viewport(chrome: webdriver.Chrome, width: int, height: int) -> None:
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


@pytest.fixture(scope="session")
def chrome() -> Iterator[webdriver.Chrome]:
    browser, driver = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=800,900", "--lang=es-CL", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    viewport(chrome, *WINDOW)  # narrower than a window may be: the sidebar's own width
    try:
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture(scope="session")
def ui_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A private emulator: these tests hold its requests with latency faults while other calls go on."""
    with running_emulator(tmp_path_factory.mktemp("browser-emulator"), BRIDGE_DIR) as emu:
        yield emu


@pytest.fixture
def live(ui_emulator: Emulator) -> Iterator[Live]:
    ui_emulator.reset()
    yield Live(ui_emulator.url, ui_emulator.deployment_id)
    ui_emulator.reset()


@cache
def _workbook(spools: int, locale: str) -> str:
    workbook = build_workbook(WorkbookOptions(spools=spools, seed=7))
    workbook["properties"]["locale"], workbook["properties"]["timeZone"] = LOCALES[locale]
    return json.dumps(workbook)


@pytest.fixture
def new_sheet(ui_emulator: Emulator) -> Callable[..., str]:
    """A fresh generated v2.1 workbook, the bridge bound to it; `locale` 'es' (es_CL, as production) or 'en'."""

    def create(spools: int = 40, locale: str = "es") -> str:
        return ui_emulator.create_spreadsheet(json.loads(_workbook(spools, locale)))

    return create


# -- the catalogue ------------------------------------------------------------------------------------------------

@cache
def catalogue_patterns(locale: str) -> tuple[re.Pattern[str], ...]:
    """Every line of every catalogue text in `locale`, as a full-match pattern with each `{name}` a wildcard. A line
    that is only a placeholder (an address on its own line) would match anything: DATA_ONLY stands for it."""
    texts: dict[str, dict[str, str]] = json.loads(OWNER_TEXTS_JSON.read_text(encoding="utf-8"))
    patterns = []
    for entry in texts.values():
        for line in entry[locale].split("\n"):
            parts = re.split(r"\{\w+\}", line.strip())
            if any(parts):
                patterns.append(re.compile(".+?".join(map(re.escape, parts)), re.DOTALL))
    return tuple(patterns)


# Data, not words: a date and time in digits (the history's <time>), or an address on its own line.
DATA_ONLY = re.compile(r"^(?:[\d\s:/.,\-]+|https?://\S+)$")


def not_in_catalogue(shown: list[str], locale: str) -> list[str]:
    patterns = catalogue_patterns(locale)
    return [text for text in shown
            if not DATA_ONLY.match(text) and not any(p.fullmatch(text) for p in patterns)]


# The page's visible text: every text node whose element is rendered, the options of its lists, the values of
# its buttons, placeholders and accessible names, and the document's title.
_VISIBLE_TEXTS_JS = """
const out = [document.title];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!el || ['SCRIPT', 'STYLE', 'OPTION'].includes(el.tagName)) continue;
  if (el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) out.push(node.textContent);
}
for (const option of document.querySelectorAll('select option')) {
  if (option.closest('select').checkVisibility()) out.push(option.textContent);
}
for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], input[value]')) {
  if (!el.checkVisibility()) continue;
  for (const name of ['placeholder', 'aria-label', 'title', 'value']) out.push(el.getAttribute(name) || '');
}
return out.map((t) => t.replace(/\\s+/g, ' ').trim()).filter((t) => t);
"""


class Sidebar:
    """The sidebar page in the browser, with the owner's gestures and what the page shows."""

    def __init__(self, chrome: webdriver.Chrome, emulator: Emulator, spreadsheet_id: str, locale: str) -> None:
        self.chrome = chrome
        self.emulator = emulator
        self.spreadsheet_id = spreadsheet_id
        self.locale = locale
        self.screens: list[str] = []  # every screen's texts were checked against the catalogue

    # -- opening ------------------------------------------------------------------------------------------------
    def open(self) -> Sidebar:
        """Click "Abrir panel": a menu run of menuOpenSidebar, whose outcome names the sidebar's page."""
        run = self.emulator.menu_run(self.spreadsheet_id, "menuOpenSidebar")
        assert not run.get("error"), run
        (dialog,) = [d for d in run.get("dialogs", []) if d.get("kind") == "sidebar"]
        url = dialog.get("url") or f"{self.emulator.url}/_emulator/ui/{dialog['id']}"
        self.chrome.get(url)
        self.wait(lambda: self.shown("main"))
        return self

    # -- reading ------------------------------------------------------------------------------------------------
    def el(self, element_id: str) -> WebElement:
        return self.chrome.find_element(By.ID, element_id)

    def shown(self, element_id: str) -> bool:
        found = self.chrome.find_elements(By.ID, element_id)
        return bool(found) and found[0].is_displayed()

    def text(self, element_id: str) -> str:
        return str(self.el(element_id).text)

    def items(self, list_id: str) -> list[str]:
        """The list's items as shown, read at once (the page re-renders its lists whole)."""
        return list(self.chrome.execute_script(
            "return [...document.querySelectorAll('#' + arguments[0] + ' > li:not(.empty)')].map((li) => li.innerText)",
            list_id))

    def links(self) -> list[tuple[str, str, str]]:
        """(class of its item: link-backup or link-archive, label, address) of every link in the list."""
        return [tuple(link) for link in self.chrome.execute_script(
            "return [...document.querySelectorAll('#links-list > li > a')].map((a) => "
            "[a.parentElement.className, a.innerText, a.href])")]

    def visible_texts(self) -> list[str]:
        return list(self.chrome.execute_script(_VISIBLE_TEXTS_JS))

    def check_texts(self, screen: str) -> None:
        """Every text shown now is a rendering of the catalogue in the sheet's language; no label is blank."""
        strays = not_in_catalogue(self.visible_texts(), self.locale)
        assert not strays, f"{screen}: texts shown that are not in owner-texts.json ({self.locale}): {strays}"
        blank = self.chrome.execute_script(
            "return [...document.querySelectorAll('[data-text]')].filter((e) => e.checkVisibility() && "
            "!e.textContent.trim()).map((e) => e.getAttribute('data-text'))")
        assert not blank, f"{screen}: labels with no text (missing from the catalogue?): {blank}"
        self.screens.append(screen)

    def console_errors(self) -> list[str]:
        return [str(e["message"]) for e in self.chrome.get_log("browser")  # type: ignore[no-untyped-call]
                if e.get("level") == "SEVERE" and "favicon.ico" not in str(e["message"])]

    # -- acting ---------------------------------------------------------------------------------------------------
    def wait(self, condition: Callable[[], Any], timeout: float = WAIT_S) -> Any:
        return WebDriverWait(self.chrome, timeout, poll_frequency=0.1).until(lambda _: condition())

    def click(self, element_id: str) -> None:
        self.wait(lambda: self.el(element_id).is_enabled() and self.shown(element_id))
        self.el(element_id).click()

    def ask(self, button_id: str) -> list[str]:
        """Press an action button and wait for the confirmation panel; returns its title and lines."""
        self.click(button_id)
        self.wait(lambda: self.shown("confirm"))
        # The keyboard and a screen reader are taken to the question, not left on the hidden button.
        assert self.chrome.switch_to.active_element.get_attribute("id") == "confirm-title"
        return [self.text("confirm-title"), *[str(p.text) for p in
                                              self.el("confirm-body").find_elements(By.TAG_NAME, "p")]]

    def wait_notice(self) -> str:
        """Wait until the page shows its message (an outcome or a refusal) with no change running."""
        self.wait(lambda: self.shown("notice") and not self.shown("progress") and self.idle())
        return self.text("notice")

    def idle(self) -> bool:
        return self.el("main").find_element(By.XPATH, "/html/body").get_attribute("aria-busy") == "false"

    def confirmed(self, screen: str, screenshot: str | None = None) -> str:
        """Press the confirmation panel's yes; wait for the outcome, which must be a success; check its texts."""
        self.click("confirm-yes")
        message = self.wait_notice()
        assert self.notice_kind() == "ok", message
        self.check_texts(screen)
        if screenshot:
            self.screenshot(screenshot)
        return message

    def notice_kind(self) -> str:
        return "refusal" if "refusal" in str(self.el("notice").get_attribute("class")) else "ok"

    def screenshot(self, name: str) -> Path:
        """The whole page as `sidebar-<name>.png` (module docstring: where)."""
        folder = Path(os.environ.get("ZEUES_SCREENSHOTS") or ROOT / "build" / "screenshots")
        if not folder.is_absolute():
            folder = ROOT / folder
        folder.mkdir(parents=True, exist_ok=True)
        height = int(self.chrome.execute_script("return document.documentElement.scrollHeight"))
        viewport(self.chrome, WINDOW[0], height)  # as tall as the page, for the time of the picture
        try:
            shot = self.chrome.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        finally:
            viewport(self.chrome, *WINDOW)
        path = folder / f"sidebar-{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@pytest.fixture
def sidebar(chrome: webdriver.Chrome, ui_emulator: Emulator) -> Callable[..., Sidebar]:
    def open_for(spreadsheet_id: str, locale: str = "es") -> Sidebar:
        chrome.get_log("browser")  # type: ignore[no-untyped-call]  # drops what an earlier test logged
        return Sidebar(chrome, ui_emulator, spreadsheet_id, locale).open()

    return open_for

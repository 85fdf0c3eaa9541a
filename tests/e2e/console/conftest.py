"""A real headless browser for the console: Debian's chromium driven through its own chromedriver."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.stack import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"  # apt package chromium-driver, the same build as the browser
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WIDE, NARROW = (1280, 900), (390, 844)
ARTIFACTS = Path(os.environ.get("RUN_DIR", REPO_ROOT / ".run")) / "artifacts" / "console"


class Console:
    """The console in one browser session: navigation, waiting, and screenshots kept as artefacts."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self, path: str) -> None:
        self.driver.get(f"{self.base_url}{path}")

    def find(self, css: str, timeout_s: float = 20) -> WebElement:
        return WebDriverWait(self.driver, timeout_s).until(
            expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
        )

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.find(css).text

    def sign_in(self, key: str) -> None:
        self.open("/")
        self.find("#key").send_keys(key)
        self.find("form.stack button").click()
        self.find("[data-testid=who]")

    def snap(self, name: str, size: tuple[int, int] = WIDE) -> Path:
        """Saves the whole page (the window grown to its height) as .run/artifacts/console/<name>.png."""
        width, height = size
        self.driver.set_window_size(width, height)
        full = int(self.driver.execute_script("return document.documentElement.scrollHeight"))
        self.driver.set_window_size(width, min(max(height, full + 120), 5000))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(*WIDE)
        return path

    def overflows_horizontally(self, width: int) -> bool:
        self.driver.set_window_size(width, NARROW[1])
        script = "return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
        return bool(self.driver.execute_script(script))


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: `make provision` installs chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WIDE[0]},{WIDE[1]}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def console(browser: WebDriver, service_urls: dict[str, str]) -> Console:
    return Console(browser, f"{service_urls['query_svc']}/console")

"""The real board in a real browser: a seeded SQLite file, ``streamlit run`` on a free port, and
Debian's headless Chromium driven by Selenium (no browser download).

Everything here is skipped, with the reason, when ``/usr/bin/chromium`` or Selenium is missing
(``.ci/run`` installs Chromium from the distribution before the tests).
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import dashboard
from huiying.runtime import open_runtime
from huiying.settings import load_config
from index.records import Classification, Item, now_cst
from workflow.accounts import create_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
APP = Path(dashboard.__file__).resolve().parent / "app.py"
SCREENSHOTS = (
    APP.parent / "screenshots" if os.environ.get("HUIYING_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "huiying-screenshots"
)
"""Where the screenshots go: the README's copies only when asked (``HUIYING_UPDATE_SCREENSHOTS=1``),
so that a test run never changes files in the checkout."""
PASSWORD = "browser-test-pw"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1440,2000", "--lang=zh-CN", "--force-device-scale-factor=1",
)

ACCOUNTS = {
    "duty": ("coordinator", "值班员小李", ""),
    "admin": ("admin", "系统管理员", ""),
    "leader": ("leader", "县领导王某", ""),
    "housing-handler": ("unit_handler", "住建局经办人", "housing"),
    "housing-leader": ("unit_leader", "住建局负责人", "housing"),
}
# key: (title, body, lead, urgency, kind, needs triage, received hours ago)
MESSAGES = {
    "gas": ("幸福小区燃气泄漏", "3栋楼道燃气味很重，已经有老人头晕，请马上派人！", "housing", "特急", "求助", True, 0),
    "xss": (f"{SCRIPT}学校门口乱停车", f"{IMG} 接送时段堵车 **严重**", "education", "一般", "投诉", False, 1),
    "roof": ("老街危房屋顶开裂", "老街12号屋顶开裂，雨天漏水。", "housing", "紧急", "求助", False, 30),
    "lamp": ("新城路路灯不亮", "新城路段路灯坏了一周。", "housing", "一般", "建议", False, 60),
    "wages": ("工地拖欠工资", "龙川大道工地拖欠工资三个月。", "hrss", "紧急", "投诉", False, 5),
}


def _seed(db: Path) -> dict[str, int]:
    """Accounts, items and cases through the real services; one housing case answered in 10 hours."""
    os.environ.update({"HUIYING_STORE_URL": f"sqlite:///{db}", "HUIYING_CALENDAR_WEEKDAY_FALLBACK": "1"})
    runtime = open_runtime(load_config())
    try:
        for username, (role, name, unit) in ACCOUNTS.items():
            create_user(runtime.store, username, PASSWORD, role, name, unit)
        ids: dict[str, int] = {}
        for key, (title, body, lead, urgency, kind, triage, hours_ago) in MESSAGES.items():
            received = now_cst() - timedelta(hours=hours_ago)
            item_id = runtime.store.add_item(Item(
                source="demo-discuz", platform="discuz", url=f"http://bbs.example.cn/thread-{key}.html",
                external_id=key, title=title, body=body, posted_at=received, content_hash=f"hash-{key}",
            )).item_id
            classification = Classification(
                item_id=item_id, domain="城乡建设", lead_unit=lead, co_units=(), urgency=urgency, kind=kind,
                confidences={"domain": 0.4 if triage else 0.9, "urgency": 0.9}, model_version="browser-1",
                reasons=(f"关键词“{title[:4]}”",), needs_triage=triage, keywords=(title[:2],),
            )
            runtime.store.save_classification(classification)
            case = runtime.cases.open_case(runtime.store.get_item(item_id), classification, received_at=received)
            ids[key] = case.id
        # One answered housing case, so the leaders' times exist before the walk-through.
        lamp = ids["lamp"]
        clock = runtime.cases.clock
        assigned_at = runtime.store.get_case(lamp).assigned_at
        runtime.cases.clock = lambda: assigned_at + timedelta(hours=1)
        runtime.cases.acknowledge(runtime.store.get_user("housing-leader"), lamp)
        runtime.cases.clock = lambda: assigned_at + timedelta(hours=10)
        runtime.cases.reply(runtime.store.get_user("housing-leader"), lamp, "县住建局已更换路灯。")
        runtime.cases.clock = clock
        return ids
    finally:
        runtime.close()


def _free_port() -> int:
    """A port below the kernel's ephemeral range, so outgoing connections made by other tests cannot take it
    between this check and the board binding it."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000 on 127.0.0.1")


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the board exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the board did not answer within 40 s")


@dataclass
class Server:
    url: str
    cases: dict[str, int]
    db: Path


@pytest.fixture(scope="session")
def browser_ready() -> None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium chromium-driver)")
    pytest.importorskip("selenium", reason="Selenium is not installed (pip install selenium)")


@pytest.fixture(scope="session")
def board_server(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser-board")
    db = folder / "huiying.db"
    saved = {k: os.environ.get(k) for k in ("HUIYING_STORE_URL", "HUIYING_CALENDAR_WEEKDAY_FALLBACK")}
    try:
        cases = _seed(db)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    env = {**os.environ, "HUIYING_STORE_URL": f"sqlite:///{db}", "HUIYING_DATA_DIR": str(folder),
           "HUIYING_CALENDAR_WEEKDAY_FALLBACK": "1"}
    log_path = folder / "streamlit.log"
    for attempt in range(5):
        port = _free_port()
        log = log_path.open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--global.developmentMode", "false", "--server.fileWatcherType", "none",
             "--client.toolbarMode", "viewer"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            break
        except RuntimeError as exc:
            proc.kill()
            proc.wait()
            log.close()
            printed = log_path.read_text(encoding="utf-8", errors="replace")
            if "is not available" in printed and attempt < 4:
                continue  # another process took the port first: pick another
            raise RuntimeError(f"{exc}; the board printed:\n{printed[-2000:]}") from exc
    try:
        yield Server(url, cases, db)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def driver(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


class UI:
    """What a person does at the board, in Selenium: sign in, click, choose, type, wait, look."""

    def __init__(self, driver: Any, server: Server) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.server, self.by, self.wait_cls = driver, server, By, WebDriverWait
        self.script, self.img, self.password = SCRIPT, IMG, PASSWORD

    # -- waiting -------------------------------------------------------------------------------

    def until(self, what: Any, timeout: float = 20, message: str = "") -> Any:
        """Wait for ``what()`` to be true; the live feed redraws itself, so stale elements are retried."""
        from selenium.common.exceptions import (
            ElementClickInterceptedException,
            ElementNotInteractableException,
            StaleElementReferenceException,
        )

        ignored = (StaleElementReferenceException, ElementClickInterceptedException, ElementNotInteractableException)
        return self.wait_cls(self.driver, timeout, poll_frequency=0.1, ignored_exceptions=ignored).until(
            lambda d: what(), message)

    def settled(self, timeout: float = 20) -> None:
        """Wait until the app's script run (and its fragments) has finished."""
        time.sleep(0.25)
        self.until(lambda: not self.driver.find_elements(self.by.CSS_SELECTOR, '[data-testid="stStatusWidget"]'),
                   timeout, "the board is still running")
        self.until(lambda: not self.driver.find_elements(self.by.CSS_SELECTOR, '[data-stale="true"]'),
                   timeout, "stale elements remain")

    def main_text(self) -> str:
        return str(self.driver.execute_script(
            "const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.innerText : '';"))

    def see(self, text: str, timeout: float = 20) -> None:
        self.until(lambda: text in self.main_text(), timeout, f"{text!r} not shown")

    # -- doing ---------------------------------------------------------------------------------

    def open(self) -> None:
        self.driver.get(self.server.url)
        self.until(lambda: self.driver.find_elements(self.by.CSS_SELECTOR, 'input[aria-label="用户名"]'), 40,
                   "the sign-in form did not appear")

    def sign_in(self, username: str, landing: str) -> None:
        self.open()
        self.driver.find_element(self.by.CSS_SELECTOR, 'input[aria-label="用户名"]').send_keys(username)
        self.driver.find_element(self.by.CSS_SELECTOR, 'input[aria-label="密码"]').send_keys(self.password)
        self.click("登录")
        self.until(lambda: self._title() == landing, 30, f"did not land on {landing}")
        self.settled()

    def _title(self) -> str:
        found = self.driver.find_elements(self.by.CSS_SELECTOR, '[data-testid="stMain"] h1')
        return found[0].text.strip() if found else ""

    def sign_out(self) -> None:
        self.click("退出登录")
        self.until(lambda: self.driver.find_elements(self.by.CSS_SELECTOR, 'input[aria-label="用户名"]'), 20)

    def go(self, page: str) -> None:
        link = [a for a in self.driver.find_elements(self.by.CSS_SELECTOR, '[data-testid="stSidebarNavLink"]')
                if a.text.strip().split("\n")[-1].strip() == page]
        assert link, f"no menu entry {page!r}"
        link[0].click()
        self.until(lambda: self._title() == page, 20, f"{page} did not open")
        self.settled()

    def click(self, label: str) -> None:
        def button() -> Any:
            for b in self.driver.find_elements(self.by.TAG_NAME, "button"):
                # a button with an icon reads "logout\n退出登录": the icon's name, then the label
                if b.text.strip().split("\n")[-1].strip() == label and b.is_displayed() and b.is_enabled():
                    return b
            return None

        def press() -> bool:
            found = button()
            if found is None:
                return False
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", found)
            found.click()
            return True

        self.until(press, 20, f"no button {label!r}")
        self.settled()

    def choose(self, key: str, starts_with: str) -> None:
        """Pick the option of the select box ``key`` whose label starts with ``starts_with``."""
        box = self.driver.find_element(self.by.CSS_SELECTOR, f".st-key-{key} input")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
        box.click()
        box.send_keys(starts_with)

        def option() -> Any:
            for o in self.driver.find_elements(self.by.CSS_SELECTOR, '[role="option"]'):
                if o.text.strip().startswith(starts_with):
                    return o
            return None

        self.until(lambda: option().click() or True, 10, f"no option {starts_with!r} in {key}")
        self.settled()

    def type(self, key: str, text: str) -> None:
        field = self.driver.find_element(self.by.CSS_SELECTOR, f".st-key-{key} textarea, .st-key-{key} input")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", field)
        from selenium.webdriver.common.keys import Keys

        field.click()
        field.send_keys(text)
        if field.tag_name == "textarea":
            field.send_keys(Keys.CONTROL, Keys.ENTER)  # how Streamlit takes a text area's value
        else:
            field.send_keys(Keys.ENTER)
        self.settled()

    def metrics(self) -> dict[str, str]:
        out = {}
        for metric in self.driver.find_elements(self.by.CSS_SELECTOR, '[data-testid="stMetric"]'):
            label = metric.find_element(self.by.CSS_SELECTOR, '[data-testid="stMetricLabel"]').text.strip()
            out[label] = metric.find_element(self.by.CSS_SELECTOR, '[data-testid="stMetricValue"]').text.strip()
        return out

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.execute_script(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);"
            "document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; });")
        time.sleep(0.3)
        assert self.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    def count(self, css: str) -> int:
        return len(self.driver.find_elements(self.by.CSS_SELECTOR, css))


@pytest.fixture
def ui(driver: Any, board_server: Server) -> UI:
    return UI(driver, board_server)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the real board in headless Chromium (skipped without it)")

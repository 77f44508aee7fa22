"""The operator console in a real browser (Debian's chromium, driven by selenium) against a
real `agora serve`: an operator signs in, sees the charts drawn from real postings, decides
a KYC submission from the queue and sees its event arrive live; a borrower is refused.
Screenshots go to tests/artifacts/console/ (not committed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.participants.identity_numbers import resident_id_check_char
from support.factories import make_operator
from support.graphql import PASSWORD, gql, log_in, register, unique_email
from support.lending_life import disbursed_loan
from support.server import ServerProcess
from support.stores import StoreUrls

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "console"
WAIT_SECONDS = 15
SUBMIT_KYC = """
mutation Submit($input: SubmitKycInput!) {
  submitKyc(input: $input) { submission { id status } errors { code message } }
}"""

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1100",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


async def seed_the_book(stores: StoreUrls) -> None:
    """Real postings today: a loan funded by two investors and disbursed (lending volume,
    its origination fee as revenue, an active grade-B loan in the CURRENT bucket)."""
    engine = create_async_engine(stores.database_url)
    try:
        sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        await disbursed_loan(sessions, FixedClock(datetime.now(UTC)))
    finally:
        await engine.dispose()


def resident_id() -> str:
    first_17 = "11010519880512321"
    return first_17 + resident_id_check_char(first_17)


async def pending_kyc(server: ServerProcess) -> tuple[str, str]:
    """A borrower with a KYC submission waiting for an operator: (their email, its id)."""
    email = unique_email("console-borrower")
    async with httpx.AsyncClient(base_url=server.url) as http:
        await register(http, email=email, roles=["BORROWER"])
        token = (await log_in(http, email))["accessToken"]
        answer = await gql(
            http,
            SUBMIT_KYC,
            {
                "input": {
                    "documentType": "RESIDENT_ID",
                    "legalName": "李四",
                    "documentNumber": resident_id(),
                }
            },
            token=token,
        )
    submission = answer["data"]["submitKyc"]
    assert submission["errors"] == [], submission
    assert submission["submission"]["status"] == "PENDING"
    return email, submission["submission"]["id"]


def sign_in(driver: WebDriver, server: ServerProcess, login: str) -> None:
    driver.get(server.url + "/console")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "sign-in").is_displayed()
    )
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in-button").click()


def bars(driver: WebDriver, chart: str) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, f"#{chart} rect.bar"))


async def test_an_operator_sees_the_dashboard_and_decides_kyc_live(
    server: ServerProcess, stores: StoreUrls, browser: WebDriver
) -> None:
    operator_email = await make_operator(stores, stem="console-operator")
    await seed_the_book(stores)
    borrower_email, submission_id = await pending_kyc(server)

    sign_in(browser, server, operator_email)
    wait = WebDriverWait(browser, WAIT_SECONDS)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-charts-drawn"))
    wait.until(lambda d: d.find_element(By.ID, "live-state").text == "live")
    row = f'#queue-kyc tr[data-id="{submission_id}"]'
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
    for book in ("book-scf", "book-plans"):  # the read-only books drawn too
        wait.until(lambda d, book=book: d.find_elements(By.CSS_SELECTOR, f"#{book} th"))

    assert bars(browser, "chart-volume") >= 1
    assert bars(browser, "chart-revenue") >= 1
    assert "origination" in browser.find_element(By.ID, "chart-revenue").text
    assert bars(browser, "chart-buckets") >= 1
    assert "grade B" in browser.find_element(By.ID, "chart-grades").text
    browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))

    browser.find_element(By.CSS_SELECTOR, f'{row} button[data-action="REJECT"]').click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"{row} .row-error").text)
    assert browser.find_element(By.CSS_SELECTOR, f"{row} .row-error").text.startswith(
        "INVALID_INPUT: a rejection needs a reason"
    )  # the mutation's typed error, and the submission stays in the queue
    browser.find_element(By.CSS_SELECTOR, f'{row} button[data-action="VERIFY"]').click()
    wait.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '#live-events li[data-type="KYC_DECIDED"]')
    )
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, row))
    assert browser.find_element(By.ID, "queue-error").text == ""
    browser.save_screenshot(str(ARTIFACTS / "kyc-decided.png"))

    browser.find_element(By.ID, "sign-out").click()
    wait.until(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
    assert browser.find_element(By.ID, "sign-in-error").text == "Signed out."
    assert browser.get_cookie("agora_console") is None
    sign_in(browser, server, borrower_email)
    wait.until(lambda d: "FORBIDDEN" in d.find_element(By.ID, "sign-in-error").text)
    assert not browser.find_element(By.ID, "dashboard").is_displayed()
    assert browser.get_cookie("agora_console") is None
    browser.save_screenshot(str(ARTIFACTS / "borrower-refused.png"))

"""The operator console's dashboard load time, first paint to charts drawn, on a database
`agora demo --days 30` filled; against the dashboard's own GraphQL query alone.

A fresh database, `agora serve` in production settings, `agora demo --days N` on the same
stores (the demo refuses production, so it runs as dev), an operator made with
`agora create-operator`; then headless chromium (Debian's, driven by selenium) signs in to
/console once and loads the page --loads times (after --warmup loads). Each load reports
`window.consoleTimings` (api/console/static/console.js): the first paint and the moment
the four charts were drawn. The ceiling is the dashboard's query (read from console.js, the
same text) posted to /graphql with the operator's token, in the same run: what the charts
cannot be faster than.
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import httpx

# isort: split
import harness
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CONSOLE_JS = harness.REPO / "api" / "console" / "static" / "console.js"
DASHBOARD_QUERY = re.search(r"const DASHBOARD = `(.*?)`;", CONSOLE_JS.read_text(), re.S)
OPERATOR = "console-bench@example.com"


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1100",
    ):
        options.add_argument(argument)
    service = webdriver.ChromeService(shutil.which("chromedriver") or "chromedriver")
    return webdriver.Chrome(options=options, service=service)


def load_dashboard(driver: webdriver.Chrome, url: str) -> dict[str, float]:
    driver.get(url + "/console")
    WebDriverWait(driver, 60).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-charts-drawn")
    )
    timings: dict[str, float] = driver.execute_script("return window.consoleTimings")
    drawn = len(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar"))
    return {**timings, "bars": drawn}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def main() -> int:
    parser = harness.arguments(
        __doc__ or "",
        database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_console",
        redis_url="redis://127.0.0.1:6379/14",
        output="console_dashboard.json",
    )
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    assert DASHBOARD_QUERY is not None, "console.js has no DASHBOARD query"
    anomalies: list[str] = []
    with harness.fresh_agora(args, "console_dashboard.log") as (server, env):
        started = time.perf_counter()
        demo = harness.agora_cli(
            {**env, "AGORA_ENV": "dev"}, "demo", "--days", str(args.days), check=False
        )
        demo_seconds = time.perf_counter() - started
        if demo.returncode != 0:
            print(demo.stdout[-2000:], demo.stderr[-2000:], file=sys.stderr)
            return 1
        harness.create_operator(env, OPERATOR)
        token = harness.log_in(server.base_url, OPERATOR)
        platform = harness.gql(server.base_url, "{ platform { currency } }", {})["platform"]
        variables = {"currency": platform["currency"], "days": 30}

        query_ms = []
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            for _ in range(args.warmup + args.loads):
                began = time.perf_counter()
                answer = http.post(
                    "/graphql",
                    json={"query": DASHBOARD_QUERY.group(1), "variables": variables},
                    headers={"authorization": f"Bearer {token}"},
                ).json()
                query_ms.append((time.perf_counter() - began) * 1000)
                if answer.get("errors"):
                    anomalies.append(f"dashboard query: {answer['errors']}")
        query_ms = query_ms[args.warmup :]

        driver = browser()
        try:
            driver.get(server.base_url + "/console")
            driver.find_element(By.ID, "login").send_keys(OPERATOR)
            driver.find_element(By.ID, "password").send_keys(harness.PASSWORD)
            driver.find_element(By.ID, "sign-in-button").click()
            WebDriverWait(driver, 60).until(
                lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-charts-drawn")
            )
            loads = [
                load_dashboard(driver, server.base_url) for _ in range(args.warmup + args.loads)
            ]
        finally:
            driver.quit()
        loads = loads[args.warmup :]
        if any(load["bars"] == 0 for load in loads):
            anomalies.append("a load drew no bars")
        paint_to_charts = [load["chartsDrawn"] - load["firstPaint"] for load in loads]
        navigation_to_charts = [load["chartsDrawn"] for load in loads]
        problems = harness.logged_problems(server.log_path)
        anomalies += [f"agora logged {count} x {what}" for what, count in problems.items()]

    figures = {
        "demo_days": args.days,
        "demo_seconds": round(demo_seconds, 1),
        "bars_drawn": loads[0]["bars"],
        "first_paint_to_charts_ms": {
            "p50": round(statistics.median(paint_to_charts), 1),
            "p90": round(percentile(paint_to_charts, 0.9), 1),
        },
        "navigation_to_charts_ms": {"p50": round(statistics.median(navigation_to_charts), 1)},
        "dashboard_query_ms": {
            "p50": round(statistics.median(query_ms), 1),
            "p90": round(percentile(query_ms, 0.9), 1),
        },
    }
    figures["vs_ceiling"] = round(
        figures["first_paint_to_charts_ms"]["p50"] / figures["dashboard_query_ms"]["p50"], 2
    )
    for name, value in figures.items():
        print(f"{name:28} {value}")
    report = {
        **harness.report_head(
            "console_dashboard", harness.revision(), ["selenium", "strawberry-graphql"]
        ),
        "figures": figures,
        "anomalies": anomalies,
    }
    harness.write_results(Path(args.output), report, announce=True)
    return harness.exit_status(anomalies)


if __name__ == "__main__":
    sys.exit(main())

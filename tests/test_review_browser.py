"""The review page in a real browser: Debian's chromium driven by Selenium through Debian's chromedriver.

It opens a generated page, clicks a cell and checks that the source span is marked and in view, checks the
index's counts, filtering and sorting, makes a correction and exports it, applies the exported file as
``giar extract --corrections`` does, and reads the page with JavaScript off. Screenshots are kept under
tests/artifacts/ (gitignored).

Needs ``apt-get install -y chromium chromium-driver fonts-wqy-zenhei`` and selenium (the test extra); without
them it is skipped, unless ``GIAR_REQUIRE_PDF_TOOLS=1`` (CI), where a missing tool fails it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from formats import CHROMIUM_FLAGS
from giar import extract
from giar.corrections import apply, load
from giar.review import build_page, collect
from test_review import HONGZE23, HOSTILE, SEED1, SEED3, hostile_document

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = (*CHROMIUM_FLAGS, "--window-size=1500,1000")
ARTIFACTS = Path(__file__).parent / "artifacts"
REQUIRE = os.environ.get("GIAR_REQUIRE_PDF_TOOLS") == "1"


def _need_browser() -> None:
    missing = [p for p in (CHROMIUM, DRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        reason = f"browser test needs {', '.join(missing)} (apt-get install -y chromium chromium-driver)"
        if REQUIRE:
            pytest.fail(f"GIAR_REQUIRE_PDF_TOOLS=1 but {reason}")
        pytest.skip(reason)


def _driver(profile: Path, downloads: Path, javascript: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # Debian's chromium: Selenium Manager must not fetch a browser or driver
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    prefs = {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


@pytest.fixture(scope="module")
def page(fixtures_dir, tmp_path_factory) -> Path:
    _need_browser()
    tmp = tmp_path_factory.mktemp("browser")
    files = [str(fixtures_dir / p) for p in (SEED3, SEED1, HONGZE23)] + [str(hostile_document(fixtures_dir, tmp))]
    out = tmp / "review.html"
    out.write_text(build_page(collect(files)), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    return out


@pytest.fixture
def browser(page, tmp_path):
    (tmp_path / "downloads").mkdir()
    driver = _driver(tmp_path / "profile", tmp_path / "downloads")
    driver.downloads = tmp_path / "downloads"  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def _by_id(driver, id_: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, id_)


def _click(driver, cell_id: str, centre: bool = True):
    """Click a value cell (scrolled to the window's middle first, unless told not to); its mark, if it has one."""
    from selenium.webdriver.common.by import By

    cell = _by_id(driver, cell_id)
    if centre:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    cell.click()
    links = cell.find_elements(By.TAG_NAME, "a")
    return cell, (_by_id(driver, links[0].get_attribute("href").split("#")[1]) if links else None)


def _statuses(driver, visible_only: bool = False) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#index-table tbody tr")
    return [r.get_attribute("data-status") for r in rows if r.is_displayed() or not visible_only]


def _in_view(driver, el, pane) -> bool:
    """Is the element inside its scrolling pane's visible box, and inside the window?"""
    return driver.execute_script(
        "var m = arguments[0].getBoundingClientRect(), p = arguments[1].getBoundingClientRect();"
        "return m.height > 0 && m.top >= p.top && m.bottom <= p.bottom && m.top >= 0 && m.bottom <= window.innerHeight;",
        el,
        pane,
    )


def test_click_a_cell_marks_its_span_in_the_source(browser, page):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(page.as_uri())
    assert d.title == "giar review"  # the hostile report's script did not run
    # the index: one row per report, the counts by status
    assert _statuses(d) == ["repaired", "repaired", "inconsistent", "clean"]
    counts = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#index-counts .count")]
    assert counts == ["1 clean", "2 repaired", "1 inconsistent", "0 partial", "0 failed"]
    d.save_screenshot(str(ARTIFACTS / "review-index.png"))

    # corpus 004 (a PDF): the broken 行政复议 total
    cell, mark = _click(d, "r3-c-review_litigation.review.total")
    pane = _by_id(d, "r3-source")
    assert "current" in mark.get_attribute("class").split()
    assert mark.text == "0" and _in_view(d, mark, pane)
    assert "sel" in cell.get_attribute("class").split()
    details = d.find_element(By.CSS_SELECTOR, "#r3 .details").text
    assert "page\n4" in details and "box (pt)" in details and "rule4:review" in details
    d.save_screenshot(str(ARTIFACTS / "review-click-pdf.png"))

    # another cell far up the same text: the pane scrolls back, the old mark is released
    _, mark2 = _click(d, "r3-c-requests.new_received.natural_person")
    assert "current" in mark2.get_attribute("class").split() and "current" not in mark.get_attribute("class").split()
    assert mark2.text == "21" and _in_view(d, mark2, pane)

    # a report's first value, seen from its heading: the source pane runs below the window, and the mark is
    # still brought into the part of it the window shows
    d.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -520)", _by_id(d, "r2"))
    _, mark3 = _click(d, "r2-c-active_disclosure.regulations.new_made", centre=False)
    assert _in_view(d, mark3, _by_id(d, "r2-source"))

    # seed 003: its lost rows are inferred (no span: nothing to mark), and say so
    lost, none = _click(d, "r1-c-requests.carried_forward.total")
    assert none is None and "how-inferred" in lost.get_attribute("class")
    assert "inferred" in d.find_element(By.CSS_SELECTOR, "#r1 .details").text
    d.save_screenshot(str(ARTIFACTS / "review-click-inferred.png"))


def test_index_filters_and_sorts(browser, page):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(page.as_uri())
    d.find_element(By.CSS_SELECTOR, ".status-filter[value=repaired]").click()
    assert _statuses(d, visible_only=True) == ["inconsistent", "clean"]
    assert _by_id(d, "index-shown").text == "(showing 2)"
    d.find_element(By.CSS_SELECTOR, ".status-filter[value=repaired]").click()
    header = d.find_element(By.XPATH, "//table[@id='index-table']//th[text()='status']")
    header.click()
    assert _statuses(d) == sorted(_statuses(d))
    header.click()
    assert _statuses(d) == sorted(_statuses(d), reverse=True)


def test_correction_exported_and_applied(browser, page, fixtures_dir):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(page.as_uri())
    key = "requests.new_received.natural_person"
    cell, _ = _click(d, f"r2-c-{key}")
    form = d.find_element(By.CSS_SELECTOR, "#r2 .details form")
    form.find_element(By.NAME, "value").send_keys("17")
    form.find_element(By.NAME, "note").send_keys("page 2 prints 17")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert _by_id(d, "corr-count").text == "1"
    assert "corrected" in cell.get_attribute("class").split() and cell.text == "0→17"
    assert "the document prints 17" in d.find_element(By.CSS_SELECTOR, "#r2 .details").text
    d.save_screenshot(str(ARTIFACTS / "review-correction.png"))
    _by_id(d, "corr-export").click()
    target = d.downloads / "giar-corrections.json"  # type: ignore[attr-defined]
    for _ in range(50):
        if target.exists() and target.stat().st_size:
            break
        time.sleep(0.1)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["corrections"][0]["key"] == key and data["corrections"][0]["value"] == 17
    report, notes = apply(extract(fixtures_dir / SEED1), load(target))
    assert notes == [] and report.value(key) == 17 and report.provenance[key].method == "human"


def test_page_reads_with_javascript_off(page, tmp_path):
    from selenium.webdriver.common.by import By

    (tmp_path / "dl").mkdir()
    d = _driver(tmp_path / "profile", tmp_path / "dl", javascript=False)
    try:
        d.get(page.as_uri())
        assert "js" not in (d.find_element(By.TAG_NAME, "html").get_attribute("class") or "")
        assert not d.find_element(By.CSS_SELECTOR, ".filters").is_displayed()
        assert len([td for td in d.find_elements(By.CSS_SELECTOR, "#r3 td.v") if td.is_displayed()]) > 100
        source = d.find_element(By.CSS_SELECTOR, "#r4 .source pre")
        assert HOSTILE in source.get_attribute("textContent")
        # a value is still a link to its span
        cell = _by_id(d, "r3-c-review_litigation.review.total")
        link = cell.find_element(By.TAG_NAME, "a")
        link.click()
        assert d.current_url.endswith(link.get_attribute("href").split("#")[1])
        d.save_screenshot(str(ARTIFACTS / "review-nojs.png"))
    finally:
        d.quit()

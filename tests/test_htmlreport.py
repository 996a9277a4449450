"""The HTML heatmap: its structure read with an HTML parser, and the page in headless Chromium.

The browser test loads the page as a person would and asserts what it shows: a cell per
result, each status in its colour family, the reason in the tooltip and in the panel a
click opens, nothing fetched from anywhere. It keeps a screenshot under `artifacts/`
(git-ignored; `ENGAGERULES_ARTIFACTS` moves it). It never skips in CI (`CI=true`): there a
missing browser is a failure, and `tools/setup-browser.sh` installs one.
"""

from __future__ import annotations

import colorsys
import html
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from engagerules import (
    UNMATCHED_REASONS,
    Report,
    Status,
    Waiver,
    apply_waivers,
    evaluate,
    render_html,
    report_json,
)
from engagerules.model.plan import Force
from engagerules.outputs.html import headline as headline_of
from quarter import AS_OF, END, START, gwent_quarter

Check = Callable[..., Report]
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("ENGAGERULES_ARTIFACTS", ROOT / "artifacts"))
EXPIRY = date(2030, 1, 1)


def waived_quarter() -> Report:
    """The Gwent quarter with Rhymney's storm-log reviews waived (a vacancy)."""
    quarter = gwent_quarter()
    waiver = Waiver(
        "gwent.cn.storm-log-review", START, END, "vacancy: no CSO in post", EXPIRY, "rhymney"
    )
    return apply_waivers(quarter.report, [waiver], quarter.force)


class Page(HTMLParser):
    """What the page holds: elements with their attributes, rows of the heatmaps."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.rows: list[list[dict[str, str]]] = []
        self.in_heatmap = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.elements.append((tag, found))
        if tag == "table":
            self.in_heatmap = "heatmap" in found.get("class", "")
        elif tag == "tr" and self.in_heatmap and "data-obligation" in found:
            self.rows.append([])
        elif tag == "td" and self.in_heatmap and self.rows:
            self.rows[-1].append(found)

    def cells(self) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == "td" and "cell" in a.get("class", "")]


# ---------------------------------------------------------------------------- structure


def test_a_cell_per_result_with_its_status() -> None:
    """One heatmap cell per result; cells per status equal the JSON summary."""
    report = waived_quarter()
    page = Page(render_html(report, force=gwent_quarter().force))
    cells = page.cells()
    assert len(cells) == len(report.results)
    assert Counter(c["data-status"] for c in cells) == report_json(report)["summary"]
    assert {c["data-status"] for c in cells} >= {"met", "missed", "breach", "pending", "waived"}


def test_every_heatmap_row_spans_the_whole_range() -> None:
    """Cells and gaps of every lane add up to the days of the range, none lost or doubled."""
    report = gwent_quarter().report
    days = (END - START).days + 1
    page = Page(render_html(report))
    assert page.rows
    for row in page.rows:
        assert sum(int(td.get("colspan", "1")) for td in row) == days


def test_each_cell_carries_its_reason_and_evidence() -> None:
    """The tooltip and data of each cell hold its result's reason and evidence ids."""
    report = gwent_quarter().report
    cells = Page(render_html(report)).cells()
    by_key = {(c["data-obligation"], c.get("data-scope"), c["data-window"]): c for c in cells}
    for result in report.results[:200]:
        window = (
            f"{result.window.local_start:%Y-%m-%d %H:%M} to "
            f"{result.window.local_end:%Y-%m-%d %H:%M}"
        )
        cell = by_key[(result.obligation, result.scope or "force-wide", window)]
        assert result.reason in cell["title"] and cell["data-reason"] == result.reason
        for event in result.evidence:
            assert event in cell["data-evidence"]


def test_totals_per_owner_role_add_up() -> None:
    """The owner table's status counts sum to every result."""
    report = gwent_quarter().report
    page = Page(render_html(report))
    owners = {a["data-owner"] for t, a in page.elements if t == "tr" and "data-owner" in a}
    assert owners == {r.owner for r in report.results}


def test_page_is_self_contained() -> None:
    """No external address, stylesheet, script or image; a policy that forbids fetching."""
    text = render_html(gwent_quarter().report)
    page = Page(text)
    for tag, found in page.elements:
        assert "src" not in found and "href" not in found, (tag, found)
        assert tag not in ("link", "img", "iframe", "object", "embed")
    assert "http://" not in text and "https://" not in text and "@import" not in text
    (policy,) = [a["content"] for t, a in page.elements if a.get("http-equiv")]
    assert "default-src 'none'" in policy


def test_data_is_escaped(mini: Force, check: Check) -> None:
    """A justification with markup shows as text: no element is injected."""
    report = check("mini.weekly-tweet", [], "2022-10-03", "2022-10-09")
    nasty = 'incident <img src=x onerror="alert(1)"> & "quotes"'
    waiver = Waiver("mini.weekly-tweet", date(2022, 10, 5), date(2022, 10, 5), nasty, EXPIRY)
    page = Page(render_html(apply_waivers(report, [waiver], mini)))
    assert not [t for t, _ in page.elements if t == "img"]
    assert {c["data-reason"] for c in page.cells()} == {nasty}


def test_headline_force_name_and_local_as_of() -> None:
    """The page leads with the force's name, a plain-words headline and a local as-of."""
    quarter = gwent_quarter()
    report = quarter.report
    text = render_html(report, force=quarter.force)
    counts = report.counts()
    judged = sum(counts[s] for s in (Status.MET, Status.PARTIAL, Status.MISSED, Status.BREACH))
    share = round(100 * counts[Status.MET] / judged)
    expected = f"{share}% of duties met, {counts[Status.BREACH]} rules broken"
    assert f'<p class="headline" id="headline">{expected}, {counts[Status.MISSED]} missed' in text
    assert "<h1>Gwent Police: engagement duties, Sat 1 Oct 2022 to Sat 31 Dec 2022</h1>" in text
    assert "as of Mon 9 Jan 2023 09:00 GMT" in text
    assert f"{report.events.unmatched} counted for none (why, just below)" in text


def test_unmatched_broken_down_by_reason_in_words() -> None:
    """Under the headline, each reason records counted for none, in words, with its count."""
    quarter = gwent_quarter()
    ev = quarter.report.events
    text = render_html(quarter.report, force=quarter.force)
    page = Page(text)
    shown = [a["data-reason"] for t, a in page.elements if t == "li" and "data-reason" in a]
    assert shown == sorted(ev.by_reason, key=lambda r: (-ev.by_reason[r], r))
    assert len(shown) >= 3  # the quarter has several reasons to tell apart
    for reason, count in ev.by_reason.items():
        words = html.escape(UNMATCHED_REASONS[reason], quote=True)
        assert f'<li data-reason="{reason}"><b>{count}</b> {words}</li>' in text
    assert f"Why {ev.unmatched} records counted for none:" in text
    assert text.index('id="headline"') < text.index('id="unmatched"') < text.index('id="trend"')


def test_without_a_breakdown_the_page_says_why_in_general(mini: Force) -> None:
    """A report with no reasons (nothing unmatched) keeps the general sentence, no list."""
    report = evaluate(mini, [], date(2022, 10, 3), date(2022, 10, 9), AS_OF)
    assert report.events.by_reason == {}
    text = render_html(report)
    assert 'id="unmatched"' not in text
    assert "0 counted for none (their type is not one a duty uses" in text


def test_owners_in_words_and_empty_status_columns_hidden() -> None:
    """Owner rows give the role's title; statuses no result has get no column."""
    quarter = gwent_quarter()
    page = Page(render_html(quarter.report, force=quarter.force))
    text = render_html(quarter.report, force=quarter.force)
    assert "Community Support Officer <code>CSO</code>" in text
    shown = {a["data-status"] for t, a in page.elements if t == "td" and "data-status" in a}
    assert shown == {s.value for s, n in quarter.report.counts().items() if n}
    assert "partial" not in shown


def test_trend_is_inline_svg_per_unit_per_month() -> None:
    """One sparkline per unit with judged results, a point per month it has any."""
    quarter = gwent_quarter()
    page = Page(render_html(quarter.report, force=quarter.force))
    rows = [a["data-unit"] for t, a in page.elements if t == "tr" and "data-unit" in a]
    judged = {r.scope or "force-wide" for r in quarter.report.results}
    assert set(rows) == judged
    lines = [a for t, a in page.elements if t == "polyline"]
    assert len(lines) == len(rows)
    assert all(1 <= len(a["points"].split()) <= 3 for a in lines)


def test_breaches_are_marked_on_the_offending_records() -> None:
    """Each breach cell holds a mark per offending record, naming it, placed by its date."""
    quarter = gwent_quarter()
    report = quarter.report
    page = Page(render_html(report, force=quarter.force, events=quarter.log))
    marks = [a for t, a in page.elements if t == "span" and a.get("class") == "mark"]
    offending = [e for r in report.results if r.status is Status.BREACH for e in r.evidence]
    assert offending and len(marks) == len(offending)
    by_id = {e.id: e for e in quarter.log.events}
    for mark in marks:
        event = by_id[mark["data-record"].split(":")[0]]
        day = (event.at.astimezone(quarter.force.zone).date() - START).days
        left = float(mark["style"].removeprefix("left: ").removesuffix("%"))
        days = (END - START).days + 1
        assert day / days * 100 <= left <= (day + 1) / days * 100 + 0.01


def test_cell_tooltips_are_in_words() -> None:
    """Given the force, a cell's tooltip names the unit and the window in words."""
    quarter = gwent_quarter()
    cells = Page(render_html(quarter.report, force=quarter.force)).cells()
    weekly = next(
        c
        for c in cells
        if c.get("data-scope") == "bargoed" and "Mon 3 Oct to Sun 9 Oct 2022" in c["title"]
    )
    assert " · Bargoed · Mon 3 Oct to Sun 9 Oct 2022: " in weekly["title"]


def test_follow_up_lanes_are_labelled() -> None:
    """A row of overlapping follow-ups says how many there are and why on several lines."""
    quarter = gwent_quarter()
    text = render_html(quarter.report, force=quarter.force)
    assert "follow-ups on " in text and "lines, as their dates overlap" in text


# ---------------------------------------------------------------------------- in a browser


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def require_browser() -> tuple[str, str]:
    """Chromium and chromedriver, or a skip naming what is missing (a failure in CI)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium
    except ImportError:
        selenium = None
    missing = [
        name
        for name, found in (
            ("chromium", chromium),
            ("chromedriver", driver),
            ("selenium", selenium),
        )
        if not found
    ]
    if missing:
        reason = f"{', '.join(missing)} not installed (run tools/setup-browser.sh)"
        if in_ci():
            pytest.fail(f"the browser test must run in CI: {reason}")
        pytest.skip(reason)
    assert chromium and driver
    return chromium, driver


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through WebDriver, with a fresh profile."""
    chromium, driver_path = require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = ARTIFACTS / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1600,1200",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(browser: Any, text: str, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_text(text, encoding="utf-8")
    browser.get(path.as_uri())
    return path


def family(css_colour: str) -> str:
    """A computed `rgb(...)` colour named by what a reader sees: green, amber, red, grey."""
    parts = css_colour[css_colour.index("(") + 1 : css_colour.index(")")].split(",")
    r, g, b = (int(float(p)) / 255 for p in parts[:3])
    hue, _lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    if saturation < 0.15:
        return "grey"
    degrees = hue * 360
    if degrees < 20 or degrees > 340:
        return "red"
    if 25 <= degrees <= 55:
        return "amber"
    if 80 <= degrees <= 160:
        return "green"
    return f"other({degrees:.0f})"


EXPECTED_FAMILY = {
    "met": "green",
    "partial": "amber",
    "missed": "red",
    "breach": "red",
    "pending": "grey",
    "waived": "grey",
}


def test_heatmap_in_chromium(browser: Any) -> None:
    """Cells, colours, tooltip, the panel a click opens, no fetch; a screenshot is kept."""
    from selenium.webdriver.common.by import By

    report = waived_quarter()
    results = report_json(report)["results"]
    open_page(browser, render_html(report, force=gwent_quarter().force), "gwent-quarter.html")
    counts = browser.execute_script(
        "var c = {}; document.querySelectorAll('td.cell').forEach(function (td) {"
        "  var s = td.getAttribute('data-status'); c[s] = (c[s] || 0) + 1; }); return c;"
    )
    assert counts == dict(Counter(r["status"] for r in results))
    colours = browser.execute_script(
        "var c = {}; document.querySelectorAll('td.cell').forEach(function (td) {"
        "  c[td.getAttribute('data-status')] = getComputedStyle(td).backgroundColor; });"
        "return c;"
    )
    assert {status: family(colour) for status, colour in colours.items()} == {
        status: EXPECTED_FAMILY[status] for status in colours
    }
    missed = next(r for r in results if r["status"] == "missed")
    cell = next(
        c
        for c in browser.find_elements(By.CSS_SELECTOR, "td.cell.s-missed")
        if c.get_attribute("data-obligation") == missed["obligation"]
        and c.get_attribute("data-scope") == (missed["scope"] or "force-wide")
    )
    assert missed["reason"] in cell.get_attribute("title")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    cell.click()
    panel = browser.find_element(By.ID, "detail")
    assert panel.find_element(By.CSS_SELECTOR, ".detail-reason").text == missed["reason"]
    assert panel.find_element(By.CSS_SELECTOR, ".detail-status").text == "missed"
    waived = next(
        c
        for c in browser.find_elements(By.CSS_SELECTOR, "td.cell.s-waived")
        if c.get_attribute("data-scope") == "rhymney"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", waived)
    waived.click()
    assert panel.find_element(By.CSS_SELECTOR, ".detail-reason").text == "vacancy: no CSO in post"
    assert panel.find_element(By.CSS_SELECTOR, ".detail-was").text.startswith("missed: ")
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    browser.execute_script("window.scrollTo(0, 0)")
    shot = ARTIFACTS / "gwent-quarter.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_only_rows_with_problems_in_chromium(browser: Any) -> None:
    """Ticking the filter hides the rows where everything was met, and only those."""
    from selenium.webdriver.common.by import By

    report = gwent_quarter().report
    open_page(browser, render_html(report), "gwent-quarter-filter.html")
    visible = "return Array.from(document.querySelectorAll('table.heatmap tbody tr'))" + (
        ".filter(function (tr) { return tr.offsetParent !== null; })"
        ".map(function (tr) { return tr.getAttribute('data-problems'); });"
    )
    before = browser.execute_script(visible)
    browser.find_element(By.ID, "only-problems").click()
    after = browser.execute_script(visible)
    assert "0" in before and set(after) == {"1"}
    assert after.count("1") == before.count("1")


def test_partial_is_amber_in_chromium(browser: Any, check: Check) -> None:
    """One surgery of two in North is partial, drawn amber; Enter opens its detail."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    report = check(
        "mini.monthly-two-surgeries",
        [{"id": "s1", "type": "surgery", "at": "2022-10-12T18:00:00+01:00", "scope": "north"}],
        "2022-10-01",
        "2022-10-31",
    )
    assert [r.status for r in report.results] == [Status.PARTIAL]
    open_page(browser, render_html(report), "mini-partial.html")
    (cell,) = browser.find_elements(By.CSS_SELECTOR, "td.cell")
    colour = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", cell)
    assert family(colour) == "amber"
    cell.send_keys(Keys.ENTER)
    evidence = browser.find_element(By.CSS_SELECTOR, "#detail .detail-evidence").text
    assert evidence == "s1"


# ---------------------------------------------------------------------------- never skipped in CI


def test_missing_browser_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no chromium on the path: a failure when CI=true, a skip with the reason locally."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI: chromium, chromedriver"):
        require_browser()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"tools/setup-browser\.sh"):
        require_browser()


@pytest.mark.parametrize(
    ("ci", "code", "said"), [("true", 1, "required in CI"), ("", 0, "skipped")]
)
def test_setup_script_without_a_way_to_install(
    tmp_path: Path, ci: str, code: int, said: str
) -> None:
    """tools/setup-browser.sh with no browser and no apt-get: exit 1 in CI, a note elsewhere."""
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run(
        [bash, str(ROOT / "tools" / "setup-browser.sh")],
        env={"PATH": str(tmp_path), "CI": ci},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == code
    assert said in done.stderr


def test_fits_1400_px_for_a_quarter_and_scrolls_a_year_in_chromium(browser: Any) -> None:
    """At 1400 px a quarter fits, a year scrolls in its boxes with titles held, headline shown."""
    quarter = gwent_quarter()
    browser.set_window_size(1400, 1000)
    overflow = (
        "var wide = []; document.querySelectorAll('.scroll').forEach(function (box) {"
        "  if (box.scrollWidth > box.clientWidth + 1) { wide.push(box.scrollWidth); } });"
        "return [document.documentElement.scrollWidth, window.innerWidth, wide.length];"
    )
    html_text = render_html(quarter.report, force=quarter.force, events=quarter.log)
    open_page(browser, html_text, "gwent-quarter-1400.html")
    page, viewport, boxes = browser.execute_script(overflow)
    assert page <= viewport and boxes == 0
    headline = browser.execute_script(
        "var h = document.getElementById('headline'); var r = h.getBoundingClientRect();"
        "return [h.textContent, r.top, r.right];"
    )
    assert headline[0] == headline_of(quarter.report) and "% of duties met" in headline[0]
    assert 0 <= headline[1] < 200 and headline[2] <= 1400
    reasons = browser.execute_script(
        "var u = document.getElementById('unmatched'); var r = u.getBoundingClientRect();"
        "return [u.textContent, r.top, r.right, u.querySelectorAll('li').length];"
    )
    assert reasons[0].startswith("Why ") and "a type no duty uses" in reasons[0]
    assert 0 <= reasons[1] < 400 and reasons[2] <= 1400  # on screen, under the headline
    assert reasons[3] == len(quarter.report.events.by_reason)
    shot = ARTIFACTS / "gwent-quarter-1400.png"
    assert browser.save_screenshot(str(shot))
    year = evaluate(quarter.force, quarter.log, date(2022, 1, 1), date(2022, 12, 31), AS_OF)
    open_page(browser, render_html(year, force=quarter.force), "gwent-year-1400.html")
    page, viewport, boxes = browser.execute_script(overflow)
    assert page <= viewport and boxes > 0  # the boxes scroll, not the page
    held = browser.execute_script(
        "var box = document.querySelector('.scroll'); box.scrollLeft = 400;"
        "var th = box.querySelector('th.label');"
        "return th.getBoundingClientRect().left - box.getBoundingClientRect().left;"
    )
    assert abs(held) <= 1
    browser.set_window_size(1600, 1200)

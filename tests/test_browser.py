"""The pages as a person uses them: Debian's Chromium, driven by Selenium, against the real `hambot serve`."""

import json
import math
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

import axe_core
from conftest import CameraRuns, FakeW1Bus, RunningServer, add_photo, settings_environ
from hambot.core.history import History
from hambot.core.movies import Movies
from hambot.core.store import open_store
from hambot.web import chart

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PHONE, DESKTOP = (360, 780), (1280, 900)
CAMERA_SECONDS = 2
PHOTO_PAGE = re.compile(r"/photos/([A-Za-z0-9_-]{12})$")
# Chromium as a quiet, throw-away browser: no network of its own, no first-run pages, a new profile.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")


@pytest.fixture(scope="module")
def browser_home(tmp_path_factory):
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing; `make test` installs it, or run: sudo apt-get install {package}")
    if not axe_core.SCRIPT.exists():
        pytest.fail("axe-core is missing; `make test` fetches it, or run: python tests/axe_core.py")
    os.environ["SE_OFFLINE"] = "true"  # Selenium must use the driver given, never fetch one
    return tmp_path_factory.mktemp("browser")


def start_chromium(home, javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + tempfile.mkdtemp(dir=home))
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # to count the requests sent
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="module")
def browser(browser_home):
    driver = start_chromium(browser_home)
    yield driver
    driver.quit()


class Site:
    """A real `hambot serve` with a camera that takes CAMERA_SECONDS, and its store on the side."""

    def __init__(self, folder, camera, **overrides):
        self.w1 = FakeW1Bus(folder / "w1")
        self.w1.add_sensor(celsius=22.5)
        self.runs = CameraRuns(folder)
        environ = settings_environ(folder, self.w1, camera, overrides)
        environ.update(HAMBOT_LOG_LEVEL="INFO", FAKE_CAMERA_SECONDS=str(CAMERA_SECONDS),
                       FAKE_CAMERA_LOG=str(self.runs.log), FAKE_CAMERA_RELEASE=str(self.runs.release_file))
        self.server = RunningServer(folder, environ)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.store = open_store(folder / "data")

    def stop(self):
        self.store.close()
        self.server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("site"), "slow_pattern.sh", dead_time=1)
    yield site
    site.stop()


@pytest.fixture
def page(browser, site):
    """A fresh tab at phone size, the others closed, the viewer's cookies cleared."""
    for handle in browser.window_handles[1:]:
        browser.switch_to.window(handle)
        browser.close()
    browser.switch_to.window(browser.window_handles[0])
    browser.delete_all_cookies()
    resize(browser, *PHONE)
    browser.get_log("performance")  # forget earlier requests
    return browser


@pytest.fixture(scope="module")
def screenshots(request):
    """Where the screenshots go: HAMBOT_SCREENSHOTS (docs/screenshots for `make screenshots`) or a new folder."""
    folder = Path(os.environ.get("HAMBOT_SCREENSHOTS") or tempfile.mkdtemp(prefix="hambot-screenshots-"))
    folder.mkdir(parents=True, exist_ok=True)
    request.config.hambot_screenshots = folder  # printed at the end of the run
    return folder


def resize(driver, width, height, dark=False):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})


def wait(driver, condition, timeout=15, message=""):
    """Until `condition` holds; an element that auto-refresh swapped out meanwhile is looked up again."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException]
                         ).until(lambda d: condition(d), message)


def press_and_land(driver):
    """Press Get snapshot and wait for the photo page; the photo's id."""
    driver.find_element(By.CSS_SELECTOR, "form.snapshot button").click()
    return landed(driver)


def landed(driver):
    """The id of the photo page the browser arrives at within the camera's time."""
    wait(driver, lambda d: photo_shown(d), CAMERA_SECONDS + 15, "the photo page did not come")
    return photo_shown(driver)


def photo_shown(driver):
    match = PHOTO_PAGE.search(driver.current_url.split("?")[0])
    return match and match[1]


def image_decoded(driver, selector="#image-data"):
    return driver.execute_script(
        "var i = document.querySelector(arguments[0]); return i && i.complete && i.naturalWidth;", selector)


def snapshot_posts(driver):
    """How many POST /snapshot requests the browser sent since the last call."""
    count = 0
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            sent = message["params"]["request"]
            count += sent["method"] == "POST" and sent["url"].endswith("/snapshot")
    return count


def wait_out_the_dead_time(site):
    latest = site.store.latest()
    if latest:
        time.sleep(max(0, latest.taken_at + 1.2 - time.time()))


def record_the_button(driver):
    """Keeps what the button and its bar show, every 100 ms, in sessionStorage, which outlives the page."""
    driver.execute_script("""
        var form = document.querySelector('form.snapshot'), b = form.querySelector('button'),
            bar = form.querySelector('progress'), started = Date.now(), seen = [];
        setInterval(function () {
          seen.push({t: (Date.now() - started) / 1000, disabled: b.disabled, text: b.textContent,
                     bar: !bar.hidden, value: bar.hasAttribute('value') ? bar.value : null});
          sessionStorage.setItem('button', JSON.stringify(seen));
        }, 100);""")


def recorded_button(driver):
    return json.loads(driver.execute_script("return sessionStorage.getItem('button')") or "[]")


def test_pressing_shows_progress_then_the_photo_and_home_remembers_it(page, site):
    wait_out_the_dead_time(site)
    page.get(site.url + "/")
    record_the_button(page)
    photo_id = press_and_land(page)
    seen = [s for s in recorded_button(page) if s["disabled"]]
    assert seen, "the button never showed that it was busy"
    assert all(s["text"] == "Taking a photo…" and s["bar"] for s in seen)
    assert seen[-1]["t"] - seen[0]["t"] >= CAMERA_SECONDS - 0.5  # busy for as long as the camera took
    assert wait(page, lambda d: image_decoded(d), 10, "the photo did not decode") > 0
    assert page.title.startswith("Photo of ")
    page.switch_to.new_window("tab")  # same browser, same cookies, a new page
    page.get(site.url + "/")
    assert wait(page, lambda d: image_decoded(d)) > 0
    src = page.find_element(By.ID, "image-data").get_attribute("src")
    assert src.endswith((f"/photos/{photo_id}.png", f"/photos/{photo_id}.jpg"))


def test_the_progress_bar_fills_over_the_cameras_usual_time(page, site):
    if site.store.captures.usual_seconds() is None:
        wait_out_the_dead_time(site)
        page.get(site.url + "/")
        press_and_land(page)
    wait_out_the_dead_time(site)
    page.get(site.url + "/")
    usual = float(page.find_element(By.CSS_SELECTOR, "form.snapshot").get_attribute("data-usual-seconds"))
    assert CAMERA_SECONDS <= usual < CAMERA_SECONDS + 1.5
    record_the_button(page)
    press_and_land(page)
    values = [(s["t"], s["value"]) for s in recorded_button(page) if s["disabled"] and s["value"] is not None]
    halfway = [value for t, value in values if abs(t - values[0][0] - usual / 2) < 0.3]
    assert halfway and all(30 < value < 70 for value in halfway), values
    assert [value for _, value in values] == sorted(value for _, value in values)  # it only ever fills


def tap_twice(driver, how):
    button = driver.find_element(By.CSS_SELECTOR, "form.snapshot button")
    if how == "a second tap 0.4 s later":  # real pointer events, as from an impatient thumb
        ActionChains(driver).move_to_element(button).click().pause(0.4).click().perform()
    else:
        driver.execute_script("var b = arguments[0]; b.click(); setTimeout(function () { b.click(); }, 400);", button)


@pytest.mark.parametrize("how", ["a second tap 0.4 s later", "a second click from a timer"])
def test_a_double_press_sends_one_request_and_runs_the_camera_once(page, site, how):
    wait_out_the_dead_time(site)
    page.get(site.url + "/")
    runs_before = site.runs.count()
    snapshot_posts(page)
    tap_twice(page, how)
    landed(page)
    assert snapshot_posts(page) == 1
    assert site.runs.count() == runs_before + 1


def test_without_the_script_a_double_press_sends_two_requests_but_the_camera_still_runs_once(page, site):
    """The control for the test above: Chromium itself sends both presses; the server's coalescing still holds."""
    page.execute_cdp_cmd("Network.enable", {})
    page.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/static/hambot.js*"]})
    try:
        wait_out_the_dead_time(site)
        page.get(site.url + "/")
        runs_before = site.runs.count()
        snapshot_posts(page)
        tap_twice(page, "a second tap 0.4 s later")
        landed(page)
        assert snapshot_posts(page) == 2
        assert site.runs.count() == runs_before + 1
    finally:
        page.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})


def test_without_javascript_the_plain_form_still_takes_a_photo(browser_home, site):
    driver = start_chromium(browser_home, javascript=False)
    try:
        wait_out_the_dead_time(site)
        driver.get(site.url + "/")
        photo_id = press_and_land(driver)
        assert image_decoded(driver) > 0
        assert driver.find_element(By.CSS_SELECTOR, "figcaption time").text.endswith("UTC")  # no script ran
        driver.get(site.url + "/")
        assert photo_id in driver.find_element(By.ID, "image-data").get_attribute("src")
    finally:
        driver.quit()


def test_a_shared_photo_says_who_took_it_and_when_a_new_one_can_come(page, tmp_path_factory):
    slow_site = Site(tmp_path_factory.mktemp("dead-time"), "slow_pattern.sh", dead_time=600)
    try:
        page.get(slow_site.url + "/")
        first = press_and_land(page)
        page.delete_all_cookies()
        page.get(slow_site.url + "/")
        assert press_and_land(page) == first
        note = page.find_element(By.CSS_SELECTOR, ".shared").text
        assert re.fullmatch(r"Someone took this \d+ s ago; the camera rests 600 s between photos\. "
                            r"A new one can be taken in \d+ s\.", note)
    finally:
        slow_site.stop()


def test_a_failing_camera_says_what_happened_and_offers_try_again(page, tmp_path_factory):
    failing = Site(tmp_path_factory.mktemp("failing"), "fails.sh")
    try:
        page.get(failing.url + "/")
        page.find_element(By.CSS_SELECTOR, "form.snapshot button").click()
        wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".problem .sentence"), 15)
        assert page.find_element(By.TAG_NAME, "h1").text == "No photo this time"
        assert "the lens cover is closed" in page.find_element(By.CSS_SELECTOR, ".problem .sentence").text
        again = page.find_element(By.CSS_SELECTOR, "form.snapshot button")
        assert again.text == "Try again" and again.is_enabled()
    finally:
        failing.stop()


def axe_violations(driver):
    """What axe-core finds serious or critical on the page shown."""
    driver.execute_script(axe_core.SCRIPT.read_text())
    found = driver.execute_async_script("""
        var done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(function (r) {
          done(r.violations.map(function (v) {
            return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.target.join(' '); })};
          }));
        });""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_a_press_on_an_upstream_camera_page_lands_on_the_photo_the_pi_took(page, pushing_pair, camera_runs):
    url = f"http://127.0.0.1:{pushing_pair.upstream.port}"
    page.get(url + "/cameras/pi")
    assert page.find_element(By.TAG_NAME, "h1").text == "pi"
    assert "No photo from this camera yet." in page.page_source
    assert not axe_violations(page)
    runs = camera_runs.count()
    photo_id = press_and_land(page)
    assert wait(page, lambda d: image_decoded(d), 10, "the photo did not decode") > 0
    assert camera_runs.count() == runs + 1  # the Pi's own camera took it
    assert [p.source for p in pushing_pair.pi_photos()] == ["remote"]
    page.get(url + "/cameras/pi")  # the camera's page now shows it as the latest
    latest = page.find_element(By.CSS_SELECTOR, "figure.photo a")
    assert latest.get_attribute("href").endswith(f"/photos/{photo_id}")
    assert wait(page, lambda d: image_decoded(d, "figure.photo img"), 10, "the latest photo did not decode") > 0


def test_an_offline_camera_page_says_so_and_its_button_answers_at_once(page, pushing_pair):
    pushing_pair.capture(1)
    assert pushing_pair.arrived(1), pushing_pair.push_log()
    since = pushing_pair.went_offline(seconds_ago=300)
    page.get(f"http://127.0.0.1:{pushing_pair.upstream.port}/cameras/pi")
    assert page.find_element(By.CSS_SELECTOR, ".shared").text == \
        f"The camera has been offline since {since}. Here is its latest photo."
    assert wait(page, lambda d: image_decoded(d, "figure.photo img"), 10, "its latest photo did not decode") > 0
    started = time.monotonic()
    page.find_element(By.CSS_SELECTOR, "form.snapshot button").click()
    wait(page, lambda d: "Its button cannot reach it" in d.find_element(By.CSS_SELECTOR, ".shared").text, 10,
         "the press was not answered with the camera being offline")
    assert time.monotonic() - started < 5  # told, not left waiting for a time-out
    assert page.find_element(By.CSS_SELECTOR, "form.snapshot button").is_enabled()  # to try again later


def fill_history(site, count=30):
    """Enough photos for two gallery pages, and a day of readings every 5 minutes, as the timer records them."""
    history = History(site.store.database)
    if history.latest() is None or history.latest().taken_at > time.time() - 3600:
        now = time.time()
        for step in range(288):
            when = now - 86400 + step * 300
            history.record(22 + 2.5 * math.sin(step / 288 * 2 * math.pi) + (step % 5) / 10, "sensor", when)
    while site.store.totals()[0] < count:
        add_photo(site.store, celsius=20 + site.store.totals()[0] % 7 / 2)


def test_the_gallery_pages_through_photos_whose_thumbnails_decode(page, site):
    fill_history(site)
    page.get(site.url + "/photos")
    tiles = page.find_elements(By.CSS_SELECTOR, "ul.gallery img")
    assert len(tiles) == 24
    assert wait(page, lambda d: image_decoded(d, "ul.gallery img")) > 0
    for tile in tiles:
        assert tile.get_attribute("alt").startswith("The enclosure on ")
    page.find_element(By.LINK_TEXT, "Older photos →").click()
    wait(page, lambda d: "before=" in d.current_url)
    assert 1 <= len(page.find_elements(By.CSS_SELECTOR, "ul.gallery img")) <= 24
    page.find_element(By.PARTIAL_LINK_TEXT, "Newer photos").click()
    wait(page, lambda d: "after=" in d.current_url)
    assert len(page.find_elements(By.CSS_SELECTOR, "ul.gallery img")) == 24


def test_the_chart_draws_the_days_readings(page, site):
    fill_history(site)
    page.get(site.url + "/temperature")
    svg = page.find_element(By.CSS_SELECTOR, "figure.chart svg")
    assert svg.size["width"] > 300
    drawn = page.execute_script("""
        var line = document.querySelector('svg.chart polyline.line');
        return line ? line.points.numberOfItems : 0;""")
    assert drawn >= 100  # a day in the chart's buckets, one point each
    labels = page.execute_script("""
        return Array.from(document.querySelectorAll('svg.chart text.tick')).filter(function (t) {
          return getComputedStyle(t).display !== 'none'; }).map(function (t) {
          var box = t.getBoundingClientRect(); return [box.left, box.right, box.height]; });""")
    assert all(height >= 9 for _, _, height in labels), "the chart's labels are too small to read on a phone"
    x_labels = sorted(labels[-4:])
    assert all(a[1] < b[0] for a, b in zip(x_labels, x_labels[1:])), "the chart's time labels overlap"



@pytest.mark.parametrize("shown", ["24h", "7d", "30d"])
def test_a_label_by_the_charts_right_edge_is_not_cut_off(page, site, shown):
    """A chart that ends 10 minutes after a tick, as `chart.py` draws it, shown on the chart page in place of its
    own: Chromium writes the labels in its own locale ("03:00 PM"), wider than the server's."""
    seconds, _, every, _ = chart.RANGES[shown]
    until = (time.time() // every) * every + 600
    svg = chart.chart_svg([], until - seconds, until, shown, "C")
    page.get(site.url + "/temperature")
    html = re.sub(r'<svg class="chart".*?</svg>', lambda _: svg, page.page_source, count=1, flags=re.S)
    page.execute_script("document.open(); document.write(arguments[0]); document.close();", html)
    wait(page, lambda d: d.execute_script("return document.readyState") == "complete")
    outside = page.execute_script("""
        var svg = document.querySelector('figure.chart svg').getBoundingClientRect();
        return Array.from(document.querySelectorAll('svg.chart text.tick')).filter(function (t) {
          var box = t.getBoundingClientRect();
          return getComputedStyle(t).display !== 'none' && (box.left < svg.left || box.right > svg.right);
        }).map(function (t) { return t.textContent; });""")
    assert outside == [], f"cut off at the chart's edge: {outside}"

def todays_page(site):
    """Today's day page, with a time-lapse made by Debian's ffmpeg (H.264, yuv420p, +faststart) and its poster."""
    day = site.store.local_day(time.time())
    movies = Movies(site.store.data_dir)
    if not movies.exists(day):
        movies.folder.mkdir(parents=True, exist_ok=True)
        made = movies.folder / f".test-{day.isoformat()}.mp4"
        subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-f", "lavfi",
                        "-i", "testsrc=duration=4:size=640x360:rate=25", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                        "-movflags", "+faststart", "-y", str(made)], check=True, timeout=60)
        subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-i", str(made), "-frames:v", "1", "-y",
                        str(movies.poster_path(day))], check=True, timeout=60)
        os.replace(made, movies.path(day))
    return f"/days/{day.isoformat()}"


def test_the_days_time_lapse_plays_in_chromium(page, site):
    """Debian's Chromium playing an H.264 movie from Debian's ffmpeg, fetched in byte ranges as browsers do."""
    fill_history(site)
    page.get(site.url + todays_page(site))
    video = page.find_element(By.CSS_SELECTOR, "figure.movie video")
    assert video.get_attribute("poster").endswith("/poster.jpg")
    page.execute_script("var v = arguments[0]; v.muted = true; v.play();", video)
    wait(page, lambda d: d.execute_script("return arguments[0].currentTime", video) > 0.5, 15,
         "the time-lapse did not play")
    assert page.execute_script("return arguments[0].videoWidth", video) == 640
    statuses = []
    for entry in page.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived" and message["params"]["response"]["url"].endswith(
                "/timelapse.mp4"):
            statuses.append(message["params"]["response"]["status"])
    assert 206 in statuses


def test_the_days_list_shows_today_with_its_photo(page, site):
    fill_history(site)
    page.get(site.url + "/days")
    today = page.find_element(By.CSS_SELECTOR, "ul.days li a")
    assert today.get_attribute("href").endswith(todays_page(site))
    assert wait(page, lambda d: image_decoded(d, "ul.days img")) > 0


@pytest.mark.parametrize("path", ["/", "/photos", "/temperature", "photo", "/days", "day"])
def test_no_page_scrolls_sideways_on_a_phone_or_a_desktop(page, site, path):
    fill_history(site)
    path = f"/photos/{site.store.latest().id}" if path == "photo" else todays_page(site) if path == "day" else path
    for width, height in (PHONE, DESKTOP):
        resize(page, width, height)
        page.get(site.url + path)
        sizes = page.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert sizes[0] <= sizes[1] == width, f"{path} is {sizes[0]} px wide in a {width} px window"


def test_the_pages_links_fit_on_one_line_on_a_phone(page, site):
    """Home, Gallery, Days and Temperature side by side at 360 px, so that a phone shows the page below at once."""
    page.get(site.url + "/")
    tops = page.execute_script(
        "return Array.from(document.querySelectorAll('nav.site a'), a => a.getBoundingClientRect().top);")
    assert len(tops) == 4 and len(set(tops)) == 1, f"the links sit at {tops} px from the top"

def test_the_dark_mode_follows_the_system_setting(page, site):
    page.get(site.url + "/")
    light = page.execute_script("return getComputedStyle(document.body).backgroundColor")
    resize(page, *PHONE, dark=True)
    dark = page.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert light != dark
    assert sum(map(int, re.findall(r"\d+", dark)[:3])) < sum(map(int, re.findall(r"\d+", light)[:3]))


def test_the_keyboard_focus_is_visible(page, site):
    page.get(site.url + "/")
    ActionChains(page).send_keys(Keys.TAB).perform()
    outline = page.execute_script(
        "var s = getComputedStyle(document.activeElement); return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth];")
    assert outline[0] == "A" and outline[1] != "none" and outline[2] != "0px"


def test_auto_refresh_swaps_in_the_newest_photo_without_reloading(page, site):
    fill_history(site)
    old = site.store.latest()
    speed_up_long_timers(page)
    page.get(f"{site.url}/photos/{old.id}?refresh=1")
    page.execute_script("window.sameDocument = true")
    new = add_photo(site.store, celsius=24)
    wait(page, lambda d: photo_shown(d) == new.id, 15, "the page did not move on to the newest photo")
    assert page.execute_script("return window.sameDocument") is True  # swapped in, not reloaded
    assert page.find_element(By.ID, "image-data").get_attribute("src").endswith(new.filename)
    assert wait(page, lambda d: image_decoded(d)) > 0
    assert page.execute_script("return document.querySelector('main').dataset.refreshUrl") == "/latest?refresh=1"
    page.get(f"{site.url}/?refresh=1")
    page.execute_script("window.sameDocument = true")
    newer = add_photo(site.store, celsius=24.5)
    wait(page, lambda d: d.find_element(By.ID, "image-data").get_attribute("src").endswith(newer.filename), 15)
    assert page.execute_script("return window.sameDocument") is True


def speed_up_long_timers(driver):
    """Makes a minute pass in a second for the page's own timers, so an auto-refresh can be watched."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        var realSetTimeout = window.setTimeout;
        window.setTimeout = function (fn, ms) { return realSetTimeout(fn, ms >= 30000 ? ms / 60 : ms); };"""})


PAGES = {"home": "/", "photo": "photo", "gallery": "/photos", "chart": "/temperature", "days": "/days",
         "day": "day"}


def test_screenshots_of_each_page_at_phone_and_desktop_width(page, site, screenshots):
    fill_history(site)
    wait_out_the_dead_time(site)
    page.get(site.url + "/")
    photo_id = press_and_land(page)  # so home shows the visitor's photo, as it does after a first press
    for name, path in PAGES.items():
        path = f"/photos/{photo_id}" if path == "photo" else todays_page(site) if path == "day" else path
        for size, (width, height) in (("phone", PHONE), ("desktop", DESKTOP)):
            resize(page, width, height)
            page.get(site.url + path)
            wait(page, lambda d: d.execute_script("return document.readyState") == "complete")
            tall = min(2400, page.execute_script("return document.documentElement.scrollHeight"))
            resize(page, width, tall)
            target = screenshots / f"{name}-{size}.png"
            target.write_bytes(page.get_screenshot_as_png())
            assert target.stat().st_size > 5000


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_no_serious_accessibility_problems(page, site, dark):
    fill_history(site)
    for path in ("/", f"/photos/{site.store.latest().id}", "/photos", "/temperature", "/days", todays_page(site),
                 "/nothing-here"):
        page.get(site.url + path)
        resize(page, *PHONE, dark=dark)
        serious = axe_violations(page)
        assert not serious, f"{path}: {json.dumps(serious, indent=1)}"

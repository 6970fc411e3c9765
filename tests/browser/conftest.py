"""Real-browser fixtures: one streamlit server and one headless chromium per session, a fresh tab per test.

Playwright cannot download browsers here, so Debian's chromium is driven directly (``CHROMIUM`` overrides
the path). Without chromium or playwright the tests are skipped with a hint, except under ``CI=true``,
where they fail: a CI run must never pass by silently skipping its browser tests.

Tests talk to the app through the ``app`` fixture (an :class:`App`): open a page, click a sidebar link,
wait for the script run that an action caused, read the plotly heatmaps, check that no exception or
unexpected ``st.error`` is shown, and take full-page screenshots into ``tests/browser/artifacts/``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

try:  # playwright is a dev dependency; its absence is reported by the prerequisite check below
    from playwright.sync_api import Browser, Locator, Page, Playwright, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # the tests may run as root (containers, CI)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
#: Upper bound for one browser test (pytest-timeout); the first one also starts the server and chromium.
TEST_TIMEOUT_S = 180
SERVER_START_TIMEOUT_S = 60
#: The warm-up imports torch and runs its first optimizer step: slow on a busy machine.
WARM_UP_TIMEOUT_S = 150  # within TEST_TIMEOUT_S: the first test pays for it
#: The first script run imports torch and traces a model; later runs take well under a second.
RUN_TIMEOUT_MS = 60_000
#: A run only counts as finished once the app has stayed idle this long (a widget change can chain reruns).
SETTLE_MS = 300
MAX_SCREENSHOT_HEIGHT = 12_000


# --------------------------------------------------------------------------- markers, prerequisites


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is a ``browser`` test with a bounded run time."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember whether a test's body failed, so its last screenshot can say so."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _missing_prerequisites() -> list[str]:
    missing = []
    if sync_playwright is None:
        missing.append("the playwright Python package (install the dev requirements: `make install-dev`)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(
            f"chromium at {CHROMIUM} (`make test` or `make chromium` installs Debian's chromium; "
            "or `sudo apt-get install -y chromium`, or set CHROMIUM=/path/to/chromium)"
        )
    return missing


@pytest.fixture(scope="session")
def browser_prerequisites() -> None:
    """Skip (locally) or fail (CI=true) when playwright or chromium is missing."""
    missing = _missing_prerequisites()
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing)
    if _in_ci():
        pytest.fail(f"{message}. CI=true, so they fail instead of being skipped.", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------- the server


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Loopback only: never send the health check through a proxy from the environment.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _health_ok(base_url: str) -> bool:
    try:
        with _NO_PROXY.open(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate the process we started (by its own PID), then kill it if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_streamlit_server(
    log_name: str, env: dict[str, str] | None = None, script: str = "app.py", checkout: Path = ROOT
) -> tuple[subprocess.Popen, str, Path]:
    """Start ``streamlit run <script>`` on a free loopback port: (its process, base URL, log path).

    Its output goes to ``tests/browser/artifacts/<log_name>``; ``env`` adds to (or overrides) the environment;
    ``checkout``: the folder it runs in (another checkout of rnnviz serves its own app and package: Streamlit
    puts the script's folder first on the import path); ``wait_until_healthy`` waits for it to answer.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_loopback_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / log_name
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Files edited while the tests run must not put a "File change / Rerun" prompt into the page.
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=checkout,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
    return process, base_url, log_path


def wait_until_healthy(process: subprocess.Popen, base_url: str, log_path: Path, warm_up: bool = True) -> None:
    """Wait until the server answers ``/_stcore/health``; fail with its log if it exits or takes too long.

    With ``warm_up`` it is then ready as ``make run`` makes it: the script health check has run the app once
    (rnnviz/ui/common/warmup.py), so no test's first page waits for the process's one-off costs.
    """
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not _health_ok(base_url):
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with code {process.returncode}:\n{_tail(log_path)}", pytrace=False)
        if time.monotonic() > deadline:
            pytest.fail(
                f"streamlit did not answer {base_url}/_stcore/health within {SERVER_START_TIMEOUT_S} s:\n"
                f"{_tail(log_path)}",
                pytrace=False,
            )
        time.sleep(0.25)
    if warm_up:
        with _NO_PROXY.open(f"{base_url}/_stcore/script-health-check", timeout=WARM_UP_TIMEOUT_S) as answer:
            assert answer.status == 200, f"the script health check failed:\n{_tail(log_path)}"


@contextmanager
def run_streamlit_server(
    log_name: str = "streamlit-server.log",
    env: dict[str, str] | None = None,
    script: str = "app.py",
    warm_up: bool = True,
) -> Iterator[str]:
    """A server on a free loopback port for the ``with`` block: yields its base URL, then stops it (by its PID)."""
    process, base_url, log_path = start_streamlit_server(log_name, env, script)
    try:
        wait_until_healthy(process, base_url, log_path, warm_up)
        yield base_url
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def streamlit_server(browser_prerequisites: None) -> Iterator[str]:
    """The server every test shares; its log is tests/browser/artifacts/streamlit-server.log."""
    with run_streamlit_server() as base_url:
        yield base_url


@pytest.fixture
def fresh_streamlit_server(browser_prerequisites: None) -> Iterator[str]:
    """A server of its own for tests about what the very first visitor after a start sees."""
    with run_streamlit_server("streamlit-server-fresh.log") as base_url:
        yield base_url


@pytest.fixture(scope="module")
def server_without_a_browser(browser_prerequisites: None) -> Iterator[str]:
    """A server that sees no browser of its own (``BROWSER_PATH=/nonexistent``), as after ``make run`` alone."""
    with run_streamlit_server("streamlit-server-no-browser.log", env={"BROWSER_PATH": "/nonexistent"}) as base_url:
        yield base_url


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def playwright_instance(browser_prerequisites: None) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    """One headless Debian chromium for the whole session (each test gets its own context)."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


#: The frontend has drawn what the server sent: the root's script state (``<div data-testid="stApp"
#: data-test-script-state=...>``) is back to "notRunning", no running-man icon, and no skeleton (lazily
#: loaded elements such as plotly charts show one until their code has loaded and drawn).
_FRONTEND_IDLE = """
() => {
  const root = document.querySelector('[data-testid="stApp"]');
  return !!root && root.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-testid="stSkeleton"]');
}
"""

#: Resolves once the element's height has stayed the same for 5 animation frames (an expander done opening).
_SETTLED = """
(element) => new Promise((resolve) => {
  let last = -1, same = 0;
  const check = () => {
    const height = element.getBoundingClientRect().height;
    same = height === last ? same + 1 : 0;
    last = height;
    if (same >= 5) resolve(true); else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})
"""

#: What the frontend looked like, for a readable timeout message.
_FRONTEND_STATE = """
() => ({
  scriptState: document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state") ?? null,
  runningIcon: !!document.querySelector('[data-testid="stStatusWidgetRunningIcon"]'),
  skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
})
"""

#: The app's charts (``rnnviz.ui.common.chart``): each is a plotly.js plot once drawn, with ``data-drawn="true"``
#: once its latest figure is. A chart is drawn when it comes near the window.
CHART = ".rnnviz-chart"
#: Scroll each chart of the page that is not drawn yet into view, one after the other, until every one is drawn
#: (true) or the time is up (false); then every scrolled element back to where it was. Charts are looked up
#: again at every turn: a rerun may remove some meanwhile, and a hidden one (a copy a fragment run left for a
#: moment) is never drawn, so only the ones on screen count.
_DRAW_EVERY_CHART = """
async (timeoutMs) => {
  const kept = [...document.querySelectorAll("*")].filter((e) => e.scrollTop > 0).map((e) => [e, e.scrollTop]);
  const deadline = performance.now() + timeoutMs;
  let done = false;
  while (!done && performance.now() < deadline) {
    const waiting = [...document.querySelectorAll(".rnnviz-chart")]
      .filter((chart) => chart.getClientRects().length && chart.dataset.drawn !== "true");
    done = waiting.length === 0;
    if (!done) {
      waiting[0].scrollIntoView({ block: "center" });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  for (const e of document.querySelectorAll("*")) if (e.scrollTop > 0) e.scrollTop = 0;
  for (const [e, top] of kept) e.scrollTop = top;
  return done;
}
"""
#: Every chart on screen: its title, its first trace's type, and for a heatmap the size of z
#: (rows = units, columns = time steps); for other traces the number of points. null: not drawn yet.
_HEATMAPS = """
() => [...document.querySelectorAll(".rnnviz-chart")].filter((plot) => plot.getClientRects().length).map((plot) => {
  const chart = plot.parentElement;
  if (plot.dataset.drawn !== "true" || !plot._fullData || !plot.calcdata) return null;
  const title = chart.querySelector(".gtitle");
  const trace = plot._fullData[0];
  const z = trace && trace.type === "heatmap" ? plot.calcdata[0][0].z : null;
  return {
    title: title ? title.textContent : "",
    type: trace ? trace.type : "none",
    units: z ? z.length : (trace && trace.y ? trace.y.length : 0),
    steps: z ? z[0].length : (trace && trace.x ? trace.x.length : 0),
  };
})
"""


@dataclass(frozen=True)
class Heatmap:
    """What a person sees of one plotly heatmap: its title and how many unit rows / time columns it draws."""

    title: str
    type: str
    units: int
    steps: int


class RunWatcher:
    """Counts the app's script runs from Streamlit's own protocol messages on the page's websocket.

    The DOM alone cannot tell: a fast rerun can start and end between two renders, so the root's
    "running" state never shows. The server, however, always ends a run with a ``script_finished``
    message and reports ``session_status_changed(script_is_running=...)`` around it.
    """

    FULL_RUN = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}

    def __init__(self, page: Page) -> None:
        self.finished = 0  # full-app runs that ran to their end (not interrupted by a newer rerun)
        self.fragment_runs = 0
        self.running = False
        self.last_change = time.monotonic()
        self.log: list[str] = []
        page.on("websocket", self._watch)

    def _watch(self, socket) -> None:
        if urlsplit(socket.url).path.endswith("/_stcore/stream"):
            socket.on("framereceived", self._on_frame)

    def _on_frame(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        try:
            message = ForwardMsg.FromString(payload)
        except Exception:  # not a ForwardMsg: nothing to count
            return
        kind = message.WhichOneof("type")
        if kind == "session_status_changed":
            self.running = message.session_status_changed.script_is_running
        elif kind == "script_finished":
            status = message.script_finished
            self.log = [*self.log[-7:], ForwardMsg.ScriptFinishedStatus.Name(status)]
            if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                # A fragment's tick (st.fragment(run_every=...)) must not keep the app from ever settling.
                self.fragment_runs += 1
                return
            if status in self.FULL_RUN:
                self.finished += 1
            self.last_change = time.monotonic()


@dataclass
class App:
    """A browser tab on the running app, with the waits and checks a Streamlit test needs."""

    page: Page
    base_url: str
    test_name: str
    console_errors: list[str] = field(default_factory=list)
    _shots: int = 0

    def __post_init__(self) -> None:
        self.runs = RunWatcher(self.page)
        for old in ARTIFACTS.glob(f"{self._artifact_stem()}__*.png"):  # shots of an earlier run of this test
            old.unlink(missing_ok=True)

    def _artifact_stem(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", self.test_name).strip("_")

    # --- navigation and waiting -------------------------------------------------------------------

    def goto(self, path: str = "/") -> App:
        """Open ``base_url + path`` (may include a query string) and wait for the first script run."""
        with self.expect_rerun():
            self.page.goto(self.base_url + path)
        return self

    def wait_until_idle(self, after: int | None = None, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
        """Wait until the app is idle: no script running, the frontend has drawn everything, and no full
        run ended in the last ``SETTLE_MS`` (a run can trigger another). With ``after``: also until more
        than ``after`` full script runs have finished. Fails on a timeout or an exception box.

        Ticks of an auto-refreshing fragment are waited out between, not counted as runs."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            runs = self.runs
            if (
                (after is None or runs.finished > after)
                and not runs.running
                and time.monotonic() - runs.last_change >= SETTLE_MS / 1000
                and self.page.evaluate(_FRONTEND_IDLE)
            ):
                break
            if time.monotonic() > deadline:
                seen = {"finished": runs.finished, "running": runs.running, "recent": runs.log}
                raise AssertionError(
                    f"the app was not idle after more than {after} finished runs within {timeout_ms} ms: "
                    f"server {seen}, frontend {self.page.evaluate(_FRONTEND_STATE)}"
                )
            self.page.wait_for_timeout(50)  # lets playwright deliver the websocket events
        self.assert_no_exception()

    @contextmanager
    def expect_rerun(self, timeout_ms: int = RUN_TIMEOUT_MS) -> Iterator[None]:
        """``with app.expect_rerun(): <action>`` returns once the script run caused by the action has finished."""
        before = self.runs.finished
        yield
        self.wait_until_idle(after=before, timeout_ms=timeout_ms)

    def nav_link(self, label: str):
        """The sidebar navigation link with exactly this label."""
        links = self.page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
        return links.filter(has=self.page.get_by_text(label, exact=True))

    def open_page_from_sidebar(self, label: str) -> None:
        """Click the sidebar navigation link ``label``, like a person, and wait for the new page's run."""
        with self.expect_rerun():
            self.nav_link(label).click()

    # --- reading the page -------------------------------------------------------------------------

    def title(self) -> str:
        """The page's ``st.title`` (its first h1 in the main area)."""
        return self.page.get_by_test_id("stMain").locator("h1").first.inner_text().strip()

    def sidebar_widget(self, test_id: str, label: str):
        """A sidebar widget (``stSlider``, ``stSelectbox``, ...) by its visible label."""
        sidebar = self.page.get_by_test_id("stSidebar")
        widgets = sidebar.get_by_test_id(test_id)
        return widgets.filter(has=self.page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True))

    def slider_input(self, label: str):
        """The focusable thumb (an ``<input type=range>``) of a sidebar slider."""
        return self.sidebar_widget("stSlider", label).locator('input[type="range"]')

    def selectbox_input(self, label: str):
        return self.sidebar_widget("stSelectbox", label).get_by_role("combobox")

    def open_expander(self, label: str) -> None:
        """Click the expander ``label`` open, like a person, and wait until it has finished opening: a click on a
        control inside it while it still grows can land on a moving control and do nothing."""
        expander = self.page.get_by_test_id("stExpander").filter(has_text=label).first
        expander.get_by_text(label, exact=True).click()
        expander.evaluate(_SETTLED)

    def choose(self, label: str, option: str) -> None:
        """Open the sidebar selectbox ``label``, click ``option`` and wait for the rerun."""
        self.selectbox_input(label).click()
        with self.expect_rerun():
            self.page.get_by_role("option", name=option, exact=True).click()

    def draw_every_chart(self, timeout_ms: int = 30_000) -> None:
        """Scroll each chart of the page into view, as a reader would, until it is drawn; then back to where the
        page was (a chart is drawn when it comes near the window)."""
        assert self.page.evaluate(_DRAW_EVERY_CHART, timeout_ms), "charts not drawn after scrolling to them"

    def wait_for(self, condition: Callable[[], object], timeout_s: float, what: str) -> None:
        """Poll ``condition`` every 0.2 s until it is true; fail with ``what`` after ``timeout_s``. It waits
        through playwright, so the page's events (requests, routes, downloads) reach their handlers meanwhile."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            self.page.wait_for_timeout(200)

    def find_chart(self, title_start: str = "", drawn: bool = False) -> Locator | None:
        """The first visible chart whose title starts with ``title_start``, scrolled into view (a chart is drawn
        when it comes near the window), or None; with ``drawn``, None too while its latest figure is not drawn.
        A page may keep a hidden copy of a chart from an earlier fragment run for a moment: only visible ones
        count."""
        for chart in self.page.locator(CHART).all():
            if chart.is_visible() and (chart.get_attribute("aria-label") or "").startswith(title_start):
                chart.scroll_into_view_if_needed()
                return None if drawn and chart.get_attribute("data-drawn") != "true" else chart
        return None

    def chart(self, title_start: str = "", timeout_ms: int = 30_000) -> Locator:
        """``find_chart``, waited for, once drawn: its plotly.js plot (``_fullLayout``, ``_fullData``,
        ``calcdata``) is the figure the server sent last."""
        self.wait_for(lambda: self.find_chart(title_start), timeout_ms / 1000, f"a chart titled {title_start!r}…")
        chart = self.find_chart(title_start)
        expect(chart).to_have_attribute("data-drawn", "true", timeout=timeout_ms)
        return chart

    def heatmaps(self, timeout_ms: int = 30_000) -> list[Heatmap]:
        """Every chart of the current run, once plotly.js has drawn all of them."""
        self.draw_every_chart(timeout_ms)
        self.page.wait_for_function(f"() => ({_HEATMAPS})().every((h) => h !== null)", timeout=timeout_ms)
        return [Heatmap(**chart) for chart in self.page.evaluate(_HEATMAPS)]

    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.page.url).query))

    def path(self) -> str:
        return urlsplit(self.page.url).path

    def error_texts(self) -> list[str]:
        """Texts of ``st.error`` boxes on the page."""
        return self.page.get_by_test_id("stAlertContentError").all_inner_texts()

    def assert_no_exception(self) -> None:
        """The page shows no exception box (checked after every script run: no test expects one)."""
        exceptions = self.page.get_by_test_id("stException").all_inner_texts()
        assert not exceptions, f"the page shows an exception:\n{exceptions[0][:2000]}"

    def assert_healthy(self, expected_errors: list[str] | tuple[str, ...] = ()) -> None:
        """No exception box, no ``st.error`` except ones containing an ``expected_errors`` text, no JS errors."""
        self.assert_no_exception()
        unexpected = [text for text in self.error_texts() if not any(e in text for e in expected_errors)]
        assert not unexpected, f"the page shows unexpected st.error boxes: {unexpected}"
        assert not self.console_errors, f"uncaught JavaScript errors in the page: {self.console_errors}"

    # --- artifacts --------------------------------------------------------------------------------

    def screenshot(self, label: str) -> Path:
        """A full-page PNG in tests/browser/artifacts/, named after the test and ``label``.

        Streamlit scrolls inside its main area rather than the document, so the viewport is stretched to
        the content's height for the shot (plotly charts keep their width), then restored.
        """
        ARTIFACTS.mkdir(exist_ok=True)
        self._shots += 1
        label = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")
        path = ARTIFACTS / f"{self._artifact_stem()}__{self._shots:02d}_{label}.png"
        height = self.page.evaluate(
            """() => Math.max(window.innerHeight, ...[
                '[data-testid="stMain"]', '[data-testid="stSidebarContent"]'
              ].map((s) => { const e = document.querySelector(s); return e ? e.scrollHeight : 0; }))"""
        )
        original = self.page.viewport_size or VIEWPORT
        height = min(int(height), MAX_SCREENSHOT_HEIGHT)
        try:
            if height > original["height"]:
                self.page.set_viewport_size({"width": original["width"], "height": height})
                self.page.wait_for_timeout(150)  # let the layout (and plotly's resize handler) settle
            self.page.screenshot(path=str(path), full_page=True)
        finally:
            if height > original["height"]:
                self.page.set_viewport_size(original)
        return path


@contextmanager
def open_app(browser: Browser, base_url: str, request: pytest.FixtureRequest, name: str | None = None) -> Iterator[App]:
    """A fresh browser context (so a new streamlit session) on ``base_url``; ``name`` tells the screenshots of
    several sessions in one test apart (default: the test's name).

    A last screenshot is always saved, labelled ``final`` or ``FAILED``.
    """
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    driver = App(page=page, base_url=base_url, test_name=name or request.node.name)
    page.on("pageerror", lambda error: driver.console_errors.append(str(error)))
    try:
        yield driver
    finally:
        try:
            if not page.is_closed() and page.url.startswith(base_url):
                driver.screenshot("FAILED" if request.node.stash.get(_CALL_FAILED, False) else "final")
        except Exception as error:  # a failed screenshot must not hide the test's own failure
            print(f"final screenshot failed: {error}", file=sys.stderr)
        context.close()


@pytest.fixture
def app(chromium: Browser, streamlit_server: str, request: pytest.FixtureRequest) -> Iterator[App]:
    """A new tab (and streamlit session) on the shared server."""
    with open_app(chromium, streamlit_server, request) as driver:
        yield driver


@pytest.fixture
def fresh_app(chromium: Browser, fresh_streamlit_server: str, request: pytest.FixtureRequest) -> Iterator[App]:
    """A new tab on a server nobody has visited yet."""
    with open_app(chromium, fresh_streamlit_server, request) as driver:
        yield driver


@pytest.fixture
def app_without_a_server_browser(
    chromium: Browser, server_without_a_browser: str, request: pytest.FixtureRequest
) -> Iterator[App]:
    """A new tab on a server that has no browser of its own."""
    with open_app(chromium, server_without_a_browser, request) as driver:
        yield driver


@pytest.fixture
def shot(app: App) -> Callable[[str], Path]:
    """``shot("after-gru")`` saves a full-page screenshot of the current state."""
    return app.screenshot

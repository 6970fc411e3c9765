"""One first load of a page in chromium, timed and broken down: what ``bench_first_load.py`` and
``compare_first_load.py`` measure.

A server is started as ``make run`` starts it (``server``; once it answers, ``ready_seconds`` asks for the script
health check, which runs the app once and starts the server's warm-up, rnnviz/ui/common/warmup.py). A load
(``load``) is a new browser context, so nothing comes from the browser's cache, timed from the navigation's start
to the moment the page is complete on screen: its title drawn, the script run finished, no skeleton, every chart
mounted and every chart in the window drawn (the app draws a chart when it comes near the window: what is below is
drawn as the reader scrolls; ``performance.now()`` in the page, polled every animation frame). Servers run on free
loopback ports and are stopped by their PID.

The breakdown of each load, read from the browser (CDP) and the server's process:

- ``session``: navigation start to the server's first message (Streamlit's own JavaScript loaded and run, the
  WebSocket open): what every page costs, the bare one too;
- ``script``: that first message to ``script_finished``: the server's script run as the browser sees it;
- ``after``: ``script_finished`` to complete on screen: the browser drawing what it was sent;
- CPU seconds during the load, which other processes' load does not inflate as it does wall time: of the server
  process (``srv CPU``), of chromium's processes (``brw CPU``: renderer, GPU and network processes, and
  Playwright's driver), of the page's main thread busy in plotly.js (``plotly``: the app's plotly.js bundle or
  Streamlit's plotly chunk, loading and drawing, from a CDP sampling profile);
- what went over the WebSocket: kilobytes in all, the number of charts and their figure JSON; how many charts
  were drawn when the load was complete (the ones in the window);
- ``redraws``: how many times plotly.js drew a chart a second time because a margin had to grow to fit its
  colour bar, legend or axis titles (``rnnviz.figures.style.MARGIN`` leaves room for them in advance).
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from rnnviz.ui.common.chart import BUNDLE
from tests.browser.conftest import _NO_PROXY, VIEWPORT, _stop, start_streamlit_server, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
#: page name -> (URL path, its st.title)
PAGES = {
    "Overview": ("/", "rnnviz: see inside a real recurrent network"),
    "Step through": ("/step_through", "Step through"),
    "Shapes & layouts": ("/shapes", "Shapes & layouts"),
    "Train: sin → cos": ("/train_sine", "Train: sin → cos"),
    "Language model": ("/char_lm", "Language model"),
    "Memory & gradients": ("/memory", "Memory & gradients"),
}
LOAD_TIMEOUT_MS = 120_000
#: plotly.js as its script's file name starts: the app's bundle (a --before checkout's may be the cartesian one),
#: Streamlit's plotly chunk.
PLOTLY_SCRIPTS = (BUNDLE.name.removesuffix("min.js"), "plotly-cartesian.", "PlotlyChart.")

#: True once the page is complete on screen; records the time (ms since the navigation started) the first time.
_LOADED = """
(title) => {
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  const root = document.querySelector('[data-testid="stApp"]');
  const charts = [...document.querySelectorAll(".rnnviz-chart")];
  const inWindow = (chart) => {
    const box = chart.getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight && box.width > 0;
  };
  const streamlitCharts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const done = !!h1 && h1.textContent.trim() === title
    && root.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    // every chart mounted (a --before checkout up to 9025ee2 has one more element: a hidden plotly.js preload)
    && document.querySelectorAll('[data-testid="stBidiComponentRegular"]').length
      === charts.length + document.querySelectorAll(".st-key-rnnviz-plotly-preload").length
    && charts.every((chart) => chart.style.height !== "" && (!inWindow(chart) || chart.dataset.drawn === "true"))
    && streamlitCharts.every((chart) => chart.querySelector(".js-plotly-plot")?._fullLayout);
  if (done && window.__loadedAt === undefined) window.__loadedAt = performance.now();
  return done;
}
"""


#: How many times plotly.js drew the page's charts again because a margin had to grow to fit a colour bar, a
#: legend or an axis title (its own count, ``_fullLayout._redrawFromAutoMarginCount``).
_MARGIN_REDRAWS = """
() => [...document.querySelectorAll(".js-plotly-plot")]
  .reduce((sum, plot) => sum + (plot._fullLayout._redrawFromAutoMarginCount || 0), 0)
"""


@dataclass(frozen=True)
class Load:
    """One first load: seconds since the navigation started, CPU seconds, and what the server sent."""

    painted: float
    session: float  # the server's first message
    script_finished: float
    server_cpu: float
    browser_cpu: float
    plotly_cpu: float
    kilobytes: float  # every WebSocket message from the server
    charts: int
    drawn: int  # charts drawn when the load was complete
    chart_kilobytes: float  # the charts' figure JSON
    redraws: int  # of charts whose margins grew after a first draw

    @property
    def script(self) -> float:
        return self.script_finished - self.session

    @property
    def after(self) -> float:
        return self.painted - self.script_finished


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (Linux)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and every process under it so far (chromium's renderers, GPU and network
    processes), exited children included: CPU time, which other processes' load does not inflate."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError):  # the process has exited meanwhile
                continue
    tree, grown = {pid}, True
    while grown:
        below = {child for child, parent in parents.items() if parent in tree}
        grown = not below <= tree
        tree |= below
    total = 0.0
    for member in tree:
        try:
            fields = _stat(member)
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def browser_cpu_seconds(server_pid: int) -> float:
    """CPU seconds so far of every process this one started except the server: chromium's processes and
    Playwright's driver."""
    me = os.getpid()
    return tree_cpu_seconds(me) - tree_cpu_seconds(server_pid) - process_cpu_seconds(me)


def _plotly_seconds(profile: dict) -> float:
    """Seconds of a CDP CPU profile spent in plotly.js (self time of its functions)."""
    urls = {node["id"]: node["callFrame"]["url"] for node in profile["nodes"]}
    return (
        sum(
            delta
            for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True)
            if urls[sample].rsplit("/", 1)[-1].startswith(PLOTLY_SCRIPTS)
        )
        / 1e6
    )


def load(browser: Browser, url: str, title: str, server_pid: int) -> Load:
    """One first load in a fresh browser context (a new Streamlit session), with its breakdown."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        for domain in ("Network", "Profiler"):
            cdp.send(f"{domain}.enable")
        cdp.send("Profiler.start")
        document: list[float] = []
        frames: list[tuple[float, bytes]] = []
        cdp.on("Network.requestWillBeSent", lambda e: e.get("type") == "Document" and document.append(e["timestamp"]))
        cdp.on(
            "Network.webSocketFrameReceived",
            lambda e: frames.append((e["timestamp"], base64.b64decode(e["response"]["payloadData"]))),
        )
        cpu_before = process_cpu_seconds(server_pid), browser_cpu_seconds(server_pid)
        page.goto(url, wait_until="commit")
        page.wait_for_function(_LOADED, arg=title, polling="raf", timeout=LOAD_TIMEOUT_MS)
        painted = page.evaluate("window.__loadedAt") / 1000
        redraws = page.evaluate(_MARGIN_REDRAWS)
        drawn = page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length")
        server_cpu = process_cpu_seconds(server_pid) - cpu_before[0]
        browser_cpu = browser_cpu_seconds(server_pid) - cpu_before[1]
        plotly_cpu = _plotly_seconds(cdp.send("Profiler.stop")["profile"])
    finally:
        context.close()
    start, messages = document[0], []
    for timestamp, payload in frames:
        message = ForwardMsg()
        message.ParseFromString(payload)
        messages.append((timestamp - start, len(payload), message))
    elements = [m.delta.new_element for _, _, m in messages if m.WhichOneof("type") == "delta"]
    charts = [e.plotly_chart.spec for e in elements if e.WhichOneof("type") == "plotly_chart"] + [
        e.bidi_component.json
        for e in elements
        if e.WhichOneof("type") == "bidi_component"
        and e.bidi_component.component_name == "rnnviz.chart"
        and '"figure"' in e.bidi_component.json  # not the plotly.js preload element of a --before checkout
    ]
    return Load(
        painted=painted,
        session=min(t for t, _, m in messages if m.WhichOneof("type") == "new_session"),
        script_finished=max(t for t, _, m in messages if m.WhichOneof("type") == "script_finished"),
        server_cpu=server_cpu,
        browser_cpu=browser_cpu,
        plotly_cpu=plotly_cpu,
        kilobytes=sum(size for _, size, _ in messages) / 1e3,
        charts=len(charts),
        drawn=drawn,
        chart_kilobytes=sum(len(spec) for spec in charts) / 1e3,
        redraws=redraws,
    )


def ready_seconds(base_url: str) -> float:
    """What ``make run`` does once the server answers: ask for the script health check (it runs the app once,
    which starts the warm-up); seconds until it answers."""
    start = time.perf_counter()
    with _NO_PROXY.open(f"{base_url}/_stcore/script-health-check", timeout=120) as response:
        assert response.status == 200, response.read()
    return time.perf_counter() - start


@contextmanager
def server(
    script: str, env: dict[str, str] | None = None, checkout: Path = ROOT, log_name: str = "bench-first-load.log"
) -> Iterator[tuple[str, int]]:
    """A fresh server of ``script`` in ``checkout`` (``env`` added to its environment) that has answered its
    health check: (base URL, its PID); stopped by its PID. Its output goes to tests/browser/artifacts/<log_name>."""
    process, base_url, log_path = start_streamlit_server(log_name, env, script, checkout)
    try:
        wait_until_healthy(process, base_url, log_path, warm_up=False)
        yield base_url, process.pid
    finally:
        _stop(process)

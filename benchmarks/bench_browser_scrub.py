"""Scrubbing Step through in Debian's chromium: key press -> the new step painted, Play's painted steps, the script
runs they cost, first paint, and the same latency while 8 other sessions train on the sine page.

* latency: ArrowRight on the time slider, from the key event's timestamp to just after the frame that shows the
  new step (a MutationObserver on the step, then requestAnimationFrame + a message: the task after that frame's
  paint). Medians over ``--presses``, for the default configuration and the big one (LSTM, hidden 256,
  seq 1000, 3 layers, bidirectional).
* before: the same, on the server-drawn view of ``--before`` (a checkout without the browser viewer, e.g.
  ``git worktree add /tmp/before <commit>``): the key moves its slider and a script run redraws the step.
* Play at 10 and 30 steps/s for 5 s (seq 300): steps painted, and whether each step between was painted.
* script runs: ``script_finished`` messages on the page's websocket while scrubbing and playing.
* first paint: a new server, a new tab on /step_through, until the first step's equations are drawn.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_browser_scrub.py [--before PATH] [--presses N]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.first_load import ROOT, server
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

BIG = "hidden_size=256&seq_len=1000&num_layers=3&bidirectional=true"
#: Every view is of the sidebar's own (untrained) model, the one the checkout before the viewer shows (which
#: ignores this parameter): the app now opens on a trained model of other sizes by default.
OWN_MODEL = "model=custom"
#: Installed in the page: window.__times gets ms from each key event to just after the frame showing its step.
MEASURE = """([selector, readStep]) => {
  const host = [...document.querySelectorAll('*')].map((e) => e.shadowRoot).find((r) => r && r.querySelector(selector));
  const scope = host || document;
  let pressed = 0;
  window.__times = [];
  window.addEventListener('keydown', (event) => { pressed = event.timeStamp; }, true);
  const read = new Function('scope', readStep);
  let last = read(scope);
  const channel = new MessageChannel();
  channel.port1.onmessage = () => window.__times.push(performance.now() - pressed);
  new MutationObserver(() => {
    const now = read(scope);
    if (now !== last) { last = now; requestAnimationFrame(() => channel.port2.postMessage(0)); }
  }).observe(scope, { subtree: true, childList: true, characterData: true, attributes: true });
}"""
VIEWER = ('[data-testid="step-viewer"]', "return scope.querySelector('.viewer').dataset.t;")
SERVER = (
    "body",
    "const e = [...document.querySelectorAll('p, strong')].find((p) => p.textContent.startsWith('Equations for unit'));"
    " return e ? e.textContent : null;",
)


def count_script_runs(page: Page) -> list[int]:
    """[full runs, fragment runs] finished, counted from the page's websocket."""
    counts = [0, 0]

    def frame(payload) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg.FromString(payload)
            if message.WhichOneof("type") == "script_finished":
                counts[message.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY] += 1

    page.on("websocket", lambda socket: socket.on("framereceived", frame))
    return counts


def open_step(browser, url: str, query: str, ready: str) -> tuple[Page, list[int], float]:
    page = browser.new_page(viewport=VIEWPORT)
    runs = count_script_runs(page)
    start = time.perf_counter()
    page.goto(f"{url}/step_through?" + "&".join(part for part in (OWN_MODEL, query) if part))
    page.locator(ready).first.wait_for(timeout=180_000)
    first_paint = time.perf_counter() - start
    page.wait_for_timeout(1500)  # let the page settle
    return page, runs, first_paint


def scrub(page: Page, slider, target: tuple[str, str], presses: int) -> list[float]:
    page.evaluate(MEASURE, list(target))
    slider.focus()
    for done in range(1, presses + 1):
        slider.press("ArrowRight")
        page.wait_for_function(f"() => window.__times.length >= {done}", timeout=60_000)
        page.wait_for_timeout(100)
    return page.evaluate("window.__times")


def viewer_latency(browser, url: str, query: str, presses: int) -> tuple[float, float, int, float]:
    """(median ms, max ms, script runs during a burst of ``presses`` key presses 0.1 s apart, first paint s)."""
    page, runs, first_paint = open_step(browser, url, query, '[data-testid="step-viewer"] .equation')
    slider = page.get_by_test_id("step-viewer").locator(".t-slider")
    times = scrub(page, slider, VIEWER, presses)
    page.wait_for_timeout(2000)  # the step goes back to the server once the keys stop: not part of the burst
    before = sum(runs)
    for _ in range(presses):
        slider.press("ArrowRight")
        page.wait_for_timeout(100)
    during = sum(runs) - before
    page.close()
    return statistics.median(times), max(times), during, first_paint


def server_latency(browser, url: str, query: str, presses: int) -> tuple[float, float, float]:
    page, _, first_paint = open_step(browser, url, query, "text=/^Equations for unit/")
    slider = (
        page.get_by_test_id("stMain").get_by_test_id("stSlider").filter(has_text="Time step t").get_by_role("slider")
    )
    times = scrub(page, slider, SERVER, presses)
    page.close()
    return statistics.median(times), max(times), first_paint


def play(browser, url: str, rate: int) -> tuple[int, bool, int]:
    page, runs, _ = open_step(browser, url, "seq_len=300", '[data-testid="step-viewer"] .equation')
    viewer = page.get_by_test_id("step-viewer")
    viewer.locator(".speed").select_option(str(rate))
    page.evaluate(
        """() => { const root = [...document.querySelectorAll('*')].map((e) => e.shadowRoot).find(
              (r) => r && r.querySelector('[data-testid="step-viewer"]')).querySelector('.viewer');
            window.__painted = []; new MutationObserver(() => window.__painted.push(
              [Number(root.dataset.t), document.timeline.currentTime])).observe(root, { attributes: true,
              attributeFilter: ['data-t'] }); }"""
    )
    before = sum(runs)
    viewer.locator(".play").click()
    page.wait_for_timeout(5000)
    during = sum(runs) - before
    viewer.locator(".play").click()
    painted = page.evaluate("window.__painted")  # (step, the frame it was drawn in)
    page.close()
    steps, frames = [step for step, _ in painted], [frame for _, frame in painted]
    every = steps == list(range(1, len(steps) + 1)) and len(set(frames)) == len(frames)  # one frame per step
    return len(steps), every, during


def train_sessions(browser, url: str, count: int) -> list[Page]:
    """``count`` tabs training the sine page as fast as possible (a long run), left running."""
    pages = []
    for _ in range(count):
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{url}/train_sine")
        page.get_by_role("button", name="Start", exact=True).wait_for(timeout=120_000)
        page.get_by_test_id("stSidebar").get_by_text("All settings", exact=True).click()  # the run's settings
        steps = page.get_by_role("spinbutton", name="Total steps")
        steps.fill("1000000")
        steps.press("Enter")
        page.wait_for_timeout(1500)
        speed = (
            page.get_by_test_id("stSlider").filter(has_text="Speed (training steps per second)").get_by_role("slider")
        )
        speed.press("End")
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="Start", exact=True).click()
        pages.append(page)
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout with the server-drawn step view, for the baseline")
    parser.add_argument("--presses", type=int, default=15)
    parser.add_argument("--trainers", type=int, default=8)
    args = parser.parse_args()
    with sync_playwright() as playwright, ExitStack() as stack:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        checkouts = {"after": ROOT} | ({"before": args.before.resolve()} if args.before else {})
        servers = {
            name: stack.enter_context(server("app.py", checkout=checkout, log_name=f"bench-scrub-{name}.log"))[0]
            for name, checkout in checkouts.items()
        }
        url = servers["after"]
        print(f"key press -> new step painted, ms (median / max of {args.presses}); script runs while scrubbing")
        for name, query in (("default", ""), ("big", BIG)):
            median, worst, runs, first = viewer_latency(browser, url, query, args.presses)
            times = f"{median:6.1f} / {worst:6.1f}"
            print(f"  browser viewer, {name:7}: {times}   runs {runs}   first paint {first:.1f} s")
            if "before" in servers:
                median, worst, first = server_latency(browser, servers["before"], query, min(args.presses, 8))
                print(f"  server view (before), {name:7}: {median:6.1f} / {worst:6.1f}   first paint {first:.1f} s")
        for rate in (10, 30):
            painted, every, runs = play(browser, url, rate)
            print(f"Play at {rate} steps/s for 5 s: {painted} steps painted, every step: {every}, script runs {runs}")
        for name, server_url in servers.items():
            trainers = train_sessions(browser, server_url, args.trainers)
            if name == "after":
                median, worst, runs, _ = viewer_latency(browser, server_url, "", args.presses)
                print(
                    f"while {args.trainers} sessions train the sine page: browser viewer {median:.1f} / "
                    f"{worst:.1f} ms, runs {runs}"
                )
            else:
                median, worst, _ = server_latency(browser, server_url, "", min(args.presses, 8))
                print(f"  server view (before) while {args.trainers} train: {median:.1f} / {worst:.1f} ms")
            for page in trainers:
                page.close()


if __name__ == "__main__":
    main()

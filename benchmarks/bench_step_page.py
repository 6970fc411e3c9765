"""Server-side cost of the Step-through page, measured with AppTest (the script run only, no browser).

* the browser viewer's data: its size and the time to prepare it (once per selection: scrubbing and Play
  then need no server), at the default configuration (LSTM, hidden 16, seq 40, batch 1) and the big one
  (LSTM, hidden 256, seq 1000, 3 layers, bidirectional; with every unit as bars too);
* the server-drawn view (what a trace too large for the browser gets): a rerun after moving its time slider.
  Target: <= 150 ms at the default configuration, <= 1 s at the big one.

``benchmarks/bench_browser_scrub.py`` measures what a person feels in chromium.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_step_page.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from rnnviz.figures import step_view

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    "default (LSTM, hidden 16, seq 40, batch 1)": {},
    "big (LSTM, hidden 256, seq 1000, 3 layers, bidirectional)": {
        "hidden_size": 256,
        "seq_len": 1000,
        "num_layers": 3,
        "bidirectional": True,
    },
}


def open_step_page(settings: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.switch_page("app_pages/step_through.py")
    at.run()
    for key, value in settings.items():
        widget = at.toggle(key=key) if isinstance(value, bool) else at.slider(key=key)
        widget.set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def viewer_data(at: AppTest) -> str:
    return next(e.proto.json for e in at.get("bidi_component") if e.proto.component_name == "rnnviz.step_viewer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    limit = step_view.MAX_PAYLOAD_BYTES
    for name, settings in CONFIGS.items():
        at = open_step_page(settings)
        for all_units in (False, True):
            start = time.perf_counter()
            at.toggle(key="step.all_units").set_value(all_units).run()  # a new selection: the data is prepared
            seconds = time.perf_counter() - start
            data = json.loads(viewer_data(at))
            kind = "every unit as bars" if all_units else "one unit"
            print(
                f"{name}, {kind}: browser data {len(viewer_data(at)) / 1e6:.2f} MB (limit {limit / 1e6:.0f} MB), "
                f"bars every {data['bars_stride']} step(s), page run with its preparation {seconds * 1e3:.0f} ms"
            )
        step_view.MAX_PAYLOAD_BYTES = 0  # every trace drawn on the server
        at = open_step_page(settings)
        last = at.slider(key="step.t").max
        times = []
        for repeat in range(args.repeats + 1):
            start = time.perf_counter()
            at.slider(key="step.t").set_value((repeat * 7) % (last + 1)).run()
            times.append(time.perf_counter() - start)
        step_view.MAX_PAYLOAD_BYTES = limit
        assert not at.exception
        median_ms = statistics.median(times[1:]) * 1e3  # the first rerun warms caches
        print(f"{name}, server-drawn view: time-slider rerun median {median_ms:.0f} ms over {args.repeats} runs")


if __name__ == "__main__":
    main()

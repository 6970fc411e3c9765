"""Server-side cost of the Step-through page: warm rerun time after moving the time slider, and figure JSON.

Targets: at the default configuration (LSTM, hidden 16, seq 40, batch 1) a rerun
after moving the time slider takes <= 150 ms and sends <= 300 KB of figure JSON; at hidden 256, seq 1000,
3 layers, bidirectional a rerun takes <= 1 s. Measured with AppTest (the script run only, no browser).

Run: ``.venv/bin/python benchmarks/bench_step_page.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    "default (LSTM, hidden 16, seq 40, batch 1)": {},
    "large (LSTM, hidden 256, seq 1000, 3 layers, bidirectional)": {
        "hidden_size": 256,
        "seq_len": 1000,
        "num_layers": 3,
        "bidirectional": True,
    },
}


def open_step_page(settings: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("app_pages/step_through.py")
    at.run()
    for key, value in settings.items():
        widget = at.toggle(key=key) if isinstance(value, bool) else at.slider(key=key)
        widget.set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure_bytes(at: AppTest) -> int:
    return sum(len(chart.proto.spec) for chart in at.get("plotly_chart"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    for name, settings in CONFIGS.items():
        at = open_step_page(settings)
        last = at.slider(key="step.t").max
        times = []
        for repeat in range(args.repeats + 1):
            start = time.perf_counter()
            at.slider(key="step.t").set_value((repeat * 7) % (last + 1)).run()
            times.append(time.perf_counter() - start)
        assert not at.exception
        median_ms = statistics.median(times[1:]) * 1e3  # the first rerun warms caches
        print(
            f"{name}: time-slider rerun median {median_ms:.0f} ms over {args.repeats} runs, "
            f"figure JSON {figure_bytes(at) / 1024:.0f} KB in {len(at.get('plotly_chart'))} figures"
        )


if __name__ == "__main__":
    main()

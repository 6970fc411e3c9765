"""Server-side rerun time of the Shapes & layouts page after a control change, at the default sizes.

Target: every control change reruns in <= 150 ms server-side at default sizes (LSTM, input 1,
hidden 16, batch 3, seq 5). Measured with AppTest (the script run only, no browser). Each case changes one
control per run: "cached" alternates between two settings (their results are in st.cache_data after the first
visit); "new" gives a setting never seen before, so the page rebuilds and re-checks the module against torch.

Run: ``.venv/bin/python benchmarks/bench_shapes_page.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]

#: (section, description, change(at, run_index) -> None)
CASES: list[tuple[str, str, Callable[[AppTest, int], None]]] = [
    ("Tensors", "toggle batch_first (cached)", lambda at, i: at.toggle(key="batch_first").set_value(i % 2 == 0)),
    ("Tensors", "new hidden size", lambda at, i: at.slider(key="hidden_size").set_value(17 + i)),
    ("Tensors", "new batch size", lambda at, i: at.number_input(key="shapes.batch").set_value(4 + i)),
    ("Parameters", "new hidden size", lambda at, i: at.slider(key="hidden_size").set_value(40 + i)),
    ("Equivalences", "new sequence length", lambda at, i: at.number_input(key="shapes.seq_len").set_value(6 + i)),
    ("Packing", "new lengths", lambda at, i: at.text_input(key="shapes.lengths").set_value(f"{5 - i % 4}, 5, 2")),
    (
        "Mistakes lab",
        "next mistake",
        lambda at, i: at.selectbox(key="shapes.mistake").set_value(at.selectbox(key="shapes.mistake").options[i % 6]),
    ),
    ("Export", "toggle bias (cached)", lambda at, i: at.toggle(key="bias").set_value(i % 2 == 1)),
]


def open_shapes_page(section: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("app_pages/shapes.py")
    at.run()
    at.session_state["shapes.section"] = section
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    print(
        f"Shapes & layouts page, server-side rerun after one control change, median of {args.repeats} runs "
        f"(target <= 150 ms); torch threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs (other work on the machine inflates these)"
    )
    for section, description, change in CASES:
        at = open_shapes_page(section)
        times = []
        for repeat in range(args.repeats + 1):
            change(at, repeat)
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
        median_ms = statistics.median(times[1:]) * 1e3  # the first rerun warms imports and caches
        print(f"  {section:13} {description:28} {median_ms:6.0f} ms  (max {max(times[1:]) * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()

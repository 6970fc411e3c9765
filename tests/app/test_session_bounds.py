"""What one session can hold is bounded: uploads by the server's limit, the runs it keeps by count and size.

A classroom's memory is the sum over its sessions, so every per-session store has a stated ceiling
(README, "Serving a classroom"), checked here on a real session.
"""

from __future__ import annotations

import tomllib

from rnnviz.charlm.corpora import MAX_UPLOAD_BYTES as MAX_TEXT_BYTES
from rnnviz.training.live import DISPLAY_POINTS
from rnnviz.ui.step.sources import MAX_UPLOAD_BYTES
from rnnviz.ui.training.session import MAX_RUNS
from tests.app.helpers import ROOT, open_page, show_all_settings


def test_the_server_refuses_uploads_above_the_limit_every_upload_reader_assumes():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_UPLOAD_BYTES  # Streamlit rejects bigger files
    assert MAX_TEXT_BYTES <= MAX_UPLOAD_BYTES


def test_a_session_keeps_a_bounded_number_of_bounded_runs():
    at = open_page("app_pages/train_sine.py")
    show_all_settings(at)
    at.number_input(key="train.steps").set_value(DISPLAY_POINTS + 500)
    at.run()
    at.button(key="train.step").click().run()
    for _ in range(MAX_RUNS + 2):  # more one-step runs than the comparison keeps
        at.button(key="train.reset").click().run()
        at.button(key="train.step").click().run()
    at.session_state["train.run"].step(DISPLAY_POINTS + 100)  # the last run is longer than a curve holds
    at.button(key="train.reset").click().run()

    runs = at.session_state["train.runs"]
    assert [r.number for r in runs] == list(range(4, MAX_RUNS + 4))  # the oldest went first
    assert runs[-1].steps_done == DISPLAY_POINTS + 101 and len(runs[-1].losses) == DISPLAY_POINTS
    assert all(len(r.steps) == len(r.losses) <= DISPLAY_POINTS for r in runs)
    assert sum(r.steps.nbytes + r.losses.nbytes for r in runs) <= MAX_RUNS * DISPLAY_POINTS * 16
    notice = next(info.value for info in at.info if "runs are kept" in info.value)
    assert notice == f"Only the last {MAX_RUNS} runs are kept: run 3 left the comparison."

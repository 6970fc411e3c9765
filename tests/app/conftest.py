"""AppTest helpers: run app.py headless, switch pages, read plotly figures."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
#: Well above AppTest's 3 s default: the first run imports torch and plotly.
TIMEOUT = 120
PAGES = {
    "pages/home.py": "rnnviz: see inside a real recurrent network",
    "pages/step_through.py": "Step through",
    "pages/shapes.py": "Shapes & layouts",
    "pages/train_sine.py": "Train: sin → cos",
    "pages/char_lm.py": "Language model",
}


def open_page(page: str = "pages/home.py") -> AppTest:
    """A fresh session of the whole app (app.py with its navigation) showing ``page``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    if page != "pages/home.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict]:
    """Every plotly figure on the page, as the JSON spec sent to the browser."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def array(value) -> np.ndarray:
    """A plotly data array as numpy: plotly 6 sends numpy data base64-encoded as {'dtype', 'bdata', 'shape'}."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = [int(n) for n in str(value.get("shape", len(data))).split(",")]
        return data.reshape(shape)
    return np.asarray(value)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


@pytest.fixture(autouse=True)
def navigation_mode_like_a_running_server(monkeypatch):
    """Run app.py's st.navigation on every AppTest run, as a server does once it has served app.py.

    AppTest resets Streamlit's "legacy pages/ folder" flag before every run, so each run would first execute
    the page file alone and rerun through rnnviz.ui.shell (the guard for a server's very first deep link,
    covered by the browser tests), and a plain ``if st.button(...)`` click would be lost in that rerun.
    """
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def restore_torch_threads():
    """The trainers set torch's process-wide thread count to 1; every test gets the count it started with back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def home() -> AppTest:
    return open_page("pages/home.py")

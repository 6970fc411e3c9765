"""AppTest helpers: run app.py headless on a page, read plotly figures and the errors as a user reads them."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
#: Well above AppTest's 3 s default: the first run imports torch and plotly.
TIMEOUT = 120
HOME = "app_pages/home.py"
PAGES = {
    HOME: "rnnviz: see inside a real recurrent network",
    "app_pages/step_through.py": "Step through",
    "app_pages/shapes.py": "Shapes & layouts",
    "app_pages/train_sine.py": "Train: sin → cos",
    "app_pages/char_lm.py": "Language model",
    "app_pages/memory.py": "Memory & gradients",
}


#: The pages with the model choice (``rnnviz.ui.common.model_choice``), which opens on a trained model.
MODEL_PAGES = (HOME, "app_pages/step_through.py")


def open_page(page: str = HOME, query: dict[str, str] | None = None, model: str | None = "custom") -> AppTest:
    """A fresh session of the whole app (app.py with its navigation) showing ``page``, opened with the URL
    query parameters ``query`` (a shared link).

    The model pages open on a trained reference model; most of their tests are about the model built from the
    sidebar, so they open on "Your own" (``model="custom"``) unless ``model`` says otherwise (None: the page's
    own default)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if page != HOME:
        at.switch_page(page)
    if page in MODEL_PAGES and model is not None:
        query = {"model": model, **(query or {})}
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict]:
    """What every chart of the page (``rnnviz.ui.common.chart``) sent the browser: {"figure" (JSON text),
    "config", "height", "title"}, in page order."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == "rnnviz.chart"]


def figures(at: AppTest) -> list[dict]:
    """Every plotly figure on the page, as the JSON sent to the browser."""
    return [json.loads(chart["figure"]) for chart in charts(at)]


def array(value) -> np.ndarray:
    """A plotly data array as numpy: plotly 6 sends numpy data base64-encoded as {'dtype', 'bdata', 'shape'}."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = [int(n) for n in str(value.get("shape", len(data))).split(",")]
        return data.reshape(shape)
    return np.asarray(value)


def errors(at: AppTest) -> list[str]:
    """The st.error texts as the page shows them: messages that may hold what a user typed are markdown-escaped
    (``rnnviz.ui.common.text.escape_markdown``), so the escaping backslashes are dropped here."""
    return [e.value.replace("\\", "") for e in at.error]


def markdown_tables(at: AppTest) -> list[list[dict[str, str]]]:
    """Every markdown table of the page (``rnnviz.ui.common.text.table``): its rows as {column: cell}, each cell
    as shown (the escaping backslashes dropped)."""

    def cells(line: str) -> list[str]:
        return [re.sub(r"\\(.)", r"\1", cell.strip()) for cell in re.split(r"(?<!\\)\|", line)[1:-1]]

    tables = []
    for block in at.markdown:
        lines = block.value.split("\n")
        if len(lines) >= 2 and re.fullmatch(r"\|( --- \|)+", lines[1]):
            header, *rows = [cells(line) for line in (lines[0], *lines[2:])]
            tables.append([dict(zip(header, row, strict=True)) for row in rows])
    return tables


def image_exports(at: AppTest) -> dict[str, dict]:
    """The PNG/SVG export components of the page (``rnnviz.ui.common.image_export``): widget key -> the data sent
    to the browser ({"name", "request", "figure"})."""
    rows = [e for e in at.get("bidi_component") if e.proto.component_name == "rnnviz.figure_export"]
    return {row.proto.id.split("-", 2)[-1]: json.loads(row.proto.json) for row in rows}


def viewer_data(at: AppTest) -> dict:
    """The data the browser step viewer received in the last run."""
    components = [e for e in at.get("bidi_component") if e.proto.component_name == "rnnviz.step_viewer"]
    assert len(components) == 1, "the step viewer is not on the page"
    return json.loads(components[0].proto.json)


def open_expander(at: AppTest, key: str) -> AppTest:
    """Open the expander with ``key`` whose contents are drawn only while it is open (``on_change="rerun"``), as
    a click on it does."""
    at.session_state[key] = True
    return at.run()


def open_export(at: AppTest, namespace: str) -> AppTest:
    """Open a page's "Export" expander (its contents are drawn only while it is open), as a click on it does."""
    return open_expander(at, f"{namespace}.export")


def module_line(at: AppTest) -> str:
    """The module's constructor as the page shows it, e.g. "module = torch.nn.LSTM(1, 16)" (inline code)."""
    return next(m.value.strip("`") for m in at.markdown if re.fullmatch(r"`(module|model) = torch\.nn\..*`", m.value))


def show_all_settings(at: AppTest) -> AppTest:
    """Turn on the sidebar's "All settings" (``rnnviz.ui.common.settings_form``), so that the folded settings
    (optimizer, data, run) are drawn as widgets, and rerun."""
    toggles = [toggle for toggle in at.toggle if toggle.key and toggle.key.endswith(".all_settings")]
    assert toggles, "this page has no folded settings"
    for toggle in toggles:
        toggle.set_value(True)
    return at.run()

"""The server warms itself up: what every page pays once per process is done in its first script run, so the
first visitor of a page does not wait for it.

What a process pays once (timed laps of a fresh process, ``python -X importtime``): importing torch and the
pages' modules (pandas, plotly's figure validators), torch._dynamo and sympy, which an optimizer's first step
imports (``torch._disable_dynamo``) and a module built on the meta device imports (``torch._refs``), the
figure classes' first validation, the Language model page's default text (generated, then cached for every
session). ``make run`` asks for Streamlit's script health check as soon as the server answers
(``server.scriptHealthCheckEnabled``), which runs app.py once: that run warms the process up.
"""

from __future__ import annotations

import importlib

import numpy as np
import streamlit as st
import torch

#: Modules of the pages beyond the default page's, imported ahead of their first visitor.
PAGE_MODULES = (
    "rnnviz.ui.step.export",
    "rnnviz.ui.step.interventions",
    "rnnviz.ui.step.packed",
    "rnnviz.ui.step.prediction",
    "rnnviz.ui.step.viewer",
    "rnnviz.ui.shapes.sections",
    "rnnviz.ui.sine.export",
    "rnnviz.ui.sine.panels",
    "rnnviz.ui.charlm.corpus",
    "rnnviz.ui.charlm.export",
    "rnnviz.ui.charlm.inside",
    "rnnviz.ui.charlm.panels",
    "rnnviz.ui.training.runs",
    "rnnviz.figures.cell_diagram",
    "rnnviz.figures.tensors",
)


def warm_up() -> None:
    """Import the pages' modules and run once, on tiny inputs, what imports more the first time it runs: a
    model built on the meta device, an optimizer step, a trace and each kind of figure; generate the Language
    model page's default text into its cache. Touches no global state a page relies on (the RNG, torch's
    thread count)."""
    for name in PAGE_MODULES:
        importlib.import_module(name)
    from rnnviz.core.spec import ModelSpec, build_model
    from rnnviz.core.trace import trace
    from rnnviz.figures import sequence_lines, unit_time_heatmap
    from rnnviz.sine.model import SineModel
    from rnnviz.ui.charlm.corpus import DEFAULT_BRACKET_LENGTH, cached_brackets

    cached_brackets(DEFAULT_BRACKET_LENGTH, 0)

    model = SineModel("LSTM", hidden_size=2)  # built on the meta device, filled from a private generator
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.zeros(1, 2, 1))[0].sum().backward()
    optimizer.step()
    traced = trace(build_model(ModelSpec(hidden_size=2)), torch.zeros(3, 1, 1))
    unit_time_heatmap(traced.state("h")[:, 0].numpy(), quantity="h", title="warm-up")
    sequence_lines({"x": np.zeros(3)}, title="warm-up", y_title="x")


@st.cache_resource(show_spinner="Starting up…")
def warm_up_once() -> bool:
    """``warm_up``, once per process, in the first script run of any session; a session that starts meanwhile
    waits for it (``st.cache_resource`` computes once). Not in a background thread: importing a module in one
    thread while another peeks at it half-imported fails (plotly checks ``sys.modules`` for pandas)."""
    warm_up()
    return True

"""The settings of a sin -> cos run, as a sidebar form (defaults: the reference setup)."""

from __future__ import annotations

from rnnviz.sine.settings import HIDDEN_POLICIES, SineSettings
from rnnviz.training.settings import CELLS
from rnnviz.ui.common.settings_form import Field, Section, optimizer_fields, settings_sidebar

POLICY_TEXT = {
    "carry": "carry over (detached: truncated BPTT)",
    "reset": "reset to zeros for each window",
}
FORM = (
    Section("Model"),
    Field("cell", "Cell type", "select", options=CELLS),
    Field("hidden_size", "Hidden size", "number"),
    Field("num_layers", "Layers", "slider"),
    *optimizer_fields(lr_help="e.g. 0.02 or 1e-3; above 0, up to 100"),
    Section("Data", folded=True),
    Field("points", "Points per window", "number"),
    Field("windows_per_batch", "Windows per batch", "number"),
    Field("noise", "Noise on the input", "number", step=0.05, help="std of Gaussian noise added to sin(x), 0 to 10"),
    Field("hidden_policy", "Hidden state between windows", "radio", options=HIDDEN_POLICIES, names=POLICY_TEXT),
    Section("Run", folded=True),
    Field("steps", "Total steps", "number", step=100),
    Field("seed", "Seed", "number"),
)


def sine_settings_sidebar() -> SineSettings | None:
    """The run settings from the sidebar, or None after an st.error per problem saying what to change."""
    return settings_sidebar(SineSettings, FORM, prefix="train")

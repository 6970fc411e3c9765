"""Step through on a packed batch: each sequence stops at its own length, the heatmaps show where, and junk
lengths end in an error that says what to change while the last valid view stays."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from rnnviz.experiment import traced_run
from rnnviz.experiment.export import trace_csv
from rnnviz.ui.step.interventions import WHAT_IF_KEY
from tests.app.helpers import array, errors, figures, open_expander, open_export, open_page

PAGE = "app_pages/step_through.py"


@pytest.fixture
def packed():
    """The page with a batch of 3 (sequence length 40), packed with the automatic lengths 40, 27, 14."""
    at = open_page(PAGE)
    at.slider(key="batch").set_value(3).run()
    at.toggle(key="step.packed").set_value(True).run()
    assert not at.exception and not errors(at)
    return at


def figure(at, title_start: str) -> dict:
    return next(f for f in figures(at) if f["layout"]["title"]["text"].startswith(title_start))


def test_a_packed_batch_is_traced_and_verified(packed):
    assert any("matches torch.nn.LSTM forward" in m.value for m in packed.markdown)
    assert any("same numbers from torch.nn.LSTMCell" in c.value for c in packed.caption)
    assert any("Lengths 40, 27, 14" in c.value and "h_n is its state at" in c.value for c in packed.caption)


def test_the_packed_batch_figure_stops_each_row_at_its_length(packed):
    fig = figure(packed, "h_t[0] of every sequence of the packed batch")
    z = array(fig["data"][0]["z"])  # (sequences, time)
    assert z.shape == (3, 40)
    for row, length in enumerate((40, 27, 14)):
        assert np.isfinite(z[row, :length]).all() and np.isnan(z[row, length:]).all()
    assert array(fig["data"][1]["x"]).tolist() == [39, 26, 13]  # the diamonds: where h_n is read
    assert [s["y0"] for s in fig["layout"]["shapes"]] == [0.5, 1.5]  # grey bands on the two shorter rows


def test_the_step_heatmaps_of_a_shorter_sequence_have_no_values_past_it(packed):
    packed.selectbox(key="step.batch").set_value(2).run()
    for name in ("f_t", "c_t", "h_t — layer"):
        z = array(figure(packed, name)["data"][0]["z"])  # (units, time)
        assert np.isfinite(z[:, :14]).all() and np.isnan(z[:, 14:]).all(), name


def test_typed_unsorted_lengths(packed):
    packed.text_input(key="step.lengths").set_value("12, 40, 3").run()
    assert not packed.exception and not errors(packed)
    fig = figure(packed, "h_t[0] of every sequence")
    assert list(fig["layout"]["yaxis"]["ticktext"]) == ["0 (length 12)", "1 (length 40)", "2 (length 3)"]


def test_the_reverse_direction_reads_h_n_at_t_0(packed):
    packed.toggle(key="bidirectional").set_value(True).run()
    packed.selectbox(key="step.direction").set_value(1).run()
    assert not errors(packed) and any("matches" in m.value for m in packed.markdown)
    assert array(figure(packed, "h_t[0] of every sequence")["data"][1]["x"]).tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("40, abc, 3", ["whole numbers", "abc"]),
        ("40, 27", ["one length per sequence", "3 sequences", "2 lengths"]),
        ("40, 0, 3", ["at least 1"]),
        ("40, -2, 3", ["at least 1"]),
        ("40, 99, 3", ["cannot exceed", "40"]),
        ("4.5, 3, 2", ["whole numbers"]),
    ],
)
def test_junk_lengths_say_what_to_change_and_keep_the_last_view(packed, text, words):
    packed.text_input(key="step.lengths").set_value(text).run()
    assert not packed.exception
    message = " ".join(errors(packed)).lower()
    assert all(word.lower() in message for word in words), errors(packed)
    assert any("last valid run" in i.value for i in packed.info)
    assert figure(packed, "h_t[0] of every sequence")  # the packed view on screen is the last valid one


def test_a_batch_of_one_cannot_be_packed(packed):
    packed.slider(key="batch").set_value(1).run()
    assert any("batch of one has nothing to pack" in e for e in errors(packed))
    packed.toggle(key="step.packed").set_value(False).run()
    assert not errors(packed) and not any(
        f["layout"]["title"]["text"].startswith("h_t[0] of every") for f in figures(packed)
    )


def test_what_if_on_a_packed_batch(packed):
    open_expander(packed, WHAT_IF_KEY)
    packed.number_input(key="step.h0_fill").set_value(0.5).run()
    assert not packed.exception and not errors(packed)
    assert any("Changed run: matches torch.nn.LSTM" in c.value for c in packed.caption)
    packed.multiselect(key="step.clamp.gates").set_value(["f"]).run()
    assert not packed.exception and not errors(packed)


def test_exports_of_a_packed_batch(packed):
    open_export(packed, "step")
    packed.selectbox(key="step.export.figure").set_value("packed_batch").run()
    assert not packed.exception and not errors(packed)
    experiment = packed.session_state["step.last_valid"]
    assert experiment.lengths == (40, 27, 14)
    rows = list(csv.DictReader(io.StringIO(trace_csv(traced_run(experiment)).decode())))
    assert len(rows) == (40 + 27 + 14) * 16 * 6  # the CSV has the real steps only

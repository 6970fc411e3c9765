"""Step through and the Overview on the trained reference models: the default choice, fixed sizes, the sine
task's input with its target, a character model on typed text (labels, x_t, W_ih columns, notable units,
coloured text), bad texts, and a missing or damaged model file."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from rnnviz.charlm.corpora import visible
from rnnviz.charlm.typed_text import MAX_TEXT_CHARS
from rnnviz.figures.step_labels import MAX_LABELS
from rnnviz.reference import catalog
from rnnviz.reference.inputs import bracket_sample_line
from rnnviz.reference.load import char_model, load_reference
from rnnviz.sine.data import sine_task_input
from rnnviz.ui.common.model_choice import cached_reference
from rnnviz.ui.step.sources import HANDOFF_KEY
from tests.app.helpers import HOME, array, errors, figures, module_line, open_page, viewer_data

PAGE = "app_pages/step_through.py"


def heatmap(at, quantity: str) -> dict:
    return next(f for f in figures(at) if f["layout"]["title"]["text"].startswith(f"{quantity}_t"))


@pytest.fixture(scope="module")
def sine_default():
    return open_page(PAGE, model=None)


@pytest.fixture(scope="module")
def brackets():
    return open_page(PAGE, {"model": "brackets-lstm"})


def test_step_through_opens_on_the_trained_sine_lstm_reading_its_task(sine_default):
    at = sine_default
    assert at.sidebar.selectbox(key="model").value == "sine-lstm"
    assert not errors(at)
    # the sizes are the model's: no size controls, and the sidebar says so
    assert not [s for s in at.sidebar.slider if s.key == "hidden_size"]
    assert any("Sizes fixed by the model" in c.value and "LSTM(1, 32" in c.value for c in at.sidebar.caption)
    task = sine_task_input(10)
    assert at.radio(key="step.input_source").value == task.label
    assert at.number_input(key="step.unit").value == 20  # the card's first notable unit
    h = array(heatmap(at, "h")["data"][0]["z"])  # (units, T)
    assert h.shape == (32, len(task.values))
    assert np.corrcoef(h[20], task.target[:, 0])[0, 1] > 0.9  # the card's notable unit, on the task's input
    prediction = next(f for f in figures(at) if "vs the target cos(x)" in f["layout"]["title"]["text"])
    mse = float(prediction["layout"]["title"]["text"].split("MSE ")[1].split(",")[0])
    # a trained model predicts cos(x) on the input it was trained on (cos has mean square 0.5); its first steps,
    # from a zero state, are the least exact
    assert mse < 0.05


def test_batch_first_stays_a_choice_on_a_trained_model(sine_default):
    at = sine_default
    at.sidebar.toggle(key="batch_first").set_value(True).run()
    assert not errors(at)
    assert "batch_first=True" in module_line(at)


@pytest.mark.parametrize("name", ["sine-gru", "sine-rnn"])
def test_every_sine_model_is_a_choice(name):
    at = open_page(PAGE, {"model": name})
    assert not errors(at) and not at.exception
    cell = catalog.REFERENCE_MODELS[name].settings.cell
    assert module_line(at).startswith(f"module = torch.nn.{cell}(1, ")


def test_the_bracket_model_reads_its_sample_text_one_character_per_step(brackets):
    at = brackets
    text = bracket_sample_line()
    assert at.text_area(key="step.text").value == text
    assert at.number_input(key="step.unit").value == 43
    data = viewer_data(at)
    assert data["steps"] == len(text)
    assert data["labels"] == [visible(c) for c in text]
    model, vocabulary = char_model(load_reference("brackets-lstm"))
    j = vocabulary.chars.index(text[0])
    assert f"W_ih[:, {j}]" in data["step_notes"][0] and len(data["step_notes"]) == len(text)
    c = heatmap(at, "c")
    axis = c["layout"]["xaxis"]
    assert axis["ticktext"] == [visible(text[t]) for t in axis["tickvals"]]  # the characters read
    assert len(axis["tickvals"]) <= MAX_LABELS and axis["tickvals"][:2] == [0, -(-len(text) // MAX_LABELS)]
    nexts = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("What the model expects next"))
    p = array(nexts["data"][0]["z"])  # (V, T): softmax of the head's scores after each character
    assert p.shape == (9, len(text)) and np.allclose(p.sum(0), 1.0, atol=1e-5)
    coloured = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("The text coloured by unit 43"))
    assert "".join(t for row in coloured["data"][0]["text"] for t in row if t) == "".join(visible(ch) for ch in text)


def test_the_input_term_note_is_true_of_the_model():
    """The note says W_ih x_t is column j of W_ih for a one-hot x_t: checked on the module's own weights."""
    model, vocabulary = char_model(load_reference("brackets-lstm"))
    weight = model.rnn.weight_ih_l0.detach()
    for j in range(vocabulary.size):
        x = torch.nn.functional.one_hot(torch.tensor(j), vocabulary.size).float()
        assert torch.equal(weight @ x, weight[:, j])


def test_a_typed_text_becomes_the_input(brackets):
    at = brackets
    at.text_area(key="step.text").input("(a[b])\n").run()
    assert not errors(at)
    assert viewer_data(at)["labels"] == ["(", "a", "[", "b", "]", ")", "⏎"]
    assert at.query_params["text"] == "(a[b])\n"


def test_unknown_characters_are_named_and_dropped_on_request():
    at = open_page(PAGE, {"model": "brackets-lstm"})
    at.text_area(key="step.text").input("(ax)é").run()
    message = " ".join(errors(at))
    assert "'x'" in message and "'é'" in message and "drop them" in message
    assert at.text_area(key="step.text").value == "(ax)é"  # nothing the user typed is lost
    assert viewer_data(at)["labels"] == [visible(c) for c in bracket_sample_line()]  # the sample shows meanwhile
    at.button(key="step.drop_unknown").click().run()
    assert not errors(at)
    assert at.text_area(key="step.text").value == "(a)"
    assert viewer_data(at)["labels"] == ["(", "a", ")"]


@pytest.mark.parametrize(("text", "said"), [("", "empty"), ("(" * (MAX_TEXT_CHARS + 1), str(MAX_TEXT_CHARS))])
def test_an_empty_or_too_long_text_is_said(text, said):
    at = open_page(PAGE, {"model": "brackets-lstm"})
    at.text_area(key="step.text").input(text).run()
    assert any(said in e for e in errors(at)), errors(at)
    assert not at.exception and viewer_data(at)["steps"] > 0


def test_a_notable_unit_button_shows_that_unit(brackets):
    at = brackets
    at.number_input(key="step.unit").set_value(5).run()
    at.button(key="step.notable.23").click().run()
    assert at.number_input(key="step.unit").value == 23
    assert viewer_data(at)["unit"] == 23


def test_the_overview_shows_the_trained_model_and_the_lessons():
    at = open_page(HOME, model=None)
    assert at.sidebar.selectbox(key="model").value == "sine-lstm"
    assert any("reading its task's input" in s.value for s in at.subheader)
    assert [f["layout"]["title"]["text"].split(" —")[0] for f in figures(at)] == ["hidden state h_t", "cell state c_t"]
    at.sidebar.selectbox(key="model").set_value("brackets-lstm").run()
    c = figures(at)[1]
    axis, text = c["layout"]["xaxis"], bracket_sample_line()
    assert axis["ticktext"] == [visible(text[t]) for t in axis["tickvals"]]


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_damaged_model_file_is_said_and_the_untrained_model_shown(damage, tmp_path, monkeypatch):
    models = tmp_path / "models"
    shutil.copytree(catalog.MODELS_DIR, models)
    path = models / "sine-lstm.pt"
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"not a checkpoint")
    monkeypatch.setattr(catalog, "MODELS_DIR", models)
    cached_reference.clear()
    try:
        at = open_page(PAGE, model=None)
        message = " ".join(errors(at))
        assert "sine-lstm.pt" in message and "make models" in message and "untrained model is shown" in message
        assert at.sidebar.slider(key="hidden_size").value == 16  # the sidebar's own model instead
        assert viewer_data(at)["steps"] == 40
    finally:
        cached_reference.clear()


def test_the_language_model_page_hands_its_model_over_with_a_piece_of_its_text():
    at = open_page("app_pages/char_lm.py")
    at.select_slider(key="lm.bracket_length").set_value(20_000).run()
    trainer = at.session_state["lm.run"].trainer
    trainer.step(20)
    at.run()
    at.button(key="lm.handoff").click().run()
    handoff = at.session_state[HANDOFF_KEY]
    assert handoff.label == "trained on Language model (LSTM, 20 steps)" and handoff.target is None
    assert handoff.checkpoint == trainer.checkpoint_bytes() and 0 < len(handoff.text) <= MAX_TEXT_CHARS
    at.switch_page(PAGE).run()  # the page the button switched to, in this session
    assert not at.exception and not errors(at)
    assert at.sidebar.selectbox(key="model").value == "custom"
    assert at.radio(key="step.model_source").value == handoff.label
    assert at.text_area(key="step.text").value == handoff.text
    assert viewer_data(at)["labels"] == [visible(c) for c in handoff.text]
    assert any("matches torch.nn.LSTM forward" in m.value for m in at.markdown)


def test_an_uploaded_language_model_checkpoint_reads_a_text():
    at = open_page(PAGE)
    reference = load_reference("brackets-lstm")
    at.radio(key="step.model_source").set_value("uploaded state_dict").run()
    at.file_uploader(key="step.checkpoint").upload("lm.pt", reference.checkpoint).run()
    assert not errors(at)
    _, vocabulary = char_model(reference)
    text = at.text_area(key="step.text").value
    assert set(text) <= set(vocabulary.chars)
    at.text_area(key="step.text").input("([a])").run()
    assert not errors(at) and viewer_data(at)["labels"] == ["(", "[", "a", "]", ")"]

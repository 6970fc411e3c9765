"""The lessons' claims, checked against the models they describe: each number a lesson quotes is measured on
the model (``rnnviz.lessons.facts``), and here every word around it ("follows", "never changes", "lower",
"the deepest it saw") is checked against those numbers and against the modules run independently."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import torch

from rnnviz.charlm.brackets import BracketLanguage
from rnnviz.lessons import facts
from rnnviz.lessons.catalog import LESSON_PARAM, LESSONS, NOTEBOOK_SNIPPET, next_lesson
from rnnviz.reference.catalog import REFERENCE_MODELS
from rnnviz.reference.load import load_reference
from rnnviz.sine.settings import SineSettings

ROOT = Path(__file__).resolve().parents[2]


def test_the_path_is_in_the_suggested_order_and_each_lesson_links_the_next():
    assert [lesson.slug for lesson in LESSONS] == [
        "cell-anatomy",
        "shapes",
        "train-rnn-vs-lstm",
        "bracket-counter",
        "why-gates",
        "your-own-model",
    ]
    assert [next_lesson(lesson) for lesson in LESSONS] == [*LESSONS[1:], None]
    app = (ROOT / "app.py").read_text()
    for lesson in LESSONS:
        assert f'"{lesson.page}"' in app, lesson.page
        assert lesson.link_params[LESSON_PARAM] == lesson.slug


def test_cell_anatomy_unit_follows_cos_on_the_lesson_input():
    f = facts.anatomy_facts()
    assert f["r"] >= 0.9  # "follows cos(x)"
    assert 0.0 < f["f_mean"] < 1.0
    text = LESSONS[0].notice(f)
    assert f"r = {f['r']:.2f}" in text and f"unit {f['unit']}" in text and LESSONS[0].params["unit"] == "20"


def test_the_shapes_lesson_quotes_what_the_module_returns():
    f = facts.layout_facts()
    for batch_first, shapes in f["shapes"].items():
        module = torch.nn.LSTM(1, f["hidden"], batch_first=batch_first)
        x = torch.zeros((f["batch"], f["seq_len"], 1) if batch_first else (f["seq_len"], f["batch"], 1))
        output, (h_n, _) = module(x)
        assert shapes == {"input": tuple(x.shape), "output": tuple(output.shape), "h_n": tuple(h_n.shape)}
    assert f["shapes"][True]["h_n"] == f["shapes"][False]["h_n"]  # "batch_first never changes h_n"


def test_the_training_lesson_quotes_models_trained_with_the_page_defaults():
    f = facts.training_facts()
    assert f["LSTM"] < f["RNN"]  # "the LSTM's is ... lower"
    for cell in ("RNN", "LSTM"):
        settings = REFERENCE_MODELS[f"sine-{cell.lower()}"].settings
        assert settings == SineSettings(cell=cell)  # "with this page's default settings"
        assert load_reference(f"sine-{cell.lower()}").card["steps"] == SineSettings().steps == 300
    assert f"{f['RNN'] / f['LSTM']:.0f}×" in LESSONS[2].notice(f)


def test_the_bracket_unit_counts_on_the_lesson_line():
    f = facts.bracket_facts()
    assert f["r"] >= 0.9  # "follows the nesting depth"
    assert f["brackets"] >= 10 and f["agree"] / f["brackets"] >= 0.9  # rises/falls "at" most brackets
    assert f["max_depth"] >= 3  # a line with something to count
    assert BracketLanguage().max_depth == 4  # "past depth 4, the deepest it saw in training"
    assert "max depth 4" in load_reference("brackets-lstm").card["trained_on"]


def test_the_bracket_agreement_is_counted_right_on_a_made_up_run():
    """Control for the counting: a c that moves against the depth agrees at no bracket."""
    text = "(a(b)c)\n"
    depth = np.array([1, 1, 2, 2, 1, 1, 0, 0], dtype=float)
    assert np.array_equal(facts.character_features(text)["bracket depth"], depth)
    with_c = facts.bracket_facts(text=text)
    assert with_c["brackets"] == 4 and 0 <= with_c["agree"] <= 4


def test_the_gates_lesson_quotes_how_little_gradient_reaches_step_0():
    f = facts.gradient_facts()
    assert set(f["factors"]) == {"RNN", "LSTM", "GRU"} and f["T"] == 50
    assert all(0 < factor < 1e-6 for factor in f["factors"].values())  # "shrinks", "hardly affects the loss"
    text = LESSONS[4].notice(f)
    assert all(f"{factor:.1e} ({cell})" in text for cell, factor in f["factors"].items())


def test_the_notebook_snippet_runs_and_matches():
    output = io.StringIO()
    with redirect_stdout(output):
        exec(compile(NOTEBOOK_SNIPPET, "lesson-snippet", "exec"), {})
    printed = output.getvalue()
    assert "matches" in printed and "torch.Size([5, 2, 8])" in printed


def test_every_lesson_text_is_filled_from_its_facts():
    for lesson in LESSONS:
        text = lesson.notice(lesson.measure())
        assert text and "{" not in text and lesson.question


def test_the_readme_quotes_the_measured_numbers():
    readme = " ".join((ROOT / "README.md").read_text().split())
    anatomy, brackets, training = facts.anatomy_facts(), facts.bracket_facts(), facts.training_facts()
    assert f"(r = {anatomy['r']:.2f} on the lesson's input)" in readme
    assert f"({brackets['agree']} of {brackets['brackets']}) and follows the depth (r = {brackets['r']:.2f})" in readme
    assert f"{training['RNN']:.1e} (RNN) and {training['LSTM']:.1e} (LSTM)" in readme
    exponents = {cell: int(np.floor(np.log10(f))) for cell, f in facts.gradient_facts()["factors"].items()}
    assert exponents == {"RNN": -11, "LSTM": -11, "GRU": -10}  # "about 1e-11 (RNN, LSTM) to 1e-10 (GRU)"
    assert "by a factor of about 1e-11 (RNN, LSTM) to 1e-10 (GRU)" in readme
    size = sum(path.stat().st_size for path in (ROOT / "assets" / "models").iterdir())
    assert f"`assets/models/` ({size / 1000:.0f} KB)" in readme

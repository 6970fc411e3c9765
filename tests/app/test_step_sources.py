"""Step-through inputs that come from the user: typed values, CSVs, typed h0/c0, uploaded checkpoints.

Every junk input ends in an error that names the problem, and the last valid view stays on screen.
"""

from __future__ import annotations

import io
import os
import pickle

import pytest
import torch

from tests.app.helpers import array, errors, figures, module_line, open_page

PAGE = "app_pages/step_through.py"


@pytest.fixture
def step():
    return open_page(PAGE)


def steps_shown(at) -> int:
    """Time steps in the first heatmap (the run that is on screen)."""
    return array(figures(at)[0]["data"][0]["z"]).shape[1]


def assert_error_and_last_view_kept(at, *words):
    assert not at.exception
    text = " ".join(errors(at)).lower()
    for word in words:
        assert word.lower() in text, (word, errors(at))
    assert figures(at), "the last valid view should stay on screen"
    assert any("last valid run" in i.value for i in at.info)


def test_typed_values_are_traced(step):
    step.radio(key="step.input_source").set_value("typed values").run()
    step.text_area(key="step.typed").set_value("1 2 3 4 5").run()
    assert not step.exception and not errors(step)
    assert steps_shown(step) == 5


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1, 2, abc", ["abc"]),
        ("", ["empty"]),
        ("1, 1e999", ["1e999"]),
        ("1, nan, 3", ["nan"]),
        ("1, inf", ["inf"]),
        ("1 2 3\n4 5", ["row"]),  # mismatched rows; also 2 features for an input size of 1
    ],
)
def test_junk_typed_values(step, text, words):
    step.radio(key="step.input_source").set_value("typed values").run()
    step.text_area(key="step.typed").set_value(text).run()
    assert_error_and_last_view_kept(step, *words)


def test_typed_features_must_match_the_input_size(step):
    step.radio(key="step.input_source").set_value("typed values").run()
    step.text_area(key="step.typed").set_value("1 2 3\n4 5 6").run()
    assert_error_and_last_view_kept(step, "input_size=1")
    step.number_input(key="input_size").set_value(2).run()  # fixing the model brings the typed run back
    assert not errors(step) and steps_shown(step) == 3


def test_csv_upload(step):
    step.radio(key="step.input_source").set_value("CSV upload").run()
    assert not errors(step) and steps_shown(step) == 40  # nothing uploaded yet: a note, the generated input
    assert any("Upload a CSV file; until then the generated input is shown" in i.value for i in step.info)
    step.file_uploader(key="step.csv").upload("x.csv", b"signal\n0.1\n0.2\n0.3\n", "text/csv").run()
    assert not step.exception and not errors(step)
    assert steps_shown(step) == 3


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ["empty"]),
        (b"a\nhello\n", ["hello"]),
        (b"a,b\n1,2\n3\n", ["ragged"]),
        (b"a\n1\nnan\n", ["nan"]),
        (b"a\n1\ninf\n", ["inf"]),
        (b"\x00\x01\x02binary\xff", ["binary"]),
    ],
)
def test_junk_csv(step, content, words):
    step.radio(key="step.input_source").set_value("CSV upload").run()
    step.file_uploader(key="step.csv").upload("junk.csv", content, "text/csv").run()
    assert not step.exception
    assert any(all(w in e.lower() for w in words) for e in errors(step)), errors(step)


def test_random_and_typed_initial_states(step):
    step.radio(key="step.initial").set_value("random").run()
    assert not step.exception and not errors(step)
    assert any("matches" in m.value for m in step.markdown)
    step.radio(key="step.initial").set_value("typed").run()
    step.text_area(key="step.h0_text").set_value("1 2 3").run()  # 3 values for a hidden size of 16
    assert_error_and_last_view_kept(step, "h0")


def _state_dict_bytes(module) -> bytes:
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.getvalue()


def test_uploaded_gru_is_traced_with_its_own_sizes(step):
    torch.manual_seed(0)
    gru = torch.nn.GRU(1, 5, num_layers=2, bidirectional=True)
    step.radio(key="step.model_source").set_value("uploaded state_dict").run()
    assert not errors(step) and module_line(step) == "module = torch.nn.LSTM(1, 16)"  # nothing uploaded yet
    assert any("Upload a state_dict file; until then the model built from the sidebar" in i.value for i in step.info)
    step.file_uploader(key="step.checkpoint").upload("gru.pt", _state_dict_bytes(gru)).run()
    assert not step.exception and not errors(step)
    assert module_line(step).startswith("module = torch.nn.GRU(1, 5")
    assert any("matches torch.nn.GRU forward" in m.value for m in step.markdown)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (pickle.dumps(_Exploit()), ["python objects"]),
        (_state_dict_bytes(torch.nn.Linear(3, 2)), ["weight"]),
        (b"not a checkpoint at all", ["not a pytorch checkpoint"]),
    ],
)
def test_junk_checkpoints_are_refused(step, content, words):
    step.radio(key="step.model_source").set_value("uploaded state_dict").run()
    step.file_uploader(key="step.checkpoint").upload("bad.pt", content).run()
    assert_error_and_last_view_kept(step, *words)


def test_a_run_too_large_to_trace_is_refused_with_what_to_lower(step):
    step.slider(key="hidden_size").set_value(256).run()
    step.slider(key="num_layers").set_value(4).run()
    step.toggle(key="bidirectional").set_value(True).run()
    step.slider(key="seq_len").set_value(1000).run()
    step.slider(key="batch").set_value(64).run()
    assert_error_and_last_view_kept(step, "GiB", "lower the batch size")


def test_overview_refuses_a_run_too_large_to_trace():
    home = open_page("app_pages/home.py")
    home.slider(key="hidden_size").set_value(256).run()
    home.slider(key="seq_len").set_value(1000).run()
    home.slider(key="batch").set_value(64).run()
    home.slider(key="num_layers").set_value(4).run()
    assert not home.exception
    assert any("GiB" in e for e in errors(home)) and figures(home)

"""``rnnviz.trace`` on a PackedSequence: the module's own packed output, h_n at each sequence's own last step,
and every step of sequence b equal to sequence b traced alone (the numpy reference), NaN past its length.

Tolerances as in the fidelity tests: 1e-5 for float32, 1e-10 for float64.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

import rnnviz
from rnnviz import Experiment, GateClamp, InputSpec, Intervention, ModelSpec, build_run, intervene
from rnnviz.core.trace import trace_sequential
from rnnviz.experiment import traced_run
from rnnviz.experiment.export import trace_csv, trace_npz, trace_value_count
from rnnviz.experiment.reproduce import reproduce_snippet
from rnnviz.figures.step_view import step_view_data
from tests.unit.test_trace_fidelity import SWEEP, TOL, Case, build, make_case, max_err, module_forward, run_reference

pytestmark = [
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN"),
    pytest.mark.usefixtures("one_torch_thread"),
]
ENGINES = {"batched": rnnviz.trace, "sequential": trace_sequential}


def packed_case(case: Case) -> Case:
    """The same module configuration with a batch axis (a PackedSequence always has one)."""
    return replace(case, unbatched=False)


def pack(case: Case, x: torch.Tensor) -> tuple[PackedSequence, list[int]]:
    """``x`` packed with seeded lengths in 1..seq: sorted longest first (enforce_sorted=True) for one seed in
    three, else in any order (enforce_sorted=False)."""
    rng = random.Random(case.seed + 1000)
    lengths = [rng.randint(1, case.seq) for _ in range(case.batch)]
    enforce_sorted = case.seed % 3 == 0
    if enforce_sorted:
        lengths.sort(reverse=True)
    packed = pack_padded_sequence(x, torch.tensor(lengths), case.batch_first, enforce_sorted)
    return packed, lengths


def item(hx, b: int):
    """Sequence b's part of hx ((L*D, B, size), or a tuple of two), as a batch of one."""
    if isinstance(hx, tuple):
        return tuple(item(v, b) for v in hx)
    return None if hx is None else hx[:, b : b + 1]


def check_packed(case: Case, engine: str) -> None:
    module, x, hx = build(case)
    packed, lengths = pack(case, x)
    tr = ENGINES[engine](module, packed, hx)
    tol = TOL[case.dtype]
    assert tr.matches and tr.max_abs_error <= tol, (case, tr.max_abs_error)
    assert tr.lengths.tolist() == lengths and tr.seq_len == max(lengths)
    out, h_n, c_n = module_forward(module, packed, hx)
    assert isinstance(tr.output, PackedSequence) and torch.equal(tr.output.batch_sizes, out.batch_sizes)
    for ours, theirs in (
        (tr.output.sorted_indices, out.sorted_indices),
        (tr.output.unsorted_indices, out.unsorted_indices),
    ):
        assert (ours is None and theirs is None) or torch.equal(ours, theirs)
    errors = {"output": max_err(tr.output.data, out.data, "output"), "h_n": max_err(tr.h_n, h_n, "h_n")}
    errors["c_n"] = max_err(tr.c_n, c_n, "c_n")
    x_tm = x.transpose(0, 1) if case.batch_first else x  # (T_padded, B, I)
    directions = 2 if case.bidirectional else 1
    for b, n in enumerate(lengths):
        alone_x = x_tm[:n, b : b + 1]
        ref = run_reference(module, alone_x.transpose(0, 1) if case.batch_first else alone_x, item(hx, b))
        for layer in range(case.num_layers):
            assert torch.isnan(tr.layer_input(layer)[n:, b]).all()
            errors[f"x{layer}_{b}"] = max_err(tr.layer_input(layer)[:n, b : b + 1], ref.layer_inputs[layer], "x")
            for d in range(directions):
                rec, where = ref.steps[(layer, d)], f"l{layer}d{d}b{b}"
                quantities = {name: tr.values(name, layer, d) for name in tr.quantity_names}
                quantities |= {f"pre_{g}": tr.preactivation(g, layer, d) for g in tr.gate_names or ("h",)}
                quantities["h_prev"] = tr.previous_state("h", layer, d)
                if case.kind == "LSTM":
                    quantities["c_prev"] = tr.previous_state("c", layer, d)
                for name, values in quantities.items():
                    assert torch.isnan(values[n:, b]).all(), (case, name, b)
                    expected = (
                        rec.preactivation[name[4:]]
                        if name.startswith("pre_")
                        else rec.gates[name]
                        if name in tr.gate_names
                        else getattr(rec, name)
                    )
                    errors[f"{name}_{where}"] = max_err(values[:n, b : b + 1], expected, name)
    bad = {k: v for k, v in errors.items() if not v <= tol}
    assert not bad, f"{case} {engine}: errors above {tol}: {bad}"


PACKED_SWEEP = [packed_case(c) for c in SWEEP if not c.is_cell]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", PACKED_SWEEP, ids=lambda c: f"{c.seed}-{c.module}-{str(c.dtype)[6:]}")
def test_packed_sweep_matches_module_and_each_sequence_alone(case: Case, engine: str) -> None:
    check_packed(case, engine)


def test_packed_sweep_covers_every_option() -> None:
    assert {c.module for c in PACKED_SWEEP} == {"LSTM", "GRU", "RNN_TANH", "RNN_RELU"}
    for attr in ("bidirectional", "batch_first", "with_hx", "bias"):
        assert {getattr(c, attr) for c in PACKED_SWEEP} == {True, False}, attr
    assert {c.num_layers for c in PACKED_SWEEP} == {1, 2, 3} and {c.batch for c in PACKED_SWEEP} == {1, 2, 3, 4}
    assert any(c.proj_size and c.bidirectional for c in PACKED_SWEEP)
    assert {c.seed % 3 == 0 for c in PACKED_SWEEP} == {True, False}  # sorted and unsorted lengths


@st.composite
def module_cases(draw) -> Case:
    case = make_case(draw(st.integers(0, 2**31 - 1)), lambda low, high: draw(st.integers(low, high)))
    assume(not case.is_cell)
    return packed_case(case)


@settings(max_examples=40, deadline=None)
@given(module_cases(), st.sampled_from(sorted(ENGINES)))
def test_hypothesis_packed_configurations(case: Case, engine: str) -> None:
    check_packed(case, engine)


def _bidirectional_lstm() -> tuple[nn.LSTM, torch.Tensor]:
    torch.manual_seed(7)
    return nn.LSTM(2, 3, num_layers=2, bidirectional=True, batch_first=True), torch.randn(4, 6, 2)


@pytest.mark.parametrize("engine", ENGINES)
def test_unsorted_lengths_and_each_sequences_own_last_step(engine: str) -> None:
    module, x = _bidirectional_lstm()
    lengths = [2, 6, 1, 4]  # unsorted: enforce_sorted=False
    tr = ENGINES[engine](module, pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
    assert tr.matches and tr.valid_steps().sum(0).tolist() == lengths
    for b, n in enumerate(lengths):
        alone = rnnviz.trace(module, x[b : b + 1, :n])
        assert max_err(tr.h_n[:, b], alone.h_n[:, 0], "h_n") < 1e-6  # every layer and direction
        assert max_err(tr.c_n[:, b], alone.c_n[:, 0], "c_n") < 1e-6
        # the reverse direction starts from h0 (zeros) at the sequence's own last step
        assert torch.equal(tr.previous_state("h", 1, 1)[n - 1, b], torch.zeros(3))


@pytest.mark.parametrize("engine", ENGINES)
def test_overflow_past_a_length_is_not_part_of_the_run(engine: str) -> None:
    """Zero padding run on by a huge recurrent weight overflows past sequence 1's end; nothing real does."""
    module = nn.RNN(1, 1, nonlinearity="relu", bias=False)
    with torch.no_grad():
        module.weight_ih_l0.fill_(1.0)
        module.weight_hh_l0.fill_(1e13)
    x = torch.tensor([[1e-30, 1.0]] * 4).unsqueeze(-1)  # (T=4, B=2, 1): sequence 1 grows 1e13 per step
    tr = ENGINES[engine](module, pack_padded_sequence(x, [4, 2]))
    assert tr.nonfinite is None and tr.matches
    assert torch.isfinite(tr.h_n).all() and torch.isnan(tr.state("h")[2:, 1]).all()


def test_interventions_on_a_packed_batch() -> None:
    module, x = _bidirectional_lstm()
    packed = pack_padded_sequence(x, [2, 6, 1, 4], batch_first=True, enforce_sorted=False)
    filled = intervene(module, packed, Intervention(h0_fill=0.5, x_step=1, x_delta=2.0))
    assert isinstance(filled.output, PackedSequence) and filled.matches and not filled.clamped
    every_step = tuple(range(6))
    clamps = (GateClamp("f", 1.0, every_step, layer=1, direction=1), GateClamp("i", 0.0, every_step, 1, 1))
    frozen = intervene(module, packed, Intervention(clamps=clamps, c0_fill=0.25))
    assert frozen.clamped
    c = frozen.state("c", 1, 1)  # f = 1, i = 0 at every step: c_t = c0 at every real step of each sequence
    valid = frozen.valid_steps()
    assert torch.equal(c[valid], torch.full_like(c[valid], 0.25)) and torch.isnan(c[~valid]).all()


def test_to_dataframe_leaves_out_the_steps_past_each_length() -> None:
    module, x = _bidirectional_lstm()
    tr = rnnviz.trace(module, pack_padded_sequence(x, [2, 6, 1, 4], batch_first=True, enforce_sorted=False))
    frame = tr.to_dataframe(quantities=("f",))
    assert len(frame) == (2 + 6 + 1 + 4) * 3 * 2 * 2  # real steps x units x layers x directions
    assert frame.groupby("batch")["t"].max().tolist() == [1, 5, 0, 3]
    assert not np.isnan(frame["value"]).any()


def test_an_experiment_packs_its_batch_and_exports_only_the_real_steps() -> None:
    spec = ModelSpec(cell="GRU", hidden_size=4, bidirectional=True, batch_first=True)
    experiment = Experiment(spec, InputSpec(seq_len=8, batch=3), lengths=(5, 8, 2))
    run = build_run(experiment)
    assert isinstance(run.x, PackedSequence) and run.x.sorted_indices.tolist() == [1, 0, 2]
    tr = traced_run(experiment)
    assert tr.matches and tr.lengths.tolist() == [5, 8, 2]
    rows = list(csv.DictReader(io.StringIO(trace_csv(tr).decode())))
    assert len(rows) == trace_value_count(tr) == (5 + 8 + 2) * 4 * 4 * 2  # steps x units x (r z n h) x directions
    arrays = np.load(io.BytesIO(trace_npz(tr)))
    assert arrays["lengths"].tolist() == [5, 8, 2] and np.isnan(arrays["output"][2:, 2]).all()
    script: dict = {"__name__": "reproduce"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(reproduce_snippet(experiment), script)
    assert script["trace"].matches and script["trace"].lengths.tolist() == [5, 8, 2]


@pytest.mark.parametrize(
    ("lengths", "words"),
    [((5, 8), "one length per sequence"), ((0, 8, 2), "at least 1"), ((5, 9, 2), "cannot exceed")],
)
def test_an_experiment_refuses_lengths_it_cannot_pack(lengths, words) -> None:
    experiment = Experiment(ModelSpec(), InputSpec(seq_len=8, batch=3), lengths=lengths)
    with pytest.raises(ValueError, match=words):
        build_run(experiment)


def test_the_step_view_of_a_packed_batch_item_ends_at_its_length() -> None:
    module, x = _bidirectional_lstm()
    tr = rnnviz.trace(module, pack_padded_sequence(x, [2, 6, 1, 4], batch_first=True, enforce_sorted=False))
    data = step_view_data(tr, unit=1, layer=1, direction=1, batch=3)
    assert data["steps"] == 4 and "packed sequence of length 4" in " ".join(data["notes"])
    assert all(len(slot) == 4 for line in data["equations"] for slot in line["slots"])
    assert all(len(card["text"]) == 4 for card in data["cards"] if "text" in card)
    assert "nan" not in json.dumps(data["equations"]).lower()  # every step shown is one the sequence has
    assert step_view_data(tr, unit=1, batch=1)["steps"] == 6 and not step_view_data(tr, unit=1, batch=1)["notes"]

"""What the lessons say about the models, measured on the models themselves (never written by hand).

Each function runs the real module on the lesson's own input, exactly as the lesson's page does (an
``Experiment`` traced by ``traced_run``), and returns the numbers the lesson's sentences quote. The tests
measure them again from the page and check the words ("follows", "at almost every bracket") against them.
"""

from __future__ import annotations

import numpy as np

from rnnviz.charlm.inspect import CLOSING, OPENING, character_features
from rnnviz.charlm.typed_text import char_input
from rnnviz.core.spec import ModelSpec
from rnnviz.core.trace import Trace
from rnnviz.experiment.run import Experiment, traced_run
from rnnviz.experiment.signals import InputSpec
from rnnviz.memory.gradients import gradient_flow
from rnnviz.memory.settings import MemorySettings
from rnnviz.memory.trainer import MemoryTrainer, held_out_sequence
from rnnviz.reference.inputs import bracket_sample_line, module_spec
from rnnviz.reference.load import char_model, load_reference
from rnnviz.shapes.table import shape_table
from rnnviz.sine.data import sine_task_input


def reference_trace(name: str, values: np.ndarray) -> Trace:
    """The reference model ``name`` traced on ``values`` (T, I), as Step through traces it."""
    reference = load_reference(name)
    experiment = Experiment(module_spec(reference), InputSpec(), 0, checkpoint=reference.checkpoint)
    return traced_run(experiment.with_sequence(values))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.asarray(a, dtype=float), np.asarray(b, dtype=float))[0, 1])


def anatomy_facts(name: str = "sine-lstm", unit: int = 20) -> dict:
    """The sine LSTM on its task input: how closely unit ``unit``'s h follows cos(x), its mean forget gate."""
    task = sine_task_input(load_reference(name).model.settings.points)
    trace = reference_trace(name, task.values)
    h = trace.state("h", 0, 0)[:, 0, unit].numpy()  # (T,)
    f = trace.values("f", 0, 0)[:, 0, unit].numpy()
    card = next(u for u in load_reference(name).notable_units("h") if u["unit"] == unit and u["signal"] == "cos x")
    return {
        "unit": unit,
        "r": pearson(h, task.target[:, 0]),
        "card_r": card["r"],
        "f_mean": float(f.mean()),
        "steps": trace.seq_len,
    }


def layout_facts(hidden: int = 32, batch: int = 4, seq_len: int = 40) -> dict:
    """The shapes of one nn.LSTM(1, hidden) call under batch_first=True and False."""
    shapes = {}
    for batch_first in (True, False):
        table = shape_table(
            ModelSpec(cell="LSTM", input_size=1, hidden_size=hidden, batch_first=batch_first), batch, seq_len
        )
        shapes[batch_first] = {name: tuple(table.tensor(name).shape) for name in ("input", "output", "h_n")}
    return {"hidden": hidden, "batch": batch, "seq_len": seq_len, "shapes": shapes}


def training_facts() -> dict:
    """The shipped sin → cos RNN and LSTM, trained with the Train page's default settings: their mean loss over
    the last 50 steps, from their cards (which the reference-model tests measure again)."""
    key = "mean loss, last 50 steps"
    return {cell: load_reference(f"sine-{cell.lower()}").card["training"][key] for cell in ("RNN", "LSTM")}


def bracket_facts(name: str = "brackets-lstm", unit: int = 43, text: str | None = None) -> dict:
    """The bracket LSTM reading ``text`` (the sample line): how closely unit ``unit``'s c follows the nesting
    depth, and at how many brackets c moves the way the depth does (up at an opening bracket, down at a
    closing one)."""
    text = text or bracket_sample_line()
    model, vocabulary = char_model(load_reference(name))
    trace = reference_trace(name, char_input(model, vocabulary, text).values)
    c = trace.state("c", 0, 0)[:, 0, unit].numpy()  # (T,)
    depth = character_features(text)["bracket depth"]
    change = np.diff(np.concatenate([[0.0], c]))  # c_t - c_{t-1}, c_{-1} = 0
    brackets = [t for t, char in enumerate(text) if char in OPENING + CLOSING]
    sign = 1.0 if pearson(c, depth) >= 0 else -1.0  # a unit may count downwards
    agree = [np.sign(sign * change[t]) == (1 if text[t] in OPENING else -1) for t in brackets]
    return {
        "unit": unit,
        "text": text,
        "r": pearson(c, depth),
        "brackets": len(brackets),
        "agree": int(np.sum(agree)),
        "max_depth": int(depth.max()),
    }


def gradient_facts(cells: tuple[str, ...] = ("RNN", "LSTM", "GRU")) -> dict:
    """The Memory & gradients page's untrained models (its default settings, one seed for all cells) on held-out
    sequence 0: the factor by which the loss's gradient changes from the last step back to step 0,
    ||dL/dh_0|| / ||dL/dh_{T-1}||, as the page's gradient view computes it."""
    factors = {}
    for cell in cells:
        trainer = MemoryTrainer(MemorySettings(cell=cell))
        x, target = held_out_sequence(trainer, 0)
        flow = gradient_flow(trainer.model, x, target, check=False)
        factors[cell] = float(flow.h_norms[0] / flow.h_norms[-1])
    return {"T": MemorySettings().length, "factors": factors}

"""The lesson path: each lesson opens a page in a prepared state (its URL parameters) and says what to notice
there, with numbers measured on the model (``rnnviz.lessons.facts``), and a question to try.

Order: cell anatomy on the trained sine LSTM → batch_first and shapes → train sin → cos yourself, RNN vs LSTM →
a unit that counts brackets → why gates (long memory and the gradient) → your own model. ``LESSON_PARAM`` in
a page's URL shows the lesson's banner there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rnnviz.lessons import facts

LESSON_PARAM = "lesson"
STEP_PAGE = "app_pages/step_through.py"
SHAPES_PAGE = "app_pages/shapes.py"
TRAIN_PAGE = "app_pages/train_sine.py"
MEMORY_PAGE = "app_pages/memory.py"
#: The snippet of the last lesson: the library on any module (a test runs it).
NOTEBOOK_SNIPPET = """import torch
import rnnviz

module = torch.nn.GRU(input_size=3, hidden_size=8, batch_first=True)
x = torch.randn(2, 5, 3)  # (batch, seq, features)
trace = rnnviz.trace(module, x)
print(trace.check_summary())  # every step re-run, compared with module(x)
print(trace.values("z", 0, 0).shape)  # the update gate z_t: (seq, batch, hidden)"""


@dataclass(frozen=True)
class Lesson:
    """One screen: ``page`` opened with ``params``; ``notice(facts)`` says what to look at, with the numbers of
    ``measure()``; ``question`` is something to try there."""

    slug: str
    title: str
    page: str
    params: dict[str, str]
    measure: Callable[[], dict]
    notice: Callable[[dict], str]
    question: str
    code: str | None = field(default=None)

    @property
    def link_params(self) -> dict[str, str]:
        """The URL parameters of the lesson's link: its page state and the lesson itself."""
        return {**self.params, LESSON_PARAM: self.slug}


def _anatomy(f: dict) -> str:
    return (
        f"This LSTM was trained to turn sin(x) into cos(x). Press **Play** and watch unit {f['unit']}: its hidden "
        f"state h follows cos(x) over these {f['steps']} steps (r = {f['r']:.2f}; the model card's "
        f"{f['card_r']:.2f} is over a longer stretch it never saw), while its forget gate f averages "
        f"{f['f_mean']:.2f}. Every card of the cell and every number of the equations is that step's."
    )


def _layout(f: dict) -> str:
    first, second = f["shapes"][True], f["shapes"][False]
    return (
        f"With batch_first=True the input is {first['input']} and the output {first['output']}: batch first. "
        f"h_n is {first['h_n']} either way (layers × directions, batch, hidden): batch_first never changes h_n. "
        f"Without it, the input is {second['input']} and the output {second['output']}."
    )


def _training(f: dict) -> str:
    return (
        "Train an RNN, then an LSTM, on sin → cos with this page's default settings (300 steps). The shipped "
        f"models trained exactly so reached a mean loss over their last 50 steps of {f['RNN']:.1e} (RNN) and "
        f"{f['LSTM']:.1e} (LSTM): the LSTM's is {f['RNN'] / f['LSTM']:.0f}× lower."
    )


def _brackets(f: dict) -> str:
    return (
        "This LSTM read 100,000 characters of nested brackets, predicting each next character. Press **Play**: "
        f"unit {f['unit']}'s cell state c rises at an opening bracket and falls at a closing one at "
        f"{f['agree']} of the {f['brackets']} brackets of this line, and follows the nesting depth with "
        f"r = {f['r']:.2f}. Nobody told it to count: counting helps it predict which bracket closes next."
    )


def _gates(f: dict) -> str:
    factors = f["factors"]
    said = ", ".join(f"{factor:.1e} ({cell})" for cell, factor in factors.items())
    return (
        f"The adding problem: {f['T']} steps of numbers, two of them marked; the answer, read after the last step, is "
        "their sum, so the first marked number has to be kept for many steps. Before any training, the loss's "
        f"gradient shrinks from the last step back to step 0 by a factor of {said}: what the network holds at "
        "step 0 hardly affects the loss yet. To see every step, press "
        "**Show the gradient flow of the untrained models** in section 4."
    )


def _own(f: dict) -> str:
    return (
        "Choose **Your own** in the sidebar: set the sizes, upload a state_dict (Input sequence … → your own model), "
        "or, in a notebook, trace any module with `rnnviz.trace(module, x)`: every step is re-run and compared "
        "with the module's own output."
    )


LESSONS = (
    Lesson(
        "cell-anatomy",
        "Cell anatomy: a trained LSTM, one step at a time",
        STEP_PAGE,
        {"model": "sine-lstm", "unit": "20", "batch_first": "False"},
        facts.anatomy_facts,
        _anatomy,
        "Step to where cos(x) crosses zero: which gate of unit 20 changes most there, and which barely moves?",
    ),
    Lesson(
        "shapes",
        "batch_first and the shapes of every tensor",
        SHAPES_PAGE,
        {"cell": "LSTM", "hidden_size": "32", "batch_first": "True", "shapes_batch": "4", "shapes_seq_len": "40"},
        facts.layout_facts,
        _layout,
        "Turn batch_first off in the sidebar: which tensors swap their first two axes, and which stay?",
    ),
    Lesson(
        "train-rnn-vs-lstm",
        "Train sin → cos yourself: RNN vs LSTM",
        TRAIN_PAGE,
        {},
        facts.training_facts,
        _training,
        "Compare the two loss curves: when does the LSTM pull ahead? Then open the model in Step through.",
    ),
    Lesson(
        "bracket-counter",
        "A unit that counts brackets",
        STEP_PAGE,
        {"model": "brackets-lstm", "unit": "43", "batch_first": "False"},
        facts.bracket_facts,
        _brackets,
        "Type a deeper text, like ((((((a)))))): does unit 43 keep counting past depth 4, the deepest it saw in "
        "training? Then, in What if?, clamp f = 1: what happens to the count when nothing is forgotten?",
    ),
    Lesson(
        "why-gates",
        "Why gates: long memory and the gradient",
        MEMORY_PAGE,
        {},
        facts.gradient_facts,
        _gates,
        "Press Start and let the race run until a cell solves the task, then update the gradient view: how much of "
        "the gradient reaches step 0 now, for each cell? For the LSTM, pick a unit: what is its forget-gate path ∏f?",
    ),
    Lesson(
        "your-own-model",
        "Your own model",
        STEP_PAGE,
        {"model": "custom"},
        dict,
        _own,
        "Upload a state_dict you trained, or run the snippet below on your own module.",
        code=NOTEBOOK_SNIPPET,
    ),
)
LESSONS_BY_SLUG = {lesson.slug: lesson for lesson in LESSONS}


def next_lesson(lesson: Lesson) -> Lesson | None:
    index = LESSONS.index(lesson)
    return LESSONS[index + 1] if index + 1 < len(LESSONS) else None

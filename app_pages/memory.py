"""Memory & gradients: why gates exist. A long-range task that a vanilla RNN fails and an LSTM or GRU solves, where
it breaks as the sequences grow, and the gradient that reaches each step."""

import streamlit as st

from rnnviz.training.settings import CELLS
from rnnviz.ui.lessons.banner import lesson_banner
from rnnviz.ui.memory.export import export_and_handoff
from rnnviz.ui.memory.form import build_race, race_recipe_sidebar
from rnnviz.ui.memory.gradients import gradient_section
from rnnviz.ui.memory.race import draw_race
from rnnviz.ui.memory.sweep import sweep_section
from rnnviz.ui.memory.task import task_section
from rnnviz.ui.training.controls import FAST, run_buttons, speed_control
from rnnviz.ui.training.live import live_section
from rnnviz.ui.training.runs import compare_runs
from rnnviz.ui.training.session import RunSession

st.title("Memory & gradients")
lesson_banner("app_pages/memory.py")
st.write(
    "The other pages show *what* the gates compute. This one shows *why* they exist. A task that needs memory over "
    "T steps is trained live on a vanilla RNN, an LSTM and a GRU side by side: as T grows the RNN stops learning it, "
    "the gated cells do not. The reason is in the gradient: the loss's gradient reaches step t only through "
    "every step after it, and a vanilla RNN multiplies it by W_hh and tanh′ at each one, so it vanishes "
    "exponentially. An LSTM's cell state passes it on multiplied only by its forget gate: "
    "`∂c_T/∂c_t = ∏_k diag(f_k)` along that path."
)
session = RunSession("memory", build=build_race)
session.init_state()
recipe = race_recipe_sidebar()
race = session.run_for(recipe)

st.header("1. The task: the adding problem")
task_section(race.runs[0].trainer if race is not None else None)

st.header("2. The race: RNN vs LSTM vs GRU")
with run_buttons(session, recipe, race)[0]:
    pace = speed_control("memory.speed", default=FAST)
if race is None:
    st.info("Fix the settings in the sidebar to begin.", icon=":material/tune:")
else:
    if recipe is not None and not session.follows(recipe) and race.steps_done > 0:
        st.info(
            f"The settings changed. {race.name} keeps its own: press **Start new run** to race with the new ones.",
            icon=":material/info:",
        )
    s = race.runs[0].settings
    st.caption(
        f"{race.name}: {', '.join(run.settings.cell for run in race.runs)} with {s.hidden_size} units, T = {s.length}, "
        f"{s.batch_size} sequences per step, {s.optimizer} lr {s.lr:g}, "
        f"{'clip ' + format(s.clip, 'g') if s.clip else 'no clipping'}, seed {s.seed} · speed {pace.describe()}"
    )
    live_section(session, pace, draw_race)

st.header("3. Where it breaks: success vs T")
st.write(
    "A fresh run of each cell at each sequence length T, with a short budget: the share of held-out sequences "
    "answered, and where each cell stops solving the task."
)
sweep_section(recipe.settings if recipe else None, recipe.cells if recipe else CELLS, session)

st.header("4. Gradient flow")
st.write(
    "For the race's models as they are now and one held-out sequence: every number is a gradient from autograd with "
    "the model's own weights, checked against the module's forward and against finite differences."
)
gradient_section(session)

st.header("5. Runs compared")
runs = session.all_runs()
compare_runs(
    session,
    runs,
    "Every run of this session is kept here: race at another T or seed, then compare.",
    loss_name="MSE",
)

if race is not None:
    st.header("6. Look inside and export")
    export_and_handoff(session, race, runs)

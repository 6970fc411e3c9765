"""Train: sin -> cos, live. Read windows of sin(x), output cos(x); watch the loss, the prediction and the gates."""

import streamlit as st

from rnnviz.sine.trainer import SineTrainer
from rnnviz.ui.common.on_request import expander_when_open
from rnnviz.ui.lessons.banner import lesson_banner
from rnnviz.ui.sine.export import sine_export_section
from rnnviz.ui.sine.form import sine_settings_sidebar
from rnnviz.ui.sine.handoff import sine_handoff
from rnnviz.ui.sine.panels import draw_sine_run
from rnnviz.ui.step.handoff import handoff_button
from rnnviz.ui.training.controls import run_buttons, speed_control
from rnnviz.ui.training.live import live_section
from rnnviz.ui.training.runs import compare_runs
from rnnviz.ui.training.session import RunSession

st.title("Train: sin → cos")
lesson_banner("app_pages/train_sine.py")
st.write(
    "The classic first exercise: a recurrent network reads a window of sin(x) and must output cos(x) "
    "at every point. The same input value means different outputs on the rising and the falling side of the "
    "wave, so the model has to remember where it is: that memory is the hidden state. Each step trains on the "
    "next window of π; by default the hidden state is **carried** into the next window but **detached** "
    "(truncated backpropagation through time): its value goes on, its gradient stops."
)
code = expander_when_open("The model and one training step in PyTorch", icon=":material/code:", key="train.code")
if code is not None:  # nothing of it on the page's first load
    code.code(
        "model = nn.RNN(1, 32, batch_first=True)      # or nn.LSTM / nn.GRU (sidebar)\n"
        "head = nn.Linear(32, 1)\n"
        "x, target = sin(window), cos(window)        # (B, T, 1) each, window k = [k·π, (k+1)·π]\n"
        "out, h_n = model(x, h)                      # out (B, T, H); h_n (L, B, H), never batch-first\n"
        "loss = F.mse_loss(head(out), target)\n"
        "optimizer.zero_grad(); loss.backward(); optimizer.step()\n"
        "h = h_n.detach()                            # carried, not backpropagated (or None: reset)",
        language="python",
    )

COMPARE_HINT = (
    "Every run of this session is kept here. Try RNN, LSTM and GRU with the same seed: change the cell type and "
    "press Start new run."
)
session = RunSession("train", build=SineTrainer)
session.init_state()
settings = sine_settings_sidebar()
live = session.run_for(settings)
with run_buttons(session, settings, live)[0]:
    pace = speed_control("train.speed", default=50)

# ----- what happened ---------------------------------------------------------------------------------------------
if live is None:
    st.info("Fix the settings in the sidebar to begin.", icon=":material/tune:")
    compare_runs(session, session.all_runs(), COMPARE_HINT, loss_name="MSE")
    st.stop()
trainer = live.trainer
if trainer.diverged:
    st.error(
        f"Run {live.number}: {trainer.stop_reason} Earlier runs are kept in the comparison below.",
        icon=":material/warning:",
    )
elif trainer.finished:
    recent = trainer.recent_losses(50)
    st.success(
        f"Run {live.number}: {trainer.stop_reason} Mean loss over the last {len(recent)} steps: {recent.mean():.3g}.",
        icon=":material/check_circle:",
    )
if settings is not None and not session.follows(settings) and trainer.steps_done > 0:
    st.info(
        f"The settings changed. Run {live.number} keeps its own ({live.settings.cell}, lr {live.settings.lr:g}, "
        "...): press **Start new run** to train with the new ones.",
        icon=":material/info:",
    )
s = live.settings
st.caption(
    f"Run {live.number}: {s.cell}, hidden size {s.hidden_size}, {s.num_layers} layer(s), {s.optimizer} lr {s.lr:g}"
    f"{f' momentum {s.momentum:g}' if s.optimizer == 'SGD' else ''}, "
    f"{'clip ' + format(s.clip, 'g') if s.clip else 'no clipping'}, {s.points} points × {s.windows_per_batch} "
    f"window(s) per step, noise {s.noise:g}, state {'carried (detached)' if s.carries_state else 'reset'}, "
    f"seed {s.seed} · speed {pace.describe()}"
)

# ----- live view, comparison, hand-off, export ------------------------------------------------------------------------
live_section(session, pace, draw_sine_run)
runs = session.all_runs()
compare_runs(session, runs, COMPARE_HINT, loss_name="MSE")
st.subheader("Look inside")
handoff_button(session, sine_handoff, key="train.handoff")
sine_export_section(live, runs)

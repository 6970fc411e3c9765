"""Train: sin -> cos, live. Read windows of sin(x), output cos(x); watch the loss, the prediction and the gates."""

import streamlit as st

from rnnviz.ui import train_session as session
from rnnviz.ui.shell import ensure_app_shell
from rnnviz.ui.train_controls import settings_sidebar, speed_control
from rnnviz.ui.train_live import live_section
from rnnviz.ui.train_results import compare_runs, export_section, handoff_button

ensure_app_shell()

st.title("Train: sin → cos")
st.write(
    "The classic first exercise: a recurrent network reads a window of $\\sin(x)$ and must output $\\cos(x)$ "
    "at every point. The same input value means different outputs on the rising and the falling side of the "
    "wave, so the model has to remember where it is: that memory is the hidden state. Each step trains on the "
    "next window of $\\pi$; by default the hidden state is **carried** into the next window but **detached** "
    "(truncated backpropagation through time): its value goes on, its gradient stops."
)
with st.expander("The model and one training step in PyTorch", icon=":material/code:"):
    st.code(
        "model = nn.RNN(1, 32, batch_first=True)      # or nn.LSTM / nn.GRU (sidebar)\n"
        "head = nn.Linear(32, 1)\n"
        "x, target = sin(window), cos(window)        # (B, T, 1) each, window k = [k·π, (k+1)·π]\n"
        "out, h_n = model(x, h)                      # out (B, T, H); h_n (L, B, H), never batch-first\n"
        "loss = F.mse_loss(head(out), target)\n"
        "optimizer.zero_grad(); loss.backward(); optimizer.step()\n"
        "h = h_n.detach()                            # carried, not backpropagated (or None: reset)",
        language="python",
    )

session.init_state()
settings = settings_sidebar()
live = session.current_run_for(settings)
running = session.is_running()

# ----- controls --------------------------------------------------------------------------------------------------
controls = st.columns([1.5, 1.2, 1.2, 1.1, 4], vertical_alignment="bottom")
fresh = live is not None and live.trainer.steps_done == 0 and settings in (None, live.settings)
controls[0].button(
    "Start" if fresh else "Start new run",
    key="train.start",
    icon=":material/play_arrow:",
    type="primary",
    disabled=settings is None or (running and fresh),
    on_click=session.start,
    args=(settings,),
    help="Train the run shown below (a run that has trained is kept in the comparison and a new one begins).",
)
can_resume = live is not None and not live.trainer.finished and live.trainer.steps_done > 0
controls[1].button(
    "Pause" if running else "Resume",
    key="train.pause",
    icon=":material/pause:" if running else ":material/resume:",
    disabled=not (running or can_resume),
    on_click=session.toggle_pause,
)
controls[2].button(
    "One step",
    key="train.step",
    icon=":material/skip_next:",
    disabled=live is None and settings is None,
    on_click=session.one_step,
    args=(settings,),
)
controls[3].button(
    "Reset",
    key="train.reset",
    icon=":material/restart_alt:",
    disabled=live is None,
    on_click=session.reset,
    args=(settings,),
    help="Stop and begin a fresh, untrained run; the current one stays in the comparison.",
)
with controls[4]:
    pace = speed_control()

# ----- what happened ---------------------------------------------------------------------------------------------
if live is None:
    st.info("Fix the settings in the sidebar to begin.", icon=":material/tune:")
    compare_runs(session.all_runs())
    st.stop()
if live.trainer.diverged:
    st.error(
        f"Run {live.number}: {live.trainer.stop_reason} Earlier runs are kept in the comparison below.",
        icon=":material/warning:",
    )
elif live.trainer.finished:
    recent = live.trainer.recent_losses(50)
    st.success(
        f"Run {live.number}: {live.trainer.stop_reason} Mean loss over the last {len(recent)} steps: "
        f"{recent.mean():.3g}.",
        icon=":material/check_circle:",
    )
if settings is not None and live.settings != settings and live.trainer.steps_done > 0:
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
live_section(pace)
runs = session.all_runs()
compare_runs(runs)
st.subheader("Look inside")
handoff_button(live)
export_section(live, runs)

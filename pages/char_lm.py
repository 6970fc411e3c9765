"""Language model: train a character-level RNN/LSTM/GRU live, sample from it, and see which units track what."""

import streamlit as st

from rnnviz.char_inspect import pick_inspect_text
from rnnviz.char_model import training_step_code
from rnnviz.ui import char_session as session
from rnnviz.ui.char_controls import plain, sample_controls, settings_sidebar, shapes_table
from rnnviz.ui.char_corpus import corpus_picker, default_prefixes
from rnnviz.ui.char_export import export_section
from rnnviz.ui.char_inside import inside_section
from rnnviz.ui.char_live import live_section, perplexity_figure
from rnnviz.ui.shell import ensure_app_shell

ensure_app_shell()

st.title("Language model")
st.write(
    "A character-level language model reads a text one character at a time and predicts the next one. Text "
    "becomes vocabulary indices, indices become one-hot vectors (or learned embeddings), a recurrent layer turns "
    "them into hidden states, and a linear layer maps each state to a score for every character. Training "
    "minimises the cross-entropy; its exponential, the **perplexity**, is how many characters the model is "
    "still choosing between on average. Train one live, sample from it, then look inside."
)
session.init_state()
settings = settings_sidebar()

# ----- 1. the text --------------------------------------------------------------------------------------------
st.header("1. The text")
corpus = corpus_picker()
trainer = session.trainer_for(corpus, settings)
if session.build_error() is not None:
    st.error(plain(f"These settings cannot train on this text: {session.build_error()}"), icon=":material/error:")

# ----- 2. the model and one batch -------------------------------------------------------------------------------
st.header("2. The model and one batch")
if settings is not None and corpus is not None:
    st.code(training_step_code(settings, corpus.vocabulary.size), language="python")
    shapes_table(settings, corpus.vocabulary.size)
if trainer is None or (corpus is None and not trainer.steps_done):
    st.info("Choose a text and valid settings to begin.", icon=":material/tune:")
    st.stop()

# ----- 3. training ---------------------------------------------------------------------------------------------
st.header("3. Training")
running = session.is_running()
buttons = st.columns([1, 1, 1.3, 0.2, 3], vertical_alignment="bottom")
buttons[0].button(
    "Pause" if running else ("Resume" if trainer.steps_done else "Start"),
    key="lm.start",
    icon=":material/pause:" if running else ":material/play_arrow:",
    type="primary",
    disabled=trainer.finished,
    on_click=session.pause if running else session.start,
)
buttons[1].button(
    "Reset",
    key="lm.reset",
    icon=":material/restart_alt:",
    on_click=session.reset,
    args=(corpus, settings),
    help="Stop and begin a fresh, untrained run with the current text and settings.",
)
buttons[2].button("Sample now", key="lm.sample_now", icon=":material/edit_note:", on_click=session.sample_now)
if trainer.steps_done and not session.follows(corpus, settings):
    buttons[4].info("The text or settings changed: this run keeps its own. **Reset** trains with the new ones.",
                    icon=":material/info:")  # fmt: skip
samples = session.current_samples()
if samples is not None:
    text_name = session.trainer_corpus_name()
    samples.spec = sample_controls(text_name, default_prefixes(text_name, trainer.text), trainer.vocabulary)
live_section(session.trainer_entropy())

# ----- 4. inside -----------------------------------------------------------------------------------------------
st.header("4. Inside the model")
st.write(
    "Rows are hidden units, columns are the characters of a text, the colour is a unit's value after reading "
    "that character. Units are ranked by how closely their hidden state follows a simple feature of the text."
)
held_out = trainer.text[-trainer.validation_chars :] if trainer.validation_chars else trainer.text
inside_section(trainer, pick_inspect_text(held_out), session.trainer_corpus_name(), session.is_running())

# ----- 5. export -----------------------------------------------------------------------------------------------
export_section(trainer, samples, perplexity_figure(trainer, session.trainer_entropy()))

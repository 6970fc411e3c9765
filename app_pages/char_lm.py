"""Language model: train a character-level RNN/LSTM/GRU live, sample from it, and see which units track what."""

import streamlit as st

from rnnviz.charlm.inspect import pick_inspect_text
from rnnviz.charlm.model import training_step_code
from rnnviz.ui.charlm.corpus import corpus_picker, default_prefixes
from rnnviz.ui.charlm.export import char_export_section
from rnnviz.ui.charlm.form import char_settings_sidebar, sample_controls, shapes_table
from rnnviz.ui.charlm.handoff import char_handoff
from rnnviz.ui.charlm.inside import inside_section
from rnnviz.ui.charlm.panels import draw_char_run
from rnnviz.ui.charlm.recipe import CharRecipe, build_char_trainer
from rnnviz.ui.common.text import code_block, escape_markdown
from rnnviz.ui.step.handoff import handoff_button
from rnnviz.ui.training.controls import FAST, run_buttons, speed_control
from rnnviz.ui.training.live import live_section
from rnnviz.ui.training.runs import compare_runs
from rnnviz.ui.training.session import RunSession

st.title("Language model")
st.write(
    "A character-level language model reads a text one character at a time and predicts the next one. Text "
    "becomes vocabulary indices, indices become one-hot vectors (or learned embeddings), a recurrent layer turns "
    "them into hidden states, and a linear layer maps each state to a score for every character. Training "
    "minimises the cross-entropy; its exponential, the **perplexity**, is how many characters the model is "
    "still choosing between on average. Train one live, sample from it, then look inside."
)
session = RunSession("lm", build=build_char_trainer)
session.init_state()
settings = char_settings_sidebar()

# ----- 1. the text --------------------------------------------------------------------------------------------
st.header("1. The text")
corpus = corpus_picker()
recipe = CharRecipe.of(corpus, settings) if corpus is not None and settings is not None else None
live = session.run_for(recipe)
if session.build_error() is not None:
    message = f"These settings cannot train on this text: {session.build_error()}"
    st.error(escape_markdown(message), icon=":material/error:")

# ----- 2. the model and one batch -------------------------------------------------------------------------------
st.header("2. The model and one batch")
if recipe is not None:
    code_block(training_step_code(settings, corpus.vocabulary.size))
    shapes_table(settings, corpus.vocabulary.size)
if live is None or (corpus is None and not live.trainer.steps_done):
    st.info("Choose a text and valid settings to begin.", icon=":material/tune:")
    st.stop()
trainer = live.trainer

# ----- 3. training ---------------------------------------------------------------------------------------------
st.header("3. Training")
with run_buttons(session, recipe, live)[0]:
    pace = speed_control("lm.speed", default=FAST)
if trainer.steps_done and not session.follows(recipe):
    st.info(
        "The text or settings changed: this run keeps its own. **Start new run** trains with the new ones.",
        icon=":material/info:",
    )
trainer.samples.spec = sample_controls(
    trainer.name,
    default_prefixes(trainer.name, trainer.text),
    trainer.vocabulary,
    sample_now=lambda: trainer.samples.take(trainer, trainer.epochs_done),
)
live_section(session, pace, draw_char_run)
compare_runs(
    session,
    session.all_runs(),
    "Every run of this session is kept here. Try RNN, LSTM and GRU with the same seed: change the cell type and "
    "press Start new run.",
    loss_name="cross-entropy",
)

# ----- 4. inside -----------------------------------------------------------------------------------------------
st.header("4. Inside the model")
st.write(
    "Rows are hidden units, columns are the characters of a text, the colour is a unit's value after reading "
    "that character. Units are ranked by how closely their hidden state follows a simple feature of the text."
)
held_out = trainer.text[-trainer.validation_chars :] if trainer.validation_chars else trainer.text
inside_text = pick_inspect_text(held_out)
inside_section(trainer, inside_text, trainer.name, session.is_running())
handoff_button(session, char_handoff(inside_text), key="lm.handoff")

# ----- 5. export -----------------------------------------------------------------------------------------------
char_export_section(live, session.all_runs())

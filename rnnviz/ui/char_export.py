"""Downloads of a language-model run: samples (.txt), perplexity history (.csv), checkpoint (.pt: state_dict +
vocabulary + settings JSON), a standalone reproduce script (.py) and the perplexity figure (PNG/SVG/HTML).

Files are made only when their button is clicked (``data=`` a function, ``on_click="ignore"``); the trainer's
lock keeps a checkpoint from being taken halfway through an optimizer step.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from rnnviz.char_samples import EpochSamples
from rnnviz.char_train import CharTrainer
from rnnviz.export import MIME_TYPES
from rnnviz.ui.results import figure_downloads


def export_section(trainer: CharTrainer, samples: EpochSamples | None, figure: go.Figure) -> None:
    with st.expander("Export", icon=":material/download:"):
        columns = st.columns(4)
        columns[0].download_button(
            "Samples (.txt)", data=lambda: samples.as_text() if samples is not None else "", file_name="samples.txt",
            mime="text/plain", key="lm.export.samples", on_click="ignore", icon=":material/download:",
            disabled=samples is None or not samples.samples,
        )  # fmt: skip
        columns[1].download_button(
            "Perplexity per epoch (.csv)", data=trainer.history_csv, file_name="perplexity.csv",
            mime=MIME_TYPES["csv"], key="lm.export.csv", on_click="ignore", icon=":material/download:",
        )  # fmt: skip
        columns[2].download_button(
            "Checkpoint (.pt)", data=trainer.checkpoint_bytes, file_name="char_lm_checkpoint.pt",
            mime="application/octet-stream", key="lm.export.checkpoint", on_click="ignore",
            icon=":material/download:", help="torch.save of state_dict, vocabulary and settings (JSON strings): "
            "loads with torch.load(..., weights_only=True)",
        )  # fmt: skip
        columns[3].download_button(
            "Reproduce in PyTorch (.py)", data=trainer.reproduce_script, file_name="reproduce_char_lm.py",
            mime=MIME_TYPES["py"], key="lm.export.script", on_click="ignore", icon=":material/download:",
            help="A standalone script with the text embedded: reruns this run from the start in plain PyTorch",
        )  # fmt: skip
        st.markdown("**The perplexity curve**")
        figure_downloads(figure, "perplexity", key="lm.export.figure")

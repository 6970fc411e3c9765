"""rnnviz: the Streamlit entry point. Page config and navigation only; each page lives in app_pages/.

Every run also marks this session active (sessions idle too long give back their trainers: ``keep_alive``).

The folder is not called ``pages/``: Streamlit treats a ``pages/`` folder next to the entry point as a legacy
multipage app, which an app that calls ``st.navigation`` does not want.
"""

from pathlib import Path

import streamlit as st

from rnnviz.ui.common.idle import keep_alive
from rnnviz.ui.common.warmup import warm_up_once

#: The tab icon is a file served by this server: a ``:material/...:`` page icon makes the browser fetch an SVG
#: from an external font server, which fails offline (the sidebar's Material icons ship with Streamlit).
PAGE_ICON = Path(__file__).parent / "assets" / "icon.png"

st.set_page_config(page_icon=PAGE_ICON, layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Overview", icon=":material/home:", default=True),
    st.Page("app_pages/step_through.py", title="Step through", icon=":material/step:"),
    st.Page("app_pages/shapes.py", title="Shapes & layouts", icon=":material/view_in_ar:"),
    st.Page("app_pages/train_sine.py", title="Train: sin → cos", icon=":material/show_chart:"),
    st.Page("app_pages/char_lm.py", title="Language model", icon=":material/text_fields:"),
    st.Page("app_pages/memory.py", title="Memory & gradients", icon=":material/memory:"),
]

keep_alive()
page = st.navigation(PAGES)
# The sidebar shows each page's own title; the browser tab says which app it is, too.
st.set_page_config(page_title=f"rnnviz · {page.title}")
warm_up_once()  # the process's first run pays, once, what every page would pay on its first visit
page.run()

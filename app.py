"""rnnviz: the Streamlit entry point. Page config and navigation only; each page lives in pages/."""
import streamlit as st

# No page_title here: each st.Page title names its browser tab ("Step through · rnnviz" would be nicer, but a
# page_title set here would override every page's own title).
st.set_page_config(page_icon=":material/timeline:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/step_through.py", title="Step through", icon=":material/step:"),
    st.Page("pages/shapes.py", title="Shapes & layouts", icon=":material/view_in_ar:"),
    st.Page("pages/train_sine.py", title="Train: sin → cos", icon=":material/show_chart:"),
    st.Page("pages/char_lm.py", title="Language model", icon=":material/text_fields:"),
]

st.navigation(PAGES).run()

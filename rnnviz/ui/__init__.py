"""The only part of rnnviz that imports streamlit: shared widgets, download rows, cached calls."""

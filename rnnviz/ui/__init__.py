"""The only part of rnnviz that imports streamlit: one sub-package per page (``step``, ``shapes``, ``sine``,
``charlm``), what the training pages share (``training``) and what every page uses (``common``)."""

"""Pure figure functions: numpy arrays in, ``plotly.graph_objects.Figure`` out. They never run a model."""
from rnnviz.figures.heatmaps import unit_time_heatmap

__all__ = ["unit_time_heatmap"]

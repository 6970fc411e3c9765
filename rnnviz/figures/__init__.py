"""Pure figure functions: numpy arrays in, ``plotly.graph_objects.Figure`` out. They never run a model."""

from rnnviz.figures.heatmaps import packed_batch_heatmap, unit_time_heatmap
from rnnviz.figures.lines import sequence_lines

__all__ = ["packed_batch_heatmap", "sequence_lines", "unit_time_heatmap"]

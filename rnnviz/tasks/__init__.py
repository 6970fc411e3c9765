"""Datasets for the training pages: windows of sin(x) -> cos(x) (``rnnviz.tasks.sine``)."""
from rnnviz.tasks.sine import SineBatch, SineStretch, SineWindows, evaluation_stretch, window_positions

__all__ = ["SineBatch", "SineStretch", "SineWindows", "evaluation_stretch", "window_positions"]

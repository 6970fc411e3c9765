"""The Shapes & layouts page's cached checks and section renderers."""

"""The Train: sin -> cos page's parts: its settings form, what it draws of a run, the hand-off, its exports."""

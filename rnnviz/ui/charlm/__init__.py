"""The Language model page's parts: its settings form, the text, what it draws of a run, inside the model,
its exports."""

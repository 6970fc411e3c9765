"""The Memory & gradients page's parts: the sidebar (cells and settings), the task, what it draws of the race,
the sweep, the gradient views, the hand-off and exports."""

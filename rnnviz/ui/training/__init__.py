"""What every training page shares: the run session (current run, earlier runs), the buttons and speed control,
the live fragment, the runs comparison."""

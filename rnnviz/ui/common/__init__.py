"""Widgets and helpers every page uses: the shared model sidebar (kept in the URL), settings forms, the time
scrubber, badges, downloads, and showing user text literally."""

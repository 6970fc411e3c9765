"""Reference models: trained by the project's own code (``make models``), shipped in assets/models with cards
computed from the models themselves."""

"""Lessons: a guided path through the app, each a real view opened in a prepared state, its claims measured."""

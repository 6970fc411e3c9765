"""Fixtures for every test: torch's process-wide thread count is restored after each test, and each test has a
fresh process-wide training gate (runs left running by one test must not hold the slots of the next)."""

from __future__ import annotations

import pytest
import torch

from rnnviz.training import admission


@pytest.fixture(autouse=True)
def restore_torch_threads():
    """The trainers set torch's (process-wide) thread count to 1; every test gets the count it started with back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def training_gate(monkeypatch) -> admission.TrainingGate:
    """A fresh process gate (8 slots) for each test; a test may replace it to test the queue."""
    gate = admission.TrainingGate(8)
    monkeypatch.setattr(admission, "_process_gate", gate)
    return gate

"""Fixtures for every test: torch's process-wide thread count is restored after each test."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def restore_torch_threads():
    """The trainers set torch's (process-wide) thread count to 1; every test gets the count it started with back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)

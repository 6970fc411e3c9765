"""Fixtures of the AppTests (helpers live in ``tests.app.helpers``)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import HOME, open_page


@pytest.fixture
def home() -> AppTest:
    return open_page(HOME)

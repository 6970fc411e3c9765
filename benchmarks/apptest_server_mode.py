"""Make AppTest run pages the way a running server does, so benchmarks time one script run per rerun.

AppTest resets Streamlit's "legacy pages/ folder" flag before every run; each run would then execute the
page file alone and rerun through app.py (rnnviz.ui.shell's guard for a server's first deep link), timing
two script runs instead of one. tests/app/conftest.py does the same for the AppTests.
"""
from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager

_original_init = PagesManager.__init__


def _init_like_a_server(self, *args, **kwargs) -> None:
    _original_init(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


PagesManager.__init__ = _init_like_a_server

"""Two app replicas behind Debian's HAProxy on loopback ports, configured by the shipped deploy/haproxy/haproxy.cfg.

Only the block between its ``# replicas: begin`` / ``# replicas: end`` markers is replaced (loopback servers
instead of Docker's DNS) and the balancer binds to a free loopback port; everything else (cookie affinity,
timeouts, health checks, redispatch) is the file as shipped. Every process is started here and stopped here,
by its own PID.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    ROOT,
    _free_loopback_port,
    _health_ok,
    _in_ci,
    _stop,
    _tail,
    start_streamlit_server,
    wait_until_healthy,
)

CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
BEGIN, END = "# replicas: begin", "# replicas: end"
BALANCER_START_TIMEOUT_S = 30


def require_haproxy() -> None:
    """Skip (locally) or fail (CI=true) when Debian's haproxy is missing."""
    if os.access(HAPROXY, os.X_OK):
        return
    message = "the load-balancer test needs haproxy (`make test` installs it; or `sudo apt-get install -y haproxy`)"
    if _in_ci():
        pytest.fail(f"{message}. CI=true, so it fails instead of being skipped.", pytrace=False)
    pytest.skip(message)


def loopback_config(replicas: dict[str, str]) -> str:
    """The shipped configuration with ``replicas`` (name -> "127.0.0.1:port") as its servers."""
    text = CONFIG.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    indent = head.rsplit("\n", 1)[1]
    servers = "\n".join(f"{indent}server {name} {address} check" for name, address in replicas.items())
    return f"{head}{BEGIN}\n{servers}\n{indent}{END}{tail}"


@dataclass
class Classroom:
    """The balancer's URL and the replicas behind it (name -> process)."""

    url: str
    replicas: dict[str, subprocess.Popen]

    def kill(self, name: str) -> None:
        """Kill one replica (SIGKILL to the process this test started, like a crash) and wait for it."""
        process = self.replicas[name]
        process.kill()
        process.wait(timeout=10)


@contextmanager
def run_classroom(count: int = 2) -> Iterator[Classroom]:
    """``count`` streamlit servers and HAProxy in front of them, all on loopback; stopped on exit."""
    with ExitStack() as stack:
        started = {f"app{i + 1}": start_streamlit_server(f"replica-app{i + 1}.log") for i in range(count)}
        for process, _, _ in started.values():
            stack.callback(_stop, process)
        for process, url, log in started.values():
            wait_until_healthy(process, url, log)
        config = ARTIFACTS / "haproxy-loopback.cfg"
        config.write_text(loopback_config({name: url.removeprefix("http://") for name, (_, url, _) in started.items()}))
        port = _free_loopback_port()
        log_path = ARTIFACTS / "haproxy.log"
        environment = {**os.environ, "RNNVIZ_LB_BIND": f"127.0.0.1:{port}"}
        with log_path.open("wb") as log:
            balancer = subprocess.Popen(
                [HAPROXY, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT, env=environment
            )
        stack.callback(_stop, balancer)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + BALANCER_START_TIMEOUT_S
        while not _health_ok(url):
            if balancer.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"haproxy did not answer on {url}:\n{_tail(log_path)}", pytrace=False)
            time.sleep(0.25)
        yield Classroom(url, {name: process for name, (process, _, _) in started.items()})

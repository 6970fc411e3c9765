"""A classroom through a real load balancer: two replicas behind HAProxy (deploy/haproxy/haproxy.cfg), loopback only.

Every browser session keeps its replica (its cookie, every HTTP response, its WebSocket: an upload, which
Streamlit accepts only from the session's own server, works); live training works on both replicas at once; a
replica killed mid-lesson sends new sessions to the survivor, whose sessions carry on.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.browser.balancer import CONFIG, HAPROXY, Classroom, require_haproxy, run_classroom
from tests.browser.conftest import App, open_app

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or, under CI=true, fail) with an install hint
    expect = None

#: Bounded in time: two servers, haproxy and a few chromium sessions on a machine that may be busy.
pytestmark = pytest.mark.timeout(900)
TRAINING_TIMEOUT_MS = 180_000
#: How long a changed element may take to show: the machine may be shared with other test runs.
SHOWN_MS = 60_000
#: A fresh replica's first page (torch, plotly, the first traces), with the other sessions opening at once.
FIRST_RUN_MS = 180_000
TRAIN, LANGUAGE = "/train_sine", "/char_lm"
LESSON = "循环神经网络一步一步地读入序列。The hidden state carries what came before.\n" * 40


@pytest.fixture(scope="module")
def classroom(browser_prerequisites: None) -> Iterator[Classroom]:
    require_haproxy()
    with run_classroom(2) as running:
        yield running


def replica_of(app: App) -> str:
    """The one replica that answered every HTTP request of this session (HAProxy's X-Rnnviz-Replica header)."""
    assert len(app.replicas) == 1, f"{app.test_name} was served by {sorted(app.replicas)}"
    return next(iter(app.replicas))


def record_replica(app: App, url: str, response) -> None:
    """Note which replica answered a response from the balancer (blob: and data: URLs never reach it)."""
    if response.url.startswith(url):
        app.replicas.add(response.headers.get("x-rnnviz-replica") or f"no replica header: {response.url}")


def sessions(stack: ExitStack, chromium, classroom: Classroom, request, paths: list[str], tag: str) -> list[App]:
    """New browser sessions through the balancer, one on each of ``paths``, each recording which replicas
    answer its HTTP requests."""
    apps = []
    for i, path in enumerate(paths):
        app = stack.enter_context(open_app(chromium, classroom.url, request, name=f"{request.node.name}_{tag}{i}"))
        app.replicas = set()
        app.page.on("response", lambda response, app=app: record_replica(app, classroom.url, response))
        with app.expect_rerun(timeout_ms=FIRST_RUN_MS):
            app.page.goto(classroom.url + path)
        apps.append(app)
    return apps


def start_training(app: App) -> None:
    """Start the sine page's run (the reference setup, 300 steps at the default 50 steps/s)."""
    with app.expect_rerun():
        app.page.get_by_role("button", name="Start", exact=True).click()
    expect(app.page.get_by_role("button", name="Pause")).to_be_visible(timeout=SHOWN_MS)


def expect_finished(app: App) -> None:
    finished = app.page.get_by_text("Finished: all 300 steps done")
    expect(finished).to_be_visible(timeout=TRAINING_TIMEOUT_MS)


def upload_text(app: App) -> None:
    """Upload a text on the Language model page: the file goes over HTTP to the session's own replica."""
    main = app.page.get_by_test_id("stMain")
    with app.expect_rerun():
        main.get_by_text("Your own text (upload a .txt)").click()
    with app.expect_rerun():
        main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            files=[{"name": "lesson.txt", "mimeType": "text/plain", "buffer": LESSON.encode()}]
        )
    expect(main.get_by_text("A sample of “Your text: lesson.txt” and its vocabulary")).to_be_visible(timeout=SHOWN_MS)
    label = app.page.get_by_test_id("stMetricLabel").get_by_text("Characters", exact=True)
    characters = main.get_by_test_id("stMetric").filter(has=label).get_by_test_id("stMetricValue")
    expect(characters).to_have_text(f"{len(LESSON):,}", timeout=SHOWN_MS)


def test_the_shipped_configuration_is_valid():
    require_haproxy()
    check = subprocess.run([HAPROXY, "-c", "-f", str(CONFIG)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr


def test_sessions_keep_their_replica_while_they_train_and_upload(classroom, chromium, request):
    with ExitStack() as stack:
        trainers = sessions(stack, chromium, classroom, request, [TRAIN, TRAIN], "train")
        assert sorted(replica_of(app) for app in trainers) == ["app1", "app2"]  # new sessions are spread
        for app in trainers:  # both replicas train at once
            start_training(app)
        (uploader,) = sessions(stack, chromium, classroom, request, [LANGUAGE], "upload")
        upload_text(uploader)  # while the others train
        for app in trainers:
            expect_finished(app)
        for app in [*trainers, uploader]:
            replica_of(app)  # still one replica for every request: nobody changed replica on the way
            cookies = {c["name"] for c in app.page.context.cookies()}
            assert "RNNVIZ_REPLICA" in cookies, cookies
            app.screenshot("done")
            app.assert_healthy()


def test_a_killed_replica_sends_new_sessions_to_the_survivor(classroom, chromium, request):
    with ExitStack() as stack:
        apps = sessions(stack, chromium, classroom, request, [TRAIN, TRAIN], "before")
        by_replica = {replica_of(app): app for app in apps}
        assert sorted(by_replica) == ["app1", "app2"]
        survivor = by_replica["app2"]
        start_training(survivor)
        classroom.kill("app1")  # mid-session: the survivor is training right now

        expect_finished(survivor)  # the survivor's session carried on
        assert replica_of(survivor) == "app2"
        survivor.assert_healthy()

        newcomers = sessions(stack, chromium, classroom, request, [LANGUAGE, TRAIN], "after")
        assert [replica_of(app) for app in newcomers] == ["app2", "app2"]
        upload_text(newcomers[0])
        start_training(newcomers[1])
        expect_finished(newcomers[1])
        for app in newcomers:
            app.screenshot("done")
            app.assert_healthy()

"""Every lesson link: its page opens in the stated state, the banner says what the page shows (the numbers
measured again from the page's own figures), the next lesson is linked, and a link wins over what the session
kept from earlier."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.charlm.inspect import CLOSING, OPENING, character_features
from rnnviz.lessons.catalog import LESSON_PARAM, LESSONS, LESSONS_BY_SLUG, next_lesson
from rnnviz.lessons.facts import gradient_facts, pearson
from rnnviz.sine.data import sine_task_input
from rnnviz.ui.memory.gradients import UNTRAINED_KEY
from tests.app.helpers import HOME, array, errors, figures, markdown_tables, open_page


def open_lesson(slug: str):
    lesson = LESSONS_BY_SLUG[slug]
    return open_page(lesson.page, lesson.link_params, model=None)


def banner(at) -> str:
    return " ".join(m.value for m in at.markdown)


def row(at, quantity: str, unit: int) -> np.ndarray:
    figure = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith(f"{quantity}_t"))
    return array(figure["data"][0]["z"])[unit]


def page_links(at) -> list:
    return [e for e in at.get("page_link")]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_every_lesson_opens_its_page_with_its_banner_and_the_next_link(lesson):
    at = open_lesson(lesson.slug)
    assert not at.exception and not errors(at)
    number = LESSONS.index(lesson) + 1
    assert f"Lesson {number} of {len(LESSONS)}: {lesson.title}" in banner(at)
    assert lesson.question in banner(at)
    following = next_lesson(lesson)
    links = page_links(at)
    if following is not None:
        link = next(e for e in links if e.proto.label == f"Next lesson: {following.title}")
        assert following.page.split("/")[-1].removesuffix(".py") in link.proto.page
        assert f"{LESSON_PARAM}={following.slug}" in link.proto.query_string
    else:
        assert any(e.proto.label == "Back to the lessons" for e in links)


def test_cell_anatomy_shows_unit_20_following_cos_as_it_says():
    at = open_lesson("cell-anatomy")
    assert at.sidebar.selectbox(key="model").value == "sine-lstm"
    assert at.number_input(key="step.unit").value == 20
    task = sine_task_input(10)
    r = pearson(row(at, "h", 20), task.target[:, 0])  # from the page's own heatmap
    assert f"r = {r:.2f}" in banner(at) and r >= 0.9


def test_the_bracket_lesson_shows_unit_43_counting_as_it_says():
    at = open_lesson("bracket-counter")
    assert at.sidebar.selectbox(key="model").value == "brackets-lstm"
    assert at.number_input(key="step.unit").value == 43
    text = at.text_area(key="step.text").value
    c = row(at, "c", 43)
    depth = character_features(text)["bracket depth"]
    change = np.diff(np.concatenate([[0.0], c]))
    brackets = [t for t, ch in enumerate(text) if ch in OPENING + CLOSING]
    agree = sum(np.sign(change[t]) == (1 if text[t] in OPENING else -1) for t in brackets)
    assert f"at {agree} of the {len(brackets)} brackets" in banner(at)
    assert f"r = {pearson(c, depth):.2f}" in banner(at)


def test_the_shapes_lesson_shows_the_shapes_it_quotes():
    at = open_lesson("shapes")
    assert at.sidebar.toggle(key="batch_first").value is True
    assert at.number_input(key="shapes.batch").value == 4 and at.number_input(key="shapes.seq_len").value == 40
    shapes = {row["name"]: row["shape"] for row in markdown_tables(at)[0]}  # the page's tensor table
    for name, shape in (("input", "(4, 40, 1)"), ("output", "(4, 40, 32)"), ("h_n", "(1, 4, 32)")):
        assert shape in banner(at) and str(shapes[name]) == shape


def test_the_gates_lesson_quotes_the_gradient_view_of_the_page():
    at = open_lesson("why-gates")
    button = at.button(key=f"{UNTRAINED_KEY}.button")
    assert f"press **{button.label}**" in banner(at)  # the lesson names the button that shows the view
    button.click().run()
    captions = " ".join(c.value for c in at.caption)
    for cell, factor in gradient_facts()["factors"].items():
        assert f"{factor:.1e} ({cell})" in banner(at) and f"{cell} by a factor {factor:.1e}" in captions


def test_your_own_model_lesson_opens_the_sidebar_model():
    at = open_lesson("your-own-model")
    assert at.sidebar.selectbox(key="model").value == "custom"
    assert at.sidebar.slider(key="hidden_size").value == 16
    assert any("rnnviz.trace(module, x)" in c.value for c in at.code)


def test_a_lesson_link_wins_over_what_the_session_kept():
    at = open_page(LESSONS[0].page, {"model": "custom", "unit": "3"}, model=None)
    assert at.sidebar.selectbox(key="model").value == "custom"
    at.query_params.clear()
    for name, value in LESSONS[0].link_params.items():
        at.query_params[name] = value
    at.run()
    assert at.sidebar.selectbox(key="model").value == "sine-lstm"
    assert at.number_input(key="step.unit").value == 20


def test_the_overview_lists_every_lesson_in_order():
    at = open_page(HOME, model=None)
    labels = [e.proto.label for e in page_links(at)]
    assert labels[: len(LESSONS)] == [f"{n}. {lesson.title}" for n, lesson in enumerate(LESSONS, 1)]
    for link, lesson in zip(page_links(at), LESSONS, strict=False):
        assert f"{LESSON_PARAM}={lesson.slug}" in link.proto.query_string

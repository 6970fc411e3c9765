"""The guided start in a real browser: the Overview opens on a trained, verified model; its lessons are followed
by clicks from the first to the last and back (a screenshot of each); Step through runs the bracket model on a
typed text, labels every step with the character it reads, and drops unknown characters on request."""

from __future__ import annotations

import re

from rnnviz.charlm.corpora import visible
from rnnviz.lessons.catalog import LESSON_PARAM, LESSONS
from rnnviz.reference.inputs import bracket_sample_line
from rnnviz.reference.load import char_model, load_reference
from rnnviz.ui.common.model_choice import model_label
from tests.browser.test_pages import OVERVIEW_TITLE, check_badge, module_code

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or, under CI=true, fail) with an install hint
    expect = None

PAGE_PATHS = {
    "app_pages/step_through.py": "/step_through",
    "app_pages/shapes.py": "/shapes",
    "app_pages/train_sine.py": "/train_sine",
    "app_pages/memory.py": "/memory",
}
UNIT_LABEL = "Unit k (for the equations)"


def banner(app):
    return app.page.locator(".st-key-lesson-banner")


def plain(markdown: str) -> str:
    """A lesson's markdown as the page shows it as text (bold and code marks gone)."""
    return markdown.replace("**", "").replace("`", "")


def unit_input(app):
    main = app.page.get_by_test_id("stMain")
    return main.get_by_test_id("stNumberInput").filter(has_text=UNIT_LABEL).locator("input")


def viewer(app):
    return app.page.get_by_test_id("step-viewer")


def t_label(app) -> str:
    return viewer(app).locator(".t-label").inner_text()


def x_card(app) -> str:
    """The x_t card of the cell diagram (the viewer lives in a shadow root; CSS locators reach into it)."""
    return app.page.locator("#val-x").text_content()


def coloured_by(app) -> int | None:
    """The unit whose c_t colours the text in the "The text coloured by unit k's c_t" figure."""
    titles = [chart.title for chart in app.heatmaps()]
    found = [re.match(r"The text coloured by unit (\d+)'s c_t", title) for title in titles]
    units = [int(match[1]) for match in found if match]
    assert len(units) <= 1, titles
    return units[0] if units else None


def wait_for_viewer(app) -> None:
    viewer(app).locator(".equation").first.wait_for(timeout=60_000)
    app.wait_until_idle()


def check_lesson(app, number: int) -> None:
    """The page of lesson ``number`` (1-based) is open with its banner: title, the measured notice, the question."""
    lesson = LESSONS[number - 1]
    assert app.path() == PAGE_PATHS[lesson.page]
    assert app.query_params().get(LESSON_PARAM) == lesson.slug
    expect(banner(app)).to_have_count(1)
    expect(banner(app).locator("strong").first).to_have_text(f"Lesson {number} of {len(LESSONS)}: {lesson.title}")
    text = banner(app).inner_text()
    assert plain(lesson.notice(lesson.measure())) in text  # the numbers measured on the model, as the page says
    assert f"Try this: {plain(lesson.question)}" in text
    app.assert_healthy()


def follow(app, link_name: str) -> None:
    """Click the page link named ``link_name`` in the lesson banner and wait for the page it opens."""
    link = banner(app).get_by_role("link", name=re.compile(re.escape(link_name)))
    expect(link).to_have_count(1)
    with app.expect_rerun():
        link.click()


# --------------------------------------------------------------------------- the Overview's default


def test_the_overview_opens_on_the_trained_sine_lstm_verified(app):
    app.goto("/")
    assert app.title() == OVERVIEW_TITLE
    expect(app.selectbox_input("Model")).to_have_value(model_label("sine-lstm"))
    main = app.page.get_by_test_id("stMain")
    reading = re.compile(r"reading its task's input, sin\(x\) from 0 to 4π")
    expect(main.get_by_role("heading", name=reading)).to_have_count(1)
    check_badge(app, "LSTM")  # "matches torch.nn.LSTM forward", within its tolerance, in green
    assert "torch.nn.LSTM(1, 32)" in module_code(app)
    charts = app.heatmaps()
    assert [c.title.split(" — ")[0] for c in charts] == ["hidden state h_t", "cell state c_t"]
    assert all(c.type == "heatmap" and (c.units, c.steps) == (32, 37) for c in charts), charts
    # the sizes are the model's: no size controls, the sidebar says so and shows the model's card
    sidebar = app.page.get_by_test_id("stSidebar")
    expect(app.sidebar_widget("stSlider", "Hidden size")).to_have_count(0)
    expect(sidebar.get_by_text("Sizes fixed by the model", exact=False)).to_be_visible()
    sidebar.get_by_text("Model card", exact=True).click()
    expect(sidebar.get_by_text("unit 20: corr(h, cos x) = 0.98")).to_be_visible()
    # the front door lists the lessons
    links = main.locator(".st-key-home-lessons").get_by_role("link")
    expect(links).to_have_count(len(LESSONS))
    app.screenshot("overview-trained")
    app.assert_healthy()


# --------------------------------------------------------------------------- the lesson path


def test_the_lesson_path_by_clicks_from_the_overview_and_back(app):
    app.goto("/")
    lessons_box = app.page.get_by_test_id("stMain").locator(".st-key-home-lessons")
    first = lessons_box.get_by_role("link", name=re.compile(rf"^1\. {re.escape(LESSONS[0].title)}"))
    with app.expect_rerun():
        first.click()

    # 1. cell anatomy: the trained sine LSTM, unit 20, the sizes fixed by the model
    wait_for_viewer(app)
    check_lesson(app, 1)
    expect(app.selectbox_input("Model")).to_have_value(model_label("sine-lstm"))
    expect(unit_input(app)).to_have_value("20")
    expect(app.page.locator("#caption")).to_contain_text("unit 20")  # the cell diagram shows unit 20
    expect(app.sidebar_widget("stSlider", "Hidden size")).to_have_count(0)
    assert "torch.nn.LSTM(1, 32)" in module_code(app)
    app.screenshot("lesson-1-cell-anatomy")

    # 2. batch_first and shapes: a 32-unit LSTM, batch first, a batch of 4 sequences of 40 steps
    follow(app, f"Next lesson: {LESSONS[1].title}")
    check_lesson(app, 2)
    expect(app.slider_input("Hidden size")).to_have_value("32")
    main = app.page.get_by_test_id("stMain")
    table = main.get_by_test_id("stMarkdownContainer").locator("table").first
    for shape in ("(4, 40, 1)", "(4, 40, 32)", "(1, 4, 32)"):  # input, output, h_n with batch_first=True
        expect(table).to_contain_text(shape)
    app.screenshot("lesson-2-shapes")

    # 3. train sin -> cos yourself
    follow(app, f"Next lesson: {LESSONS[2].title}")
    check_lesson(app, 3)
    assert app.title() == "Train: sin → cos"
    expect(app.page.get_by_role("button", name="Start", exact=True)).to_be_visible()
    app.screenshot("lesson-3-train")

    # 4. the bracket counter: the character model, unit 43, its sample text
    follow(app, f"Next lesson: {LESSONS[3].title}")
    wait_for_viewer(app)
    check_lesson(app, 4)
    expect(app.selectbox_input("Model")).to_have_value(model_label("brackets-lstm"))
    expect(unit_input(app)).to_have_value("43")
    text = bracket_sample_line()
    expect(viewer(app).locator(".t-label")).to_have_text(f"t = 0 of {len(text) - 1} · reads '{visible(text[0])}'")
    assert coloured_by(app) == 43
    app.screenshot("lesson-4-brackets")

    # 5. why gates: the Memory & gradients page, its gradient view of the untrained race
    follow(app, f"Next lesson: {LESSONS[4].title}")
    check_lesson(app, 5)
    assert app.title() == "Memory & gradients"
    expect(app.page.get_by_role("button", name="Start", exact=True)).to_be_visible()
    app.screenshot("lesson-5-why-gates")

    # 6. your own model: the sidebar's sizes are back, with the notebook snippet
    follow(app, f"Next lesson: {LESSONS[5].title}")
    wait_for_viewer(app)
    check_lesson(app, 6)
    expect(app.selectbox_input("Model")).to_have_value(model_label("custom"))
    expect(app.slider_input("Hidden size")).to_have_count(1)
    expect(banner(app).get_by_test_id("stCode")).to_contain_text("rnnviz.trace(module, x)")
    expect(banner(app).get_by_role("link", name=re.compile("Next lesson"))).to_have_count(0)
    app.screenshot("lesson-6-your-own")

    follow(app, "Back to the lessons")
    assert app.path() == "/" and app.title() == OVERVIEW_TITLE
    expect(app.page.locator(".st-key-lesson-banner")).to_have_count(0)
    expect(app.page.locator(".st-key-home-lessons").get_by_role("link")).to_have_count(len(LESSONS))
    app.screenshot("back-to-the-lessons")
    app.assert_healthy()


# --------------------------------------------------------------------------- the bracket model on typed text


def expect_step(app, text: str, t: int) -> None:
    """The viewer shows step ``t`` of ``text``: the character in the t-label and the x card, and the W_ih column."""
    _, vocabulary = char_model(load_reference("brackets-lstm"))
    char, j = visible(text[t]), vocabulary.chars.index(text[t])
    expect(viewer(app).locator(".t-label")).to_have_text(f"t = {t} of {len(text) - 1} · reads '{char}'")
    assert viewer(app).get_attribute("data-t") == str(t)
    assert x_card(app) == f"'{char}'"
    note = viewer(app).get_by_test_id("step-note").inner_text()
    assert f"x_t is the one-hot vector of '{char}' (vocabulary index {j}), so W_ih x_t = W_ih[:, {j}]" in note, note


def test_step_through_reads_a_typed_text_on_the_bracket_model(app):
    app.goto("/step_through?model=brackets-lstm")
    wait_for_viewer(app)
    app.assert_healthy()
    text = bracket_sample_line()
    expect_step(app, text, 0)
    ticks = app.chart("c_t").evaluate(
        "(plot) => ({ ticktext: plot._fullLayout.xaxis.ticktext, tickvals: plot._fullLayout.xaxis.tickvals })"
    )
    assert ticks["ticktext"] == [visible(text[int(t)]) for t in ticks["tickvals"]]

    viewer(app).locator(".t-slider").focus()
    for _ in range(5):
        app.page.keyboard.press("ArrowRight")
    expect_step(app, text, 5)
    app.screenshot("bracket-t5")

    viewer(app).locator(".speed").select_option("10")
    viewer(app).locator(".play").click()
    app.page.wait_for_function(
        """() => [...document.querySelectorAll('*')].map((e) => e.shadowRoot).filter(Boolean)
             .some((r) => Number(r.querySelector('[data-testid="step-viewer"]')?.dataset.t) >= 8)""",
        timeout=30_000,
    )
    viewer(app).locator(".play").click()  # pause
    expect(viewer(app)).to_have_attribute("data-playing", "false")
    paused = int(viewer(app).get_attribute("data-t"))
    expect_step(app, text, paused)
    app.page.wait_for_function(f"() => new URL(location.href).searchParams.get('t') === '{paused}'", timeout=30_000)
    app.wait_until_idle()  # the step is kept on the server (a script run)

    # a notable unit of the card, one click away
    with app.expect_rerun():
        app.page.get_by_role("button", name="unit 23", exact=True).click()
    expect(unit_input(app)).to_have_value("23")
    assert coloured_by(app) == 23

    # a character the model never saw: named, the typed text kept, dropped on request
    box = app.page.get_by_test_id("stMain").get_by_role("textbox", name=re.compile("^Text the model reads"))
    box.fill("(ax)é")
    with app.expect_rerun():
        box.press("Control+Enter")
    errors = " ".join(app.error_texts())
    assert "'x'" in errors and "'é'" in errors, errors
    expect(box).to_have_value("(ax)é")
    app.assert_healthy(expected_errors=["'x'"])
    app.screenshot("unknown-characters")

    with app.expect_rerun():
        app.page.get_by_role("button", name="Drop them", exact=True).click()
    expect(box).to_have_value("(a)")
    assert app.error_texts() == []
    assert app.query_params().get("text") == "(a)"
    wait_for_viewer(app)
    expect_step(app, "(a)", 2)  # the step shown before, within the shorter text: its last
    viewer(app).locator(".t-slider").focus()
    app.page.keyboard.press("Home")
    expect_step(app, "(a)", 0)
    app.page.keyboard.press("ArrowRight")
    expect_step(app, "(a)", 1)
    app.screenshot("dropped")
    app.assert_healthy()
